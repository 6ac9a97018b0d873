"""Conformance in float16 and bfloat16: every optimizer and every stage against real Keras.

Keras keeps each variable's dtype: its slots follow the variable, the gradient keeps its
dtype through unscaling, accumulation and clipping (the hyperparameters are Python floats,
weakly typed in JAX), and η and the gradient are cast to the variable's dtype in the update
rule (spec §10). The variables and gradients below are float16 or bfloat16 in both libraries.

Measured with keras 3.15.1, jax 0.10.2 on CPU as ``|ours − keras| / max(1, |keras|)`` over
every variable after every call: (a) every optimizer × {no feature, each of the 13 features
of ``test_conformance_keras``} × both dtypes, 24 calls, both modes of both libraries;
(b) every optimizer × 4 learning-rate schedules or callables × {nothing, weight decay,
accumulation + global clipping + weight decay + EMA} × both dtypes, 12 calls, jitted:

==============================================  ==========================  ===========
comparison                                      float16                     bfloat16
==============================================  ==========================  ===========
our eager ``apply`` vs Keras's eager ``apply``   0 (a)                       0 (a)
our jitted ``apply`` vs Keras's jitted           0 (a); 1.43e-3 = 1.46 ε     0 (a, b)
``stateless_apply``                             with schedule + weight
                                                decay (b), else 0
ours vs Keras in the other mode                 1.6e-3                      2.4e-4
Keras eager vs Keras jitted (its own spread)    1.6e-3                      2.4e-4
==============================================  ==========================  ===========

(ε is the dtype's machine epsilon: 2⁻¹⁰ for float16, 2⁻⁷ for bfloat16.) So eagerly we compute
bit for bit what Keras computes: the same operations in the same order on the same dtype
(Adadelta's 16-bit rule uses Keras's order, see ``adadelta.py``). Jitted, the two programs
are compiled separately, and XLA may keep 16-bit intermediates in float32 inside a fused
kernel; where a schedule computes η inside the step and weight decay multiplies by it, one
or two float16 roundings then come out differently (eagerly, those we checked agree bit for
bit). The tolerances are therefore, relative to ``max(1, |keras|)``:

* eager, both dtypes: **0** (bit for bit);
* jitted, float16: **2 ε ≈ 1.95e-3** (measured 1.46 ε); jitted, bfloat16: **0**.

One 16-bit rounding is already 2⁻¹¹ or 2⁻⁸ relative, so a looser tolerance would hide real
mistakes (the negative controls below). Across modes only Keras's own spread separates us,
so each configuration is compared in one mode: eager Keras is slow where ``lax.cond``
re-traces (accumulation) and for schedules, which run jitted; the others alternate, so both
modes are covered in both dtypes.
"""

from __future__ import annotations

import itertools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from keras_oracle import OPTIMIZERS, SLOT_ATTRIBUTES, keras_run
from test_conformance_keras import (
    FEATURES,
    _jit_apply,
    build_kwargs,
    make_problem,
    relative_error,
    to_tree,
)

import adadelta

N_STEPS = 12  # divisible by 2 and 3, the accumulation steps tested
# Tolerance of the jitted comparison, in units of the dtype's epsilon (see above).
JIT_ULPS = {"float16": 2, "bfloat16": 0}
DTYPES = ("float16", "bfloat16")
# Several stages at once, one with a schedule (cast from float32 to the variable's dtype).
COMBINATIONS = {
    "combo-accumulate+loss_scale+clipnorm+ema_overwrite": (
        ("accumulate_3", "loss_scale", "clipnorm", "ema_overwrite"),
        None,
    ),
    "combo-accumulate+global_clipnorm+weight_decay+ema-exponential": (
        ("accumulate_2", "global_clipnorm", "weight_decay", "ema"),
        "exponential",
    ),
}


def configurations() -> list[Any]:
    cases = []
    seed = itertools.count(5000)
    alternate = itertools.cycle(["eager", "jit"])
    for dtype in DTYPES:
        for name in OPTIMIZERS:
            runs = {"rule": ((), None), **{f: ((f,), None) for f in FEATURES}, **COMBINATIONS}
            for label, (features, lr_kind) in runs.items():
                kwargs = build_kwargs(name, 0, features, lr_kind)
                slow = kwargs.get("gradient_accumulation_steps") or lr_kind is not None
                mode = "jit" if slow else next(alternate)
                cases.append(
                    pytest.param(
                        name, kwargs, dtype, mode, next(seed), id=f"{dtype}-{name}-{label}"
                    )
                )
    return cases


def run_ours(opt, w0, grads, dtype, *, jit: bool):
    params = to_tree([jnp.asarray(w, dtype) for w in w0])
    state = opt.init(params)
    trajectory = []
    for step_grads in grads:
        g = to_tree([jnp.asarray(x, dtype) for x in step_grads])
        if jit:
            params, state = _jit_apply(opt, g, state, params)
        else:
            params, state = opt.apply(g, state, params)
        trajectory.append(jax.tree.leaves(params))
    return trajectory, state, params


def assert_matches(ours: jax.Array, keras: np.ndarray, dtype: str, mode: str, what: str) -> None:
    """The same dtype; the same values eagerly, within ``JIT_ULPS`` epsilons jitted."""
    assert str(ours.dtype) == dtype, f"{what}: {ours.dtype}"
    ours = np.asarray(ours, np.float32)
    if mode == "eager":
        np.testing.assert_array_equal(ours, keras, err_msg=what)
        return
    tolerance = JIT_ULPS[dtype] * float(jnp.finfo(dtype).eps)
    err = relative_error(ours, keras)
    assert err <= tolerance, f"{what}: {err:.3g} > {tolerance:.3g} ({dtype}, jitted)"


@pytest.mark.parametrize(("name", "kwargs", "dtype", "mode", "seed"), configurations())
def test_matches_keras(name, kwargs, dtype, mode, seed):
    w0, grads = make_problem(seed, n_steps=N_STEPS)
    keras = keras_run(name, kwargs, w0, grads, finalize=True, mode=mode, dtype=dtype)
    opt = getattr(adadelta, name)(**kwargs)
    trajectory, state, params = run_ours(opt, w0, grads, dtype, jit=mode == "jit")
    for t, (ours_t, keras_t) in enumerate(zip(trajectory, keras["trajectory"])):
        for i, (ours, ref) in enumerate(zip(ours_t, keras_t)):
            assert_matches(ours, ref, dtype, mode, f"variable {i} after call {t + 1}")
    steps = kwargs.get("gradient_accumulation_steps") or 1
    assert keras["iterations"][-1] == N_STEPS // steps == int(state.count) // steps
    for field, attribute in zip(state.slots._fields, SLOT_ATTRIBUTES[name]):
        for i, ref in enumerate(keras["slots"][attribute]):
            ours = jax.tree.leaves(getattr(state.slots, field))[i]
            assert_matches(ours, ref, dtype, mode, f"slot {field}[{i}]")
    if keras["ema"] is not None:
        for i, (ours, ref) in enumerate(zip(jax.tree.leaves(state.ema), keras["ema"])):
            assert_matches(ours, ref, dtype, mode, f"EMA[{i}]")
    finalized = jax.tree.leaves(opt.finalize_variable_values(params, state))
    for i, (ours, ref) in enumerate(zip(finalized, keras["finalized"])):
        assert_matches(ours, ref, dtype, mode, f"finalized variable {i}")


def test_sixteen_bit_results_are_not_rounded_float32_results():
    """The comparison is not vacuous: computing in float32 and rounding differs from Keras."""
    kwargs = build_kwargs("Adadelta", 0, ("loss_scale",), None)
    w0, grads = make_problem(11, n_steps=N_STEPS)
    keras = keras_run("Adadelta", kwargs, w0, grads, dtype="bfloat16")
    opt = adadelta.Adadelta(**kwargs)
    trajectory32, _, _ = run_ours(opt, w0, grads, "float32", jit=False)
    rounded = [np.asarray(jnp.asarray(x, jnp.bfloat16), np.float32) for x in trajectory32[-1]]
    assert any(not np.array_equal(r, k) for r, k in zip(rounded, keras["trajectory"][-1]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("ours_features", "keras_features"),
    [
        pytest.param((), ("loss_scale",), id="loss_scale_not_unscaled"),
        pytest.param(("accumulate_2",), ("accumulate_3",), id="wrong_accumulation_steps"),
        pytest.param(("clipnorm",), ("global_clipnorm",), id="clipnorm_per_tensor_not_global"),
    ],
)
def test_negative_control_jitted_tolerance_catches_wrong_variant(
    dtype, ours_features, keras_features
):
    kwargs = build_kwargs("Adadelta", 0, keras_features, None)
    # The same epsilon (loss scaling and accumulation run with a large one, spec §2).
    ours_kwargs = {**build_kwargs("Adadelta", 0, ours_features, None), "epsilon": 1e-2}
    kwargs["epsilon"] = 1e-2
    w0, grads = make_problem(9, n_steps=N_STEPS)
    keras = keras_run("Adadelta", kwargs, w0, grads, mode="jit", dtype=dtype)
    trajectory, _, _ = run_ours(adadelta.Adadelta(**ours_kwargs), w0, grads, dtype, jit=True)
    err = max(
        relative_error(np.asarray(o, np.float32), r)
        for ours_t, keras_t in zip(trajectory, keras["trajectory"])
        for o, r in zip(ours_t, keras_t)
    )
    assert err > max(JIT_ULPS.values()) * float(jnp.finfo(dtype).eps)
