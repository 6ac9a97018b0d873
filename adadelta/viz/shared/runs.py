"""What the figures draw: labelled runs, and the facts about a path that must be shown.

Every builder takes its runs as ``Run(label, trace)``. A run's positions are drawn up to the
last finite point and never clipped to the domain; these helpers find that point, the step
where a path first leaves the plot, and the divergence step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from adadelta.engine import Trace
from adadelta.viz.shared.frames import frame_steps

Domain = tuple[tuple[float, float], tuple[float, float]]


class Run(NamedTuple):
    """One labelled trajectory.

    Attributes:
        label: the legend name; its first word picks the style (e.g. ``"Adadelta"``).
        trace: an unbatched ``engine.Trace`` (of a 2-D problem, or of a network).
    """

    label: str
    trace: Trace


def positions(trace: Trace) -> np.ndarray:
    """The path as float64, shape ``(T+1, 2)``."""
    points = np.asarray(trace.params, dtype=np.float64)
    return points.reshape(points.shape[0], -1)[:, :2]


def per_step(values: object) -> np.ndarray:
    """A per-call field (``effective_lr``, a slot) as float64, shape ``(T, 2)``."""
    array = np.asarray(values, dtype=np.float64)
    return array.reshape(array.shape[0], -1)[:, :2]


def num_steps(trace: Trace) -> int:
    """T, the number of optimizer calls in the run."""
    return int(np.shape(trace.params)[0]) - 1


def finite_prefix(values: np.ndarray) -> int:
    """How many leading rows are finite (all entries of a row, for 2-D arrays)."""
    rows = np.isfinite(values) if values.ndim == 1 else np.all(np.isfinite(values), axis=1)
    bad = np.flatnonzero(~rows)
    return int(bad[0]) if bad.size else int(rows.size)


def last_drawable(trace: Trace) -> int:
    """Index of the last position drawn: the path runs up to its last finite point.

    Returns:
        The largest t such that ``params[0..t]`` are all finite (-1 if even the start is not).
    """
    return finite_prefix(positions(trace)) - 1


def left_domain_at(points: np.ndarray, domain: Domain) -> int | None:
    """The first step whose (finite) position lies outside ``domain``, or None."""
    (xmin, xmax), (ymin, ymax) = domain
    finite = points[: finite_prefix(points)]
    outside = (
        (finite[:, 0] < xmin)
        | (finite[:, 0] > xmax)
        | (finite[:, 1] < ymin)
        | (finite[:, 1] > ymax)
    )
    hits = np.flatnonzero(outside)
    return int(hits[0]) if hits.size else None


def diverged_at(trace: Trace) -> int | None:
    """The engine's divergence step (first non-finite position, loss, gradient or state)."""
    step = trace.diverged_at
    if step is None:
        return None
    step = int(np.asarray(step))
    return None if step < 0 else step


def divergence_note(run: Run) -> str | None:
    """``"SGD diverged at step 3 (drawn up to step 3, its last finite point)"``, or None."""
    step = diverged_at(run.trace)
    if step is None:
        return None
    last = last_drawable(run.trace)
    return f"{run.label} diverged at step {step} (drawn up to step {last}, its last finite point)"


def notes(runs: Sequence[Run], domain: Domain | None = None) -> list[str]:
    """The sentences a figure must show about its runs: leaving the plot, diverging."""
    lines = []
    for run in runs:
        if domain is not None:
            left = left_domain_at(positions(run.trace), domain)
            if left is not None:
                lines.append(f"{run.label} left the plot at step {left} (not clipped)")
        note = divergence_note(run)
        if note:
            lines.append(note)
    return lines


def run_frames(runs: Sequence[Run], frames: np.ndarray | Sequence[int] | None) -> np.ndarray:
    """The frame steps to animate: ``frames`` checked, or ``frame_steps`` of the runs' paths.

    Raises:
        ValueError: if a frame step is outside ``[0, T]`` for the longest run.
    """
    last = max((num_steps(run.trace) for run in runs), default=0)
    if frames is None:
        if not runs:
            return np.zeros(1, dtype=np.int64)
        return frame_steps(last, [positions(run.trace) for run in runs])
    steps = np.unique(np.asarray(frames, dtype=np.int64))
    if steps.size == 0 or steps[0] < 0 or steps[-1] > last:
        raise ValueError(f"frame steps must be non-empty and within [0, {last}].")
    return steps


def end_summary(run: Run) -> str:
    """One sentence on where a run ended, for alt texts."""
    note = divergence_note(run)
    if note:
        return note + "."
    x, y = positions(run.trace)[-1]
    loss = float(np.asarray(run.trace.loss)[-1]) if run.trace.loss is not None else float("nan")
    return f"{run.label} ends at ({x:.3g}, {y:.3g}) with loss {loss:.3g}."
