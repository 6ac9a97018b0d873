"""A tiny preview of a learning-rate schedule, for the controls."""

from __future__ import annotations

import numpy as np

from adadelta.viz.shared.figure import Figure, figure, steps_array, typed
from adadelta.viz.shared.style import STYLES


def schedule_preview_figure(
    steps: np.ndarray, values: np.ndarray, title: str, *, height: int = 180
) -> Figure:
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
    line = {
        "hovertemplate": "step %{x}<br>lr = %{y:.4g}<extra></extra>",
        "line": {"color": style.colour, "dash": style.dash, "width": 2},
        "mode": "lines",
        "name": "learning rate",
        "x": steps_array(steps),
        "y": typed(values, np.float64),
        "type": "scatter",
    }
    finite = values[np.isfinite(values)]
    alt = f"{title}: learning rate over {steps.size} steps"
    if finite.size:
        alt += f", from {finite[0]:.3g} to {finite[-1]:.3g}"
    layout = {
        "margin": {"t": 36, "b": 40, "l": 56, "r": 12},
        "showlegend": False,
        "xaxis": {"title": {"text": "step", "standoff": 2}},
        "yaxis": {"title": {"text": "learning rate", "standoff": 2}, "rangemode": "tozero"},
    }
    fig = figure(
        [line],
        layout,
        title={"text": title, "font": {"size": 13}},
        alt=alt,
        uirevision=f"schedule:{title}",
        height=height,
    )
    layout["font"] = {"size": 11}
    return fig
