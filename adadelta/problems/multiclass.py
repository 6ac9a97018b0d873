"""A softmax classifier MLP trained on minibatches in epochs: the network of Zeiler's §4.1.

Params are a list with one ``{"kernel": (in, out), "bias": (out,)}`` dict per layer, Keras's
``Dense`` layout (as in :mod:`adadelta.problems.mlp`), so they load into
``keras.Sequential([Dense, ..., Dense(classes)])`` one to one. Hidden layers apply ``tanh`` (or
another of :data:`~adadelta.problems.mlp.ACTIVATIONS`); the output layer is linear, its logits
trained with the softmax cross-entropy Keras computes for
``SparseCategoricalCrossentropy(from_logits=True)``, a mean over the minibatch.

A :class:`ClassifierObjective` is ``loss(params, key, step)`` for the engine. The training data
and the minibatch order are pytree leaves: ``order`` lists the example indices epoch after
epoch (each epoch a fresh permutation, see :func:`epoch_order`), and call ``step`` trains on
``order[step·B : (step+1)·B]``. The order is fixed before the run, so a seed sets it, and a
batch of objectives with different orders (one per seed) can be vmapped by the engine.

References:
    Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012, arXiv:1212.5701, §4.1.
"""

from __future__ import annotations

import dataclasses
import itertools
import numbers
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from adadelta.problems.mlp import ACTIVATIONS, check_activation, glorot_limit

Params = list[dict[str, jax.Array]]

MAX_WIDTH = 512
MAX_EPOCHS = 200


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_classifier_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """Validates ``(in_features, hidden..., num_classes)``: 1 to 4 hidden layers of 1 to 512
    units, at least one input and at least two classes.

    Raises:
        ValueError: naming the argument, the value and the valid range.
    """
    shape = "(in_features, 1 to 4 hidden widths, num_classes)"
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ValueError(f"Argument `sizes` must be a sequence {shape}. Received: sizes={sizes!r}")
    sizes = tuple(sizes)
    if not all(_is_int(s) for s in sizes) or not 3 <= len(sizes) <= 6:
        raise ValueError(f"Argument `sizes` must be integers {shape}. Received: sizes={sizes!r}")
    sizes = tuple(int(s) for s in sizes)
    if sizes[0] < 1 or sizes[-1] < 2 or not all(1 <= w <= MAX_WIDTH for w in sizes[1:-1]):
        raise ValueError(
            f"Argument `sizes` must have in_features >= 1, hidden widths in [1, {MAX_WIDTH}] "
            f"and num_classes >= 2. Received: sizes={sizes!r}"
        )
    return sizes


def init_classifier(seed: int, sizes: Sequence[int]) -> Params:
    """Params for ``sizes``, as Keras ``Dense`` initialises them: Glorot-uniform kernels,
    U(−√(6/(in+out)), √(6/(in+out))), and zero biases.

    Drawn with ``np.random.default_rng(seed)`` (so the values differ from Keras's for the same
    seed), on the host: no JAX program to compile before the first run.

    Returns:
        ``[{"kernel": (sizes[i], sizes[i+1]), "bias": (sizes[i+1],)} for each layer]``, float32
        NumPy arrays.
    """
    sizes = check_classifier_sizes(sizes)
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"Argument `seed` must be an integer >= 0. Received: seed={seed!r}")
    rng = np.random.default_rng(int(seed))
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        limit = glorot_limit(fan_in, fan_out)
        kernel = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)
        params.append({"kernel": kernel, "bias": np.zeros((fan_out,), np.float32)})
    return params


def logits(params: Params, x: jax.Array, activation: str = "tanh") -> jax.Array:
    """The output layer's logits for inputs ``x`` ``(n, in)``: ``(n, num_classes)``."""
    act = ACTIVATIONS[activation]
    h = x
    for i, layer in enumerate(params):
        h = jnp.matmul(h, layer["kernel"]) + jnp.expand_dims(layer["bias"], 0)
        if i < len(params) - 1:
            h = act(h)
    return h


def softmax_cross_entropy(output: jax.Array, labels: jax.Array) -> jax.Array:
    """Per-example ``−log softmax(z)[y]``: Keras's JAX ``sparse_categorical_crossentropy``
    with ``from_logits=True`` (one-hot labels times ``log_softmax``, summed over classes)."""
    log_prob = jax.nn.log_softmax(output, axis=-1)
    one_hot = jax.nn.one_hot(labels, output.shape[-1], dtype=output.dtype)
    return -jnp.sum(one_hot * log_prob, axis=-1)


def mean_cross_entropy(output: jax.Array, labels: jax.Array) -> jax.Array:
    """The batch mean of :func:`softmax_cross_entropy` (Keras's ``sum_over_batch_size``)."""
    per_example = softmax_cross_entropy(output, labels)
    return jnp.sum(per_example) / per_example.shape[0]


def epoch_order(seed: int, num_examples: int, batch_size: int, epochs: int) -> np.ndarray:
    """Example indices for ``epochs`` epochs of minibatches, one fresh permutation per epoch.

    Each epoch uses the first ``(num_examples // batch_size) · batch_size`` indices of
    ``np.random.default_rng(seed)``'s next permutation (a last partial batch is dropped).

    Returns:
        ``(epochs · (num_examples // batch_size) · batch_size,)`` int32.
    """
    for name, value, lo in (
        ("num_examples", num_examples, 1),
        ("batch_size", batch_size, 1),
        ("epochs", epochs, 1),
        ("seed", seed, 0),
    ):
        if not _is_int(value) or value < lo:
            raise ValueError(f"Argument `{name}` must be an integer >= {lo}. Received: {value!r}")
    if batch_size > num_examples or epochs > MAX_EPOCHS:
        raise ValueError(
            f"Arguments need batch_size <= num_examples and epochs <= {MAX_EPOCHS}. Received: "
            f"batch_size={batch_size}, num_examples={num_examples}, epochs={epochs}"
        )
    used = (num_examples // batch_size) * batch_size
    rng = np.random.default_rng(int(seed))
    return np.concatenate([rng.permutation(num_examples)[:used] for _ in range(epochs)]).astype(
        np.int32
    )


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True, eq=False)
class ClassifierObjective:
    """``loss(params, key, step)``: the mean cross-entropy on minibatch ``step``.

    A pytree: ``sizes``, ``activation`` and ``batch_size`` are static; ``x``, ``y`` and
    ``order`` are leaves. Call ``step`` uses the examples ``order[step·B : (step+1)·B]``; steps
    past the end of ``order`` reuse its last minibatch. The key is not used (the order is the
    randomness), so one run needs ``len(order) // B`` steps: :attr:`num_steps`.

    Attributes:
        sizes: ``(in_features, hidden..., num_classes)``.
        activation: the hidden activation.
        batch_size: B.
        x: training inputs ``(n, in_features)`` float32.
        y: training labels ``(n,)`` int32 in [0, num_classes).
        order: ``(num_steps · B,)`` int32 example indices (see :func:`epoch_order`).
    """

    sizes: tuple[int, ...] = dataclasses.field(metadata={"static": True})
    activation: str = dataclasses.field(metadata={"static": True})
    batch_size: int = dataclasses.field(metadata={"static": True})
    x: Any
    y: Any
    order: Any

    @classmethod
    def create(
        cls,
        x: Any,
        y: Any,
        hidden: Sequence[int],
        *,
        batch_size: int = 100,
        epochs: int = 1,
        seed: int = 0,
        activation: str = "tanh",
    ) -> ClassifierObjective:
        """The objective on ``(x, y)`` with hidden widths ``hidden`` and ``epochs`` epochs of
        minibatches of ``batch_size`` in the order ``epoch_order(seed, ...)``.

        Raises:
            ValueError: naming the argument, the value and the valid range.
        """
        x = np.asarray(x, np.float32)
        y = np.asarray(y)
        if x.ndim != 2 or y.shape != x.shape[:1] or x.shape[0] < 1:
            raise ValueError(
                "Arguments `x` and `y` must have shapes (n, in_features) and (n,) with n >= 1. "
                f"Received: x.shape={x.shape}, y.shape={y.shape}"
            )
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise ValueError(f"Argument `y` must hold integer labels >= 0. Received: {y.dtype}")
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
            raise ValueError(f"Argument `hidden` must be a sequence of widths: {hidden!r}")
        sizes = check_classifier_sizes((x.shape[1], *hidden, int(y.max()) + 1))
        order = epoch_order(seed, x.shape[0], batch_size, epochs)
        return cls(
            sizes, check_activation(activation), int(batch_size), x, y.astype(np.int32), order
        )

    def with_order(self, order: Any) -> ClassifierObjective:
        """The same objective with another minibatch order (e.g. another seed's)."""
        return dataclasses.replace(self, order=order)

    @property
    def num_steps(self) -> int:
        """The number of minibatches in ``order``."""
        return int(np.shape(self.order)[-1]) // self.batch_size

    def batch(self, step: Any) -> tuple[jax.Array, jax.Array]:
        """Minibatch ``step``: ``(x, y)`` of shapes ``(B, in)`` and ``(B,)``."""
        start = jnp.minimum(jnp.asarray(step, jnp.int32), self.num_steps - 1) * self.batch_size
        index = jax.lax.dynamic_slice_in_dim(jnp.asarray(self.order), start, self.batch_size)
        return jnp.asarray(self.x)[index], jnp.asarray(self.y)[index]

    def __call__(self, params: Params, key: Any = None, step: Any = 0) -> jax.Array:
        """The mean cross-entropy of ``params`` on minibatch ``step`` (a scalar)."""
        del key  # the minibatch order was drawn before the run
        x, y = self.batch(step)
        return mean_cross_entropy(logits(params, x, self.activation), y)

    def evaluate(self, params: Params, x: Any, y: Any) -> tuple[jax.Array, jax.Array]:
        """``(mean cross-entropy, error rate)`` of ``params`` on a whole set, e.g. the test set.

        The error rate is the share of examples whose largest logit is not the label's; pure
        ``jnp``, so it works under ``jax.vmap`` over a leading axis of the params.
        """
        out = logits(params, jnp.asarray(x, jnp.float32), self.activation)
        y = jnp.asarray(y, jnp.int32)
        error = jnp.mean((jnp.argmax(out, axis=-1) != y).astype(jnp.float32))
        return mean_cross_entropy(out, y), error
