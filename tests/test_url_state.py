"""From a link's parameters to what the page runs (``adadelta.ui.pagestate``), without Streamlit.

Old links keep working, every state survives a real query string, and no link, however
malformed, raises anywhere between the URL and the built optimizers.
"""

from __future__ import annotations

import math
import urllib.parse
from typing import Any

import pytest
from control_examples import values
from hypothesis import given, settings
from hypothesis import strategies as st

from adadelta.problems import FormulaError
from adadelta.ui import build, controls, pagestate
from adadelta.ui.kinds import Control

PAGES = {
    "surfaces": (controls.SURFACE_PAGE, pagestate.surfaces_page, pagestate.surface_run),
    "networks": (controls.NETWORK_PAGE, pagestate.networks_page, pagestate.network_run),
}


def old_encode(value: Any) -> str:
    """How links were written before the control table was rebuilt (``state._encode`` at
    c2179e4), kept verbatim: every link written that way must still read the same."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def config(spec: build.OptimizerSpec) -> dict[str, Any]:
    return build.optimizer(spec).get_config()


def by_label(run) -> dict[str, build.OptimizerSpec]:
    return {spec.label: spec for spec in run.optimizers}


def test_the_default_surface_page_is_the_papers_adadelta_against_adagrad():
    state = pagestate.surfaces_page({})
    assert state.messages == () and state.unused == ()
    run = state.run
    assert [spec.label for spec in run.optimizers] == ["Adadelta", "Adagrad"]
    adadelta, adagrad = (config(spec) for spec in run.optimizers)
    # Zeiler's setting (η = 1, ρ = 0.95, ε = 1e-6); every other argument at Keras's default
    # (../shared/spec/keras-adadelta.md §8).
    assert adadelta == {
        "learning_rate": 1.0,
        "rho": 0.95,
        "epsilon": 1e-6,
        "weight_decay": None,
        "clipnorm": None,
        "clipvalue": None,
        "global_clipnorm": None,
        "use_ema": False,
        "ema_momentum": 0.99,
        "ema_overwrite_frequency": None,
        "name": "adadelta",
        "loss_scale_factor": None,
        "gradient_accumulation_steps": None,
        "weight_decay_mask": None,
    }
    assert adagrad["learning_rate"] == 1.0
    assert adagrad["initial_accumulator_value"] == 0.1 and adagrad["epsilon"] == 1e-7
    assert run.problem.surface == "goldstein_price" and run.problem.shape_params == ()
    assert run.start == (0.8, -0.3)  # the first view's start (tests/test_first_view.py)
    assert (run.num_steps, run.seed) == (2000, 0)


def test_old_links_of_the_surface_page_still_show_what_they_showed():
    # Literal links in the format written before the table was rebuilt.
    state = pagestate.surfaces_page(
        {
            "problem.surface": "quadratic",
            "surface.quadratic.theta": "45.0",
            "surface.quadratic.x0": "3.0",
            "surface.quadratic.y0": "-2.0",
            "problem.axis_scale": "2.0",
            "problem.noise_sigma": "0.5",
            "problem.num_steps": "300",
            "problem.compare": "Adam,SGD",
            "sgd.learning_rate": "0.1",
            "adadelta.rho": "0.9",
            "adadelta.epsilon": "0.0001",
            "pipeline.clipping": "clipvalue",
            "pipeline.clipvalue": "0.25",
            "pipeline.weight_decay": "none",
            "pipeline.use_ema": "true",
            "pipeline.ema_overwrite_frequency": "50",
        }
    )
    assert state.messages == () and state.unused == ()
    run = state.run
    assert run.problem == build.ProblemSpec(
        "quadratic", "", (("kappa", 10.0), ("theta", 45.0)), 2.0, 0.5
    )
    assert run.start == (3.0, -1.0)  # y0 is a point of the unscaled surface: -2 / 2
    assert run.num_steps == 300
    specs = by_label(run)
    assert list(specs) == ["Adadelta", "Adam", "SGD"]
    adadelta = config(specs["Adadelta"])
    assert adadelta["rho"] == 0.9 and adadelta["epsilon"] == 1e-4
    assert adadelta["clipvalue"] == 0.25 and adadelta["clipnorm"] is None
    assert adadelta["use_ema"] is True and adadelta["ema_overwrite_frequency"] == 50
    assert config(specs["SGD"])["learning_rate"] == 0.1
    assert config(specs["SGD"])["clipvalue"] == 0.25  # the pipeline applies to every optimizer


def test_old_links_with_a_schedule_or_a_formula():
    run = pagestate.surfaces_page(
        {
            "adadelta.learning_rate": "ExponentialDecay",
            "lr.ExponentialDecay.decay_rate": "0.1",
            "lr.ExponentialDecay.staircase": "true",
        }
    ).run
    schedule = config(run.optimizers[0])["learning_rate"]
    assert type(schedule).__name__ == "ExponentialDecay"
    assert schedule.get_config() == {
        "initial_learning_rate": 1.0,
        "decay_steps": 200,
        "decay_rate": 0.1,
        "staircase": True,
        "name": "ExponentialDecay",
    }
    state = pagestate.surfaces_page(
        {"adadelta.learning_rate": "formula in t", "lr.formula in t.learning_rate(t)": "1/(1+t)"}
    )
    assert state.messages == ()
    optimizer = build.optimizer(state.run.optimizers[0])
    assert float(optimizer.learning_rate_at(3)) == pytest.approx(0.25)


def test_old_links_of_the_network_page():
    state = pagestate.networks_page(
        {
            "network.dataset": "moons",
            "network.activation": "relu",
            "network.batch_size": "32",
            "network.hidden_layers": "3",
            "network.compare": "Adam,SGD",
            "network.num_steps": "200",
            "adagrad.learning_rate": "0.5",
        }
    )
    assert state.messages == ()
    assert state.unused == ("adagrad.learning_rate",)  # Adagrad is not compared
    network, specs, num_steps = state.run
    assert network == build.NetworkSpec("moons", 512, 0.1, 0.5, 0, 3, 16, "relu", 32)
    assert [spec.label for spec in specs] == ["Adadelta", "Adam", "SGD"] and num_steps == 200


@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_old_style_link_reads_as_written(page, data):
    groups, read_page, run_of = PAGES[page]
    chosen = data.draw(
        st.lists(
            st.sampled_from(list(controls.controls_of(groups).values())), unique=True, max_size=12
        )
    )
    given_values = {c.key: data.draw(values(c), label=c.key) for c in chosen}
    query = {key: old_encode(value) for key, value in given_values.items()}
    read, messages = pagestate.read(groups, query)
    assert messages == []
    assert read == {
        key: controls.controls_of(groups)[key].coerce(v) for key, v in given_values.items()
    }
    assert read_page(query).run == run_of(given_values)


@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_state_survives_a_real_query_string(page, data):
    groups, read_page, run_of = PAGES[page]
    by_key = controls.controls_of(groups)
    chosen = data.draw(st.lists(st.sampled_from(list(by_key.values())), unique=True, max_size=15))
    state = {c.key: data.draw(values(c), label=c.key) for c in chosen}
    query_string = urllib.parse.urlencode(pagestate.encode(groups, state))
    # As Streamlit parses a page's query string (runtime/state/query_params.py).
    parsed = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    read = read_page(parsed)
    assert read.messages == ()
    assert read.run == run_of(state)


def test_defaults_stay_out_of_the_url():
    for groups, _, _ in PAGES.values():
        defaults = {key: c.default for key, c in controls.controls_of(groups).items()}
        assert pagestate.encode(groups, defaults) == {}


def anything(control_keys: list[str]) -> st.SearchStrategy:
    key = st.sampled_from(control_keys) | st.text(max_size=80)
    text = (
        st.text(max_size=400)
        | st.sampled_from(["", "nan", "inf", "-inf", "1e999", "-1e999", "none", "true", "0"])
        | st.floats().map(str)
        | st.integers().map(str)
    )
    return st.dictionaries(key, text | st.lists(text, max_size=3), max_size=25)


def build_everything(run) -> list[str]:
    """Builds what the page would build; returns the errors the page would show."""
    errors = []
    try:
        if isinstance(run, pagestate.SurfaceRun):
            build.objective(run.problem)
        else:
            build.network(run.network)
    except (ValueError, FormulaError) as error:
        errors.append(str(error))
    for spec in run.optimizers:
        try:
            build.optimizer(spec)
        except ValueError as error:
            errors.append(str(error))
    return errors


@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_link_raises_between_the_url_and_the_built_optimizers(page, data):
    groups, read_page, _ = PAGES[page]
    query = data.draw(anything(list(controls.controls_of(groups))))
    state = read_page(query)
    unknown = [key for key in query if key not in controls.controls_of(groups)]
    assert sum("unknown parameter" in m for m in state.messages) == len(unknown)
    assert len(state.messages) <= len(query)
    assert set(state.unused) <= set(query)
    if page == "surfaces":
        assert all(math.isfinite(number) for number in state.run.start)
    build_everything(state.run)  # only ValueError (shown as a message) may come out


def test_parameters_without_effect_are_listed_not_reported():
    state = pagestate.surfaces_page(
        {
            "lr.CosineDecay.alpha": "0.5",
            "pipeline.ema_momentum": "0.5",
            "pipeline.clipnorm": "2",
            "rmsprop.rho": "0.5",
            "surface.bowl.x0": "1",
            "problem.formula": "x**2",
        }
    )
    assert state.messages == ()
    assert set(state.unused) == {
        "lr.CosineDecay.alpha",
        "pipeline.ema_momentum",
        "pipeline.clipnorm",
        "rmsprop.rho",
        "surface.bowl.x0",
        "problem.formula",
    }
    state = pagestate.surfaces_page(
        {
            "adadelta.learning_rate": "CosineDecay",
            "lr.CosineDecay.alpha": "0.5",
            "pipeline.use_ema": "true",
            "pipeline.ema_momentum": "0.5",
            "pipeline.clipping": "clipnorm",
            "pipeline.clipnorm": "2",
            "problem.compare": "RMSprop",
            "rmsprop.rho": "0.5",
            "problem.surface": "bowl",
            "surface.bowl.x0": "1",
        }
    )
    assert state.messages == () and state.unused == ()


def test_messages_say_what_happened_to_each_bad_parameter():
    state = pagestate.surfaces_page(
        {
            "adadelta.rho": "1.5",
            "adadelta.epsilon": "abc",
            "problem.num_steps": "-5",
            "nonsense": "1",
        }
    )
    assert state.messages == (
        "`rho` = 1.5 is above 1; 1 is used",
        "`epsilon` must be a number, not 'abc'; the default 1e-6 is used",
        "`num_steps` = -5 is below 1; 1 is used",
        "unknown parameter `nonsense` ignored",
    )
    assert dict(state.run.optimizers[0].rule)["rho"] == 1.0
    assert state.run.num_steps == 1


def test_extra_keys_are_neither_read_nor_reported():
    values_read, messages = pagestate.read(
        controls.SURFACE_PAGE, {"presenter": "1"}, ("presenter",)
    )
    assert values_read == {} and messages == []


def test_a_control_value_of_the_wrong_type_in_state_is_coerced():
    # Widgets hand ints to float controls (and lists to multi-selects); specs hold one type.
    rho: Control = controls.ADADELTA["rho"]
    run = pagestate.surface_run({rho.key: 1, controls.PROBLEM["compare"].key: ["SGD"]})
    assert dict(run.optimizers[0].rule)["rho"] == 1.0
    assert isinstance(dict(run.optimizers[0].rule)["rho"], float)
    assert [spec.label for spec in run.optimizers] == ["Adadelta", "SGD"]
