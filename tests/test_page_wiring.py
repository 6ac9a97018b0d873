"""The pages run exactly what ``adadelta.ui.pagestate`` says a state runs.

Each page runs under AppTest with its results (figures and JAX runs) replaced by a recorder, so a
rerun costs only Streamlit's script run. Every control of the page is then set through its
widget to a value other than the one it has, a group of controls per rerun, and after each
rerun the page must have asked for exactly the run that ``pagestate.surface_run``/
``network_run`` gives for the same values: the widgets, the keys and the pure function cannot
drift apart. ``test_control_effects.py`` shows that run's specs build the optimizers the
controls say.

Setting several controls in one rerun pins each of them as well as one rerun per control does:
every control's field must change to its new value, and no two controls of a rerun get equal
values (``batches``), so a widget wired to another control's field, or two swapped, leaves a
field with a value it was not given.
"""

from __future__ import annotations

from typing import Any

import pytest
from control_examples import another, context
from page_harness import has_widget, run_page

from adadelta.ui import controls, figures, pagestate
from adadelta.ui.kinds import Control, Group

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

PAGES = {
    "surfaces": (
        "surface_results",
        controls.SURFACE_PAGE,
        pagestate.surfaces_page,
        pagestate.surface_run,
    ),
    "networks": (
        "network_results",
        controls.NETWORK_PAGE,
        pagestate.networks_page,
        pagestate.network_run,
    ),
}
# The start controls of the surfaces without shape parameters are drawn and read by the same
# code as every other surface's (one group per surface, built alike): Rosenbrock, the surfaces
# with shape parameters and the custom formula stand for them, to keep this test short.
WIRED_ALIKE = {
    controls.surface(key)
    for key in controls.SURFACE_GROUPS
    if not controls.shape_names(key) and key not in ("rosenbrock", "custom")
}
SHORT = {"surfaces": {"problem.num_steps": "50"}, "networks": {"network.num_steps": "20"}}
SHORT_KEYS = {key for query in SHORT.values() for key in query}


@pytest.fixture
def recorded(monkeypatch):
    """Replaces the pages' results and lr(t) previews by recorders; returns their calls."""
    calls: dict[str, list[tuple]] = {"results": [], "preview": []}
    for name in ("surface_results", "network_results"):
        monkeypatch.setattr(figures, name, lambda *args: calls["results"].append(args))
    monkeypatch.setattr(
        figures,
        "learning_rate_preview",
        lambda kind, values, num_steps: calls["preview"].append((kind, dict(values), num_steps)),
    )
    return calls


def assert_runs(calls: dict[str, list[tuple]], run: Any) -> None:
    """The last rerun asked for ``run`` and previewed its learning rate (if not constant)."""
    assert calls["results"][-1] == tuple(run)
    kind, arguments = run.optimizers[0].learning_rate
    if kind != "constant":
        assert calls["preview"][-1] == (kind, dict(arguments), run.num_steps)


@pytest.mark.parametrize("page", PAGES)
def test_a_link_runs_what_pagestate_reads_from_it(page, recorded):
    _, _, read_page, _ = PAGES[page]
    query = {
        **SHORT[page],
        "adadelta.rho": "1.5",
        "adadelta.learning_rate": "CosineDecay",
        "lr.CosineDecay.alpha": "0.25",
        "pipeline.clipping": "clipnorm",
        "pipeline.clipnorm": "0.5",
        "sgd.learning_rate": "abc",
        "nonsense": "1",
    }
    at = run_page(page, query)
    assert not at.exception
    state = read_page(query)
    assert_runs(recorded, state.run)
    shown = at.warning[0].value
    assert all(message in shown for message in state.messages) and len(state.messages) == 3


def batches(groups: tuple[Group, ...], by_key: dict[str, Control]) -> list[dict[str, Any]]:
    """Every control of ``groups`` (but those wired alike and the short run's), a non-default
    value each with the values it needs to apply (``context``), packed into as few reruns as
    possible: per group, a control joins the first rerun whose other values its needs agree
    with and in which no other control gets a value equal to its own."""
    out: list[dict[str, Any]] = []
    for group in groups:
        if group in WIRED_ALIKE:
            continue
        mine: list[dict[str, Any]] = []
        for control in group:
            if control.key in SHORT_KEYS:
                continue
            changes = {
                key: value
                for key, value in {**context(control), control.key: another(control)}.items()
                if key in by_key
            }
            batch = next((b for b in mine if _fits(b, changes, by_key)), None)
            if batch is None:
                mine.append(batch := {})
            batch.update(changes)
        out += mine
    return out


def _fits(batch: dict[str, Any], changes: dict[str, Any], by_key: dict[str, Control]) -> bool:
    for key, value in changes.items():
        value = by_key[key].coerce(value)
        if key in batch:
            if by_key[key].coerce(batch[key]) != value:
                return False
        elif any(by_key[other].coerce(given) == value for other, given in batch.items()):
            return False
    return True


@pytest.mark.parametrize("page", PAGES)
def test_every_widget_runs_what_pagestate_says(page, recorded):
    _, groups, _, run_of = PAGES[page]
    at = run_page(page, SHORT[page])
    state: dict[str, Any] = {key: int(text) for key, text in SHORT[page].items()}
    assert_runs(recorded, run_of(state))
    by_key = controls.controls_of(groups)
    for changes in batches(groups, by_key):
        # Controls that apply only once another is set (a clipping threshold after its
        # choice) appear in the next rerun.
        pending = dict(changes)
        while pending:
            present = [key for key in pending if has_widget(at, key)]
            assert present, f"no widget for {sorted(pending)}"
            changed = False
            for key in present:
                value, control = pending.pop(key), by_key[key]
                if control.value(state) != control.coerce(value):
                    at.get_by_key(key).set_value(control.to_widget(value))
                    state[key] = value
                    changed = True
            if changed:
                at.run()
                assert not at.exception, (sorted(changes), [e.value for e in at.exception])
                assert_runs(recorded, run_of(state))


def test_a_hidden_control_keeps_its_value_and_its_place_in_the_link(recorded):
    surface, formula = controls.PROBLEM["surface"], controls.PROBLEM["formula"]
    decay_rate = controls.schedule("ExponentialDecay")["decay_rate"]
    at = run_page("surfaces", {**SHORT["surfaces"], surface.key: "custom"})
    at.get_by_key(formula.key).set_value("x**2 + y**2").run()
    at.get_by_key(controls.LR_KIND.key).set_value("ExponentialDecay").run()
    at.get_by_key(decay_rate.key).set_value(0.25).run()
    # Another surface and the constant learning rate hide both controls...
    at.get_by_key(surface.key).set_value("bowl").run()
    at.get_by_key(controls.LR_KIND.key).set_value("constant").run()
    assert at.query_params[formula.key] == "x**2 + y**2"
    assert at.query_params[decay_rate.key] == "0.25"
    # ...and both come back as they were.
    at.get_by_key(surface.key).set_value("custom").run()
    at.get_by_key(controls.LR_KIND.key).set_value("ExponentialDecay").run()
    assert at.get_by_key(formula.key).value == "x**2 + y**2"
    assert at.get_by_key(decay_rate.key).value == 0.25
    assert recorded["results"][-1][0].formula == "x**2 + y**2"
