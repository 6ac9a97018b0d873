"""Streamlit glue for the figures: the contour click, the schedule preview, the results.

The pages' results live in ``surface_view`` and ``network_view``; they are re-exported here.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from adadelta import viz

from . import build, compute, controls
from .charts import chart
from .network_view import network_results
from .surface_view import CONTOUR_KEY, surface_results
from .widgets import plain

__all__ = [
    "CONTOUR_KEY",
    "apply_contour_click",
    "learning_rate_preview",
    "network_results",
    "surface_results",
]

_LAST_CLICK = "_surfaces_last_click"


def apply_contour_click(session: MutableMapping[str, Any]) -> None:
    """A click on the contour (previous run's selection) moves the start there.

    Runs before the start widgets are drawn, so it may set their values.
    """
    event = session.get(CONTOUR_KEY)
    points = (event or {}).get("selection", {}).get("points") or []
    if not points:
        return
    x, y = float(points[-1]["x"]), float(points[-1]["y"])
    if session.get(_LAST_CLICK) == (x, y):
        return
    session[_LAST_CLICK] = (x, y)
    start = controls.surface(controls.PROBLEM["surface"].value(session))
    scale = controls.PROBLEM["axis_scale"].value(session)
    session[start["x0"].key] = round(x, 4)
    session[start["y0"].key] = round(y * scale, 4)


def learning_rate_preview(kind: str, values: dict[str, Any], num_steps: int) -> None:
    """A small plot of lr(t) under the schedule controls' choice."""
    try:
        steps, rates = compute.learning_rate_preview(kind, build.frozen(values), num_steps)
    except ValueError as error:
        st.error(f"**learning_rate:** {plain(error)}", icon=":material/error:")
        return
    chart(
        viz.schedule_preview_figure(steps, rates, f"learning_rate: {kind}"),
        config={"displayModeBar": False},
    )
