"""Real handwritten digits, shipped with the package: scikit-learn's ``load_digits`` data.

1,797 grey-level images of 8×8 pixels, each pixel an integer 0..16 (the number of ink pixels in
a 4×4 block of a 32×32 bitmap), labelled with the digit 0..9. This is the test set of the UCI
"Optical Recognition of Handwritten Digits" data set (E. Alpaydin and C. Kaynak, 1998; CC BY
4.0), as scikit-learn 1.9.1 distributes it; ``data/README.md`` records the provenance and the
checksums. It is read from ``data/digits.npz``: nothing is downloaded at run time.

:func:`split_digits` makes the seeded train/test split the sweep tables train on, with the
pixels scaled to [0, 1] (value / 16).

References:
    E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
    Learning Repository, 1998, https://doi.org/10.24432/C50P49.
"""

from __future__ import annotations

import functools
import hashlib
import numbers
import pathlib
from typing import Any, NamedTuple

import numpy as np

DATA_FILE = pathlib.Path(__file__).with_name("data") / "digits.npz"
SHA256 = "b2dab7b501728c22e9119ad76740b2e17c77a231e42d1e592380d90886f1a05e"
"""SHA-256 of ``data/digits.npz``, the file as shipped."""
CONTENT_SHA256 = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
"""SHA-256 of the images' bytes followed by the labels' bytes (uint8, C order): reproducible
from ``sklearn.datasets.load_digits()`` whatever the zip container's timestamps."""

NUM_IMAGES = 1797
NUM_CLASSES = 10
IMAGE_SHAPE = (8, 8)
NUM_FEATURES = 64
MAX_PIXEL = 16
NUM_TRAIN = 1300
"""The default training-set size: 13 minibatches of 100, so an epoch uses every example."""


class Digits(NamedTuple):
    """The whole data set, in scikit-learn's order (read-only arrays).

    Attributes:
        images: ``(1797, 8, 8)`` uint8, values 0..16.
        labels: ``(1797,)`` uint8, the digit 0..9.
    """

    images: np.ndarray
    labels: np.ndarray


class DigitsSplit(NamedTuple):
    """A train/test split, ready for a network: flattened pixels scaled to [0, 1].

    Attributes:
        x_train: ``(n_train, 64)`` float32, pixel / 16, row-major over the 8×8 image.
        y_train: ``(n_train,)`` int32 digit labels.
        x_test: ``(n_test, 64)`` float32.
        y_test: ``(n_test,)`` int32.
        train_index: ``(n_train,)`` int64 indices of the training images in :func:`load_digits`.
        test_index: ``(n_test,)`` int64 indices of the test images.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray


def file_sha256(path: pathlib.Path = DATA_FILE) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def load_digits() -> Digits:
    """The 1,797 digits, read once from the shipped file and checked against :data:`SHA256`.

    Raises:
        ValueError: if the file's checksum is not the recorded one (a damaged or replaced file).
    """
    digest = file_sha256()
    if digest != SHA256:
        raise ValueError(
            f"{DATA_FILE} has SHA-256 {digest}, expected {SHA256}: the shipped data file was "
            "changed or damaged."
        )
    with np.load(DATA_FILE) as data:
        images, labels = data["images"], data["labels"]
    images.setflags(write=False)
    labels.setflags(write=False)
    return Digits(images, labels)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def split_digits(seed: int = 0, num_train: int = NUM_TRAIN) -> DigitsSplit:
    """A seeded random train/test split of the 1,797 digits.

    The images are shuffled by ``np.random.default_rng(seed).permutation``; the first
    ``num_train`` train, the rest test. Pixels become float32 ``value / 16`` in [0, 1].

    Args:
        seed: the split's seed, an integer >= 0.
        num_train: training-set size, an integer in [100, 1697] (at least 100 test images).

    Raises:
        ValueError: naming the argument, the value and the valid range.
    """
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"Argument `seed` must be an integer >= 0. Received: seed={seed!r}")
    if not _is_int(num_train) or not 100 <= num_train <= NUM_IMAGES - 100:
        raise ValueError(
            f"Argument `num_train` must be an integer in [100, {NUM_IMAGES - 100}]. "
            f"Received: num_train={num_train!r}"
        )
    digits = load_digits()
    order = np.random.default_rng(int(seed)).permutation(NUM_IMAGES)
    train_index, test_index = np.sort(order[:num_train]), np.sort(order[num_train:])
    x = digits.images.reshape(NUM_IMAGES, NUM_FEATURES).astype(np.float32) / MAX_PIXEL
    y = digits.labels.astype(np.int32)
    return DigitsSplit(
        x[train_index], y[train_index], x[test_index], y[test_index], train_index, test_index
    )
