"""Sweeps: every cell or start equals a plain single ``engine.run``; divergence is flagged, not
drawn as a loss; basin labels are right at the known minima; no recompiles on numeric changes.

Equality: the batched program may fuse a multiply-add differently from the single run, so a
coordinate can differ by one float32 ulp at some step (seen: 1.2e-7 on SGD and Adagrad paths);
on gentle runs that stays within 1e-6. Adadelta's runs below agree bit for bit, and the tests
still allow the ulp.
"""

import ast
import dataclasses
import pathlib

import numpy as np
import pytest
from compile_count import compilations

from adadelta import SGD, Adadelta, Adagrad, engine, sweeps
from adadelta.problems.surfaces import Objective
from adadelta.sweeps import tables

ROOT = pathlib.Path(__file__).resolve().parents[1]
ALLOWED = {"jax", "numpy", "adadelta.engine", "adadelta.optim", "adadelta.problems"}


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names.add(node.module)
    return names


def test_sweeps_import_only_the_engine_and_below():
    import sys

    for path in sorted((ROOT / "adadelta" / "sweeps").glob("*.py")):
        for module in _imports(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or module == "__future__":
                continue
            if module == "adadelta" or module.startswith("adadelta.sweeps"):
                continue
            assert any(module == ok or module.startswith(ok + ".") for ok in ALLOWED), (
                f"{path.name} imports {module}"
            )


def _start(objective):
    return np.array(objective.start, np.float32)


def test_axis_values_are_log_spaced_when_they_span_decades():
    np.testing.assert_allclose(sweeps.axis_values(1e-3, 1.0, 4), [1e-3, 1e-2, 1e-1, 1.0])
    np.testing.assert_allclose(sweeps.axis_values(0.5, 0.9, 5), [0.5, 0.6, 0.7, 0.8, 0.9])
    np.testing.assert_allclose(sweeps.axis_values(1.0, 4.0, 3, log=True), [1.0, 2.0, 4.0])
    assert sweeps.spans_decades(1e-8, 1e-2) and not sweeps.spans_decades(0.0, 1.0)
    for args in [(0.0, 1.0, 4, True), (1.0, 1.0, 4), (1.0, 2.0, 1), (1.0, float("nan"), 3)]:
        with pytest.raises(ValueError):
            sweeps.axis_values(*args)


def test_sensitivity_map_cells_equal_single_runs():
    objective = Objective.from_surface("himmelblau")
    lrs, rhos = sweeps.axis_values(0.1, 10.0, 5), sweeps.axis_values(0.5, 0.99, 4)
    base = Adadelta(learning_rate=1.0, epsilon=1e-4)
    result = sweeps.sensitivity_map(
        objective, _start(objective), base, "learning_rate", lrs, "rho", rhos, 200
    )
    assert result.final_loss.shape == (4, 5) and result.x_log and not result.y_log
    for i, j in [(0, 0), (2, 3), (3, 4)]:
        optimizer = base.replace(learning_rate=float(lrs[j]), rho=float(rhos[i]))
        assert Adadelta(**result.cell_config(i, j)).get_config() == optimizer.get_config()
        (single,) = engine.run(objective, _start(objective), optimizer, 200, record=("loss",))
        np.testing.assert_allclose(result.final_params[i, j], single.final_params, atol=1e-6)
        assert result.final_loss[i, j] == pytest.approx(float(single.final_loss), abs=1e-6)
        assert result.best_loss[i, j] == pytest.approx(float(single.loss.min()), abs=1e-6)
        assert single.loss[result.best_step[i, j]] == pytest.approx(single.loss.min(), abs=1e-6)
    assert not result.diverged.any() and (result.diverged_at == -1).all()


def test_diverged_cells_are_flagged_never_drawn_as_losses():
    objective = Objective.from_surface("rosenbrock")
    lrs = sweeps.axis_values(1e-4, 1e-1, 4)
    moms = [0.1, 0.5, 0.9]
    base = SGD(learning_rate=0.01, momentum=0.5)
    result = sweeps.sensitivity_map(
        objective, _start(objective), base, "learning_rate", lrs, "momentum", moms, 100
    )
    assert result.diverged[:, -1].all() and not result.diverged[:, 0].any()
    assert np.isnan(result.final_loss[result.diverged]).all()
    assert np.isfinite(result.final_loss[~result.diverged]).all()
    for i, j in zip(*np.nonzero(result.diverged)):
        optimizer = base.replace(learning_rate=float(lrs[j]), momentum=moms[i])
        (single,) = engine.run(objective, _start(objective), optimizer, 100, record=("loss",))
        assert single.diverged_at == result.diverged_at[i, j] > 0
        # The best loss is the best before the run blew up, and is the start's or lower.
        finite = single.loss[: single.diverged_at]
        assert result.best_loss[i, j] == pytest.approx(float(finite.min()), rel=1e-6)


def test_an_argument_that_is_off_is_switched_on_by_its_axis():
    objective = Objective.from_surface("beale")
    clips = [0.1, 1.0, 10.0]
    lrs = [0.5, 1.0]
    base = Adagrad(learning_rate=1.0)
    result = sweeps.sensitivity_map(
        objective, _start(objective), base, "clipnorm", clips, "learning_rate", lrs, 60
    )
    for i, j in [(0, 0), (1, 2)]:
        optimizer = base.replace(learning_rate=lrs[i], clipnorm=clips[j])
        assert result.cell_config(i, j) == optimizer.get_config()
        (single,) = engine.run(objective, _start(objective), optimizer, 60, record=())
        np.testing.assert_allclose(result.final_params[i, j], single.final_params, atol=1e-6)
    # Clipping bites on Beale's steep walls: the three clip values give three different ends.
    assert len({tuple(p) for p in result.final_params[0]}) == 3


def test_adagrad_initial_accumulator_map():
    objective = Objective.from_surface("rosenbrock")
    result = sweeps.sensitivity_map(
        objective,
        _start(objective),
        Adagrad(),
        "learning_rate",
        sweeps.axis_values(1e-3, 1.0, 4),
        "initial_accumulator_value",
        sweeps.axis_values(1e-4, 1.0, 3),
        100,
    )
    optimizer = Adagrad(learning_rate=1.0, initial_accumulator_value=1e-4)
    (single,) = engine.run(objective, _start(objective), optimizer, 100, record=())
    np.testing.assert_allclose(result.final_params[0, 3], single.final_params, atol=1e-6)


@pytest.mark.parametrize(
    ("optimizer", "x_name", "x_values", "match"),
    [
        (Adadelta(), "ema_momentum", [0.9, 0.99], "no effect"),
        (Adadelta(), "momentum", [0.1, 0.2], "not a numeric argument"),
        (Adadelta(), "name", [1.0, 2.0], "not a numeric argument"),
        (SGD(momentum=0.5), "momentum", [0.0, 0.5], "changes which features"),
        (Adadelta(), "rho", [0.5, 1.5], "rho"),
        (Adadelta(), "rho", [], "values of `rho`"),
        (Adadelta(), "epsilon", ["a"], "values of `epsilon`"),
    ],
)
def test_bad_axes_raise_clear_errors(optimizer, x_name, x_values, match):
    objective = Objective.from_surface("bowl")
    with pytest.raises(ValueError, match=match):
        sweeps.sensitivity_map(
            objective, _start(objective), optimizer, x_name, x_values, "learning_rate", [0.1], 10
        )


def test_map_size_is_bounded():
    objective = Objective.from_surface("bowl")
    with pytest.raises(ValueError, match="too large"):
        sweeps.sensitivity_map(
            objective, _start(objective), Adadelta(), "rho", np.linspace(0.1, 0.9, 128),
            "learning_rate", np.linspace(0.1, 1, 128), 5000,
        )  # fmt: skip


def test_numeric_changes_reuse_the_compiled_sweep():
    def one_map(surface, start, lrs, rhos, epsilon, **shape):
        objective = Objective.from_surface(surface, **shape)
        base = Adadelta(learning_rate=1.0, epsilon=epsilon)
        return sweeps.sensitivity_map(objective, start, base, "learning_rate", lrs, "rho", rhos, 50)

    one_map("rosenbrock", [-1.0, 1.0], [0.1, 1.0, 10.0], [0.9, 0.95], 1e-6)
    before = compilations(engine._sweep_jit)
    one_map("rosenbrock", [0.5, -0.5], [0.2, 2.0, 20.0], [0.5, 0.99], 1e-3, b=10.0)
    one_map("rosenbrock", [-1.5, 2.0], [0.3, 0.4, 0.5], [0.7, 0.8], 1e-8, b=500.0)
    assert compilations(engine._sweep_jit) == before


HIMMELBLAU = Objective.from_surface("himmelblau")


@pytest.mark.parametrize(
    ("surface", "optimizer"),
    [
        ("himmelblau", Adadelta(learning_rate=1.0)),
        ("six_hump_camel", Adagrad(learning_rate=0.1)),
        ("styblinski_tang", SGD(learning_rate=0.01)),
        ("three_hump_camel", Adadelta(learning_rate=1.0)),
    ],
)
def test_starts_at_or_near_a_minimum_are_labelled_with_it(surface, optimizer):
    objective = Objective.from_surface(surface)
    minima = np.array([m[:2] for m in objective.local_minima], np.float32)
    offsets = np.array([[0.0, 0.0], [1e-3, -1e-3]], np.float32)
    starts = (minima[None] + offsets[:, None]).reshape(-1, 2)
    result = sweeps.basin_labels(objective, starts, optimizer, 100, radius=0.1)
    expected = np.tile(np.arange(len(minima)), len(offsets))
    np.testing.assert_array_equal(result.labels[0], expected)
    np.testing.assert_allclose(
        result.minima_values, [m[2] for m in objective.local_minima], rtol=1e-5, atol=1e-5
    )


def test_basin_cells_equal_single_runs_and_labels_cover_every_outcome():
    optimizers = (Adadelta(learning_rate=1.0), SGD(learning_rate=0.005), SGD(learning_rate=0.05))
    result = sweeps.basins(HIMMELBLAU, optimizers, 150, resolution=(9, 7))
    assert result.labels.shape == (3, 7, 9) and result.xs.shape == (9,)
    for o, i, j in [(0, 0, 0), (0, 3, 4), (1, 6, 2), (1, 3, 4), (2, 0, 0), (2, 6, 8)]:
        start = np.array([result.xs[j], result.ys[i]], np.float32)
        (single,) = engine.run(HIMMELBLAU, start, optimizers[o], 150, record=())
        np.testing.assert_allclose(
            result.final_params[o, i, j], single.final_params, rtol=1e-6, atol=1e-6
        )
        assert result.diverged_at[o, i, j] == (
            -1 if single.diverged_at is None else single.diverged_at
        )
    # SGD with η = 0.05 blows up from the corners (|∇f| ~ 1e3 there); Adadelta does not, and
    # SGD with η = 0.005 reaches a minimum from every start of this grid.
    assert result.labels[2, 0, 0] == sweeps.DIVERGED and result.diverged_at[2, 0, 0] > 0
    assert not (result.labels[0] == sweeps.DIVERGED).any()
    assert (result.labels[1] >= 0).all()
    np.testing.assert_allclose(result.shares().sum(axis=1), 1.0)
    # One step from far away reaches nothing.
    few = sweeps.basins(HIMMELBLAU, SGD(learning_rate=1e-4), 1, resolution=3)
    assert (few.labels == sweeps.NOT_REACHED).all()


def test_label_ends_uses_the_radius_and_flags_divergence():
    minima = np.array([[0.0, 0.0], [3.0, 0.0]])
    ends = np.array([[0.05, 0.0], [2.9, 0.1], [1.5, 0.0], [np.nan, np.nan], [0.0, 0.0]])
    diverged_at = np.array([-1, -1, -1, 7, 3])
    labels = sweeps.label_ends(ends, diverged_at, minima, 0.2)
    assert labels.tolist() == [0, 1, sweeps.NOT_REACHED, sweeps.DIVERGED, sweeps.DIVERGED]


def test_basins_refuse_an_ambiguous_radius():
    with pytest.raises(ValueError, match="radius"):
        sweeps.basins(HIMMELBLAU, Adadelta(), 10, resolution=3, radius=4.0)


def test_swarm_frames_equal_single_run_paths():
    starts = sweeps.random_starts(HIMMELBLAU.domain, 60, seed=4)
    optimizers = (Adadelta(learning_rate=1.0), Adagrad(learning_rate=0.5))
    result = sweeps.swarm(HIMMELBLAU, starts, optimizers, 400, max_frames=50)
    steps = result.frame_steps
    assert steps[0] == 0 and steps[-1] == 400 and len(steps) <= 50
    assert np.all(np.diff(steps) > 0)
    assert result.positions.shape == (2, len(steps), 60, 2)
    np.testing.assert_array_equal(result.positions[:, 0], np.stack([starts, starts]))
    for o, n in [(0, 0), (0, 17), (1, 59)]:
        (single,) = engine.run(HIMMELBLAU, starts[n], optimizers[o], 400, record=("params", "loss"))
        np.testing.assert_allclose(
            result.positions[o, :, n], single.params[steps], rtol=1e-6, atol=1e-6
        )
        np.testing.assert_allclose(result.loss[o, :, n], single.loss[steps], rtol=1e-5, atol=1e-5)


def test_swarm_flags_divergence():
    starts = sweeps.random_starts(HIMMELBLAU.domain, 20, seed=0)
    result = sweeps.swarm(HIMMELBLAU, starts, SGD(learning_rate=0.05), 50)
    diverged = result.diverged_at[0] >= 0
    assert diverged.any() and np.isnan(result.final_loss[0, diverged]).all()
    assert np.isfinite(result.final_loss[0, ~diverged]).all()


def test_basins_and_swarms_reuse_compiled_code_across_numeric_changes():
    def both(lr, rho, seed, domain, **shape):
        objective = Objective.from_surface("quadratic", **shape)
        optimizer = Adadelta(learning_rate=lr, rho=rho)
        sweeps.basins(objective, optimizer, 30, resolution=6, domain=domain, minima=[[0, 0]])
        starts = sweeps.random_starts(domain, 25, seed=seed)
        sweeps.swarm(objective, starts, optimizer, 30, max_frames=10)

    both(1.0, 0.95, 0, ((-1, 1), (-1, 1)))
    before = compilations(engine._sweep_jit)
    both(0.3, 0.5, 1, ((-3, 2), (0, 4)), kappa=50.0, theta=30.0)
    both(2.0, 0.99, 2, ((-9, 9), (-9, 9)), kappa=3.0)
    assert compilations(engine._sweep_jit) == before


def test_frame_steps_are_dense_early_and_bounded():
    assert sweeps.frame_steps(30, 100).tolist() == list(range(31))
    steps = sweeps.frame_steps(5000, 100)
    assert len(steps) <= 100 and steps[0] == 0 and steps[-1] == 5000
    assert np.sum(steps < 500) > np.sum(steps > 4500)  # denser where paths move fast
    starts = sweeps.random_starts(((-1.0, 2.0), (3.0, 4.0)), 500, seed=1)
    assert starts.min(axis=0).tolist() >= [-1.0, 3.0] and starts.max(axis=0).tolist() <= [2, 4]
    np.testing.assert_array_equal(starts, sweeps.random_starts(((-1, 2), (3, 4)), 500, seed=1))


def test_batched_objective_leaves_equal_a_loop_over_objectives():
    # engine.sweep's objective_axes: one shape parameter per batch member.
    objective = Objective.from_surface("rosenbrock", b=100.0)
    batch = dataclasses.replace(objective, shape_params={"b": np.array([1.0, 10.0, 300.0])})
    axes = dataclasses.replace(objective, shape_params={"b": 0}, axis_scale=None, noise_sigma=None)
    (trace,) = engine.sweep(
        batch, _start(objective), Adadelta(learning_rate=1.0), 80,
        batched_optimizers=False, objective_axes=axes, record=(),
    )  # fmt: skip
    for k, b in enumerate([1.0, 10.0, 300.0]):
        single_objective = Objective.from_surface("rosenbrock", b=b)
        (single,) = engine.run(single_objective, _start(objective), Adadelta(learning_rate=1.0), 80)
        np.testing.assert_allclose(trace.final_params[k], single.final_params, atol=1e-6)
    with pytest.raises(ValueError, match="objective_axes"):
        engine.sweep(objective, _start(objective), Adadelta(), 5, objective_axes=(0,))


SMALL = sweeps.DigitsSetup(hidden=(8,), epochs=2, seeds=(3, 7))


@pytest.fixture(scope="module")
def small_problem():
    return sweeps.digits_problem(SMALL)


def test_seeds_change_the_initial_weights_and_the_minibatch_order(small_problem):
    assert small_problem.orders.shape == (2, 26 * 100)
    assert not np.array_equal(small_problem.orders[0], small_problem.orders[1])
    kernel = small_problem.params[0]["kernel"]
    assert kernel.shape == (2, 64, 8) and not np.array_equal(kernel[0], kernel[1])


@pytest.mark.parametrize("method", ["Momentum", "Adadelta"])
def test_table_cells_equal_single_runs(small_problem, method):
    table = sweeps.digits_table(method, SMALL, problem=small_problem)
    assert table.test_error.shape == (*table.shape, 2) and table.num_steps == 26
    cells = [(1,), (3,)] if method == "Momentum" else [(0, 1), (2, 3)]
    for index in cells:
        optimizer = table.cell_optimizer(index)
        for s in range(2):
            trace = sweeps.digits_run(SMALL, optimizer, s, record=(), problem=small_problem)
            _, error = small_problem.objective.evaluate(
                trace.final_params, small_problem.x_test, small_problem.y_test
            )
            assert table.test_error[(*index, s)] == pytest.approx(float(error), abs=1e-9)
            loss, _ = small_problem.objective.evaluate(
                trace.final_params, small_problem.objective.x, small_problem.objective.y
            )
            assert table.train_loss[(*index, s)] == pytest.approx(float(loss), rel=1e-5)


def test_tables_report_progress_and_reuse_compiled_code():
    calls = []
    result = sweeps.digits_tables(SMALL, lambda f, m: calls.append((f, m)), methods=("SGD",))
    assert [c[0] for c in calls] == [0.0, 1.0] and "SGD" in calls[0][1]
    assert result[0].axes == ("learning_rate",) and result[0].values[0] == sweeps.LEARNING_RATES
    # Other seeds and another split are new numbers, not a new program.
    before = compilations(engine._sweep_jit)
    sweeps.digits_tables(SMALL._replace(seeds=(11, 12), split_seed=5), methods=("SGD",))
    assert compilations(engine._sweep_jit) == before


def test_table_statistics_skip_diverged_seeds():
    errors = np.array([[0.1, 0.2, np.nan], [np.nan, np.nan, np.nan]])
    table = tables.PaperTable(
        "SGD", "SGD", {}, ("learning_rate",), ((1.0, 0.1),), np.arange(3), errors,
        errors, np.array([[-1, -1, 5], [2, 3, 4]]), 10,
    )  # fmt: skip
    np.testing.assert_allclose(table.error_mean, [0.15, np.nan])
    np.testing.assert_allclose(table.error_std, [0.05, np.nan])
    assert table.num_diverged.tolist() == [1, 3]


@pytest.mark.parametrize(
    "setup",
    [
        SMALL._replace(seeds=()),
        SMALL._replace(seeds=(1, 1)),
        SMALL._replace(hidden=(0,)),
        SMALL._replace(hidden=8),
        SMALL._replace(epochs=0),
        SMALL._replace(split_seed=-1),
    ],
)
def test_bad_setups_raise_clear_errors(setup):
    with pytest.raises(ValueError, match=r"seeds|sizes|hidden|epochs|seed"):
        sweeps.digits_problem(setup)


def _map(num_steps, max_steps=None):
    # SGD on Rosenbrock: the larger rates overflow within the steps, at different steps.
    objective = Objective.from_surface("rosenbrock")
    lrs = sweeps.axis_values(1e-4, 0.05, 6)
    momenta = sweeps.axis_values(0.1, 0.9, 3)
    base = SGD(learning_rate=0.01, momentum=0.5)
    return sweeps.sensitivity_map(
        objective, _start(objective), base, "learning_rate", lrs, "momentum", momenta,
        num_steps, max_steps=max_steps,
    )  # fmt: skip


def test_a_map_compiled_for_more_steps_is_the_exact_map():
    for num_steps in (1, 40, 300):
        exact, capped = _map(num_steps), _map(num_steps, max_steps=2000)
        for field in exact._fields:
            a, b = getattr(exact, field), getattr(capped, field)
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b, err_msg=field)
            else:
                assert a == b, field
    assert exact.diverged.any() and not exact.diverged.all()
    # Some best losses lie before the end, some runs end at their best.
    assert ((exact.best_step > 0) & (exact.best_step < 300)).any()
    assert (exact.best_step == 300).any()


def test_a_new_number_of_steps_reuses_the_compiled_map_and_basins():
    def basins(num_steps, max_steps=None):
        optimizer = Adadelta(learning_rate=1.0)
        return sweeps.basins(HIMMELBLAU, optimizer, num_steps, resolution=8, max_steps=max_steps)

    _map(50, max_steps=2000)
    basins(50, max_steps=2000)
    before = compilations(engine._sweep_jit)
    capped = {n: (_map(n, max_steps=2000), basins(n, max_steps=2000)) for n in (10, 51, 777, 2000)}
    assert compilations(engine._sweep_jit) == before
    for num_steps, (sweep, basin_map) in capped.items():
        assert sweep.num_steps == basin_map.num_steps == num_steps
        exact = basins(num_steps)
        np.testing.assert_array_equal(basin_map.final_params, exact.final_params)
        np.testing.assert_array_equal(basin_map.labels, exact.labels)
        np.testing.assert_array_equal(basin_map.diverged_at, exact.diverged_at)
