"""Optimizers and schedules survive every round trip with the arguments exactly as given.

An optimizer is a pytree: numeric arguments are leaves (copied to the device, float32 without
x64), the rest is static auxiliary data. ``jax.tree.map(f, opt)`` rebuilds it from both; so do
``from_config(get_config())`` and ``replace()``. Generated over argument values *and types*
(Python floats and ints, NumPy scalars, 0-d NumPy and JAX arrays, bools, None), every argument
must come back equal to the one given, as a Python number (as Keras's ``get_config`` reports
floats), and every round trip must return the same configuration with the same types.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adadelta import SGD, Adadelta, Adagrad, Adam, RMSprop, schedules
from adadelta.optim.schedules import LearningRateSchedule

SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# How a value may be given: the constructor's type of a float argument.
FLOAT_TYPES = {
    "float": float,
    "np.float64": np.float64,
    "np.float32": np.float32,
    "np.float16": np.float16,
    "0-d float64 array": lambda v: np.asarray(v, np.float64),
    "0-d float32 array": lambda v: np.asarray(v, np.float32),
    "0-d jax array": lambda v: jnp.asarray(v, jnp.float32),
}
INT_TYPES = {
    "int": int,
    "np.int64": np.int64,
    "np.int32": np.int32,
    "0-d int array": lambda v: np.asarray(v, np.int64),
}
BOOL_TYPES = {"bool": bool, "np.bool_": np.bool_}


@st.composite
def real(draw, low=0.0, high=1e3, high_open=False, ints=True):
    """A real number of any accepted type within [low, high] (or [low, high))."""
    kind = draw(st.sampled_from(["float", "int"] if ints else ["float"]))
    if kind == "int" and math.floor(high) >= math.ceil(low):
        top = math.floor(high) - (1 if high_open and float(math.floor(high)) == high else 0)
        if top >= math.ceil(low):
            value = draw(st.integers(math.ceil(low), top))
            return draw(st.sampled_from(list(INT_TYPES.values())))(value)
    value = draw(st.floats(low, high, allow_nan=False, allow_infinity=False, exclude_max=high_open))
    typed = draw(st.sampled_from(list(FLOAT_TYPES.values())))(value)
    if not low <= float(typed) <= high or (high_open and float(typed) >= high):
        return value  # rounding to a narrower type left the range: keep the Python float
    return typed


def integer(low, high=50):
    return st.integers(low, high).flatmap(
        lambda v: st.sampled_from(list(INT_TYPES.values())).map(lambda t: t(v))
    )


def boolean():
    return st.booleans().flatmap(
        lambda v: st.sampled_from(list(BOOL_TYPES.values())).map(lambda t: t(v))
    )


def optional(strategy):
    return st.one_of(st.none(), strategy)


# ----- schedules ----------------------------------------------------------------------------------

SCHEDULE_ARGS: dict[type, dict[str, Any]] = {
    schedules.ExponentialDecay: {
        "initial_learning_rate": real(0.0, 10.0),
        "decay_steps": real(1e-3, 1e4),
        "decay_rate": real(1e-3, 2.0),
        "staircase": boolean(),
        "name": st.text(max_size=5),
    },
    schedules.PolynomialDecay: {
        "initial_learning_rate": real(0.0, 10.0),
        "decay_steps": real(1e-3, 1e4),
        "end_learning_rate": real(0.0, 1.0),
        "power": real(1e-3, 5.0),
        "cycle": boolean(),
    },
    schedules.InverseTimeDecay: {
        "initial_learning_rate": real(0.0, 10.0),
        "decay_steps": real(1e-3, 1e4),
        "decay_rate": real(0.0, 5.0),
        "staircase": boolean(),
    },
    schedules.CosineDecay: {
        "initial_learning_rate": real(0.0, 10.0),
        "decay_steps": real(1e-3, 1e4),
        "alpha": real(0.0, 1.0),
        "warmup_target": optional(real(0.0, 10.0)),
        "warmup_steps": real(0.0, 100.0),
    },
    schedules.CosineDecayRestarts: {
        "initial_learning_rate": real(0.0, 10.0),
        "first_decay_steps": real(1e-3, 1e4),
        "t_mul": real(1e-3, 4.0),
        "m_mul": real(0.0, 2.0),
        "alpha": real(0.0, 1.0),
    },
}


@st.composite
def piecewise(draw):
    n = draw(st.integers(1, 4))
    as_ints = draw(st.booleans())
    if as_ints:
        steps = sorted(draw(st.sets(st.integers(0, 10**6), min_size=n, max_size=n)))
        boundaries = [draw(st.sampled_from(list(INT_TYPES.values())))(b) for b in steps]
    else:
        steps = sorted(draw(st.sets(st.floats(0.0, 1e6, allow_nan=False), min_size=n, max_size=n)))
        boundaries = [draw(st.sampled_from([float, np.float64]))(b) for b in steps]
    values = [draw(real(0.0, 10.0)) for _ in range(n + 1)]
    return schedules.PiecewiseConstantDecay(boundaries, values), {
        "boundaries": boundaries,
        "values": values,
    }


@st.composite
def schedule_and_arguments(draw):
    if draw(st.integers(0, len(SCHEDULE_ARGS))) == 0:
        return draw(piecewise())
    cls = draw(st.sampled_from(list(SCHEDULE_ARGS)))
    arguments = {name: draw(strategy) for name, strategy in SCHEDULE_ARGS[cls].items()}
    return cls(**arguments), arguments


# ----- optimizers ---------------------------------------------------------------------------------

RULE_ARGS: dict[type, dict[str, Any]] = {
    Adadelta: {"rho": real(0.0, 1.0), "epsilon": real(0.0, 1.0)},
    Adagrad: {"initial_accumulator_value": real(0.0, 10.0), "epsilon": real(0.0, 1.0)},
    RMSprop: {
        "rho": real(0.0, 1.0),
        "momentum": real(0.0, 1.0),
        "epsilon": real(0.0, 1.0),
        "centered": boolean(),
    },
    # Keras insists on a Python float momentum for SGD.
    SGD: {"momentum": st.floats(0.0, 1.0), "nesterov": boolean()},
    Adam: {
        "beta_1": real(0.0, 1.0, high_open=True),
        "beta_2": real(0.0, 1.0, high_open=True),
        "epsilon": real(0.0, 1.0),
        "amsgrad": boolean(),
    },
}


def constant_rate():
    return 0.25


@st.composite
def learning_rate(draw):
    kind = draw(st.sampled_from(["float", "np.float64", "schedule", "callable"]))
    if kind == "schedule":
        return draw(schedule_and_arguments())[0]
    if kind == "callable":
        return constant_rate
    value = draw(st.floats(-10.0, 10.0, allow_nan=False))
    return np.float64(value) if kind == "np.float64" else value


@st.composite
def optimizer_and_arguments(draw):
    cls = draw(st.sampled_from(list(RULE_ARGS)))
    arguments = {name: draw(strategy) for name, strategy in RULE_ARGS[cls].items()}
    arguments["learning_rate"] = draw(learning_rate())
    arguments["weight_decay"] = draw(optional(real(0.0, 1.0)))
    clip = draw(st.sampled_from([None, "clipnorm", "clipvalue", "global_clipnorm"]))
    if clip is not None:
        arguments[clip] = draw(real(1e-3, 10.0))
    arguments["use_ema"] = draw(boolean())
    if arguments["use_ema"]:
        arguments["ema_momentum"] = draw(real(0.0, 1.0))
        arguments["ema_overwrite_frequency"] = draw(optional(integer(1)))
    else:  # not validated (nor used) without EMA, as in Keras
        arguments["ema_momentum"] = draw(st.one_of(real(-5.0, 5.0), st.none(), boolean()))
        arguments["ema_overwrite_frequency"] = draw(st.one_of(st.none(), integer(0), real()))
    arguments["name"] = draw(optional(st.text(max_size=5)))
    arguments["loss_scale_factor"] = draw(optional(real(1e-3, 1e3)))
    arguments["gradient_accumulation_steps"] = draw(st.one_of(st.none(), integer(0, 0), integer(2)))
    arguments["weight_decay_mask"] = draw(
        optional(st.fixed_dictionaries({"kernel": st.booleans(), "bias": st.booleans()}))
    )
    return cls(**arguments), arguments


# ----- comparisons --------------------------------------------------------------------------------


def expected(value: Any) -> Any:
    """What get_config should report for an argument given as ``value``."""
    if isinstance(value, (np.ndarray, np.generic, jax.Array)):
        return np.asarray(value).item()
    if isinstance(value, (list, tuple)):
        return [expected(v) for v in value]
    return value


def assert_identical(ours: Any, reference: Any, where: str = "") -> None:
    """Equal values of the same types (schedules by class and config, callables by identity)."""
    if isinstance(reference, LearningRateSchedule):
        assert type(ours) is type(reference), where
        assert_identical(ours.get_config(), reference.get_config(), where)
        return
    if callable(reference):
        assert ours is reference, where
        return
    assert type(ours) is type(reference), f"{where}: {ours!r} vs {reference!r}"
    if isinstance(reference, dict):
        assert ours.keys() == reference.keys(), where
        for key in reference:
            assert_identical(ours[key], reference[key], f"{where}.{key}")
    elif isinstance(reference, list):
        assert len(ours) == len(reference), where
        for i, (a, b) in enumerate(zip(ours, reference)):
            assert_identical(a, b, f"{where}[{i}]")
    else:
        assert ours == reference, f"{where}: {ours!r} != {reference!r}"


def assert_config_matches_arguments(config: dict, arguments: dict, default_name: str) -> None:
    for name, value in arguments.items():
        got = config[name]
        if name == "name" and value is None:
            assert got == default_name  # Keras's name=None means the default name
        elif isinstance(value, LearningRateSchedule) or callable(value):
            assert_identical(got, value, name)
        elif isinstance(value, (bool, np.bool_)):
            assert type(got) is bool and got == bool(value), (name, got, value)
        elif value is None or isinstance(value, (str, dict)):
            assert got == value, (name, got, value)
        else:
            want = expected(value)
            assert got == want, (name, got, value)
            # Python numbers; a float argument given as an int comes back as a float.
            numbers = got if isinstance(want, list) else [got]
            assert all(type(x) in (int, float) for x in numbers), (name, got)


def round_trips(obj):
    """Every way of rebuilding ``obj`` the issue names."""
    return {
        "tree.map": jax.tree.map(lambda x: x, obj),
        "tree.map twice": jax.tree.map(lambda x: x, jax.tree.map(lambda x: x, obj)),
        "unflatten(flatten)": jax.tree.unflatten(*reversed(jax.tree.flatten(obj))),
        "from_config": type(obj).from_config(obj.get_config()),
        "replace()": obj.replace() if hasattr(obj, "replace") else obj,
    }


# ----- the properties -----------------------------------------------------------------------------


@SETTINGS
@given(optimizer_and_arguments())
def test_optimizer_config_reports_the_arguments_as_given(case):
    opt, arguments = case
    config = opt.get_config()
    assert_config_matches_arguments(config, arguments, type(opt)._DEFAULT_NAME)
    for name in config:
        assert_identical(getattr(opt, name), config[name], name)


@SETTINGS
@given(optimizer_and_arguments())
def test_optimizer_round_trips_exactly(case):
    opt, _ = case
    config = opt.get_config()
    leaves, structure = jax.tree.flatten(opt)
    for how, rebuilt in round_trips(opt).items():
        assert type(rebuilt) is type(opt), how
        assert_identical(rebuilt.get_config(), config, how)
        rebuilt_leaves, rebuilt_structure = jax.tree.flatten(rebuilt)
        assert rebuilt_structure == structure, how
        for a, b in zip(rebuilt_leaves, leaves):
            assert a.dtype == b.dtype and jnp.array_equal(a, b), how


@SETTINGS
@given(optimizer_and_arguments(), st.data())
def test_replace_changes_exactly_one_argument(case, data):
    opt, _ = case
    cls = type(opt)
    name = data.draw(st.sampled_from([*RULE_ARGS[cls], "weight_decay", "loss_scale_factor"]))
    value = data.draw(RULE_ARGS[cls].get(name, optional(real(1e-3, 1.0))))
    changed = opt.replace(**{name: value})
    config, new_config = opt.get_config(), changed.get_config()
    assert_config_matches_arguments({name: new_config[name]}, {name: value}, "")
    for other in config:
        if other != name:
            assert_identical(new_config[other], config[other], other)


@SETTINGS
@given(schedule_and_arguments())
def test_schedule_round_trips_exactly(case):
    schedule, arguments = case
    config = schedule.get_config()
    assert_config_matches_arguments(config, arguments, "")
    for how, rebuilt in round_trips(schedule).items():
        assert_identical(rebuilt.get_config(), config, how)
    # Inside an optimizer, where its leaves are copied to the device with the optimizer's.
    opt = Adadelta(learning_rate=schedule)
    jax.tree.leaves(opt)  # makes the device copies
    for how, rebuilt in round_trips(opt).items():
        assert_identical(rebuilt.learning_rate.get_config(), config, f"in optimizer, {how}")


# ----- the cases of the issue, and behaviour after a round trip -----------------------------------


def test_unused_ema_momentum_survives_tree_map():
    """The issue's example: a large integer (an object id) came back."""
    opt = Adadelta(ema_momentum=np.float32(0.9))
    for rebuilt in (opt, jax.tree.map(lambda x: x, opt)):
        assert rebuilt.ema_momentum == np.float32(0.9)
        assert type(rebuilt.ema_momentum) is float
        assert rebuilt.get_config()["ema_momentum"] == np.float32(0.9)


def test_unused_array_arguments_survive_tree_map():
    opt = Adadelta(ema_momentum=np.asarray([0.5, 0.25]), ema_overwrite_frequency=np.asarray(3))
    rebuilt = jax.tree.map(lambda x: x, opt)
    assert rebuilt.get_config()["ema_momentum"] == [0.5, 0.25]
    assert rebuilt.get_config()["ema_overwrite_frequency"] == 3


def test_hyperparameters_keep_double_precision_through_tree_map():
    opt = Adadelta(learning_rate=0.1, rho=0.95, epsilon=1e-7, weight_decay=0.3)
    jax.tree.leaves(opt)
    rebuilt = jax.tree.map(lambda x: x, opt)
    assert (rebuilt.learning_rate, rebuilt.rho, rebuilt.epsilon) == (0.1, 0.95, 1e-7)
    assert rebuilt.weight_decay == 0.3  # not float32's 0.30000001192092896


def test_a_changed_leaf_reports_its_new_value():
    opt = Adadelta(learning_rate=0.5, rho=0.9)
    doubled = jax.tree.map(lambda x: x * 2, opt)
    assert doubled.learning_rate == 1.0
    assert doubled.rho == pytest.approx(1.8)


def test_round_trip_reuses_compiled_code_and_computes_the_same():
    traces = []

    @jax.jit
    def step(opt, grads, state, params):
        traces.append(1)
        return opt.apply(grads, state, params)

    params = {"kernel": jnp.ones((2, 3)), "bias": jnp.zeros((3,))}
    grads = jax.tree.map(lambda p: jnp.full_like(p, 0.5), params)
    opt = Adam(
        learning_rate=schedules.CosineDecay(0.1, 10, warmup_target=0.5, warmup_steps=3),
        ema_momentum=np.float32(0.9),
        weight_decay=0.01,
        weight_decay_mask={"kernel": True, "bias": False},
    )
    state = opt.init(params)
    expected_params, _ = step(opt, grads, state, params)
    for rebuilt in round_trips(opt).values():
        got, _ = step(rebuilt, grads, state, params)
        assert jax.tree.all(jax.tree.map(jnp.array_equal, got, expected_params))
    assert len(traces) == 1


def test_from_config_rejects_an_unknown_serialized_schedule():
    with pytest.raises(ValueError, match="learning_rate"):
        Adadelta.from_config({"learning_rate": {"class_name": "Nope", "config": {}}})


def test_piecewise_boundaries_keep_their_type_and_keras_truncation():
    fractional = schedules.PiecewiseConstantDecay([2.5, 10.7], [1.0, 0.5, 0.25])
    assert fractional.get_config()["boundaries"] == [2.5, 10.7]
    whole = schedules.PiecewiseConstantDecay([np.int64(3), 9], [1.0, 0.5, 0.25])
    assert whole.get_config()["boundaries"] == [3, 9]
    assert all(type(b) is int for b in whole.get_config()["boundaries"])
    steps = jnp.arange(12, dtype=jnp.int32)
    # Boundaries are compared with the integer step after truncation, as in Keras: 2.5 acts as 2.
    as_ints = schedules.PiecewiseConstantDecay([2, 10], [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(np.asarray(fractional(steps)), np.asarray(as_ints(steps)))


def test_ahead_of_time_compilation_takes_an_optimizer():
    """jit(...).lower(...).compile() rebuilds the pytree with stand-ins (ArgInfo) as leaves."""
    opt = Adadelta(learning_rate=0.5, weight_decay=0.1)
    params = {"w": jnp.ones((3,))}
    compiled = jax.jit(Adadelta.apply).lower(opt, params, opt.init(params), params).compile()
    new_params, _ = compiled(opt, params, opt.init(params), params)
    expected, _ = opt.apply(params, opt.init(params), params)
    np.testing.assert_allclose(np.asarray(new_params["w"]), np.asarray(expected["w"]), rtol=1e-6)
