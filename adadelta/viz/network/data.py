"""What the network figures draw of a run's recorded params and rates: per-layer values,
quantiles, the latest real update. NumPy only (the model itself is evaluated in
``adadelta.problems.evaluation``).

Step numbers follow the engine: ``params`` row t is the network after t optimizer calls
(t in [0, T]); ``effective_lr`` row t describes call t+1, so its rates are indexed here by the
call number t+1 in [1, T], the step at which that update lands. A run that recorded only some
steps (``Trace.steps``, passed here as ``recorded``) has one row per recorded step in every
field: the call number of a rate is the step it reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

PyTree = Any

QUANTILES = (10.0, 50.0, 90.0)
"""Percentiles of a layer's rates: the band's edges and the median line."""


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


def num_calls(effective_lr_tree: PyTree, recorded: np.ndarray | None = None) -> int:
    """T, the run's number of calls."""
    if recorded is not None:
        return int(recorded[-1])
    return int(np.shape(effective_lr_tree[0]["kernel"])[0])


def rate_rows(
    steps: np.ndarray | Sequence[int], num_calls: int, recorded: np.ndarray | None = None
) -> np.ndarray:
    """Rows of ``effective_lr`` for call numbers ``steps`` (each in ``[1, T]``, and recorded).

    Raises:
        ValueError: for a step outside ``[1, T]`` (step 0 is the start: no update yet), or a
            step the run did not record.
    """
    steps = np.asarray(steps, dtype=np.int64)
    if steps.size and (steps.min() < 1 or steps.max() > num_calls):
        raise ValueError(f"rate steps must lie in [1, {num_calls}] (call numbers).")
    if recorded is None:
        return steps - 1
    return position_rows(steps, recorded)


def position_rows(steps: np.ndarray | Sequence[int], recorded: np.ndarray | None) -> np.ndarray:
    """Rows of recorded positions ``steps`` (a row per step when every step is recorded).

    Raises:
        ValueError: for a step the run did not record.
    """
    steps = np.asarray(steps, dtype=np.int64)
    if recorded is None:
        return steps
    rows = np.searchsorted(recorded, steps)
    if np.any(rows >= len(recorded)) or np.any(
        recorded[np.minimum(rows, len(recorded) - 1)] != steps
    ):
        raise ValueError(f"steps {steps.tolist()} are not all recorded.")
    return rows


def recorded_at_or_before(step: int, recorded: np.ndarray | None) -> int:
    """The latest recorded step ``≤ step`` (``step`` itself when every step is recorded)."""
    if recorded is None:
        return int(step)
    return int(recorded[max(int(np.searchsorted(recorded, step, side="right")) - 1, 0)])


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
    effective_lr_tree: PyTree,
    steps: np.ndarray | Sequence[int],
    recorded: np.ndarray | None = None,
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
    rows = rate_rows(steps, num_calls(effective_lr_tree, recorded), recorded)
    return [nan_quantiles(values) for values in layer_values(effective_lr_tree, rows)]


def last_update_step(
    effective_lr_tree: PyTree, step: int, recorded: np.ndarray | None = None
) -> int | None:
    """The latest recorded call number ``≤ step`` with any finite rate (skips micro-steps),
    or None."""
    step = min(max(int(step), 1), num_calls(effective_lr_tree, recorded))
    if recorded is None:
        candidates = [(c, c - 1) for c in range(step, 0, -1)]
    else:
        upto = int(np.searchsorted(recorded, step, side="right"))
        candidates = [(int(recorded[r]), r) for r in range(upto - 1, -1, -1) if recorded[r] >= 1]
    for candidate, row in candidates:
        if any(np.isfinite(np.asarray(layer["kernel"])[row]).any() for layer in effective_lr_tree):
            return candidate
    return None


def kernel_values_at(tree: PyTree, row: int) -> list[np.ndarray]:
    """Each layer's kernel ``(in, out)`` at one row of a step-batched tree (for the graph)."""
    return [np.asarray(layer["kernel"])[int(row)] for layer in tree]


def log10_kernel_rates(
    effective_lr_tree: PyTree, step: int, recorded: np.ndarray | None = None
) -> list[np.ndarray]:
    """``log10`` of each layer's kernel rates at call number ``step`` (non-positive -> NaN)."""
    (row,) = rate_rows([step], num_calls(effective_lr_tree, recorded), recorded)
    with np.errstate(divide="ignore", invalid="ignore"):
        return [
            np.where(k > 0, np.log10(np.where(k > 0, k, 1.0)), np.nan)
            for k in (np.asarray(v, np.float64) for v in kernel_values_at(effective_lr_tree, row))
        ]
