"""Zeiler's tables as heatmap tables: mean test error per setting, the spread over seeds."""

from __future__ import annotations

from typing import Any

import numpy as np

from adadelta.viz.shared.figure import Figure, figure, typed
from adadelta.viz.sweeps.grid import CellAxis, click_targets, diverged_overlay

COLOURSCALE = "YlOrRd"
"""Pale for a low test error, dark red for a high one; grey is kept for diverged settings."""


def _value_label(value: float) -> str:
    return f"{value:g}"


def _axis(name: str, values: tuple[float, ...]) -> CellAxis:
    positions = np.arange(len(values), dtype=np.float64)
    return CellAxis(name, np.asarray(values, np.float64), False, positions)


def _axis_layout(axis: CellAxis) -> dict[str, Any]:
    return {
        "range": [-0.5, len(axis.values) - 0.5],
        "title": {"text": axis.name},
        "tickvals": [float(p) for p in axis.positions],
        "ticktext": [_value_label(v) for v in axis.values],
        "showgrid": False,
        "zeroline": False,
    }


def table_axes(table: Any) -> tuple[CellAxis, CellAxis]:
    """The table's columns and rows: one row for a learning-rate table, ρ rows by ε columns
    for Adadelta's."""
    if len(table.axes) == 1:
        return _axis(table.axes[0], table.values[0]), _axis("", (0.0,))
    return _axis(table.axes[1], table.values[1]), _axis(table.axes[0], table.values[0])


def cell_text(mean: float, std: float, diverged: int, seeds: int) -> str:
    """``"4.2% ± 0.3"``, with ``"k/S diverged"`` under it when a seed diverged."""
    if not np.isfinite(mean):
        return f"diverged<br>({diverged}/{seeds})"
    text = f"{100 * mean:.1f}% ± {100 * std:.1f}"
    return text + (f"<br>{diverged}/{seeds} diverged" if diverged else "")


def table_figure(table: Any, *, zmax: float | None = None, title: str | None = None) -> Figure:
    """One ``adadelta.sweeps.PaperTable`` as a heatmap table.

    Each cell shows the mean test error over the seeds that stayed finite and its standard
    deviation (as text and on hover, with the best and worst seed); a setting whose seeds all
    diverged is grey. Colour is the mean test error in percent, from 0 to ``zmax``.

    Args:
        table: the table (``axes``, ``values``, ``error_mean``, ``error_std``, ...).
        zmax: the top of the colour range in percent (share it across tables); default this
            table's worst mean.
        title: default names the method.

    Returns:
        The figure: the heatmap, any diverged overlay, then the click targets (``"cells"``).
    """
    x, y = table_axes(table)
    shape = (len(y.values), len(x.values))
    mean = np.asarray(table.error_mean, np.float64).reshape(shape)
    std = np.asarray(table.error_std, np.float64).reshape(shape)
    low = np.asarray(table.error_min, np.float64).reshape(shape)
    high = np.asarray(table.error_max, np.float64).reshape(shape)
    diverged = np.asarray(table.num_diverged).reshape(shape)
    seeds = len(table.seeds)
    percent = 100 * mean
    if zmax is None:
        zmax = float(np.nanmax(percent)) if np.isfinite(percent).any() else 100.0
    text = [[cell_text(mean[i, j], std[i, j], diverged[i, j], seeds) for j in range(shape[1])]
            for i in range(shape[0])]  # fmt: skip
    heatmap = {
        "type": "heatmap",
        "name": "test error",
        "x": typed(x.positions, np.float64),
        "y": typed(y.positions, np.float64),
        "z": typed(percent, np.float32),
        "zmin": 0.0,
        "zmax": max(float(zmax), 1.0),
        "colorscale": COLOURSCALE,
        "reversescale": True,  # Plotly's YlOrRd runs from dark red to yellow
        "colorbar": {"title": {"text": "test error %"}, "thickness": 12},
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 13},
        "hoverinfo": "skip",
        "xgap": 2,
        "ygap": 2,
    }
    all_diverged = ~np.isfinite(mean)
    values = np.stack([percent, 100 * std, 100 * low, 100 * high, diverged], axis=-1)
    head = f"{x.name} = %{{customdata[2]:g}}" + (
        f"<br>{y.name} = %{{customdata[3]:g}}" if y.name else ""
    )
    template = (
        head + "<br>test error %{customdata[4]:.2f}% ± %{customdata[5]:.2f} (mean ± sd over "
        f"{seeds} seeds)<br>best seed %{{customdata[6]:.2f}}%, worst %{{customdata[7]:.2f}}%"
        "<br>diverged seeds: %{customdata[8]}"
    )
    data = [heatmap, *diverged_overlay(x, y, all_diverged), click_targets(x, y, values, template)]
    data[-1]["marker"]["size"] = 40
    layout: dict[str, Any] = {
        # A click anywhere selects the nearest cell centre: the cell under the pointer.
        "hoverdistance": -1,
        "xaxis": _axis_layout(x),
        "yaxis": {**_axis_layout(y), "visible": bool(y.name), "range": [len(y.values) - 0.5, -0.5]},
        "margin": {"t": 70, "b": 50, "l": 70 if y.name else 20, "r": 20},
        "legend": {
            "orientation": "h",
            "x": 1.0,
            "xanchor": "right",
            "y": 1.02,
            "yanchor": "bottom",
        },
    }
    name = title or table.method
    return figure(
        data,
        layout,
        title=name,
        alt=(
            f"Heatmap table of {table.method}'s mean test error over "
            f"{' and '.join(table.axes)}, {seeds} seeds."
        ),
        uirevision=f"table-{table.method}",
        height=220 if not y.name else 330,
    )
