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
from adadelta.ui.kinds import Group

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

SURFACE, FORMULA, STEPS = (controls.PROBLEM[name] for name in ("surface", "formula", "num_steps"))
NETWORK_STEPS, N_POINTS = controls.NETWORK["num_steps"], controls.NETWORK["n_points"]
# The runs test_page_surfaces.py and test_page_networks.py draw: the number of steps and of
# points are compiled in, so an example that keeps the rest at its default reuses their
# programs (in one process, or through JAX's persistent compilation cache).
SURFACE_RUN = {STEPS.key: "300"}
NETWORK_RUN = {NETWORK_STEPS.key: "200", N_POINTS.key: "200"}

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
        {SURFACE.key: "custom", FORMULA.key: formula, STEPS.key: "50"},
    )
    assert_message_or_result(at)
    if at.error:
        assert any("**Surface:**" in e.value for e in at.error), [e.value for e in at.error]


def _at_bounds(page: tuple[Group, ...]) -> st.SearchStrategy[dict[str, str]]:
    """Up to four of the page's controls, each at one of its extremes (``Control.extremes``)."""
    keyed = controls.controls_of(page)
    keys = st.lists(st.sampled_from(sorted(keyed)), min_size=1, max_size=4, unique=True)
    return keys.flatmap(
        lambda chosen: st.fixed_dictionaries(
            {k: st.sampled_from(keyed[k].extremes()) for k in chosen}
        )
    )


@settings(SLOW, max_examples=8)
@given(query=_at_bounds(controls.SURFACE_PAGE))
def test_surface_controls_at_their_bounds_never_raise(query):
    at = run_page("surfaces", {**SURFACE_RUN, **query})
    assert_message_or_result(at)


@settings(SLOW, max_examples=4)
@given(query=_at_bounds(controls.NETWORK_PAGE))
def test_network_controls_at_their_bounds_never_raise(query):
    at = run_page("networks", {**NETWORK_RUN, **query})
    assert_message_or_result(at)


def _links(page: tuple[Group, ...]) -> st.SearchStrategy[dict[str, str]]:
    keys = st.one_of(
        st.sampled_from(sorted(controls.controls_of(page))),
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
    at = run_page("surfaces", {**SURFACE_RUN, **surface_query})
    assert not at.exception, ([e.value for e in at.exception], quote(str(surface_query)))


@settings(SLOW, max_examples=4)
@given(network_query=_links(controls.NETWORK_PAGE))
def test_any_link_to_the_network_page_never_raises(network_query):
    at = run_page("networks", {**NETWORK_RUN, **network_query})
    assert not at.exception, ([e.value for e in at.exception], quote(str(network_query)))
