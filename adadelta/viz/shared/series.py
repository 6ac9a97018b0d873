"""Per-step line plots with a step cursor that moves in sync with the trajectory animation.

A shape cannot be moved by Plotly frames, so the cursor is a two-point line trace per panel;
the frames touch only those traces. The y ranges are fixed from the data, so the cursor spans
the panel and nothing rescales while playing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from adadelta.viz.shared.animation import CONTROLS_LEFT_PX, animate, scatter_update
from adadelta.viz.shared.figure import Figure, add_notes, figure, typed
from adadelta.viz.shared.runs import Run, diverged_at, num_steps
from adadelta.viz.shared.sampling import series_indices
from adadelta.viz.shared.style import LineStyle
from adadelta.viz.shared.subplots import stacked

SERIES_POINTS = 2500
"""The most points drawn per line (min–max decimation keeps spikes)."""

MARKERS_SHOWN = 12
"""Markers drawn per line: enough to tell lines apart without colour."""

CURSOR_COLOUR = "#333333"

LEGEND_CHAR_PX = 7.5
"""About the widest a legend label's character is drawn at size 12 (for the right margin)."""

LEGEND_EXTRA_PX = 75
"""The legend's symbol and padding, and its gap to the plot (``x`` = 1.02), in pixels."""


def legend_margin(data: Sequence[dict[str, Any]]) -> int:
    """A right margin that holds the legend beside the plot, estimated from its labels.

    Plotly widens a margin its legend or controls do not fit in and draws the figure again;
    an estimate too narrow costs only that redraw, one too wide a little space.
    """
    names = [trace.get("name", "") for trace in data if trace.get("showlegend", True)]
    return int(LEGEND_EXTRA_PX + LEGEND_CHAR_PX * max(map(len, names), default=0))


@dataclasses.dataclass
class StepPlot:
    """A figure of per-step lines in stacked panels sharing the step axis.

    Attributes:
        data: the traces so far.
        layout: the layout so far (axes of each panel, panel titles).
        refs: per panel, its ``(x, y)`` axis references.
        log: whether the y axes are logarithmic.
        lows: per panel, the smallest plotted value so far.
        highs: per panel, the largest.
        last_step: the largest step plotted.
    """

    data: list[dict[str, Any]]
    layout: dict[str, Any]
    refs: list[tuple[str, str]]
    log: bool
    lows: list[float]
    highs: list[float]
    last_step: int = 0

    @property
    def panels(self) -> int:
        """Number of stacked panels."""
        return len(self.lows)

    def axis(self, letter: str, panel: int) -> dict[str, Any]:
        """The layout entry of a panel's ``"x"`` or ``"y"`` axis."""
        return self.layout[f"{letter}axis{'' if panel == 0 else panel + 1}"]


def step_plot(panel_titles: Sequence[str] | None = None, *, log: bool = True) -> StepPlot:
    """An empty figure with one panel per title (one untitled panel when None)."""
    rows = len(panel_titles) if panel_titles else 1
    layout, refs = stacked(rows, list(panel_titles) if panel_titles else None)
    return StepPlot([], layout, refs, log, [np.inf] * rows, [-np.inf] * rows)


def valid_rows(run: Run, rows: int, first_step: int) -> int:
    """How many rows of a per-step field to draw: none from the divergence step on.

    Args:
        run: the run.
        rows: the field's number of rows.
        first_step: the step of row 0 (0 for ``loss``, 1 for per-call fields).
    """
    step = diverged_at(run.trace)
    if step is None:
        return rows
    return int(np.clip(step - first_step + 1, 0, rows))


def add_series(
    plot: StepPlot,
    steps: np.ndarray,
    values: np.ndarray,
    *,
    panel: int,
    name: str,
    style: LineStyle,
    dash: str | None = None,
    group: str | None = None,
    showlegend: bool = True,
    hover_name: str | None = None,
) -> int | None:
    """Adds one line; values that a log axis cannot show (≤ 0, NaN, inf) become gaps.

    Gaps are bridged (``connectgaps``): NaN marks gradient-accumulation micro-steps, which
    change no state. Returns the trace index, or None if nothing is drawable.
    """
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | ((values <= 0) if plot.log else False)
    values = np.where(bad, np.nan, values)
    if np.all(np.isnan(values)):
        return None
    keep = series_indices(values, SERIES_POINTS)
    plot.lows[panel] = min(plot.lows[panel], float(np.nanmin(values)))
    plot.highs[panel] = max(plot.highs[panel], float(np.nanmax(values)))
    plot.last_step = max(plot.last_step, int(steps[-1]))
    xref, yref = plot.refs[panel]
    plot.data.append(
        {
            "connectgaps": True,
            "hovertemplate": f"{hover_name or name}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
            "legendgroup": group or name,
            "line": {"color": style.colour, "dash": dash or style.dash, "width": 2},
            "marker": {
                "color": style.colour,
                "maxdisplayed": MARKERS_SHOWN,
                "size": 7,
                "symbol": style.symbol,
            },
            "mode": "lines+markers",
            "name": name,
            "showlegend": showlegend,
            "x": typed(steps[keep], np.int32),
            "y": typed(values[keep], np.float32),
            "type": "scatter",
            "xaxis": xref,
            "yaxis": yref,
        }
    )
    return len(plot.data) - 1


def add_divergence(
    plot: StepPlot, run: Run, style: LineStyle, steps: np.ndarray, values: np.ndarray, panel: int
) -> None:
    """Marks a diverged run's last drawable value with an ×, named with the step."""
    step = diverged_at(run.trace)
    if step is None:
        return
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & ((values > 0) if plot.log else True)
    if not ok.any():
        return
    last = int(np.flatnonzero(ok)[-1])
    xref, yref = plot.refs[panel]
    plot.data.append(
        {
            "hovertemplate": f"{run.label} diverged at step {step}<extra></extra>",
            "legendgroup": run.label,
            "marker": {"color": style.colour, "line": {"width": 1}, "size": 14, "symbol": "x"},
            "mode": "markers",
            "name": f"{run.label} diverged at step {step}",
            "showlegend": panel == 0,
            "x": [int(steps[last])],
            "y": [float(values[last])],
            "type": "scatter",
            "xaxis": xref,
            "yaxis": yref,
        }
    )


def log_position(plot: StepPlot, value: float) -> float:
    """An annotation's y for ``value`` (annotations on log axes take log₁₀ units)."""
    return float(np.log10(value)) if plot.log else float(value)


def _range(plot: StepPlot, panel: int) -> tuple[list[float], list[float]]:
    """Fixed axis range (axis units) and the cursor's y ends (data units) of a panel."""
    low, high = plot.lows[panel], plot.highs[panel]
    if not np.isfinite(low):
        low, high = (1e-3, 1.0) if plot.log else (0.0, 1.0)
    if plot.log:
        a, b = float(np.log10(low)), float(np.log10(high))
        pad = max(0.05 * (b - a), 0.1)
        axis = [a - pad, b + pad]
        return axis, [10.0 ** axis[0], 10.0 ** axis[1]]
    pad = max(0.05 * (high - low), 1e-12 + 1e-3 * abs(high))
    axis = [low - pad, high + pad]
    return axis, axis


def finish(
    plot: StepPlot,
    runs: Sequence[Run],
    frames: np.ndarray,
    *,
    title: str,
    y_title: str | Sequence[str],
    alt: str,
    uirevision: str,
    height: int,
    notes: Sequence[str] = (),
) -> Figure:
    """Fixes the ranges, adds the synced cursor (one per panel) and the animation controls."""
    last = max([plot.last_step] + [num_steps(run.trace) for run in runs])
    y_titles = [y_title] * plot.panels if isinstance(y_title, str) else list(y_title)
    first = int(frames[0])
    cursors = []
    for panel in range(plot.panels):
        axis, ends = _range(plot, panel)
        plot.axis("y", panel).update(
            type="log" if plot.log else "linear",
            range=axis,
            autorange=False,
            title={"text": y_titles[panel]},
            exponentformat="power",
        )
        xref, yref = plot.refs[panel]
        plot.data.append(
            {
                "hoverinfo": "skip",
                "line": {"color": CURSOR_COLOUR, "width": 1.5},
                "mode": "lines",
                "name": "current step",
                "showlegend": False,
                "x": [first, first],
                "y": ends,
                "type": "scatter",
                "xaxis": xref,
                "yaxis": yref,
            }
        )
        cursors.append(len(plot.data) - 1)
    for panel in range(plot.panels):
        plot.axis("x", panel).update(range=[0, max(last, 1)], autorange=False)
    plot.axis("x", plot.panels - 1)["title"] = {"text": "step (number of optimizer calls)"}
    frames = np.asarray(frames)
    updates = [scatter_update([int(step), int(step)]) for step in frames]
    layout = plot.layout
    frame_list = animate(
        layout, frames, [[u] * len(cursors) for u in updates], cursors, slider_y=-0.2
    )
    layout.update(
        hovermode="x unified",
        legend={"font": {"size": 12}, "x": 1.02, "y": 1.0, "yanchor": "top"},
        # Wide enough for the Play rows and the legend, so that Plotly draws the figure once.
        margin={"t": 70, "b": 170, "l": CONTROLS_LEFT_PX, "r": legend_margin(plot.data)},
    )
    fig = figure(
        plot.data,
        layout,
        title=title,
        alt=alt,
        uirevision=uirevision,
        height=height,
        frames=frame_list,
    )
    add_notes(fig, notes, y=1.0)
    return fig
