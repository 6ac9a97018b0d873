"""Basins of attraction: the grid of starts coloured by the minimum each run reaches."""

from __future__ import annotations

from typing import Any

import numpy as np

from adadelta.viz.shared.figure import Figure, figure, typed
from adadelta.viz.sweeps.grid import cell_axis, click_targets, diverged_overlay

PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
"""One colour per minimum (Okabe–Ito), repeated past eight minima."""

NOT_REACHED_COLOUR = "#ececec"
"""Pale grey: the run ended near no minimum within its steps (white would merge with the
page; diverged starts are a darker grey with a cross)."""


def minimum_colour(index: int) -> str:
    """The colour of minimum ``index`` in every basin figure."""
    return PALETTE[index % len(PALETTE)]


def basins_figure(basin_map: Any, index: int, label: str, *, height: int = 480) -> Figure:
    """The basins of optimizer ``index`` of an ``adadelta.sweeps.BasinMap``.

    Each start is coloured by the minimum its run ends within ``radius`` of, pale grey where
    it ends near none, grey with a mark where it diverged; the minima are stars in their colour.

    Returns:
        The figure: the label heatmap, the diverged overlay (if any), one legend entry per
        minimum and for "no minimum", the minima, then the click targets (``"cells"``).
    """
    labels = np.asarray(basin_map.labels[index])
    minima = np.asarray(basin_map.minima, np.float64).reshape(-1, 2)
    x = cell_axis("x₀", basin_map.xs, False)
    y = cell_axis("y₀", basin_map.ys, False)
    count = len(minima)
    # z: 0 = not reached, m + 1 = minimum m; diverged cells are drawn by the overlay.
    z = np.where(labels >= 0, labels + 1, 0).astype(np.float32)
    z[labels == -2] = np.nan
    colours = [NOT_REACHED_COLOUR, *(minimum_colour(m) for m in range(count))]
    scale = []
    for k, colour in enumerate(colours):
        scale += [[k / len(colours), colour], [(k + 1) / len(colours), colour]]
    heatmap = {
        "type": "heatmap",
        "name": "basins",
        "x": typed(x.positions, np.float64),
        "y": typed(y.positions, np.float64),
        "z": typed(z, np.float32),
        "zmin": -0.5,
        "zmax": count + 0.5,
        "colorscale": scale,
        "showscale": False,
        "hoverinfo": "skip",
    }
    data: list[dict[str, Any]] = [heatmap, *diverged_overlay(x, y, labels == -2)]
    shares = np.mean(labels.reshape(-1)[:, None] == np.arange(-2, count)[None], axis=0)
    for m in range(count):
        data.append(_legend_entry(f"minimum {m + 1}: {100 * shares[m + 2]:.0f}%", colours[m + 1]))
    data.append(_legend_entry(f"no minimum: {100 * shares[1]:.0f}%", NOT_REACHED_COLOUR))
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": "minima",
            "x": [float(v) for v in minima[:, 0]],
            "y": [float(v) for v in minima[:, 1]],
            "text": [str(m + 1) for m in range(count)],
            "textposition": "top center",
            "textfont": {"size": 13, "color": "#000"},
            "customdata": [float(v) for v in basin_map.minima_values],
            "hovertemplate": "minimum at (%{x:.3f}, %{y:.3f})<br>f = %{customdata:.4g}"
            "<extra></extra>",
            # White stars: a star in its basin's colour would vanish inside its basin.
            "marker": {
                "symbol": "star",
                "size": 16,
                "color": "#ffffff",
                "line": {"width": 1.5, "color": "#000"},
            },
            # A clicked cell must not dim the minima.
            "unselected": {"marker": {"opacity": 1}, "textfont": {"color": "#000"}},
            "showlegend": False,
        }
    )
    ends = np.asarray(basin_map.final_params[index], np.float64)
    values = np.stack([labels + 1.0, ends[..., 0], ends[..., 1]], axis=-1)
    template = (
        "start (%{customdata[2]:.3f}, %{customdata[3]:.3f})<br>ends at "
        "(%{customdata[5]:.3f}, %{customdata[6]:.3f})<br>minimum %{customdata[4]}"
        " (0 = none, -1 = diverged)"
    )
    data.append(click_targets(x, y, values, template))
    layout: dict[str, Any] = {
        # A click anywhere selects the nearest cell centre: the cell under the pointer.
        "hoverdistance": -1,
        "xaxis": {"title": {"text": "start x"}, "range": list(x.edges())},
        "yaxis": {"title": {"text": "start y"}, "range": list(y.edges())},
        "legend": {"orientation": "h", "x": 0.0, "y": -0.15, "yanchor": "top"},
        "margin": {"t": 70, "b": 100, "l": 60, "r": 20},
    }
    diverged = 100 * shares[0]
    sub = f"{diverged:.0f}% of starts diverged" if diverged else "no start diverged"
    return figure(
        data,
        layout,
        title={"text": f"{label}<br><sup>{basin_map.num_steps} steps; {sub}</sup>"},
        alt=(
            f"Basins of attraction of {label}: {len(y.values)} by {len(x.values)} starts "
            f"coloured by which of {count} minima each run reaches."
        ),
        uirevision=f"basins-{label}",
        height=height,
    )


def _legend_entry(name: str, colour: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": [None],
        "y": [None],
        "marker": {"symbol": "square", "size": 12, "color": colour, "line": {"width": 1}},
        "hoverinfo": "skip",
    }
