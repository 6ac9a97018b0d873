"""One step dissected: Keras 3's apply() pipeline stage by stage, Adadelta beside Adagrad."""

import urllib.parse

import streamlit as st

from adadelta.problems import FormulaError
from adadelta.ui import (
    anatomy_view,
    build,
    compute,
    controls,
    pagestate,
    panels,
    room,
    state,
    surface_view,
)
from adadelta.ui.routing import require_navigation
from adadelta.ui.widgets import plain, render

require_navigation()

T = controls.ANATOMY["t"]
NUM_STEPS = controls.PROBLEM["num_steps"]

st.title("Anatomy of one step")
state.load_and_report(controls.ANATOMY_PAGE)
if not room.toolbar():
    st.markdown(
        "One call of Keras 3's `optimizer.apply(grads)` takes the gradient through eight "
        "stages, always in this order: **÷ loss_scale_factor → gradient accumulation → "
        "clipping → weight decay → the update rule → EMA → EMA overwrite → the step counter**. "
        "Pick a call *t* and see what each stage did to the numbers, for Adadelta and for "
        "Adagrad from the same start. Every number is recorded from the same jitted "
        "computation the explorer animates."
    )


def _move(delta: int) -> None:
    last = int(st.session_state.get(NUM_STEPS.key, NUM_STEPS.default))
    now = int(st.session_state.get(T.key) or 1)
    st.session_state[T.key] = min(max(now + delta, 1), last)


with st.sidebar:
    st.subheader("Surface")
    for control in controls.PROBLEM.active(st.session_state):
        if control.name != "compare":  # this page always sets Adagrad beside Adadelta
            render(control)
    problem = controls.PROBLEM.values(st.session_state)
    for control in controls.surface(problem["surface"]).active(st.session_state):
        render(control)
    panels.adadelta_panel()
    panels.pipeline_panel()
    st.subheader("Beside it")
    panels.relatives_panel(["Adagrad"])

num_steps = int(st.session_state[NUM_STEPS.key])
if T.key in st.session_state and int(st.session_state[T.key] or 1) > num_steps:
    st.info(
        f"t = {st.session_state[T.key]} is past the run's last call (num_steps = {num_steps}): "
        "showing the last call.",
        icon=":material/info:",
    )
    st.session_state[T.key] = num_steps

back, number, forward, _ = st.columns([1.4, 2, 1.4, 3.2], vertical_alignment="bottom")
back.button(
    "◀ Step back",
    on_click=_move,
    args=(-1,),
    use_container_width=True,
    help="Show call t − 1.",
)
render(T, number)
forward.button(
    "Step forward ▶",
    on_click=_move,
    args=(1,),
    use_container_width=True,
    help="Show call t + 1.",
)

chosen = pagestate.anatomy_run(st.session_state)
run, t = chosen.run, chosen.t
state.save(controls.ANATOMY_PAGE)

explorer = urllib.parse.urlencode(pagestate.encode(controls.SURFACE_PAGE, st.session_state))
st.markdown(
    f":material/landscape: [Open this setting in the loss-surface explorer](surfaces?{explorer})"
)

errors = []
try:
    objective = build.objective(run.problem)
except (ValueError, FormulaError) as error:
    errors.append(f"**Surface:** {plain(error)}")
errors += panels.optimizer_errors(run.optimizers)
for message in errors:
    st.error(message, icon=":material/error:")

if not errors:
    with compute.computing(
        "surface runs",
        ("anatomy", *run),
        "Running… the first run of a new combination compiles (a few seconds).",
    ):
        try:
            surface = surface_view.backdrop(run.problem)
        except ValueError as error:
            st.error(f"**Surface:** {plain(error)}", icon=":material/error:")
            surface = None
        results = anatomy_view.dissection(run) if surface is not None else None
    if results is not None:
        k = t - 1
        st.markdown(
            f"**Call t = {t} of {run.num_steps}.** Before it, Keras's raw step counter is "
            f"k = {k}; the call moves the weights from position {k} to position {t}."
        )
        optimizers = [build.optimizer(spec) for spec in run.optimizers]
        anatomy_view.show_call(run, t, results, surface, optimizers)
