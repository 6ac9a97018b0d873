"""Subplot grids as plain layout dicts (what ``plotly.subplots.make_subplots`` writes, without
its object model, which costs tens of milliseconds per figure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


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


def stacked(
    rows: int, titles: Sequence[str] | None = None, *, vertical_spacing: float = 0.1
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``rows`` panels stacked in one column sharing the x axis, as ``make_subplots`` lays them out
    (``shared_xaxes=True``: every x axis matches the bottom one, which alone shows tick labels).

    Returns:
        The layout dict and, per panel from the top, its ``(x, y)`` axis references.
    """
    height = (1.0 - vertical_spacing * (rows - 1)) / rows
    bottom = "x" if rows == 1 else f"x{rows}"
    layout: dict[str, Any] = {}
    refs = []
    for r in range(rows):
        suffix = "" if r == 0 else str(r + 1)
        low = (rows - 1 - r) * (height + vertical_spacing)
        xaxis: dict[str, Any] = {"anchor": f"y{suffix}", "domain": [0.0, 1.0]}
        if r < rows - 1:
            xaxis.update(matches=bottom, showticklabels=False)
        layout[f"xaxis{suffix}"] = xaxis
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [low, min(low + height, 1.0)]}
        refs.append((f"x{suffix}", f"y{suffix}"))
    if titles:
        layout["annotations"] = [
            {
                "font": {"size": 16},
                "showarrow": False,
                "text": text,
                "x": 0.5,
                "xanchor": "center",
                "xref": "paper",
                "y": layout[f"yaxis{'' if r == 0 else r + 1}"]["domain"][1],
                "yanchor": "bottom",
                "yref": "paper",
            }
            for r, text in enumerate(titles)
        ]
    return layout, refs
