"""A small multilayer perceptron and the :class:`NetworkObjective` the engine minimises.

Params are a list with one ``{"kernel": (in, out), "bias": (out,)}`` dict per layer, Keras's
``Dense`` layout, so they load into ``keras.Sequential([Dense, ...])`` one to one, initialised
as ``Dense`` does by default (Glorot-uniform kernels, zero biases). Every hidden layer applies
the same activation; the single output unit is linear: a logit for classification, trained
with the sigmoid cross-entropy Keras computes for ``BinaryCrossentropy(from_logits=True)``, or a
value for regression, trained with the mean squared error. Both losses are means over the batch,
Keras's ``"sum_over_batch_size"`` reduction.

A :class:`NetworkObjective` is ``loss(params, key, step)`` for the engine: the architecture is
static, the training data are pytree leaves, and each call draws its minibatch from ``key``
inside the function, so a whole training run is one jitted ``lax.scan`` and new data of the
same shape reuse the compiled code.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from adadelta.problems.datasets import Dataset

Params = list[dict[str, jax.Array]]
Interval = tuple[float, float]
Domain = tuple[Interval, Interval]

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
}
"""Hidden-layer activations, the functions Keras's JAX backend uses for the same names."""

TASKS = ("classification", "regression")
HIDDEN_LAYERS_RANGE = (1, 4)
WIDTH_RANGE = (2, 32)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """Validates layer sizes ``(in_features, hidden..., 1)`` and returns them as a tuple.

    Raises:
        ValueError: unless there are 1 to 4 hidden layers, each 2 to 32 wide, at least one input
            feature and exactly one output unit.
    """
    lo_layers, hi_layers = HIDDEN_LAYERS_RANGE
    lo_width, hi_width = WIDTH_RANGE
    shape = f"(in_features, {lo_layers} to {hi_layers} hidden widths, 1)"
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ValueError(f"Argument `sizes` must be a sequence {shape}. Received: sizes={sizes!r}")
    sizes = tuple(sizes)
    if not all(_is_int(s) for s in sizes):
        raise ValueError(f"Argument `sizes` must hold integers. Received: sizes={sizes!r}")
    sizes = tuple(int(s) for s in sizes)
    if not lo_layers + 2 <= len(sizes) <= hi_layers + 2:
        raise ValueError(
            f"Argument `sizes` must have {lo_layers} to {hi_layers} hidden layers, {shape}. "
            f"Received: sizes={sizes!r} ({max(len(sizes) - 2, 0)} hidden layers)"
        )
    if sizes[0] < 1:
        raise ValueError(
            f"Argument `sizes` must start with in_features >= 1. Received: sizes={sizes!r}"
        )
    if sizes[-1] != 1:
        raise ValueError(f"Argument `sizes` must end with 1 output unit. Received: sizes={sizes!r}")
    for width in sizes[1:-1]:
        if not lo_width <= width <= hi_width:
            raise ValueError(
                f"Argument `sizes` must have hidden widths in [{lo_width}, {hi_width}]. "
                f"Received: sizes={sizes!r} (width {width})"
            )
    return sizes


def mlp_sizes(hidden_layers: int = 2, width: int = 8, in_features: int = 2) -> tuple[int, ...]:
    """Layer sizes of ``hidden_layers`` layers of ``width`` units: ``(in, width, ..., 1)``.

    Raises:
        ValueError: if ``hidden_layers`` is not in [1, 4] or ``width`` not in [2, 32].
    """
    for name, value, (lo, hi) in (
        ("hidden_layers", hidden_layers, HIDDEN_LAYERS_RANGE),
        ("width", width, WIDTH_RANGE),
    ):
        if not _is_int(value) or not lo <= value <= hi:
            raise ValueError(
                f"Argument `{name}` must be an integer in [{lo}, {hi}]. Received: {name}={value!r}"
            )
    if not _is_int(in_features) or in_features < 1:
        raise ValueError(
            f"Argument `in_features` must be an integer >= 1. Received: in_features={in_features!r}"
        )
    return (int(in_features), *([int(width)] * int(hidden_layers)), 1)


def check_activation(activation: str) -> str:
    """Validates an activation name (one of :data:`ACTIVATIONS`)."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"Argument `activation` must be one of {', '.join(ACTIVATIONS)}. "
            f"Received: activation={activation!r}"
        )
    return activation


def check_task(task: str) -> str:
    """Validates a task name (one of :data:`TASKS`)."""
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(
            f"Argument `task` must be one of {', '.join(TASKS)}. Received: task={task!r}"
        )
    return task


def check_batch_size(batch_size: int | None) -> int | None:
    """Validates a minibatch size: None (full batch) or an integer >= 1."""
    if batch_size is None:
        return None
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(
            "Argument `batch_size` must be an integer >= 1 or None (full batch). "
            f"Received: batch_size={batch_size!r}"
        )
    return int(batch_size)


def _as_key(key: jax.Array | int) -> jax.Array:
    if _is_int(key):
        return jax.random.key(int(key))
    return key


def glorot_limit(fan_in: int, fan_out: int) -> float:
    """The bound of Glorot-uniform initialisation, ``√(6 / (fan_in + fan_out))``."""
    return math.sqrt(6.0 / (fan_in + fan_out))


def init_mlp(key: jax.Array | int, sizes: Sequence[int]) -> Params:
    """Params for layer sizes ``(in, hidden..., 1)``, as Keras ``Dense`` initialises them.

    Kernels are Glorot-uniform, U(−√(6/(in+out)), √(6/(in+out))), and biases zero. The values
    are drawn with JAX's generator, so they differ from Keras's for the same seed.

    Args:
        key: a PRNG key or an int seed.
        sizes: layer sizes, validated by :func:`check_sizes`.

    Returns:
        ``[{"kernel": (sizes[i], sizes[i+1]), "bias": (sizes[i+1],)} for each layer]``, float32.
    """
    sizes = check_sizes(sizes)
    keys = jax.random.split(_as_key(key), len(sizes) - 1)
    params = []
    for layer_key, fan_in, fan_out in zip(keys, sizes[:-1], sizes[1:]):
        limit = glorot_limit(fan_in, fan_out)
        kernel = jax.random.uniform(
            layer_key, (fan_in, fan_out), jnp.float32, minval=-limit, maxval=limit
        )
        params.append({"kernel": kernel, "bias": jnp.zeros((fan_out,), jnp.float32)})
    return params


def forward(params: Params, x: jax.Array, activation: str) -> jax.Array:
    """The network's output for inputs ``x`` of shape ``(n, in)``: shape ``(n,)``.

    Each layer computes ``x @ kernel + bias`` (Keras ``Dense``); hidden layers then apply the
    activation, the last one stays linear.
    """
    act = ACTIVATIONS[check_activation(activation)]
    h = x
    for i, layer in enumerate(params):
        h = jnp.matmul(h, layer["kernel"]) + jnp.expand_dims(layer["bias"], 0)
        if i < len(params) - 1:
            h = act(h)
    return h[:, 0]


def sigmoid_cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Elementwise ``−y·log σ(z) − (1−y)·log σ(−z)``, stable for large |z|.

    The expression of Keras's JAX ``binary_crossentropy(from_logits=True)``, term by term.
    """
    log_p = jax.nn.log_sigmoid(logits)
    log_not_p = jax.nn.log_sigmoid(-logits)
    return -1.0 * labels * log_p - (1.0 - labels) * log_not_p


def loss_from_output(output: jax.Array, labels: jax.Array, task: str) -> jax.Array:
    """Mean sigmoid cross-entropy (classification) or mean squared error (regression)."""
    if check_task(task) == "classification":
        per_example = sigmoid_cross_entropy(output, labels)
    else:
        per_example = jnp.square(labels - output)
    return jnp.sum(per_example) / per_example.shape[0]


def grid_axes(bounds: Domain, resolution: int | tuple[int, int]) -> tuple[jax.Array, jax.Array]:
    """The x and y coordinates of a decision grid: ``linspace`` over ``bounds``, ends included.

    ``resolution`` is one count for both axes or ``(nx, ny)``; each must be an integer >= 2.
    """
    nx, ny = (resolution, resolution) if _is_int(resolution) else tuple(resolution)
    for name, count in (("nx", nx), ("ny", ny)):
        if not _is_int(count) or count < 2:
            raise ValueError(
                "Argument `resolution` must be an integer >= 2 or a pair of them. "
                f"Received: resolution={resolution!r} ({name}={count!r})"
            )
    (xmin, xmax), (ymin, ymax) = bounds
    return jnp.linspace(xmin, xmax, int(nx)), jnp.linspace(ymin, ymax, int(ny))


def _leaf(value: Any, name: str, ndim: int) -> np.ndarray:
    array = np.asarray(value, dtype=np.float32)
    if array.ndim != ndim:
        raise ValueError(
            f"Argument `{name}` must have {ndim} dimension(s). Received: {name}.shape={array.shape}"
        )
    return array


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True, eq=False)
class NetworkObjective:
    """``loss(params, key, step)`` of an MLP on a training set, for the engine.

    A pytree: the architecture (``sizes``, ``activation``, ``task``, ``batch_size``) is static,
    part of the treedef; the training data ``x`` and ``y`` are leaves, traced by ``jax.jit``.
    Build one with :meth:`create` or :meth:`from_dataset`, which validate everything.

    Each call draws ``batch_size`` distinct examples uniformly from ``key`` (the engine passes
    ``fold_in(key, step)``, so every step, and every optimizer in the same run, sees its own
    fresh minibatch); with ``batch_size`` None or >= n it uses the whole training set. Sampling is
    without replacement within a step and independent across steps (not epochs).

    ``predict``, ``evaluate`` and ``decision_grid`` are pure ``jnp`` and work under
    ``jax.vmap`` over a leading axis of the params (e.g. a trace's ``(T+1, ...)`` leaves).

    Attributes:
        sizes: layer sizes ``(in_features, hidden..., 1)``.
        activation: hidden activation, a key of :data:`ACTIVATIONS`.
        task: ``"classification"`` or ``"regression"``.
        batch_size: minibatch size, or None for the full batch.
        x: training inputs, ``(n, in_features)`` float32.
        y: training labels, ``(n,)`` float32 (0/1 for classification).
    """

    sizes: tuple[int, ...] = dataclasses.field(metadata={"static": True})
    activation: str = dataclasses.field(metadata={"static": True})
    task: str = dataclasses.field(metadata={"static": True})
    batch_size: int | None = dataclasses.field(metadata={"static": True})
    x: Any
    y: Any

    @classmethod
    def create(
        cls,
        x: Any,
        y: Any,
        sizes: Sequence[int],
        activation: str = "tanh",
        task: str = "classification",
        batch_size: int | None = None,
    ) -> NetworkObjective:
        """Validates the architecture and the data and builds the objective.

        Raises:
            ValueError: naming the argument, the value received and the valid range.
        """
        sizes = check_sizes(sizes)
        x = _leaf(x, "x", 2)
        y = _leaf(y, "y", 1)
        if x.shape[0] < 1 or x.shape[1] != sizes[0] or y.shape[0] != x.shape[0]:
            raise ValueError(
                f"Arguments `x` and `y` must have shapes (n, {sizes[0]}) and (n,) with n >= 1. "
                f"Received: x.shape={x.shape}, y.shape={y.shape}"
            )
        return cls(
            sizes,
            check_activation(activation),
            check_task(task),
            check_batch_size(batch_size),
            x,
            y,
        )

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset,
        sizes: Sequence[int],
        activation: str = "tanh",
        batch_size: int | None = None,
    ) -> NetworkObjective:
        """The objective on a dataset's training set, with the dataset's task."""
        return cls.create(
            dataset.x_train, dataset.y_train, sizes, activation, dataset.task, batch_size
        )

    @property
    def num_examples(self) -> int:
        """The number of training examples n."""
        return int(self.x.shape[0])

    @property
    def full_batch(self) -> bool:
        """Whether every call uses the whole training set."""
        return self.batch_size is None or self.batch_size >= self.num_examples

    def batch(self, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """The minibatch ``(x, y)`` drawn from ``key``: the full set when :attr:`full_batch`."""
        x, y = jnp.asarray(self.x), jnp.asarray(self.y)
        if self.full_batch:
            return x, y
        index = jax.random.choice(key, self.num_examples, (self.batch_size,), replace=False)
        return x[index], y[index]

    def __call__(self, params: Params, key: jax.Array, step: Any = 0) -> jax.Array:
        """The mean loss of ``params`` on the minibatch drawn from ``key`` (a scalar)."""
        del step  # the engine already folds the step into the key
        x, y = self.batch(key)
        return loss_from_output(forward(params, x, self.activation), y, self.task)

    def output(self, params: Params, x: Any) -> jax.Array:
        """The raw output for ``x`` ``(n, in)``: logits (classification) or values, ``(n,)``."""
        return forward(params, jnp.asarray(x, jnp.float32), self.activation)

    def predict(self, params: Params, x: Any) -> jax.Array:
        """P(label 1) for classification, the predicted value for regression: ``(n,)``."""
        out = self.output(params, x)
        return jax.nn.sigmoid(out) if self.task == "classification" else out

    def evaluate(self, params: Params, x: Any, y: Any) -> tuple[jax.Array, jax.Array]:
        """``(loss, accuracy)`` on a whole set, e.g. the test set.

        The loss is the training loss (mean over all of ``x``); accuracy is the share of points
        whose logit has the label's sign (P > 0.5 means label 1), NaN for regression.
        """
        y = jnp.asarray(y, jnp.float32)
        out = self.output(params, x)
        loss = loss_from_output(out, y, self.task)
        if self.task == "classification":
            accuracy = jnp.mean(((out > 0.0) == (y > 0.5)).astype(jnp.float32))
        else:
            accuracy = jnp.full((), jnp.nan, jnp.float32)
        return loss, accuracy

    def decision_grid(
        self, params: Params, bounds: Domain, resolution: int | tuple[int, int] = 100
    ) -> jax.Array:
        """:meth:`predict` on a grid over ``bounds``: ``(ny, nx)``, row i at ``ys[i]``.

        The coordinates are :func:`grid_axes` ``(bounds, resolution)``; the layout is Plotly's
        heatmap ``z`` (rows along y, columns along x).
        """
        xs, ys = grid_axes(bounds, resolution)
        gx, gy = jnp.meshgrid(xs, ys)
        points = jnp.stack([gx.ravel(), gy.ravel()], axis=1)
        return self.predict(params, points).reshape(gx.shape)
