"""The trajectory engine: traces, divergence flags, batching, and compiled-code reuse."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from compile_count import compilations

from adadelta import SGD, Adadelta, Adagrad, Adam, RMSprop, engine
from adadelta.problems import NetworkObjective, init_mlp, make_dataset, mlp_sizes
from adadelta.sweeps.maps import best_before_divergence


def bowl(p, key, step):
    return jnp.sum(p * p)


def gentle(p, key, step):
    """Anisotropic and non-quadratic, but without Rosenbrock's error-amplifying curvature."""
    return (p[0] - 1) ** 2 + 5 * (p[1] + 0.5) ** 2 + 0.1 * jnp.sin(3 * p[0])


def rosenbrock(p, key, step):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


START = np.array([-1.5, 2.0], np.float32)


def eager_loop(objective, params, optimizer, num_steps, key):
    """The reference: a plain Python loop over ``optimizer.step``, no jit, no scan."""
    state = optimizer.init(params)
    path, losses = [params], []
    for t in range(num_steps):
        loss, grads = jax.value_and_grad(objective)(params, jax.random.fold_in(key, t), t)
        params, state, _ = optimizer.step(grads, state, params)
        path.append(params)
        losses.append(loss)
    return np.stack(path), np.array(losses), state


@pytest.mark.parametrize(
    "optimizer",
    [
        Adadelta(learning_rate=1.0, epsilon=1e-6),
        Adagrad(learning_rate=0.3, weight_decay=0.01),
        RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
        SGD(learning_rate=0.001, momentum=0.9, nesterov=True),
        Adam(learning_rate=0.05, amsgrad=True, use_ema=True, ema_overwrite_frequency=5),
        Adadelta(learning_rate=1.0, gradient_accumulation_steps=3, clipvalue=0.5),
    ],
    ids=lambda o: type(o).__name__,
)
def test_scan_equals_eager_loop(optimizer):
    # XLA fuses the compiled scan differently from eager dispatch: last-bit differences, which
    # a gentle objective keeps small (momentum still carries them: 2e-6 seen after 40 steps).
    key = jax.random.key(3)
    (trace,) = engine.run(gentle, START, optimizer, 40, key=key)
    path, losses, state = eager_loop(gentle, jnp.asarray(START), optimizer, 40, key)
    np.testing.assert_allclose(trace.params, path, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(trace.loss[:-1], losses, rtol=1e-5, atol=1e-6)
    for recorded, final in zip(jax.tree.leaves(trace.slots), jax.tree.leaves(state.slots)):
        np.testing.assert_allclose(recorded[-1], final, rtol=1e-5, atol=1e-6)


def test_trace_shapes_and_contents():
    optimizers = (Adadelta(learning_rate=1.0), Adagrad(learning_rate=0.5))
    delta, ada = engine.run(rosenbrock, START, optimizers, 25)
    assert delta.params.shape == (26, 2) and delta.loss.shape == (26,)
    assert delta.slots.avg_sq_grad.shape == (25, 2) and ada.slots.accumulator.shape == (25, 2)
    assert delta.effective_lr.shape == (25, 2) and delta.learning_rate.shape == (25,)
    assert delta.is_update_step.all() and delta.ema is None
    np.testing.assert_array_equal(delta.params[0], START)
    np.testing.assert_allclose(delta.updates, np.diff(delta.params, axis=0), atol=1e-7)
    np.testing.assert_array_equal(delta.final_params, delta.params[-1])
    # The recorded raw gradient is the objective's gradient at the recorded position.
    grads = np.stack([jax.grad(rosenbrock)(jnp.asarray(p), None, 0) for p in delta.params[:-1]])
    np.testing.assert_allclose(delta.grads.raw, grads, rtol=1e-6)
    # Without weight decay the step is −η_t·g (spec §4), up to the float32 rounding of
    # params + step (half an ulp of |params| ≤ 2, i.e. 1.2e-7).
    np.testing.assert_allclose(
        delta.updates, -delta.effective_lr * delta.grads.clipped, rtol=0, atol=2.4e-7
    )
    assert delta.diverged_at is None and ada.diverged_at is None


def test_divergence_is_flagged_at_the_step_the_loss_overflows():
    # SGD with η = 1.5 on x² doubles |x| each step, exactly: x_t = (−2)^t. The loss 4^t first
    # exceeds float32's largest value (just under 2^128) at t = 64.
    def parabola(p, key, step):
        return p[0] * p[0]

    (trace,) = engine.run(parabola, np.array([1.0], np.float32), SGD(learning_rate=1.5), 80)
    assert trace.diverged_at == 64
    assert np.isfinite(trace.params[63]).all() and np.isinf(trace.loss[64])
    # Positions are kept as computed, never clipped to a domain.
    assert trace.params[63, 0] == -(2.0**63)


def test_divergence_from_a_nan_objective_is_flagged_at_its_step():
    def poisoned(p, key, step):
        return jnp.sum(p * p) + jnp.where(step >= 7, jnp.nan, 0.0)

    traces = engine.run(poisoned, START, (Adadelta(learning_rate=1.0), Adam()), 12)
    assert [t.diverged_at for t in traces] == [7, 7]
    assert np.isfinite(traces[0].loss[:7]).all() and np.isnan(traces[0].loss[7:]).all()


def test_gradient_accumulation_flags_micro_steps():
    (trace,) = engine.run(
        bowl, START, Adadelta(learning_rate=1.0, gradient_accumulation_steps=3), 9
    )
    np.testing.assert_array_equal(trace.is_update_step, [False, False, True] * 3)
    np.testing.assert_array_equal(trace.params[1], trace.params[0])
    assert np.isnan(trace.effective_lr[0]).all() and np.isfinite(trace.effective_lr[2]).all()
    assert trace.diverged_at is None


def test_all_optimizers_see_the_same_noise():
    def noisy(p, key, step):
        xi = jax.random.normal(key, p.shape)
        return jnp.sum(p * p) + jnp.dot(xi, p)

    a, b = engine.run(noisy, START, (SGD(learning_rate=0.1), Adadelta(learning_rate=1.0)), 5)
    noise_a = a.grads.raw - 2 * a.params[:-1]
    noise_b = b.grads.raw - 2 * b.params[:-1]
    np.testing.assert_allclose(noise_a, noise_b, atol=1e-5)
    assert np.abs(noise_a).max() > 0.1


def test_sweep_over_settings_equals_a_loop():
    lrs, rhos = [0.1, 1.0, 3.0], [0.5, 0.95]
    batch, shape = engine.grid(
        Adadelta(learning_rate=1.0, epsilon=1e-6), learning_rate=lrs, rho=rhos
    )
    assert shape == (3, 2)
    (swept,) = engine.sweep(rosenbrock, START, batch, 40, record=engine.PATH)
    assert swept.params.shape == (6, 41, 2)
    for i, (lr, rho) in enumerate((lr, rho) for lr in lrs for rho in rhos):
        (single,) = engine.run(
            rosenbrock, START, Adadelta(learning_rate=lr, rho=rho, epsilon=1e-6), 40
        )
        np.testing.assert_allclose(swept.params[i], single.params, rtol=1e-6, atol=1e-6)
        assert swept.diverged_at[i] == -1


def test_sweep_over_starts_equals_a_loop():
    starts = np.array([[-1.5, 2.0], [0.5, 0.5], [2.0, -1.0]], np.float32)
    optimizer = Adagrad(learning_rate=0.5)
    (swept,) = engine.sweep(
        rosenbrock, starts, optimizer, 30, batched_params=True, batched_optimizers=False
    )
    for i, start in enumerate(starts):
        (single,) = engine.run(rosenbrock, start, optimizer, 30)
        np.testing.assert_allclose(swept.final_params[i], single.final_params, rtol=1e-6)


def test_numeric_changes_reuse_compiled_code():
    engine.run(rosenbrock, START, (Adadelta(learning_rate=1.0, weight_decay=0.1), SGD()), 50)
    before = compilations(engine._run_jit)
    rng = np.random.default_rng(0)
    for _ in range(10):
        optimizers = (
            Adadelta(
                learning_rate=float(rng.uniform(0.1, 2)),
                rho=float(rng.uniform(0, 1)),
                epsilon=float(rng.uniform(1e-8, 1e-3)),
                weight_decay=float(rng.uniform(0, 1)),
            ),
            SGD(learning_rate=float(rng.uniform(0, 0.01))),
        )
        engine.run(rosenbrock, rng.normal(size=2).astype(np.float32), optimizers, 50, key=7)
    assert compilations(engine._run_jit) == before
    # Switching a feature on compiles once more, and only once.
    for wd in (0.1, 0.2):
        engine.run(
            rosenbrock,
            START,
            (Adadelta(learning_rate=1.0, weight_decay=0.1, clipnorm=wd), SGD()),
            50,
        )
    assert compilations(engine._run_jit) == before + 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_steps": 0}, "num_steps"),
        ({"num_steps": 2.5}, "num_steps"),
        ({"optimizers": ()}, "optimizers"),
        ({"optimizers": ("adadelta",)}, "optimizers"),
        ({"record": ("params", "velocity")}, "record"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, match):
    args = {"optimizers": Adadelta(), "num_steps": 10, **kwargs}
    with pytest.raises(ValueError, match=match):
        engine.run(bowl, START, **args)


def test_grid_rejects_invalid_values_and_feature_switches():
    with pytest.raises(ValueError, match="rho"):
        engine.grid(Adadelta(), rho=[0.5, 1.5])
    with pytest.raises(ValueError, match="weight_decay"):
        engine.grid(Adadelta(), weight_decay=[None, 0.1])


def test_recording_chosen_steps_keeps_exactly_those_rows():
    optimizers = (
        Adadelta(learning_rate=1.0, use_ema=True, gradient_accumulation_steps=2),
        Adam(learning_rate=0.05),
    )
    dense = engine.run(rosenbrock, START, optimizers, 50)
    at = np.array([0, 1, 2, 7, 30, 49, 50])
    sparse = engine.run(rosenbrock, START, optimizers, 50, record_at=at)
    per_call = ("grads", "updates", "effective_lr", "slots", "learning_rate", "ema")
    for full, kept in zip(dense, sparse):
        np.testing.assert_array_equal(kept.steps, at)
        np.testing.assert_array_equal(kept.params, full.params[at])
        np.testing.assert_array_equal(kept.loss, full.loss[at])
        # A position's per-call fields are those of the call that reached it (none for 0).
        for name in (*per_call, "is_update_step"):
            for row, whole in zip(
                jax.tree.leaves(getattr(kept, name)), jax.tree.leaves(getattr(full, name))
            ):
                np.testing.assert_array_equal(row[1:], whole[at[1:] - 1], err_msg=name)
                assert np.isnan(row[0]).all() if row.dtype.kind == "f" else not row[0].any()
        assert kept.diverged_at == full.diverged_at
        assert full.steps is None


def test_recorded_steps_are_traced_and_checked():
    engine.run(rosenbrock, START, Adadelta(learning_rate=1.0), 40, record_at=[0, 5, 40])
    before = compilations(engine._run_jit)
    engine.run(rosenbrock, START, Adadelta(learning_rate=0.5), 40, record_at=[1, 2, 3])
    assert compilations(engine._run_jit) == before  # same count, new steps: no recompile
    for bad in ([], [3, 3], [5, 2], [0, 41], [-1, 2], [0.5, 2]):
        with pytest.raises(ValueError, match="record_at"):
            engine.run(rosenbrock, START, Adadelta(), 40, record_at=bad)


def _assert_same_traces(got, expected):
    for a, b in zip(got, expected):
        for name in (*engine.FULL, "final_params", "final_loss", "steps"):
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), name
            for u, v in zip(jax.tree.leaves(x), jax.tree.leaves(y)):
                assert u.shape == v.shape, name
                np.testing.assert_array_equal(u, v, err_msg=name)
        assert a.diverged_at == b.diverged_at


@pytest.mark.parametrize("num_steps", [1, 17, 60])
def test_max_steps_computes_exactly_the_run_of_num_steps(num_steps):
    """A program compiled for 64 steps, run for fewer, returns what the program compiled for
    exactly ``num_steps`` does: every field, every row, bit for bit (the loop stops at
    ``num_steps``). Runs that keep chosen steps (one program for every number of steps and,
    with ``max_records``, of positions) keep exactly those rows of it."""
    optimizers = (
        Adadelta(learning_rate=1.0, use_ema=True, gradient_accumulation_steps=2),
        Adagrad(learning_rate=0.3, clipnorm=1.0),
    )
    exact = engine.run(rosenbrock, START, optimizers, num_steps, key=4)
    capped = engine.run(rosenbrock, START, optimizers, num_steps, key=4, max_steps=64)
    _assert_same_traces(capped, exact)
    at = np.unique(np.array([0, 1, num_steps // 2, num_steps]))
    kept = engine.run(rosenbrock, START, optimizers, num_steps, key=4, record_at=at, max_records=4)
    for row, full in zip(kept, exact):
        np.testing.assert_array_equal(row.params, full.params[at])
        np.testing.assert_array_equal(row.loss, full.loss[at])
        for got, want in zip(jax.tree.leaves(row.slots), jax.tree.leaves(full.slots)):
            np.testing.assert_array_equal(got[1:], want[at[1:] - 1])
        assert row.diverged_at == full.diverged_at


def test_max_steps_flags_divergence_at_its_step():
    exact = engine.run(rosenbrock, START, SGD(learning_rate=0.01), 30)
    capped = engine.run(rosenbrock, START, SGD(learning_rate=0.01), 30, max_steps=500)
    assert exact[0].diverged_at is not None
    _assert_same_traces(capped, exact)


def test_max_steps_sweep_equals_the_exact_sweep():
    optimizer, _ = engine.grid(Adadelta(learning_rate=1.0), rho=[0.5, 0.9, 0.99])
    exact = engine.sweep(rosenbrock, START, optimizer, 25)
    capped = engine.sweep(rosenbrock, START, optimizer, 25, max_steps=100)
    for a, b in zip(capped, exact):
        assert a.params.shape == b.params.shape == (3, 26, 2)
        np.testing.assert_array_equal(a.params, b.params)
        np.testing.assert_array_equal(a.loss, b.loss)
        np.testing.assert_array_equal(a.diverged_at, b.diverged_at)


def test_a_new_number_of_steps_reuses_the_program_compiled_for_max_steps():
    optimizers = (Adadelta(learning_rate=1.0), Adagrad())
    engine.run(rosenbrock, START, optimizers, 10, max_steps=200)
    engine.run(rosenbrock, START, optimizers, 10, max_steps=200, record_at=[0, 10])
    engine.sweep(
        rosenbrock, START, engine.grid(Adagrad(), epsilon=[1e-7, 1e-3])[0], 10, max_steps=200
    )
    runs, sweeps = compilations(engine._run_jit), compilations(engine._sweep_jit)
    for num_steps in (1, 57, 199, 200):
        engine.run(rosenbrock, START, optimizers, num_steps, max_steps=200)
        engine.run(
            rosenbrock, START, optimizers, num_steps, max_steps=200, record_at=[0, num_steps]
        )
        engine.sweep(
            rosenbrock,
            START,
            engine.grid(Adagrad(), epsilon=[1e-7, 1e-3])[0],
            num_steps,
            max_steps=200,
        )
    assert (compilations(engine._run_jit), compilations(engine._sweep_jit)) == (runs, sweeps)
    # Rows kept at chosen steps need no max_steps; every step kept does.
    engine.run(rosenbrock, START, optimizers, 11, record_at=[0, 11])
    engine.run(rosenbrock, START, optimizers, 12, record_at=[0, 12])
    assert compilations(engine._run_jit) == runs
    engine.run(rosenbrock, START, optimizers, 11)
    engine.run(rosenbrock, START, optimizers, 12)
    assert compilations(engine._run_jit) == runs + 2


@pytest.mark.parametrize("max_steps", [9, 1_000_001, 20.0, True])
def test_bad_max_steps_names_the_argument_and_its_range(max_steps):
    with pytest.raises(ValueError, match=r"`max_steps` must be an integer in \[num_steps=10, "):
        engine.run(bowl, START, Adadelta(), 10, max_steps=max_steps)


def test_max_records_keeps_the_same_rows_and_reuses_one_program():
    optimizers = (Adadelta(learning_rate=1.0, use_ema=True), Adam(learning_rate=0.05))
    engine.run(rosenbrock, START, optimizers, 30, record_at=[0, 30], max_records=8)
    before = compilations(engine._run_jit)
    for num_steps, at in ((30, [0, 1, 2, 7, 30]), (45, [3, 44]), (12, list(range(7)))):
        padded = engine.run(rosenbrock, START, optimizers, num_steps, record_at=at, max_records=8)
        exact = engine.run(rosenbrock, START, optimizers, num_steps, record_at=at)
        _assert_same_traces(padded, exact)
    assert compilations(engine._run_jit) == before + 3  # the three exact counts, not padded
    with pytest.raises(ValueError, match=r"`max_records` must be an integer in \[len\(record_at"):
        engine.run(rosenbrock, START, optimizers, 12, record_at=list(range(9)), max_records=8)


def _assert_best_is_the_lowest_loss_before_divergence(traces):
    """``best_loss``/``best_step`` against the host reduction of every recorded loss."""
    for trace in traces:
        diverged_at = -1 if trace.diverged_at is None else trace.diverged_at  # run: None
        want_loss, want_step = best_before_divergence(
            np.atleast_2d(trace.loss), np.atleast_1d(diverged_at).astype(np.int64)
        )
        np.testing.assert_array_equal(np.ravel(trace.best_loss).astype(np.float64), want_loss)
        np.testing.assert_array_equal(np.ravel(trace.best_step), want_step)


def test_best_is_the_lowest_loss_before_divergence_in_sweeps():
    # SGD on Rosenbrock from START: the small rates converge slowly, the large ones overflow
    # (at different steps); every cell's best equals the reduction of its recorded losses.
    rates = [1e-4, 5e-4, 1e-3, 2e-3, 4e-3, 1e-2, 5e-2]
    optimizer, _ = engine.grid(SGD(learning_rate=0.01), learning_rate=rates)
    record = ("loss", engine.BEST)
    (trace,) = engine.sweep(rosenbrock, START, optimizer, 60, record=record)
    assert (trace.diverged_at < 0).any() and (trace.diverged_at > 0).any()
    _assert_best_is_the_lowest_loss_before_divergence([trace])
    # Without the losses, and compiled for more steps: the same numbers.
    (alone,) = engine.sweep(rosenbrock, START, optimizer, 60, record=(engine.BEST,), max_steps=90)
    assert alone.loss is None and alone.params is None
    np.testing.assert_array_equal(alone.best_loss, trace.best_loss)
    np.testing.assert_array_equal(alone.best_step, trace.best_step)


def test_best_leaves_out_a_finite_loss_whose_gradient_is_bad():
    @jax.custom_jvp
    def bad_slope(x):
        return 0.0 * x

    bad_slope.defjvp(lambda primals, tangents: (0.0 * primals[0], jnp.nan * tangents[0]))

    def poisoned(p, key, step):  # finite everywhere, decreasing; its gradient is NaN at step 7
        return jnp.sum(p * p) + jax.lax.cond(step >= 7, bad_slope, jnp.zeros_like, p[0])

    optimizers = (Adadelta(learning_rate=1.0), Adagrad())
    traces = engine.run(poisoned, START, optimizers, 12, record=("loss", engine.BEST))
    for trace in traces:
        assert trace.diverged_at == 7 and np.isfinite(trace.loss[7])
        assert trace.loss[7] < trace.loss[:7].min()  # lower, but its position is bad
        assert trace.best_step == 6 and trace.best_loss == trace.loss[6]
    _assert_best_is_the_lowest_loss_before_divergence(traces)


def test_best_of_a_bad_start_is_nan():
    (trace,) = engine.run(
        bowl, np.array([np.nan, 1.0], np.float32), Adadelta(), 5, record=(engine.BEST,)
    )
    assert trace.diverged_at == 0 and np.isnan(trace.best_loss) and trace.best_step == -1


def test_best_of_a_finite_run_counts_its_last_position():
    (trace,) = engine.run(bowl, START, SGD(learning_rate=0.1), 20, record=("loss", engine.BEST))
    assert trace.diverged_at is None and trace.best_step == 20
    assert trace.best_loss == trace.loss[20] == trace.final_loss
    _assert_best_is_the_lowest_loss_before_divergence([trace])


def test_a_sweep_recording_chosen_steps_keeps_exactly_those_rows_in_one_program():
    optimizer, _ = engine.grid(SGD(learning_rate=0.01), learning_rate=[1e-4, 1e-3, 5e-3, 3e-2])
    at = np.array([0, 1, 5, 17, 40])
    dense = engine.sweep(rosenbrock, START, optimizer, 40, record=("params", "loss", "slots"))
    (kept,) = engine.sweep(
        rosenbrock, START, optimizer, 40, record=("params", "loss"), record_at=at, max_records=9
    )
    (full,) = dense
    assert (full.diverged_at >= 0).any()  # the largest rate overflows
    np.testing.assert_array_equal(kept.steps, at)
    np.testing.assert_array_equal(kept.params, full.params[:, at])
    np.testing.assert_array_equal(kept.loss, full.loss[:, at])
    np.testing.assert_array_equal(kept.diverged_at, full.diverged_at)
    before = compilations(engine._sweep_jit)
    for num_steps, at in ((7, [0, 7]), (300, [0, 3, 100, 299, 300]), (41, np.arange(0, 41, 5))):
        (trace,) = engine.sweep(
            rosenbrock, START, optimizer, num_steps, record=("params", "loss"), record_at=at,
            max_records=9,
        )  # fmt: skip
        assert trace.params.shape == (4, len(at), 2)
    assert compilations(engine._sweep_jit) == before


@pytest.mark.parametrize("batch", [3, 8, 13])
def test_a_chunked_sweep_is_the_same_runs_in_one_program_for_any_batch(batch):
    rates = np.geomspace(1e-4, 3e-2, batch)  # the largest rates overflow
    settings, _ = engine.grid(SGD(learning_rate=0.01, momentum=0.5), learning_rate=rates)
    starts = np.random.default_rng(batch).uniform(-2, 2, (batch, 2)).astype(np.float32)
    record = ("params", "loss", engine.BEST)
    for args in ((START, settings), (starts, Adadelta(learning_rate=1.0))):
        batched = {"batched_params": args[0] is starts, "batched_optimizers": args[1] is settings}
        (whole,) = engine.sweep(rosenbrock, *args, 40, record=record, **batched)
        engine.sweep(rosenbrock, *args, 40, record=record, chunk_size=4, **batched)
        before = compilations(engine._sweep_jit)
        (chunked,) = engine.sweep(rosenbrock, *args, 40, record=record, chunk_size=4, **batched)
        assert compilations(engine._sweep_jit) == before
        # The same runs; a batch of another size may round a multiply-add by one ulp.
        for field in ("params", "loss", "final_params", "final_loss", "best_loss"):
            got, want = getattr(chunked, field), getattr(whole, field)
            assert got.shape == want.shape, field
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-30, err_msg=field)
        np.testing.assert_array_equal(chunked.diverged_at, whole.diverged_at)
        np.testing.assert_array_equal(chunked.best_step, whole.best_step)
        if args[1] is settings:  # the copies filling the last chunk are dropped, not counted
            assert (whole.diverged_at >= 0).any() and (whole.diverged_at < 0).any()


def test_one_chunked_program_serves_every_batch_size():
    engine.sweep(rosenbrock, START, engine.grid(Adagrad(), epsilon=[1e-7])[0], 20, chunk_size=6)
    before = compilations(engine._sweep_jit)
    for batch in (1, 5, 6, 7, 12, 20):
        settings, _ = engine.grid(Adagrad(), epsilon=np.geomspace(1e-7, 1e-1, batch))
        (trace,) = engine.sweep(rosenbrock, START, settings, 20, chunk_size=6)
        assert trace.params.shape == (batch, 21, 2)
    assert compilations(engine._sweep_jit) == before


@pytest.mark.parametrize("chunk_size", [0, 2.0, True, 1_000_001])
def test_bad_chunk_size_names_the_argument_and_its_range(chunk_size):
    settings, _ = engine.grid(Adagrad(), epsilon=[1e-7, 1e-3])
    with pytest.raises(ValueError, match=r"`chunk_size` must be an integer in \[1, 1000000\]"):
        engine.sweep(bowl, START, settings, 10, chunk_size=chunk_size)


def test_a_chunked_sweep_refuses_batches_of_different_sizes():
    settings, _ = engine.grid(Adagrad(), epsilon=[1e-7, 1e-5, 1e-3])
    starts = np.zeros((2, 2), np.float32)
    with pytest.raises(ValueError, match=r"must agree on the batch size. Received: \[2, 3\]"):
        engine.sweep(bowl, starts, settings, 10, batched_params=True, chunk_size=4)


def _assert_same_traces(got, want):
    for a, b in zip(got, want, strict=True):
        assert jax.tree.structure(a) == jax.tree.structure(b)
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _noisy_network():
    """A minibatch network (the loss depends on the step's key) and its start."""
    sizes = mlp_sizes(2, 4)
    data = make_dataset("spiral", n_points=64, noise=0.1, seed=0)
    return NetworkObjective.from_dataset(data, sizes, "tanh", 16), init_mlp(0, sizes)


@pytest.mark.parametrize(("num_steps", "window"), [(10, 3), (11, 3), (1, 3), (7, 8), (12, 8)])
def test_a_run_in_windows_equals_the_run(num_steps, window):
    """Every field, bit for bit: windows that split the positions unevenly, evenly, not at
    all; one step; accumulation micro-steps, EMA, minibatches drawn per step. (Two window
    sizes and one reference program: each is a compilation.)"""
    objective, params = _noisy_network()
    optimizers = (
        Adadelta(learning_rate=1.0, gradient_accumulation_steps=2),
        Adagrad(learning_rate=0.1, use_ema=True, ema_overwrite_frequency=3),
    )
    want = engine.run(objective, params, optimizers, num_steps, key=3, max_steps=12)
    got = engine.run_in_windows(objective, params, optimizers, num_steps, key=3, window=window)
    assert all(trace.steps is None for trace in got)
    _assert_same_traces(got, want)


def test_a_run_in_windows_keeps_its_divergence_and_compiles_once():
    optimizers = (SGD(learning_rate=0.3), Adadelta(learning_rate=1.0))  # SGD blows up
    engine.run_in_windows(rosenbrock, START, optimizers, 6, window=4)
    before = compilations(engine._run_jit)
    runs = {n: engine.run_in_windows(rosenbrock, START, optimizers, n, window=4) for n in (7, 40)}
    assert compilations(engine._run_jit) == before  # new numbers of steps, the same program
    for num_steps, got in runs.items():
        want = engine.run(rosenbrock, START, optimizers, num_steps, max_steps=40)
        _assert_same_traces(got, want)
    assert got[0].diverged_at is not None and got[1].diverged_at is None


@pytest.mark.parametrize("window", [1, 0, 1_000_002, 4.0, True, None])
def test_a_run_in_windows_refuses_a_bad_window(window):
    with pytest.raises(
        ValueError,
        match=rf"`window` must be an integer in \[2, 1000001\]\. Received: window={window!r}",
    ):
        engine.run_in_windows(rosenbrock, START, Adagrad(), 5, window=window)
