"""The network page's results: metrics, flags and figures, each built once per setting.

Training and everything evaluated from it (decision grids, curves) are cached per setting in
``compute.train``; each figure is cached on its own inputs (the step view's figures also on
the step and the edge colouring), so moving the step slider rebuilds only those two figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from adadelta.viz import Run
from adadelta.viz import network as netviz

from . import build, compute, exports_view
from .charts import chart


def _labelled(optimizers: tuple[build.OptimizerSpec, ...], values: tuple) -> list[tuple[str, Any]]:
    return [(spec.label, value) for spec, value in zip(optimizers, values)]


def _sizes(result: compute.NetworkRuns) -> list[int]:
    layers = netviz.layer_sizes(result.traces[0].params)
    return [fan_in for fan_in, _ in layers] + [layers[-1][1]]


def _figure(name: str, setting: tuple, result: compute.NetworkRuns, *extra: Any) -> Any:
    """One figure of the page for one setting (and step view), from the figure cache."""
    network, optimizers, _ = setting
    runs = [Run(spec.label, trace) for spec, trace in zip(optimizers, result.traces)]

    def boundary() -> Any:
        dataset = build.network(network)[0]
        panels = _labelled(optimizers, result.grids)
        return netviz.decision_boundary_figure(panels, dataset, result.frames)

    def graph() -> Any:
        step, colour_by, index = extra  # a recorded step
        run = runs[index]
        recorded = run.trace.steps
        if colour_by == "weight":
            (row,) = netviz.position_rows([step], recorded)
            return netviz.network_graph_figure(
                _sizes(result),
                netviz.kernel_values_at(run.trace.params, row),
                f"{run.label}: weights at step {step}",
                "weight",
                colorscale="RdBu",
                symmetric=True,
            )
        return netviz.network_graph_figure(
            _sizes(result),
            netviz.log10_kernel_rates(run.trace.effective_lr, max(step, 1), recorded),
            f"{run.label}: effective learning rates at step {step}",
            "learning rate",
            vrange=result.log_rate_range,
            log10_ticks=True,
        )

    builders = {
        "boundary": boundary,
        "curves": lambda: netviz.training_curves_figure(
            dict(_labelled(optimizers, result.metrics))
        ),
        "rates": lambda: netviz.layer_quantiles_figure(
            netviz.layer_sizes(result.traces[0].params),
            [(spec.label, *rates) for spec, rates in zip(optimizers, result.rates)],
        ),
        "distribution": lambda: netviz.rate_distribution_figure(runs, extra[0]),
        "graph": graph,
    }
    return compute.figure(("network", name, *setting, *extra), builders[name])


def network_results(
    network: build.NetworkSpec, optimizers: tuple[build.OptimizerSpec, ...], num_steps: int
) -> None:
    """Trains (cached) and draws every figure of the network page."""
    setting = (network, optimizers, num_steps)
    with compute.computing(
        "network runs",
        setting,
        "Training… the first run of a new network shape compiles (a few seconds).",
    ):
        result = compute.train(*setting)

    classification = build.network(network)[0].task == "classification"
    columns = st.columns(len(optimizers))
    for column, spec, trace, metrics in zip(columns, optimizers, result.traces, result.metrics):
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

    boundary = _figure("boundary", setting, result)
    chart(boundary)
    output = "P(class 1)" if classification else "the predicted value"
    st.caption(
        f"Press ▶ Play to watch it learn: the network's output over the input plane ({output}), "
        "one panel per optimizer, from the same initial weights on the same minibatches. "
        "Filled points train, hollow points test. Keyboard: **K** plays and pauses, **,** and "
        "**.** step back and forward."
    )
    exports_view.export_section(
        "networks",
        setting,
        lambda: exports_view.network_export_run(*setting),
        lambda: boundary,
        f"{network.dataset}, decision boundary",
    )
    chart(_figure("curves", setting, result))
    st.subheader("Every weight has its own learning rate")
    chart(_figure("rates", setting, result))
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
    recorded = result.traces[0].steps
    shown = netviz.recorded_at_or_before(step, recorded)
    if shown != step:
        st.caption(
            f"The run kept its weights and learning rates at {len(recorded)} of its "
            f"{num_steps} steps (the boundary's frames and every few steps), so the two "
            f"figures below show step {shown}, the nearest kept step before {step}."
        )
    chart(_figure("distribution", setting, result, shown))
    colour_by = st.segmented_control(
        "Colour the edges by",
        ["effective learning rate", "weight"],
        default="effective learning rate",
        required=True,
        key="network.colour_by",
    )
    for index, column in enumerate(st.columns(len(optimizers))):
        with column:
            chart(_figure("graph", setting, result, shown, colour_by, index))
