"""Finished figure specs to ``st.plotly_chart``, without Plotly's object model on the way.

``st.plotly_chart`` validates a plain dict by building a ``go.Figure`` from it (as slow as
building the figure that way), and calls ``to_dict()`` (a deep copy) on a ``go.Figure``. The
builders in ``adadelta.viz`` return specs that are already what plotly.js reads, so they are
handed over in a ``go.Figure`` whose ``to_dict`` returns the spec itself: Streamlit then only
serialises it (orjson, a few milliseconds for a megabyte).
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


def chart(fig: Figure, **kwargs: Any) -> Any:
    """Draws a figure spec; ``kwargs`` go to ``st.plotly_chart`` (key, on_select, ...).

    In presenter mode the spec's text, Play/Pause and scrubber are drawn larger.
    """
    if room.presenting():
        fig = room.presented(fig)
    height = fig.get("layout", {}).get("height") or DEFAULT_HEIGHT
    return st.plotly_chart(
        _Spec(fig),
        height=int(height),
        alt=alt_text(fig),
        config=kwargs.pop("config", {"displaylogo": False}),
        **kwargs,
    )
