"""What the pages compute for a setting, cached by its plain-data spec (see ``cache``).

Each page records only what its figures draw: the surface page the path, its loss, the
effective learning rates and the slots (and the EMA when it is on); the network page the
weights and their effective learning rates at the steps its figures draw (its curves and
decision boundary are evaluated from the weights right away; the cache keeps the step view's
rows). The engine's jitted code is compiled once per feature combination (on the network page
once per optimizer and feature combination: each optimizer runs in its own scan), for any
number of steps up to the pages' maximum (``num_steps`` is a numeric control too); the caches
avoid even re-running a scan for a setting any session has seen recently.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import os
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import streamlit as st

from adadelta import Adadelta, engine
from adadelta.problems import evaluation as evaluate
from adadelta.problems import init_mlp
from adadelta.viz import curve_steps, frame_steps
from adadelta.viz import network as netviz
from adadelta.viz.shared.frames import MAX_CURVE_POINTS

from . import build, cache
from .cache import freeze

SURFACE_RECORD = ("params", "loss", "effective_lr", "slots", "ema")
"""What the surface page draws of a run (the EMA is None unless ``use_ema``)."""

SURFACE_MAX_STEPS = 10_000
"""The most calls the surface page runs (its ``num_steps`` control's maximum): one compiled
program serves every number of steps up to it, so moving ``num_steps`` compiles nothing."""


def surface_max_steps(num_steps: int) -> int:
    """``max_steps`` for a surface-page run (the page, its anatomy and its CSV): one program."""
    return max(num_steps, SURFACE_MAX_STEPS)


NETWORK_RECORD = ("params", "effective_lr")
"""What the network page draws of a run: the weights (its curves, decision boundary and
graph) and their effective learning rates (the rate figures and the graph's edge colours)."""

VIEW_BYTES = 5 * cache.MEGABYTE // 4
"""What a network run keeps for its step view (the rate distribution and the network graph at
the slider's step): the weights and rates of every step while they fit this size (runs of up
to 200 steps with two optimizers do); otherwise the decision boundary's frames and a uniform
grid of steps filling it (the default, 2,000 steps with two optimizers: about 240 steps, one
in nine), and the view shows the nearest kept step. A class's sessions each keep their runs
in the cache, so this bounds an entry: every step of the default would be 11 MB."""


class SurfaceRuns(NamedTuple):
    """The runs of one surface-page setting and the frame steps all its figures share."""

    traces: tuple[engine.Trace, ...]
    frames: np.ndarray


class NetworkRuns(NamedTuple):
    """The runs of one network-page setting and what its figures draw, evaluated once.

    Attributes:
        traces: one trace per optimizer (``NETWORK_RECORD``), at the step view's steps
            (``Trace.steps``; None when every step is kept, see ``VIEW_BYTES``).
        frames: the decision boundary's frame steps.
        grids: per optimizer, the network's output over the input plane at each frame.
        metrics: per optimizer, loss and accuracy on the training and test sets over the steps.
        rates: per optimizer, the call numbers of the layer-rates figure and each layer's
            quantiles of the effective learning rates there (``layer_rate_quantiles``).
        log_rate_range: one colour range for the graph's edges, every optimizer and kept step.
    """

    traces: tuple[engine.Trace, ...]
    frames: np.ndarray
    grids: tuple[np.ndarray, ...]
    metrics: tuple[dict[str, np.ndarray], ...]
    rates: tuple[tuple[np.ndarray, list[np.ndarray]], ...]
    log_rate_range: tuple[float, float]


def computing(store: str, key: tuple, text: str) -> Any:
    """A spinner while ``key`` of ``store`` is computed, none when it is cached (a spinner costs
    a timer thread per run)."""
    if key in cache.store(store):
        return contextlib.nullcontext()
    return st.spinner(text, show_time=True)


def surface_key(*setting: Any) -> tuple:
    """The cache key of a surface-page setting (see ``simulate``)."""
    problem, optimizers, start, num_steps, seed = setting
    return (problem, optimizers, tuple(start), num_steps, seed)


def simulate(
    problem: build.ProblemSpec,
    optimizers: tuple[build.OptimizerSpec, ...],
    start: tuple[float, float],
    num_steps: int,
    seed: int,
) -> SurfaceRuns:
    """Runs every optimizer from ``start`` on the problem, in one jitted scan (cached)."""

    def run() -> SurfaceRuns:
        objective = build.objective(problem)
        built = [build.optimizer(spec) for spec in optimizers]
        traces = engine.run(
            objective,
            np.asarray(start, np.float32),
            built,
            num_steps,
            key=seed,
            record=SURFACE_RECORD,
            max_steps=surface_max_steps(num_steps),
        )
        return SurfaceRuns(traces, frame_steps(num_steps, [trace.params for trace in traces]))

    key = surface_key(problem, optimizers, start, num_steps, seed)
    return cache.store("surface runs").get(key, run)


RUNNERS = concurrent.futures.ThreadPoolExecutor(
    max_workers=os.cpu_count() or 2, thread_name_prefix="network-run"
)
"""Threads for the network page's runs: each optimizer trains in its own scan, and XLA runs
scans from different threads at once (one joint scan, or scans dispatched from one thread, run
one after the other). Shared by every session, so a busy server queues runs, not threads."""


class _Setting(NamedTuple):
    """What every optimizer's run of one network setting shares."""

    dataset: Any
    objective: Any
    params: Any
    num_steps: int
    seed: int
    frames: np.ndarray
    steps: np.ndarray
    view: np.ndarray | None
    record_at: np.ndarray | None
    view_rows: int


def train(
    network: build.NetworkSpec, optimizers: tuple[build.OptimizerSpec, ...], num_steps: int
) -> NetworkRuns:
    """Trains the MLP with every optimizer from the same initial weights, on the same batches,
    then evaluates what the figures draw and keeps that (cached).

    Each optimizer runs in its own scan on its own thread (``RUNNERS``), with the same keys, so
    the same minibatches, as one joint scan. The scan records only the steps some figure draws:
    the boundary's frames, the curves' steps and the step view's (``view_steps``); the frames
    and curve steps are evaluated right away, and only the step view's rows stay in the cache.
    """

    def run() -> NetworkRuns:
        dataset, objective, sizes = build.network(network)
        built = [build.optimizer(spec) for spec in optimizers]
        params = _initial_weights(network.data_seed, sizes)
        frames = frame_steps(num_steps, max_frames=netviz.MAX_FRAMES)
        steps = curve_steps(num_steps)
        view = view_steps(params, len(built), num_steps, frames)
        # The boundary's frames and the curves' steps are evaluated from the run: always kept
        # (a deep network's view may leave the frames out).
        record_at = None if view is None else np.union1d(np.union1d(view, steps), frames)
        setting = _Setting(
            dataset,
            objective,
            params,
            num_steps,
            network.data_seed,
            frames,
            steps,
            view,
            record_at,
            view_rows(params, len(built)),
        )
        tasks = [RUNNERS.submit(_train_one, setting, optimizer) for optimizer in built]
        runs = [task.result() for task in tasks]
        kept = tuple(trace for trace, *_ in runs)
        return NetworkRuns(
            kept,
            frames,
            tuple(grids for _, grids, _, _ in runs),
            tuple(metrics for _, _, metrics, _ in runs),
            tuple(rates for *_, rates in runs),
            _log_rate_range(kept),
        )

    return cache.store("network runs").get((network, optimizers, num_steps), run)


def _train_one(setting: _Setting, optimizer: Any) -> tuple:
    """One optimizer's run of a setting: its kept trace, grids, metrics and rate quantiles."""
    # One program per network and feature combination, whatever the number of steps: a run
    # that keeps every step is compiled for the most steps that fit the view's rows, one that
    # keeps chosen steps for the most of them (the view's rows, every curve step and frame).
    (trace,) = engine.run(
        setting.objective,
        setting.params,
        [optimizer],
        setting.num_steps,
        key=setting.seed,
        record=NETWORK_RECORD,
        record_at=setting.record_at,
        max_steps=None if setting.record_at is not None else setting.view_rows - 1,
        max_records=(
            None
            if setting.record_at is None
            else setting.view_rows + MAX_CURVE_POINTS + netviz.MAX_FRAMES
        ),
    )
    ((grids, metrics),) = evaluate.evaluate_runs(
        setting.objective,
        setting.dataset,
        [trace.params],
        netviz.position_rows(setting.frames, setting.record_at),
        netviz.position_rows(setting.steps, setting.record_at),
        setting.steps,
        netviz.GRID_RESOLUTION,
        # Every number of steps draws at most this many frames and curve points.
        row_capacity=(netviz.MAX_FRAMES, MAX_CURVE_POINTS),
    )
    called = setting.steps[setting.steps >= 1]
    rates = (called, netviz.layer_rate_quantiles(trace.effective_lr, called, trace.steps))
    return _kept(trace, setting.view), grids, metrics, rates


@functools.lru_cache(maxsize=16)
def _initial_weights(seed: int, sizes: tuple[int, ...]) -> Any:
    """``init_mlp`` as NumPy, kept: every optimizer setting of a network starts from them
    (drawing them again takes a few eager JAX calls per layer)."""
    return freeze(jax.tree.map(np.asarray, init_mlp(seed, sizes)))


def view_rows(params: Any, optimizers: int) -> int:
    """How many steps' weights and rates of ``optimizers`` runs fit ``VIEW_BYTES`` (at least 2)."""
    per_step = 2 * optimizers * sum(np.asarray(leaf).nbytes for leaf in jax.tree.leaves(params))
    return max(int(VIEW_BYTES // per_step), 2)


def view_steps(
    params: Any, optimizers: int, num_steps: int, frames: np.ndarray
) -> np.ndarray | None:
    """The steps a run keeps for its step view: None (every step) when the weights and rates
    of every step fit ``VIEW_BYTES``; otherwise the boundary's ``frames`` (when they take at
    most half of it) and a uniform grid of steps filling it, 0 and the last step included."""
    rows = view_rows(params, optimizers)
    if num_steps + 1 <= rows:
        return None
    frames = np.asarray(frames, np.int64)
    drawn = frames if frames.size <= rows // 2 else np.array([0, num_steps], np.int64)
    # Grow the grid until the union fills the rows (grid steps may coincide with drawn ones).
    grid = rows - drawn.size + 2
    while True:
        steps = _with_grid(drawn, num_steps, grid)
        if steps.size >= rows or grid >= num_steps + 1:
            break
        grid += rows - steps.size
    while steps.size > rows:
        grid -= steps.size - rows
        steps = _with_grid(drawn, num_steps, grid)
    return steps


def _with_grid(drawn: np.ndarray, num_steps: int, grid: int) -> np.ndarray:
    return np.union1d(drawn, np.rint(np.linspace(0, num_steps, grid)).astype(np.int64))


def _kept(trace: engine.Trace, view: np.ndarray | None) -> engine.Trace:
    """The trace at the step view's steps only (copies, so the whole record can be freed)."""
    if view is None:
        return trace
    rows = netviz.position_rows(view, trace.steps)

    def take(tree: Any) -> Any:
        return jax.tree.map(lambda leaf: np.ascontiguousarray(np.asarray(leaf)[rows]), tree)

    return trace._replace(
        params=take(trace.params), effective_lr=take(trace.effective_lr), steps=view
    )


def _log_rate_range(traces: tuple[engine.Trace, ...]) -> tuple[float, float]:
    """One colour range for every optimizer and step, so edge colours compare across both:
    the range of log10 of the positive finite kernel rates (log10 is monotonic: only the
    extremes are taken)."""
    extremes = [np.zeros(0)]
    for trace in traces:
        for layer in trace.effective_lr:
            rates = np.asarray(layer["kernel"])
            positive = rates[np.isfinite(rates) & (rates > 0)]
            if positive.size:
                extremes.append(np.array([positive.min(), positive.max()], np.float64))
    return netviz.value_range([np.log10(pair) for pair in extremes])


def figure(store_key: Any, build_figure: Any) -> Any:
    """A figure spec from the shared figure cache, built by ``build_figure()`` when missing."""
    return cache.store("figures").get(store_key, build_figure)


@st.cache_data(max_entries=16, show_spinner=False)
def learning_rate_preview(
    kind: str, values: tuple, num_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """lr(t) of a learning-rate setting at ≤ 400 steps in [0, num_steps]."""
    optimizer = Adadelta(learning_rate=build.learning_rate(kind, dict(values)))
    steps = np.unique(np.linspace(0, num_steps, min(num_steps + 1, 400)).astype(np.int32))
    rates = jax.vmap(optimizer.learning_rate_at)(jnp.asarray(steps))
    return steps, np.asarray(rates)
