"""AppTest of the loss-surface page: every control, both presets, formulas, divergence, URL."""

import json

import pytest
from control_examples import another
from page_harness import assert_clean, charts, run_page
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


@pytest.mark.parametrize("kind", controls.LR_KINDS)
def test_every_learning_rate_kind_and_its_controls(kind):
    at = page(**{"problem.num_steps": "300"})
    at.selectbox(key="adadelta.learning_rate").select(kind).run()
    assert_clean(at)
    for control in controls.schedule(kind):
        at.get_by_key(control.key).set_value(control.to_widget(another(control))).run()
        assert_clean(at)
    assert len(charts(at)) >= CHARTS + (kind != "constant")  # with the lr(t) preview


def test_every_adadelta_and_pipeline_control():
    at = page(**{"problem.num_steps": "300"})
    at.slider(key="adadelta.rho").set_value(0.9).run()
    at.number_input(key="adadelta.epsilon").set_value(1e-4).run()
    at.text_input(key="adadelta.name").input("my_adadelta").run()
    at.number_input(key="pipeline.weight_decay").set_value(0.01).run()
    for clipping in ("clipnorm", "clipvalue", "global_clipnorm"):
        at.selectbox(key="pipeline.clipping").select(clipping).run()
        at.number_input(key=f"pipeline.{clipping}").set_value(0.5).run()
        assert_clean(at)
    at.checkbox(key="pipeline.use_ema").check().run()
    at.slider(key="pipeline.ema_momentum").set_value(0.9).run()
    at.number_input(key="pipeline.ema_overwrite_frequency").set_value(50).run()
    at.number_input(key="pipeline.loss_scale_factor").set_value(8.0).run()
    at.number_input(key="pipeline.gradient_accumulation_steps").set_value(3).run()
    assert_clean(at)
    assert len(charts(at)) >= CHARTS
    names = [trace.get("name") for trace in specs(at)[0]["data"]]
    assert "Adadelta EMA (shadow weights)" in names  # the EMA's path appears


def test_every_problem_control_and_comparison_optimizer():
    at = page(**{"problem.num_steps": "300"})
    at.multiselect(key="problem.compare").select("RMSprop").select("SGD").select("Adam").run()
    for group in controls.RELATIVES.values():
        for control in group:
            at.get_by_key(control.key).set_value(another(control)).run()
            assert_clean(at)
    at.number_input(key="problem.axis_scale").set_value(10.0).run()
    at.number_input(key="problem.noise_sigma").set_value(0.5).run()
    at.number_input(key="problem.seed").set_value(3).run()
    at.number_input(key="problem.num_steps").set_value(200).run()
    at.selectbox(key="problem.surface").select("quadratic").run()
    at.slider(key="surface.quadratic.theta").set_value(45.0).run()
    at.slider(key="surface.quadratic.kappa").set_value(50.0).run()
    at.number_input(key="surface.quadratic.x0").set_value(3.0).run()
    at.number_input(key="surface.quadratic.y0").set_value(-2.0).run()
    assert_clean(at)


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
    at.text_input(key="problem.formula").input("x**2 + y**2").run()
    assert_clean(at)


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
