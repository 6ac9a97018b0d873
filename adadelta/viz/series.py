"""Per-step line plots with a step cursor that moves in sync with the trajectory animation.

A shape cannot be moved by Plotly frames, so the cursor is a two-point line trace per panel;
the frames touch only those traces. The y ranges are fixed from the data, so the cursor spans
the panel and nothing rescales while playing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from adadelta.viz.animation import animate, scatter_update
from adadelta.viz.layout import add_notes, finish_layout
from adadelta.viz.runs import Run, diverged_at, num_steps
from adadelta.viz.sampling import series_indices
from adadelta.viz.style import LineStyle

SERIES_POINTS = 2500
"""The most points drawn per line (min–max decimation keeps spikes)."""

MARKERS_SHOWN = 12
"""Markers drawn per line: enough to tell lines apart without colour."""

CURSOR_COLOUR = "#333333"


@dataclasses.dataclass
class StepPlot:
    """A figure of per-step lines in stacked panels sharing the step axis.

    Attributes:
        fig: the figure being built.
        log: whether the y axes are logarithmic.
        lows: per panel, the smallest plotted value so far.
        highs: per panel, the largest.
        last_step: the largest step plotted.
    """

    fig: go.Figure
    log: bool
    lows: list[float]
    highs: list[float]
    last_step: int = 0

    @property
    def panels(self) -> int:
        """Number of stacked panels."""
        return len(self.lows)


def step_plot(panel_titles: Sequence[str] | None = None, *, log: bool = True) -> StepPlot:
    """An empty figure with one panel per title (one untitled panel when None)."""
    rows = len(panel_titles) if panel_titles else 1
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=list(panel_titles) if panel_titles else None,
    )
    return StepPlot(fig, log, [np.inf] * rows, [-np.inf] * rows)


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
    bad = ~np.isfinite(values) | ((values <= 0) if plot.log else False)
    values = np.where(bad, np.nan, values)
    if np.all(np.isnan(values)):
        return None
    keep = series_indices(values, SERIES_POINTS)
    plot.lows[panel] = min(plot.lows[panel], float(np.nanmin(values)))
    plot.highs[panel] = max(plot.highs[panel], float(np.nanmax(values)))
    plot.last_step = max(plot.last_step, int(steps[-1]))
    plot.fig.add_trace(
        go.Scatter(
            x=steps[keep].astype(np.int32),
            y=values[keep].astype(np.float32),
            mode="lines+markers",
            connectgaps=True,
            line={"color": style.colour, "dash": dash or style.dash, "width": 2},
            marker={
                "symbol": style.symbol,
                "color": style.colour,
                "size": 7,
                "maxdisplayed": MARKERS_SHOWN,
            },
            name=name,
            legendgroup=group or name,
            showlegend=showlegend,
            hovertemplate=f"{hover_name or name}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
        ),
        row=panel + 1,
        col=1,
    )
    return len(plot.fig.data) - 1


def add_divergence(
    plot: StepPlot, run: Run, style: LineStyle, steps: np.ndarray, values: np.ndarray, panel: int
) -> None:
    """Marks a diverged run's last drawable value with an ×, named with the step."""
    step = diverged_at(run.trace)
    if step is None:
        return
    values = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(values) & ((values > 0) if plot.log else True)
    if not ok.any():
        return
    last = int(np.flatnonzero(ok)[-1])
    plot.fig.add_trace(
        go.Scatter(
            x=[int(steps[last])],
            y=[float(values[last])],
            mode="markers",
            marker={"symbol": "x", "size": 14, "color": style.colour, "line": {"width": 1}},
            name=f"{run.label} diverged at step {step}",
            legendgroup=run.label,
            showlegend=panel == 0,
            hovertemplate=f"{run.label} diverged at step {step}<extra></extra>",
        ),
        row=panel + 1,
        col=1,
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
        a, b = np.log10(low), np.log10(high)
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
) -> go.Figure:
    """Fixes the ranges, adds the synced cursor (one per panel) and the animation controls."""
    fig = plot.fig
    last = max([plot.last_step] + [num_steps(run.trace) for run in runs])
    y_titles = [y_title] * plot.panels if isinstance(y_title, str) else list(y_title)
    first = int(frames[0])
    cursors = []
    for panel in range(plot.panels):
        axis, ends = _range(plot, panel)
        fig.update_yaxes(
            type="log" if plot.log else "linear",
            range=axis,
            autorange=False,
            title=y_titles[panel],
            exponentformat="power",
            row=panel + 1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=[first, first],
                y=ends,
                mode="lines",
                line={"color": CURSOR_COLOUR, "width": 1.5},
                name="current step",
                showlegend=False,
                hoverinfo="skip",
            ),
            row=panel + 1,
            col=1,
        )
        cursors.append(len(fig.data) - 1)
    fig.update_xaxes(range=[0, max(last, 1)], autorange=False)
    fig.update_xaxes(title="step (number of optimizer calls)", row=plot.panels, col=1)
    frame_data = [
        [scatter_update([int(step), int(step)]) for _ in cursors] for step in np.asarray(frames)
    ]
    animate(fig, np.asarray(frames), frame_data, cursors, slider_y=-0.2)
    add_notes(fig, notes, y=1.0)
    finish_layout(fig, title=title, alt=alt, uirevision=uirevision, height=height)
    fig.update_layout(
        hovermode="x unified",
        legend={"x": 1.02, "y": 1.0, "yanchor": "top", "font": {"size": 12}},
        margin={"t": 70, "b": 170, "l": 70, "r": 20},
    )
    return fig
