"""AppTest of the loss-surface page: every control, both presets, formulas, divergence, URL."""

import json

import pytest
from control_examples import another
from page_harness import assert_clean, charts, run_page, set_widgets
from streamlit.testing.v1 import AppTest

from adadelta.problems import SURFACES
from adadelta.ui import controls

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

CHARTS = 2  # the main chart and the open tab's; the other tabs are built when opened
TAB_TITLES = {
    "Loss": "Loss over the steps",
    "Accumulators": "What the optimizers accumulate, per dimension",
    "3-D view": "Goldstein–Price in 3-D with the paths",
}


def page(**query) -> AppTest:
    return run_page("surfaces", query)


def specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in charts(at)]


def titles(at: AppTest) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in specs(at)]


def test_default_page_runs_and_draws():
    at = page()
    assert_clean(at)
    assert titles(at) == [
        "Paths on Goldstein–Price and each dimension's learning rate",
        TAB_TITLES["Loss"],
    ]
    assert [tab.label for tab in at.tabs] == list(TAB_TITLES)
    assert at.selectbox(key="problem.surface").value == "goldstein_price"
    # The page opens on a setting where motion is clearly visible (the Zeiler preset's η = 1).
    assert at.number_input(key="lr.constant.learning_rate").value == 1.0
    assert not at.info, "the cold-start explanation should not show for visible motion"


def test_each_tab_draws_its_figure_when_opened():
    at = page(**{"problem.num_steps": "300"})
    for tab, title in TAB_TITLES.items():
        at.session_state["surfaces.tab"] = tab
        at.run()
        assert_clean(at)
        # The main chart stays; only the open tab's figure is built and sent.
        assert titles(at)[1:] == [title], tab
        accumulators_note = any("Adagrad's Σg² only grows" in c.value for c in at.caption)
        assert accumulators_note == (tab == "Accumulators")


def test_presets_set_the_three_numbers_and_explain_the_cold_start():
    at = page()
    at.button[1].click().run()  # Keras defaults
    assert at.number_input(key="lr.constant.learning_rate").value == 0.001
    assert at.number_input(key="adadelta.epsilon").value == 1e-7
    assert at.slider(key="adadelta.rho").value == 0.95
    assert any("first step is about" in i.value for i in at.info)
    assert_clean(at)
    at.button[0].click().run()  # Zeiler paper
    assert at.number_input(key="lr.constant.learning_rate").value == 1.0
    assert at.number_input(key="adadelta.epsilon").value == 1e-6
    assert_clean(at)


def others(*groups) -> dict[str, object]:
    """A non-default widget value for every control of ``groups``, by key."""
    return {c.key: c.to_widget(another(c)) for group in groups for c in group}


# The page compiles one JAX program per feature combination (~5 s of CPU each, most of these
# tests' time), so the tests below change every control of a group in one rerun: each value
# still goes through its widget into a real run of the page. That each widget alone runs the
# run pagestate says is test_page_wiring.py's fact; that the run builds the optimizer the
# controls say is test_control_effects.py's.


@pytest.mark.parametrize("kind", controls.LR_KINDS)
def test_every_learning_rate_kind_and_its_controls(kind):
    at = page(**{"problem.num_steps": "300"})
    at.selectbox(key="adadelta.learning_rate").select(kind).run()
    assert_clean(at)
    set_widgets(at, others(controls.schedule(kind)))
    assert len(charts(at)) >= CHARTS + (kind != "constant")  # with the lr(t) preview


def test_every_adadelta_and_pipeline_control():
    at = page(**{"problem.num_steps": "300"})
    # Every pipeline feature on at once, then each other clipping choice (the EMA's overwrite
    # with the second): three compiled combinations. A threshold appears after its choice,
    # ema_momentum and ema_overwrite_frequency after use_ema.
    set_widgets(
        at,
        {
            "adadelta.rho": 0.9,
            "adadelta.epsilon": 1e-4,
            "adadelta.name": "my_adadelta",
            "pipeline.weight_decay": 0.01,
            "pipeline.use_ema": True,
            "pipeline.loss_scale_factor": 8.0,
            "pipeline.gradient_accumulation_steps": 3,
            "pipeline.clipping": "clipnorm",
            "pipeline.clipnorm": 0.5,
        },
    )
    set_widgets(
        at,
        {
            "pipeline.clipping": "clipvalue",
            "pipeline.clipvalue": 0.5,
            "pipeline.ema_momentum": 0.9,
            "pipeline.ema_overwrite_frequency": 50,
        },
    )
    set_widgets(at, {"pipeline.clipping": "global_clipnorm", "pipeline.global_clipnorm": 0.5})
    assert len(charts(at)) >= CHARTS
    names = [trace.get("name") for trace in specs(at)[0]["data"]]
    assert "Adadelta EMA (shadow weights)" in names  # the EMA's path appears


def test_every_problem_control_and_comparison_optimizer():
    at = page(**{"problem.num_steps": "300"})
    # The compared optimizers' controls appear once they are compared, the quadratic's once it
    # is chosen: the first rerun sets the comparison and the problem, the second the rest
    # (two compiled combinations).
    at.multiselect(key="problem.compare").select("RMSprop").select("SGD").select("Adam")
    set_widgets(
        at,
        {
            **others(*controls.RELATIVES.values()),
            "problem.axis_scale": 10.0,
            "problem.noise_sigma": 0.5,
            "problem.seed": 3,
            "problem.num_steps": 200,
            "problem.surface": "quadratic",
            "surface.quadratic.theta": 45.0,
            "surface.quadratic.kappa": 50.0,
            "surface.quadratic.x0": 3.0,
            "surface.quadratic.y0": -2.0,
        },
    )
    assert len(charts(at)) >= CHARTS
    traces = [trace.get("name") for trace in specs(at)[0]["data"]]
    assert all(any(name in str(t) for t in traces) for name in controls.RELATIVES), traces


@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_surface_draws(surface):
    at = page(**{"problem.surface": surface, "problem.num_steps": "300"})
    assert_clean(at)
    assert len(charts(at)) >= CHARTS


def test_a_good_and_a_bad_formula():
    at = page(**{"problem.surface": "custom"})
    at.text_input(key="problem.formula").input("x**2 + 3*y**2 + sin(2*x)").run()
    assert_clean(at)
    assert len(charts(at)) >= CHARTS
    at.text_input(key="problem.formula").input("__import__('os').system('ls')").run()
    assert not at.exception
    assert at.error and "not allowed" in at.error[0].value
    # The rest of the page keeps working: controls are still there and respond.
    at.slider(key="adadelta.rho").set_value(0.9).run()
    assert not at.exception
    # Back to the good formula: its program is compiled already, a new one would cost ~5 s.
    at.text_input(key="problem.formula").input("x**2 + 3*y**2 + sin(2*x)").run()
    assert_clean(at)
    assert len(charts(at)) >= CHARTS


def test_a_diverging_configuration_is_flagged():
    at = page(**{"problem.compare": "SGD", "sgd.learning_rate": "0.1"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "SGD diverged at step" in warnings


def test_bad_url_parameters_get_a_message_and_defaults():
    at = page(**{"adadelta.rho": "abc", "problem.num_steps": "-5", "nonsense": "1"})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "`rho` must be a number" in text and "num_steps" in text and "nonsense" in text
    assert at.slider(key="adadelta.rho").value == 0.95
    assert len(charts(at)) >= CHARTS


def test_url_parameters_set_the_controls():
    at = page(
        **{"adadelta.rho": "0.9", "pipeline.clipping": "clipvalue", "pipeline.clipvalue": "0.25"}
    )
    assert_clean(at)
    assert at.slider(key="adadelta.rho").value == 0.9
    assert at.number_input(key="pipeline.clipvalue").value == 0.25
