"""The sweeps page's figures: diverged cells drawn as diverged (never as a loss), log axes where
a range spans decades, clicks that name their cell, and figure sizes within bounds."""

from __future__ import annotations

import numpy as np
import pytest
from figure_spec import as_figure, decode, json_size

from adadelta import SGD, Adadelta, Adagrad, sweeps, viz
from adadelta.problems.surfaces import Objective
from adadelta.sweeps import claims
from adadelta.viz import sweeps as sweepviz


@pytest.fixture(scope="module")
def sgd_map():
    """SGD on Rosenbrock over learning_rate x momentum: its large rates diverge."""
    objective = Objective.from_surface("rosenbrock")
    return sweeps.sensitivity_map(
        objective,
        np.asarray(objective.start, np.float32),
        SGD(learning_rate=0.001, momentum=0.5),
        "learning_rate",
        sweeps.axis_values(1e-4, 1.0, 9),
        "momentum",
        sweeps.axis_values(0.1, 0.9, 5),
        200,
    )


def _trace(fig, name):
    return next(t for t in fig["data"] if t.get("name") == name)


def test_diverged_cells_are_grey_and_marked_not_coloured(sgd_map):
    assert sgd_map.diverged.any() and not sgd_map.diverged.all()
    fig = sweepviz.sensitivity_figure(sgd_map)
    as_figure(fig)
    data = decode(fig["data"])
    loss = data[0]["z"]
    assert np.all(np.isnan(loss[sgd_map.diverged]))  # no colour of the loss scale
    assert np.all(np.isfinite(loss[~sgd_map.diverged]))
    grey = next(t for t in data if t["type"] == "heatmap" and t["name"] == "diverged")
    assert np.array_equal(np.isfinite(grey["z"]), sgd_map.diverged)
    assert {c for _, c in grey["colorscale"]} == {sweepviz.DIVERGED_COLOUR}
    marks = next(t for t in data if t["type"] == "scatter" and t["name"] == "diverged")
    assert marks["showlegend"] and len(marks["x"]) == int(sgd_map.diverged.sum())
    # The hover of a diverged cell says so, from its own trace.
    bad = _trace(fig, "diverged cells")
    assert "diverged at step" in bad["hovertemplate"]
    assert "final loss" not in bad["hovertemplate"]


def test_no_diverged_overlay_when_nothing_diverged():
    objective = Objective.from_surface("bowl")
    sweep = sweeps.sensitivity_map(
        objective, np.asarray(objective.start, np.float32), Adadelta(learning_rate=1.0),
        "rho", [0.9, 0.95], "epsilon", [1e-6, 1e-4], 20,
    )  # fmt: skip
    fig = sweepviz.sensitivity_figure(sweep)
    assert not any(t.get("name") == "diverged" for t in fig["data"])
    assert "no cell diverged" in fig["layout"]["title"]["text"]


def test_axes_are_logarithmic_where_the_range_spans_decades(sgd_map):
    fig = sweepviz.sensitivity_figure(sgd_map)
    data = decode(fig["data"])
    np.testing.assert_allclose(data[0]["x"], np.log10(sgd_map.x_values))
    np.testing.assert_allclose(data[0]["y"], sgd_map.y_values)  # 0.1..0.9: linear
    xaxis, yaxis = fig["layout"]["xaxis"], fig["layout"]["yaxis"]
    assert "log scale" in xaxis["title"]["text"] and "log scale" not in yaxis["title"]["text"]
    assert xaxis["tickvals"] == [-4.0, -3.0, -2.0, -1.0, 0.0]
    assert xaxis["ticktext"] == ["1e-4", "1e-3", "1e-2", "1e-1", "1"]
    assert "tickvals" not in yaxis
    lo, hi = xaxis["range"]
    assert lo < -4.0 < 0.0 < hi  # the edges of the outer cells, not padded by the markers


def test_a_click_names_its_cell_and_setting(sgd_map):
    fig = sweepviz.sensitivity_figure(sgd_map)
    data = decode(fig["data"])
    cells = [t for t in data if t.get("name") in ("cells", "diverged cells")]
    custom = np.concatenate([t["customdata"] for t in cells])
    assert len(custom) == sgd_map.diverged.size
    for row in custom:
        i, j = int(row[0]), int(row[1])
        assert sweepviz.clicked_cell({"customdata": list(row)}) == (i, j)
        assert row[2] == np.float32(sgd_map.x_values[j]) and row[3] == np.float32(
            sgd_map.y_values[i]
        )
    # As Streamlit hands a Float32Array row over: a dict of indices.
    assert sweepviz.clicked_cell({"customdata": {"0": 3.0, "1": 4.0, "2": 0.5}}) == (3, 4)
    assert sweepviz.clicked_cell({"x": 1.0}) is None


def test_colour_is_the_log_gap_to_the_minimum_on_one_range(sgd_map):
    fig = sweepviz.sensitivity_figure(sgd_map, floor=0.0, zrange=(-3.0, 2.0))
    z = decode(fig["data"])[0]["z"]
    finite = ~sgd_map.diverged
    np.testing.assert_allclose(z[finite], np.log10(sgd_map.final_loss[finite]), rtol=1e-6)
    assert (fig["data"][0]["zmin"], fig["data"][0]["zmax"]) == (-3.0, 2.0)
    lo, hi = sweepviz.colour_range([sgd_map], "final_loss", 0.0)
    assert lo == pytest.approx(np.nanmin(np.log10(sgd_map.final_loss)))
    assert hi == pytest.approx(np.nanmax(np.log10(sgd_map.final_loss)))


def test_a_64_by_64_map_figure_stays_small():
    objective = Objective.from_surface("rosenbrock")
    sweep = sweeps.sensitivity_map(
        objective, np.asarray(objective.start, np.float32), Adadelta(learning_rate=1.0),
        "learning_rate", sweeps.axis_values(1e-2, 10.0, 64), "rho",
        sweeps.axis_values(0.5, 0.999, 64), 50,
    )  # fmt: skip
    fig = sweepviz.sensitivity_figure(sweep)
    as_figure(fig)
    assert json_size(fig) < 400_000


def test_basins_colour_each_start_by_the_minimum_reached():
    objective = Objective.from_surface("himmelblau")
    basin_map = sweeps.basins(
        objective, (Adadelta(learning_rate=1.0), Adagrad(learning_rate=0.5)), 300, resolution=21
    )
    fig = sweepviz.basins_figure(basin_map, 0, "Adadelta")
    as_figure(fig)
    z = decode(fig["data"])[0]["z"]
    labels = basin_map.labels[0]
    np.testing.assert_array_equal(z[labels >= 0], labels[labels >= 0] + 1)
    assert np.all(z[labels == sweeps.NOT_REACHED] == 0)
    assert np.all(np.isnan(z[labels == sweeps.DIVERGED]))
    minima = _trace(fig, "minima")
    assert len(minima["x"]) == len(basin_map.minima) == 4
    assert minima["text"] == ["1", "2", "3", "4"]
    legend = [t["name"] for t in fig["data"] if t.get("x") == [None]]
    shares = basin_map.shares()[0]
    assert legend[:4] == [f"minimum {m + 1}: {100 * shares[m]:.0f}%" for m in range(4)]


def test_swarm_animation_stays_under_a_megabyte_and_hides_diverged_particles():
    objective = Objective.from_surface("himmelblau")
    starts = sweeps.random_starts(objective.domain, 500, seed=0)
    optimizers = (Adadelta(learning_rate=1.0), SGD(learning_rate=0.05))  # SGD diverges here
    swarm = sweeps.swarm(objective, starts, optimizers, 400)
    assert (swarm.diverged_at[1] >= 0).any()
    fig = sweepviz.swarm_figure(swarm, ["Adadelta", "SGD"], viz.backdrop(objective))
    as_figure(fig)
    assert json_size(fig) < 1_000_000
    frames = fig["frames"]
    assert 2 <= len(frames) < len(swarm.frame_steps)  # thinned to fit
    last = decode(frames[-1]["data"])[1]
    gone = swarm.diverged_at[1] >= 0
    assert np.all(np.isnan(last["x"][gone])) and np.all(np.isfinite(last["x"][~gone]))
    assert frames[-1]["name"] == str(swarm.num_steps) and frames[0]["name"] == "0"


def test_swarm_frames_fit_the_budget():
    kept = sweepviz.swarm_frames(100, 1000)
    assert kept[0] == 0 and kept[-1] == 99
    assert len(kept) * 1000 * 8 * 4 / 3 <= sweepviz.MAX_FIGURE_BYTES
    assert len(sweepviz.swarm_frames(100, 50)) == 100


@pytest.fixture(scope="module")
def tiny_tables():
    setup = sweeps.DigitsSetup(epochs=2, seeds=(0, 1))
    return sweeps.digits_tables(setup)


def test_table_cells_show_mean_and_spread(tiny_tables):
    for table in tiny_tables:
        fig = sweepviz.table_figure(table, zmax=100.0)
        as_figure(fig)
        heatmap = decode(fig["data"])[0]
        mean = np.asarray(table.error_mean).reshape(heatmap["z"].shape)
        np.testing.assert_allclose(heatmap["z"], 100 * mean, rtol=1e-6)
        flat_mean = mean.ravel()
        flat_std = np.asarray(table.error_std).ravel()
        texts = [t for row in heatmap["text"] for t in row]
        assert texts[0].startswith(f"{100 * flat_mean[0]:.1f}% ± {100 * flat_std[0]:.1f}")
    assert sweepviz.cell_text(np.nan, np.nan, 3, 3) == "diverged<br>(3/3)"
    assert sweepviz.cell_text(0.05, 0.01, 1, 3) == "5.0% ± 1.0<br>1/3 diverged"


def test_claims_are_computed_from_the_numbers(tiny_tables):
    verdict = claims.claims(tiny_tables)
    by_method = {s.method: s for s in verdict.summaries}
    adadelta = next(t for t in tiny_tables if t.method == "Adadelta")
    assert verdict.default_error == pytest.approx(adadelta.error_mean[1, 2])  # rho .95, eps 1e-6
    others = [by_method[m] for m in ("SGD", "Momentum", "Adagrad")]
    assert verdict.best_other == pytest.approx(min(s.best for s in others))
    assert verdict.robust == all(by_method["Adadelta"].spread < s.spread for s in others)
    assert verdict.no_tuning == (verdict.default_error <= verdict.best_other + claims.TOLERANCE)
    sgd = next(t for t in tiny_tables if t.method == "SGD")
    assert by_method["SGD"].spread == pytest.approx(
        np.nanmax(sgd.error_mean) - np.nanmin(sgd.error_mean)
    )
    with pytest.raises(ValueError, match="tables"):
        claims.claims([sgd])
