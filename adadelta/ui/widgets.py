"""Renders controls from the control table as Streamlit widgets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from .controls import Control


def render(control: Control, group: str, where: Any = st) -> Any:
    """Draws one control (label = its Keras name) and returns its current value.

    The value lives in ``st.session_state`` under ``control.key(group)``; it is seeded with the
    default (or a URL value, see ``adadelta.ui.state``) before the widget is first drawn.
    """
    key = control.key(group)
    if key not in st.session_state:
        st.session_state[key] = control.default
    common = {"key": key, "help": control.help}
    if control.kind == "bool":
        return where.checkbox(control.name, **common)
    if control.kind == "text":
        return where.text_input(control.name, max_chars=300, **common)
    if control.kind == "choice":
        return where.selectbox(
            control.name, control.options, format_func=control.label_of, **common
        )
    if control.kind == "multi":
        return where.multiselect(control.name, control.options, **common)
    if control.kind == "unit":
        return where.slider(
            control.name,
            min_value=float(control.low),
            max_value=float(control.high),
            step=control.step,
            format=control.format or "%.3f",
            **common,
        )
    number = int if control.kind == "int" else float
    extra = {"value": None, "placeholder": "None (off)"} if control.optional else {}
    return where.number_input(
        control.name,
        min_value=number(control.low),
        max_value=number(control.high),
        step=number(control.step),
        format=control.format if control.kind != "int" else None,
        **extra,
        **common,
    )


def render_group(controls: Sequence[Control], group: str, where: Any = st) -> dict[str, Any]:
    """Draws a group of controls; returns ``{keras_name: value}``."""
    return {control.name: render(control, group, where) for control in controls}


def plain(text: object) -> str:
    """Text shown verbatim inside Streamlit Markdown (e.g. ``__import__`` in an error)."""
    special = "\\`*_{}[]<>()#+-.!|$~"
    return "".join("\\" + c if c in special else c for c in str(text))
