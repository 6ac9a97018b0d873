"""Which steps become animation frames: at most ~200, dense where the paths move fast.

Half of the frames are spread over equal increments of the paths' combined arc length (so a
fast stretch gets many frames), half uniformly over the steps (so a slow crawl still advances).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_FRAMES = 200


def step_lengths(points: np.ndarray) -> np.ndarray:
    """Lengths of the T steps of a ``(T+1, d)`` path; non-finite steps count as 0."""
    points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
    with np.errstate(invalid="ignore", over="ignore"):
        lengths = np.sqrt(np.sum(np.diff(points, axis=0) ** 2, axis=1))
    return np.where(np.isfinite(lengths), lengths, 0.0)


def frame_indices(
    traces_params_list: Sequence[np.ndarray],
    max_frames: int = MAX_FRAMES,
    arc_fraction: float = 0.5,
) -> np.ndarray:
    """Step indices for the animation frames, shared by every figure of a page.

    Each run's step lengths are divided by its total (finite) path length, so every run counts
    equally whatever its scale; the sum over runs is the combined speed. Frames sit at equal
    increments of its cumulative sum, mixed with a uniform floor.

    Args:
        traces_params_list: each run's positions, shape ``(T+1, d)`` (``Trace.params``).
        max_frames: the most frames returned (at least 2).
        arc_fraction: the share of frames placed by arc length (the rest are uniform).

    Returns:
        Sorted unique int64 steps in ``[0, T]`` with T the longest run, including 0, T and
        each diverging run's last finite step; all steps when there are at most
        ``max_frames`` of them (at most ``max_frames`` + one per diverging run otherwise).
    """
    if not traces_params_list:
        raise ValueError("frame_indices needs at least one path.")
    if max_frames < 2:
        raise ValueError(f"max_frames must be >= 2, got {max_frames}")
    last = max(len(points) for points in traces_params_list) - 1
    if last + 1 <= max_frames:
        return np.arange(last + 1, dtype=np.int64)

    speed = np.zeros(last)
    ends = [0, last]
    for points in traces_params_list:
        finite = np.all(np.isfinite(np.asarray(points).reshape(len(points), -1)), axis=1)
        if not finite.all():  # Show where a diverging run stops.
            ends.append(max(int(np.argmin(finite)) - 1, 0))
        lengths = step_lengths(points)
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


def thin_trail(steps: np.ndarray, max_points: int) -> np.ndarray:
    """Thins the sorted steps a growing trail shows to at most about ``max_points``.

    Keeps every 2^j-th step (j grows with the trail, so the kept points stay nested and the
    trail does not flicker between frames) plus the most recent ``max_points // 2``, and always
    the first and the last (current) step.
    """
    if steps.size <= max_points:
        return steps
    stride = 1 << int(np.ceil(np.log2(steps.size / (max_points / 2))))
    head = np.arange(0, steps.size, stride)
    tail = np.arange(steps.size - max_points // 2, steps.size)
    return steps[np.union1d(head, tail)]
