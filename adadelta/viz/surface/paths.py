"""The trajectory figure: paths on the contour of the loss, animated step by step.

The surface is drawn once, as a banded contour image (see ``raster``) under an invisible hover
grid that reports f and carries the colour bar (both from the problem's ``Backdrop``). Each run
has a faint whole path (static), a growing trail and a current-point marker (both moved by the
frames), and, once diverged, a marker at its last finite point. Axis ranges stay fixed to the
domain; a path that leaves it is not clipped, it is named.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

import numpy as np

from adadelta.problems import Objective
from adadelta.viz.shared.animation import CONTROLS_LEFT_PX, animate, scatter_update
from adadelta.viz.shared.figure import Figure, add_notes, figure, typed
from adadelta.viz.shared.frames import thin_trail
from adadelta.viz.shared.runs import (
    Run,
    diverged_at,
    end_summary,
    finite_prefix,
    last_drawable,
    notes,
    positions,
    run_frames,
)
from adadelta.viz.shared.sampling import path_indices
from adadelta.viz.shared.style import EMA_DASH, LineStyle, styles_for
from adadelta.viz.surface.backdrop import Backdrop, backdrop

TRAIL_POINTS = 80
"""The most points a trail shows per frame (older frame steps are thinned)."""

PATH_POINTS = 2000
"""The most points of a whole path drawn as the faint background line."""


def _start(point: np.ndarray) -> dict[str, Any]:
    return {
        "hovertemplate": "start (%{x:.4g}, %{y:.4g})<extra></extra>",
        "marker": {"color": "black", "line": {"width": 2.5}, "size": 18, "symbol": "circle-open"},
        "mode": "markers",
        "name": "start",
        "x": [float(point[0])],
        "y": [float(point[1])],
        "type": "scatter",
    }


def _point_hover(label: str) -> str:
    return f"{label}<br>step %{{customdata}}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>"


def _plain_hover(label: str) -> str:
    return f"{label}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>"


def _xy(points: np.ndarray) -> dict[str, Any]:
    return {"x": typed(points[:, 0]), "y": typed(points[:, 1])}


class _Moving:
    """A path whose trail (and optionally current point) the frames move."""

    def __init__(self, points: np.ndarray, last: int, trail: int, current: int | None):
        self.points = points.astype(np.float32)
        self.xs = np.ascontiguousarray(self.points[:, 0])
        self.ys = np.ascontiguousarray(self.points[:, 1])
        self.last = last
        self.trail = trail
        self.current = current

    def frames(self, frame_steps: np.ndarray, trails: _Trails) -> list[list[dict]]:
        """Per frame, the new trail (and current point), as plain trace dicts."""
        out = []
        for k, step in enumerate(frame_steps):
            now = min(int(step), self.last)
            shown = trails.at(k, now)
            data = [scatter_update(typed(self.xs[shown]), typed(self.ys[shown]))]
            if self.current is not None:
                data.append(scatter_update([float(self.xs[now])], [float(self.ys[now])]))
            out.append(data)
        return out


class _Trails:
    """The steps a trail shows at each frame, computed once for all runs that end alike."""

    def __init__(self, frame_steps: np.ndarray):
        self.frame_steps = frame_steps
        self.sorted = [int(step) for step in frame_steps]
        self.cache: dict[tuple[int, int], np.ndarray] = {}

    def at(self, k: int, now: int) -> np.ndarray:
        """Every earlier frame step, then ``now``, thinned (see ``thin_trail``)."""
        shown = self.cache.get((k, now))
        if shown is None:
            # The frame steps are sorted: the trail is every earlier frame step, then now.
            earlier = self.frame_steps[: bisect.bisect_left(self.sorted, now, 0, k + 1)]
            shown = thin_trail(np.append(earlier, now), TRAIL_POINTS)
            self.cache[(k, now)] = shown
        return shown


def _add_run(data: list, run: Run, style: LineStyle) -> _Moving:
    points = positions(run.trace)
    last = last_drawable(run.trace)
    drawn = points[: last + 1].astype(np.float32)
    keep = path_indices(drawn, PATH_POINTS) if len(drawn) else np.zeros(0, np.int64)
    line = {"color": style.colour, "dash": style.dash}
    data.append(
        {
            "customdata": typed(keep, np.int32),
            "hovertemplate": _point_hover(run.label),
            "legendgroup": run.label,
            "line": {**line, "width": 1.5},
            "mode": "lines",
            "name": f"{run.label} (whole path)",
            "opacity": 0.6,
            "showlegend": False,
            **_xy(drawn[keep]),
            "type": "scatter",
        }
    )
    trail = len(data)
    data.append(
        {
            "hovertemplate": _plain_hover(run.label),
            "legendgroup": run.label,
            "line": {**line, "width": 2.5},
            "marker": {"color": style.colour, "size": 6, "symbol": style.symbol},
            "mode": "lines+markers",
            "name": run.label,
            **_xy(drawn[:1]),
            "type": "scatter",
        }
    )
    data.append(
        {
            "hovertemplate": _plain_hover(run.label),
            "legendgroup": run.label,
            "marker": {
                "color": style.colour,
                "line": {"color": "white", "width": 2},
                "size": 15,
                "symbol": style.symbol,
            },
            "mode": "markers",
            "name": f"{run.label}, current step",
            "showlegend": False,
            **_xy(drawn[:1]),
            "type": "scatter",
        }
    )
    step = diverged_at(run.trace)
    if step is not None and last >= 0:
        data.append(
            {
                "hovertemplate": f"{run.label}: last finite point (step {last})<extra></extra>",
                "legendgroup": run.label,
                "marker": {"color": style.colour, "line": {"width": 1}, "size": 16, "symbol": "x"},
                "mode": "markers",
                "name": f"{run.label} diverged at step {step}",
                **_xy(drawn[-1:]),
                "type": "scatter",
            }
        )
    return _Moving(drawn, max(last, 0), trail, trail + 1)


def _ema_path(run: Run) -> np.ndarray:
    """The EMA as a path: the start, then the EMA after each call, ``(T+1, 2)``."""
    points = positions(run.trace)
    ema = np.asarray(run.trace.ema, dtype=np.float64).reshape(len(points) - 1, -1)[:, :2]
    return np.concatenate([points[:1], ema])


def ema_jumps(run: Run) -> np.ndarray:
    """Steps s at which the weights were overwritten by their EMA (``params[s] == ema[s−1]``).

    The first call copies the weights into the EMA, so step 1 is never a jump; a jump must
    also move the weights.
    """
    points = positions(run.trace)
    ema = _ema_path(run)[1:]
    landed = np.all(points[1:] == ema, axis=1) & np.any(points[1:] != points[:-1], axis=1)
    landed[0] = False
    return np.flatnonzero(landed) + 1


def _add_ema(data: list, run: Run, style: LineStyle) -> _Moving:
    points = positions(run.trace)
    shadow = _ema_path(run).astype(np.float32)
    last = finite_prefix(shadow) - 1
    trail = len(data)
    data.append(
        {
            "hovertemplate": _plain_hover(f"{run.label} EMA"),
            "legendgroup": f"{run.label} EMA",
            "line": {"color": style.colour, "dash": EMA_DASH, "width": 2.5},
            "mode": "lines",
            "name": f"{run.label} EMA (shadow weights)",
            "opacity": 0.7,
            **_xy(shadow[:1]),
            "type": "scatter",
        }
    )
    jumps = ema_jumps(run)
    jumps = jumps[jumps <= last_drawable(run.trace)]
    if jumps.size:
        data.append(
            {
                "customdata": typed(jumps, np.int32),
                "hovertemplate": (
                    f"{run.label}: weights set to the EMA at step %{{customdata}}<extra></extra>"
                ),
                "legendgroup": f"{run.label} EMA",
                "marker": {
                    "color": style.colour,
                    "line": {"color": "black", "width": 1},
                    "size": 11,
                    "symbol": "triangle-down",
                },
                "mode": "markers",
                "name": f"{run.label}: weights overwritten by EMA ({jumps.size}×)",
                **_xy(points[jumps].astype(np.float32)),
                "type": "scatter",
            }
        )
    return _Moving(shadow, max(last, 0), trail, None)


def contour_figure(
    objective: Objective | Backdrop,
    runs: Sequence[Run],
    *,
    frames: np.ndarray | Sequence[int] | None = None,
    ema_runs: Sequence[Run] | None = None,
    height: int = 620,
) -> Figure:
    """Paths of several optimizers on the contour of the loss, animated.

    Args:
        objective: the problem, or its ``Backdrop`` (shared by every run on the same problem,
            so that a new run re-renders nothing of the surface); its domain fixes the axes.
        runs: the runs to draw (unbatched traces with ``params`` recorded).
        frames: the frame steps shared with the page's other animated figures (default
            ``frame_steps`` of the runs); frame names are ``str(step)``.
        ema_runs: runs whose ``trace.ema`` is recorded; their EMA path is drawn dotted beside
            the raw one, and the steps where the weights jumped to the EMA are marked.
        height: figure height in pixels.

    Returns:
        The figure: the surface's hover grid at index 0, the surface image in
        ``layout.images``; frames touch only the trails and current points.
    """
    surface = objective if isinstance(objective, Backdrop) else backdrop(objective)
    runs = list(runs)
    ema_runs = list(ema_runs or [])
    steps = run_frames(runs + ema_runs, frames)
    labels = [run.label for run in runs]
    all_labels = labels + [run.label for run in ema_runs if run.label not in labels]
    by_label = dict(zip(all_labels, styles_for(all_labels)))

    data: list[dict[str, Any]] = [dict(surface.hover)]
    if surface.minima is not None:
        data.append(dict(surface.minima))
    start = positions(runs[0].trace)[0] if runs else np.asarray(surface.start)
    data.append(_start(start))
    moving = [_add_run(data, run, by_label[run.label]) for run in runs]
    moving += [_add_ema(data, run, by_label[run.label]) for run in ema_runs]

    traces = []
    for path in moving:
        traces += [path.trail] + ([path.current] if path.current is not None else [])
    trails = _Trails(steps)
    per_path = [path.frames(steps, trails) for path in moving]
    frame_data = [
        [item for frames_of in per_path for item in frames_of[k]] for k in range(steps.size)
    ]
    layout: dict[str, Any] = {"images": [surface.image]}
    frame_list = None
    if frame_data:
        for index, item in zip(traces, frame_data[0]):
            data[index].update(x=item["x"], y=item["y"])
        frame_list = animate(layout, steps, frame_data, traces, slider_y=-0.14)

    (xmin, xmax), (ymin, ymax) = surface.domain
    axes = {"autorange": False, "showgrid": False, "zeroline": False}
    layout["xaxis"] = {"range": [xmin, xmax], "title": {"text": "x"}, **axes}
    layout["yaxis"] = {"range": [ymin, ymax], "title": {"text": "y"}, **axes}
    layout["legend"] = {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"}
    # Wide enough for the Play rows on the left and, beside the rates (``side_by_side``), the
    # last step's tick label on the right: Plotly then draws the figure once (see
    # ``CONTROLS_LEFT_PX``).
    layout["margin"] = {"t": 100, "b": 150, "l": CONTROLS_LEFT_PX, "r": 30}
    title = f"Paths on {surface.title}"
    last = int(steps[-1])
    alt = (
        f"{title}: {', '.join(labels) or 'no runs'} from ({start[0]:.3g}, {start[1]:.3g}) "
        f"over {last} steps. " + " ".join(end_summary(run) for run in runs)
    )
    left = [line for line in notes(runs, surface.domain) if "left the plot" in line]
    if left:
        alt += " " + ". ".join(left) + "."
    fig = figure(
        data,
        layout,
        title=title,
        alt=alt,
        uirevision=f"contour:{surface.title}",
        height=height,
        frames=frame_list,
    )
    add_notes(fig, notes(runs + ema_runs, surface.domain))
    return fig
