"""The page state in the URL: every control's value, read from a link and written back.

A teacher can share a link that reproduces a whole setting. The link is read once per session,
before the widgets are drawn (``adadelta.ui.pagestate.read``: unknown keys and unreadable
values are reported and ignored, numbers out of range are clamped and reported), so a mistyped
link never breaks the page. After the widgets are drawn, the values that differ from their
defaults are written back to the URL.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from . import controls, pagestate
from .kinds import Group

_LOADED = "_url_state_loaded"


def load(groups: Iterable[Group], extra_keys: Iterable[str] = ()) -> list[str]:
    """Seeds session state from ``st.query_params`` once; returns messages for the link."""
    if st.session_state.get(_LOADED):
        return []
    st.session_state[_LOADED] = True
    groups = tuple(groups)
    by_key = controls.controls_of(groups)
    values, messages = pagestate.read(groups, st.query_params.to_dict(), extra_keys)
    for key, value in values.items():
        st.session_state[key] = by_key[key].to_widget(value)
    return messages


def save(groups: Iterable[Group], extra: dict[str, str] | None = None) -> None:
    """Writes the values that differ from their defaults to the URL."""
    groups = tuple(groups)
    present = {
        key: st.session_state[key]
        for key in controls.controls_of(groups)
        if key in st.session_state
    }
    values = {**(extra or {}), **pagestate.encode(groups, present)}
    if st.query_params.to_dict() != values:
        st.query_params.from_dict(values)


def keep_hidden_values(groups: Iterable[Group]) -> None:
    """Keeps the values of controls that are not drawn in this run.

    Streamlit forgets a widget's value when a run does not draw it, so a formula typed for a
    custom surface, or a schedule's arguments, would be lost by looking at another surface or
    form and back (and would vanish from the URL). Assigning each value to itself before any
    widget is drawn makes it the session's own value, which Streamlit keeps.
    """
    for key in controls.controls_of(tuple(groups)):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def load_and_report(groups: Iterable[Group], extra_keys: Iterable[str] = ()) -> None:
    """``load`` and ``keep_hidden_values``, then one warning listing what was done with the
    link's parameters (``extra_keys``: the page's own, not reported). Call it first on every
    run, before any widget is drawn."""
    groups = tuple(groups)
    messages = load(groups, extra_keys)
    keep_hidden_values(groups)
    if messages:
        st.warning(
            "Some link parameters were changed or ignored:\n"
            + "\n".join(f"- {message}." for message in messages),
            icon=":material/link:",
        )
