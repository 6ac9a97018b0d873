"""What the surface figures draw of the surface itself: it depends on the problem only.

The contour's banded image, its hover grid and colour bar, the minima, and the 3-D surface
are built once per problem and shared by every run drawn on it (``contour_figure`` and
``surface3d_figure`` take a ``Backdrop``): a new optimizer setting re-renders none of them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import plotly.colors

from adadelta.problems import Objective
from adadelta.viz.shared.figure import typed
from adadelta.viz.surface.heights import COLOURSCALE, Heights, axes, heights, values_on
from adadelta.viz.surface.raster import band_colourscale, banded_rgb, png_data_uri

HOVER_POINTS = 41
"""Hover grid points per axis (invisible markers reporting f)."""

IMAGE_GRID = 240
"""Surface image resolution of the contour (grid points per axis)."""

SURFACE_GRID = 100
"""Grid points per axis of the 3-D surface."""

Domain = tuple[tuple[float, float], tuple[float, float]]


class Backdrop(NamedTuple):
    """The run-independent parts of the surface figures of one problem (frozen, shared).

    Attributes:
        title: the problem's title.
        domain: the plot domain ``((xmin, xmax), (ymin, ymax))``.
        start: the problem's default start.
        image: the contour's layout image (a PNG data URI).
        hover: the contour's invisible hover grid trace, carrying the colour bar.
        minima: the known global minima as a trace, or None.
        heights3d: the surface sampled for the 3-D view.
        surface3d: the 3-D view's surface trace.
    """

    title: str
    domain: Domain
    start: tuple[float, float]
    image: dict[str, Any]
    hover: dict[str, Any]
    minima: dict[str, Any] | None
    heights3d: Heights
    surface3d: dict[str, Any]


def backdrop(
    objective: Objective, *, image_grid: int = IMAGE_GRID, surface_grid: int = SURFACE_GRID
) -> Backdrop:
    """Samples ``objective`` and draws what the surface figures show of it.

    Raises:
        ValueError: if the objective is not finite anywhere on its domain.
    """
    image_axes, surface_axes = axes(objective, image_grid), axes(objective, surface_grid)
    (xmin, xmax), (ymin, ymax) = objective.domain
    hover_axes = (
        np.linspace(xmin, xmax, HOVER_POINTS, dtype=np.float32),
        np.linspace(ymin, ymax, HOVER_POINTS, dtype=np.float32),
    )
    # One jitted evaluation for the three grids (one compilation per surface or formula).
    image_f, surface_f, hover_f = values_on(objective, image_axes, surface_axes, hover_axes)
    image = heights(objective, *image_axes, image_f)
    if np.isfinite(surface_f).any():
        heights3d = heights(objective, *surface_axes, surface_f)
    else:
        # Finite somewhere on the finer grid only (e.g. along one line): show those points.
        keep = np.unique(np.rint(np.linspace(0, image_grid - 1, surface_grid)).astype(np.int64))
        if not np.isfinite(image_f[np.ix_(keep, keep)]).any():
            keep = np.arange(image_grid)
        heights3d = heights(objective, image.xs[keep], image.ys[keep], image_f[np.ix_(keep, keep)])
    return Backdrop(
        objective.title,
        objective.domain,
        tuple(float(v) for v in objective.start),
        _surface_image(image),
        _surface_hover(image, *hover_axes, hover_f),
        _minima(objective),
        heights3d,
        _surface_trace(heights3d),
    )


def _surface_image(heights: Heights) -> dict[str, Any]:
    low, high = float(np.nanmin(heights.z)), float(np.nanmax(heights.z))
    rgb = banded_rgb(heights.z.astype(np.float64), low, high)[::-1]
    (xmin, xmax), (ymin, ymax) = (heights.xs[0], heights.xs[-1]), (heights.ys[0], heights.ys[-1])
    return {
        "layer": "below",
        "name": "loss surface",
        "sizex": float(xmax - xmin),
        "sizey": float(ymax - ymin),
        "sizing": "stretch",
        "source": png_data_uri(rgb),
        "x": float(xmin),
        "xref": "x",
        "y": float(ymax),
        "yref": "y",
    }


def _surface_hover(image: Heights, xs: np.ndarray, ys: np.ndarray, f: np.ndarray) -> dict[str, Any]:
    """Invisible points carrying f for hover (and clicks), and the surface's colour bar."""
    with np.errstate(invalid="ignore", over="ignore"):
        z = image.transform(f).astype(np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    if image.log:
        shown = "f" if image.f_min == 0 else "f − f_min"
        value = f"{shown} ≈ 10^%{{marker.color:.2f}}"
    else:
        value = "f = %{marker.color:.4g}"
    return {
        "hovertemplate": f"x=%{{x:.3f}}, y=%{{y:.3f}}<br>{value}<extra></extra>",
        "marker": {
            "cmax": float(np.nanmax(image.z)),
            "cmin": float(np.nanmin(image.z)),
            "color": typed(z.ravel()),
            "colorbar": image.colorbar(),
            "colorscale": band_colourscale(),
            # Hover, clicks and selection read every point; drawing one is enough. (Drawing
            # 1,681 invisible markers was a third of the browser's time per new setting.)
            "maxdisplayed": 1,
            "opacity": 0,
            "showscale": True,
            "size": 8,
        },
        "mode": "markers",
        "name": "loss surface",
        "showlegend": False,
        "x": typed(grid_x.ravel()),
        "y": typed(grid_y.ravel()),
        "type": "scatter",
    }


def _minima(objective: Objective) -> dict[str, Any] | None:
    if not objective.minima:
        return None
    xs, ys, fs = zip(*objective.minima)
    return {
        "customdata": [float(f) for f in fs],
        "hovertemplate": "minimum (%{x:.4g}, %{y:.4g})<br>f = %{customdata:.4g}<extra></extra>",
        "marker": {"color": "#F0E442", "line": {"width": 1.2}, "size": 17, "symbol": "star"},
        "mode": "markers",
        "name": "global minimum" if len(xs) == 1 else "global minima",
        "x": [float(x) for x in xs],
        "y": [float(y) for y in ys],
        "type": "scatter",
    }


def _surface_trace(heights: Heights) -> dict[str, Any]:
    return {
        "colorbar": heights.colorbar(),
        "colorscale": [list(stop) for stop in plotly.colors.get_colorscale(COLOURSCALE)],
        "hovertemplate": "x=%{x:.3f}, y=%{y:.3f}<br>height %{z:.3g}<extra></extra>",
        "name": "loss surface",
        "opacity": 0.9,
        "x": typed(heights.xs),
        "y": typed(heights.ys),
        "z": typed(heights.z),
        "type": "surface",
    }
