"""The loss-surface page's results: the runs' summary, flags and figures, built once per setting.

Each figure is cached on its own inputs: the surface's image, hover grid and 3-D mesh on the
problem only (a new optimizer setting re-renders none of them), the path and rate figures on
the whole setting. The tabs below the main chart are lazy: only the open tab's figure is built
and sent, the others when a student opens them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from adadelta import viz
from adadelta.viz import Backdrop, Run

from . import build, cache, compute, exports_view, summary
from .charts import chart
from .widgets import plain

CONTOUR_KEY = "surfaces.contour"
TAB_KEY = "surfaces.tab"
TABS = ("Loss", "Accumulators", "3-D view")
"""The tabs under the main chart; the first one opens by default."""


def backdrop(problem: build.ProblemSpec) -> Backdrop:
    """What the figures draw of the surface itself (cached on the surface, not the noise).

    Raises:
        ValueError: if the problem is invalid or not finite anywhere on its domain.
    """
    surface = problem._replace(noise_sigma=0.0)
    return cache.store("backdrops").get(surface, lambda: viz.backdrop(build.objective(surface)))


def _runs(optimizers: tuple[build.OptimizerSpec, ...], traces: tuple) -> list[Run]:
    return [Run(spec.label, trace) for spec, trace in zip(optimizers, traces)]


def _figure(name: str, setting: tuple, surface: Backdrop, result: compute.SurfaceRuns) -> Any:
    """One figure of the page for one setting, from the figure cache."""
    optimizers = setting[1]
    runs = _runs(optimizers, result.traces)
    frames = result.frames

    def main() -> viz.Figure:
        with_ema = [run for run in runs if run.trace.ema is not None]
        paths = viz.contour_figure(surface, runs, frames=frames, ema_runs=with_ema or None)
        rates = viz.effective_lr_figure(runs, frames=frames)
        fig = viz.side_by_side(
            paths, rates, title=f"Paths on {surface.title} and each dimension's learning rate"
        )
        fig["layout"]["meta"] = {"alt": f"{viz.alt_text(paths)} {viz.alt_text(rates)}"}
        return fig

    builders = {
        "main": main,
        "Loss": lambda: viz.loss_figure(runs, frames=frames),
        "Accumulators": lambda: viz.accumulators_figure(runs, frames=frames),
        "3-D view": lambda: viz.surface3d_figure(surface, runs, frames=frames),
    }
    return compute.figure(("surface", name, *setting), builders[name])


def main_figure(
    problem: build.ProblemSpec,
    optimizers: tuple[build.OptimizerSpec, ...],
    start: tuple[float, float],
    num_steps: int,
    seed: int,
) -> tuple[viz.Figure, compute.SurfaceRuns]:
    """The explorer's main figure of a setting (paths beside the rates) and its runs, from the
    same caches as the explorer: a page that shows a setting the explorer shows shares both.

    Raises:
        ValueError: if the problem is invalid or not finite anywhere on its domain.
    """
    setting = (problem, optimizers, tuple(start), num_steps, seed)
    surface = backdrop(problem)
    result = compute.simulate(*setting)
    return _figure("main", setting, surface, result), result


def look_at(optimizers: tuple[build.OptimizerSpec, ...], result: compute.SurfaceRuns) -> None:
    """The line saying what this run's rates did (when Adadelta and Adagrad are both drawn)."""
    line = summary.what_to_look_at([spec.label for spec in optimizers], result.traces)
    if line:
        st.markdown(line)


def surface_results(
    problem: build.ProblemSpec,
    optimizers: tuple[build.OptimizerSpec, ...],
    start: tuple[float, float],
    num_steps: int,
    seed: int,
) -> None:
    """Runs (cached), then the summary, divergence flags and every figure of the surface page."""
    setting = (problem, optimizers, tuple(start), num_steps, seed)
    with compute.computing(
        "surface runs",
        compute.surface_key(*setting),
        "Running… the first run of a new combination compiles (a few seconds).",
    ):
        try:
            surface = backdrop(problem)
        except ValueError as error:
            st.error(f"**Surface:** {plain(error)}", icon=":material/error:")
            return
        result = compute.simulate(*setting)

    main = _figure("main", setting, surface, result)
    chart(
        main,
        key=CONTOUR_KEY,
        on_select="rerun",
        selection_mode="points",
    )
    look_at(optimizers, result)
    st.caption(
        "▶ Play animates the paths and moves the cursor over the learning rates in step. "
        "Click anywhere on the surface to start there. The effective learning rate is the "
        "factor with which a dimension's gradient became its step (Adadelta: "
        "η·√(E[Δx²]+ε)/√(E[g²]+ε); Adagrad: η/√(Σg²+ε)). Keyboard: **K** plays and pauses, "
        "**,** and **.** step back and forward."
    )
    exports_view.export_section(
        "surfaces",
        setting,
        lambda: exports_view.surface_export_run(*setting),
        lambda: main,
        surface.title,
    )
    columns = st.columns(len(optimizers))
    for column, spec, trace in zip(columns, optimizers, result.traces):
        final = float(trace.loss[-1])
        column.metric(
            f"{spec.label}: final loss",
            f"{final:.4g}" if np.isfinite(final) else "diverged",
            help=f"f at the last of {num_steps} steps (the noise-free loss).",
        )
    for spec, trace in zip(optimizers, result.traces):
        if trace.diverged_at is not None:
            st.warning(
                f"**{spec.label} diverged at step {trace.diverged_at}**: its position, loss or "
                "state became infinite or NaN there. The path is drawn up to its last finite "
                "point; lower its learning_rate or add clipping.",
                icon=":material/warning:",
            )

    tabs = st.tabs(list(TABS), key=TAB_KEY, on_change="rerun")
    for name, tab in zip(TABS, tabs):
        if tab.open is False:
            continue  # Built when a student opens it.
        with tab:
            chart(_figure(name, setting, surface, result))
            if name == "Accumulators":
                st.caption(
                    "E[g²] and E[Δx²] are Adadelta's running averages (ρ sets their memory, "
                    "about 1/(1−ρ) steps); Adagrad's Σg² only grows, which is why its rate "
                    "only shrinks."
                )
