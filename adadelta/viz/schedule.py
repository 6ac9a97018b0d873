"""A tiny preview of a learning-rate schedule, for the controls."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from adadelta.viz.layout import finish_layout
from adadelta.viz.style import STYLES


def schedule_preview_figure(
    steps: np.ndarray, values: np.ndarray, title: str, *, height: int = 180
) -> go.Figure:
    """lr(t) against the step, small enough to sit under the schedule's controls.

    Args:
        steps: ``(n,)`` steps (Keras evaluates schedules at the raw call counter).
        values: ``(n,)`` learning rates.
        title: e.g. ``"ExponentialDecay"``.
        height: figure height in pixels.
    """
    steps = np.asarray(steps)
    values = np.asarray(values, dtype=np.float64)
    style = STYLES["Adadelta"]
    fig = go.Figure(
        go.Scatter(
            x=steps,
            y=values,
            mode="lines",
            line={"color": style.colour, "dash": style.dash, "width": 2},
            name="learning rate",
            hovertemplate="step %{x}<br>lr = %{y:.4g}<extra></extra>",
        )
    )
    finite = values[np.isfinite(values)]
    alt = f"{title}: learning rate over {steps.size} steps"
    if finite.size:
        alt += f", from {finite[0]:.3g} to {finite[-1]:.3g}"
    finish_layout(fig, title=title, alt=alt, uirevision=f"schedule:{title}", height=height)
    fig.update_layout(
        margin={"t": 36, "b": 40, "l": 56, "r": 12},
        showlegend=False,
        title={"font": {"size": 13}},
        font={"size": 11},
    )
    fig.update_xaxes(title={"text": "step", "standoff": 2})
    fig.update_yaxes(title={"text": "learning rate", "standoff": 2}, rangemode="tozero")
    return fig
