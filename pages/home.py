"""The home page: what Adadelta fixes, a live demo, and a map of the pages."""

import streamlit as st

from adadelta.ui import compute, controls, home, pagestate, room, surface_view
from adadelta.ui.charts import chart
from adadelta.ui.kinds import show
from adadelta.ui.routing import require_navigation

require_navigation()

st.title("Adadelta Lab")
room.copy_link()
st.markdown(
    """
An interactive lab for **adaptive learning rates**: watch Adadelta give every parameter its
own step size, step by step, next to Adagrad, RMSprop, SGD and Adam. Every optimizer here
computes **exactly what Keras 3 computes** (`keras.optimizers.Adadelta`, R's
`optimizer_adadelta()`) for every argument, checked against real Keras by the test suite.

**What Adadelta fixes.** Adagrad divides each dimension's step by the root of the sum of *all*
its past squared gradients, so its rate can only decay: after a steep stretch it stays small
for good, even where the surface turns flat. And like SGD it needs a global learning rate
picked by hand. Adadelta keeps two *running averages* instead, of the squared gradients E[g²]
and of the squared updates E[Δx²], over a window of about 1/(1−ρ) steps: old gradients are
forgotten, so the rate can grow again, and the ratio of the two roots carries the units of the
parameter, so the paper needs no global rate at all (η = 1).
"""
)

left, right = st.columns(2)
with left:
    st.markdown("**Adagrad**: the sum only grows")
    st.latex(
        r"""
\begin{aligned}
G_t &= G_{t-1} + g_t^2 \\
x_{t+1} &= x_t - \frac{\eta}{\sqrt{G_t + \epsilon}}\, g_t
\end{aligned}
"""
    )
with right:
    st.markdown("**Adadelta**: two windows, no hand-picked rate")
    st.latex(
        r"""
\begin{aligned}
E[g^2]_t &= \rho\,E[g^2]_{t-1} + (1-\rho)\,g_t^2 \\
\Delta x_t &= -\frac{\sqrt{E[\Delta x^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\; g_t \\
E[\Delta x^2]_t &= \rho\,E[\Delta x^2]_{t-1} + (1-\rho)\,\Delta x_t^2 \\
x_{t+1} &= x_t + \eta\,\Delta x_t
\end{aligned}
"""
    )

paper, keras = controls.PRESETS["Zeiler paper"], controls.PRESETS["Keras defaults"]
st.caption(
    "Zeiler (2012), [ADADELTA: An Adaptive Learning Rate Method, arXiv:1212.5701]"
    f"({home.PAPER_URL}): ρ = {show(paper['rho'])}, ε = {show(paper['epsilon'])}, "
    f"η = {show(paper['learning_rate'])}. η is Keras's `learning_rate` ([Keras documentation]"
    f"({home.KERAS_URL})); Keras's defaults are learning_rate = {show(keras['learning_rate'])}, "
    f"rho = {show(keras['rho'])}, epsilon = {show(keras['epsilon'])}. "
    f"Adagrad's G₀ is Keras's `initial_accumulator_value`."
)

run = pagestate.surface_run({})
problem, optimizers = run.problem, run.optimizers
st.subheader("Live: the explorer's first view")
st.markdown(
    f"Adadelta ({home.setting_text(optimizers[0])}) and Adagrad "
    f"({home.setting_text(optimizers[1])}) from the same start for {run.num_steps} steps. "
    "Press **▶ Play**: the paths move on the left while a cursor walks over each dimension's "
    "effective learning rate on the right."
)
with compute.computing(
    "surface runs",
    compute.surface_key(*run),
    "Running… the first run after a server start compiles (a few seconds).",
):
    figure, result = surface_view.main_figure(*run)
chart(figure, key="home.demo")
surface_view.look_at(optimizers, result)
home.link("surfaces", "Open this view in the explorer and change anything", ":material/tune:")

st.subheader("Where to go")
for entry in home.MAP:
    home.map_line(entry)
