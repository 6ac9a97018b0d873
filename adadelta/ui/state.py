"""The page state in the URL: every control's value, validated when read.

A teacher can share a link that reproduces a whole setting. Values are read once per session,
before the widgets are drawn; each bad value is reported by name and ignored (the default
stays), so a mistyped link never breaks the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from .controls import Control

_LOADED = "_url_state_loaded"


def load(pairs: Iterable[tuple[str, Control]], extra_keys: Iterable[str] = ()) -> list[str]:
    """Seeds session state from ``st.query_params`` once; returns messages for bad parameters."""
    if st.session_state.get(_LOADED):
        return []
    st.session_state[_LOADED] = True
    by_key = {control.key(group): control for group, control in pairs}
    problems = []
    for key in st.query_params:
        text = st.query_params[key]
        control = by_key.get(key)
        if control is None:
            if key not in extra_keys:
                problems.append(f"unknown parameter `{key}` ignored")
            continue
        try:
            st.session_state[key] = control.parse(text)
        except ValueError as error:
            problems.append(f"{error}; the default {control.default!r} is used")
    return problems


def save(pairs: Iterable[tuple[str, Control]], extra: dict[str, str] | None = None) -> None:
    """Writes the non-default values of the drawn controls to the URL."""
    values: dict[str, str] = dict(extra or {})
    for group, control in pairs:
        key = control.key(group)
        if key in st.session_state and st.session_state[key] != control.default:
            values[key] = _encode(st.session_state[key])
    if dict(st.query_params) != values:
        st.query_params.from_dict(values)


def _encode(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def load_and_report(pairs: Iterable[tuple[str, Control]]) -> None:
    """``load``, then one warning naming every ignored link parameter."""
    problems = load(pairs)
    if problems:
        st.warning("Some link parameters were ignored: " + "; ".join(problems) + ".")
