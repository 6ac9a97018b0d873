"""The anatomy page's results: one call of Adadelta and Adagrad, stage by stage.

The runs are dissected once per setting (``dissection``, cached with the surface runs); a new
call t is an index into them, and its two figures are cached on (setting, t). Every number
shown comes from the recorded call (``adadelta.anatomy``); the equations only write them out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import streamlit as st

from adadelta import anatomy
from adadelta.dissect import Call, Dissection, dissect
from adadelta.viz.surface.anatomy import step_figure

from . import build, cache, compute
from .charts import chart
from .pagestate import SurfaceRun

DIMENSIONS = ("x", "y")


def dissection(run: SurfaceRun) -> tuple[Dissection, ...]:
    """Every call of every optimizer of ``run``, all stages kept (cached per setting)."""

    def compute_it() -> tuple[Dissection, ...]:
        objective = build.objective(run.problem)
        optimizers = [build.optimizer(spec) for spec in run.optimizers]
        return dissect(
            objective,
            np.asarray(run.start, np.float32),
            optimizers,
            run.num_steps,
            key=run.seed,
            max_steps=compute.surface_max_steps(run.num_steps),
        )

    return cache.store("surface runs").get(("anatomy", *run), compute_it)


def number(value: float) -> str:
    """A number for a table: 7 significant digits (float32 holds about 7)."""
    return f"{value:.7g}"


def tex(value: float) -> str:
    """A number as LaTeX: 4 significant digits, powers of ten written out."""
    if math.isnan(value):
        return r"\text{NaN}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times10^{{{int(exponent)}}}"
    return text


def par(value: float) -> str:
    """``tex(value)``, in parentheses when negative (as a factor)."""
    text = tex(value)
    return f"({text})" if value < 0 or text.startswith("-") else text


def stage_table(stage: anatomy.Stage) -> dict[str, list[str]]:
    """A stage's quantities per dimension, before and after, as table columns."""
    columns: dict[str, list[str]] = {"quantity": [], "before": [], "after": []}
    for row in stage.rows:
        for i, (before, after) in enumerate(zip(row.before, row.after)):
            dim = f" ({DIMENSIONS[i]})" if row.before.size > 1 else ""
            columns["quantity"].append(f"{row.name}{dim}")
            columns["before"].append(number(before))
            columns["after"].append(number(after))
    return columns


def adadelta_equations(r: anatomy.Rule, i: int) -> str:
    """Zeiler's four equations for dimension i, with this call's numbers (Algorithm 1)."""
    rho, eps, eta = r.constants["rho"], r.constants["epsilon"], r.learning_rate
    g, w = r.g[i], r.w[i]
    eg0, eg1 = r.slots_before["avg_sq_grad"][i], r.slots_after["avg_sq_grad"][i]
    ed0, ed1 = r.slots_before["avg_sq_update"][i], r.slots_after["avg_sq_update"][i]
    # The rule's step Δx = −(η_t/η)·g, from the recorded per-dimension rate η_t.
    delta = -(r.rate[i] / eta) * g if eta != 0 else math.nan
    d = DIMENSIONS[i]
    return (
        r"\begin{aligned}"
        rf"E[g_{d}^2]_t &= {tex(rho)}\cdot {par(eg0)} + {tex(1 - rho)}\cdot {par(g)}^2"
        rf" = {tex(eg1)}\\"
        rf"\Delta {d} &= -\frac{{\sqrt{{{tex(ed0)} + {tex(eps)}}}}}"
        rf"{{\sqrt{{{tex(eg1)} + {tex(eps)}}}}}\cdot {par(g)} = {tex(delta)}\\"
        rf"E[\Delta {d}^2]_t &= {tex(rho)}\cdot {par(ed0)} + {tex(1 - rho)}\cdot {par(delta)}^2"
        rf" = {tex(ed1)}\\"
        rf"{d}_t &= {par(w)} + {tex(eta)}\cdot {par(delta)} = {tex(r.w_new[i])}"
        r"\end{aligned}"
    )


ADADELTA_RULE = (
    r"\begin{aligned}"
    r"E[g^2]_t &= \rho\,E[g^2]_{t-1} + (1-\rho)\,g_t^2, &"
    r"\Delta x_t &= -\frac{\sqrt{E[\Delta x^2]_{t-1}+\epsilon}}{\sqrt{E[g^2]_t+\epsilon}}\,g_t,\\"
    r"E[\Delta x^2]_t &= \rho\,E[\Delta x^2]_{t-1} + (1-\rho)\,\Delta x_t^2, &"
    r"x_t &= x_{t-1} + \eta\,\Delta x_t"
    r"\end{aligned}"
)
"""Zeiler (2012, arXiv:1212.5701), Algorithm 1, with Keras's learning rate η (spec §2)."""

ADAGRAD_RULE = r"A_t = A_{t-1} + g_t^2,\quad x_t = x_{t-1} - \frac{\eta\,g_t}{\sqrt{A_t+\epsilon}}"


def adagrad_equations(r: anatomy.Rule, i: int) -> str:
    """Adagrad's two equations for dimension i, with this call's numbers."""
    eps, eta = r.constants["epsilon"], r.learning_rate
    g, w = r.g[i], r.w[i]
    a0, a1 = r.slots_before["accumulator"][i], r.slots_after["accumulator"][i]
    d = DIMENSIONS[i]
    return (
        r"\begin{aligned}"
        rf"A_{{{d},t}} &= {par(a0)} + {par(g)}^2 = {tex(a1)}\\"
        rf"{d}_t &= {par(w)} - \frac{{{tex(eta)}\cdot {par(g)}}}"
        rf"{{\sqrt{{{tex(a1)} + {tex(eps)}}}}} = {tex(r.w_new[i])}"
        r"\end{aligned}"
    )


def show_rule(label: str, r: anatomy.Rule) -> None:
    """The rule's equations, in general and per dimension with this call's numbers."""
    if r.name == "Adadelta":
        general, write = ADADELTA_RULE, adadelta_equations
    elif r.name == "Adagrad":
        general, write = ADAGRAD_RULE, adagrad_equations
    else:
        return
    st.markdown(f"**{label}'s rule** with the numbers of this call, per dimension:")
    st.latex(general)
    if not r.applied:
        st.caption("Micro-step: these numbers are computed and then thrown away.")
    for i in range(min(len(DIMENSIONS), r.g.size)):
        st.latex(write(r, i))


def first_nonfinite(result: Dissection) -> int:
    """The first position whose weights or loss are NaN or infinite (-1 if none)."""
    points = np.asarray(result.params, np.float64).reshape(len(result.loss), -1)
    bad = ~np.all(np.isfinite(points), axis=1) | ~np.isfinite(result.loss)
    return int(np.argmax(bad)) if bad.any() else -1


def call_figure(setting: tuple, label: str, surface, call: Call, ema: bool):
    """The call's figure, from the figure cache."""
    return compute.figure(
        ("anatomy", label, *setting, call.t),
        lambda: step_figure(surface, label, call, ema=ema),
    )


def show_call(
    run: SurfaceRun, t: int, results: Sequence[Dissection], surface, optimizers: Sequence
) -> None:
    """The two optimizers' call t: summary, figures, then each stage side by side."""
    labels = [spec.label for spec in run.optimizers]
    calls = [result.call(t) for result in results]
    all_stages = [anatomy.stages(opt, call) for opt, call in zip(optimizers, calls)]

    columns = st.columns(len(calls))
    for column, label, call, opt, result in zip(columns, labels, calls, optimizers, results):
        with column:
            st.subheader(label)
            before, after = call.loss_before, call.loss_after
            st.markdown(
                f"Loss **{before:.6g} → {after:.6g}**; "
                + ("an update." if bool(call.info.is_update_step) else "a micro-step, no update.")
            )
            chart(call_figure((run, t), label, surface, call, bool(opt.use_ema)))
            if not all(np.isfinite(np.asarray(call.info.params.final, np.float64))):
                st.warning(
                    f"{label}'s weights are not finite after this call (NaN or inf): the run "
                    f"diverged at position {first_nonfinite(result)}. Step back to see how.",
                    icon=":material/warning:",
                )
    st.caption(
        "Each arrow is one stage of the call. Gradient arrows (thin) show −g at each stage, "
        "shrunk by the factor in the legend; weight arrows (thick) are the moves themselves, to "
        "scale. The window is zoomed around w; double-click the chart to reset it."
    )

    for n, key in enumerate(anatomy.STAGES, start=1):
        stage_set = [stages[n - 1] for stages in all_stages]
        st.markdown(f"#### {n}. {stage_set[0].title.split(':')[0]}")
        columns = st.columns(len(calls))
        for column, label, stage in zip(columns, labels, stage_set):
            with column:
                marker = "●" if stage.active else "○"
                st.markdown(f"{marker} **{label}:** {stage.note}")
                show_rows(stage)
        if key == "rule":
            for label, opt, call in zip(labels, optimizers, calls):
                show_rule(label, anatomy.rule(opt, call))


def show_rows(stage: anatomy.Stage) -> None:
    """The stage's table; one line instead when it passed everything on unchanged."""
    if not stage.rows:
        return
    if stage.active or any(
        not np.array_equal(row.before, row.after, equal_nan=True) for row in stage.rows
    ):
        st.table(stage_table(stage))
        return
    kept = "; ".join(
        f"{row.name} = ({', '.join(number(v) for v in row.before)})" for row in stage.rows
    )
    st.caption(f"Unchanged: {kept}.")
