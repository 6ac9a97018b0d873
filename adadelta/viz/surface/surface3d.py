"""The loss surface in 3-D with each run's path lying on it (not animated)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from adadelta.problems import Objective
from adadelta.viz.shared.figure import Figure, add_notes, figure, typed
from adadelta.viz.shared.runs import Run, end_summary, finite_prefix, notes, positions
from adadelta.viz.shared.sampling import path_indices
from adadelta.viz.shared.style import styles_for
from adadelta.viz.surface.backdrop import Backdrop, backdrop

PATH_POINTS = 1500

LIFT = 0.02
"""Paths float this share of the z range above the surface so it does not hide them."""


def surface3d_figure(
    objective: Objective | Backdrop,
    runs: Sequence[Run],
    *,
    frames: np.ndarray | Sequence[int] | None = None,
    height: int = 620,
) -> Figure:
    """The surface (log height when ``log_colour``) with the paths on it.

    A path's height is its recorded loss, transformed like the surface. Paths are drawn up to
    their last finite point and are not clipped; the notes say when one leaves the domain.

    Args:
        objective: the problem, or its ``Backdrop`` (shared by every run on the same problem);
            its domain fixes the x and y ranges.
        runs: runs with ``params`` and ``loss`` recorded.
        frames: optional shared frame steps; when given, each path gets a small marker at
            those steps (their spacing shows where the motion was fast).
        height: figure height in pixels.
    """
    surface = objective if isinstance(objective, Backdrop) else backdrop(objective)
    heights = surface.heights3d
    runs = list(runs)
    z_low, z_high = float(np.nanmin(heights.z)), float(np.nanmax(heights.z))
    lift = LIFT * (z_high - z_low)
    for run in runs:  # Paths can get closer to the minimum than any grid point.
        path_z = heights.transform(np.asarray(run.trace.loss, dtype=np.float64))
        if np.isfinite(path_z).any():
            z_low = min(z_low, float(np.nanmin(path_z[np.isfinite(path_z)])))
    data: list[dict[str, Any]] = [surface.surface3d]
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
            marker = {"color": style.colour, "size": 2.5, "symbol": "circle"}
        line = {
            "customdata": typed(keep, np.int32),
            "hovertemplate": (
                f"{run.label}<br>step %{{customdata}}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>"
            ),
            "line": {"color": style.colour, "dash": style.dash, "width": 6},
            "mode": mode,
            "name": run.label,
            "x": typed(path[keep, 0]),
            "y": typed(path[keep, 1]),
            "z": typed(path[keep, 2] + lift),
            "type": "scatter3d",
        }
        if marker is not None:
            line["marker"] = marker
        data.append(line)
        data.append(
            {
                "hovertemplate": f"{run.label}: step {last - 1}<extra></extra>",
                "legendgroup": run.label,
                "marker": {"color": style.colour, "size": 6, "symbol": _symbol3d(style.symbol)},
                "mode": "markers",
                "name": f"{run.label} end (step {last - 1})",
                "showlegend": False,
                "x": typed(path[-1:, 0]),
                "y": typed(path[-1:, 1]),
                "z": typed(path[-1:, 2] + lift),
                "type": "scatter3d",
            }
        )

    (xmin, xmax), (ymin, ymax) = surface.domain
    zaxis: dict[str, Any] = {
        "title": {"text": heights.title},
        "range": [z_low, z_high + 2 * lift],
        "autorange": False,
    }
    if heights.tickvals:
        zaxis.update(tickvals=heights.tickvals, ticktext=heights.ticktext)
    layout = {
        "scene": {
            "xaxis": {"title": {"text": "x"}, "range": [xmin, xmax], "autorange": False},
            "yaxis": {"title": {"text": "y"}, "range": [ymin, ymax], "autorange": False},
            "zaxis": zaxis,
            "aspectratio": {"x": 1, "y": 1, "z": 0.6},
            "camera": {"eye": {"x": 0.9, "y": -1.7, "z": 1.5}},
            "aspectmode": "manual",
        },
        "margin": {"t": 70, "b": 10, "l": 10, "r": 10},
        "legend": {"x": 0.0, "y": 0.0, "yanchor": "bottom"},
    }
    title = f"{surface.title} in 3-D with the paths"
    alt = f"{title}. " + " ".join(end_summary(run) for run in runs)
    fig = figure(
        data,
        layout,
        title=title,
        alt=alt,
        uirevision=f"surface3d:{surface.title}",
        height=height,
    )
    add_notes(fig, notes(runs, surface.domain))
    return fig


def _symbol3d(symbol: str) -> str:
    """Scatter3d knows fewer marker symbols than the 2-D plots: map to the nearest."""
    allowed = {"circle", "square", "diamond", "cross", "x"}
    base = symbol.removesuffix("-open")
    return base if base in allowed else "circle-open"
