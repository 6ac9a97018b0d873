"""The loss surface in 3-D with each run's path lying on it (not animated)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from adadelta.problems import Objective
from adadelta.viz.heights import COLOURSCALE, sample
from adadelta.viz.layout import add_notes, finish_layout
from adadelta.viz.runs import Run, end_summary, finite_prefix, notes, positions
from adadelta.viz.sampling import path_indices
from adadelta.viz.style import styles_for

PATH_POINTS = 1500

LIFT = 0.02
"""Paths float this share of the z range above the surface so it does not hide them."""


def surface3d_figure(
    objective: Objective,
    runs: Sequence[Run],
    *,
    frames: np.ndarray | Sequence[int] | None = None,
    height: int = 620,
    grid_size: int = 100,
) -> go.Figure:
    """``objective`` as a surface (log height when ``log_colour``) with the paths on it.

    A path's height is its recorded loss, transformed like the surface. Paths are drawn up to
    their last finite point and are not clipped; the notes say when one leaves the domain.

    Args:
        objective: the problem; its domain fixes the x and y ranges.
        runs: runs with ``params`` and ``loss`` recorded.
        frames: optional shared frame steps; when given, each path gets a small marker at
            those steps (their spacing shows where the motion was fast).
        height: figure height in pixels.
        grid_size: surface grid points per axis.
    """
    runs = list(runs)
    heights = sample(objective, grid_size)
    z_low, z_high = float(np.nanmin(heights.z)), float(np.nanmax(heights.z))
    lift = LIFT * (z_high - z_low)
    for run in runs:  # Paths can get closer to the minimum than any grid point.
        path_z = heights.transform(np.asarray(run.trace.loss, dtype=np.float64))
        if np.isfinite(path_z).any():
            z_low = min(z_low, float(np.nanmin(path_z[np.isfinite(path_z)])))
    fig = go.Figure(
        go.Surface(
            x=heights.xs.astype(np.float32),
            y=heights.ys.astype(np.float32),
            z=heights.z,
            colorscale=COLOURSCALE,
            colorbar=heights.colorbar(),
            opacity=0.9,
            name="loss surface",
            hovertemplate="x=%{x:.3f}, y=%{y:.3f}<br>height %{z:.3g}<extra></extra>",
        )
    )
    frame_steps = None if frames is None else np.unique(np.asarray(frames, dtype=np.int64))
    for run, style in zip(runs, styles_for([run.label for run in runs])):
        points = positions(run.trace)
        height_of = heights.transform(np.asarray(run.trace.loss, dtype=np.float64))
        path = np.column_stack([points, height_of])
        last = finite_prefix(path)
        path = path[:last]
        if last == 0:
            continue
        keep = path_indices(path[:, :2], PATH_POINTS)
        mode = "lines"
        marker = None
        if frame_steps is not None:
            keep = np.union1d(keep, frame_steps[frame_steps < last])
            mode = "lines+markers"
            marker = {"size": 2.5, "color": style.colour, "symbol": "circle"}
        fig.add_trace(
            go.Scatter3d(
                x=path[keep, 0].astype(np.float32),
                y=path[keep, 1].astype(np.float32),
                z=(path[keep, 2] + lift).astype(np.float32),
                customdata=keep.astype(np.int32),
                mode=mode,
                marker=marker,
                line={"color": style.colour, "dash": style.dash, "width": 6},
                name=run.label,
                hovertemplate=(
                    f"{run.label}<br>step %{{customdata}}<br>x=%{{x:.4g}}, y=%{{y:.4g}}"
                    "<extra></extra>"
                ),
            )
        )
        fig.add_trace(
            go.Scatter3d(
                x=path[-1:, 0].astype(np.float32),
                y=path[-1:, 1].astype(np.float32),
                z=(path[-1:, 2] + lift).astype(np.float32),
                mode="markers",
                marker={"symbol": _symbol3d(style.symbol), "size": 6, "color": style.colour},
                name=f"{run.label} end (step {last - 1})",
                legendgroup=run.label,
                showlegend=False,
                hovertemplate=f"{run.label}: step {last - 1}<extra></extra>",
            )
        )

    (xmin, xmax), (ymin, ymax) = objective.domain
    fig.update_layout(
        scene={
            "xaxis": {"range": [xmin, xmax], "autorange": False, "title": {"text": "x"}},
            "yaxis": {"range": [ymin, ymax], "autorange": False, "title": {"text": "y"}},
            "zaxis": {
                "range": [z_low, z_high + 2 * lift],
                "autorange": False,
                "title": {"text": heights.title},
            },
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": 1, "z": 0.6},
            "camera": {"eye": {"x": 0.9, "y": -1.7, "z": 1.5}},
        },
        margin={"t": 70, "b": 10, "l": 10, "r": 10},
        legend={"x": 0.0, "y": 0.0, "yanchor": "bottom"},
    )
    if heights.tickvals:
        fig.update_scenes(zaxis={"tickvals": heights.tickvals, "ticktext": heights.ticktext})
    add_notes(fig, notes(runs, objective.domain))
    title = f"{objective.title} in 3-D with the paths"
    alt = f"{title}. " + " ".join(end_summary(run) for run in runs)
    return finish_layout(
        fig, title=title, alt=alt, uirevision=f"surface3d:{objective.title}", height=height
    )


def _symbol3d(symbol: str) -> str:
    """Scatter3d knows fewer marker symbols than the 2-D plots: map to the nearest."""
    allowed = {"circle", "square", "diamond", "cross", "x"}
    base = symbol.removesuffix("-open")
    return base if base in allowed else "circle-open"
