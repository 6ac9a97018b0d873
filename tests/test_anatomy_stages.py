"""The anatomy of one call: ``dissect`` records the pipeline that runs, ``anatomy`` reads it.

Facts from the spec (§2, §3, §5), checked on the recorded stages: the unscaled gradient is the
raw one divided by ``loss_scale_factor``; ``clipnorm`` clips to that norm; a micro-step leaves
the params unchanged; the EMA is seeded, then averages; the overwrite fires every
``ema_overwrite_frequency`` iterations; the rules' equations hold with the numbers shown; the
final params of call t are the engine's position t, for Adadelta and Adagrad.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
from compile_count import compilations

from adadelta import Adadelta, Adagrad, anatomy, engine
from adadelta.dissect import _dissect_jit, dissect
from adadelta.problems import Objective
from adadelta.ui import anatomy_view, controls, pagestate

f32 = np.float32
START = np.array([-1.2, 1.0], np.float32)
STEPS = 12


def rosenbrock(**kw):
    return Objective.from_surface("rosenbrock", **kw)


def pipeline(**kw):
    return [
        Adadelta(learning_rate=1.0, epsilon=1e-6, **kw),
        Adagrad(learning_rate=0.5, **kw),
    ]


@pytest.mark.parametrize(
    "features",
    [
        {},
        {"loss_scale_factor": 4.0, "gradient_accumulation_steps": 3, "clipnorm": 0.5},
        {"weight_decay": 0.1, "use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 2},
        {"global_clipnorm": 2.0, "gradient_accumulation_steps": 2, "use_ema": True},
    ],
    ids=["plain", "scale-accumulate-clip", "decay-ema", "global-accumulate-ema"],
)
def test_final_params_of_call_t_are_the_engine_position_t(features):
    objective = rosenbrock(noise_sigma=0.5)
    optimizers = pipeline(**features)
    traces = engine.run(objective, START, optimizers, STEPS, key=3)
    for result, trace in zip(dissect(objective, START, optimizers, STEPS, key=3), traces):
        np.testing.assert_array_equal(result.params, trace.params)
        np.testing.assert_array_equal(result.loss, trace.loss)
        for t in (1, 5, STEPS):
            call = result.call(t)
            np.testing.assert_array_equal(call.info.params.given, trace.params[t - 1])
            np.testing.assert_array_equal(call.info.params.final, trace.params[t])
            assert call.path.shape == (t + 1, 2)


def test_loss_scale_factor_divides_the_raw_gradient():
    (result,) = dissect(rosenbrock(), START, Adadelta(learning_rate=1.0, loss_scale_factor=4.0), 3)
    for t in (1, 2, 3):
        call = result.call(t)
        raw = np.asarray(call.info.grads.raw)
        np.testing.assert_array_equal(call.info.grads.unscaled, raw / f32(4))
        stage = anatomy.stages(Adadelta(loss_scale_factor=4.0), call)[0]
        assert stage.key == "unscale" and stage.active
        np.testing.assert_array_equal(stage.rows[0].after, np.asarray(raw / f32(4), np.float64))


def test_clipnorm_clips_to_that_norm_and_says_so():
    optimizer = Adadelta(learning_rate=1.0, clipnorm=0.5)
    (result,) = dissect(rosenbrock(), START, optimizer, 4)
    call = result.call(1)
    raw, clipped = np.asarray(call.info.grads.accumulated), np.asarray(call.info.grads.clipped)
    assert np.linalg.norm(raw) > 100  # Rosenbrock at (-1.2, 1): ‖g‖ ≈ 232
    np.testing.assert_allclose(np.linalg.norm(clipped), 0.5, rtol=1e-6)
    np.testing.assert_allclose(clipped / np.linalg.norm(clipped), raw / np.linalg.norm(raw), 1e-6)
    clip = anatomy.stages(optimizer, call)[2]
    assert clip.key == "clip" and clip.active
    assert "> clipnorm = 0.5" in clip.note


def test_a_large_clipnorm_keeps_the_length():
    optimizer = Adadelta(learning_rate=1.0, clipnorm=1e4)
    (result,) = dissect(rosenbrock(), START, optimizer, 1)
    call = result.call(1)
    np.testing.assert_allclose(call.info.grads.clipped, call.info.grads.accumulated, rtol=1e-6)
    assert "≤ clipnorm" in anatomy.stages(optimizer, call)[2].note


def test_micro_steps_leave_the_params_and_slots_unchanged():
    optimizer = Adadelta(learning_rate=1.0, gradient_accumulation_steps=3, weight_decay=0.1)
    (result,) = dissect(rosenbrock(), START, optimizer, 6)
    for t in range(1, 7):
        call = result.call(t)
        stages = {s.key: s for s in anatomy.stages(optimizer, call)}
        if t % 3:
            np.testing.assert_array_equal(call.info.params.final, call.info.params.given)
            assert f"Micro-step {t % 3} of 3: no update" in stages["accumulate"].note
            assert not stages["rule"].active and not stages["decay"].active
            accumulator = np.asarray(call.after.grad_accumulator)
            expected = np.asarray(call.before.grad_accumulator) + np.asarray(call.info.grads.raw)
            np.testing.assert_array_equal(accumulator, expected)
        else:
            assert "an update" in stages["accumulate"].note
            total = np.asarray(call.before.grad_accumulator) + np.asarray(call.info.grads.raw)
            np.testing.assert_array_equal(call.info.grads.accumulated, total / f32(3))
            np.testing.assert_array_equal(call.after.grad_accumulator, np.zeros(2, f32))
            assert not np.array_equal(call.info.params.final, call.info.params.given)


def test_ema_is_seeded_then_averages_and_the_overwrite_fires_every_f_iterations():
    optimizer = Adagrad(
        learning_rate=0.5, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3
    )
    (result,) = dissect(rosenbrock(), START, optimizer, 6)
    for t in range(1, 7):
        call = result.call(t)
        stages = {s.key: s for s in anatomy.stages(optimizer, call)}
        updated = np.asarray(call.info.params.updated)
        if t == 1:
            np.testing.assert_array_equal(call.after.ema, updated)
            assert "seeded" in stages["ema"].note
        else:
            expected = f32(0.5) * np.asarray(call.before.ema) + f32(0.5) * updated
            np.testing.assert_array_equal(call.after.ema, expected)
        fires = t % 3 == 0
        assert stages["overwrite"].active == fires
        final = call.after.ema if fires else updated
        np.testing.assert_array_equal(call.info.params.final, final)


def test_stages_that_are_off_say_why():
    optimizer = Adadelta(learning_rate=1.0)
    (result,) = dissect(rosenbrock(), START, optimizer, 1)
    stages = anatomy.stages(optimizer, result.call(1))
    assert [s.key for s in stages] == list(anatomy.STAGES)
    notes = {s.key: s.note for s in stages if not s.active}
    assert notes == {
        "unscale": "loss_scale_factor is None: the gradient passes unchanged.",
        "accumulate": "gradient_accumulation_steps is None: every call is an update.",
        "clip": "clipnorm, clipvalue and global_clipnorm are None: no clipping.",
        "decay": "weight_decay is None: w passes unchanged.",
        "ema": "use_ema is False: no moving average is kept.",
        "overwrite": "use_ema is False.",
    }


def test_adadelta_equations_hold_with_the_numbers_shown():
    """Zeiler's four equations (spec §2), with the recorded E[g²], E[Δx²], g, w and η_t."""
    optimizer = Adadelta(learning_rate=0.7, rho=0.9, epsilon=1e-4, weight_decay=0.05)
    (result,) = dissect(rosenbrock(), START, optimizer, 8)
    for t in (1, 4, 8):
        r = anatomy.rule(optimizer, result.call(t))
        rho, eps, eta = 0.9, 1e-4, r.learning_rate
        eg, ed = r.slots_before["avg_sq_grad"], r.slots_before["avg_sq_update"]
        eg_t = rho * eg + (1 - rho) * r.g**2
        np.testing.assert_allclose(r.slots_after["avg_sq_grad"], eg_t, rtol=1e-6)
        delta = -np.sqrt(ed + eps) / np.sqrt(eg_t + eps) * r.g
        np.testing.assert_allclose(-(r.rate / eta) * r.g, delta, rtol=1e-5)
        ed_t = rho * ed + (1 - rho) * delta**2
        np.testing.assert_allclose(r.slots_after["avg_sq_update"], ed_t, rtol=1e-5)
        np.testing.assert_allclose(r.w_new, r.w + eta * delta, rtol=1e-6, atol=1e-7)
        # The numbers the page writes into the equations are these.
        text = anatomy_view.adadelta_equations(r, 0)
        for value in (eg[0], eg_t[0], delta[0], r.w_new[0]):
            assert anatomy_view.tex(value) in text


def test_adagrad_equations_hold_with_the_numbers_shown():
    optimizer = Adagrad(learning_rate=0.5, epsilon=1e-3, initial_accumulator_value=0.2)
    (result,) = dissect(rosenbrock(), START, optimizer, 5)
    for t in (1, 5):
        r = anatomy.rule(optimizer, result.call(t))
        a_t = r.slots_before["accumulator"] + r.g**2
        np.testing.assert_allclose(r.slots_after["accumulator"], a_t, rtol=1e-6)
        expected = r.w - r.learning_rate * r.g / np.sqrt(a_t + 1e-3)
        np.testing.assert_allclose(r.w_new, expected, rtol=1e-6, atol=1e-7)
        text = anatomy_view.adagrad_equations(r, 1)
        assert anatomy_view.tex(a_t[1]) in text and anatomy_view.tex(r.w_new[1]) in text
    assert anatomy.rule(optimizer, result.call(1)).slots_before["accumulator"][0] == f32(0.2)


@pytest.mark.parametrize("t", [0, 4, -1, 1.5, True, "2"])
def test_a_call_outside_the_run_is_a_value_error(t):
    (result,) = dissect(rosenbrock(), START, Adadelta(), 3)
    with pytest.raises(ValueError, match="`t` must be an integer in \\[1, 3\\]"):
        result.call(t)


def test_numbers_never_recompile():
    """New numbers (hyperparameters, start, surface shape, seed) reuse the compiled code."""
    dissect(rosenbrock(), START, pipeline(clipnorm=1.0), 7, key=0)
    before = compilations(_dissect_jit)
    dissect(rosenbrock(b=50.0), START + 0.3, pipeline(clipnorm=2.5), 7, key=9)
    dissect(
        rosenbrock(noise_sigma=1.0),
        START,
        [
            Adadelta(learning_rate=0.1, rho=0.5, clipnorm=0.1),
            Adagrad(learning_rate=2.0, clipnorm=3.0),
        ],
        7,
        key=1,
    )
    assert compilations(_dissect_jit) == before
    dissect(rosenbrock(), START, pipeline(clipnorm=1.0), 8, key=0)  # a new length compiles
    assert compilations(_dissect_jit) == before + 1


def test_the_anatomy_link_reads_like_the_explorer_and_clamps_t():
    state = pagestate.anatomy_page(
        {"anatomy.t": "50", "problem.num_steps": "20", "pipeline.loss_scale_factor": "4"}
    )
    assert state.messages == ()
    assert state.run.t == 20
    assert [spec.label for spec in state.run.run.optimizers] == ["Adadelta", "Adagrad"]
    assert ("loss_scale_factor", 4.0) in state.run.run.optimizers[0].pipeline
    explorer = pagestate.surfaces_page({"problem.num_steps": "20"}).run
    assert state.run.run.problem == explorer.problem and state.run.run.start == explorer.start
    bad = pagestate.anatomy_page({"anatomy.t": "abc"})
    assert bad.run.t == controls.ANATOMY["t"].default and bad.messages


def test_a_diverged_run_names_its_first_nonfinite_position():
    (result,) = dissect(rosenbrock(), START, Adagrad(learning_rate=1e30), 4)
    first = anatomy_view.first_nonfinite(result)
    assert 1 <= first <= 4
    assert np.all(np.isfinite(result.params[first - 1]))
    assert not np.all(np.isfinite(result.params[first])) or not np.isfinite(result.loss[first])
    (finite,) = dissect(rosenbrock(), START, Adagrad(learning_rate=0.1), 4)
    assert anatomy_view.first_nonfinite(finite) == -1


def test_max_steps_dissects_exactly_and_a_new_length_compiles_nothing():
    objective = rosenbrock(noise_sigma=0.5)
    optimizers = pipeline(gradient_accumulation_steps=2, use_ema=True)
    dissect(objective, START, optimizers, 3, key=3, max_steps=40)
    before = compilations(_dissect_jit)
    for steps in (1, STEPS, 39):
        exact = dissect(objective, START, optimizers, steps, key=3)
        capped = dissect(objective, START, optimizers, steps, key=3, max_steps=40)
        for got, want in zip(capped, exact):
            assert got.num_steps == steps
            for field in got._fields:
                leaves = zip(
                    jax.tree.leaves(getattr(got, field)), jax.tree.leaves(getattr(want, field))
                )
                for a, b in leaves:
                    assert a.shape == b.shape, field
                    np.testing.assert_array_equal(a, b, err_msg=field)
    assert compilations(_dissect_jit) == before + 3  # the three exact programs only


def test_the_anatomy_page_compiles_nothing_for_a_new_number_of_steps():
    key = controls.PROBLEM["num_steps"].key
    anatomy_view.dissection(pagestate.anatomy_run({key: 300}).run)
    before = compilations(_dissect_jit)
    for steps in (301, 1200):
        (adadelta_run, _) = anatomy_view.dissection(pagestate.anatomy_run({key: steps}).run)
        assert adadelta_run.num_steps == steps
    assert compilations(_dissect_jit) == before
