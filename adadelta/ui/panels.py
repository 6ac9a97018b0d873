"""Sidebar panels shared by the pages: the problem, Adadelta, the Keras pipeline, the relatives.

Each panel draws its controls from the control table and returns their values by Keras name,
for the page's prose; what the page runs comes from ``adadelta.ui.pagestate`` on the same
session state. Nothing here builds optimizers (``adadelta.ui.build`` does) or runs anything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import streamlit as st

from . import build, controls
from .kinds import show
from .widgets import plain, render, render_group


def _apply_preset(label: str) -> None:
    st.session_state.update(controls.preset_values(label))


def problem_panel() -> tuple[dict[str, Any], dict[str, Any]]:
    """The surface page's problem and the chosen surface's shape and start.

    Returns:
        ``(problem values, surface values)``, each ``{keras_name: value}``.
    """
    st.subheader("Surface")
    problem = render_group(controls.PROBLEM)
    return problem, render_group(controls.surface(problem["surface"]))


def adadelta_panel() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Adadelta's own controls; returns (learning-rate form, its values, rho/epsilon/name)."""
    st.subheader("Adadelta")
    left, right = st.columns(2)
    for column, (label, numbers) in zip((left, right), controls.PRESETS.items()):
        column.button(
            label,
            on_click=_apply_preset,
            args=(label,),
            use_container_width=True,
            help=", ".join(f"{name}={show(value)}" for name, value in numbers.items()),
        )
    kind = render(controls.LR_KIND)
    lr_values = render_group(controls.schedule(kind))
    rule = render_group(controls.ADADELTA)
    return kind, lr_values, rule


def pipeline_panel() -> dict[str, Any]:
    """The Keras ``apply()`` arguments, applied alike to every optimizer on the page.

    Returns the values of the controls shown: a clipping threshold only when its argument is
    chosen, the EMA's momentum and overwrite frequency only with ``use_ema``.
    """
    st.subheader("Keras pipeline")
    st.caption(
        "Applied to every optimizer, in Keras's order: ÷ loss_scale_factor → accumulate → "
        "clip → weight decay → update → EMA."
    )
    return render_group(controls.PIPELINE)


def relatives_panel(chosen: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Controls of the comparison optimizers, one expander each."""
    values = {}
    for label in chosen:
        with st.expander(label, expanded=label == "Adagrad"):
            values[label] = render_group(controls.relative(label))
    return values


def first_step_size(learning_rate: float, rho: float, epsilon: float) -> float:
    """Adadelta's first step per coordinate for a large gradient: η·√(ε/(1−ρ))."""
    if rho >= 1:
        return math.nan
    return abs(learning_rate) * math.sqrt(epsilon / (1 - rho))


def optimizer_errors(optimizers: tuple[build.OptimizerSpec, ...]) -> list[str]:
    """One Markdown message per optimizer whose arguments are invalid."""
    errors = []
    for spec in optimizers:
        try:
            build.optimizer(spec)
        except ValueError as error:
            errors.append(f"**{spec.label}:** {plain(error)}")
    return errors
