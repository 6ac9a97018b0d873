"""What every sweep figure shares: cell axes (log where a range spans decades), the invisible
click targets at cell centres, and the grey "diverged" overlay.

A heatmap's cells are drawn at their index positions or at log10 of their values, never on a
Plotly log axis: plotly.js computes a heatmap's brick edges in linear data units, so on a log
axis the bricks of a geometric grid come out uneven. Ticks then name the real values.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from adadelta.viz.shared.figure import typed

DIVERGED_COLOUR = "#9e9e9e"
"""The grey of a diverged cell: no colour of the loss scale is grey."""

DIVERGED_MARK = "x-thin"
"""The mark drawn across a diverged cell, so it is told apart without colour."""

CLICK_TRACE = "cells"
"""Name of the invisible trace whose points are the cells (what a click selects)."""


class CellAxis(NamedTuple):
    """One axis of a grid of settings.

    Attributes:
        name: the argument on this axis (its Keras name).
        values: ``(n,)`` the setting of each cell.
        log: whether the cells sit at ``log10(values)``.
        positions: ``(n,)`` where the cells sit on the plot's (linear) axis.
    """

    name: str
    values: np.ndarray
    log: bool
    positions: np.ndarray

    def layout(self) -> dict[str, Any]:
        """The Plotly axis: a title saying whether it is logarithmic, ticks at real values."""
        title = f"{self.name} (log scale)" if self.log else self.name
        axis: dict[str, Any] = {
            "title": {"text": title},
            "showgrid": False,
            "zeroline": False,
            "range": list(self.edges()),
        }
        if self.log:
            lo, hi = float(self.positions.min()), float(self.positions.max())
            decades = np.arange(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)
            if decades.size < 2:
                decades = np.array([lo, hi])
            axis["tickvals"] = [float(d) for d in decades]
            axis["ticktext"] = [_power(d) for d in decades]
        return axis

    def edges(self) -> tuple[float, float]:
        """The outer edges of the first and last cells (the click targets' markers would
        otherwise pad Plotly's autorange)."""
        p = np.asarray(self.positions, np.float64)
        if p.size < 2:
            return (float(p[0]) - 0.5, float(p[0]) + 0.5)
        return (float(p[0] - (p[1] - p[0]) / 2), float(p[-1] + (p[-1] - p[-2]) / 2))


def _power(exponent: float) -> str:
    if float(exponent).is_integer():
        return f"1e{int(exponent)}" if exponent not in (0, 1) else f"{10 ** int(exponent)}"
    return f"{10**exponent:.3g}"


def cell_axis(name: str, values: Any, log: bool) -> CellAxis:
    """A ``CellAxis`` for ``values``; ``log`` needs positive values (else it is linear)."""
    values = np.asarray(values, np.float64)
    log = bool(log) and bool(np.all(values > 0))
    return CellAxis(name, values, log, np.log10(values) if log else values)


def category_axis(name: str, labels: list[str]) -> CellAxis:
    """An axis of labelled cells at 0, 1, 2, ... (e.g. the paper's learning rates)."""
    axis = CellAxis(name, np.arange(len(labels), dtype=np.float64), False, np.arange(len(labels)))
    return axis


def click_targets(
    x: CellAxis,
    y: CellAxis,
    values: np.ndarray,
    template: str,
    *,
    where: np.ndarray | None = None,
    name: str = CLICK_TRACE,
    xaxis: str = "x",
    yaxis: str = "y",
) -> dict[str, Any]:
    """Invisible markers at the cell centres (all, or those of ``where``) that carry the hover
    text; clicking one selects its cell.

    Each point's ``customdata`` is ``[i, j, x value, y value, *values[i, j]]``: the page reads
    the cell from the first two, ``template`` shows the others (``%{customdata[2]}`` ...).

    Args:
        x, y: the axes.
        values: ``(ny, nx, k)`` numbers per cell for the hover text.
        template: the hover template.
        where: ``(ny, nx)`` bool, the cells to include; default all.
        name: the trace's name (``"cells"`` unless a figure has several).
    """
    ny, nx = len(y.values), len(x.values)
    rows, cols = np.nonzero(np.ones((ny, nx), bool) if where is None else where)
    values = np.asarray(values, np.float64).reshape(ny, nx, -1)
    custom = np.column_stack([rows, cols, x.values[cols], y.values[rows], values[rows, cols]])
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": typed(x.positions[cols], np.float64),
        "y": typed(y.positions[rows], np.float64),
        "customdata": typed(custom, np.float32),
        "hovertemplate": template + "<extra></extra>",
        # Invisible until clicked: the selected cell gets an outline (Streamlit keeps the
        # selection), the others stay invisible.
        "marker": {
            "opacity": 0,
            "size": _marker_size(nx, ny),
            "symbol": "square-open",
            "color": "#000000",
            "line": {"width": 2},
        },
        "selected": {"marker": {"opacity": 1}},
        "unselected": {"marker": {"opacity": 0}},
        "showlegend": False,
        "xaxis": xaxis,
        "yaxis": yaxis,
    }


def clicked_cell(point: dict[str, Any]) -> tuple[int, int] | None:
    """The cell ``(i, j)`` of a selected point of a ``click_targets`` trace (None if it has
    no cell, e.g. a point of another trace)."""
    custom = point.get("customdata")
    if isinstance(custom, dict):
        # A typed-array row reaches Python as {"0": i, "1": j, ...} (JSON of a Float32Array).
        custom = [custom.get("0"), custom.get("1")]
    if not isinstance(custom, (list, tuple)) or len(custom) < 2:
        return None
    try:
        return int(custom[0]), int(custom[1])
    except (TypeError, ValueError):
        return None


def _marker_size(nx: int, ny: int) -> int:
    # Large enough to cover a cell of a ~500 px plot, so any click inside it lands.
    return int(np.clip(480 / max(nx, ny), 4, 40))


def diverged_overlay(
    x: CellAxis,
    y: CellAxis,
    diverged: np.ndarray,
    *,
    xaxis: str = "x",
    yaxis: str = "y",
    showlegend: bool = True,
) -> list[dict[str, Any]]:
    """A grey heatmap over the diverged cells and a mark across each, in the legend as
    "diverged" (nothing where no cell diverged)."""
    diverged = np.asarray(diverged, bool)
    if not diverged.any():
        return []
    grey = np.where(diverged, 1.0, np.nan)
    rows, cols = np.nonzero(diverged)
    return [
        {
            "type": "heatmap",
            "name": "diverged",
            "x": typed(x.positions, np.float64),
            "y": typed(y.positions, np.float64),
            "z": typed(grey, np.float32),
            "colorscale": [[0, DIVERGED_COLOUR], [1, DIVERGED_COLOUR]],
            "showscale": False,
            "hoverinfo": "skip",
            "xaxis": xaxis,
            "yaxis": yaxis,
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "diverged",
            "legendgroup": "diverged",
            "x": typed(x.positions[cols], np.float64),
            "y": typed(y.positions[rows], np.float64),
            "marker": {
                "symbol": DIVERGED_MARK,
                "color": "#424242",
                "size": max(4, _marker_size(len(x.values), len(y.values)) // 2),
                "line": {"width": 1, "color": "#424242"},
            },
            "hoverinfo": "skip",
            "showlegend": showlegend,
            "xaxis": xaxis,
            "yaxis": yaxis,
        },
    ]


def show_number(value: float) -> str:
    """A setting as hover text prints it: ``0.95``, ``1e-06``."""
    return f"{float(value):.4g}"
