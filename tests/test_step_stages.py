"""``StepInfo``: the params and state after every stage, from the one pipeline that runs.

Each stage is checked against a fact derived by hand from the spec (§5), computed here in
NumPy float32 with one rounding per operation, as eager JAX and Keras compute it. And
``update()``'s promise: ``params + updates`` is Keras's result up to one more rounding.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from adadelta import SGD, Adadelta, Adagrad, schedules

f32 = np.float32


def make_problem(seed=0, n_steps=6):
    rng = np.random.default_rng(seed)
    params = {
        "kernel": jnp.asarray(rng.normal(size=(3, 4)), jnp.float32),
        "bias": jnp.asarray(rng.normal(size=(4,)), jnp.float32),
    }
    grads = [
        jax.tree.map(lambda p: jnp.asarray(rng.normal(size=p.shape), jnp.float32), params)
        for _ in range(n_steps)
    ]
    return params, grads


def assert_tree_equal(a, b):
    assert jax.tree.structure(a) == jax.tree.structure(b)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def numpy(tree):
    return jax.tree.map(np.asarray, tree)


@pytest.mark.parametrize(
    "learning_rate", [0.5, schedules.ExponentialDecay(0.5, 2, 0.7)], ids=["float", "schedule"]
)
def test_decayed_is_w_minus_w_lambda_eta_as_keras_computes_it(learning_rate):
    opt = SGD(learning_rate=learning_rate, weight_decay=0.1)
    params, grads = make_problem(1)
    state = opt.init(params)
    for g in grads:
        eta = f32(opt.learning_rate_at(state.count))
        new_params, new_state, info = opt.step(g, state, params)
        expected = jax.tree.map(lambda w, eta=eta: w - (w * f32(0.1)) * eta, numpy(params))
        assert_tree_equal(info.params.decayed, expected)
        assert_tree_equal(info.params.given, params)
        params, state = new_params, new_state


def test_without_weight_decay_decayed_is_given():
    opt = Adadelta(learning_rate=1.0)
    params, grads = make_problem(2, n_steps=1)
    _, _, info = opt.step(grads[0], opt.init(params), params)
    assert_tree_equal(info.params.decayed, params)


def test_updated_is_the_rule_applied_to_the_decayed_params():
    """SGD: w ← w_decayed − g·η; Adagrad: A ← A + g², w ← w_decayed − (η·g)/√(A+ε) (spec §3)."""
    params, grads = make_problem(3)
    for opt in (SGD(learning_rate=0.1, weight_decay=0.2), Adagrad(learning_rate=0.5, epsilon=0.1)):
        p, state = params, opt.init(params)
        for g in grads:
            eta = f32(opt.learning_rate_at(state.count))
            new_p, new_state, info = opt.step(g, state, p)
            decayed, g_np = numpy(info.params.decayed), numpy(g)
            if isinstance(opt, SGD):
                expected = jax.tree.map(lambda w, g, eta=eta: w - g * eta, decayed, g_np)
            else:
                acc = jax.tree.map(lambda a, g: a + g * g, numpy(state.slots.accumulator), g_np)
                expected = jax.tree.map(
                    lambda w, g, a, eta=eta: w - (eta * g) / np.sqrt(a + f32(0.1)),
                    decayed,
                    g_np,
                    acc,
                )
                assert_tree_equal(info.slots_after.accumulator, acc)
            assert_tree_equal(info.params.updated, expected)
            assert_tree_equal(info.params.final, new_p)
            assert_tree_equal(info.params.final, info.params.updated)  # nothing after the rule
            assert info.slots_before is state.slots
            assert_tree_equal(info.slots_after, new_state.slots)
            p, state = new_p, new_state


def test_ema_and_overwrite_stages():
    """avg ← m·avg + (1−m)·w_updated (m = 0 at iterations 0); overwrite w ← avg every 2nd."""
    m = 0.5
    opt = SGD(learning_rate=0.1, use_ema=True, ema_momentum=m, ema_overwrite_frequency=2)
    params, grads = make_problem(4)
    state = opt.init(params)
    for k, g in enumerate(grads):
        new_params, new_state, info = opt.step(g, state, params)
        momentum = f32(m) if k else f32(0)
        expected_ema = jax.tree.map(
            lambda avg, w, momentum=momentum: momentum * avg + (f32(1) - momentum) * w,
            numpy(state.ema),
            numpy(info.params.updated),
        )
        assert_tree_equal(info.ema, expected_ema)
        assert_tree_equal(info.ema, new_state.ema)
        overwritten = (k + 1) % 2 == 0
        assert_tree_equal(info.params.final, expected_ema if overwritten else info.params.updated)
        assert_tree_equal(info.params.final, new_params)
        params, state = new_params, new_state


def test_micro_steps_compute_the_update_and_discard_it():
    opt = Adadelta(learning_rate=1.0, weight_decay=0.1, gradient_accumulation_steps=3)
    params, grads = make_problem(5)
    state = opt.init(params)
    for g in grads:
        new_params, new_state, info = opt.step(g, state, params)
        if not bool(info.is_update_step):
            assert_tree_equal(info.params.final, params)
            assert_tree_equal(info.slots_after, state.slots)
            changed = jax.tree.map(lambda a, b: bool(jnp.any(a != b)), info.params.updated, params)
            assert all(jax.tree.leaves(changed))  # Keras computes a step there too
        else:
            assert_tree_equal(info.params.final, info.params.updated)
        params, state = new_params, new_state


def test_stages_under_jit_are_the_same_computation():
    opt = Adadelta(learning_rate=1.0, weight_decay=0.1, use_ema=True, ema_overwrite_frequency=2)
    params, grads = make_problem(6)
    state = opt.init(params)
    step = jax.jit(opt.step)
    for g in grads:
        new_params, new_state, info = step(g, state, params)
        assert_tree_equal(info.params.final, new_params)
        assert_tree_equal(info.params.given, params)
        assert_tree_equal(info.ema, new_state.ema)
        _, _, eager_info = opt.step(g, state, params)
        for stage in ("decayed", "updated", "final"):
            for a, b in zip(
                jax.tree.leaves(getattr(info.params, stage)),
                jax.tree.leaves(getattr(eager_info.params, stage)),
            ):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)
        params, state = new_params, new_state


# ----- update(): what params + updates guarantees ------------------------------------------------


def ulps(ours, keras, before):
    """|ours − keras| in units in the last place of max(|before|, |keras|) (float32)."""
    ours, keras, before = (np.asarray(x, np.float32) for x in (ours, keras, before))
    spacing = np.spacing(np.maximum(np.abs(before), np.abs(keras)))
    return np.abs(ours.astype(np.float64) - keras) / spacing


def test_params_plus_updates_is_keras_within_one_ulp_and_exact_for_small_steps():
    """Measured over 10⁷ random float32 pairs: never more than 1 ulp of max(|p|, |new|), and
    exact whenever p and new have the same sign and are within a factor 2 (Sterbenz)."""
    params, grads = make_problem(7, n_steps=20)
    # Steps as large as the weights, so that some cross zero or halve a weight.
    opt = SGD(learning_rate=1.0, momentum=0.5, weight_decay=0.1)
    state, p = opt.init(params), params
    inexact = 0
    for g in grads:
        updates, new_state = opt.update(g, state, p)
        new_p, _ = opt.apply(g, state, p)
        via_updates = optax.apply_updates(p, updates)
        for before, keras, ours in zip(
            jax.tree.leaves(p), jax.tree.leaves(new_p), jax.tree.leaves(via_updates)
        ):
            before, keras, ours = np.asarray(before), np.asarray(keras), np.asarray(ours)
            assert ulps(ours, keras, before).max() <= 1.0
            sterbenz = (
                (np.sign(before) == np.sign(keras))
                & (np.abs(keras) <= 2 * np.abs(before))
                & (np.abs(before) <= 2 * np.abs(keras))
            )
            np.testing.assert_array_equal(ours[sterbenz], keras[sterbenz])
            inexact += int(np.sum(ours != keras))
        p, state = new_p, new_state
    assert inexact > 0  # the case the docstring warns about does occur here


def test_params_plus_updates_bound_on_random_pairs():
    rng = np.random.default_rng(0)
    p = rng.normal(size=1_000_000).astype(np.float32)
    for scale in (1e-3, 1.0, 1e3):
        new = (p + rng.normal(scale=scale, size=p.size)).astype(np.float32)
        assert ulps(p + (new - p), new, p).max() <= 1.0
