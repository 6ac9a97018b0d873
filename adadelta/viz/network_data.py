"""What the small-network figures draw, computed from a run: frames, grids, metrics, quantiles.

The figures in ``network.py`` take plain NumPy arrays; these helpers turn an ``engine.Trace``
of a :class:`~adadelta.problems.mlp.NetworkObjective` run into them. The model is evaluated
with ``jax.vmap`` over the recorded params (their leading step axis), one batched call per
quantity.

Step numbers follow the engine: ``params`` row t is the network after t optimizer calls
(t in [0, T]); ``effective_lr`` row t describes call t+1, so its rates are indexed here by the
call number t+1 in [1, T], the step at which that update lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from adadelta.engine import Trace
from adadelta.problems.datasets import Dataset
from adadelta.problems.mlp import Domain, NetworkObjective

PyTree = Any

MAX_FRAMES = 60
"""Decision-boundary frames: each one redraws every heatmap, so they are kept few."""

MAX_CURVE_POINTS = 400
"""Steps at which the loss, accuracy and rate-quantile curves are evaluated."""

GRID_RESOLUTION = 40
"""Cells per axis of the decision-boundary heatmaps (40 × 40 keeps the frames small)."""

QUANTILES = (10.0, 50.0, 90.0)
"""Percentiles of a layer's rates: the band's edges and the median line."""


def network_frames(num_steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Frame steps for a training run of ``num_steps`` calls: dense early, 0 and T included.

    A network changes fastest in its first steps, so the steps follow a quadratic spacing
    ``T·u²`` (u uniform in [0, 1]), pushed apart where rounding would repeat a step.

    Returns:
        Sorted distinct int64 steps in ``[0, T]``: ``min(T + 1, max_frames)`` of them.

    Raises:
        ValueError: if ``num_steps < 0`` or ``max_frames < 2``.
    """
    last = int(num_steps)
    if last < 0:
        raise ValueError(f"num_steps must be >= 0, got {num_steps}")
    if max_frames < 2:
        raise ValueError(f"max_frames must be >= 2, got {max_frames}")
    count = min(last + 1, int(max_frames))
    if count == last + 1:
        return np.arange(count, dtype=np.int64)
    index = np.arange(count)
    steps = np.floor(last * np.linspace(0.0, 1.0, count) ** 2).astype(np.int64)
    steps[-1] = last
    # steps[i] - i never exceeds T - (count - 1) (a convex curve through both ends), so the
    # running maximum keeps the steps distinct without passing T.
    steps = np.maximum.accumulate(steps - index) + index
    return np.clip(steps, 0, last)


def curve_steps(num_steps: int, max_points: int = MAX_CURVE_POINTS) -> np.ndarray:
    """Steps at which to evaluate curves: all of them up to ``max_points``, else a subsample.

    Half of the points are uniform over ``[0, T]``, half follow :func:`network_frames`'s early
    density, so the fast start and the slow end both read well on a linear step axis.
    """
    last = int(num_steps)
    if last + 1 <= max_points:
        return np.arange(last + 1, dtype=np.int64)
    uniform = np.rint(np.linspace(0, last, max_points // 2)).astype(np.int64)
    early = network_frames(last, max_points - max_points // 2)
    return np.union1d(uniform, early).astype(np.int64)


def params_at(params: PyTree, steps: np.ndarray | Sequence[int]) -> PyTree:
    """The rows ``steps`` of every leaf of a recorded params tree (leading axis T+1)."""
    steps = np.asarray(steps, dtype=np.int64)
    return jax.tree.map(lambda leaf: np.asarray(leaf)[steps], params)


def decision_grids(
    objective: NetworkObjective,
    params_tree_at_frames: PyTree,
    bounds: Domain,
    resolution: int = GRID_RESOLUTION,
) -> np.ndarray:
    """The network's output over the input plane at each frame: ``(n_frames, ny, nx)``.

    ``NetworkObjective.decision_grid`` vmapped over the params' leading axis: P(class 1) for
    classification, the predicted value for regression, NaN where the params are not finite.

    Args:
        objective: the run's objective (its architecture and activation are used).
        params_tree_at_frames: params with a leading frame axis, e.g. from :func:`params_at`.
        bounds: ``((xmin, xmax), (ymin, ymax))``, usually ``dataset.bounds``.
        resolution: cells per axis (or ``(nx, ny)``).
    """
    bounds = tuple((float(lo), float(hi)) for lo, hi in bounds)
    grids = jax.vmap(lambda p: objective.decision_grid(p, bounds, resolution))(
        jax.tree.map(jnp.asarray, params_tree_at_frames)
    )
    return np.asarray(grids, dtype=np.float32)


def training_metrics(
    objective: NetworkObjective,
    dataset: Dataset,
    trace: Trace,
    steps: np.ndarray | Sequence[int],
) -> dict[str, np.ndarray]:
    """Loss and accuracy on the whole training and test sets at ``steps`` (each in [0, T]).

    Returns:
        ``{"step", "train_loss", "test_loss", "train_acc", "test_acc"}``, each ``(k,)``
        (accuracies are NaN for regression).
    """
    steps = np.asarray(steps, dtype=np.int64)
    batch = jax.tree.map(jnp.asarray, params_at(trace.params, steps))

    def on(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32)
        loss, accuracy = jax.vmap(lambda p: objective.evaluate(p, x, y))(batch)
        return np.asarray(loss, np.float64), np.asarray(accuracy, np.float64)

    train_loss, train_acc = on(dataset.x_train, dataset.y_train)
    test_loss, test_acc = on(dataset.x_test, dataset.y_test)
    return {
        "step": steps,
        "train_loss": train_loss,
        "test_loss": test_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
    }


def layer_sizes(params_or_rates: PyTree) -> list[tuple[int, int]]:
    """``(fan_in, fan_out)`` of each layer, from a (possibly step-batched) params-like tree."""
    return [tuple(int(n) for n in np.shape(layer["kernel"])[-2:]) for layer in params_or_rates]


def layer_values(effective_lr_tree: PyTree, rows: np.ndarray) -> list[np.ndarray]:
    """Each layer's values (kernel then bias, flattened) at ``rows``: ``(k, in·out + out)``."""
    rows = np.asarray(rows, dtype=np.int64)
    out = []
    for layer in effective_lr_tree:
        kernel = np.asarray(layer["kernel"])[rows]
        bias = np.asarray(layer["bias"])[rows]
        out.append(
            np.concatenate(
                [kernel.reshape(len(rows), -1), bias.reshape(len(rows), -1)], axis=1
            ).astype(np.float64)
        )
    return out


def rate_rows(steps: np.ndarray | Sequence[int], num_calls: int) -> np.ndarray:
    """Rows of ``effective_lr`` for call numbers ``steps`` (each in ``[1, T]``).

    Raises:
        ValueError: for a step outside ``[1, T]`` (step 0 is the start: no update yet).
    """
    steps = np.asarray(steps, dtype=np.int64)
    if steps.size and (steps.min() < 1 or steps.max() > num_calls):
        raise ValueError(f"rate steps must lie in [1, {num_calls}] (call numbers).")
    return steps - 1


def nan_quantiles(values: np.ndarray, percents: Sequence[float] = QUANTILES) -> np.ndarray:
    """Row-wise ``np.nanpercentile(values, percents, axis=1).T`` (linear), vectorised.

    NumPy's ``nanpercentile`` loops over rows in Python when some contain NaN; this sorts
    once (NaN last) and interpolates each row at its own count. All-NaN rows give NaN.

    Returns:
        ``(rows, len(percents))`` float64.
    """
    values = np.asarray(values, dtype=np.float64)
    finite_count = np.sum(~np.isnan(values), axis=1)
    ordered = np.sort(values, axis=1)  # NaN sorts last
    position = np.outer(np.maximum(finite_count - 1, 0), np.asarray(percents) / 100.0)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(finite_count - 1, 0)[:, None])
    weight = position - below
    low = np.take_along_axis(ordered, below, axis=1)
    high = np.take_along_axis(ordered, above, axis=1)
    # NumPy's lerp, exact at both ends.
    out = np.where(weight >= 0.5, high - (high - low) * (1.0 - weight), low + (high - low) * weight)
    out[finite_count == 0] = np.nan
    return out


def layer_rate_quantiles(
    effective_lr_tree: PyTree, steps: np.ndarray | Sequence[int]
) -> list[np.ndarray]:
    """The 10 %, 50 % and 90 % points of each layer's per-parameter rates at ``steps``.

    Each layer pools its kernel and bias entries. NaNs are ignored; a step where every rate
    is NaN (an accumulation micro-step) gives a NaN row.

    Args:
        effective_lr_tree: ``Trace.effective_lr``, leaves with a leading axis T.
        steps: call numbers in ``[1, T]`` (row ``step − 1``).

    Returns:
        One ``(k, 3)`` float64 array per layer: columns q10, median, q90.
    """
    num_calls = int(np.shape(effective_lr_tree[0]["kernel"])[0])
    rows = rate_rows(steps, num_calls)
    return [nan_quantiles(values) for values in layer_values(effective_lr_tree, rows)]


def last_update_step(effective_lr_tree: PyTree, step: int) -> int | None:
    """The latest call number ``≤ step`` with any finite rate (skips micro-steps), or None."""
    num_calls = int(np.shape(effective_lr_tree[0]["kernel"])[0])
    step = min(max(int(step), 1), num_calls)
    for candidate in range(step, 0, -1):
        row = candidate - 1
        if any(np.isfinite(np.asarray(layer["kernel"])[row]).any() for layer in effective_lr_tree):
            return candidate
    return None


def kernel_values_at(tree: PyTree, row: int) -> list[np.ndarray]:
    """Each layer's kernel ``(in, out)`` at one row of a step-batched tree (for the graph)."""
    return [np.asarray(layer["kernel"])[int(row)] for layer in tree]


def log10_kernel_rates(effective_lr_tree: PyTree, step: int) -> list[np.ndarray]:
    """``log10`` of each layer's kernel rates at call number ``step`` (non-positive -> NaN)."""
    num_calls = int(np.shape(effective_lr_tree[0]["kernel"])[0])
    (row,) = rate_rows([step], num_calls)
    with np.errstate(divide="ignore", invalid="ignore"):
        return [
            np.where(k > 0, np.log10(np.where(k > 0, k, 1.0)), np.nan)
            for k in (np.asarray(v, np.float64) for v in kernel_values_at(effective_lr_tree, row))
        ]
