"""Sensitivity maps: final and best loss over a grid of two numeric optimizer arguments."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from adadelta import engine
from adadelta.optim import Optimizer
from adadelta.sweeps import checks

MAX_AXIS_VALUES = 128
MAX_CELLS = 128 * 128


def spans_decades(lo: float, hi: float) -> bool:
    """Whether ``[lo, hi]`` is positive and spans at least two decades (``hi / lo >= 100``),
    the ranges a log axis reads better."""
    return lo > 0 and hi > 0 and max(hi, lo) / min(hi, lo) >= 100


def axis_values(lo: float, hi: float, num: int, log: bool | None = None) -> np.ndarray:
    """``num`` values from ``lo`` to ``hi`` (both included), log-spaced or evenly spaced.

    Args:
        lo, hi: the ends, finite, ``lo < hi``.
        num: how many values, in [2, 128].
        log: log spacing (``np.geomspace``); None chooses it when :func:`spans_decades`.

    Returns:
        ``(num,)`` float64.

    Raises:
        ValueError: on non-finite or unordered ends, a bad count, or a log axis through 0.
    """
    num = checks.count("num", num, 2, MAX_AXIS_VALUES)
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise ValueError(
            f"Arguments `lo` and `hi` must be numbers. Received: {lo!r}, {hi!r}"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"Arguments `lo` < `hi` must be finite. Received: lo={lo}, hi={hi}")
    if log is None:
        log = spans_decades(lo, hi)
    if log:
        if lo <= 0:
            raise ValueError(f"A log axis needs `lo` > 0. Received: lo={lo}")
        return np.geomspace(lo, hi, num)
    return np.linspace(lo, hi, num)


class SensitivityMap(NamedTuple):
    """Final and best loss over a grid of two numeric arguments of one optimizer.

    Row i is ``y_values[i]``, column j is ``x_values[j]`` (Plotly's heatmap layout).

    Attributes:
        x_name, y_name: the optimizer arguments on the axes (their Keras names).
        x_values: ``(nx,)`` float64; y_values: ``(ny,)`` float64.
        x_log, y_log: whether each axis spans decades (a log axis reads better).
        final_loss: ``(ny, nx)`` loss after ``num_steps`` calls; NaN where diverged.
        best_loss: ``(ny, nx)`` lowest loss at any position before divergence (the start
            included); NaN only where the start itself was bad.
        best_step: ``(ny, nx)`` int, the step of ``best_loss`` (-1 where it is NaN).
        diverged: ``(ny, nx)`` bool.
        diverged_at: ``(ny, nx)`` int, the first non-finite step, -1 where the run stayed finite.
        final_params: ``(ny, nx, 2)`` float32 end points, as computed (non-finite if diverged).
        num_steps: the number of optimizer calls per cell.
        optimizer: the optimizer's class name, e.g. ``"Adadelta"``.
        config: the base optimizer's ``get_config()`` (with any axis argument that was off
            switched on); see :meth:`cell_config`.
    """

    x_name: str
    y_name: str
    x_values: np.ndarray
    y_values: np.ndarray
    x_log: bool
    y_log: bool
    final_loss: np.ndarray
    best_loss: np.ndarray
    best_step: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    final_params: np.ndarray
    num_steps: int
    optimizer: str
    config: dict[str, Any]

    def cell_config(self, i: int, j: int) -> dict[str, Any]:
        """The constructor arguments of cell ``[i, j]``: ``config`` with the axes' values
        (e.g. to open that setting on the explorer)."""
        x, y = _python_number(self.x_values[j]), _python_number(self.y_values[i])
        return {**self.config, self.x_name: x, self.y_name: y}


def _python_number(value: Any) -> float | int:
    # Optimizer constructors want Python numbers (Keras insists on floats for some).
    value = np.asarray(value).item()
    return value if isinstance(value, int) else float(value)


def _is_numeric(name: str, value: Any) -> bool:
    # None: off, switched on by the grid. A schedule or callable learning rate is not numeric.
    if name in ("name", "kwargs"):
        return False
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _check_has_effect(optimizer: Optimizer, name: str, values: list[float | int]) -> None:
    """Refuses an axis the optimizer ignores (e.g. ``ema_momentum`` without ``use_ema``),
    which would draw a uniform map as if the argument did not matter."""
    if len(set(values)) < 2:
        return
    low = optimizer.replace(**{name: min(values)}).host_leaves()[0]
    high = optimizer.replace(**{name: max(values)}).host_leaves()[0]
    if all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(low, high)):
        raise ValueError(
            f"`{name}` has no effect on this {type(optimizer).__name__} (its feature is off, "
            "e.g. ema_momentum without use_ema); choose another axis."
        )


def _grid_values(name: str, values: Any) -> list[float | int]:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.array([np.nan])
    if array.ndim != 1 or not 1 <= array.size <= MAX_AXIS_VALUES or not np.all(np.isfinite(array)):
        raise ValueError(
            f"The values of `{name}` must be 1 to {MAX_AXIS_VALUES} finite numbers. "
            f"Received: {values!r}"
        )
    return [_python_number(v) for v in np.asarray(values)]


def best_before_divergence(
    loss: np.ndarray, diverged_at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``loss`` ``(B, T+1)``: the lowest loss before ``diverged_at`` and its step
    (NaN and -1 when there is none, i.e. the start itself was bad).

    Before its ``diverged_at`` a run's loss is finite (the engine flags the first non-finite
    position, loss or gradient), so masking the steps from there on is enough.
    """
    end = np.where(diverged_at < 0, loss.shape[1], diverged_at)
    masked = np.where(np.arange(loss.shape[1]) < end[:, None], loss, np.inf)
    best_step = np.argmin(masked, axis=1)
    best = masked[np.arange(loss.shape[0]), best_step].astype(np.float64)
    none = end == 0
    return np.where(none, np.nan, best), np.where(none, -1, best_step)


def sensitivity_map(
    objective: Any,
    start: Any,
    optimizer: Optimizer,
    x_name: str,
    x_values: Any,
    y_name: str,
    y_values: Any,
    num_steps: int,
    *,
    key: int = 0,
    max_steps: int | None = None,
    chunk_size: int | None = None,
) -> SensitivityMap:
    """Runs ``optimizer`` from ``start`` once per grid point ``(y_values[i], x_values[j])``.

    One ``engine.sweep`` over ``engine.grid(optimizer, y_name=y_values, x_name=x_values)``. An
    argument that is off in ``optimizer`` (e.g. ``clipnorm=None``) is switched on with its first
    grid value, so any numeric argument can be an axis; an axis that would switch a feature on
    or off within the grid (e.g. SGD's ``momentum`` through 0) raises ``ValueError``.

    Args:
        objective: the surface (any ``loss(params, key, step)`` works).
        start: the start point ``(2,)`` (or any params pytree).
        optimizer: the base setting; its other arguments stay as they are.
        x_name, y_name: two different numeric constructor arguments of ``optimizer``.
        x_values, y_values: 1 to 128 finite values each (see :func:`axis_values`).
        num_steps: optimizer calls per cell, in [1, 5000], with cells x (steps + 1) <= 2^23
            (a bound on the work).
        key: the PRNG seed shared by every cell (gradient noise, if any).
        max_steps: None (compile for exactly ``num_steps``), or the most steps the compiled
            sweep takes (``engine.sweep``): a page's step control then compiles nothing new.
            Each cell keeps only its lowest loss, so memory does not grow with either.
        chunk_size: None (one program per batch size), or the batch of the compiled sweep
            (``engine.sweep``): a page's resolution control then compiles nothing new.

    Raises:
        ValueError: naming the argument, the value and the valid range.
    """
    optimizer = checks.optimizer(optimizer)
    num_steps = checks.num_steps(num_steps)
    if x_name == y_name:
        raise ValueError(f"Arguments `x_name` and `y_name` must differ. Received: {x_name!r} twice")
    config = optimizer.get_config()
    numeric = [name for name, value in config.items() if _is_numeric(name, value)]
    for name in (x_name, y_name):
        if name not in numeric:
            raise ValueError(
                f"`{name}` is not a numeric argument of {type(optimizer).__name__} here; "
                f"valid: {', '.join(numeric)}"
            )
    xs, ys = _grid_values(x_name, x_values), _grid_values(y_name, y_values)
    cells = len(xs) * len(ys)
    if cells > MAX_CELLS or cells * (num_steps + 1) > checks.MAX_RECORDED_VALUES:
        raise ValueError(
            f"A map of {len(ys)} x {len(xs)} cells x {num_steps} steps is too large: at most "
            f"{MAX_CELLS} cells and {checks.MAX_RECORDED_VALUES} cell-steps."
        )
    switched_on = {n: v[0] for n, v in ((y_name, ys), (x_name, xs)) if config[n] is None}
    if switched_on:
        optimizer = optimizer.replace(**switched_on)
    for name, values in ((x_name, xs), (y_name, ys)):
        _check_has_effect(optimizer, name, values)
    if isinstance(start, (list, tuple)) and all(isinstance(v, (int, float)) for v in start):
        start = np.asarray(start, np.float32)  # a point, not a pytree of scalars
    batch, shape = engine.grid(optimizer, **{y_name: ys, x_name: xs})
    (trace,) = engine.sweep(
        objective,
        start,
        batch,
        num_steps,
        key=key,
        record=(engine.BEST,),
        max_steps=max_steps,
        chunk_size=chunk_size,
    )
    diverged_at = np.asarray(trace.diverged_at).astype(np.int64)
    diverged = diverged_at >= 0
    final_loss = np.where(diverged, np.nan, np.asarray(trace.final_loss, np.float64))
    best = np.asarray(trace.best_loss, np.float64)
    best_step = np.asarray(trace.best_step).astype(np.int64)
    final_params = np.asarray(trace.final_params)
    return SensitivityMap(
        x_name=x_name,
        y_name=y_name,
        x_values=np.asarray(xs, np.float64),
        y_values=np.asarray(ys, np.float64),
        x_log=spans_decades(min(xs), max(xs)),
        y_log=spans_decades(min(ys), max(ys)),
        final_loss=final_loss.reshape(shape),
        best_loss=best.reshape(shape),
        best_step=best_step.reshape(shape),
        diverged=diverged.reshape(shape),
        diverged_at=diverged_at.reshape(shape),
        final_params=final_params.reshape(shape + final_params.shape[1:]),
        num_steps=num_steps,
        optimizer=type(optimizer).__name__,
        config=optimizer.get_config(),
    )
