"""Each control's value reaches what it controls: the optimizer, its schedule, the problem.

Setting control X to v (with whatever makes X apply: its schedule chosen, its optimizer
compared, its condition met) through ``pagestate.surface_run``/``network_run`` yields an
optimizer whose ``get_config()[X] == v``, a schedule whose argument X is v, or a problem whose
parameter X is v. Numeric controls are checked over their whole range with hypothesis, which
also proves every value a widget allows is one the optimizer accepts. Fast: no Streamlit run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from control_examples import GROUP_OF, KIND_OF, LABEL_OF, another, context, values
from hypothesis import given, settings
from hypothesis import strategies as st

from adadelta.ui import build, controls, pagestate
from adadelta.ui.kinds import Control, Real, Text

OPTIMIZER_CONTROLS = [c for g in controls.OPTIMIZER_GROUPS for c in g]
PROBLEM_CONTROLS = [c for g in (controls.PROBLEM, *controls.SURFACE_GROUPS.values()) for c in g]
NETWORK_CONTROLS = list(controls.NETWORK)


def ids(control: Control) -> str:
    return control.key


def optimizer_config(control: Control, value: Any) -> dict[str, Any]:
    """The config of the optimizer that ``control`` configures, built with ``value``."""
    run = pagestate.surface_run({**context(control), control.key: value})
    label = LABEL_OF.get(GROUP_OF[control.key], "Adadelta")
    (spec,) = [spec for spec in run.optimizers if spec.label == label]
    return build.optimizer(spec).get_config()


def numbers(text: str) -> list[float]:
    return [float(part) for part in text.split(",")]


def observed(control: Control, value: Any) -> Any:
    """What the built optimizer says about ``control`` once it is set to ``value``."""
    config = optimizer_config(control, value)
    group = GROUP_OF[control.key]
    if control is controls.LR_KIND:
        rate = config["learning_rate"]
        if isinstance(rate, float):
            return "constant"
        return type(rate).__name__ if hasattr(rate, "get_config") else "formula in t"
    if control is controls.PIPELINE["clipping"]:
        chosen = [name for name in controls.CLIPPING_ARGUMENTS if config[name] is not None]
        return chosen[0] if chosen else "None"
    if group in KIND_OF and KIND_OF[group] != "constant":
        return config["learning_rate"].get_config()[control.name]
    return config[control.name]


def expected(control: Control, value: Any) -> Any:
    if control is controls.schedule("PiecewiseConstantDecay")["boundaries"]:
        return numbers(value)
    if control is controls.schedule("PiecewiseConstantDecay")["values"]:
        return numbers(value)
    return control.coerce(value)


FORMULA = controls.schedule("formula in t")["learning_rate(t)"]
NUMERIC = [c for c in OPTIMIZER_CONTROLS if isinstance(c, Real)]
OTHERS = [c for c in OPTIMIZER_CONTROLS if not isinstance(c, (Real, Text)) and c is not FORMULA]


@pytest.mark.parametrize("control", NUMERIC, ids=ids)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_numeric_value_reaches_the_optimizer(control, data):
    value = data.draw(values(control))
    assert observed(control, value) == expected(control, value)


@pytest.mark.parametrize("control", OTHERS, ids=ids)
def test_every_choice_and_switch_reaches_the_optimizer(control):
    for value in getattr(control, "options", None) or (control.default, another(control)):
        assert observed(control, value) == expected(control, value)


TEXTS = [c for c in OPTIMIZER_CONTROLS if isinstance(c, Text) and c is not FORMULA]


@pytest.mark.parametrize("control", TEXTS, ids=ids)
def test_every_text_reaches_the_optimizer(control):
    for value in (control.default, another(control)):
        assert observed(control, value) == expected(control, value)


def test_a_learning_rate_formula_reaches_the_optimizer():
    # The default formula and the example one, written out again in Python (not parsed).
    formulas = {
        FORMULA.default: lambda t: 1 / (1 + 0.002 * t),
        another(FORMULA): lambda t: 0.5 + 0.5 * np.cos(np.pi * t / 1000),
    }
    for text, rate in formulas.items():
        run = pagestate.surface_run({**context(FORMULA), FORMULA.key: text})
        optimizer = build.optimizer(run.optimizers[0])
        assert callable(optimizer.get_config()["learning_rate"])
        for t in (0, 250, 1000):
            assert float(optimizer.learning_rate_at(t)) == pytest.approx(rate(t), rel=1e-6)


def test_the_pipeline_reaches_every_optimizer_alike():
    compare = controls.PROBLEM["compare"]
    state = {
        compare.key: tuple(controls.RELATIVES),
        **{c.key: another(c) for c in controls.PIPELINE if c.when is None},
        controls.PIPELINE["clipping"].key: "global_clipnorm",
        controls.PIPELINE["global_clipnorm"].key: 0.5,
        controls.PIPELINE["ema_momentum"].key: 0.9,
    }
    run = pagestate.surface_run(state)
    shared = {
        "weight_decay",
        "clipnorm",
        "clipvalue",
        "global_clipnorm",
        "use_ema",
        "ema_momentum",
        "ema_overwrite_frequency",
        "loss_scale_factor",
        "gradient_accumulation_steps",
    }
    configs = [build.optimizer(spec).get_config() for spec in run.optimizers]
    assert [c["global_clipnorm"] for c in configs] == [0.5] * 5
    assert all({k: c[k] for k in shared} == {k: configs[0][k] for k in shared} for c in configs)
    assert configs[0]["use_ema"] is True and configs[0]["ema_momentum"] == 0.9


@pytest.mark.parametrize("control", PROBLEM_CONTROLS, ids=ids)
def test_every_problem_control_reaches_the_objective_or_the_run(control):
    value = another(control)
    run = pagestate.surface_run({**context(control), control.key: value})
    objective = build.objective(run.problem)
    surface = controls.PROBLEM["surface"]
    name = control.name
    if control.key == surface.key:
        assert objective.surface_key == value
    elif control is controls.PROBLEM["formula"]:
        assert objective.formula == value and objective.surface_key is None
    elif name in ("axis_scale", "noise_sigma"):
        assert getattr(objective, name) == np.float32(value)
    elif name in ("seed", "num_steps"):
        assert getattr(run, name) == value
    elif name == "compare":
        assert tuple(spec.label for spec in run.optimizers) == ("Adadelta", *value)
    elif name in ("x0", "y0"):
        assert run.start[("x0", "y0").index(name)] == value  # the axis scale is 1 here
    else:
        assert objective.surface_key == GROUP_OF[control.key].prefix.split(".")[1]
        assert objective.shape_params[name] == np.float32(value)


def test_the_start_is_in_the_units_of_the_scaled_axis():
    rosenbrock = controls.surface("rosenbrock")
    run = pagestate.surface_run(
        {
            controls.PROBLEM["surface"].key: "rosenbrock",
            controls.PROBLEM["axis_scale"].key: 4.0,
            rosenbrock["x0"].key: 1.0,
            rosenbrock["y0"].key: 2.0,
        }
    )
    assert run.start == (1.0, 0.5)


@pytest.mark.parametrize("control", NETWORK_CONTROLS, ids=ids)
def test_every_network_control_reaches_the_data_or_the_network(control):
    value = another(control)
    run = pagestate.network_run({control.key: value})
    data, objective, sizes = build.network(run.network)
    name = control.name
    n_train, n_test = len(data.x_train), len(data.x_test)
    if name == "dataset":
        assert data.name == value
    elif name == "n_points":
        assert n_train + n_test == value
    elif name == "test_fraction":
        assert n_test == round(run.network.n_points * value)
    elif name in ("noise", "data_seed"):
        default = build.network(pagestate.network_run({}).network)[0]
        assert not np.array_equal(data.x_train, default.x_train)  # other data, same shapes
        assert getattr(run.network, name) == value
    elif name == "hidden_layers":
        assert len(sizes) == value + 2
    elif name == "width":
        assert set(sizes[1:-1]) == {value}
    elif name in ("activation", "batch_size"):
        assert getattr(objective, name) == value
    elif name == "num_steps":
        assert run.num_steps == value
    else:
        assert name == "compare"
        assert tuple(spec.label for spec in run.optimizers) == ("Adadelta", *value)
