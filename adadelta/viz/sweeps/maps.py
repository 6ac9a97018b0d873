"""Sensitivity maps: the loss after N steps over a grid of two optimizer arguments.

Colour is ``log10(loss − f*)``, the gap to the surface's minimum on a log scale (losses span
many decades); a diverged cell is grey with a mark and a legend entry, never a colour of the
scale, since its loss is not a number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adadelta.viz.shared.figure import Figure, figure, typed
from adadelta.viz.sweeps.grid import cell_axis, click_targets, diverged_overlay

COLOURSCALE = "Viridis"
GAP_FLOOR = 1e-12
"""Gaps below this are drawn as this (float32 rounding leaves ~1e-7 relative noise anyway)."""

LOSSES = {"final_loss": "final loss", "best_loss": "best loss"}
"""Which loss a map shows: after the last step, or the lowest along the run."""


def log_gap(loss: np.ndarray, floor: float) -> np.ndarray:
    """``log10(max(loss − floor, GAP_FLOOR))``, NaN where the loss is NaN."""
    with np.errstate(invalid="ignore"):
        return np.log10(np.maximum(np.asarray(loss, np.float64) - floor, GAP_FLOOR))


def colour_range(maps: list[Any], which: str, floor: float) -> tuple[float, float]:
    """One colour range for several maps drawn side by side, so colours compare across them."""
    values = np.concatenate([log_gap(getattr(m, which), floor).ravel() for m in maps])
    values = values[np.isfinite(values)]
    if not values.size:
        return (0.0, 1.0)
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi if hi > lo else lo + 1.0)


def sensitivity_figure(
    sweep: Any,
    *,
    which: str = "final_loss",
    floor: float | None = None,
    zrange: tuple[float, float] | None = None,
    title: str | None = None,
    height: int = 520,
) -> Figure:
    """The heatmap of one ``adadelta.sweeps.SensitivityMap``.

    Args:
        sweep: the map (``x_values``, ``y_values``, ``x_log``, ``final_loss``, ...).
        which: ``"final_loss"`` or ``"best_loss"``.
        floor: the surface's minimum f*; default the lowest finite loss of the map.
        zrange: the colour range of ``log10(loss − f*)``; default this map's.
        title: default names the optimizer and the loss shown.
        height: pixels.

    Returns:
        The figure: the loss heatmap first, then the diverged overlay (if any), then the
        invisible click targets (``"cells"``, and ``"diverged cells"`` if any diverged),
        whose points carry their cell (see ``grid.clicked_cell``).
    """
    if which not in LOSSES:
        raise ValueError(
            f"Argument `which` must be one of {', '.join(LOSSES)}. Received: {which!r}"
        )
    loss = np.asarray(getattr(sweep, which), np.float64)
    finite = loss[np.isfinite(loss)]
    if floor is None:
        floor = float(finite.min()) if finite.size else 0.0
    x = cell_axis(sweep.x_name, sweep.x_values, sweep.x_log)
    y = cell_axis(sweep.y_name, sweep.y_values, sweep.y_log)
    z = log_gap(loss, floor)
    lo, hi = zrange if zrange is not None else colour_range([sweep], which, floor)
    shown = "loss" if floor == 0 else "loss − f*"
    heatmap = {
        "type": "heatmap",
        "name": LOSSES[which],
        "x": typed(x.positions, np.float64),
        "y": typed(y.positions, np.float64),
        "z": typed(z, np.float32),
        "zmin": lo,
        "zmax": hi,
        "colorscale": COLOURSCALE,
        "colorbar": {"title": {"text": f"log10({shown})", "side": "right"}, "thickness": 14},
        "hoverinfo": "skip",
    }
    data = [heatmap, *diverged_overlay(x, y, sweep.diverged)]
    data += _targets(sweep, x, y, loss, which)
    count = int(np.sum(sweep.diverged))
    cells = sweep.diverged.size
    layout: dict[str, Any] = {
        # A click anywhere selects the nearest cell centre: the cell under the pointer.
        "hoverdistance": -1,
        "xaxis": x.layout(),
        "yaxis": y.layout(),
        "legend": {
            "orientation": "h",
            "x": 1.0,
            "xanchor": "right",
            "y": 1.02,
            "yanchor": "bottom",
        },
        "margin": {"t": 80, "b": 60, "l": 70, "r": 20},
    }
    name = sweep.optimizer
    subtitle = f"{count} of {cells} cells diverged" if count else "no cell diverged"
    text = title or f"{name}: {LOSSES[which]} after {sweep.num_steps} steps"
    alt = (
        f"Heatmap of {name}'s {LOSSES[which]} over {sweep.x_name} and {sweep.y_name}, "
        f"{len(sweep.y_values)} by {len(sweep.x_values)} cells; {subtitle}."
    )
    return figure(
        data,
        layout,
        title={"text": f"{text}<br><sup>{subtitle}; click a cell to open it</sup>"},
        alt=alt,
        uirevision=f"map-{name}-{sweep.x_name}-{sweep.y_name}",
        height=height,
    )


def _targets(sweep: Any, x: Any, y: Any, loss: np.ndarray, which: str) -> list[dict[str, Any]]:
    """Click targets: one trace over the finite cells, one over the diverged ones."""
    head = f"{sweep.x_name} = %{{customdata[2]:.4g}}<br>{sweep.y_name} = %{{customdata[3]:.4g}}<br>"
    if which == "best_loss":
        finite = "best loss %{customdata[4]:.4g} at step %{customdata[5]}"
        bad = "diverged at step %{customdata[6]}<br>best loss before: %{customdata[4]:.4g}"
    else:
        finite = "final loss %{customdata[4]:.4g}"
        bad = "diverged at step %{customdata[6]}"
    values = np.stack([loss, sweep.best_step, sweep.diverged_at], axis=-1)
    diverged = np.asarray(sweep.diverged, bool)
    traces = [click_targets(x, y, values, head + finite, where=~diverged)]
    if diverged.any():
        traces.append(
            click_targets(x, y, values, head + bad, where=diverged, name="diverged cells")
        )
    return traces
