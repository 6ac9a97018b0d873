"""A network evaluated along its training run: loss and accuracy on whole sets, its output map.

The engine records the params after every step (or at chosen steps); these functions evaluate
a batch of them, ``params`` leaves with a leading step axis, in one jitted call each (compiled
once per network shape and batch size, reused for every new setting of the same shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from adadelta.problems.datasets import Dataset
from adadelta.problems.mlp import Domain, NetworkObjective

PyTree = Any


def params_at(params: PyTree, rows: np.ndarray | Sequence[int]) -> PyTree:
    """The rows ``rows`` of every leaf of a step-batched params tree (leading axis)."""
    rows = np.asarray(rows, dtype=np.int64)
    return jax.tree.map(lambda leaf: np.asarray(leaf)[rows], params)


@jax.jit
def _set_metrics(objective: NetworkObjective, params: PyTree, x: jax.Array, y: jax.Array):
    return jax.vmap(lambda p: objective.evaluate(p, x, y))(params)


@jax.jit(static_argnames=("resolution",))
def _grids(objective: NetworkObjective, params: PyTree, bounds: jax.Array, resolution: int):
    lows, highs = bounds[:, 0], bounds[:, 1]

    def grid(p):
        xs = jnp.linspace(lows[0], highs[0], resolution)
        ys = jnp.linspace(lows[1], highs[1], resolution)
        gx, gy = jnp.meshgrid(xs, ys)
        points = jnp.stack([gx.ravel(), gy.ravel()], axis=1)
        return objective.predict(p, points).reshape(gx.shape)

    return jax.vmap(grid)(params)


def decision_grids(
    objective: NetworkObjective, params: PyTree, bounds: Domain, resolution: int = 40
) -> np.ndarray:
    """The network's output over the input plane for each params row: ``(rows, ny, nx)``.

    ``NetworkObjective.decision_grid`` (the same ``grid_axes`` coordinates) over the params'
    leading axis: P(class 1) for classification, the predicted value for regression, NaN
    where the params are not finite.

    Args:
        objective: the run's objective (its architecture and activation are used).
        params: params with a leading row axis, e.g. from :func:`params_at`.
        bounds: ``((xmin, xmax), (ymin, ymax))``, usually ``dataset.bounds``.
        resolution: cells per axis (an integer >= 2).
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(
            f"Argument `resolution` must be an integer >= 2. Received: resolution={resolution!r}"
        )
    limits = jnp.asarray([[float(lo), float(hi)] for lo, hi in bounds], jnp.float32)
    grids = _grids(objective, jax.tree.map(jnp.asarray, params), limits, resolution)
    return np.asarray(grids, dtype=np.float32)


def training_metrics(
    objective: NetworkObjective,
    dataset: Dataset,
    params: PyTree,
    steps: np.ndarray | Sequence[int],
    row_chunk: int | None = None,
) -> dict[str, np.ndarray]:
    """Loss and accuracy on the whole training and test sets of each params row.

    Args:
        objective: the run's objective.
        dataset: its data.
        params: params with a leading row axis, one row per entry of ``steps``.
        steps: the step of each row (returned as ``"step"``).
        row_chunk: None (all rows in one call, compiled per number of rows), or the rows per
            call: any number of rows then reuses one compiled program.

    Returns:
        ``{"step", "train_loss", "test_loss", "train_acc", "test_acc"}``, each ``(rows,)``
        (accuracies are NaN for regression).
    """
    rows = len(np.asarray(steps))
    chunk = rows if row_chunk is None else row_chunk
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(
            "Argument `row_chunk` must be None or an integer >= 1. "
            f"Received: row_chunk={row_chunk!r}"
        )
    # Every chunk holds `chunk` rows (the last padded with its last row): one program for any
    # number of rows.
    batches = [
        params_at(params, _padded_rows(np.arange(start, min(start + chunk, rows)), chunk, "rows"))
        for start in range(0, rows, chunk)
    ]

    def on(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
        results = jax.device_get([_set_metrics(objective, batch, x, y) for batch in batches])
        loss, accuracy = (np.concatenate(parts)[:rows] for parts in zip(*results))
        return np.asarray(loss, np.float64), np.asarray(accuracy, np.float64)

    train_loss, train_acc = on(dataset.x_train, dataset.y_train)
    test_loss, test_acc = on(dataset.x_test, dataset.y_test)
    return {
        "step": np.asarray(steps, dtype=np.int64),
        "train_loss": train_loss,
        "test_loss": test_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
    }


def evaluate_runs(
    objective: NetworkObjective,
    dataset: Dataset,
    runs: Sequence[PyTree],
    frame_rows: np.ndarray | Sequence[int],
    metric_rows: np.ndarray | Sequence[int],
    steps: np.ndarray | Sequence[int],
    resolution: int = 40,
    row_capacity: tuple[int, int] | None = None,
) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """:func:`decision_grids` and :func:`training_metrics` of several runs at the same rows.

    Every run's calls are dispatched before any result is read, so they run back to back
    without waiting on the host in between. (One jitted call over all runs is slower on a
    CPU: XLA then fuses the small matrix products into loops.)

    Args:
        objective: the runs' objective.
        dataset: its data.
        runs: each run's params with a leading row axis (e.g. ``Trace.params``).
        frame_rows: the rows at which to evaluate the output over the input plane.
        metric_rows: the rows at which to evaluate loss and accuracy on both sets.
        steps: the step of each metric row (returned as ``"step"``).
        resolution: cells per axis of the grids (an integer >= 2).
        row_capacity: None, or the most frame rows and metric rows any call will ask for:
            the rows are padded to them (repeating the last), so every number of rows up to
            them reuses the compiled code, and the results cut back.

    Returns:
        Per run, ``(grids, metrics)`` as :func:`decision_grids` and :func:`training_metrics`
        return them.
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(
            f"Argument `resolution` must be an integer >= 2. Received: resolution={resolution!r}"
        )
    # NumPy arguments go to the jitted functions as they are (one transfer each, no eager
    # conversion op per leaf).
    limits = np.asarray([[float(lo), float(hi)] for lo, hi in dataset.bounds], np.float32)
    sets = [
        (np.asarray(x, np.float32), np.asarray(y, np.float32))
        for x, y in ((dataset.x_train, dataset.y_train), (dataset.x_test, dataset.y_test))
    ]
    frame_rows, metric_rows = np.asarray(frame_rows), np.asarray(metric_rows)
    frames, rows = frame_rows.size, metric_rows.size
    if row_capacity is not None:
        frame_rows = _padded_rows(frame_rows, row_capacity[0], "frame_rows")
        metric_rows = _padded_rows(metric_rows, row_capacity[1], "metric_rows")
    pending = []
    for params in runs:
        at_frames = params_at(params, frame_rows)
        at_steps = params_at(params, metric_rows)
        grids = _grids(objective, at_frames, limits, resolution)
        pending.append((grids, [_set_metrics(objective, at_steps, x, y) for x, y in sets]))
    out = []
    for grids, ((train_loss, train_acc), (test_loss, test_acc)) in jax.device_get(pending):
        metrics = {
            "step": np.asarray(steps, dtype=np.int64),
            "train_loss": np.asarray(train_loss[:rows], np.float64),
            "test_loss": np.asarray(test_loss[:rows], np.float64),
            "train_acc": np.asarray(train_acc[:rows], np.float64),
            "test_acc": np.asarray(test_acc[:rows], np.float64),
        }
        out.append((np.asarray(grids[:frames], dtype=np.float32), metrics))
    return out


def _padded_rows(rows: np.ndarray, capacity: int, name: str) -> np.ndarray:
    """``rows`` with its last entry repeated up to ``capacity`` entries."""
    if not 1 <= rows.size <= capacity:
        raise ValueError(
            f"Argument `{name}` must hold 1 to {capacity} rows (row_capacity). "
            f"Received: {rows.size} rows"
        )
    return np.concatenate([rows, np.full(capacity - rows.size, rows[-1], rows.dtype)])
