"""The small-network trainer: every weight's own learning rate, Adadelta against Adagrad."""

import streamlit as st

from adadelta.problems import DATASETS
from adadelta.ui import build, controls, figures, panels, state
from adadelta.ui.routing import require_navigation
from adadelta.ui.widgets import plain, render_group

require_navigation()

st.title("Small-network trainer")
st.markdown(
    "On a real (small) neural network, Adadelta adapts **every weight's learning rate "
    "separately**. Train the same network from the same initial weights on the same "
    "minibatches with Adadelta and its relatives, then watch the decision boundary form and "
    "the per-weight learning rates spread out. Here gradient accumulation, loss scaling, "
    "clipping and the EMA have visible effects."
)

state.load_and_report(controls.network_page_controls())

with st.sidebar:
    st.subheader("Data and network")
    values = render_group(controls.NETWORK, "network")
    st.caption(DATASETS[values["dataset"]].description)
    kind, lr_values, rule = panels.adadelta_panel()
    pipeline = panels.pipeline_panel()
    st.subheader("Compare with")
    relatives = panels.relatives_panel(values["compare"])

network = build.NetworkSpec(
    dataset=values["dataset"],
    n_points=int(values["n_points"]),
    noise=float(values["noise"]),
    test_fraction=float(values["test_fraction"]),
    data_seed=int(values["data_seed"]),
    hidden_layers=int(values["hidden_layers"]),
    width=int(values["width"]),
    activation=values["activation"],
    batch_size=None if values["batch_size"] is None else int(values["batch_size"]),
)
specs = panels.specs(kind, lr_values, rule, pipeline, relatives)
num_steps = int(values["num_steps"])
state.save(controls.network_page_controls())

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
