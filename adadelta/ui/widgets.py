"""Draws controls of the control table as Streamlit widgets."""

from __future__ import annotations

from typing import Any

import streamlit as st

from .kinds import Control, Group


def render(control: Control, where: Any = st) -> Any:
    """Draws one control (label = its Keras name) and returns its current value.

    The value lives in ``st.session_state`` under ``control.key``; it is seeded with the
    default (or a link's value, see ``adadelta.ui.state``) before the widget is first drawn.
    """
    if control.key not in st.session_state:
        st.session_state[control.key] = control.to_widget(control.default)
    return control.widget(where)


def render_group(group: Group, where: Any = st) -> dict[str, Any]:
    """Draws the controls of a group that apply now, in order; returns ``{keras_name: value}``.

    A control that applies only under a condition (``when``) follows its condition's current
    value in session state, which Streamlit updates before the script reruns.
    """
    return {control.name: render(control, where) for control in group.active(st.session_state)}


def plain(text: object) -> str:
    """Text shown verbatim inside Streamlit Markdown (e.g. ``__import__`` in an error)."""
    special = "\\`*_{}[]<>()#+-.!|$~"
    return "".join("\\" + c if c in special else c for c in str(text))
