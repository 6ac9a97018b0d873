"""A clicked cell opens exactly its setting: the explorer's or network page's link of a cell runs
the optimizer the sweep ran in that cell (a plain single run equals the cell)."""

from __future__ import annotations

import urllib.parse

import numpy as np
import pytest

from adadelta import engine, sweeps
from adadelta.ui import build, controls, pagestate, sweep_links, sweep_view


def _query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def _defaults() -> dict:
    return sweep_view.base_values({})


@pytest.mark.parametrize(
    ("x_axis", "y_axis", "cell"),
    [
        ("learning_rate", "rho", (2, 5)),
        ("epsilon", "clipnorm", (3, 1)),
        ("weight_decay", "rho", (0, 4)),
    ],
)
def test_a_map_cell_link_runs_that_cell_on_the_explorer(x_axis, y_axis, cell):
    surface, num_steps, resolution = "himmelblau", 60, 6
    setting = sweep_view.surface_setting(surface, num_steps, _defaults())
    problem, specs, start, _, seed = setting
    adadelta_map, adagrad_map = sweep_view._run_maps(
        ("maps", problem, specs, start, x_axis, y_axis, resolution, num_steps, seed)
    )
    for sweep in (adadelta_map, adagrad_map):
        url = sweep_view.map_cell_url(sweep, cell, surface, num_steps, _defaults())
        assert url.startswith("/surfaces?")
        state = pagestate.surfaces_page(_query(url))
        assert state.messages == ()
        run = state.run
        assert run.problem == problem and run.start == start and run.num_steps == num_steps
        label = sweep.optimizer
        spec = next(s for s in run.optimizers if s.label == label)
        optimizer = build.optimizer(spec)
        i, j = cell
        expected = sweep.cell_config(i, j)
        config = optimizer.get_config()
        for name in (sweep.x_name, sweep.y_name):
            assert config[name] == pytest.approx(expected[name], rel=1e-12), name
        (trace,) = engine.run(
            build.objective(run.problem), np.asarray(run.start, np.float32), optimizer, num_steps
        )
        final = float(trace.loss[-1])
        if sweep.diverged[i, j]:
            assert trace.diverged_at is not None
        else:
            np.testing.assert_allclose(final, sweep.final_loss[i, j], rtol=1e-4, atol=1e-6)


def test_a_basin_start_link_opens_that_start():
    values = sweep_links.surface_values("six_hump_camel", 300, _defaults())
    values.update(sweep_links.surface_start("six_hump_camel", 1.25, -0.5))
    run = pagestate.surfaces_page(_query(sweep_links.surfaces_url(values))).run
    assert run.start == (1.25, -0.5)
    assert run.problem.surface == "six_hump_camel" and run.num_steps == 300
    assert [s.label for s in run.optimizers] == ["Adadelta", "Adagrad"]


@pytest.mark.parametrize(
    ("method", "index"),
    [("SGD", (1,)), ("Momentum", (2,)), ("Adagrad", (0,)), ("Adadelta", (2, 1))],
)
def test_a_table_cell_link_opens_that_optimizer_on_the_network_page(method, index):
    setup = sweeps.DigitsSetup(epochs=1, seeds=(0,))
    base, axes = sweeps.method_grid(method)
    # A table's link needs only its axes, values and the cell's optimizer (no training).
    table = sweeps.PaperTable(
        method=method,
        optimizer=type(base).__name__,
        config=base.get_config(),
        axes=tuple(axes),
        values=tuple(tuple(v) for v in axes.values()),
        seeds=np.asarray(setup.seeds),
        test_error=np.zeros((*[len(v) for v in axes.values()], 1)),
        train_loss=np.zeros((*[len(v) for v in axes.values()], 1)),
        diverged_at=np.full((*[len(v) for v in axes.values()], 1), -1),
        num_steps=13,
    )
    state = pagestate.networks_page(_query(sweep_links.network_url(table, index)))
    assert state.messages == ()
    network, specs, num_steps = state.run
    assert (network.hidden_layers, network.width, network.activation) == (1, 32, "tanh")
    assert network.batch_size == 100 and num_steps == 13
    label = "Adadelta" if method == "Adadelta" else type(base).__name__
    spec = next(s for s in specs if s.label == label)
    built = build.optimizer(spec).get_config()
    expected = table.cell_optimizer(index).get_config()
    for name in ("learning_rate", "rho", "epsilon", "momentum", "initial_accumulator_value"):
        if name in expected:
            assert built[name] == pytest.approx(expected[name], rel=1e-12), name
    if method != "Adadelta":
        assert [s.label for s in specs] == ["Adadelta", label]


def test_every_map_axis_has_a_range_inside_its_explorer_control():
    for name, (lo, hi) in sweep_view.AXIS_RANGES.items():
        changes = sweep_links.adadelta_changes({name: lo}) | sweep_links.adadelta_changes(
            {name: hi}
        )
        by_key = controls.controls_of(controls.SURFACE_PAGE)
        for key, value in changes.items():
            control = by_key[key]
            if isinstance(value, float):
                assert control.low <= value <= control.high, (name, key)
    assert set(sweep_view.AXIS_RANGES) == set(controls.MAP_AXES)


def test_the_sweeps_page_keys_are_unique_and_every_control_has_one_line_help():
    by_key = controls.controls_of(controls.SWEEPS_PAGE)  # raises on a duplicate key
    for group in controls.SWEEPS_PAGE:
        for control in group:
            assert control.key == f"{group.prefix}.{control.name}"
            assert by_key[control.key] is control
            assert control.help and "\n" not in control.help
    assert {"sweeps.section", "sweeps.resolution", "adadelta.rho", "adagrad.learning_rate"} <= set(
        by_key
    )


def test_links_are_built_without_streamlit():
    import ast
    import pathlib

    source = pathlib.Path(sweep_links.__file__).read_text()
    imported = {
        node.module or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
    } | {a.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m.split(".")[0] == "streamlit" for m in imported)
