"""The small-network figures, built from real training runs of a 2-8-8-1 network on XOR."""

from __future__ import annotations

import itertools
import json
import types

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from figure_spec import as_figure, json_size

from adadelta import engine
from adadelta.optim import Adadelta, Adagrad
from adadelta.problems import evaluation
from adadelta.problems.datasets import make_dataset
from adadelta.problems.mlp import NetworkObjective, init_mlp
from adadelta.viz import Run, curve_steps, frame_steps
from adadelta.viz import network as netviz
from adadelta.viz.network.data import nan_quantiles
from adadelta.viz.network.graph import neuron_positions
from adadelta.viz.shared.frames import MAX_CURVE_POINTS
from adadelta.viz.shared.style import STYLES
from adadelta.viz.shared.ticks import log_ticks


def _validated(builder):
    """The builder, its spec read through Plotly's validation (``as_figure``)."""
    return lambda *args, **kwargs: as_figure(builder(*args, **kwargs))


# Everything the tests use, figures validated by Plotly.
nw = types.SimpleNamespace(
    MAX_FRAMES=netviz.MAX_FRAMES,
    GRID_RESOLUTION=netviz.GRID_RESOLUTION,
    MAX_CURVE_POINTS=MAX_CURVE_POINTS,
    network_frames=lambda num_steps, max_frames=netviz.MAX_FRAMES: frame_steps(
        num_steps, max_frames=max_frames
    ),
    curve_steps=curve_steps,
    params_at=evaluation.params_at,
    decision_grids=lambda objective, params, bounds: evaluation.decision_grids(
        objective, params, bounds, netviz.GRID_RESOLUTION
    ),
    training_metrics=lambda objective, dataset, trace, steps: evaluation.training_metrics(
        objective, dataset, evaluation.params_at(trace.params, steps), steps
    ),
    layer_rate_quantiles=netviz.layer_rate_quantiles,
    log10_kernel_rates=netviz.log10_kernel_rates,
    decision_boundary_figure=_validated(netviz.decision_boundary_figure),
    training_curves_figure=_validated(netviz.training_curves_figure),
    layer_rates_figure=_validated(netviz.layer_rates_figure),
    rate_distribution_figure=_validated(netviz.rate_distribution_figure),
    network_graph_figure=_validated(netviz.network_graph_figure),
)


def rates_only(label: str, rates) -> Run:
    """A run that recorded only ``effective_lr`` (all the rate figures read)."""
    empty = dict.fromkeys(engine.Trace._fields)
    return Run(label, engine.Trace(**{**empty, "effective_lr": rates}))


SIZES = (2, 8, 8, 1)
STEPS = 150
LABELS = ("Adadelta", "Adagrad")


@pytest.fixture(scope="module")
def setup():
    dataset = make_dataset("xor", 200, seed=0)
    objective = NetworkObjective.from_dataset(dataset, SIZES)
    traces = engine.run(
        objective,
        init_mlp(0, SIZES),
        [Adadelta(learning_rate=1.0), Adagrad(learning_rate=0.1)],
        STEPS,
        record=engine.FULL,
    )
    return dataset, objective, [Run(label, trace) for label, trace in zip(LABELS, traces)]


@pytest.fixture(scope="module")
def accumulating():
    """Adadelta updating every 3rd call: the other rows of effective_lr are NaN."""
    dataset = make_dataset("xor", 200, seed=0)
    objective = NetworkObjective.from_dataset(dataset, SIZES)
    (trace,) = engine.run(
        objective,
        init_mlp(0, SIZES),
        [Adadelta(learning_rate=1.0, gradient_accumulation_steps=3)],
        30,
        record=engine.FULL,
    )
    return trace


@pytest.fixture(scope="module")
def decision(setup):
    dataset, objective, runs = setup
    frames = nw.network_frames(STEPS)
    panels = [
        (label, nw.decision_grids(objective, nw.params_at(t.params, frames), dataset.bounds))
        for label, t in runs
    ]
    spec = netviz.decision_boundary_figure(panels, dataset, frames)
    return frames, panels, as_figure(spec), spec


def assert_valid(fig: go.Figure) -> None:
    """The builders skip Plotly's validation for speed (``nw`` validated the spec): the
    template travels as the template itself (plotly.js does not know template names)."""
    spec = fig.to_dict()
    assert spec["layout"]["template"] == pio.templates["plotly_white"].to_plotly_json()
    assert fig.layout.title.text
    assert fig.layout.meta["alt"]


def heatmap_indices(fig: go.Figure) -> list[int]:
    return [i for i, trace in enumerate(fig.data) if trace.type == "heatmap"]


# Frames and steps


@pytest.mark.parametrize("num_steps", [0, 1, 5, 59, 60, 61, 150, 2000, 100_000])
def test_network_frames_are_distinct_steps_from_0_to_T(num_steps):
    frames = nw.network_frames(num_steps)
    assert frames.dtype == np.int64
    assert frames[0] == 0 and frames[-1] == num_steps
    assert np.all(np.diff(frames) > 0)
    assert frames.size == min(num_steps + 1, nw.MAX_FRAMES)


def test_network_frames_are_denser_early():
    gaps = np.diff(nw.network_frames(2000, 60))
    assert gaps[:10].mean() < gaps[-10:].mean() / 5


def test_network_frames_rejects_bad_arguments():
    with pytest.raises(ValueError, match="max_frames"):
        nw.network_frames(10, 1)
    with pytest.raises(ValueError, match="num_steps"):
        nw.network_frames(-1)


def test_curve_steps_subsample_within_bounds():
    steps = nw.curve_steps(2000)
    assert steps[0] == 0 and steps[-1] == 2000 and steps.size <= nw.MAX_CURVE_POINTS
    assert np.all(np.diff(steps) > 0)
    np.testing.assert_array_equal(nw.curve_steps(50), np.arange(51))


# Decision boundary


def test_decision_grids_match_one_unbatched_call(setup, decision):
    dataset, objective, runs = setup
    frames, panels, *_ = decision
    grids = panels[0][1]
    assert grids.shape == (frames.size, nw.GRID_RESOLUTION, nw.GRID_RESOLUTION)
    assert np.all((grids >= 0) & (grids <= 1))
    k = frames.size // 2
    params = nw.params_at(runs[0].trace.params, [frames[k]])
    one = objective.decision_grid(
        [{n: v[0] for n, v in layer.items()} for layer in params],
        dataset.bounds,
        nw.GRID_RESOLUTION,
    )
    np.testing.assert_allclose(grids[k], np.asarray(one), atol=1e-6)
    assert not np.allclose(grids[0], grids[-1])  # the network learned something


def test_decision_figure_has_one_heatmap_per_optimizer_side_by_side(decision):
    _, _, fig, _ = decision
    heatmaps = heatmap_indices(fig)
    assert [fig.data[i].name for i in heatmaps] == list(LABELS)
    assert {fig.data[i].xaxis for i in heatmaps} == {"x", "x2"}
    assert [a.text for a in fig.layout.annotations][:2] == list(LABELS)
    assert fig.layout.xaxis2.matches == "x" and fig.layout.yaxis2.matches == "y"
    for i in heatmaps:
        assert (fig.data[i].zmin, fig.data[i].zmax) == (0.0, 100.0)
    assert sum(bool(fig.data[i].showscale) for i in heatmaps) == 1
    assert_valid(fig)


def test_decision_figure_draws_classes_with_two_symbols_and_colours(decision, setup):
    dataset = setup[0]
    _, _, fig, _ = decision
    train = [t for t in fig.data if t.type == "scatter" and "(train)" in t.name and t.showlegend]
    assert len(train) == 2
    assert len({t.marker.symbol for t in train}) == 2
    assert len({t.marker.color for t in train}) == 2
    assert sum(len(t.x) for t in train) == len(dataset.x_train)
    test = [t for t in fig.data if t.type == "scatter" and "(test)" in t.name and t.showlegend]
    assert all(t.marker.symbol.endswith("-open") for t in test)


def test_decision_frames_touch_only_heatmaps_with_one_shared_slider(decision):
    frames, _, fig, _ = decision
    heatmaps = heatmap_indices(fig)
    assert len(fig.frames) == frames.size <= nw.MAX_FRAMES
    for frame, step in zip(fig.frames, frames):
        assert frame.name == str(step)
        assert list(frame.traces) == heatmaps
        assert [d.type for d in frame.data] == ["heatmap"] * len(heatmaps)
    (slider,) = fig.layout.sliders
    assert [s.args[0][0] for s in slider.steps] == [str(s) for s in frames]
    flags = [s.args[1]["frame"]["redraw"] for s in slider.steps]
    flags += [b.args[1]["frame"]["redraw"] for m in fig.layout.updatemenus for b in m.buttons]
    assert all(flags), "heatmaps vanish on redraw=False frames (plotly.js#4491)"
    labels = [b.label for m in fig.layout.updatemenus for b in m.buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)


def test_decision_figure_json_stays_small(decision):
    *_, spec = decision
    size = json_size(spec)
    assert size < 1_500_000, size
    # Probabilities travel as whole percents, one byte per cell.
    assert spec["data"][0]["z"]["dtype"] == "u1"
    assert json.loads(as_figure(spec).to_json())["data"][0]["z"]["dtype"] == "u1"


def test_decision_figure_json_for_full_sized_frames_stays_small(setup):
    dataset = setup[0]
    frames = nw.network_frames(2000)
    rng = np.random.default_rng(0)
    grids = rng.uniform(0.0, 1.0, (frames.size, 40, 40)).astype(np.float32)
    spec = netviz.decision_boundary_figure(
        [("Adadelta", grids), ("Adagrad", grids)], dataset, frames
    )
    assert json_size(spec) < 1_500_000


def test_decision_figure_says_when_the_output_is_not_finite(decision, setup):
    dataset = setup[0]
    frames, panels, *_ = decision
    broken = panels[1][1].copy()
    broken[5:] = np.nan
    fig = nw.decision_boundary_figure([panels[0], ("Adagrad", broken)], dataset, frames)
    notes = [a.text for a in fig.layout.annotations if a.name == "notes"]
    assert notes and f"from step {frames[5]}" in notes[0]
    assert_valid(fig)


def test_decision_figure_regression_uses_a_symmetric_value_range():
    dataset = make_dataset("plane", 100, seed=0)
    grids = np.zeros((3, 10, 10), np.float32)
    fig = nw.decision_boundary_figure([("Adadelta", grids)], dataset, [0, 1, 2])
    heatmap = fig.data[0]
    assert heatmap.zmin == -heatmap.zmax and heatmap.zmax > 0
    assert fig.layout.title.text == "Prediction surface"
    assert_valid(fig)


def test_decision_figure_rejects_grids_of_the_wrong_length(decision, setup):
    frames, panels, *_ = decision
    with pytest.raises(ValueError, match="n_frames"):
        nw.decision_boundary_figure([(panels[0][0], panels[0][1][:-1])], setup[0], frames)


# Training curves


def test_training_metrics_match_the_recorded_full_batch_loss(setup):
    dataset, objective, runs = setup
    trace = runs[0].trace
    steps = nw.curve_steps(STEPS)
    metrics = nw.training_metrics(objective, dataset, trace, steps)
    assert set(metrics) == {"step", "train_loss", "test_loss", "train_acc", "test_acc"}
    np.testing.assert_allclose(metrics["train_loss"], trace.loss[steps], rtol=1e-5)
    params = [{n: v[-1] for n, v in layer.items()} for layer in trace.params]
    loss, acc = objective.evaluate(params, dataset.x_test, dataset.y_test)
    np.testing.assert_allclose(metrics["test_loss"][-1], float(loss), rtol=1e-6)
    assert metrics["test_acc"][-1] == pytest.approx(float(acc))


def test_training_curves_figure_log_loss_and_accuracy_per_optimizer(setup):
    dataset, objective, runs = setup
    steps = nw.curve_steps(STEPS)
    metrics = {r.label: nw.training_metrics(objective, dataset, r.trace, steps) for r in runs}
    fig = nw.training_curves_figure(metrics, loss_name="cross-entropy")
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis2.tickformat == ".0%"
    assert len(fig.data) == 4 * len(LABELS)
    for label in LABELS:
        lines = [t for t in fig.data if t.name.startswith(label)]
        assert {t.line.dash for t in lines} == {STYLES[label].dash}
        assert {t.line.color for t in lines} == {STYLES[label].colour}
    assert_valid(fig)


def test_training_curves_drop_the_accuracy_panel_for_regression():
    nan = np.full(3, np.nan)
    one = np.ones(3)
    metrics = {
        "Adadelta": {"step": np.arange(3), "train_loss": one, "test_loss": one}
        | {"train_acc": nan, "test_acc": nan}
    }
    fig = nw.training_curves_figure(metrics)
    assert "xaxis2" not in fig.to_dict()["layout"]
    assert_valid(fig)


def _curves(train_loss, test_loss=None):
    train_loss = np.asarray(train_loss, np.float64)
    test = train_loss * 1.1 if test_loss is None else np.asarray(test_loss, np.float64)
    acc = np.full(train_loss.shape, 0.5)
    return {"step": 10 * np.arange(train_loss.size), "train_loss": train_loss} | {
        "test_loss": test,
        "train_acc": acc,
        "test_acc": acc,
    }


def test_a_diverging_loss_does_not_flatten_the_other_runs():
    steady = _curves(np.geomspace(0.7, 0.05, 30))
    exploding = _curves(np.concatenate([np.geomspace(0.6, 0.4, 10), np.geomspace(3, 1e30, 20)]))
    fig = nw.training_curves_figure({"Adadelta": steady, "Adagrad": exploding})
    low, high = fig.layout.yaxis.range
    assert high == pytest.approx(np.log10(10 * 0.7 * 1.1))  # ten times the highest start
    assert low < np.log10(0.05) < high  # the steady run stays whole on the chart
    notes = " ".join(a.text for a in fig.layout.annotations if a.name == "notes")
    first_above = 10 * np.flatnonzero(exploding["test_loss"] > 10 * 0.7 * 1.1)[0]
    assert f"Adagrad: the loss leaves the top of the chart at step {first_above}" in notes
    assert "Adadelta" not in notes
    assert_valid(fig)


def test_a_loss_that_stops_being_finite_is_named_with_its_step():
    broken = np.geomspace(0.7, 0.3, 12)
    broken[7:] = np.nan
    fig = nw.training_curves_figure(
        {"Adadelta": _curves(np.geomspace(0.7, 0.1, 12)), "Adagrad": _curves(broken)}
    )
    notes = " ".join(a.text for a in fig.layout.annotations if a.name == "notes")
    assert "Adagrad: the loss is not finite from step 70" in notes
    assert fig.layout.yaxis.range is None  # nothing to cut off: Plotly's own range
    calm = nw.training_curves_figure({"Adadelta": _curves(np.geomspace(0.7, 0.1, 12))})
    assert not [a for a in calm.layout.annotations if a.name == "notes"]


# Per-parameter rates


def test_nan_quantiles_equal_numpy_nanpercentile():
    rng = np.random.default_rng(1)
    values = np.exp(rng.normal(size=(50, 37)))
    values[rng.uniform(size=values.shape) < 0.2] = np.nan
    values[3] = np.nan
    values[4, :-1] = np.nan
    with pytest.warns(RuntimeWarning):
        expected = np.nanpercentile(values, [10, 50, 90], axis=1).T
    np.testing.assert_allclose(nan_quantiles(values), expected, rtol=1e-12, equal_nan=True)


def test_layer_rate_quantiles_match_nanpercentile_on_the_raw_arrays(setup):
    _, _, runs = setup
    rates = runs[0].trace.effective_lr
    steps = np.array([1, 2, 10, 75, STEPS])
    quantiles = nw.layer_rate_quantiles(rates, steps)
    assert len(quantiles) == len(SIZES) - 1
    for layer, q in zip(rates, quantiles):
        assert q.shape == (steps.size, 3)
        raw = np.concatenate(
            [layer["kernel"][steps - 1].reshape(steps.size, -1), layer["bias"][steps - 1]], axis=1
        ).astype(np.float64)
        np.testing.assert_allclose(q, np.nanpercentile(raw, [10, 50, 90], axis=1).T, rtol=1e-12)
        assert np.all(q[:, 0] <= q[:, 1]) and np.all(q[:, 1] <= q[:, 2])


def test_layer_rate_quantiles_are_nan_on_micro_steps(accumulating):
    quantiles = nw.layer_rate_quantiles(accumulating.effective_lr, np.arange(1, 31))
    for q in quantiles:
        updates = np.isfinite(q).all(axis=1)
        np.testing.assert_array_equal(updates, accumulating.is_update_step)
        assert np.isnan(q[~updates]).all()


def test_layer_rate_quantiles_reject_step_0(setup):
    with pytest.raises(ValueError, match=r"\[1, 150\]"):
        nw.layer_rate_quantiles(setup[2][0].trace.effective_lr, [0, 1])


def test_layer_rates_figure_one_band_per_optimizer_per_layer_on_log_axes(setup):
    _, _, runs = setup
    fig = nw.layer_rates_figure(runs)
    layers = len(SIZES) - 1
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bands) == layers * len(LABELS)
    medians = [t for t in fig.data if t.name in LABELS]
    assert len(medians) == layers * len(LABELS)
    assert sum(bool(t.showlegend) for t in medians) == len(LABELS)
    for label in LABELS:
        assert {t.line.dash for t in medians if t.name == label} == {STYLES[label].dash}
    # Each band fills down to its own lower edge, drawn just before it on the same axes.
    for i, trace in enumerate(fig.data):
        if trace.fill == "tonexty":
            lower = fig.data[i - 1]
            assert (lower.xaxis, lower.yaxis, lower.legendgroup) == (
                trace.xaxis,
                trace.yaxis,
                trace.legendgroup,
            )
            assert np.all(np.asarray(lower.y) <= np.asarray(trace.y))
    layout = fig.to_dict()["layout"]
    y_axes = [k for k in layout if k.startswith("yaxis")]
    assert len(y_axes) == layers and all(layout[k]["type"] == "log" for k in y_axes)
    # Written-out ticks (no bare "9, 8, 7" digits) covering every value drawn.
    shown = np.concatenate([np.asarray(t.y, np.float64) for t in fig.data])
    shown = shown[np.isfinite(shown) & (shown > 0)]
    for k in y_axes:
        values, texts = layout[k]["tickvals"], layout[k]["ticktext"]
        assert len(values) >= 3 and len(set(texts)) == len(texts)
        assert min(values) <= 10 * shown.min() and max(values) >= shown.max() / 10
        for value, text in zip(values, texts):
            if not text.startswith("10<sup>"):
                assert float(text) == pytest.approx(value, rel=1e-2)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:layers] == ["Layer 1 (2→8)", "Layer 2 (8→8)", "Layer 3 (8→1, output)"]
    assert_valid(fig)


def test_layer_rates_figure_skips_micro_steps(accumulating):
    fig = nw.layer_rates_figure([Run("Adadelta", accumulating)])
    for trace in fig.data:
        assert np.all(np.isfinite(np.asarray(trace.y, dtype=float)))
        assert set(np.asarray(trace.x)) <= set(np.flatnonzero(accumulating.is_update_step) + 1)


def test_layer_rates_figure_lays_out_four_hidden_layers_in_a_grid():
    rng = np.random.default_rng(0)
    sizes = (2, 32, 32, 32, 32, 1)
    rates = [
        {"kernel": rng.uniform(0.1, 1.0, (20, a, b)), "bias": rng.uniform(0.1, 1.0, (20, b))}
        for a, b in itertools.pairwise(sizes)
    ]
    fig = nw.layer_rates_figure([rates_only("Adadelta", rates)])
    assert len([t for t in fig.data if t.fill == "tonexty"]) == 5
    assert_valid(fig)


def test_rate_distribution_figure_histograms_per_layer(setup):
    _, _, runs = setup
    fig = nw.rate_distribution_figure(runs, 75)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == (len(SIZES) - 1) * len(LABELS)
    for bar in bars:
        assert np.sum(bar.y) == pytest.approx(1.0)
    assert len({bar.marker.pattern.shape for bar in bars}) == len(LABELS)
    assert "step 75" in fig.layout.title.text
    assert fig.layout.barmode == "overlay"
    assert_valid(fig)


def test_rate_distribution_on_a_micro_step_shows_the_last_update(accumulating):
    fig = nw.rate_distribution_figure([Run("Adadelta", accumulating)], 5)
    notes = [a.text for a in fig.layout.annotations if a.name == "notes"]
    assert notes and "showing step 3" in notes[0]
    fig = nw.rate_distribution_figure([Run("Adadelta", accumulating)], 2)
    notes = [a.text for a in fig.layout.annotations if a.name == "notes"]
    assert notes and "no update yet" in notes[0]
    assert_valid(fig)


# Network graph


def edge_traces(fig: go.Figure) -> list:
    return [t for t in fig.data if t.meta and "edges" in t.meta]


@pytest.mark.parametrize("sizes", [SIZES, (2, 32, 32, 32, 32, 1)])
def test_network_graph_accounts_for_every_weight(sizes):
    rng = np.random.default_rng(0)
    values = [rng.normal(size=(a, b)) for a, b in itertools.pairwise(sizes)]
    fig = nw.network_graph_figure(
        sizes, values, "Weights", "weight", colorscale="RdBu", symmetric=True
    )
    edges = sum(a * b for a, b in itertools.pairwise(sizes))
    traces = edge_traces(fig)
    assert len(traces) <= 16
    assert sum(t.meta["edges"] for t in traces) == edges
    assert sum(int(np.isnan(np.asarray(t.x, float)).sum()) for t in traces) == edges
    bars = [t for t in fig.data if t.marker and t.marker.showscale]
    assert len(bars) == 1 and bars[0].marker.colorbar.title.text == "weight"
    assert bars[0].marker.cmin == -bars[0].marker.cmax
    neurons = [t for t in fig.data if t.name == "neurons"]
    assert len(neurons[0].x) == sum(sizes)
    assert_valid(fig)


def test_network_graph_of_log_rates_from_a_run(setup):
    _, _, runs = setup
    values = nw.log10_kernel_rates(runs[0].trace.effective_lr, 100)
    fig = nw.network_graph_figure(
        SIZES, values, "Adadelta at step 100", "effective lr", log10_ticks=True
    )
    traces = edge_traces(fig)
    assert sum(t.meta["edges"] for t in traces) == 2 * 8 + 8 * 8 + 8
    # Bins are ordered by value: the colours follow the scale from low to high.
    assert [t.meta["bin"] for t in traces] == sorted(t.meta["bin"] for t in traces)
    (bar,) = [t for t in fig.data if t.marker and t.marker.showscale]
    ticks = np.asarray(bar.marker.colorbar.tickvals, float)
    assert ticks.size >= 2 and bar.marker.cmin <= ticks.min() and ticks.max() <= bar.marker.cmax
    assert len(bar.marker.colorbar.ticktext) == ticks.size
    assert_valid(fig)


def test_network_graph_puts_non_finite_values_in_their_own_trace():
    values = [np.full((2, 3), np.nan), np.ones((3, 1))]
    fig = nw.network_graph_figure((2, 3, 1), values, "Diverged", "weight")
    traces = edge_traces(fig)
    assert [t.meta["edges"] for t in traces if t.meta["bin"] < 0] == [6]
    assert sum(t.meta["edges"] for t in traces) == 9
    assert_valid(fig)


def test_network_graph_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes"):
        nw.network_graph_figure((2, 3, 1), [np.ones((3, 2)), np.ones((3, 1))], "t", "w")


def test_neurons_are_centred_columns():
    ys = neuron_positions((2, 5, 1))
    assert [y.tolist() for y in ys] == [[0.5, -0.5], [2, 1, 0, -1, -2], [0.0]]


@pytest.mark.parametrize("low, high", [(-3.2, 0.1), (-9.0, 1.0), (-0.65, 0.0), (-0.01, 0.0)])
def test_log_ticks_give_at_least_three_distinct_labels_in_range(low, high):
    ticks, labels = log_ticks(low, high)
    assert len(ticks) >= 3 and len(set(labels)) == len(labels) == len(ticks)
    assert all(low - 1e-12 <= t <= high + 1e-12 for t in ticks)


# Runs that recorded only some steps (engine.run(record_at=...))


@pytest.fixture(scope="module")
def sparse(setup):
    """The XOR run again, recording only some steps."""
    _, objective, _ = setup
    at = np.array([0, 1, 2, 3, 10, 40, 75, 149, STEPS])
    traces = engine.run(
        objective,
        init_mlp(0, SIZES),
        [Adadelta(learning_rate=1.0), Adagrad(learning_rate=0.1)],
        STEPS,
        record=("params", "effective_lr"),
        record_at=at,
    )
    return at, [Run(label, trace) for label, trace in zip(LABELS, traces)]


def test_rates_of_a_sparse_run_equal_the_dense_run_at_the_recorded_steps(setup, sparse):
    _, _, dense = setup
    at, runs = sparse
    steps = at[at >= 1]
    for full, kept in zip(dense, runs):
        expected = nw.layer_rate_quantiles(full.trace.effective_lr, steps)
        got = nw.layer_rate_quantiles(kept.trace.effective_lr, steps, kept.trace.steps)
        for e, g in zip(expected, got):
            np.testing.assert_array_equal(g, e)
    with pytest.raises(ValueError, match="not all recorded"):
        nw.layer_rate_quantiles(runs[0].trace.effective_lr, [5], runs[0].trace.steps)
    # By default the figure draws the recorded steps among the curve steps.
    fig = nw.layer_rates_figure(runs)
    assert set(np.asarray(fig.data[0].x)) <= set(steps)
    assert_valid(fig)


def test_distribution_of_a_sparse_run_names_the_step_it_shows(setup, sparse):
    _, _, dense = setup
    _, runs = sparse
    recorded = nw.rate_distribution_figure(runs, 75)
    assert recorded.to_dict()["data"] == nw.rate_distribution_figure(dense, 75).to_dict()["data"]
    between = nw.rate_distribution_figure(runs, 60)  # recorded: 40 and 75
    notes = " ".join(a.text for a in between.layout.annotations if a.name == "notes")
    assert "Adadelta: step 60 is not among the 9 recorded steps; showing step 40" in notes
    assert_valid(between)
