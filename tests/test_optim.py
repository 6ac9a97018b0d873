"""Invariants, validation, jit/vmap behaviour, compilation counts and optax cross-checks."""

from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from compile_count import compilations

from adadelta import SGD, Adadelta, Adagrad, Adam, RMSprop, schedules
from adadelta.optim import (
    AdadeltaSlots,
    AdagradSlots,
    AdamSlots,
    OptimizerState,
    RMSpropSlots,
    SGDSlots,
)

CLASSES = {"Adadelta": Adadelta, "Adagrad": Adagrad, "RMSprop": RMSprop, "SGD": SGD, "Adam": Adam}
SLOT_TYPES = {
    "Adadelta": AdadeltaSlots,
    "Adagrad": AdagradSlots,
    "RMSprop": RMSpropSlots,
    "SGD": SGDSlots,
    "Adam": AdamSlots,
}


def make_problem(seed=0, n_steps=20, zeros=True):
    rng = np.random.default_rng(seed)
    params = {
        "kernel": jnp.asarray(rng.normal(size=(3, 4)), jnp.float32),
        "bias": jnp.asarray(rng.normal(size=(4,)), jnp.float32),
        "scale": jnp.asarray(rng.normal(size=()), jnp.float32),
    }
    grads = []
    for t in range(n_steps):
        step = {}
        for key, value in params.items():
            g = rng.normal(scale=10.0 if t % 6 == 2 else 1.0, size=value.shape)
            if zeros:
                g = np.where(rng.random(value.shape) < 0.2, 0.0, g)
            step[key] = jnp.asarray(g, jnp.float32)
        grads.append(step)
    return params, grads


def stack(trees):
    return jax.tree.map(lambda *x: jnp.stack(x), *trees)


def max_rel_diff(a, b) -> float:
    diffs = jax.tree.map(
        lambda x, y: float(
            np.max(np.abs(np.asarray(x, np.float64) - y) / np.maximum(1.0, np.abs(y)), initial=0)
        ),
        a,
        b,
    )
    return max(jax.tree.leaves(diffs))


def eager_loop(opt, params, grads):
    state = opt.init(params)
    for g in grads:
        params, state = opt.apply(g, state, params)
    return params, state


@jax.jit
def jit_loop(opt, params, grads):
    """All steps in one jitted function (``grads`` stacked along a leading axis)."""

    def body(carry, g):
        params, state = carry
        return opt.apply(g, state, params), None

    (params, state), _ = jax.lax.scan(body, (params, opt.init(params)), grads)
    return params, state


# ----- jit == eager -----------------------------------------------------------------------------

JIT_CONFIGS = [
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"learning_rate": 1.0, "weight_decay": 0.1, "clipnorm": 1.0, "use_ema": True}),
    (
        "Adadelta",
        {
            "learning_rate": schedules.CosineDecay(0.1, 10, warmup_target=1.0, warmup_steps=4),
            "epsilon": 1e-3,
            "gradient_accumulation_steps": 3,
            "loss_scale_factor": 8.0,
            "use_ema": True,
            "ema_momentum": 0.5,
            "ema_overwrite_frequency": 2,
        },
    ),
    ("Adagrad", {"learning_rate": 0.5, "global_clipnorm": 2.0}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.9, "centered": True, "clipvalue": 1.0}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True, "gradient_accumulation_steps": 2}),
    ("Adam", {"learning_rate": lambda step: 0.01 / (1.0 + 0.1 * jnp.asarray(step, jnp.float32))}),
]


@pytest.mark.parametrize(
    ("name", "kwargs"), JIT_CONFIGS, ids=lambda x: re.sub(" at 0x[0-9a-f]+", "", str(x))[:60]
)
def test_jit_equals_eager(name, kwargs):
    opt = CLASSES[name](**kwargs)
    params, grads = make_problem(1)
    eager_params, eager_state = eager_loop(opt, params, grads)
    jit_params, jit_state = jit_loop(opt, params, stack(grads))
    assert max_rel_diff(jit_params, eager_params) <= 1e-6
    assert max_rel_diff(jit_state, eager_state) <= 1e-6
    assert (
        max_rel_diff(
            opt.finalize_variable_values(jit_params, jit_state),
            opt.finalize_variable_values(eager_params, eager_state),
        )
        <= 1e-6
    )


# ----- compilation counts -----------------------------------------------------------------------


def _counting_step():
    traces = []

    @jax.jit
    def step(opt, state, params, grads):
        traces.append(1)  # runs once per trace (= per compilation)
        return opt.apply(grads, state, params)

    return step, traces


COMPILE_FAMILIES = {
    "Adadelta": lambda i: Adadelta(
        learning_rate=0.5 + 0.01 * i,
        rho=0.9 + 0.001 * i,
        epsilon=1e-6 * (1 + i),
        weight_decay=0.01 * i,
        clipnorm=1.0 + i,
        use_ema=True,
        ema_momentum=0.5 + 0.005 * i,
        ema_overwrite_frequency=1 + i % 5,
        loss_scale_factor=2.0 + i,
        gradient_accumulation_steps=2 + i % 4,
    ),
    "Adadelta-schedule": lambda i: Adadelta(
        learning_rate=schedules.ExponentialDecay(1.0 + i, 2 + i, 0.5 + 0.005 * i),
        rho=0.5 + 0.01 * i,
        global_clipnorm=0.5 + i,
    ),
    "Adadelta-cosine-warmup": lambda i: Adadelta(
        learning_rate=schedules.CosineDecay(
            0.1 * i, 10 + i, alpha=0.01 * i, warmup_target=1.0 + i, warmup_steps=i
        ),
        clipvalue=0.1 + i,
    ),
    "Adagrad-piecewise": lambda i: Adagrad(
        learning_rate=schedules.PiecewiseConstantDecay([i, i + 3], [1.0, 0.5 + 0.01 * i, 0.1]),
        initial_accumulator_value=0.01 * i,
        epsilon=1e-7 * (1 + i),
        weight_decay=0.001 * i,
    ),
    "RMSprop": lambda i: RMSprop(
        learning_rate=schedules.CosineDecayRestarts(1.0, 2 + i, t_mul=1.0 + 0.1 * (i % 3)),
        rho=0.8 + 0.001 * i,
        momentum=0.5 + 0.001 * i,
        epsilon=1e-5 * (1 + i),
        centered=True,
    ),
    "SGD": lambda i: SGD(
        learning_rate=schedules.PolynomialDecay(0.1 + i, 5 + i, 0.01 * i, power=1.0 + i),
        momentum=0.1 + 0.01 * i,
        nesterov=True,
    ),
    "Adam": lambda i: Adam(
        learning_rate=schedules.InverseTimeDecay(0.01 * (i + 1), 1 + i, 0.1 * i),
        beta_1=0.5 + 0.005 * i,
        beta_2=0.9 + 0.001 * i,
        epsilon=1e-7 * (i + 1),
        amsgrad=True,
        loss_scale_factor=0.5 + i,
    ),
}


@pytest.mark.parametrize("family", list(COMPILE_FAMILIES))
def test_numeric_changes_do_not_recompile(family):
    step, traces = _counting_step()
    params, grads = make_problem(2, n_steps=1)
    make = COMPILE_FAMILIES[family]
    state = make(0).init(params)
    results = []
    for i in range(50):
        opt = make(i)
        results.append(step(opt, state, params, grads[0]))
    assert len(traces) == 1
    assert compilations(step) == 1
    # The leaves really are inputs: different hyperparameters give different results.
    assert max_rel_diff(results[0], results[-1]) > 0


def test_replace_keeps_the_compiled_code():
    step, traces = _counting_step()
    params, grads = make_problem(3, n_steps=1)
    base = Adadelta(
        learning_rate=1.0, weight_decay=0.1, clipnorm=1.0, gradient_accumulation_steps=2
    )
    state = base.init(params)
    changes = [
        {"learning_rate": 0.5},
        {"rho": 0.5},
        {"epsilon": 1e-3},
        {"weight_decay": 0.0},
        {"clipnorm": 3.0},
        {"gradient_accumulation_steps": 5},
    ]
    for change in changes:
        step(base.replace(**change), state, params, grads[0])
    assert len(traces) == 1


@pytest.mark.parametrize(
    "feature",
    [
        {"weight_decay": 0.1},
        {"clipnorm": 1.0},
        {"clipvalue": 1.0},
        {"global_clipnorm": 1.0},
        {"loss_scale_factor": 2.0},
        {"use_ema": True},
        {"learning_rate": schedules.ExponentialDecay(1.0, 2, 0.5)},
    ],
    ids=lambda f: next(iter(f)),
)
def test_switching_a_feature_on_compiles_exactly_once_more(feature):
    step, traces = _counting_step()
    params, grads = make_problem(4, n_steps=1)
    off = Adadelta(learning_rate=1.0)
    state = off.init(params)
    for lr in (1.0, 0.5, 0.25):
        step(off.replace(learning_rate=lr), state, params, grads[0])
    assert len(traces) == 1
    on = off.replace(**feature)
    on_state = on.init(params)
    for rho in (0.9, 0.8, 0.7):
        step(on.replace(rho=rho), on_state, params, grads[0])
    assert len(traces) == 2
    step(off, state, params, grads[0])  # the first compilation is still cached
    assert len(traces) == 2


def test_switching_accumulation_on_compiles_exactly_once_more():
    step, traces = _counting_step()
    params, grads = make_problem(4, n_steps=1)
    off = Adadelta(learning_rate=1.0)
    step(off, off.init(params), params, grads[0])
    on = off.replace(gradient_accumulation_steps=2)
    for n in (2, 3, 7):
        opt = on.replace(gradient_accumulation_steps=n)
        step(opt, on.init(params), params, grads[0])
    assert len(traces) == 2


def test_leaves_are_copied_to_the_device_once_and_the_arguments_kept_exact():
    opt = Adadelta(learning_rate=0.5, rho=0.9, epsilon=1e-6)
    first, second = jax.tree.leaves(opt), jax.tree.leaves(opt)
    assert all(isinstance(leaf, jax.Array) for leaf in first)
    assert all(a is b for a, b in zip(first, second))  # no new copy per jitted call
    assert (opt.rho, opt.epsilon, opt.learning_rate) == (0.9, 1e-6, 0.5)  # not float32-rounded
    assert opt.replace(rho=0.8).get_config() == {**opt.get_config(), "rho": 0.8}


def test_flattening_inside_a_trace_leaks_no_tracer():
    opt = Adadelta(learning_rate=0.5, weight_decay=0.1)

    @jax.jit
    def closes_over(x):
        return x * jax.tree.leaves(opt)[0]  # the first flatten happens while tracing

    closes_over(1.0)
    assert not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree.leaves(opt))
    params, grads = make_problem(1, n_steps=1)
    jax.jit(Adadelta.apply)(opt, grads[0], opt.init(params), params)  # a leaked tracer would raise


# ----- validation -------------------------------------------------------------------------------

BAD_ARGUMENTS = [
    # Keras-parity errors.
    (Adadelta, {"learning_rate": 1}, "learning_rate", "1"),
    (Adadelta, {"learning_rate": np.float32(0.1)}, "learning_rate", None),
    (Adadelta, {"learning_rate": "0.1"}, "learning_rate", "'0.1'"),
    (Adadelta, {"learning_rate": jnp.asarray(0.1)}, "learning_rate", None),
    (Adadelta, {"learning_rate": None}, "learning_rate", "None"),
    (Adadelta, {"clipnorm": 1.0, "clipvalue": 1.0}, "clipnorm", "1.0"),
    (Adadelta, {"clipnorm": 0.0, "clipvalue": 1.0}, "clipvalue", "1.0"),
    (Adagrad, {"global_clipnorm": 2.0, "clipvalue": 3.0}, "global_clipnorm", "2.0"),
    (Adadelta, {"lr": 0.1}, "lr", "0.1"),
    (SGD, {"beta_1": 0.9}, "beta_1", "0.9"),
    (Adam, {"rho": 0.9}, "rho", "0.9"),
    (Adadelta, {"gradient_accumulation_steps": 1}, "gradient_accumulation_steps", "1"),
    (Adadelta, {"gradient_accumulation_steps": -1}, "gradient_accumulation_steps", "-1"),
    (Adadelta, {"use_ema": True, "ema_momentum": 1.5}, "ema_momentum", "1.5"),
    (Adadelta, {"use_ema": True, "ema_momentum": -0.1}, "ema_momentum", "-0.1"),
    (Adadelta, {"use_ema": True, "ema_overwrite_frequency": 2.0}, "ema_overwrite_frequency", "2.0"),
    (Adadelta, {"use_ema": True, "ema_overwrite_frequency": -1}, "ema_overwrite_frequency", "-1"),
    # Our stricter checks.
    (Adadelta, {"gradient_accumulation_steps": 2.5}, "gradient_accumulation_steps", "2.5"),
    (Adadelta, {"gradient_accumulation_steps": True}, "gradient_accumulation_steps", "True"),
    (Adadelta, {"use_ema": True, "ema_overwrite_frequency": 0}, "ema_overwrite_frequency", "0"),
    (Adadelta, {"learning_rate": math.nan}, "learning_rate", "nan"),
    (Adadelta, {"learning_rate": math.inf}, "learning_rate", "inf"),
    (Adadelta, {"learning_rate": -math.inf}, "learning_rate", "-inf"),
    (Adadelta, {"rho": 1.5}, "rho", "1.5"),
    (Adadelta, {"rho": -0.1}, "rho", "-0.1"),
    (Adadelta, {"rho": math.nan}, "rho", "nan"),
    (Adadelta, {"epsilon": -1e-7}, "epsilon", "-1e-07"),
    (Adadelta, {"weight_decay": -0.1}, "weight_decay", "-0.1"),
    (Adadelta, {"weight_decay": "0.1"}, "weight_decay", "'0.1'"),
    (Adadelta, {"clipnorm": 0.0}, "clipnorm", "0.0"),
    (Adadelta, {"clipnorm": -1.0}, "clipnorm", "-1.0"),
    (Adadelta, {"clipvalue": 0.0}, "clipvalue", "0.0"),
    (Adadelta, {"global_clipnorm": -2.0}, "global_clipnorm", "-2.0"),
    (Adadelta, {"global_clipnorm": math.inf}, "global_clipnorm", "inf"),
    (Adadelta, {"loss_scale_factor": 0.0}, "loss_scale_factor", "0.0"),
    (Adadelta, {"loss_scale_factor": -4.0}, "loss_scale_factor", "-4.0"),
    (Adagrad, {"initial_accumulator_value": -0.1}, "initial_accumulator_value", "-0.1"),
    (Adagrad, {"epsilon": -1.0}, "epsilon", "-1.0"),
    (RMSprop, {"rho": 1.01}, "rho", "1.01"),
    (RMSprop, {"momentum": 1.5}, "momentum", "1.5"),
    (RMSprop, {"momentum": -0.5}, "momentum", "-0.5"),
    (RMSprop, {"epsilon": -1e-3}, "epsilon", "-0.001"),
    (SGD, {"momentum": -0.5}, "momentum", "-0.5"),
    (SGD, {"momentum": 1.5}, "momentum", "1.5"),
    (Adam, {"beta_1": 1.0}, "beta_1", "1.0"),
    (Adam, {"beta_2": 1.0}, "beta_2", "1.0"),
    (Adam, {"beta_1": -0.1}, "beta_1", "-0.1"),
    (Adam, {"epsilon": -1e-7}, "epsilon", "-1e-07"),
    (SGD, {"nesterov": "yes"}, "nesterov", "'yes'"),
    (RMSprop, {"centered": 1}, "centered", "1"),
]


@pytest.mark.parametrize(
    ("cls", "kwargs", "argument", "shown"),
    BAD_ARGUMENTS,
    ids=[f"{c.__name__}-{k}" for c, k, _, _ in BAD_ARGUMENTS],
)
def test_invalid_argument_raises_value_error_naming_it(cls, kwargs, argument, shown):
    with pytest.raises(ValueError) as info:
        cls(**kwargs)
    message = str(info.value)
    assert argument in message
    value = kwargs[argument]
    shown = shown if shown is not None else repr(value)
    assert shown in message or str(value) in message, message


STRICT_RANGE_MESSAGES = [
    (Adadelta, {"rho": 1.5}, r"\[0, 1\]"),
    (Adadelta, {"epsilon": -1.0}, r"\[0, inf\]"),
    (Adadelta, {"clipnorm": 0.0}, r"\(0, inf\]"),
    (Adadelta, {"gradient_accumulation_steps": 1}, r">= 2"),
    (Adadelta, {"use_ema": True, "ema_overwrite_frequency": 0}, r">= 1"),
    (Adam, {"beta_2": 1.0}, r"\[0, 1\)"),
]


@pytest.mark.parametrize(("cls", "kwargs", "pattern"), STRICT_RANGE_MESSAGES)
def test_invalid_argument_message_states_the_valid_range(cls, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        cls(**kwargs)


BAD_SCHEDULES = [
    (schedules.ExponentialDecay, (1.0, 0, 0.5), "decay_steps", "0"),
    (schedules.ExponentialDecay, (1.0, -3, 0.5), "decay_steps", "-3"),
    (schedules.InverseTimeDecay, (1.0, 0.0, 0.5), "decay_steps", "0.0"),
    (schedules.PolynomialDecay, (1.0, -1.0), "decay_steps", "-1.0"),
    (schedules.CosineDecay, (1.0, 0), "decay_steps", "0"),
    (schedules.CosineDecayRestarts, (1.0, 0), "first_decay_steps", "0"),
    (schedules.PiecewiseConstantDecay, ([1, 2], [1.0, 0.5]), "boundaries", "[1, 2]"),
    (schedules.PiecewiseConstantDecay, ([1], [1.0, 0.5, 0.1]), "values", "[1.0, 0.5, 0.1]"),
]


@pytest.mark.parametrize(("cls", "args", "argument", "shown"), BAD_SCHEDULES)
def test_invalid_schedule_raises_value_error(cls, args, argument, shown):
    with pytest.raises(ValueError) as info:
        cls(*args)
    assert argument in str(info.value)
    assert shown in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ema_momentum": 5.0},  # not validated without use_ema (Keras)
        {"ema_overwrite_frequency": 0},
        {"gradient_accumulation_steps": 0},
        {"gradient_accumulation_steps": None},
        {"learning_rate": 0.0},
        {"learning_rate": -0.5},
        {"learning_rate": np.float64(0.1)},
        {"rho": 0.0},
        {"rho": 1.0},
        {"epsilon": 0.0},
        {"weight_decay": 0.0},
        {"use_ema": True, "ema_momentum": 0.0},
        {"use_ema": True, "ema_momentum": 1.0},
    ],
)
def test_accepted_edge_arguments(kwargs):
    opt = Adadelta(**kwargs)
    params, grads = make_problem(5, n_steps=2, zeros=False)
    eager_loop(opt, params, grads)


def test_decay_argument_only_warns():
    with pytest.warns(UserWarning, match="decay"):
        opt = Adadelta(decay=0.1)
    assert not opt.accumulates


# ----- Adadelta / Adagrad invariants ------------------------------------------------------------


def test_adadelta_first_step_magnitude():
    """Δ₁ = -sqrt(ε)·g/sqrt((1-ρ)g²+ε) ≈ -sqrt(ε/(1-ρ))·sign(g) for (1-ρ)g² ≫ ε (spec §2)."""
    rho, eps, lr = 0.95, 1e-7, 0.5
    opt = Adadelta(learning_rate=lr, rho=rho, epsilon=eps)
    w = {"w": jnp.asarray([1.0, -2.0, 3.0, 0.5], jnp.float32)}
    g = {"w": jnp.asarray([0.3, -2.0, 50.0, -0.01], jnp.float32)}
    new, _ = opt.apply(g, opt.init(w), w)
    delta = (np.asarray(new["w"], np.float64) - np.asarray(w["w"])) / lr
    exact = -np.sqrt(eps) * np.asarray(g["w"]) / np.sqrt((1 - rho) * np.asarray(g["w"]) ** 2 + eps)
    np.testing.assert_allclose(delta, exact, rtol=1e-3)
    approx = -math.sqrt(eps / (1 - rho)) * np.sign(np.asarray(g["w"]))
    np.testing.assert_allclose(delta[:3], approx[:3], rtol=1e-3)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("epsilon", [1e-10, 1e-7, 3e-5, 1e-2, 0.7])
def test_adadelta_with_rho_one_is_exactly_sgd(epsilon, jit):
    """ρ = 1 keeps both averages at 0, so RMS[Δx]/RMS[g] = √ε/√ε = 1 and Δ = −g (spec §2)."""
    opt = Adadelta(learning_rate=1.0, rho=1.0, epsilon=epsilon)
    rng = np.random.default_rng(0)
    w = {"w": jnp.asarray(rng.normal(size=64), jnp.float32)}
    state = opt.init(w)
    step = jax.jit(opt.step) if jit else opt.step
    for _ in range(3):
        g = {"w": jnp.asarray(rng.normal(scale=10.0, size=64), jnp.float32)}
        expected = np.asarray(w["w"]) - np.asarray(g["w"])  # one float32 subtraction
        w, state, info = step(g, state, w)
        np.testing.assert_array_equal(np.asarray(w["w"]), expected)
        assert np.all(np.asarray(info.effective_lr["w"]) == 1.0)
        assert not np.any(np.asarray(state.slots.avg_sq_grad["w"]))
        assert not np.any(np.asarray(state.slots.avg_sq_update["w"]))


def test_adadelta_near_scale_invariance():
    params, grads = make_problem(6, zeros=False)
    opt = Adadelta(learning_rate=1.0)
    ref, _ = eager_loop(opt, params, grads)
    scaled, _ = eager_loop(opt, params, [jax.tree.map(lambda g: g * 1000.0, g) for g in grads])
    moved = jax.tree.map(lambda r, p: np.abs(np.asarray(r) - p).max(), ref, params)
    diff = jax.tree.map(lambda a, b: np.abs(np.asarray(a) - b).max(), scaled, ref)
    for key in params:
        assert diff[key] <= 1e-3 * moved[key]
    # ... which is why a large epsilon is needed to see loss-scale mistakes.
    big_eps = Adadelta(learning_rate=1.0, epsilon=1e-2)
    ref, _ = eager_loop(big_eps, params, grads)
    scaled, _ = eager_loop(big_eps, params, [jax.tree.map(lambda g: g * 4.0, g) for g in grads])
    assert max_rel_diff(scaled, ref) > 1e-3


def test_adadelta_rho_one_is_sgd():
    params, grads = make_problem(7)
    a, _ = eager_loop(Adadelta(learning_rate=0.1, rho=1.0), params, grads)
    b, _ = eager_loop(SGD(learning_rate=0.1), params, grads)
    assert max_rel_diff(a, b) <= 1e-6


@pytest.mark.parametrize("name", list(CLASSES))
def test_state_shapes_and_dtypes(name):
    opt = CLASSES[name](
        use_ema=True, gradient_accumulation_steps=2, learning_rate=0.1, weight_decay=0.1
    )
    params, grads = make_problem(8, n_steps=3)
    state = opt.init(params)
    assert isinstance(state, OptimizerState)
    assert isinstance(state.slots, SLOT_TYPES[name])
    for g in grads:
        new_params, new_state = opt.apply(g, state, params)
        for tree in (new_params, state.ema, state.grad_accumulator, *state.slots):
            assert jax.tree.structure(tree) == jax.tree.structure(params)
            for leaf, ref in zip(jax.tree.leaves(tree), jax.tree.leaves(params)):
                assert leaf.shape == ref.shape
                assert leaf.dtype == ref.dtype == jnp.float32
        assert jax.tree.structure(new_state) == jax.tree.structure(state)
        assert new_state.count.dtype == jnp.int32 and new_state.count.shape == ()
        params, state = new_params, new_state
    assert int(state.count) == 3


def test_state_without_optional_features_is_none():
    opt = Adadelta()
    state = opt.init(make_problem(0, n_steps=1)[0])
    assert state.ema is None and state.grad_accumulator is None


def test_adagrad_initial_accumulator():
    params, _ = make_problem(9, n_steps=1)
    state = Adagrad(initial_accumulator_value=0.25).init(params)
    for leaf in jax.tree.leaves(state.slots.accumulator):
        np.testing.assert_array_equal(np.asarray(leaf), np.float32(0.25))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("Adadelta", {"learning_rate": 1.0}),
        ("Adadelta", {"learning_rate": 0.5, "rho": 0.8, "epsilon": 1e-3, "clipnorm": 2.0}),
        ("Adadelta", {"learning_rate": schedules.ExponentialDecay(1.0, 3, 0.7)}),
        ("Adagrad", {"learning_rate": 0.5}),
        ("Adagrad", {"learning_rate": 0.5, "initial_accumulator_value": 0.0, "epsilon": 1e-3}),
    ],
)
def test_effective_learning_rate_matches_spec(name, kwargs):
    """Spec §4: Δw = -η_t ⊙ g (g = the processed gradient) without weight decay."""
    opt = CLASSES[name](**kwargs)
    params, grads = make_problem(10)
    state = opt.init(params)
    for g in grads:
        # η_t from the spec's formula, computed from the state before the call.
        lr = opt.learning_rate_at(state.count)
        new_params, new_state, info = opt.step(g, state, params)
        clipped = info.grads.clipped
        if name == "Adadelta":
            rho, eps = opt.rho, opt.epsilon

            def expected(eg, edx, gc, rho=rho, eps=eps, lr=lr):
                eg_t = rho * eg + (1 - rho) * gc**2
                return lr * jnp.sqrt(edx + eps) / jnp.sqrt(eg_t + eps)

            eta = jax.tree.map(
                expected, state.slots.avg_sq_grad, state.slots.avg_sq_update, clipped
            )
        else:
            eps = opt.epsilon
            eta = jax.tree.map(
                lambda a, gc, eps=eps, lr=lr: lr / jnp.sqrt(a + gc**2 + eps),
                state.slots.accumulator,
                clipped,
            )
        assert max_rel_diff(info.effective_lr, eta) <= 1e-6
        step = jax.tree.map(jnp.subtract, new_params, params)
        predicted = jax.tree.map(lambda e, gc: -e * gc, info.effective_lr, clipped)
        diff = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - b))), step, predicted)
        assert max(jax.tree.leaves(diff)) <= 2.5e-7
        params, state = new_params, new_state


def test_effective_learning_rate_with_weight_decay():
    """Spec §4: w_t = w_{t-1}(1 - ηλ) - η_t ⊙ g_t."""
    lr, wd = 0.5, 0.1
    opt = Adadelta(learning_rate=lr, weight_decay=wd)
    params, grads = make_problem(11)
    state = opt.init(params)
    for g in grads:
        new_params, state, info = opt.step(g, state, params)
        predicted = jax.tree.map(
            lambda w, e, gc: w * (1 - lr * wd) - e * gc, params, info.effective_lr, g
        )
        diff = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - b))), new_params, predicted)
        assert max(jax.tree.leaves(diff)) <= 1e-6
        params = new_params


def test_micro_steps():
    n = 3
    opt = Adadelta(learning_rate=1.0, gradient_accumulation_steps=n, weight_decay=0.1)
    params, grads = make_problem(12, n_steps=9)
    state = opt.init(params)
    flags, iterations = [], []
    for k, g in enumerate(grads):
        new_params, new_state, info = opt.step(g, state, params)
        flags.append(bool(info.is_update_step))
        iterations.append(int(info.iterations))
        if not info.is_update_step:
            assert max_rel_diff(new_params, params) == 0.0
            assert max_rel_diff(new_state.slots, state.slots) == 0.0
            for leaf in jax.tree.leaves(info.effective_lr):
                assert np.isnan(np.asarray(leaf)).all()
            # the accumulator holds the sum of the micro-gradients since the last update
            expected_sum = jax.tree.map(lambda *x: sum(x), *grads[k - k % n : k + 1])
            assert max_rel_diff(new_state.grad_accumulator, expected_sum) <= 1e-6
        else:
            assert max_rel_diff(new_params, params) > 0.0
            for leaf in jax.tree.leaves(new_state.grad_accumulator):
                np.testing.assert_array_equal(np.asarray(leaf), 0.0)
            mean = jax.tree.map(lambda *x: sum(x) / n, *grads[k - n + 1 : k + 1])
            assert max_rel_diff(info.grads.accumulated, mean) <= 1e-6
        params, state = new_params, new_state
    assert flags == [False, False, True] * 3
    assert iterations == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert int(state.count) == 9


def test_micro_steps_see_the_raw_counter_schedule():
    """Schedules are evaluated at the raw counter k (spec §5.4): updates use lr(1), lr(3), ..."""
    schedule = schedules.ExponentialDecay(1.0, 1, 0.5)
    opt = Adadelta(learning_rate=schedule, gradient_accumulation_steps=2)
    params, grads = make_problem(13, n_steps=6)
    state = opt.init(params)
    for k, g in enumerate(grads):
        params, state, info = opt.step(g, state, params)
        assert float(info.learning_rate) == pytest.approx(0.5**k, rel=1e-6)


# ----- optax cross-checks -----------------------------------------------------------------------


def run_optax(tx, params, grads):
    state = tx.init(params)
    for g in grads:
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
    return params


OPTAX_CASES = [
    pytest.param(
        Adadelta(learning_rate=1.0, rho=0.9, epsilon=1e-6),
        optax.adadelta(learning_rate=1.0, rho=0.9, eps=1e-6),
        True,
        id="adadelta",
    ),
    pytest.param(
        Adadelta(learning_rate=0.3, epsilon=1e-3),
        optax.adadelta(learning_rate=0.3, rho=0.95, eps=1e-3),
        True,
        id="adadelta-lr0.3",
    ),
    pytest.param(
        Adagrad(learning_rate=0.5, initial_accumulator_value=0.1, epsilon=1e-7),
        optax.adagrad(learning_rate=0.5, initial_accumulator_value=0.1, eps=1e-7),
        True,
        id="adagrad",
    ),
    # Keras's Adam epsilon is "epsilon hat" (added to sqrt(v), not to sqrt(v_hat) as optax does):
    # the effective optax epsilon is ε/sqrt(1-β₂ᵗ), up to 30x larger. With ε=1e-7 that already
    # moves elements with small gradients by 1.4e-6 after 20 steps, so compare with ε=1e-10
    # (and no zero gradients, which would give 0/0 at ε → 0).
    pytest.param(
        Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-10),
        optax.adam(learning_rate=0.01, b1=0.9, b2=0.999, eps=1e-10, eps_root=0.0),
        False,
        id="adam",
    ),
    pytest.param(SGD(learning_rate=0.05), optax.sgd(learning_rate=0.05), True, id="sgd"),
    pytest.param(
        SGD(learning_rate=0.05, momentum=0.9),
        optax.sgd(learning_rate=0.05, momentum=0.9),
        True,
        id="sgd-momentum",
    ),
    pytest.param(
        SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
        optax.sgd(learning_rate=0.05, momentum=0.9, nesterov=True),
        True,
        id="sgd-nesterov",
    ),
    # optax.rmsprop's default eps_in_sqrt=True puts ε inside the root, as Keras does; momentum
    # is a trace of the lr-scaled steps, as in Keras.
    pytest.param(
        RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-7),
        optax.rmsprop(learning_rate=0.01, decay=0.9, eps=1e-7),
        True,
        id="rmsprop",
    ),
    pytest.param(
        RMSprop(learning_rate=0.01, rho=0.8, epsilon=1e-4, momentum=0.9, centered=True),
        optax.rmsprop(learning_rate=0.01, decay=0.8, eps=1e-4, momentum=0.9, centered=True),
        True,
        id="rmsprop-centered-momentum",
    ),
    # Keras's decoupled weight decay (spec §12).
    pytest.param(
        Adadelta(learning_rate=0.7, rho=0.9, epsilon=1e-4, weight_decay=0.1),
        optax.chain(
            optax.scale_by_adadelta(rho=0.9, eps=1e-4),
            optax.add_decayed_weights(0.1),
            optax.scale_by_learning_rate(0.7),
        ),
        True,
        id="adadelta-decoupled-weight-decay",
    ),
]


@pytest.mark.parametrize(("ours", "tx", "zeros"), OPTAX_CASES)
def test_matches_optax(ours, tx, zeros):
    params, grads = make_problem(14, zeros=zeros)
    expected = run_optax(tx, params, grads)
    got, _ = eager_loop(ours, params, grads)
    assert max_rel_diff(got, expected) <= 1e-6
    moved = max_rel_diff(got, params)
    assert moved > 1e-3  # the comparison is not vacuous


def test_rmsprop_has_no_nesterov():
    """Keras's RMSprop has no Nesterov variant (so optax.rmsprop(nesterov=True) is not compared):
    the keyword is unknown, which Keras reports as a ValueError."""
    with pytest.raises(ValueError, match="nesterov"):
        RMSprop(nesterov=True)


def test_optax_coupled_weight_decay_differs():
    """optax.adadelta(weight_decay=λ) is coupled (spec §12): it must NOT match Keras's form."""
    params, grads = make_problem(15)
    ours, _ = eager_loop(Adadelta(learning_rate=1.0, weight_decay=0.1), params, grads)
    theirs = run_optax(
        optax.adadelta(learning_rate=1.0, rho=0.95, eps=1e-7, weight_decay=0.1), params, grads
    )
    assert max_rel_diff(ours, theirs) > 1e-3


# ----- vmap over optimizers, optax training loop ------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda i: Adadelta(
            learning_rate=0.5 + 0.25 * i,
            rho=0.9 - 0.05 * i,
            epsilon=10.0 ** (-3 - i),
            weight_decay=0.05 * i,
            use_ema=True,
            ema_momentum=0.5 + 0.2 * i,
        ),
        lambda i: Adagrad(
            learning_rate=schedules.CosineDecay(1.0, 5 + i, alpha=0.1 * i),
            initial_accumulator_value=0.1 * (i + 1),
            clipnorm=1.0 + i,
            gradient_accumulation_steps=2 + i,
        ),
        lambda i: Adam(learning_rate=0.01 * (i + 1), beta_1=0.5 + 0.2 * i, global_clipnorm=1.0 + i),
    ],
    ids=["adadelta", "adagrad-accumulation", "adam"],
)
def test_vmap_over_a_stack_of_optimizers(make):
    opts = [make(i) for i in range(3)]
    params, grads = make_problem(16, n_steps=10)
    batch = jax.tree.map(lambda *x: jnp.stack(x), *opts)

    @jax.jit
    def run(opt):
        def body(carry, g):
            p, s = carry
            p, s, _ = opt.step(g, s, p)
            return (p, s), None

        (p, s), _ = jax.lax.scan(body, (params, opt.init(params)), stack(grads))
        return opt.finalize_variable_values(p, s), s

    batched_params, batched_state = jax.vmap(run)(batch)
    for i, opt in enumerate(opts):
        loop_params, loop_state = eager_loop(opt, params, grads)
        expected = opt.finalize_variable_values(loop_params, loop_state)
        got = jax.tree.map(lambda x, i=i: x[i], batched_params)
        assert max_rel_diff(got, expected) <= 1e-6
        got_state = jax.tree.map(lambda x, i=i: x[i], batched_state)
        assert max_rel_diff(got_state, loop_state) <= 1e-6


def test_optax_training_loop():
    """Used as an optax GradientTransformation: jit, jax.grad, optax.apply_updates."""
    rng = np.random.default_rng(17)
    x = jnp.asarray(rng.normal(size=(32, 3)), jnp.float32)
    y = x @ jnp.asarray([1.0, -2.0, 0.5], jnp.float32) + 0.3
    params = {"w": jnp.zeros((3,), jnp.float32), "b": jnp.zeros((), jnp.float32)}

    def loss(p):
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    tx = Adadelta(learning_rate=1.0, epsilon=1e-3)

    @jax.jit
    def train_step(p, s):
        value, g = jax.value_and_grad(loss)(p)
        updates, s = tx.update(g, s, p)
        return optax.apply_updates(p, updates), s, value

    state = tx.init(params)
    p = params
    first = None
    for _ in range(300):
        p, state, value = train_step(p, state)
        first = value if first is None else first
    assert float(loss(p)) < 0.1 * float(first)

    # Identical to the apply() path (jitted too: that eager apply() equals jitted apply() is
    # test_jit_equals_eager's fact; 300 eager steps cost ~30 s here).
    @jax.jit
    def apply_step(q, s):
        return tx.apply(jax.grad(loss)(q), s, q)

    q, s2 = params, tx.init(params)
    for _ in range(300):
        q, s2 = apply_step(q, s2)
    assert max_rel_diff(p, q) <= 1e-5


def test_optax_chain_compatibility():
    """Ours composes with optax transformations (here: optax clipping first)."""
    params, grads = make_problem(18)
    tx = optax.chain(optax.clip_by_global_norm(1.0), Adadelta(learning_rate=1.0))
    state = tx.init(params)
    p = params
    for g in grads:
        updates, state = tx.update(g, state, p)
        p = optax.apply_updates(p, updates)
    ours, _ = eager_loop(Adadelta(learning_rate=1.0, global_clipnorm=1.0), params, grads)
    assert max_rel_diff(p, ours) <= 1e-5


def test_update_requires_params():
    opt = Adadelta()
    params, grads = make_problem(19, n_steps=1)
    with pytest.raises(ValueError, match=re.escape("params")):
        opt.update(grads[0], opt.init(params))


# ----- Keras-parity gaps found while writing these tests (see the report) -----------------------


@pytest.mark.parametrize("momentum", [0, 1, np.float32(0.5)], ids=["int0", "int1", "np.float32"])
def test_sgd_momentum_must_be_a_python_float_like_keras(momentum):
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=momentum)


@pytest.mark.parametrize(("cls", "default"), [(Adadelta, "adadelta"), (Adagrad, "adagrad")])
def test_name_none_means_the_default_name_like_keras(cls, default):
    # Keras 3 turns name=None into the class's default name (spec: "adadelta", numbered
    # "adadelta_1", ... on repeats, which has no numeric effect and is not reproduced).
    optimizer = cls(name=None)
    assert optimizer.name == default
    assert optimizer.get_config()["name"] == default
