"""Streamlit glue for the figures: bounded caches, tabs, the contour click, summaries."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from adadelta import viz
from adadelta.viz.combine import side_by_side

from . import build, compute

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
    surface = session.get("problem.surface", "rosenbrock")
    scale = float(session.get("problem.axis_scale", 1.0))
    session[f"surface.{surface}.x0"] = round(x, 4)
    session[f"surface.{surface}.y0"] = round(y * scale, 4)


def learning_rate_preview(kind: str, values: dict[str, Any], num_steps: int) -> None:
    """A small plot of lr(t) under the schedule controls' choice."""
    try:
        steps, rates = compute.learning_rate_preview(kind, build.frozen(values), num_steps)
    except ValueError as error:
        st.error(f"**learning_rate:** {error}", icon=":material/error:")
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

    _chart(figs["main"], key=CONTOUR_KEY, on_select="rerun", selection_mode="points")
    st.caption(
        "▶ Play animates the paths and moves the cursor over the learning rates in step. "
        "Click anywhere on the surface to start there. The effective learning rate is the "
        "factor with which a dimension's gradient became its step (Adadelta: "
        "η·√(E[Δx²]+ε)/√(E[g²]+ε); Adagrad: η/√(Σg²+ε))."
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
