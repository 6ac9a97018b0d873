"""The small-network trainer: every weight's own learning rate, Adadelta against Adagrad."""

import streamlit as st

from adadelta.problems import DATASETS
from adadelta.ui import build, controls, figures, pagestate, panels, room, state
from adadelta.ui.routing import require_navigation
from adadelta.ui.widgets import plain, render_group

require_navigation()

st.title("Small-network trainer")
state.load_and_report(controls.NETWORK_PAGE)
if not room.toolbar():
    st.markdown(
        "On a real (small) neural network, Adadelta adapts **every weight's learning rate "
        "separately**. Train the same network from the same initial weights on the same "
        "minibatches with Adadelta and its relatives, then watch the decision boundary form and "
        "the per-weight learning rates spread out. Here gradient accumulation, loss scaling, "
        "clipping and the EMA have visible effects."
    )


with st.sidebar:
    st.subheader("Data and network")
    values = render_group(controls.NETWORK)
    st.caption(DATASETS[values["dataset"]].description)
    kind, lr_values, rule = panels.adadelta_panel()
    panels.pipeline_panel()
    st.subheader("Compare with")
    panels.relatives_panel(values["compare"])

network, specs, num_steps = pagestate.network_run(st.session_state)
state.save(controls.NETWORK_PAGE)

errors = []
try:
    build.network(network)
except ValueError as error:
    errors.append(f"**Data or network:** {plain(error)}")
errors += panels.optimizer_errors(specs)
for message in errors:
    st.error(message, icon=":material/error:")

if kind != "constant":
    figures.learning_rate_preview(kind, lr_values, num_steps)

if not errors:
    figures.network_results(network, specs, num_steps)
