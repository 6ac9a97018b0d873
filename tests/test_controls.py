"""The control table and its kinds: names, defaults, help texts, and reading URL text.

Fast: no Streamlit run, no browser, no Keras (``test_controls_keras.py`` compares the defaults
with Keras itself).
"""

from __future__ import annotations

import ast
import inspect
import math
import pathlib

import pytest
from control_examples import values
from hypothesis import example, given, settings
from hypothesis import strategies as st

from adadelta import optim
from adadelta.optim import schedules
from adadelta.ui import controls
from adadelta.ui.kinds import MISSING, Group, Integer, MultiChoice, Number, Reading, Real, show

ROOT = pathlib.Path(__file__).resolve().parents[1]
EVERY_GROUP = (*controls.SURFACE_PAGE, controls.NETWORK)
EVERY_CONTROL = [control for group in EVERY_GROUP for control in group]
BY_KEY = {control.key: control for control in EVERY_CONTROL}
REALS = sorted(key for key, control in BY_KEY.items() if isinstance(control, Real))

# Which class each optimizer group configures (what its Keras defaults are read from).
CONFIGURES = {
    controls.ADADELTA: optim.Adadelta,
    controls.PIPELINE: optim.Adadelta,
    controls.schedule("constant"): optim.Adadelta,
    **{controls.relative(label): getattr(optim, label) for label in controls.RELATIVES},
    **{
        controls.schedule(kind): getattr(schedules, kind)
        for kind in controls.LR_KINDS
        if hasattr(schedules, kind)
    },
}


def signature(cls: type) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(cls).parameters)


def test_every_page_key_is_unique_and_names_its_group_and_argument():
    for page in (controls.SURFACE_PAGE, controls.NETWORK_PAGE):
        by_key = controls.controls_of(page)  # raises on a duplicate key
        for group in page:
            for control in group:
                assert control.key == f"{group.prefix}.{control.name}"
                assert by_key[control.key] is control


def test_shared_links_keep_their_parameter_names():
    # Literal keys on purpose: these are the names in links shared before the table was rebuilt.
    old = {
        "adadelta.learning_rate",
        "adadelta.rho",
        "adadelta.epsilon",
        "adadelta.name",
        "lr.constant.learning_rate",
        "lr.ExponentialDecay.decay_rate",
        "lr.PiecewiseConstantDecay.boundaries",
        "lr.CosineDecay.warmup_target",
        "lr.formula in t.learning_rate(t)",
        "pipeline.weight_decay",
        "pipeline.clipping",
        "pipeline.clipnorm",
        "pipeline.clipvalue",
        "pipeline.global_clipnorm",
        "pipeline.use_ema",
        "pipeline.ema_momentum",
        "pipeline.ema_overwrite_frequency",
        "pipeline.loss_scale_factor",
        "pipeline.gradient_accumulation_steps",
        "adagrad.learning_rate",
        "adagrad.initial_accumulator_value",
        "rmsprop.centered",
        "sgd.nesterov",
        "adam.beta_2",
        "problem.surface",
        "problem.formula",
        "problem.axis_scale",
        "problem.noise_sigma",
        "problem.seed",
        "problem.num_steps",
        "problem.compare",
        "surface.rosenbrock.x0",
        "surface.rosenbrock.b",
        "surface.quadratic.theta",
        "surface.custom.y0",
    }
    assert old <= set(controls.controls_of(controls.SURFACE_PAGE))
    network = {"network.dataset", "network.batch_size", "network.compare", "sgd.learning_rate"}
    assert network <= set(controls.controls_of(controls.NETWORK_PAGE))


@pytest.mark.parametrize("group", CONFIGURES, ids=lambda g: g.prefix)
def test_keras_defaults_come_from_the_signature(group):
    parameters = signature(CONFIGURES[group])
    for control in group:
        parameter = parameters.get(control.name)
        if parameter is None or parameter.default is inspect.Parameter.empty:
            assert control.keras_default is MISSING, control.key
        else:
            assert control.keras_default == parameter.default, control.key


@pytest.mark.parametrize("control", EVERY_CONTROL, ids=lambda c: c.key)
def test_help_is_one_line_and_names_keras_default_where_the_page_differs(control):
    assert control.help and "\n" not in control.help
    note = "Keras's default is"
    if control.keras_default is MISSING or control.default == control.keras_default:
        assert note not in control.help
    else:
        assert control.help.endswith(f"{note} {show(control.keras_default)}.") or (
            control.keras_default is None and control.help.endswith(f"{note} None (off).")
        )


def test_the_help_texts_state_kerass_documented_defaults():
    # From the Keras documentation (../shared/spec/keras-adadelta.md §8, and Keras's schedule
    # signatures): where a page departs from Keras, its help says Keras's value.
    assert controls.schedule("constant")["learning_rate"].help.endswith("Keras's default is 0.001.")
    assert controls.ADADELTA["epsilon"].help.endswith("Keras's default is 1e-7.")
    assert controls.relative("SGD")["learning_rate"].help.endswith("Keras's default is 0.01.")
    assert controls.schedule("CosineDecay")["warmup_steps"].help.endswith("Keras's default is 0.")
    assert "Keras's default" not in controls.ADADELTA["rho"].help


def test_presets_are_the_paper_and_keras():
    keras = controls.preset_values("Keras defaults")
    zeiler = controls.preset_values("Zeiler paper")
    lr = controls.schedule("constant")["learning_rate"]
    rho, epsilon = controls.ADADELTA["rho"], controls.ADADELTA["epsilon"]
    adadelta = signature(optim.Adadelta)
    assert keras == {
        controls.LR_KIND.key: "constant",
        lr.key: adadelta["learning_rate"].default,
        rho.key: adadelta["rho"].default,
        epsilon.key: adadelta["epsilon"].default,
    }
    # Zeiler (2012) §4: rho 0.95, epsilon 1e-6; Keras's docstring: learning_rate 1.0 for the paper.
    assert zeiler == {
        controls.LR_KIND.key: "constant",
        lr.key: 1.0,
        rho.key: 0.95,
        epsilon.key: 1e-6,
    }
    # The pages open on the paper's setting.
    assert {key: BY_KEY[key].default for key in zeiler} == zeiler


def missing_names(arguments: set[str], groups: tuple[Group, ...]) -> set[str]:
    return arguments - {control.name for group in groups for control in group}


def test_every_adadelta_argument_appears_under_its_keras_name():
    # weight_decay_mask is not a Keras argument (the JAX form of Keras's
    # exclude_from_weight_decay method); the pages leave it at None: decay every array.
    arguments = set(signature(optim.Adadelta)) - {"kwargs", "weight_decay_mask"}
    groups = (controls.ADADELTA, controls.PIPELINE, controls.schedule("constant"))
    assert not missing_names(arguments, groups)


@pytest.mark.parametrize("label", controls.RELATIVES)
def test_every_argument_of_a_relative_appears_under_its_keras_name(label):
    # The Keras pipeline's arguments are set once for every optimizer (the pipeline group).
    rule = set(signature(getattr(optim, label))) - set(optim.base.SHARED_ARGUMENTS)
    assert not missing_names(rule | {"learning_rate"}, (controls.relative(label),))


@pytest.mark.parametrize("kind", [k for k in controls.LR_KINDS if hasattr(schedules, k)])
def test_every_argument_of_a_schedule_appears_under_its_keras_name(kind):
    arguments = set(signature(getattr(schedules, kind))) - {"name"}
    assert not missing_names(arguments, (controls.schedule(kind),))


def test_no_order_is_assumed_conditions_name_their_control():
    # A control that applies only sometimes names the control it depends on.
    assert controls.PIPELINE["clipnorm"].when == ("clipping", "clipnorm")
    assert controls.PIPELINE["ema_momentum"].when == ("use_ema", True)
    assert controls.PROBLEM["formula"].when == ("surface", "custom")
    state = {controls.PIPELINE["clipping"].key: "clipvalue"}
    shown = [c.name for c in controls.PIPELINE.active(state)]
    assert "clipvalue" in shown and "clipnorm" not in shown and "ema_momentum" not in shown


def test_a_group_refuses_a_control_without_any_default_or_condition():
    with pytest.raises(TypeError, match="no default"):
        Group("lr.x", (Number("decay_steps", "h", low=0, high=1, step=1),), schedules.CosineDecay)
    with pytest.raises(TypeError, match="depends on"):
        Group("g", (Number("a", "h", 1.0, low=0, high=1, step=1, when=("b", 1)),))


def test_the_pure_modules_do_not_import_streamlit():
    for name in ("kinds", "controls", "pagestate", "build"):
        tree = ast.parse((ROOT / "adadelta" / "ui" / f"{name}.py").read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(m and m.split(".")[0] == "streamlit" for m in imported), name


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_value_survives_its_url_text(data):
    for control in EVERY_CONTROL:
        value = data.draw(values(control), label=control.key)
        assert control.read(control.encode(value)) == Reading(control.coerce(value)), control.key


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=400) | st.sampled_from(["", "nan", "inf", "-inf", "1e999", "none"]))
@example(text="9" * 5000)
def test_any_url_text_gives_a_valid_value_and_never_raises(text):
    for control in EVERY_CONTROL:
        value, message = control.read(text)
        # The value is valid: it reads back from its own URL text unchanged and without comment.
        assert control.read(control.encode(value)) == Reading(value), control.key
        if message is not None:
            assert f"`{control.name}`" in message and len(message) < 400, message


def as_given(control: Real, text: str) -> int | float:
    """The number a control sees in ``text``: an int where an integer control can parse one."""
    try:
        return int(text) if isinstance(control, Integer) else float(text)
    except ValueError:
        return float(text)


@settings(max_examples=100, deadline=None)
@given(
    number=st.floats(allow_nan=False)
    | st.integers(-(10**30), 10**30)
    | st.sampled_from([math.inf, -math.inf, 1e308, -1e308, 10**400])
)
def test_a_number_out_of_range_is_clamped_and_reported(number):
    text = str(number)
    for key in REALS:
        control = BY_KEY[key]
        value, message = control.read(text)
        given_number = as_given(control, text)
        fraction = isinstance(given_number, float) and math.isfinite(given_number)
        if isinstance(control, Integer) and fraction and not given_number.is_integer():
            assert value == control.default and "must be an integer" in message, key
            continue
        if control.low <= given_number <= control.high:
            assert value == given_number and message is None, key
            continue
        side = "above" if given_number > control.high else "below"
        bound = control.high if side == "above" else control.low
        assert value == bound, key
        assert message == (
            f"`{control.name}` = {show(given_number)} is {side} {show(value)}; "
            f"{show(value)} is used"
        ), key


def test_the_example_message_of_the_issue():
    assert controls.ADADELTA["rho"].read("1.5") == Reading(1.0, "`rho` = 1.5 is above 1; 1 is used")


@pytest.mark.parametrize("key", REALS)
def test_nan_and_empty_text_keep_the_default(key):
    control = BY_KEY[key]
    assert control.read("nan") == Reading(
        control.default,
        f"`{control.name}` must be a number, not NaN; the default {show(control.default)} is used",
    )
    empty = control.read("")
    if control.optional:
        assert empty == Reading(None)
    else:
        assert empty.value == control.default and "must be a number" in empty.message


def test_integers_read_integral_numbers_and_refuse_fractions():
    steps = controls.PROBLEM["num_steps"]
    assert steps.read("3e2") == Reading(300) and isinstance(steps.read("3e2").value, int)
    assert steps.read("300.0") == Reading(300)
    assert steps.read("2.5").message.startswith("`num_steps` must be an integer, not '2.5'")
    assert steps.read(" 7 ") == Reading(7)


def test_booleans_choices_and_lists_read_leniently():
    use_ema = controls.PIPELINE["use_ema"]
    for text, value in (("true", True), ("On", True), ("1", True), ("no", False), ("0", False)):
        assert use_ema.read(text) == Reading(value)
    assert use_ema.read("maybe").value is False
    surface = controls.PROBLEM["surface"]
    assert surface.read("Rosenbrock") == Reading("rosenbrock")
    assert surface.read("nowhere").value == "goldstein_price"
    compare = controls.PROBLEM["compare"]
    assert isinstance(compare, MultiChoice)
    assert compare.read("adam, SGD,,Adam") == Reading(("Adam", "SGD"))
    assert compare.read("") == Reading(())
    read = compare.read("Adam,Lion")
    assert read.value == ("Adam",) and "'Lion' ignored" in read.message


def test_text_longer_than_the_limit_keeps_the_default():
    formula = controls.PROBLEM["formula"]
    value, message = formula.read("x" * 301)
    assert value == formula.default and "longer than 300" in message


@pytest.mark.parametrize(
    "group", (*EVERY_GROUP, *controls.SWEEPS_PAGE[:1]), ids=lambda group: group.prefix
)
def test_every_extreme_of_a_control_reads_back_without_a_message(group):
    # The property tests push the pages with these texts; each must be a legal value.
    for control in group:
        texts = control.extremes()
        assert texts, control.key
        for text in texts:
            reading = control.read(text)
            assert reading.message is None, (control.key, text, reading.message)
            assert (
                control.encode(reading.value) == text
                or control.read(control.encode(reading.value)) == reading
            ), (control.key, text)
