"""The files a teacher downloads: the trace as CSV, the configuration as JSON, the HTML figure.

CSV: read back with the csv module and pandas, every number is the trace's float32 value, the
rows line up call by call (checked against the update rules' own equations, recomputed here
from the table), and non-finite values are spelled so that readers parse them. JSON: written
and read back it gives the same optimizers and the same run; Keras itself deserializes the
optimizer entries; malformed files raise ``ValueError`` and nothing else.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re

import hypothesis.strategies as st
import jax
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from export_cases import CASES, NETWORK_CASES
from hypothesis import HealthCheck, given, settings

from adadelta import SGD, Adadelta, Adagrad, engine
from adadelta.exports import (
    SurfaceRun,
    config_json,
    learning_rate_kind,
    run_config,
    run_from_config,
    run_from_json,
    trace_csv,
)
from adadelta.exports.config import optimizer_from_json, optimizer_json
from adadelta.optim import schedules
from adadelta.problems import Objective, compile_formula
from adadelta.viz.standalone import standalone_html


def surface_traces(run):
    start = np.asarray(run.start, np.float32)
    return engine.run(run.objective, start, run.optimizers, run.num_steps, key=run.seed)


def network_traces(run):
    _, objective = run.problem.build()
    return engine.run(objective, run.initial_params(), run.optimizers, run.num_steps, key=run.seed)


def read(text: str) -> dict[str, list[dict[str, str]]]:
    """The CSV's rows, grouped by the optimizer column, in file order."""
    rows: dict[str, list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        rows.setdefault(row["optimizer"], []).append(row)
    return rows


def column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    """A numeric column as float64 (empty cells are NaN)."""
    return np.array([float(row[name]) if row[name] else np.nan for row in rows])


# --- CSV ---------------------------------------------------------------------------------


def test_surface_csv_holds_every_step_exactly():
    run = CASES["accumulation_and_loss_scale"]()
    traces = surface_traces(run)
    rows = read(trace_csv(run, traces))
    assert list(rows) == list(run.labels)
    for label, trace in zip(run.labels, traces):
        table = rows[label]
        assert [int(row["step"]) for row in table] == list(range(run.num_steps + 1))
        # Every number is the trace's float32, written in a form that reads back exactly.
        assert np.array_equal(np.float32(column(table, "x")), trace.params[:, 0])
        assert np.array_equal(np.float32(column(table, "y")), trace.params[:, 1])
        assert np.array_equal(np.float32(column(table, "loss")), trace.loss)
        assert np.array_equal(np.float32(column(table, "learning_rate")[1:]), trace.learning_rate)
        # Row 0 is the start: no call has happened, so the per-call cells are empty.
        assert table[0]["learning_rate"] == table[0]["grad_raw_x"] == ""
        assert table[0]["is_update_step"] == ""


def test_csv_marks_accumulation_micro_steps():
    run = CASES["accumulation_and_loss_scale"]()
    rows = read(trace_csv(run, surface_traces(run)))
    # Spec §5.4: with n = 3, call t (raw counter k = t - 1) updates when (k + 1) mod 3 == 0.
    flags = [row["is_update_step"] for row in rows["Adadelta"][1:]]
    assert flags == ["TRUE" if t % 3 == 0 else "FALSE" for t in range(1, run.num_steps + 1)]
    micro = rows["Adadelta"][1]
    assert micro["effective_lr_x"] == "NaN"  # no rate on a micro-step
    assert float(micro["update_x"]) == 0.0  # and no move (this run has no EMA overwrite)
    # Adam has no accumulation: every call updates.
    assert {row["is_update_step"] for row in rows["Adam"][1:]} == {"TRUE"}


def test_csv_has_each_optimizers_slots_and_leaves_the_others_empty():
    run = CASES["accumulation_and_loss_scale"]()
    text = trace_csv(run, surface_traces(run))
    header = next(csv.reader(io.StringIO(text)))
    rows = read(text)
    # SGD with momentum 0.9 has a momentum buffer; Adam with amsgrad has velocity_hat; only
    # SGD uses EMA here.
    for name in ("avg_sq_grad_x", "avg_sq_update_y", "momentum_x", "velocity_hat_y", "ema_x"):
        assert name in header
    assert "accumulator_x" not in header and "average_grad_x" not in header
    assert all(row["avg_sq_grad_x"] == "" for row in rows["Adam"])
    assert all(row["ema_x"] == "" for row in rows["Adadelta"])
    assert all(row["ema_x"] != "" for row in rows["SGD"][1:])


def test_csv_rows_line_up_call_by_call():
    # Recompute the update rules' bookkeeping from the table itself (float64): each row's
    # slots follow from the previous row's slots and this row's processed gradient.
    run = CASES["decay_and_clipping"]()
    rows = read(trace_csv(run, surface_traces(run)))
    adadelta, adagrad = rows["Adadelta"], rows["Adagrad"]
    for axis in "xy":
        g = column(adadelta, f"grad_clipped_{axis}")[1:]
        e_g = column(adadelta, f"avg_sq_grad_{axis}")[1:]
        np.testing.assert_allclose(e_g, 0.05 * g**2 + 0.95 * np.r_[0.0, e_g[:-1]], rtol=1e-5)
        g = column(adagrad, f"grad_clipped_{axis}")[1:]
        a = column(adagrad, f"accumulator_{axis}")[1:]
        np.testing.assert_allclose(a, np.cumsum(g**2) + 0.1, rtol=1e-5)
        # The update of row t moved the position from row t-1 to row t.
        x = np.float32(column(adadelta, axis))
        np.testing.assert_array_equal(
            np.float32(column(adadelta, f"update_{axis}"))[1:], x[1:] - x[:-1]
        )
    # clipvalue=0.3 bounds each element; clipnorm=0.5 bounds the vector's norm.
    clipped = np.stack([column(adagrad, "grad_clipped_x"), column(adagrad, "grad_clipped_y")])[
        :, 1:
    ]
    raw = np.stack([column(adagrad, "grad_raw_x"), column(adagrad, "grad_raw_y")])[:, 1:]
    assert np.abs(clipped).max() <= np.float32(0.3) and np.abs(raw).max() > 0.3
    clipped = np.stack([column(adadelta, "grad_clipped_x"), column(adadelta, "grad_clipped_y")])
    assert np.linalg.norm(clipped[:, 1:], axis=0).max() <= 0.5 * (1 + 1e-6)


def test_csv_spells_nonfinite_values_and_marks_divergence():
    run = SurfaceRun(
        Objective.from_surface("rosenbrock"), [SGD(learning_rate=0.5), Adagrad()], (-1.2, 1.0), 12
    )
    traces = surface_traces(run)
    assert traces[0].diverged_at is not None and traces[1].diverged_at is None
    text = trace_csv(run, traces)
    cells = {cell for line in csv.reader(io.StringIO(text)) for cell in line}
    assert {"NaN", "Inf"} & cells and not {"nan", "inf", "-inf", "NAN", "INF"} & cells
    rows = read(text)
    diverged = [row["diverged"] == "TRUE" for row in rows["SGD"]]
    assert diverged == [t >= traces[0].diverged_at for t in range(run.num_steps + 1)]
    assert {row["diverged"] for row in rows["Adagrad"]} == {"FALSE"}
    # pandas reads the columns as numbers, NaN and infinities included.
    frame = pd.read_csv(io.StringIO(text))
    sgd = frame[frame["optimizer"] == "SGD"]
    assert sgd["x"].dtype == np.float64
    np.testing.assert_array_equal(sgd["x"].to_numpy(np.float32), traces[0].params[:, 0])
    assert frame["is_update_step"].dropna().isin([True, False]).all()


def test_network_csv_metrics_and_layer_rates():
    run = NETWORK_CASES["network_full_batch"]()
    traces = network_traces(run)
    rows = read(trace_csv(run, traces))
    data, objective = run.problem.build()
    for label, trace in zip(run.labels, traces):
        table = rows[label]
        assert len(table) == run.num_steps + 1
        # Step 0: the initial weights on the whole training and test sets.
        train_loss, _ = objective.evaluate(run.initial_params(), data.x_train, data.y_train)
        test_loss, test_acc = objective.evaluate(run.initial_params(), data.x_test, data.y_test)
        assert float(table[0]["train_loss"]) == pytest.approx(float(train_loss), rel=1e-6)
        assert float(table[0]["test_loss"]) == pytest.approx(float(test_loss), rel=1e-6)
        assert float(table[0]["test_accuracy"]) == pytest.approx(float(test_acc))
        # Full batch: the loss each step was taken on is the whole training set's loss.
        np.testing.assert_allclose(column(table, "loss"), column(table, "train_loss"), rtol=1e-5)
        # Layer 2's median rate at call 5 pools its kernel and bias rates of that call.
        layer = trace.effective_lr[1]
        pooled = np.concatenate([layer["kernel"][4].ravel(), layer["bias"][4].ravel()])
        assert float(table[5]["layer2_lr_median"]) == pytest.approx(np.median(pooled), rel=1e-6)
        assert float(table[5]["layer1_lr_p90"]) >= float(table[5]["layer1_lr_p10"])


def test_network_csv_of_a_regression_has_no_accuracy():
    run = NETWORK_CASES["network_minibatch"]()
    header = trace_csv(run, network_traces(run)).splitlines()[0].split(",")
    assert "train_loss" in header and not any("accuracy" in name for name in header)
    assert "layer2_lr_p10" in header and "layer3_lr_p10" not in header  # one hidden layer


def test_csv_needs_full_traces():
    run = CASES["formula_without_y"]()
    traces = engine.run(
        run.objective, run.start_array, run.optimizers, run.num_steps, record=engine.PATH
    )
    with pytest.raises(ValueError, match=r"engine\.FULL"):
        trace_csv(run, traces)
    with pytest.raises(ValueError, match="one trace per optimizer"):
        trace_csv(run, traces * 2)


# --- JSON --------------------------------------------------------------------------------


def same_learning_rate(a, b) -> bool:
    kind_a, value_a = learning_rate_kind(a)
    kind_b, value_b = learning_rate_kind(b)
    if kind_a != kind_b:
        return False
    if kind_a == "schedule":
        return type(value_a) is type(value_b) and value_a.get_config() == value_b.get_config()
    return value_a == value_b


def assert_same_optimizer(a, b) -> None:
    assert type(a) is type(b)
    config_a, config_b = a.get_config(), b.get_config()
    assert same_learning_rate(config_a.pop("learning_rate"), config_b.pop("learning_rate"))
    assert config_a == config_b


@pytest.mark.parametrize("case", [*CASES, *NETWORK_CASES])
def test_json_round_trips_to_the_same_run(case):
    run = {**CASES, **NETWORK_CASES}[case]()
    text = config_json(run)
    back = run_from_json(text)
    assert type(back) is type(run)
    assert back.labels == run.labels
    assert (back.num_steps, back.seed) == (run.num_steps, run.seed)
    for a, b in zip(run.optimizers, back.optimizers, strict=True):
        assert_same_optimizer(a, b)
    assert config_json(back) == text
    if isinstance(run, SurfaceRun):
        assert back.start == run.start
        assert (back.objective.surface_key, back.objective.formula) == (
            run.objective.surface_key,
            run.objective.formula,
        )
        for a, b in zip(surface_traces(run), surface_traces(back), strict=True):
            for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
                np.testing.assert_array_equal(x, y)
    else:
        assert back.problem == run.problem and back.init_seed == run.init_seed


def test_keras_deserializes_the_optimizer_entries():
    import keras

    entries = [
        entry
        for case in CASES.values()
        for entry in run_config(case())["optimizers"]
        if entry["optimizer"]["config"]["learning_rate"].__class__ is not dict
        or entry["optimizer"]["config"]["learning_rate"]["class_name"] != "StepFormula"
    ]
    assert len(entries) >= 15
    for entry in entries:
        ours = entry["optimizer"]
        optimizer = keras.optimizers.deserialize(copy.deepcopy(ours))
        assert type(optimizer).__name__ == ours["class_name"]
        theirs = optimizer.get_config()
        for name, value in ours["config"].items():
            if name == "learning_rate" and isinstance(value, dict):
                assert theirs[name]["class_name"] == value["class_name"]
                assert theirs[name]["config"] == value["config"]
            elif name == "learning_rate":  # Keras keeps a float rate in a float32 variable
                assert np.float32(theirs[name]) == np.float32(value)
            else:
                assert theirs[name] == value, (ours["class_name"], name)


LEARNING_RATES = st.one_of(
    st.floats(-1.0, 10.0, allow_nan=False),
    st.builds(
        schedules.ExponentialDecay,
        st.floats(0.001, 1.0),
        st.integers(1, 100),
        st.floats(0.1, 1.0),
        st.booleans(),
    ),
    st.builds(
        schedules.CosineDecay, st.floats(0.001, 1.0), st.integers(1, 100), st.floats(0.0, 1.0)
    ),
    st.sampled_from(["1/(1+t)", "0.1*exp(-t/50)", "max(1 - t/100, 0.01)"]).map(
        lambda source: compile_formula(source, ("t",))
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cls=st.sampled_from([Adadelta, Adagrad, SGD]),
    learning_rate=LEARNING_RATES,
    clip=st.sampled_from([None, "clipnorm", "clipvalue", "global_clipnorm"]),
    clip_value=st.floats(0.01, 10.0),
    weight_decay=st.one_of(st.none(), st.floats(0.0, 1.0)),
    use_ema=st.booleans(),
    overwrite=st.one_of(st.none(), st.integers(1, 50)),
    accumulation=st.one_of(st.none(), st.integers(2, 8)),
    loss_scale_factor=st.one_of(st.none(), st.floats(0.01, 1e4)),
)
def test_json_round_trips_any_optimizer(
    cls, learning_rate, clip, clip_value, weight_decay, use_ema, overwrite, accumulation,
    loss_scale_factor,
):  # fmt: skip
    kwargs = {
        "learning_rate": learning_rate,
        "weight_decay": weight_decay,
        "use_ema": use_ema,
        "ema_overwrite_frequency": overwrite,
        "gradient_accumulation_steps": accumulation,
        "loss_scale_factor": loss_scale_factor,
    }
    if clip:
        kwargs[clip] = clip_value
    optimizer = cls(**kwargs)
    entry = json.loads(json.dumps(optimizer_json(optimizer)))
    assert_same_optimizer(optimizer, optimizer_from_json(entry))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(format="something else"), "not an Adadelta Lab run"),
        (lambda c: c.update(version=99), "version"),
        (lambda c: c.pop("start"), "start"),
        (lambda c: c.update(start=[1.0]), "start"),
        (lambda c: c.update(num_steps=0), "num_steps"),
        (lambda c: c.update(optimizers=[]), "at least one optimizer"),
        (lambda c: c["problem"].update(surface="nope"), "unknown surface"),
        (lambda c: c["problem"].update(kind="formula", formula="__import__('os')"), "not allowed"),
        (lambda c: c["optimizers"][0]["optimizer"].update(class_name="Lion"), "Unknown optimizer"),
        (lambda c: c["optimizers"][0]["optimizer"]["config"].update(rho=2.0), "rho"),
        (lambda c: c["optimizers"][0]["optimizer"]["config"].update(lr=1.0), "not recognized"),
        (
            lambda c: c["optimizers"][0]["optimizer"]["config"].update(
                learning_rate={"class_name": "ExponentialDecay", "config": {"decay_rate": 0.5}}
            ),
            "ExponentialDecay",
        ),
        (
            lambda c: c["optimizers"][0]["optimizer"]["config"].update(
                learning_rate={"class_name": "StepFormula", "config": {"formula": "t.real"}}
            ),
            "attribute",
        ),
    ],
)
def test_malformed_json_raises_a_clear_value_error(change, message):
    config = run_config(CASES["decay_and_clipping"]())
    change(config)
    with pytest.raises(ValueError, match=message):
        run_from_config(config)


def test_text_that_is_not_json_raises_a_value_error():
    with pytest.raises(ValueError, match="not valid JSON"):
        run_from_json("{not json")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


BASE_CONFIGS = [
    run_config(CASES["decay_and_clipping"]()),
    run_config(NETWORK_CASES["network_minibatch"]()),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), base=st.sampled_from(BASE_CONFIGS), replacement=JSON_VALUES)
def test_any_corruption_of_a_configuration_raises_only_value_error(data, base, replacement):
    config = copy.deepcopy(base)
    path = data.draw(st.sampled_from(list(_paths(config))[1:]))
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = replacement
    try:
        run = run_from_config(config)
    except ValueError:
        return
    assert run.optimizers  # a corruption the validators accept still gives a complete run


# --- HTML --------------------------------------------------------------------------------


def test_standalone_html_inlines_plotly_and_loads_nothing():
    figure = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    figure.frames = [go.Frame(name="1", data=[go.Scatter(x=[0, 1], y=[0, 1])])]
    page = standalone_html(figure, title="Paths <on> Rosenbrock", description="Two paths & more.")
    assert page.startswith("<!doctype html>") or page.lower().startswith("<!doctype html>")
    assert "<title>Paths &lt;on&gt; Rosenbrock</title>" in page
    assert "Two paths &amp; more." in page
    assert "plotly.js v" in page and len(page) > 3_000_000  # the library itself is inside
    # The markup outside the inlined scripts fetches nothing: every script is inline and no
    # stylesheet or image comes from elsewhere (the browser test checks the running page).
    markup = re.sub(r"(?s)<script([^>]*)>.*?</script>", r"<script\1></script>", page)
    for attribute in ("src=", "href=", "@import", "<link"):
        assert attribute not in markup
    assert 'id="figure"' in page
