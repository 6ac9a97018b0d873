"""Streamlit glue for the figures: bounded caches, tabs, the contour click, summaries."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from adadelta import viz
from adadelta.viz import network as netviz
from adadelta.viz.combine import side_by_side
from adadelta.viz.network_graph import value_range

from . import build, compute, controls
from .widgets import plain

CONTOUR_KEY = "surfaces.contour"
_LAST_CLICK = "_surfaces_last_click"


def apply_contour_click(session: MutableMapping[str, Any]) -> None:
    """A click on the contour (previous run's selection) moves the start there.

    Runs before the start widgets are drawn, so it may set their values.
    """
    event = session.get(CONTOUR_KEY)
    points = (event or {}).get("selection", {}).get("points") or []
    if not points:
        return
    x, y = float(points[-1]["x"]), float(points[-1]["y"])
    if session.get(_LAST_CLICK) == (x, y):
        return
    session[_LAST_CLICK] = (x, y)
    start = controls.surface(controls.PROBLEM["surface"].value(session))
    scale = controls.PROBLEM["axis_scale"].value(session)
    session[start["x0"].key] = round(x, 4)
    session[start["y0"].key] = round(y * scale, 4)


def learning_rate_preview(kind: str, values: dict[str, Any], num_steps: int) -> None:
    """A small plot of lr(t) under the schedule controls' choice."""
    try:
        steps, rates = compute.learning_rate_preview(kind, build.frozen(values), num_steps)
    except ValueError as error:
        st.error(f"**learning_rate:** {plain(error)}", icon=":material/error:")
        return
    st.plotly_chart(
        viz.schedule_preview_figure(steps, rates, f"learning_rate: {kind}"),
        config={"displayModeBar": False},
    )


def _frozen(fig: go.Figure) -> go.Figure:
    """Streamlit calls ``fig.to_dict()`` on every rerun (~0.2 s for an animated figure): do it once.

    Only for figures that are cached and never changed afterwards.
    """
    spec = fig.to_dict()
    object.__setattr__(fig, "to_dict", lambda: spec)
    return fig


@st.cache_resource(max_entries=8, show_spinner=False)
def surface_figures(
    problem: build.ProblemSpec,
    optimizers: tuple[build.OptimizerSpec, ...],
    start: tuple[float, float],
    num_steps: int,
    seed: int,
) -> dict[str, go.Figure]:
    """Every figure of the surface page for one setting (cached: building takes ~1 s)."""
    traces = compute.simulate(problem, optimizers, start, num_steps, seed)
    objective = build.objective(problem)
    runs = [viz.Run(spec.label, trace) for spec, trace in zip(optimizers, traces)]
    frames = viz.frame_indices([trace.params for trace in traces])
    with_ema = [run for run in runs if run.trace.ema is not None]
    paths = viz.contour_figure(objective, runs, frames=frames, ema_runs=with_ema or None)
    rates = viz.effective_lr_figure(runs, frames=frames)
    main = side_by_side(
        paths, rates, title=f"Paths on {objective.title} and each dimension's learning rate"
    )
    main.layout.meta = {"alt": f"{viz.alt_text(paths)} {viz.alt_text(rates)}"}
    return {
        "main": _frozen(main),
        "surface3d": _frozen(viz.surface3d_figure(objective, runs, frames=frames)),
        "loss": _frozen(viz.loss_figure(runs, frames=frames)),
        "accumulators": _frozen(viz.accumulators_figure(runs, frames=frames)),
    }


def _chart(fig: go.Figure, **kwargs: Any) -> Any:
    return st.plotly_chart(fig, alt=viz.alt_text(fig), config={"displaylogo": False}, **kwargs)


def surface_results(
    problem: build.ProblemSpec,
    optimizers: tuple[build.OptimizerSpec, ...],
    start: tuple[float, float],
    num_steps: int,
    seed: int,
) -> None:
    """Runs (cached), then the summary, divergence flags and every figure of the surface page."""
    traces = compute.simulate(problem, optimizers, start, num_steps, seed)
    figs = surface_figures(problem, optimizers, start, num_steps, seed)

    _chart(figs["main"], key=CONTOUR_KEY, on_select="rerun", selection_mode="points")
    st.caption(
        "▶ Play animates the paths and moves the cursor over the learning rates in step. "
        "Click anywhere on the surface to start there. The effective learning rate is the "
        "factor with which a dimension's gradient became its step (Adadelta: "
        "η·√(E[Δx²]+ε)/√(E[g²]+ε); Adagrad: η/√(Σg²+ε))."
    )
    columns = st.columns(len(optimizers))
    for column, spec, trace in zip(columns, optimizers, traces):
        final = float(trace.loss[-1])
        column.metric(
            f"{spec.label}: final loss",
            f"{final:.4g}" if np.isfinite(final) else "diverged",
            help=f"f at the last of {num_steps} steps (the noise-free loss).",
        )
    for spec, trace in zip(optimizers, traces):
        if trace.diverged_at is not None:
            st.warning(
                f"**{spec.label} diverged at step {trace.diverged_at}**: its position, loss or "
                "state became infinite or NaN there. The path is drawn up to its last finite "
                "point; lower its learning_rate or add clipping.",
                icon=":material/warning:",
            )

    surface_tab, loss_tab, slots_tab = st.tabs(["3-D view", "Loss", "Accumulators"])
    with surface_tab:
        _chart(figs["surface3d"])
    with loss_tab:
        _chart(figs["loss"])
    with slots_tab:
        _chart(figs["accumulators"])
        st.caption(
            "E[g²] and E[Δx²] are Adadelta's running averages (ρ sets their memory, about "
            "1/(1−ρ) steps); Adagrad's Σg² only grows, which is why its rate only shrinks."
        )


@st.cache_resource(max_entries=8, show_spinner=False)
def network_figures(
    network: build.NetworkSpec, optimizers: tuple[build.OptimizerSpec, ...], num_steps: int
) -> dict[str, Any]:
    """The animated decision boundary, the training curves and the per-layer rates (cached)."""
    traces = compute.train(network, optimizers, num_steps)
    dataset, objective, _ = build.network(network)
    frames = netviz.network_frames(num_steps)
    panels = [
        (
            spec.label,
            netviz.decision_grids(objective, netviz.params_at(t.params, frames), dataset.bounds),
        )
        for spec, t in zip(optimizers, traces)
    ]
    steps = netviz.curve_steps(num_steps)
    metrics = {
        spec.label: netviz.training_metrics(objective, dataset, trace, steps)
        for spec, trace in zip(optimizers, traces)
    }
    pairs = [(spec.label, trace) for spec, trace in zip(optimizers, traces)]
    return {
        "boundary": _frozen(netviz.decision_boundary_figure(panels, dataset, frames)),
        "curves": _frozen(netviz.training_curves_figure(metrics)),
        "rates": _frozen(netviz.layer_rates_figure(pairs)),
        "metrics": metrics,
    }


def network_results(
    network: build.NetworkSpec, optimizers: tuple[build.OptimizerSpec, ...], num_steps: int
) -> None:
    """Trains (cached) and draws every figure of the network page."""
    traces = compute.train(network, optimizers, num_steps)
    figs = network_figures(network, optimizers, num_steps)

    classification = build.network(network)[0].task == "classification"
    columns = st.columns(len(optimizers))
    for column, spec, trace in zip(columns, optimizers, traces):
        metrics = figs["metrics"][spec.label]
        value = metrics["test_acc" if classification else "test_loss"][-1]
        shown = f"{value:.1%}" if classification else f"{value:.4g}"
        column.metric(
            f"{spec.label}: test {'accuracy' if classification else 'loss'}",
            shown if np.isfinite(value) and trace.diverged_at is None else "diverged",
            help=f"On the held-out points after {num_steps} steps.",
        )
        if trace.diverged_at is not None:
            st.warning(
                f"**{spec.label} diverged at step {trace.diverged_at}**: its weights, loss or "
                "state became infinite or NaN. Lower its learning_rate or add clipping.",
                icon=":material/warning:",
            )

    _chart(figs["boundary"])
    output = "P(class 1)" if classification else "the predicted value"
    st.caption(
        f"Press ▶ Play to watch it learn: the network's output over the input plane ({output}), "
        "one panel per optimizer, from the same initial weights on the same minibatches. "
        "Filled points train, hollow points test."
    )
    _chart(figs["curves"])
    st.subheader("Every weight has its own learning rate")
    _chart(figs["rates"])
    st.caption(
        "For each layer, the median effective learning rate over its weights and biases (line) "
        "and the band holding 80 % of them (10th to 90th percentile)."
    )

    step = st.slider(
        "step",
        min_value=1,
        max_value=num_steps,
        value=num_steps,
        key="network.view_step",
        help="The training step shown by the two figures below.",
    )
    pairs = [(spec.label, trace) for spec, trace in zip(optimizers, traces)]
    _chart(netviz.rate_distribution_figure(pairs, step))
    colour_by = st.segmented_control(
        "Colour the edges by",
        ["effective learning rate", "weight"],
        default="effective learning rate",
        required=True,
        key="network.colour_by",
    )
    graph_columns = st.columns(len(optimizers))
    sizes = [layer[0] for layer in netviz.layer_sizes(traces[0].params)]
    sizes.append(netviz.layer_sizes(traces[0].params)[-1][1])
    for column, (label, trace) in zip(graph_columns, pairs):
        with column:
            if colour_by == "weight":
                values = netviz.kernel_values_at(trace.params, step)
                fig = netviz.network_graph_figure(
                    sizes,
                    values,
                    f"{label}: weights at step {step}",
                    "weight",
                    colorscale="RdBu",
                    symmetric=True,
                )
            else:
                values = netviz.log10_kernel_rates(trace.effective_lr, step)
                fig = netviz.network_graph_figure(
                    sizes,
                    values,
                    f"{label}: effective learning rates at step {step}",
                    "learning rate",
                    vrange=_log_rate_range(traces),
                    log10_ticks=True,
                )
            _chart(fig)


def _log_rate_range(traces: tuple) -> tuple[float, float]:
    """One colour range for every optimizer and step, so edge colours compare across both."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = [
            np.log10(np.asarray(layer["kernel"], np.float64))
            for trace in traces
            for layer in trace.effective_lr
        ]
    return value_range(logs)
