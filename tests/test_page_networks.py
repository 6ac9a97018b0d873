"""AppTest of the small-network trainer page: every network control, the pipeline, the step view.

Runs are kept small through the URL (200 steps on 200 points): each new network shape or
feature combination still compiles once, which dominates the runtime.
"""

import json

import pytest
from page_harness import assert_clean, charts, run_page
from streamlit.testing.v1 import AppTest

from adadelta.problems import DATASETS

SMALL = {"network.num_steps": "200", "network.n_points": "200"}
FIGURES_PER_PAGE = 4  # boundary, curves, layer rates, rate distribution (+ one graph per optimizer)


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def page(**query) -> AppTest:
    return run_page("networks", {**SMALL, **query})


def titles(at: AppTest) -> list[str]:
    """The title of every Plotly chart on the page, in page order."""
    out = []
    for chart in charts(at):
        title = json.loads(chart.proto.spec)["layout"].get("title", {})
        out.append(title.get("text", "") if isinstance(title, dict) else str(title))
    return out


def metric_labels(at: AppTest) -> list[str]:
    return [m.label for m in at.metric]


def assert_draws(at: AppTest, optimizers: int = 2) -> None:
    """Clean, every figure drawn (one network graph per optimizer) and one metric each."""
    assert_clean(at)
    assert len(charts(at)) >= FIGURES_PER_PAGE + optimizers, titles(at)
    assert len(at.metric) == optimizers, metric_labels(at)


def test_default_page_runs_and_draws():
    at = page()
    assert_draws(at)
    assert len(charts(at)) >= 5
    assert at.selectbox(key="network.dataset").value == "spiral"
    assert at.multiselect(key="network.compare").value == ["Adagrad"]
    assert metric_labels(at) == ["Adadelta: test accuracy", "Adagrad: test accuracy"]
    assert all(m.value.endswith("%") for m in at.metric)
    assert not at.warning
    names = titles(at)
    assert names[0] == "Decision boundary as the network learns"
    assert "Where the per-parameter learning rates sit at step 200" in names
    assert "Adadelta: effective learning rates at step 200" in names
    # The step slider opens on the last step.
    assert at.slider(key="network.view_step").value == 200


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_every_dataset_draws(dataset):
    at = page(**{"network.dataset": dataset})
    assert_draws(at)
    assert at.selectbox(key="network.dataset").value == dataset
    spec = json.loads(charts(at)[1].proto.spec)  # the training curves
    if DATASETS[dataset].task == "regression":
        # Regression has no accuracy: the metric is the test loss and the curves lose that panel.
        assert metric_labels(at) == ["Adadelta: test loss", "Adagrad: test loss"]
        assert not any(m.value.endswith("%") for m in at.metric)
        assert titles(at)[0] == "Prediction surface"
        assert "Accuracy" not in json.dumps(spec["layout"]["annotations"])
    else:
        assert metric_labels(at) == ["Adadelta: test accuracy", "Adagrad: test accuracy"]
        assert titles(at)[0] == "Decision boundary as the network learns"
        assert "Accuracy" in json.dumps(spec["layout"]["annotations"])


def test_every_data_and_network_control():
    # Each new data shape, depth, activation or batching compiles once (~10 s of CPU): the
    # first rerun sets every control at once, the second draws the third activation (the page
    # opened on tanh) and full batches again. (That each widget alone runs what it says is
    # test_page_wiring.py's fact.)
    at = page(**{"network.dataset": "circles"})
    assert_draws(at)
    rounds = [
        {
            ("number_input", "n_points"): 250,
            ("slider", "noise"): 0.3,
            ("slider", "test_fraction"): 0.3,
            ("number_input", "data_seed"): 3,
            ("number_input", "hidden_layers"): 4,
            ("number_input", "width"): 4,
            ("selectbox", "activation"): "sigmoid",
            ("number_input", "batch_size"): 32,
            ("number_input", "num_steps"): 150,
        },
        {("selectbox", "activation"): "relu", ("number_input", "batch_size"): None},
    ]
    for changes in rounds:
        for (kind, name), value in changes.items():
            getattr(at, kind)(key=f"network.{name}").set_value(value)
        at.run()
        assert_draws(at)
        assert not at.warning, [w.value for w in at.warning]
        for (kind, name), value in changes.items():
            assert getattr(at, kind)(key=f"network.{name}").value == value, name
    assert at.slider(key="network.view_step").value == 150
    # Four hidden layers of 4: five layers of rates, from 2→4 to the 4→1 output.
    rates = json.loads(charts(at)[2].proto.spec)
    layer_titles = [a["text"] for a in rates["layout"]["annotations"] if "Layer" in a["text"]]
    assert layer_titles[0] == "Layer 1 (2→4)" and layer_titles[-1] == "Layer 5 (4→1, output)"


def test_every_comparison_optimizer():
    at = page()
    compare = at.multiselect(key="network.compare")
    compare.select("RMSprop").select("SGD").select("Adam").run()
    assert_draws(at, optimizers=5)
    assert metric_labels(at) == [
        f"{name}: test accuracy" for name in ("Adadelta", "Adagrad", "RMSprop", "SGD", "Adam")
    ]
    at.multiselect(key="network.compare").set_value([]).run()
    assert_draws(at, optimizers=1)


def test_every_pipeline_control():
    # Each feature combination compiles once (~10 s): a few controls change per rerun. The
    # clipping thresholds appear after their choice and change no compiled code.
    at = page(**{"network.dataset": "circles"})
    at.number_input(key="pipeline.weight_decay").set_value(0.01)
    at.selectbox(key="pipeline.clipping").select("clipnorm").run()
    assert_draws(at)
    at.number_input(key="pipeline.clipnorm").set_value(0.5).run()
    assert_draws(at)
    at.selectbox(key="pipeline.clipping").select("clipvalue")
    at.checkbox(key="pipeline.use_ema").check().run()
    assert_draws(at)
    at.number_input(key="pipeline.clipvalue").set_value(0.5)
    at.slider(key="pipeline.ema_momentum").set_value(0.9)
    at.number_input(key="pipeline.ema_overwrite_frequency").set_value(50).run()
    assert_draws(at)
    at.selectbox(key="pipeline.clipping").select("global_clipnorm")
    at.number_input(key="pipeline.loss_scale_factor").set_value(8.0)
    at.number_input(key="pipeline.gradient_accumulation_steps").set_value(3).run()
    assert_draws(at)
    at.number_input(key="pipeline.global_clipnorm").set_value(0.5).run()
    assert_draws(at)
    assert not at.warning, [w.value for w in at.warning]
    # Step 200 is an accumulation micro-step of 3 (updates land on 3, 6, ..., 198): the
    # distribution shows the latest real update and says so.
    distribution = json.loads(charts(at)[3].proto.spec)
    assert "showing step 198" in json.dumps(distribution["layout"].get("annotations", []))


def test_a_learning_rate_schedule_adds_its_preview():
    at = page()
    at.selectbox(key="adadelta.learning_rate").select("ExponentialDecay").run()
    assert_clean(at)
    assert titles(at)[0] != "Decision boundary as the network learns"  # the lr(t) preview
    assert len(charts(at)) >= FIGURES_PER_PAGE + 3


def test_view_step_and_edge_colours():
    at = page()
    at.slider(key="network.view_step").set_value(50).run()
    assert_draws(at)
    names = titles(at)
    assert "Where the per-parameter learning rates sit at step 50" in names
    assert "Adadelta: effective learning rates at step 50" in names
    assert "Adagrad: effective learning rates at step 50" in names

    colour_by = at.button_group(key="network.colour_by")
    assert colour_by.value == "effective learning rate"
    assert colour_by.options == ["effective learning rate", "weight"]
    colour_by.set_value("weight").run()
    assert_draws(at)
    assert "Adadelta: weights at step 50" in titles(at)
    assert "Adagrad: weights at step 50" in titles(at)
    at.slider(key="network.view_step").set_value(1).run()
    assert "Adadelta: weights at step 1" in titles(at)
    at.button_group(key="network.colour_by").set_value("effective learning rate").run()
    assert_draws(at)
    assert "Adadelta: effective learning rates at step 1" in titles(at)


def test_a_diverging_configuration_is_flagged():
    # Plain SGD with η = 50 on the regression plane blows up within a few steps.
    at = page(**{"network.dataset": "plane", "network.compare": "SGD", "sgd.learning_rate": "50"})
    assert_draws(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "SGD diverged at step" in warnings
    assert "Adadelta diverged" not in warnings
    # The step view and the weight colouring still draw a diverged run.
    at.button_group(key="network.colour_by").set_value("weight").run()
    at.slider(key="network.view_step").set_value(100).run()
    assert_draws(at)


def test_bad_url_parameters_get_a_message_and_defaults():
    at = page(**{"network.width": "abc", "network.hidden_layers": "9", "nonsense": "1"})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "`width` must be a number" in text
    assert "`hidden_layers` = 9 is above 4; 4 is used" in text
    assert "nonsense" in text
    assert at.number_input(key="network.width").value == 16
    assert at.number_input(key="network.hidden_layers").value == 4  # clamped into range
    assert_draws(at)


def test_url_parameters_set_the_controls():
    at = page(
        **{
            "network.dataset": "moons",
            "network.activation": "relu",
            "network.batch_size": "32",
            "network.compare": "Adam,SGD",
        }
    )
    assert_draws(at, optimizers=3)
    assert at.selectbox(key="network.dataset").value == "moons"
    assert at.selectbox(key="network.activation").value == "relu"
    assert at.number_input(key="network.batch_size").value == 32
    assert at.multiselect(key="network.compare").value == ["Adam", "SGD"]
    assert metric_labels(at)[1:] == ["Adam: test accuracy", "SGD: test accuracy"]
