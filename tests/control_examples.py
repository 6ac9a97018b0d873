"""Values for controls of every kind: hypothesis strategies and one non-default example each.

Dispatch is by the control's class through one table, so a new kind without an entry fails
loudly here (KeyError naming the class) instead of being skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from adadelta.ui import controls
from adadelta.ui.kinds import (
    TEXT_LIMIT,
    Checkbox,
    Choice,
    Control,
    Group,
    Integer,
    MultiChoice,
    Number,
    Real,
    Slider,
    Text,
)


def _reals(control: Real) -> st.SearchStrategy:
    values = st.floats(control.low, control.high, allow_nan=False)
    return st.none() | values if control.optional else values


def _integers(control: Integer) -> st.SearchStrategy:
    values = st.integers(int(control.low), int(control.high))
    return st.none() | values if control.optional else values


VALUES: dict[type, Callable[[Any], st.SearchStrategy]] = {
    Number: _reals,
    Slider: _reals,
    Integer: _integers,
    Checkbox: lambda control: st.booleans(),
    Choice: lambda control: st.sampled_from(control.options),
    MultiChoice: lambda control: st.lists(st.sampled_from(control.options), unique=True).map(tuple),
    Text: lambda control: st.text(max_size=TEXT_LIMIT),
}
"""Every valid value of a control, by kind."""


def values(control: Control) -> st.SearchStrategy:
    """A strategy for the valid values of ``control``."""
    return VALUES[type(control)](control)


def _another_number(control: Real) -> float:
    if control.default is None:
        return max(control.low, 0.0) + control.step
    if control.default == 0:
        return control.step
    return control.default / 2


def _another_slider(control: Slider) -> float:
    middle = (control.low + control.high) / 2
    return control.default / 2 if control.default else middle if middle else control.high / 2


def _another_integer(control: Integer) -> int:
    if control.default is None:
        return int(max(control.low, 0) + control.step)
    up = control.default + control.step
    return int(up if up <= control.high else control.default - control.step)


def _another_option(control: Choice) -> str:
    return next(option for option in control.options if option != control.default)


def _another_text(control: Text) -> str:
    return TEXTS[control.key]


ANOTHER: dict[type, Callable[[Any], Any]] = {
    Number: _another_number,
    Slider: _another_slider,
    Integer: _another_integer,
    Checkbox: lambda control: not control.default,
    Choice: _another_option,
    MultiChoice: lambda control: tuple(o for o in control.options if o not in control.default),
    Text: _another_text,
}

_PIECEWISE = controls.schedule("PiecewiseConstantDecay")
TEXTS = {
    controls.ADADELTA["name"].key: "my_adadelta",
    _PIECEWISE["boundaries"].key: "100, 400",
    _PIECEWISE["values"].key: "2, 1, 0.5",
    controls.schedule("formula in t")["learning_rate(t)"].key: "0.5 + 0.5*cos(pi*t/1000)",
    controls.PROBLEM["formula"].key: "x**2 + 3*y**2 + sin(2*x)",
}
"""A valid non-default text of each text control (text controls have no generic example)."""


def another(control: Control) -> Any:
    """A valid value of ``control`` other than its default (a reasonable one, for page runs)."""
    value = ANOTHER[type(control)](control)
    assert not control.is_default(value), (control.key, value)
    return value


GROUP_OF: dict[str, Group] = {
    control.key: group for group in (*controls.SURFACE_PAGE, controls.NETWORK) for control in group
}
KIND_OF = {group: kind for kind, group in controls.SCHEDULES.items()}
LABEL_OF = {group: label for label, group in controls.RELATIVES.items()}
SURFACE_OF = {group: key for key, group in controls.SURFACE_GROUPS.items()}


def context(control: Control) -> dict[str, Any]:
    """The other values (by key) under which ``control`` applies: its condition met, its
    learning-rate form chosen, its optimizer compared (on either page), its surface chosen."""
    group = GROUP_OF[control.key]
    state: dict[str, Any] = {}
    if control.when is not None:
        name, wanted = control.when
        state[group[name].key] = wanted
    if group in KIND_OF:
        state[controls.LR_KIND.key] = KIND_OF[group]
    if group in LABEL_OF:
        state[controls.PROBLEM["compare"].key] = (LABEL_OF[group],)
        state[controls.NETWORK["compare"].key] = (LABEL_OF[group],)
    if group in SURFACE_OF:
        state[controls.PROBLEM["surface"].key] = SURFACE_OF[group]
    return state
