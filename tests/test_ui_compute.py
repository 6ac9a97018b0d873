"""What the pages record and keep: recorded steps within a budget, caches bounded in bytes."""

import threading
import time

import jax
import numpy as np
import pytest
import streamlit as st
from compile_count import compilations

from adadelta import engine
from adadelta.exports import trace_csv
from adadelta.problems import evaluation, init_mlp, mlp, mlp_sizes
from adadelta.ui import build, cache, compute, controls, exports_view, pagestate, sweep_view
from adadelta.viz import Run, curve_steps, frame_steps
from adadelta.viz import network as netviz


def frames(num_steps: int) -> np.ndarray:
    return frame_steps(num_steps, max_frames=netviz.MAX_FRAMES)


def per_step(params, optimizers: int) -> int:
    """Bytes of one step's weights and effective learning rates, every optimizer."""
    return 2 * optimizers * sum(leaf.nbytes for layer in params for leaf in layer.values())


def test_a_short_run_keeps_every_step_for_its_step_view():
    params = init_mlp(0, mlp_sizes(2, 16))
    for num_steps in (1, 150, 200):  # the page tests' runs
        assert compute.view_steps(params, 2, num_steps, frames(num_steps)) is None


def test_the_default_run_keeps_its_frames_and_a_grid_within_the_budget():
    params = init_mlp(0, mlp_sizes(2, 16))
    steps = compute.view_steps(params, 2, 2000, frames(2000))
    assert steps is not None and steps[0] == 0 and steps[-1] == 2000
    assert set(frames(2000)) <= set(steps)
    assert np.all(np.diff(steps) > 0)
    size = steps.size * per_step(params, 2)
    assert 0.9 * compute.VIEW_BYTES < size <= compute.VIEW_BYTES
    # Beyond the (early) frames the grid is uniform: no stretch longer than its spacing.
    assert np.diff(steps).max() <= 2 * 2000 / (steps.size - frames(2000).size)


def test_the_biggest_network_keeps_a_uniform_grid_within_the_budget():
    params = init_mlp(0, mlp_sizes(4, 32))
    steps = compute.view_steps(params, 5, 5000, frames(5000))
    assert steps[0] == 0 and steps[-1] == 5000
    assert steps.size >= 2 and steps.size * per_step(params, 5) <= compute.VIEW_BYTES
    np.testing.assert_allclose(np.diff(steps), 5000 / (steps.size - 1), atol=1)


@pytest.fixture(scope="module")
def default_network():
    """The network page's default setting, trained by the page's code and in full."""
    st.cache_resource.clear()
    network, specs, num_steps = pagestate.network_run({})
    result = compute.train(network, specs, num_steps)
    _, objective, sizes = build.network(network)
    full = engine.run(
        objective,
        init_mlp(network.data_seed, sizes),
        [build.optimizer(spec) for spec in specs],
        num_steps,
        key=network.data_seed,
        record=compute.NETWORK_RECORD,
    )
    yield (network, specs, num_steps), result, full
    st.cache_resource.clear()


def test_the_cached_run_equals_the_full_record_at_the_kept_steps(default_network):
    (network, specs, num_steps), result, full = default_network
    dataset, objective, _ = build.network(network)
    kept = result.traces[0].steps
    assert kept is not None and kept[-1] == num_steps
    for trace, whole in zip(result.traces, full):
        np.testing.assert_array_equal(trace.steps, kept)
        assert trace.diverged_at == whole.diverged_at
        for got, expected in zip(jax.tree.leaves(trace.params), jax.tree.leaves(whole.params)):
            np.testing.assert_array_equal(got, expected[kept])
        # A rate row describes the call that reached the step (none reached step 0).
        called = kept >= 1
        for got, expected in zip(
            jax.tree.leaves(trace.effective_lr), jax.tree.leaves(whole.effective_lr)
        ):
            np.testing.assert_array_equal(got[called], expected[kept[called] - 1])
            assert np.all(np.isnan(got[~called]))
    # What the figures draw equals what the full record gives.
    steps = curve_steps(num_steps)
    for grids, metrics, (called, quantiles), whole in zip(
        result.grids, result.metrics, result.rates, full
    ):
        at_frames = evaluation.params_at(whole.params, result.frames)
        np.testing.assert_allclose(
            grids, evaluation.decision_grids(objective, at_frames, dataset.bounds), atol=1e-6
        )
        at_steps = evaluation.params_at(whole.params, steps)
        expected = evaluation.training_metrics(objective, dataset, at_steps, steps)
        for name, values in expected.items():
            np.testing.assert_allclose(metrics[name], values, rtol=1e-6, err_msg=name)
        np.testing.assert_array_equal(called, steps[steps >= 1])
        for got, want in zip(quantiles, netviz.layer_rate_quantiles(whole.effective_lr, called)):
            np.testing.assert_array_equal(got, want)
    # The layer-rates figure from the kept quantiles is the one the full record draws.
    runs = [Run(spec.label, trace) for spec, trace in zip(specs, full)]
    series = [(spec.label, *rates) for spec, rates in zip(specs, result.rates)]
    sizes = netviz.layer_sizes(result.traces[0].params)
    assert netviz.layer_quantiles_figure(sizes, series) == netviz.layer_rates_figure(runs)


def test_a_cached_network_run_is_small(default_network):
    _, result, full = default_network
    entry = cache.nbytes(result)
    grids = sum(grid.nbytes for grid in result.grids)
    # The step view's rows, the boundary's grids, and curves and quantiles of 400 steps.
    assert entry <= compute.VIEW_BYTES + grids + 128 * 1024
    # Under a quarter of every step's weights and rates alone.
    assert 4 * entry < cache.nbytes([(t.params, t.effective_lr) for t in full])


def test_a_new_numeric_setting_reuses_every_compiled_program(default_network):
    (network, specs, num_steps), _, _ = default_network
    programs = (engine._run_jit, evaluation._grids, evaluation._set_metrics)
    before = [compilations(fn) for fn in programs]
    rule = dict(specs[0].rule)
    other = specs[0]._replace(rule=tuple(sorted({**rule, "rho": rule["rho"] - 0.05}.items())))
    compute.train(network, (other, *specs[1:]), num_steps)
    assert [compilations(fn) for fn in programs] == before


def test_a_store_evicts_the_least_recently_used_beyond_its_byte_budget():
    store = cache.Store("test", max_bytes=3_000)
    for key in "abc":
        store.get(key, lambda: np.zeros(100))  # 800 bytes each
    store.get("a", lambda: pytest.fail("a is cached"))
    store.get("d", lambda: np.zeros(100))  # over budget: b, the least recently used, goes
    assert "b" not in store and {"a", "c", "d"} <= set(store._entries)
    assert store.bytes <= store.max_bytes
    value = store.get("a", lambda: None)
    with pytest.raises(ValueError, match="read-only"):
        value[0] = 1.0  # shared by every session: frozen


def test_a_store_computes_a_key_once_for_sessions_asking_together():
    store = cache.Store("test", max_bytes=1 << 20)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return np.ones(3)

    threads = [threading.Thread(target=store.get, args=("k", slow)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and store.hits == 4


def test_a_new_number_of_steps_compiles_nothing_on_the_network_page(default_network):
    """Moving ``num_steps`` (a numeric control) reuses the programs: the scans (one for runs
    that keep chosen steps, one for short runs that keep every step) and the evaluations."""
    (network, specs, num_steps), _, _ = default_network
    compute.train(network, specs, 150)  # a short run: every step kept
    programs = (engine._run_jit, evaluation._grids, evaluation._set_metrics)
    before = [compilations(fn) for fn in programs]
    for steps in (num_steps + 100, 3000, 160, 10, 410):
        result = compute.train(network, specs, steps)
        assert result.traces[0].final_params is not None
        assert result.metrics[0]["step"][-1] == steps
        assert result.grids[0].shape[0] == frames(steps).size
    assert [compilations(fn) for fn in programs] == before


def test_a_new_number_of_steps_compiles_nothing_on_the_surface_page():
    run = pagestate.surface_run({})
    compute.simulate(*run._replace(num_steps=300))
    before = compilations(engine._run_jit)
    for steps in (1, 301, 2500, compute.SURFACE_MAX_STEPS):
        result = compute.simulate(*run._replace(num_steps=steps))
        assert result.traces[0].params.shape == (steps + 1, 2)
        assert result.traces[0].effective_lr.shape == (steps, 2)
    assert compilations(engine._run_jit) == before


def test_the_surface_page_runs_up_to_its_step_control_maximum():
    assert controls.PROBLEM["num_steps"].high == compute.SURFACE_MAX_STEPS


def test_padded_evaluation_rows_give_the_same_numbers(default_network):
    (network, _, _), _, full = default_network
    dataset, objective, _ = build.network(network)
    params = full[0].params
    frame_rows, metric_rows = np.array([0, 7, 30]), np.array([0, 1, 2, 50, 90])
    args = (objective, dataset, [params], frame_rows, metric_rows, metric_rows)
    ((grids, metrics),) = evaluation.evaluate_runs(*args)
    ((padded_grids, padded_metrics),) = evaluation.evaluate_runs(*args, row_capacity=(8, 16))
    assert padded_grids.shape == grids.shape
    np.testing.assert_allclose(padded_grids, grids, atol=1e-6)
    for name, values in metrics.items():
        np.testing.assert_allclose(padded_metrics[name], values, rtol=1e-6, err_msg=name)
    with pytest.raises(ValueError, match=r"`metric_rows` must hold 1 to 4 rows"):
        evaluation.evaluate_runs(*args, row_capacity=(8, 4))


def test_metrics_in_chunks_of_rows_give_the_same_numbers_with_one_program(default_network):
    (network, _, _), _, full = default_network
    dataset, objective, _ = build.network(network)
    params = full[0].params
    for rows in (20, 13):
        at = evaluation.params_at(params, np.arange(rows) * 7)
        whole = evaluation.training_metrics(objective, dataset, at, np.arange(rows))
        before = compilations(evaluation._set_metrics)
        chunked = evaluation.training_metrics(objective, dataset, at, np.arange(rows), 6)
        for name, values in whole.items():
            np.testing.assert_allclose(chunked[name], values, rtol=1e-6, err_msg=name)
    assert compilations(evaluation._set_metrics) == before  # 13 rows: the chunks of 20's
    with pytest.raises(ValueError, match=r"`row_chunk` must be None or an integer >= 1"):
        evaluation.training_metrics(objective, dataset, at, np.arange(13), 0)


def test_the_surface_csv_export_is_the_exact_run_and_compiles_nothing_for_new_steps():
    run = pagestate.surface_run({})
    export = exports_view.surface_export_run(*run._replace(num_steps=40))
    exports_view.build_csv(export)
    before = compilations(engine._run_jit)
    for steps in (41, 75):
        export = exports_view.surface_export_run(*run._replace(num_steps=steps))
        csv = exports_view.build_csv(export)
        exact = engine.run(
            export.objective,
            np.asarray(export.start, np.float32),
            export.optimizers,
            steps,
            key=export.seed,
            record=engine.FULL,
        )
        assert csv == trace_csv(export, exact)
    assert compilations(engine._run_jit) == before + 2  # the two exact reference runs only


def test_the_network_csv_export_is_the_exact_run_and_compiles_nothing_for_new_steps():
    network, specs, _ = pagestate.network_run({})
    exports_view.build_csv(exports_view.network_export_run(network, specs, 30))
    programs = (engine._run_jit, evaluation._set_metrics)
    before = [compilations(fn) for fn in programs]
    # Within one window, across one, and across two of them (windows of 512 steps).
    steps = (31, 600, 1100)
    csvs = {
        n: exports_view.build_csv(exports_view.network_export_run(network, specs, n)) for n in steps
    }
    assert [compilations(fn) for fn in programs] == before
    for num_steps, csv in csvs.items():
        export = exports_view.network_export_run(network, specs, num_steps)
        _, objective = export.problem.build()
        exact = engine.run(
            objective,
            export.initial_params(),
            export.optimizers,
            num_steps,
            key=export.seed,
            record=engine.FULL,
            max_steps=max(steps),  # one reference program
        )
        assert csv == trace_csv(export, exact)


def test_a_new_number_of_steps_or_resolution_compiles_nothing_on_the_sweeps_page():
    """The maps and basins run with their step controls' maxima and one batch compiled in."""
    base = sweep_view.base_values({})

    def maps(resolution, num_steps):
        problem, specs, start, _, seed = sweep_view.surface_setting("rosenbrock", num_steps, base)
        setting = ("maps", problem, specs, start, "learning_rate", "rho", resolution, num_steps)
        return sweep_view._run_maps((*setting, seed))

    def basins(resolution, num_steps):
        problem, specs, _, _, seed = sweep_view.surface_setting("himmelblau", num_steps, base)
        return sweep_view._run_basins(("basins", problem, specs, resolution, num_steps, seed))

    maps(8, 500), basins(10, 500)
    before = compilations(engine._sweep_jit)
    for resolution, num_steps in ((8, 10), (40, 499), (48, sweep_view.MAP_MAX_STEPS)):
        for sweep in maps(resolution, num_steps):
            assert sweep.num_steps == num_steps
            assert sweep.final_loss.shape == (resolution, resolution)
        basin_map = basins(resolution + 2, num_steps)
        assert basin_map.num_steps == num_steps
        assert basin_map.labels.shape[1:] == (resolution + 2, resolution + 2)
    assert compilations(engine._sweep_jit) == before


def test_a_new_swarm_compiles_nothing_on_the_sweeps_page():
    """The swarm records its frames only, in one program for every number of steps, of frames
    and of starts."""
    base = sweep_view.base_values({})

    def swarm(starts, num_steps):
        problem, specs, _, _, seed = sweep_view.surface_setting("himmelblau", num_steps, base)
        return sweep_view._run_swarm(("swarm", problem, specs, starts, num_steps, 0, seed))

    swarm(60, 500)
    before = compilations(engine._sweep_jit)
    for starts, num_steps in ((60, 10), (500, 99), (50, 1000)):
        result = swarm(starts, num_steps)
        assert result.frame_steps[-1] == num_steps
        assert result.positions.shape[1:] == (result.frame_steps.size, starts, 2)
    assert compilations(engine._sweep_jit) == before


@pytest.mark.parametrize("layers", [mlp.HIDDEN_LAYERS_RANGE[1], 3])
@pytest.mark.parametrize("width", [mlp.WIDTH_RANGE[1], 16])
def test_every_network_the_controls_allow_keeps_its_frames_and_curve_steps(layers, width):
    """A deep network's step view leaves some of the boundary's frames out: the run keeps them
    anyway (a 4-layer network at the default 2,000 steps lost them and the page raised)."""
    st.cache_resource.clear()
    network, specs, num_steps = pagestate.network_run(
        {"network.hidden_layers": layers, "network.width": width, "network.n_points": 200}
    )
    result = compute.train(network, specs, num_steps)
    if layers == mlp.HIDDEN_LAYERS_RANGE[1]:  # the step view alone leaves frames out
        params = init_mlp(network.data_seed, mlp_sizes(layers, width))
        view = compute.view_steps(params, len(specs), num_steps, frames(num_steps))
        assert not set(frames(num_steps)) <= set(view)
    assert result.grids[0].shape[0] == frames(num_steps).size
    assert result.metrics[0]["step"][-1] == num_steps
    st.cache_resource.clear()
