"""The per-step trace as one CSV table, long format: one row per optimizer and step.

One file with an ``optimizer`` column (rather than one file per optimizer) because it is one
download, it filters and pivots directly in a spreadsheet, pandas or R, and the optimizers of a
run share the step axis. Columns that only some optimizers have (their slots, the EMA) are left
empty for the others.

Row ``step = t`` describes the state after t calls: the position and its loss, and the call
that led there (its learning rate, the gradient after each pipeline stage, the effective rate,
the step taken, the slots and the EMA after it). Row 0 is the start, with the per-call
columns empty. Numbers are float32 written in their shortest exact decimal form; non-finite
values are ``NaN``, ``Inf`` and ``-Inf`` (read as numbers by pandas, R and NumPy, and as text,
which formulas skip, by spreadsheets); booleans are ``TRUE``/``FALSE``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np

from adadelta.engine import Trace
from adadelta.optim import Optimizer
from adadelta.problems.evaluation import training_metrics

from .runs import NetworkRun, Run, SurfaceRun

METRIC_ROWS = 512
"""Params rows per evaluation call of a network CSV: one program for every number of steps."""

SLOT_NAMES = {
    "avg_sq_grad": "E[g²], Adadelta's running average of squared gradients",
    "avg_sq_update": "E[Δx²], Adadelta's running average of squared (unscaled) updates",
    "accumulator": "Adagrad's sum of squared gradients A = A₀ + Σg²",
    "velocity": "the running average of squared gradients (RMSprop) or second moment (Adam)",
    "momentum": "the momentum buffer (RMSprop, SGD) or first moment (Adam)",
    "average_grad": "RMSprop's running average of gradients (centered)",
    "velocity_hat": "Adam's running maximum of the second moment (amsgrad)",
}
"""Every slot's meaning, by field name (the columns are ``<slot>_x`` and ``<slot>_y``)."""

STAGES = ("raw", "unscaled", "accumulated", "clipped")

SURFACE_COLUMNS = {
    "optimizer": "the optimizer's label",
    "step": "t, the number of optimizer calls made (0 = the start)",
    "x": "x after t calls",
    "y": "y after t calls",
    "loss": "the loss there (without noise)",
    "diverged": "TRUE from the step at which anything became non-finite",
    "is_update_step": "FALSE for a gradient-accumulation micro-step (nothing but the EMA moved)",
    "learning_rate": "the learning rate of call t",
    "effective_lr_x": "the per-dimension effective learning rate of call t, along x",
    "effective_lr_y": "... along y",
    **{
        f"grad_{stage}_{axis}": f"the gradient of call t after the stage '{stage}', along {axis}"
        for stage in STAGES
        for axis in "xy"
    },
    "update_x": "the step taken by call t, along x",
    "update_y": "... along y",
    **{
        f"{slot}_{axis}": f"{meaning}, after call t"
        for slot, meaning in SLOT_NAMES.items()
        for axis in "xy"
    },
    "ema_x": "the moving average of x after call t (use_ema)",
    "ema_y": "the moving average of y after call t (use_ema)",
}
"""Every column a surface CSV may have, with its meaning (for a page's help text)."""


def numbers(values: np.ndarray) -> np.ndarray:
    """float32 values as their shortest exact decimals; ``NaN``, ``Inf``, ``-Inf`` spelled out."""
    text = np.asarray(values, np.float32).astype(str).astype(object)
    text[text == "nan"] = "NaN"
    text[text == "inf"] = "Inf"
    text[text == "-inf"] = "-Inf"
    return text


def booleans(values: np.ndarray) -> np.ndarray:
    """Booleans as ``TRUE``/``FALSE`` (what spreadsheets, R and pandas all read)."""
    return np.where(np.asarray(values, bool), "TRUE", "FALSE").astype(object)


def used_slots(optimizer: Optimizer, fields: Sequence[str]) -> tuple[str, ...]:
    """The slots of ``fields`` this optimizer really uses (a buffer switched off stays zero)."""
    unused = set()
    name = type(optimizer).__name__
    if name == "RMSprop":
        if not optimizer.momentum > 0:
            unused.add("momentum")
        if not optimizer.centered:
            unused.add("average_grad")
    elif name == "SGD" and optimizer.momentum == 0:
        unused.add("momentum")
    elif name == "Adam" and not optimizer.amsgrad:
        unused.add("velocity_hat")
    return tuple(f for f in fields if f not in unused)


def _write(columns: dict[str, list[np.ndarray]], order: list[str], n_rows: list[int]) -> str:
    """Joins per-optimizer column blocks (missing blocks are empty cells) into CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(order)
    blocks = []
    for i, rows in enumerate(n_rows):
        block = []
        for name in order:
            part = columns[name][i]
            block.append(np.full(rows, "", object) if part is None else part)
        blocks.append(np.stack(block, axis=1))
    writer.writerows(np.concatenate(blocks).tolist())
    return buffer.getvalue()


def _blank_first(cells: np.ndarray) -> np.ndarray:
    return np.concatenate([np.array([""], object), cells])


def _check(run: Run, traces: Sequence[Trace]) -> None:
    if len(traces) != len(run.optimizers):
        raise ValueError(
            f"Argument `traces` must hold one trace per optimizer ({len(run.optimizers)}). "
            f"Received: {len(traces)} trace(s)"
        )
    for trace in traces:
        missing = [
            name for name in ("params", "loss", "grads", "slots") if getattr(trace, name) is None
        ]
        if missing:
            raise ValueError(
                f"Argument `traces` must be recorded with engine.FULL; missing: {missing}"
            )


def _common(label: str, trace: Trace) -> dict[str, np.ndarray]:
    steps = len(trace.loss)
    diverged = np.zeros(steps, bool)
    if trace.diverged_at is not None:
        diverged[int(trace.diverged_at) :] = True
    return {
        "optimizer": np.full(steps, label, object),
        "step": np.arange(steps).astype(str).astype(object),
        "loss": numbers(trace.loss),
        "diverged": booleans(diverged),
        "is_update_step": _blank_first(booleans(trace.is_update_step)),
        "learning_rate": _blank_first(numbers(trace.learning_rate)),
    }


def surface_csv(run: SurfaceRun, traces: Sequence[Trace]) -> str:
    """The CSV of a surface run's traces (``engine.run(..., record=engine.FULL)``).

    Args:
        run: the run (its labels name the rows; its optimizers decide the slot columns).
        traces: one trace per optimizer, in the run's order.

    Returns:
        CSV text, columns as in :data:`SURFACE_COLUMNS` (those that apply to this run).
    """
    _check(run, traces)
    tables: list[dict[str, np.ndarray]] = []
    for label, optimizer, trace in zip(run.labels, run.optimizers, traces):
        table = _common(label, trace)
        points = np.asarray(trace.params, np.float32).reshape(-1, 2)
        table["x"], table["y"] = numbers(points[:, 0]), numbers(points[:, 1])
        pairs = {"effective_lr": trace.effective_lr, "update": trace.updates}
        pairs |= {f"grad_{stage}": getattr(trace.grads, stage) for stage in STAGES}
        slots = used_slots(optimizer, type(trace.slots)._fields)
        pairs |= {slot: getattr(trace.slots, slot) for slot in slots}
        if trace.ema is not None:
            pairs["ema"] = trace.ema
        for name, values in pairs.items():
            values = np.asarray(values, np.float32).reshape(len(values), -1)
            table[f"{name}_x"] = _blank_first(numbers(values[:, 0]))
            table[f"{name}_y"] = _blank_first(numbers(values[:, 1]))
        tables.append(table)
    order = [name for name in SURFACE_COLUMNS if any(name in table for table in tables)]
    columns = {name: [table.get(name) for table in tables] for name in order}
    return _write(columns, order, [len(table["step"]) for table in tables])


def _layer_rates(effective_lr: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
    """Each layer's 10th, 50th and 90th percentiles of its rates, ``(T, 3)`` per layer."""
    out = []
    for layer in effective_lr:
        kernel, bias = np.asarray(layer["kernel"]), np.asarray(layer["bias"])
        pooled = np.concatenate(
            [kernel.reshape(len(kernel), -1), bias.reshape(len(bias), -1)], axis=1
        ).astype(np.float64)
        quantiles = np.full((len(pooled), 3), np.nan)
        finite_rows = ~np.all(np.isnan(pooled), axis=1)
        if finite_rows.any():
            quantiles[finite_rows] = np.nanpercentile(pooled[finite_rows], [10, 50, 90], axis=1).T
        out.append(quantiles)
    return out


def network_csv(run: NetworkRun, traces: Sequence[Trace]) -> str:
    """The CSV of a network run's traces (``engine.run(..., record=engine.FULL)``).

    Columns: ``optimizer``, ``step``, ``loss`` (the minibatch loss the step was taken on),
    ``train_loss``, ``test_loss``, ``train_accuracy``, ``test_accuracy`` (on the whole sets;
    accuracies empty for regression), ``diverged``, ``is_update_step``, ``learning_rate``, and
    for each layer ``layer<i>_lr_p10``, ``layer<i>_lr_median``, ``layer<i>_lr_p90``: the
    percentiles of that layer's per-parameter effective learning rates (kernel and bias
    pooled), what the rate figures draw. The weights themselves are not in the table; the
    JSON configuration and the code reproduce them.
    """
    _check(run, traces)
    data, objective = run.problem.build()
    tables = []
    for label, trace in zip(run.labels, traces):
        table = _common(label, trace)
        metrics = training_metrics(
            objective, data, trace.params, np.arange(len(trace.loss)), row_chunk=METRIC_ROWS
        )
        for split in ("train", "test"):
            # float32 as the network computes them (the metrics come as float64).
            table[f"{split}_loss"] = numbers(metrics[f"{split}_loss"].astype(np.float32))
            if objective.task == "classification":
                table[f"{split}_accuracy"] = numbers(metrics[f"{split}_acc"].astype(np.float32))
        for i, quantiles in enumerate(_layer_rates(trace.effective_lr), start=1):
            for j, name in enumerate(("p10", "median", "p90")):
                table[f"layer{i}_lr_{name}"] = _blank_first(numbers(quantiles[:, j]))
        tables.append(table)
    fixed = [
        "optimizer",
        "step",
        "loss",
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
        "diverged",
        "is_update_step",
        "learning_rate",
    ]
    layers = [name for name in tables[0] if name.startswith("layer")]
    order = [name for name in fixed if name in tables[0]] + layers
    columns = {name: [table.get(name) for table in tables] for name in order}
    return _write(columns, order, [len(table["step"]) for table in tables])


def trace_csv(run: Run, traces: Sequence[Trace]) -> str:
    """:func:`surface_csv` or :func:`network_csv`, by the kind of run."""
    if isinstance(run, NetworkRun):
        return network_csv(run, traces)
    return surface_csv(run, traces)
