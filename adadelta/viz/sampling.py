"""Thinning long arrays before they reach the figure JSON, keeping what the eye needs."""

from __future__ import annotations

import itertools

import numpy as np

from adadelta.viz.frames import frame_indices


def path_indices(points: np.ndarray, max_points: int) -> np.ndarray:
    """At most ``max_points`` rows of a path, dense where it moves fast (first and last kept)."""
    return frame_indices([points], max_frames=max_points)


def series_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """At most about ``max_points`` indices of a ``(T,)`` series that keep its spikes.

    The series is cut into ``max_points // 2`` buckets and each bucket keeps the index of its
    smallest and largest finite value (min–max decimation); NaN-only buckets keep their first.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if n <= max_points:
        return np.arange(n)
    edges = np.linspace(0, n, max_points // 2 + 1).astype(np.int64)
    finite = np.isfinite(values)
    low = np.where(finite, values, np.inf)
    high = np.where(finite, values, -np.inf)
    keep = [0, n - 1]
    for start, stop in itertools.pairwise(edges):
        keep += [start + int(np.argmin(low[start:stop]))]
        keep += [start + int(np.argmax(high[start:stop]))]
    return np.unique(keep)
