"""Which steps the figures show: the one frame sampler, and the steps of curves and trails.

``frame_steps`` picks at most a hundred animation frames out of T steps, dense where the
motion is fast. Given the paths (the loss surfaces), half of the frames are spread over equal
increments of the paths' combined arc length (so a fast stretch gets many frames) and half
uniformly over the steps (so a slow crawl still advances). Without paths (a network, whose
frames are chosen before it trains so that the run records only them), the frames follow a
quadratic spacing T·u²: networks change fastest in their first steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_FRAMES = 100
"""At most this many animation frames (plus one per diverging path). Every frame costs JSON and,
in the browser, a scrubber step that Plotly lays out again on each redraw of the chart: with
200 frames a new setting took 400-460 ms from the keypress to the redrawn path in Chromium
(``python -m bench browser``), with 100 frames 360-425 ms."""

MAX_CURVE_POINTS = 400
"""Steps at which curves evaluated along a run are drawn (see ``curve_steps``)."""


def step_lengths(points: np.ndarray) -> np.ndarray:
    """Lengths of the T steps of a ``(T+1, d)`` path; non-finite steps count as 0."""
    points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
    with np.errstate(invalid="ignore", over="ignore"):
        lengths = np.sqrt(np.sum(np.diff(points, axis=0) ** 2, axis=1))
    return np.where(np.isfinite(lengths), lengths, 0.0)


def frame_steps(
    num_steps: int,
    paths: Sequence[np.ndarray] | None = None,
    *,
    max_frames: int = MAX_FRAMES,
    arc_fraction: float = 0.5,
) -> np.ndarray:
    """The animation's frame steps, shared by every animated figure of a page.

    With ``paths``, each run's step lengths are divided by its total (finite) path length, so
    every run counts equally whatever its scale; the sum over runs is the combined speed, and
    frames sit at equal increments of its cumulative sum, mixed with a uniform floor. Without
    ``paths``, the steps follow ``T·u²`` (u uniform in [0, 1]), pushed apart where rounding
    would repeat a step.

    Args:
        num_steps: T, the number of optimizer calls.
        paths: each run's positions, shape ``(T+1, d)`` (``Trace.params`` of a 2-D problem).
        max_frames: the most frames returned (at least 2).
        arc_fraction: with paths, the share of frames placed by arc length (the rest uniform).

    Returns:
        Sorted distinct int64 steps in ``[0, T]`` including 0 and T: every step when there are
        at most ``max_frames``; otherwise ``max_frames`` of them without paths, and at most
        ``max_frames`` plus each diverging path's last finite step with paths.

    Raises:
        ValueError: if ``num_steps < 0``, ``max_frames < 2`` or ``paths`` is an empty list.
    """
    last = int(num_steps)
    if last < 0:
        raise ValueError(f"num_steps must be >= 0, got {num_steps}")
    if max_frames < 2:
        raise ValueError(f"max_frames must be >= 2, got {max_frames}")
    if paths is not None and not paths:
        raise ValueError("frame_steps needs at least one path (or paths=None).")
    if last + 1 <= max_frames:
        return np.arange(last + 1, dtype=np.int64)
    if paths is None:
        return _early_steps(last, max_frames)
    return _arc_steps(last, paths, max_frames, arc_fraction)


def _early_steps(last: int, count: int) -> np.ndarray:
    index = np.arange(count)
    steps = np.floor(last * np.linspace(0.0, 1.0, count) ** 2).astype(np.int64)
    steps[-1] = last
    # steps[i] - i never exceeds T - (count - 1) (a convex curve through both ends), so the
    # running maximum keeps the steps distinct without passing T.
    steps = np.maximum.accumulate(steps - index) + index
    return np.clip(steps, 0, last)


def _arc_steps(
    last: int, paths: Sequence[np.ndarray], max_frames: int, arc_fraction: float
) -> np.ndarray:
    speed = np.zeros(last)
    ends = [0, last]
    for points in paths:
        points = np.asarray(points)
        finite = np.all(np.isfinite(points.reshape(len(points), -1)), axis=1)
        if not finite.all():  # Show where a diverging run stops.
            ends.append(max(int(np.argmin(finite)) - 1, 0))
        lengths = step_lengths(points)[:last]
        with np.errstate(over="ignore"):
            total = lengths.sum()
        if not np.isfinite(total):  # A diverging run's finite steps can overflow the sum.
            lengths = np.log1p(lengths)
            total = lengths.sum()
        if total > 0:
            speed[: lengths.size] += lengths / total

    num_arc = round(max_frames * arc_fraction) if speed.sum() > 0 else 0
    uniform = np.rint(np.linspace(0, last, max_frames - num_arc)).astype(np.int64)
    if num_arc:
        cumulative = np.concatenate([[0.0], np.cumsum(speed)])
        targets = np.linspace(0.0, cumulative[-1], num_arc)
        arc = np.searchsorted(cumulative, targets, side="left").clip(0, last)
        uniform = np.concatenate([uniform, arc])
    return np.unique(np.concatenate([ends, uniform])).astype(np.int64)


def curve_steps(num_steps: int, max_points: int = MAX_CURVE_POINTS) -> np.ndarray:
    """Steps at which to evaluate curves: all of them up to ``max_points``, else a subsample.

    Half of the points are uniform over ``[0, T]``, half follow ``frame_steps``'s early
    density, so the fast start and the slow end both read well on a linear step axis.
    """
    last = int(num_steps)
    if last + 1 <= max_points:
        return np.arange(last + 1, dtype=np.int64)
    uniform = np.rint(np.linspace(0, last, max_points // 2)).astype(np.int64)
    early = frame_steps(last, max_frames=max_points - max_points // 2)
    return np.union1d(uniform, early).astype(np.int64)


def thin_trail(steps: np.ndarray, max_points: int) -> np.ndarray:
    """Thins the sorted steps a growing trail shows to at most about ``max_points``.

    Keeps every 2^j-th step (j grows with the trail, so the kept points stay nested and the
    trail does not flicker between frames) plus the most recent ``max_points // 2``, and always
    the first and the last (current) step.
    """
    if steps.size <= max_points:
        return steps
    stride = 1 << int(np.ceil(np.log2(steps.size / (max_points / 2))))
    tail_start = steps.size - max_points // 2
    head = np.arange(0, tail_start, stride)
    return np.concatenate([steps[head], steps[tail_start:]])
