"""Thinning long arrays before they reach the figure JSON, keeping what the eye needs."""

from __future__ import annotations

import numpy as np

from adadelta.viz.shared.frames import frame_steps


def path_indices(points: np.ndarray, max_points: int) -> np.ndarray:
    """At most ``max_points`` rows of a path, dense where it moves fast (first and last kept)."""
    return frame_steps(len(points) - 1, [points], max_frames=max_points)


def series_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """At most about ``max_points`` indices of a ``(T,)`` series that keep its spikes.

    The series is cut into ``max_points // 2`` buckets and each bucket keeps the index of its
    smallest and largest finite value (min–max decimation); NaN-only buckets keep their first.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if n <= max_points:
        return np.arange(n)
    starts = np.linspace(0, n, max_points // 2 + 1).astype(np.int64)[:-1]
    bucket = np.repeat(np.arange(starts.size), np.diff(np.append(starts, n)))
    finite = np.isfinite(values)
    keep = [np.array([0, n - 1])]
    for extreme, fill in ((np.minimum, np.inf), (np.maximum, -np.inf)):
        shown = np.where(finite, values, fill)
        best = extreme.reduceat(shown, starts)
        hits = np.flatnonzero(shown == best[bucket])
        # The first hit of each bucket, as np.argmin / np.argmax would pick it.
        _, first = np.unique(bucket[hits], return_index=True)
        keep.append(hits[first])
    return np.unique(np.concatenate(keep))
