"""The loss-surface explorer: every Adadelta argument, animated against Adagrad and friends."""

import math
import urllib.parse

import streamlit as st

from adadelta.problems import FormulaError
from adadelta.ui import build, controls, figures, pagestate, panels, room, state
from adadelta.ui.kinds import show
from adadelta.ui.routing import require_navigation
from adadelta.ui.widgets import plain, render

require_navigation()

ANATOMY_URL = "anatomy"
"""The anatomy page, relative to this one (both sit at the app's root)."""

st.title("Loss-surface explorer")
state.load_and_report(controls.SURFACE_PAGE)
if not room.toolbar():
    st.markdown(
        "Pick a surface, set any of Adadelta's Keras arguments, and press **▶ Play**. Each "
        "optimizer starts at the same point; the right-hand panels show the **effective learning "
        "rate of each dimension**, the factor that turns that dimension's gradient into a step. "
        "Adagrad's can only shrink; Adadelta's can grow again."
    )


figures.apply_contour_click(st.session_state)

with st.sidebar:
    problem_values, _ = panels.problem_panel()
    kind, lr_values, rule = panels.adadelta_panel()
    pipeline = panels.pipeline_panel()
    st.subheader("Compare with")
    panels.relatives_panel(problem_values["compare"])

problem, specs, start, num_steps, seed = pagestate.surface_run(st.session_state)
state.save(controls.SURFACE_PAGE)

errors = []
try:
    objective = build.objective(problem)
except (ValueError, FormulaError) as error:
    errors.append(f"**Surface:** {plain(error)}")
    objective = None
errors += panels.optimizer_errors(specs)
for message in errors:
    st.error(message, icon=":material/error:")

if objective is not None:
    with st.expander(f"{objective.title}: the formula", expanded=False):
        st.latex(objective.latex)
        if objective.surface is not None:
            st.caption(objective.surface.lesson)

if kind == "constant":
    step = panels.first_step_size(lr_values["learning_rate"], rule["rho"], rule["epsilon"])
    if math.isfinite(step) and step < 1e-3:
        keras, zeiler = controls.PRESETS["Keras defaults"], controls.PRESETS["Zeiler paper"]
        st.info(
            f"**Why won't Adadelta move?** Its first step is about η·√(ε/(1−ρ)) = {step:.1e} "
            "per coordinate, whatever the gradient: E[Δx²] starts at 0, so only ε feeds the "
            f"numerator. Keras's defaults (learning_rate {show(keras['learning_rate'])}, "
            f"ε {show(keras['epsilon'])}) make this tiny; Zeiler's paper uses "
            f"η = {show(zeiler['learning_rate'])} and ε = {show(zeiler['epsilon'])}. "
            "Try the **Zeiler paper** preset.",
            icon=":material/pace:",
        )
else:
    figures.learning_rate_preview(kind, lr_values, num_steps)

extras = [
    name
    for name, on in (
        ("gradient accumulation", pipeline["gradient_accumulation_steps"] is not None),
        ("clipping", pipeline["clipping"] != "None"),
        ("the EMA", pipeline["use_ema"]),
    )
    if on
]
if extras and problem.noise_sigma == 0:
    named = " and ".join(filter(None, (", ".join(extras[:-1]), extras[-1])))
    st.caption(
        f":material/lightbulb: On a smooth, noise-free surface {named} barely "
        f"{'changes' if len(extras) == 1 else 'change'} the path. Set **noise_sigma** above 0 "
        f"to see {'its' if len(extras) == 1 else 'their'} effect."
    )

if objective is not None and not errors:
    figures.surface_results(problem, specs, start, num_steps, seed)
    pick, link = st.columns([1, 4], vertical_alignment="bottom")
    t = render(controls.ANATOMY["t"], pick)
    query = {
        **pagestate.encode(controls.SURFACE_PAGE, st.session_state),
        **pagestate.encode((controls.ANATOMY,), {controls.ANATOMY["t"].key: t}),
    }
    link.markdown(
        f":material/biotech: [Dissect call {t} of this run: every stage of Keras's apply(), "
        f"Adadelta beside Adagrad]({ANATOMY_URL}?{urllib.parse.urlencode(query)})"
    )
