"""Toy 2-D datasets for the small-network trainer, after TensorFlow Playground.

Each sampler draws ``n_points`` points from a NumPy ``Generator`` and returns them with their
labels; :func:`make_dataset` validates the controls, seeds the generator, samples and splits
into train and test sets. Everything is deterministic given the seed.

The definitions follow TensorFlow Playground's ``dataset.ts`` (field notes, section 2b): points
in roughly [−6, 6]², classes of equal size, and a ``noise`` control in [0, 0.5] whose meaning
depends on the dataset (see ``DatasetSpec.noise_help``). Moons is sklearn's ``make_moons``,
centred and scaled to the same range. Labels are 0/1 (Playground uses −1/+1) so they feed a
sigmoid cross-entropy directly; the regression plane's label is (x + y)/12, in [−1, 1] without
noise (Playground divides by 10).

References:
    Smilkov and Carter, TensorFlow Playground, ``src/dataset.ts``
    (https://github.com/tensorflow/playground).
    scikit-learn, ``sklearn.datasets.make_moons``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Interval = tuple[float, float]
Domain = tuple[Interval, Interval]
Sampler = Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]

N_POINTS_RANGE = (50, 2000)
NOISE_RANGE = (0.0, 0.5)
TEST_FRACTION_RANGE = (0.1, 0.9)

BOUNDS: Domain = ((-6.0, 6.0), (-6.0, 6.0))
"""The input plane drawn behind every dataset, as in TensorFlow Playground."""

CIRCLE_RADIUS = 5.0
INNER_RADIUS = 0.5 * CIRCLE_RADIUS  # 2.5: the class boundary
OUTER_MIN_RADIUS = 0.7 * CIRCLE_RADIUS  # 3.5
XOR_HALF_WIDTH = 5.0
XOR_PADDING = 0.3
SPIRAL_RADIUS = 5.0
SPIRAL_TURNS = 1.75
GAUSS_CENTRE = 2.0
GAUSS_VARIANCE = (0.5, 4.0)  # at noise 0 and noise 0.5
MOONS_SCALE = 10.0 / 3.0  # make_moons spans x in [−1, 2]: scaled to [−5, 5]
MOONS_CENTRE = (0.5, 0.25)
PLANE_HALF_WIDTH = 6.0


class Dataset(NamedTuple):
    """A sampled dataset, split into train and test sets.

    Attributes:
        x_train: inputs, ``(n_train, 2)`` float32.
        y_train: labels, ``(n_train,)`` float32: 0/1 for classification, a real for regression.
        x_test: inputs, ``(n_test, 2)`` float32.
        y_test: labels, ``(n_test,)`` float32.
        task: ``"classification"`` or ``"regression"``.
        name: the key in :data:`DATASETS`.
        bounds: ``((xmin, xmax), (ymin, ymax))`` of the input plane for decision-boundary plots.
            At high noise a few points may lie outside it, as in TensorFlow Playground.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str
    name: str
    bounds: Domain


class DatasetSpec(NamedTuple):
    """A dataset's declaration: what the controls and the page need to know about it.

    Attributes:
        key: URL-safe identifier.
        title: human-readable name.
        description: one line on the shape of the data and what it asks of a network.
        task: ``"classification"`` or ``"regression"``.
        noise_help: what the ``noise`` control does to this dataset.
        sampler: ``sampler(rng, n_points, noise) -> (x (n, 2) float64, y (n,) float64)``.
    """

    key: str
    title: str
    description: str
    task: str
    noise_help: str
    sampler: Sampler


def _class_sizes(n_points: int) -> tuple[int, int]:
    """Sizes of class 1 and class 0: equal, class 1 takes the odd point."""
    return n_points - n_points // 2, n_points // 2


def circles(rng: np.random.Generator, n_points: int, noise: float) -> tuple[np.ndarray, ...]:
    """A disk r < 2.5 (label 1) inside an annulus 3.5 <= r <= 5 (label 0).

    Radii and angles are uniform (Playground's ``classifyCircleData``). Noise is label noise:
    each label is decided at the point shifted by U(−5, 5)·noise in x and in y, while the point
    itself stays put, so labels near the gap can flip.
    """
    n_inner, n_outer = _class_sizes(n_points)
    radius = np.concatenate(
        [
            rng.uniform(0.0, INNER_RADIUS, n_inner),
            rng.uniform(OUTER_MIN_RADIUS, CIRCLE_RADIUS, n_outer),
        ]
    )
    angle = rng.uniform(0.0, 2.0 * math.pi, n_points)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    jitter = rng.uniform(-CIRCLE_RADIUS, CIRCLE_RADIUS, (n_points, 2)) * noise
    y = np.linalg.norm(x + jitter, axis=1) < INNER_RADIUS
    return x, y.astype(np.float64)


def xor(rng: np.random.Generator, n_points: int, noise: float) -> tuple[np.ndarray, ...]:
    """Uniform in [−5, 5]², pushed 0.3 off both axes; label 1 where x·y > 0 (quadrants I, III).

    As Playground's ``classifyXORData``, except that exactly half the points are drawn in
    quadrants I and III, so the classes are balanced before noise. Noise is label noise: the
    label is decided at the point shifted by U(−5, 5)·noise in x and in y.
    """
    n_same, n_opposite = _class_sizes(n_points)
    magnitude = rng.uniform(0.0, XOR_HALF_WIDTH, (n_points, 2)) + XOR_PADDING
    sign_x = rng.choice(np.array([-1.0, 1.0]), n_points)
    sign_y = sign_x * np.concatenate([np.ones(n_same), -np.ones(n_opposite)])
    x = magnitude * np.stack([sign_x, sign_y], axis=1)
    jitter = rng.uniform(-XOR_HALF_WIDTH, XOR_HALF_WIDTH, (n_points, 2)) * noise
    shifted = x + jitter
    y = shifted[:, 0] * shifted[:, 1] >= 0.0
    return x, y.astype(np.float64)


def two_gaussians(rng: np.random.Generator, n_points: int, noise: float) -> tuple[np.ndarray, ...]:
    """N((2, 2), σ²I) (label 1) and N((−2, −2), σ²I) (label 0).

    Noise widens both: the variance σ² grows linearly from 0.5 at noise 0 to 4 at noise 0.5
    (Playground's ``classifyTwoGaussData``). Labels are never noisy; the clouds overlap.
    """
    n_pos, n_neg = _class_sizes(n_points)
    low, high = GAUSS_VARIANCE
    sigma = math.sqrt(low + (high - low) * noise / NOISE_RANGE[1])
    centre = np.concatenate([np.full(n_pos, GAUSS_CENTRE), np.full(n_neg, -GAUSS_CENTRE)])
    x = centre[:, None] + sigma * rng.standard_normal((n_points, 2))
    y = np.concatenate([np.ones(n_pos), np.zeros(n_neg)])
    return x, y


def _spiral_arm(rng: np.random.Generator, count: int, phase: float, noise: float) -> np.ndarray:
    fraction = np.arange(count) / count
    radius = SPIRAL_RADIUS * fraction
    angle = SPIRAL_TURNS * 2.0 * math.pi * fraction + phase
    arm = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return arm + rng.uniform(-1.0, 1.0, (count, 2)) * noise


def spiral(rng: np.random.Generator, n_points: int, noise: float) -> tuple[np.ndarray, ...]:
    """Two interleaved arms of 1.75 turns out to r = 5; arm 2 is arm 1 turned by π.

    Point i of an arm of n has r = 5i/n and t = 1.75·2π·i/n (label 1), or t + π (label 0)
    (Playground's ``classifySpiralData``). Noise is position jitter: each coordinate moves by
    U(−1, 1)·noise. Without noise the points are the same for every seed (only the split varies).
    """
    n_pos, n_neg = _class_sizes(n_points)
    x = np.concatenate(
        [_spiral_arm(rng, n_pos, 0.0, noise), _spiral_arm(rng, n_neg, math.pi, noise)]
    )
    y = np.concatenate([np.ones(n_pos), np.zeros(n_neg)])
    return x, y


def moons(rng: np.random.Generator, n_points: int, noise: float) -> tuple[np.ndarray, ...]:
    """Two interleaving half circles: sklearn's ``make_moons``, centred and scaled by 10/3.

    The upper moon is label 0 and the lower one label 1, as in sklearn; x spans [−5, 5] and y
    [−2.5, 2.5]. Noise is Gaussian position noise with standard deviation ``noise`` in
    ``make_moons`` units (so 10/3·noise here). Without noise the points are the same for every
    seed (only the split varies).
    """
    n_upper, n_lower = n_points // 2, n_points - n_points // 2
    upper_angle = np.linspace(0.0, math.pi, n_upper)
    lower_angle = np.linspace(0.0, math.pi, n_lower)
    x = np.concatenate(
        [
            np.stack([np.cos(upper_angle), np.sin(upper_angle)], axis=1),
            np.stack([1.0 - np.cos(lower_angle), 0.5 - np.sin(lower_angle)], axis=1),
        ]
    )
    x = x + noise * rng.standard_normal((n_points, 2))
    x = MOONS_SCALE * (x - np.array(MOONS_CENTRE))
    y = np.concatenate([np.zeros(n_upper), np.ones(n_lower)])
    return x, y


def plane(rng: np.random.Generator, n_points: int, noise: float) -> tuple[np.ndarray, ...]:
    """Uniform in [−6, 6]² with the real label (x + y)/12, in [−1, 1] without noise.

    Playground's ``regressPlane`` (which divides by 10). Noise is label noise: the label is
    computed at the point shifted by U(−6, 6)·noise in x and in y, so it can reach ±1.5.
    """
    x = rng.uniform(-PLANE_HALF_WIDTH, PLANE_HALF_WIDTH, (n_points, 2))
    jitter = rng.uniform(-PLANE_HALF_WIDTH, PLANE_HALF_WIDTH, (n_points, 2)) * noise
    y = (x + jitter).sum(axis=1) / (2.0 * PLANE_HALF_WIDTH)
    return x, y


_LABEL_NOISE = (
    "Label noise: each label is decided at the point shifted by a uniform amount of up to "
    "±{reach}·noise in x and in y; the points themselves do not move."
)

_DATASET_LIST = (
    DatasetSpec(
        key="circles",
        title="Circle",
        description="A disk inside a ring: no straight line separates them, a curved one must.",
        task="classification",
        noise_help=_LABEL_NOISE.format(reach=5),
        sampler=circles,
    ),
    DatasetSpec(
        key="xor",
        title="Exclusive or",
        description="Opposite quadrants share a label: one hidden layer of two units is the least.",
        task="classification",
        noise_help=_LABEL_NOISE.format(reach=5),
        sampler=xor,
    ),
    DatasetSpec(
        key="two_gaussians",
        title="Two Gaussians",
        description="Two clouds a line can split: the easy baseline.",
        task="classification",
        noise_help="Spread: each cloud's variance grows from 0.5 (noise 0) to 4 (noise 0.5).",
        sampler=two_gaussians,
    ),
    DatasetSpec(
        key="spiral",
        title="Spiral",
        description="Two interleaved arms: the hardest, it needs depth, width and patience.",
        task="classification",
        noise_help="Position jitter: each coordinate moves by a uniform amount of up to ±noise.",
        sampler=spiral,
    ),
    DatasetSpec(
        key="moons",
        title="Moons",
        description="Two interleaving half circles (scikit-learn's make_moons), scaled up.",
        task="classification",
        noise_help=(
            "Position noise: Gaussian, standard deviation noise in make_moons units "
            "(10/3·noise on this plane)."
        ),
        sampler=moons,
    ),
    DatasetSpec(
        key="plane",
        title="Plane (regression)",
        description="The label is (x + y)/12: a linear target for a mean-squared-error fit.",
        task="regression",
        noise_help=_LABEL_NOISE.format(reach=6),
        sampler=plane,
    ),
)

DATASETS: dict[str, DatasetSpec] = {spec.key: spec for spec in _DATASET_LIST}


def _check_number(name: str, value: Any, lo: float, hi: float) -> float:
    valid = f"a number in [{lo:g}, {hi:g}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={value!r}")
    number = float(value)
    if not (math.isfinite(number) and lo <= number <= hi):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={value!r}")
    return number


def _check_integer(name: str, value: Any, lo: int, hi: int | None) -> int:
    valid = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={value!r}")
    if value < lo or (hi is not None and value > hi):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={value!r}")
    return int(value)


def _split(
    rng: np.random.Generator, y: np.ndarray, n_test: int, stratify: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and test indices; classification keeps each class's share in both."""
    order = rng.permutation(len(y))
    if not stratify:
        return order[n_test:], order[:n_test]
    test_parts, train_parts = [], []
    remaining = n_test
    classes = np.unique(y)
    for i, label in enumerate(classes):
        members = order[y[order] == label]
        if i == len(classes) - 1:
            share = remaining
        else:
            share = math.floor(n_test * len(members) / len(y) + 0.5)
        share = min(max(share, 0), len(members))
        remaining -= share
        test_parts.append(members[:share])
        train_parts.append(members[share:])
    train, test = np.concatenate(train_parts), np.concatenate(test_parts)
    return rng.permutation(train), rng.permutation(test)


def make_dataset(
    name: str,
    n_points: int = 500,
    noise: float = 0.0,
    test_fraction: float = 0.5,
    seed: int = 0,
) -> Dataset:
    """Samples the dataset ``DATASETS[name]`` and splits it into train and test sets.

    Args:
        name: a key of :data:`DATASETS`.
        n_points: total number of points, train and test, an integer in [50, 2000].
        noise: the dataset's noise level in [0, 0.5] (see ``DATASETS[name].noise_help``).
        test_fraction: share of the points held out for testing, in [0.1, 0.9]; the test set
            has ``round(n_points * test_fraction)`` points. Classification splits are
            stratified, so both sets keep the class balance.
        seed: a non-negative integer seeding ``numpy.random.default_rng``.

    Returns:
        A :class:`Dataset` of float32 arrays, the same for the same arguments.

    Raises:
        ValueError: naming the argument, the value received and the valid range.
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(
            f"Argument `name` must be one of {', '.join(DATASETS)}. Received: name={name!r}"
        )
    n_points = _check_integer("n_points", n_points, *N_POINTS_RANGE)
    noise = _check_number("noise", noise, *NOISE_RANGE)
    test_fraction = _check_number("test_fraction", test_fraction, *TEST_FRACTION_RANGE)
    seed = _check_integer("seed", seed, 0, None)

    spec = DATASETS[name]
    rng = np.random.default_rng(seed)
    x, y = spec.sampler(rng, n_points, noise)
    n_test = math.floor(n_points * test_fraction + 0.5)
    train, test = _split(rng, y, n_test, stratify=spec.task == "classification")
    return Dataset(
        x_train=x[train].astype(np.float32),
        y_train=y[train].astype(np.float32),
        x_test=x[test].astype(np.float32),
        y_test=y[test].astype(np.float32),
        task=spec.task,
        name=name,
        bounds=BOUNDS,
    )
