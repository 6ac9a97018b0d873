"""Every array keeps its dtype through every stage: float16, bfloat16, float32, float64 (x64).

Keras's slots follow the variable's dtype, and its hyperparameters are Python floats, which
JAX treats as weakly typed: dividing a float16 gradient by ``loss_scale_factor=4.0`` stays
float16 (spec §10). A strongly typed float32 hyperparameter would promote it, and a
``lax.scan`` carrying the state would then fail on the carry's type. These tests check the
state, the new params and every stage ``StepInfo`` reports, eagerly and in a scan. float64
needs ``jax_enable_x64``, which must not leak into the rest of the suite: those checks run in a
subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from adadelta import SGD, Adadelta, Adagrad, Adam, RMSprop, schedules

CLASSES = {"Adadelta": Adadelta, "Adagrad": Adagrad, "RMSprop": RMSprop, "SGD": SGD, "Adam": Adam}
RULE_KWARGS = {
    "Adadelta": {"learning_rate": 1.0, "epsilon": 1e-3},
    "Adagrad": {"learning_rate": 0.5},
    "RMSprop": {"learning_rate": 0.01, "momentum": 0.9, "centered": True},
    "SGD": {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    "Adam": {"learning_rate": 0.01, "amsgrad": True},
}
# Every stage of the pipeline, alone and all together.
STAGES = {
    "rule": {},
    "loss_scale+accumulation": {"loss_scale_factor": 4.0, "gradient_accumulation_steps": 2},
    "clipnorm": {"clipnorm": 1.0},
    "clipvalue": {"clipvalue": 0.5},
    "global_clipnorm": {"global_clipnorm": 1.0},
    "weight_decay": {"weight_decay": 0.1},
    "ema+overwrite": {"use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 2},
    "everything": {
        "learning_rate": schedules.ExponentialDecay(0.5, 3, 0.5),
        "loss_scale_factor": 0.25,
        "gradient_accumulation_steps": 3,
        "global_clipnorm": 2.0,
        "weight_decay": 0.1,
        "use_ema": True,
        "ema_overwrite_frequency": 1,
    },
}
DTYPES = ["float16", "bfloat16", "float32"]


def make_optimizer(name: str, stage: str):
    return CLASSES[name](**{**RULE_KWARGS[name], **STAGES[stage]})


def make_problem(dtype, n_steps=6, seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"kernel": (3, 4), "bias": (4,), "scale": ()}
    params = {k: jnp.asarray(rng.normal(size=s), dtype) for k, s in shapes.items()}
    grads = [
        {k: jnp.asarray(rng.normal(scale=3.0, size=s), dtype) for k, s in shapes.items()}
        for _ in range(n_steps)
    ]
    return params, grads


def dtypes_of(tree) -> set[str]:
    return {str(leaf.dtype) for leaf in jax.tree.leaves(tree)}


def assert_all_dtype(tree, dtype, what: str) -> None:
    assert dtypes_of(tree) <= {dtype}, f"{what}: {dtypes_of(tree)} instead of {dtype}"


def assert_step_keeps_dtype(new_params, new_state, info, dtype) -> None:
    assert_all_dtype(new_params, dtype, "new params")
    assert_all_dtype((new_state.slots, new_state.grad_accumulator, new_state.ema), dtype, "state")
    assert new_state.count.dtype == jnp.int32
    # Every stage StepInfo reports: the gradient and the params after each stage, the slots
    # before and after, the EMA, the effective learning rate.
    for field, tree in info._asdict().items():
        if field not in ("learning_rate", "is_update_step", "iterations"):
            assert_all_dtype(tree, dtype, f"StepInfo.{field}")
    assert info.learning_rate.dtype == jnp.float32  # Keras's learning_rate is a float32 variable


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stage", list(STAGES))
@pytest.mark.parametrize("name", list(CLASSES))
def test_every_stage_keeps_the_dtype(name, stage, dtype):
    opt = make_optimizer(name, stage)
    params, grads = make_problem(dtype)
    state = opt.init(params)
    assert_all_dtype((state.slots, state.grad_accumulator, state.ema), dtype, "initial state")
    for g in grads:
        new_params, new_state, info = opt.step(g, state, params)
        assert_step_keeps_dtype(new_params, new_state, info, dtype)
        params, state = new_params, new_state


@jax.jit
def scan_steps(opt, params, grads):
    def body(carry, g):
        params, state = carry
        new_params, new_state, info = opt.step(g, state, params)
        return (new_params, new_state), info

    return jax.lax.scan(body, (params, opt.init(params)), grads)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CLASSES))
def test_scan_carries_the_state_at_every_dtype(name, dtype):
    """The issue's failure: a scan's carry must keep its type with every stage switched on."""
    opt = make_optimizer(name, "everything")
    params, grads = make_problem(dtype, n_steps=9)
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *grads)
    (final_params, final_state), infos = scan_steps(opt, params, stacked)
    assert_all_dtype((final_params, final_state.slots, final_state.ema), dtype, "scan carry")
    assert_all_dtype(final_state.grad_accumulator, dtype, "scan carry")
    assert_all_dtype((infos.grads, infos.effective_lr), dtype, "stacked stages")
    assert int(final_state.count) == 9
    moved = jax.tree.map(lambda a, b: bool(jnp.any(a != b)), final_params, params)
    assert all(jax.tree.leaves(moved))


@pytest.mark.parametrize("name", list(CLASSES))
def test_params_of_mixed_dtypes_keep_each_their_own(name):
    """Global clipping joins gradients of different dtypes; each array keeps its own."""
    opt = make_optimizer(name, "everything")
    params = {
        "half": jnp.asarray([0.5, -1.0, 2.0], jnp.float16),
        "brain": jnp.asarray([[1.0, -0.25]], jnp.bfloat16),
        "single": jnp.asarray(3.0, jnp.float32),
    }
    state = opt.init(params)
    for t in range(4):
        grads = jax.tree.map(lambda p, t=t: jnp.full_like(p, 2.0 - t), params)
        params, state, info = opt.step(grads, state, params)
        for key, dtype in (("half", "float16"), ("brain", "bfloat16"), ("single", "float32")):
            pick = lambda tree, key=key: tree[key]  # noqa: E731
            assert_all_dtype(pick(params), dtype, key)
            assert_all_dtype([pick(s) for s in state.slots], dtype, key)
            assert_all_dtype([pick(state.ema), pick(state.grad_accumulator)], dtype, key)
            assert_all_dtype(pick(info.grads.clipped), dtype, key)


def test_state_keeps_the_params_dtype_for_gradients_of_another_dtype():
    """float32 gradients for bfloat16 params: the state stays bfloat16 (Keras's assign casts)."""
    opt = make_optimizer("Adadelta", "everything")
    params, grads = make_problem("bfloat16")
    state = opt.init(params)
    for g in grads:
        g32 = jax.tree.map(lambda x: x.astype(jnp.float32), g)
        params, state, _ = opt.step(g32, state, params)
        assert_all_dtype((params, state.slots, state.grad_accumulator, state.ema), "bfloat16", "")


def test_sixteen_bit_adadelta_takes_keras_order_where_the_reciprocal_overflows():
    """With the default ε = 1e-7, 1/(E[Δx²]+ε) is inf in float16; Keras's order is finite."""
    opt = Adadelta(learning_rate=1.0)
    params = {"w": jnp.asarray([1.0, -2.0, 0.5], jnp.float16)}
    grads = {"w": jnp.asarray([0.1, -0.2, 3.0], jnp.float16)}
    new_params, _ = opt.apply(grads, opt.init(params), params)
    assert bool(jnp.all(jnp.isfinite(new_params["w"])))
    assert bool(jnp.all(new_params["w"] != params["w"]))
    # Δ₁ = −√ε·g/√((1−ρ)g²+ε), every operation rounded to float16 as Keras does it.
    f16 = np.float16
    g = np.asarray(grads["w"])
    eg = f16(0.05) * (g * g)
    delta = -(np.sqrt(f16(1e-7) + np.zeros_like(g)) * g) / np.sqrt(eg + f16(1e-7))
    np.testing.assert_array_equal(np.asarray(new_params["w"]), np.asarray(params["w"]) + delta)


X64_SCRIPT = textwrap.dedent(
    """
    import json
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    import test_dtypes as T

    report = {}
    for name in T.CLASSES:
        for stage in T.STAGES:
            opt = T.make_optimizer(name, stage)
            params, grads = T.make_problem("float64")
            state = opt.init(params)
            for g in grads:
                new_params, new_state, info = opt.step(g, state, params)
                T.assert_step_keeps_dtype(new_params, new_state, info, "float64")
                params, state = new_params, new_state
        opt = T.make_optimizer(name, "everything")
        params, grads = T.make_problem("float64", n_steps=9)
        stacked = jax.tree.map(lambda *x: jnp.stack(x), *grads)
        (final, final_state), _ = T.scan_steps(opt, params, stacked)
        T.assert_all_dtype((final, final_state.slots, final_state.ema), "float64", "scan")
        # float32 params under x64: weakly typed float64 hyperparameters do not promote them.
        params32, grads32 = T.make_problem("float32")
        state = opt.init(params32)
        for g in grads32:
            params32, state, info = opt.step(g, state, params32)
            T.assert_step_keeps_dtype(params32, state, info, "float32")
        report[name] = {k: np.asarray(v).tolist() for k, v in params32.items()}

    # float64 really computes in float64: Adadelta's first step against the formula (spec §2).
    rho, eps = 0.95, 1e-7
    w = np.array([1.0, -2.0, 0.5, 3.0])
    g = np.array([0.3, -2.0, 1e-3, 50.0])
    opt = T.Adadelta(learning_rate=1.0, rho=rho, epsilon=eps)
    params = {"w": jnp.asarray(w)}
    new, _ = opt.apply({"w": jnp.asarray(g)}, opt.init(params), params)
    exact = w - np.sqrt(eps) * g / np.sqrt((1 - rho) * g**2 + eps)
    report["first_step_error"] = float(np.max(np.abs(np.asarray(new["w"]) - exact)))
    print(json.dumps(report))
    """
)


def test_float64_with_x64_and_float32_unchanged_by_it():
    """Under x64: float64 everywhere, and float32 params give bit for bit the results they give
    without x64 (the hyperparameters do not promote them)."""
    result = subprocess.run(
        [sys.executable, "-c", X64_SCRIPT],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # Double precision: the float32 version of this step is off by ~1e-7.
    assert report.pop("first_step_error") < 1e-15
    for name, x64_params in report.items():
        opt = make_optimizer(name, "everything")
        params, grads = make_problem("float32")
        state = opt.init(params)
        for g in grads:
            params, state = opt.apply(g, state, params)
        for key, value in params.items():
            np.testing.assert_array_equal(
                np.asarray(value), np.asarray(x64_params[key], np.float32)
            )
