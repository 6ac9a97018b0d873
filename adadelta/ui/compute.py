"""Cached computations for the pages: bounded caches keyed by plain-data specs.

The engine's jitted code is compiled once per feature combination; these caches avoid even
re-running a scan when a rerun changes nothing numeric (e.g. switching a tab). They are bounded
(``max_entries``), so a long classroom session cannot grow memory without limit.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import streamlit as st

from adadelta import Adadelta, engine
from adadelta.problems import init_mlp

from . import build


@st.cache_data(max_entries=16, show_spinner=False)
def simulate(
    problem: build.ProblemSpec,
    optimizers: tuple[build.OptimizerSpec, ...],
    start: tuple[float, float],
    num_steps: int,
    seed: int,
) -> tuple[engine.Trace, ...]:
    """Runs every optimizer from ``start`` on the problem, in one jitted scan."""
    objective = build.objective(problem)
    built = [build.optimizer(spec) for spec in optimizers]
    return engine.run(objective, np.asarray(start, np.float32), built, num_steps, key=seed)


@st.cache_data(max_entries=16, show_spinner=False)
def learning_rate_preview(
    kind: str, values: tuple, num_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """lr(t) of a learning-rate setting at ≤ 400 steps in [0, num_steps]."""
    optimizer = Adadelta(learning_rate=build.learning_rate(kind, dict(values)))
    steps = np.unique(np.linspace(0, num_steps, min(num_steps + 1, 400)).astype(np.int32))
    rates = jax.vmap(optimizer.learning_rate_at)(jnp.asarray(steps))
    return steps, np.asarray(rates)


@st.cache_data(max_entries=8, show_spinner=False)
def train(
    network: build.NetworkSpec, optimizers: tuple[build.OptimizerSpec, ...], num_steps: int
) -> tuple[engine.Trace, ...]:
    """Trains the MLP with every optimizer from the same initial weights, on the same batches."""
    _, objective, sizes = build.network(network)
    built = [build.optimizer(spec) for spec in optimizers]
    params = init_mlp(network.data_seed, sizes)
    return engine.run(objective, params, built, num_steps, key=network.data_seed)
