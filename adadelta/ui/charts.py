"""Finished figure specs to ``st.plotly_chart``, without Plotly's object model on the way.

``st.plotly_chart`` validates a plain dict by building a ``go.Figure`` from it (as slow as
building the figure that way), and calls ``to_dict()`` (a deep copy) on a ``go.Figure``. The
builders in ``adadelta.viz`` return specs that are already what plotly.js reads, so they are
handed over in a ``go.Figure`` whose ``to_dict`` returns the spec itself: Streamlit then only
serialises it (orjson, a few milliseconds for a megabyte).

In the browser every new spec is a new chart (Streamlit keys it by its spec), and each
``Plotly.react`` of it re-draws the animation's scrubber: the spec is sent with the modes that
Streamlit's chart would otherwise set on it after the first draw, so that it is drawn once less.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from adadelta.viz import Figure, alt_text

from . import room

DEFAULT_HEIGHT = 450
"""plotly.js's default height, for a spec without one."""


class _Spec(go.Figure):
    """A ``go.Figure`` that is only a finished spec (``go.Figure.__init__`` is skipped)."""

    def __init__(self, spec: Figure):
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> Figure:
        """The spec itself (shared and frozen: Streamlit only serialises it)."""
        return self._spec


def selection_modes(fig: Figure, on_select: Any, selection_mode: Any) -> Figure:
    """The spec with the click, hover and drag modes Streamlit's chart gives a selectable one.

    Streamlit's chart sets them in the browser after drawing the spec, which draws it again
    (a few hundred milliseconds for an animated figure); with them in the spec it does not.
    Modes the spec sets itself are kept, as Streamlit keeps them. Only the layout's top level
    is copied.
    """
    if on_select in (None, "ignore"):
        return fig
    modes = (selection_mode,) if isinstance(selection_mode, str) else tuple(selection_mode)
    layout = fig.get("layout", {})
    points = "points" in modes
    drag = (
        "pan" if points else "select" if "box" in modes else "lasso" if "lasso" in modes else "pan"
    )
    settled = {
        "clickmode": layout.get("clickmode") or ("event+select" if points else "none"),
        "hovermode": layout.get("hovermode") or "closest",
        "dragmode": layout.get("dragmode") or drag,
    }
    if all(layout.get(key) == value for key, value in settled.items()):
        return fig
    return {**fig, "layout": {**layout, **settled}}


def chart(fig: Figure, **kwargs: Any) -> Any:
    """Draws a figure spec; ``kwargs`` go to ``st.plotly_chart`` (key, on_select, ...).

    In presenter mode the spec's text, Play/Pause and scrubber are drawn larger.
    """
    if room.presenting():
        fig = room.presented(fig)
    fig = selection_modes(
        fig,
        kwargs.get("on_select", "ignore"),
        kwargs.get("selection_mode", ("points", "box", "lasso")),
    )
    height = fig.get("layout", {}).get("height") or DEFAULT_HEIGHT
    return st.plotly_chart(
        _Spec(fig),
        height=int(height),
        alt=alt_text(fig),
        config=kwargs.pop("config", {"displaylogo": False}),
        **kwargs,
    )
