"""Fast figure assembly for the network page: a subplot grid as a plain dict, built once.

The network page rebuilds five figures on every rerun. Plotly's ``make_subplots`` and its
per-property validation cost tens of milliseconds per figure, so these builders write the
figure as plain dicts (the subplot domains computed here) and wrap it once, unvalidated; the
tests validate every figure's dict with Plotly to keep that honest.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from adadelta.viz.layout import finish_layout
from adadelta.viz.style import TEMPLATE


@functools.cache
def _template_json(name: str) -> str:
    return json.dumps(pio.templates[name].to_plotly_json())


def _template(name: str) -> dict[str, Any]:
    """The named template as a fresh dict (cached as JSON, so callers may mutate it)."""
    return json.loads(_template_json(name))


def _span(low: float, high: float) -> list[float]:
    return [min(max(round(low, 6), 0.0), 1.0), min(max(round(high, 6), 0.0), 1.0)]


def subplot_grid(
    rows: int,
    cols: int,
    titles: Sequence[str] = (),
    *,
    horizontal_spacing: float = 0.06,
    vertical_spacing: float = 0.12,
    shared_x: bool = False,
    shared_y: bool = False,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A ``rows × cols`` grid of cartesian subplots, filled row by row from the top.

    Args:
        rows, cols: grid size.
        titles: one title per subplot (row-major), written as annotations above each.
        horizontal_spacing, vertical_spacing: gaps in paper fractions.
        shared_x: all x axes match the first; tick labels only on the bottom row.
        shared_y: all y axes match the first; tick labels only on the first column.

    Returns:
        The layout dict (axes and title annotations) and, per subplot, its ``(x, y)`` axis
        references for the traces (``("x", "y")``, ``("x2", "y2")``, ...).
    """
    hs = horizontal_spacing if cols > 1 else 0.0
    vs = vertical_spacing if rows > 1 else 0.0
    width = (1.0 - hs * (cols - 1)) / cols
    height = (1.0 - vs * (rows - 1)) / rows
    layout: dict[str, Any] = {"annotations": []}
    refs = []
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c + 1
            suffix = "" if k == 1 else str(k)
            x0 = c * (width + hs)
            y1 = 1.0 - r * (height + vs)
            xaxis: dict[str, Any] = {"domain": _span(x0, x0 + width), "anchor": f"y{suffix}"}
            yaxis: dict[str, Any] = {"domain": _span(y1 - height, y1), "anchor": f"x{suffix}"}
            if shared_x and k > 1:
                xaxis["matches"] = "x"
            if shared_x and r < rows - 1:
                xaxis["showticklabels"] = False
            if shared_y and k > 1:
                yaxis["matches"] = "y"
            if shared_y and c > 0:
                yaxis["showticklabels"] = False
            layout[f"xaxis{suffix}"] = xaxis
            layout[f"yaxis{suffix}"] = yaxis
            refs.append((f"x{suffix}", f"y{suffix}"))
            if k <= len(titles):
                layout["annotations"].append(
                    {
                        "text": titles[k - 1],
                        "x": x0 + width / 2.0,
                        "y": y1,
                        "xref": "paper",
                        "yref": "paper",
                        "xanchor": "center",
                        "yanchor": "bottom",
                        "showarrow": False,
                        "font": {"size": 14},
                    }
                )
    return layout, refs


def axes_keys(layout: dict[str, Any], axis: str) -> list[str]:
    """The layout keys of every ``axis`` ("xaxis" or "yaxis") in a grid layout."""
    return [key for key in layout if key.startswith(axis)]


def assemble(
    data: list[dict[str, Any]],
    layout: dict[str, Any],
    *,
    title: str,
    alt: str,
    uirevision: str,
    height: int | None = None,
    frames: list[dict[str, Any]] | None = None,
) -> go.Figure:
    """Wraps the dicts in a ``go.Figure`` (unvalidated) with the house layout."""
    spec: dict[str, Any] = {"data": data, "layout": layout}
    if frames is not None:
        spec["frames"] = frames
    fig = go.Figure(spec, _validate=False)
    finish_layout(fig, title=title, alt=alt, uirevision=uirevision, height=height)
    # Unvalidated, the template stays a name, which plotly.js does not know: expand it.
    fig.layout.template = _template(TEMPLATE)
    return fig
