"""The trajectory figure: paths on the contour of the loss, animated step by step.

The surface is drawn once, as a banded contour image (see ``raster``) under an invisible hover
grid that reports f and carries the colour bar. Each run has a faint whole path (static), a
growing trail and a current-point marker (both moved by the frames), and, once diverged, a
marker at its last finite point. Axis ranges stay fixed to the domain; a path that leaves it
is not clipped, it is named.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from adadelta.problems import Objective
from adadelta.viz.animation import animate, scatter_update
from adadelta.viz.frames import thin_trail
from adadelta.viz.heights import Heights, sample
from adadelta.viz.layout import add_notes, finish_layout
from adadelta.viz.raster import band_colourscale, banded_rgb, png_data_uri
from adadelta.viz.runs import (
    Run,
    diverged_at,
    end_summary,
    finite_prefix,
    last_drawable,
    notes,
    positions,
    run_frames,
)
from adadelta.viz.sampling import path_indices
from adadelta.viz.style import EMA_DASH, LineStyle, styles_for

TRAIL_POINTS = 80
"""The most points a trail shows per frame (older frame steps are thinned)."""

HOVER_POINTS = 41
"""Hover grid points per axis (invisible markers reporting f)."""

PATH_POINTS = 2000
"""The most points of a whole path drawn as the faint background line."""


def _surface_image(heights: Heights) -> dict:
    low, high = float(np.nanmin(heights.z)), float(np.nanmax(heights.z))
    rgb = banded_rgb(heights.z.astype(np.float64), low, high)[::-1]
    (xmin, xmax), (ymin, ymax) = (heights.xs[0], heights.xs[-1]), (heights.ys[0], heights.ys[-1])
    return {
        "source": png_data_uri(rgb),
        "xref": "x",
        "yref": "y",
        "x": float(xmin),
        "y": float(ymax),
        "sizex": float(xmax - xmin),
        "sizey": float(ymax - ymin),
        "sizing": "stretch",
        "layer": "below",
        "name": "loss surface",
    }


def _surface_hover(objective: Objective, image: Heights) -> go.Scatter:
    """Invisible points carrying f for hover (and clicks), and the surface's colour bar."""
    (xmin, xmax), (ymin, ymax) = objective.domain
    xs = np.linspace(xmin, xmax, HOVER_POINTS, dtype=np.float32)
    ys = np.linspace(ymin, ymax, HOVER_POINTS, dtype=np.float32)
    z = image.transform(np.asarray(objective.grid(xs, ys), np.float64)).astype(np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    if image.log:
        shown = "f" if image.f_min == 0 else "f − f_min"
        value = f"{shown} ≈ 10^%{{marker.color:.2f}}"
    else:
        value = "f = %{marker.color:.4g}"
    return go.Scatter(
        x=grid_x.ravel(),
        y=grid_y.ravel(),
        mode="markers",
        marker={
            "color": z.ravel(),
            "colorscale": band_colourscale(),
            "cmin": float(np.nanmin(image.z)),
            "cmax": float(np.nanmax(image.z)),
            "colorbar": image.colorbar(),
            "showscale": True,
            "opacity": 0,
            "size": 8,
        },
        name="loss surface",
        showlegend=False,
        hovertemplate=f"x=%{{x:.3f}}, y=%{{y:.3f}}<br>{value}<extra></extra>",
    )


def _minima(objective: Objective) -> go.Scatter | None:
    if not objective.minima:
        return None
    xs, ys, fs = zip(*objective.minima)
    return go.Scatter(
        x=list(xs),
        y=list(ys),
        mode="markers",
        marker={"symbol": "star", "size": 17, "color": "#F0E442", "line": {"width": 1.2}},
        name="global minimum" if len(xs) == 1 else "global minima",
        customdata=list(fs),
        hovertemplate="minimum (%{x:.4g}, %{y:.4g})<br>f = %{customdata:.4g}<extra></extra>",
    )


def _start(point: np.ndarray) -> go.Scatter:
    return go.Scatter(
        x=[float(point[0])],
        y=[float(point[1])],
        mode="markers",
        marker={"symbol": "circle-open", "size": 18, "color": "black", "line": {"width": 2.5}},
        name="start",
        hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
    )


def _point_hover(label: str) -> str:
    return f"{label}<br>step %{{customdata}}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>"


def _plain_hover(label: str) -> str:
    return f"{label}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>"


class _Moving:
    """A path whose trail (and optionally current point) the frames move."""

    def __init__(self, points: np.ndarray, last: int, trail: int, current: int | None):
        self.points = points.astype(np.float32)
        self.last = last
        self.trail = trail
        self.current = current

    def frame(self, frame_steps: np.ndarray, k: int) -> list[dict]:
        """The new trail (and current point) at frame ``k``, as plain trace dicts."""
        now = min(int(frame_steps[k]), self.last)
        earlier = frame_steps[: k + 1]
        shown = thin_trail(np.union1d(earlier[earlier < now], [now]), TRAIL_POINTS)
        data = [scatter_update(self.points[shown, 0], self.points[shown, 1])]
        if self.current is not None:
            data.append(
                scatter_update(self.points[now : now + 1, 0], self.points[now : now + 1, 1])
            )
        return data


def _add_run(fig: go.Figure, run: Run, style: LineStyle, frame_steps: np.ndarray) -> _Moving:
    points = positions(run.trace)
    last = last_drawable(run.trace)
    drawn = points[: last + 1].astype(np.float32)
    keep = path_indices(drawn, PATH_POINTS)
    line = {"color": style.colour, "dash": style.dash}
    fig.add_trace(
        go.Scatter(
            x=drawn[keep, 0],
            y=drawn[keep, 1],
            customdata=keep.astype(np.int32),
            mode="lines",
            line={**line, "width": 1.5},
            opacity=0.6,
            name=f"{run.label} (whole path)",
            legendgroup=run.label,
            showlegend=False,
            hovertemplate=_point_hover(run.label),
        )
    )
    trail = len(fig.data)
    fig.add_trace(
        go.Scatter(
            x=drawn[:1, 0],
            y=drawn[:1, 1],
            mode="lines+markers",
            line={**line, "width": 2.5},
            marker={"symbol": style.symbol, "size": 6, "color": style.colour},
            name=run.label,
            legendgroup=run.label,
            hovertemplate=_plain_hover(run.label),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=drawn[:1, 0],
            y=drawn[:1, 1],
            mode="markers",
            marker={
                "symbol": style.symbol,
                "size": 15,
                "color": style.colour,
                "line": {"width": 2, "color": "white"},
            },
            name=f"{run.label}, current step",
            legendgroup=run.label,
            showlegend=False,
            hovertemplate=_plain_hover(run.label),
        )
    )
    step = diverged_at(run.trace)
    if step is not None and last >= 0:
        fig.add_trace(
            go.Scatter(
                x=drawn[-1:, 0],
                y=drawn[-1:, 1],
                mode="markers",
                marker={"symbol": "x", "size": 16, "color": style.colour, "line": {"width": 1}},
                name=f"{run.label} diverged at step {step}",
                legendgroup=run.label,
                hovertemplate=f"{run.label}: last finite point (step {last})<extra></extra>",
            )
        )
    return _Moving(drawn, max(last, 0), trail, trail + 1)


def ema_jumps(run: Run) -> np.ndarray:
    """Steps s at which the weights were overwritten by their EMA (``params[s] == ema[s−1]``).

    The first call copies the weights into the EMA, so step 1 is never a jump; a jump must
    also move the weights.
    """
    points = positions(run.trace)
    ema = np.asarray(run.trace.ema, dtype=np.float64).reshape(len(points) - 1, -1)[:, :2]
    landed = np.all(points[1:] == ema, axis=1) & np.any(points[1:] != points[:-1], axis=1)
    landed[0] = False
    return np.flatnonzero(landed) + 1


def _add_ema(fig: go.Figure, run: Run, style: LineStyle) -> _Moving:
    points = positions(run.trace)
    ema = np.asarray(run.trace.ema, dtype=np.float64).reshape(len(points) - 1, -1)[:, :2]
    shadow = np.concatenate([points[:1], ema]).astype(np.float32)
    last = finite_prefix(shadow) - 1
    trail = len(fig.data)
    fig.add_trace(
        go.Scatter(
            x=shadow[:1, 0],
            y=shadow[:1, 1],
            mode="lines",
            line={"color": style.colour, "dash": EMA_DASH, "width": 2.5},
            opacity=0.7,
            name=f"{run.label} EMA (shadow weights)",
            legendgroup=f"{run.label} EMA",
            hovertemplate=_plain_hover(f"{run.label} EMA"),
        )
    )
    jumps = ema_jumps(run)
    jumps = jumps[jumps <= last_drawable(run.trace)]
    if jumps.size:
        fig.add_trace(
            go.Scatter(
                x=points[jumps, 0].astype(np.float32),
                y=points[jumps, 1].astype(np.float32),
                customdata=jumps.astype(np.int32),
                mode="markers",
                marker={
                    "symbol": "triangle-down",
                    "size": 11,
                    "color": style.colour,
                    "line": {"width": 1, "color": "black"},
                },
                name=f"{run.label}: weights overwritten by EMA ({jumps.size}×)",
                legendgroup=f"{run.label} EMA",
                hovertemplate=(
                    f"{run.label}: weights set to the EMA at step %{{customdata}}<extra></extra>"
                ),
            )
        )
    return _Moving(shadow, max(last, 0), trail, None)


def contour_figure(
    objective: Objective,
    runs: Sequence[Run],
    *,
    frames: np.ndarray | Sequence[int] | None = None,
    ema_runs: Sequence[Run] | None = None,
    height: int = 620,
    grid_size: int = 240,
) -> go.Figure:
    """Paths of several optimizers on the contour of ``objective``, animated.

    Args:
        objective: the problem; its domain fixes the axis ranges.
        runs: the runs to draw (unbatched traces with ``params`` recorded).
        frames: the frame steps shared with the page's other animated figures (default
            ``frame_indices`` of the runs); frame names are ``str(step)``.
        ema_runs: runs whose ``trace.ema`` is recorded; their EMA path is drawn dotted beside
            the raw one, and the steps where the weights jumped to the EMA are marked.
        height: figure height in pixels.
        grid_size: surface image resolution (grid points per axis).

    Returns:
        The figure: the surface's hover grid at index 0, the surface image in
        ``layout.images``; frames touch only the trails and current points.
    """
    runs = list(runs)
    ema_runs = list(ema_runs or [])
    steps = run_frames(runs + ema_runs, frames)
    image = sample(objective, grid_size)
    labels = [run.label for run in runs]
    styles = styles_for(labels + [run.label for run in ema_runs if run.label not in labels])
    by_label = dict(zip(labels + [r.label for r in ema_runs if r.label not in labels], styles))

    fig = go.Figure(_surface_hover(objective, image))
    fig.add_layout_image(_surface_image(image))
    minima = _minima(objective)
    if minima is not None:
        fig.add_trace(minima)
    start = positions(runs[0].trace)[0] if runs else np.asarray(objective.start)
    fig.add_trace(_start(start))
    moving = [_add_run(fig, run, by_label[run.label], steps) for run in runs]
    moving += [_add_ema(fig, run, by_label[run.label]) for run in ema_runs]

    traces = []
    for path in moving:
        traces += [path.trail] + ([path.current] if path.current is not None else [])
    frame_data = []
    for k in range(steps.size):
        frame_data.append([item for path in moving for item in path.frame(steps, k)])
    if frame_data:
        for index, item in zip(traces, frame_data[0]):
            fig.data[index].update(x=item["x"], y=item["y"])
        animate(fig, steps, frame_data, traces, slider_y=-0.14)

    (xmin, xmax), (ymin, ymax) = objective.domain
    axes = {"autorange": False, "showgrid": False, "zeroline": False}
    fig.update_xaxes(range=[xmin, xmax], title="x", **axes)
    fig.update_yaxes(range=[ymin, ymax], title="y", **axes)
    add_notes(fig, notes(runs + ema_runs, objective.domain))
    title = f"Paths on {objective.title}"
    last = int(steps[-1])
    alt = (
        f"{title}: {', '.join(labels) or 'no runs'} from ({start[0]:.3g}, {start[1]:.3g}) "
        f"over {last} steps. " + " ".join(end_summary(run) for run in runs)
    )
    others = notes(runs, objective.domain)
    if others:
        alt += " " + ". ".join(others) + "."
    finish_layout(fig, title=title, alt=alt, uirevision=f"contour:{objective.title}", height=height)
    fig.update_layout(
        legend={"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
        margin={"t": 100, "b": 150, "l": 60, "r": 20},
    )
    return fig
