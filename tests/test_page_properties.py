"""Bad input never ends in a traceback: random formulas, controls at their bounds, random links.

Each property runs the real page (AppTest) and asserts that it ends in a message (an error or
a warning the student can read) or in a drawn result (divergence flagged), never in an
exception. Example counts stay small: every new formula or feature combination compiles once.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_harness import charts, run_page

from adadelta.problems.formula import FUNCTIONS
from adadelta.ui import controls
from adadelta.ui.kinds import Checkbox, Choice, Control, MultiChoice, Text

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

SLOW = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Constants that break float32 in every way: overflow, underflow, exact zero, huge exponents.
NUMBERS = ("0", "1", "2", "0.5", "3", "1e39", "3.4e38", "1e-45", "1e308", "1e-300", "123456789")
UNARY = tuple(name for name, (_, arity) in FUNCTIONS.items() if arity == 1)
BINARY = tuple(name for name, (_, arity) in FUNCTIONS.items() if arity == 2)


def formulas() -> st.SearchStrategy[str]:
    """Formulas of the grammar (``problems.formula``): numbers, x, y, pi, e, + - * / ** ^,
    unary minus and every function, nested a few levels."""
    leaves = st.sampled_from(("x", "y", "pi", "e", *NUMBERS))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda a: f"-({a})", inner),
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(UNARY), inner),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(BINARY), inner, inner),
            st.builds(
                lambda a, op, b: f"({a}){op}({b})",
                inner,
                st.sampled_from(("+", "-", "*", "/", "**", "^")),
                inner,
            ),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def assert_message_or_result(at) -> None:
    """No exception; either a message says what is wrong or the results are drawn."""
    assert not at.exception, [e.value for e in at.exception]
    assert at.error or len(charts(at)) >= 2, "neither a message nor the results"


@settings(SLOW, max_examples=8)
@given(formula=formulas())
def test_any_formula_ends_in_a_message_or_a_drawn_run(formula):
    at = run_page(
        "surfaces",
        {"problem.surface": "custom", "problem.formula": formula, "problem.num_steps": "50"},
    )
    assert_message_or_result(at)
    if at.error:
        assert any("**Surface:**" in e.value for e in at.error), [e.value for e in at.error]


def _bound_values(control: Control) -> st.SearchStrategy[str]:
    """The URL text of a control's extreme (and default) values."""
    if isinstance(control, Checkbox):
        return st.sampled_from(("true", "false"))
    if isinstance(control, (Choice, MultiChoice)):
        return st.sampled_from(control.options)
    if isinstance(control, Text):
        return st.sampled_from((str(control.default), "", "1/0", "x" * 300))
    values = [v for v in (control.low, control.high, control.default) if v is not None]
    if control.optional:
        values.append("none")
    return st.sampled_from([str(v) for v in values])


def _at_bounds(groups) -> st.SearchStrategy[dict[str, str]]:
    keyed = controls.controls_of(groups)
    keys = st.lists(st.sampled_from(sorted(keyed)), min_size=1, max_size=4, unique=True)
    return keys.flatmap(
        lambda chosen: st.fixed_dictionaries({k: _bound_values(keyed[k]) for k in chosen})
    )


@settings(SLOW, max_examples=8)
@given(query=_at_bounds(controls.SURFACE_PAGE))
def test_surface_controls_at_their_bounds_never_raise(query):
    at = run_page("surfaces", {"problem.num_steps": "100", **query})
    assert_message_or_result(at)


@settings(SLOW, max_examples=4)
@given(query=_at_bounds(controls.NETWORK_PAGE))
def test_network_controls_at_their_bounds_never_raise(query):
    small = {"network.num_steps": "60", "network.n_points": "100"}
    at = run_page("networks", {**small, **query})
    assert_message_or_result(at)


def _links(groups) -> st.SearchStrategy[dict[str, str]]:
    keys = st.one_of(
        st.sampled_from(sorted(controls.controls_of(groups))),
        st.text(min_size=1, max_size=12),
    )
    values = st.one_of(
        st.sampled_from(("nan", "inf", "-inf", "1e999", "-0", "", "none", "true", "[]", "%00")),
        st.text(max_size=40),
    )
    return st.dictionaries(keys, values, max_size=4)


@settings(SLOW, max_examples=6)
@given(surface_query=_links(controls.SURFACE_PAGE))
def test_any_link_to_the_surface_page_never_raises(surface_query):
    at = run_page("surfaces", {"problem.num_steps": "100", **surface_query})
    assert not at.exception, ([e.value for e in at.exception], quote(str(surface_query)))


@settings(SLOW, max_examples=4)
@given(network_query=_links(controls.NETWORK_PAGE))
def test_any_link_to_the_network_page_never_raises(network_query):
    small = {"network.num_steps": "60", "network.n_points": "100"}
    at = run_page("networks", {**small, **network_query})
    assert not at.exception, ([e.value for e in at.exception], quote(str(network_query)))
