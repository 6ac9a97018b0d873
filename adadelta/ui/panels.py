"""Sidebar panels shared by the pages: Adadelta, the Keras pipeline, the comparison optimizers.

Each panel draws its controls from the control table and returns plain data; nothing here
builds optimizers (``adadelta.ui.build`` does) or runs anything.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from . import build, controls
from .widgets import plain, render, render_group

PRESETS = {
    "Zeiler paper": {"learning_rate": 1.0, "rho": 0.95, "epsilon": 1e-6},
    "Keras defaults": {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
}


def _apply_preset(name: str) -> None:
    preset = PRESETS[name]
    st.session_state[controls.LR_KIND.key("adadelta")] = "constant"
    st.session_state["lr.constant.learning_rate"] = preset["learning_rate"]
    st.session_state["adadelta.rho"] = preset["rho"]
    st.session_state["adadelta.epsilon"] = preset["epsilon"]


def adadelta_panel() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Adadelta's own controls; returns (learning-rate kind, its values, rho/epsilon/name)."""
    st.subheader("Adadelta")
    left, right = st.columns(2)
    for column, name in zip((left, right), PRESETS):
        column.button(
            name,
            on_click=_apply_preset,
            args=(name,),
            use_container_width=True,
            help=", ".join(f"{k}={v:g}" for k, v in PRESETS[name].items()),
        )
    kind = render(controls.LR_KIND, "adadelta")
    lr_values = render_group(controls.SCHEDULES[kind], f"lr.{kind}")
    rule = render_group(controls.ADADELTA, "adadelta")
    return kind, lr_values, rule


def pipeline_panel() -> dict[str, Any]:
    """The Keras ``apply()`` arguments, applied alike to every optimizer on the page."""
    st.subheader("Keras pipeline")
    st.caption(
        "Applied to every optimizer, in Keras's order: ÷ loss_scale_factor → accumulate → "
        "clip → weight decay → update → EMA."
    )
    values = {}
    for control in controls.PIPELINE:
        if control.name == "use_ema" and values["clipping"] != "None":
            threshold = controls.CLIP_THRESHOLDS[values["clipping"]]
            values["clip_threshold"] = render(threshold, "pipeline")
        if control.name in ("ema_momentum", "ema_overwrite_frequency") and not values["use_ema"]:
            values[control.name] = st.session_state.get(control.key("pipeline"), control.default)
            continue
        values[control.name] = render(control, "pipeline")
    return values


def relatives_panel(chosen: list[str]) -> dict[str, dict[str, Any]]:
    """Controls of the comparison optimizers, one expander each."""
    values = {}
    for label in chosen:
        with st.expander(label, expanded=label == "Adagrad"):
            values[label] = render_group(controls.RELATIVES[label], label.lower())
    return values


def specs(
    kind: str,
    lr_values: dict[str, Any],
    rule: dict[str, Any],
    pipeline: dict[str, Any],
    relatives: dict[str, dict[str, Any]],
) -> tuple[build.OptimizerSpec, ...]:
    """The optimizers' hashable specs (Adadelta first)."""
    shared = dict(pipeline)
    if not shared.get("use_ema"):
        shared.pop("ema_overwrite_frequency", None)
    frozen_pipeline = build.frozen(shared)
    out = [
        build.OptimizerSpec(
            "Adadelta", build.frozen(rule), (kind, build.frozen(lr_values)), frozen_pipeline
        )
    ]
    for label, values in relatives.items():
        values = dict(values)
        lr = values.pop("learning_rate")
        out.append(
            build.OptimizerSpec(
                label,
                build.frozen(values),
                ("constant", (("learning_rate", lr),)),
                frozen_pipeline,
            )
        )
    return tuple(out)


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
