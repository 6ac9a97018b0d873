"""The home page: what Adadelta Lab is and where to start."""

import streamlit as st

from adadelta.ui import room
from adadelta.ui.routing import require_navigation

require_navigation()

st.title("Adadelta Lab")
room.copy_link()
st.markdown(
    """
An interactive lab for **adaptive learning rates**. Adadelta gives every parameter its own
step size, computed from two running averages: of the squared gradients, E[g²], and of the
squared updates, E[Δx²]. Here you can watch that per-dimension rate change, step by step, next
to Adagrad (whose rate can only shrink) and to RMSprop, SGD and Adam.

Every optimizer here computes **exactly what Keras 3 computes**
(`keras.optimizers.Adadelta`, R's `optimizer_adadelta()`), for every argument, checked against
real Keras by the test suite.
"""
)

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
st.caption(
    "Zeiler (2012), ADADELTA: An Adaptive Learning Rate Method, arXiv:1212.5701. "
    "η is Keras's `learning_rate`: 1.0 reproduces the paper; Keras's default is 0.001."
)
