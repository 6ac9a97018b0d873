"""The anatomy page (``pages/anatomy.py``) in Streamlit's AppTest: a link, steps, bad input.

The numbers the page shows are checked against ``dissect`` of the run the link describes
(``pagestate.anatomy_page``), and the weights after a call against the engine's trajectory.
"""

from __future__ import annotations

import numpy as np
import pytest
from page_harness import assert_clean, charts, run_page

from adadelta import engine
from adadelta.dissect import dissect
from adadelta.ui import anatomy_view, build, controls, pagestate

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

T = controls.ANATOMY["t"].key
LINK = {
    "problem.num_steps": "30",
    "pipeline.loss_scale_factor": "4",
    "pipeline.gradient_accumulation_steps": "2",
    "anatomy.t": "1",
}


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def column(table, name: str) -> list[str]:
    return [str(v) for v in table.value[name]]


def expected_runs(query):
    run = pagestate.anatomy_page(query).run.run
    objective = build.objective(run.problem)
    optimizers = [build.optimizer(spec) for spec in run.optimizers]
    start = np.asarray(run.start, np.float32)
    results = dissect(objective, start, optimizers, run.num_steps, key=run.seed)
    traces = engine.run(objective, start, optimizers, run.num_steps, key=run.seed)
    return results, traces


def test_a_link_opens_its_call_and_the_buttons_step_through_the_run():
    at = run_page("anatomy", LINK)
    assert_clean(at)
    assert at.number_input(key=T).value == 1
    assert len(charts(at)) == 2
    results, traces = expected_runs(LINK)
    shown = texts(at)
    assert "Call t = 1 of 30." in shown
    assert shown.count("Micro-step 1 of 2: no update.") == 2
    # Stage 1, Adadelta then Adagrad: the raw gradient and the gradient ÷ 4, as recorded.
    for table, result in zip(at.table[:2], results):
        info = result.call(1).info
        assert column(table, "before") == [anatomy_view.number(v) for v in info.grads.raw]
        assert column(table, "after") == [anatomy_view.number(v) for v in info.grads.unscaled]
        np.testing.assert_array_equal(info.grads.unscaled, np.asarray(info.grads.raw) / 4)

    buttons = {b.label: b for b in at.button}
    buttons["Step forward ▶"].click().run()
    assert_clean(at)
    assert at.number_input(key=T).value == 2
    shown = texts(at)
    assert "Call t = 2 of 30." in shown
    assert shown.count("Call 2 of 2: an update.") == 2
    # The rule's table ends with w: before is position 1, after is the engine's position 2.
    rule_tables = [
        t
        for t in at.table
        if column(t, "quantity")[-1] == "w (y)" and "E[g²] (x)" in column(t, "quantity")
    ]
    assert rule_tables
    w_after = [float(v) for v in column(rule_tables[0], "after")[-2:]]
    np.testing.assert_allclose(w_after, traces[0].params[2], rtol=1e-6)

    {b.label: b for b in at.button}["Step forward ▶"].click().run()
    assert at.number_input(key=T).value == 3
    assert texts(at).count("Micro-step 1 of 2: no update.") == 2
    {b.label: b for b in at.button}["◀ Step back"].click().run()
    assert at.number_input(key=T).value == 2

    at.number_input(key=T).set_value(30).run()
    assert "Call t = 30 of 30." in texts(at)
    {b.label: b for b in at.button}["Step forward ▶"].click().run()
    assert at.number_input(key=T).value == 30  # the last call: forward stays there
    assert_clean(at)


def test_bad_input_gets_a_message_and_the_page_keeps_working():
    at = run_page(
        "anatomy",
        {"anatomy.t": "abc", "problem.surface": "custom", "problem.formula": "__import__('os')"},
    )
    assert not at.exception, [e.value for e in at.exception]
    assert any("`t` must be" in w.value for w in at.warning)
    assert any("Surface" in e.value for e in at.error)
    assert at.number_input(key=T).value == 1
    assert {b.label for b in at.button} >= {"◀ Step back", "Step forward ▶"}

    at = run_page("anatomy", {"anatomy.t": "99", "problem.num_steps": "20"})
    assert_clean(at)
    assert any("past the run's last call" in i.value for i in at.info)
    assert "Call t = 20 of 20." in texts(at)
