"""Testing the paper's claims: its tables re-run, sensitivity maps, basins and swarms."""

import streamlit as st

from adadelta.ui import controls, room, state, sweep_view
from adadelta.ui.routing import require_navigation
from adadelta.ui.widgets import render

require_navigation()

st.title("Sweeps: test the paper's claims")
state.load_and_report(controls.SWEEPS_PAGE)
if not room.toolbar():
    st.markdown(
        "Zeiler (2012) claims Adadelta needs no hand-tuned learning rate and is robust to its "
        "hyperparameters. Here hundreds of settings run at once (one vmapped run per "
        "optimizer), so you can check where that holds. **Click any cell** of a map or table "
        "to open that setting alone on the explorer or the network page."
    )

with st.sidebar:
    st.subheader("Base settings")
    st.caption(
        "The maps, basins and swarms start from these; a map's axes override its two arguments."
    )
    st.markdown("**Adadelta**")
    render(controls.SCHEDULES["constant"]["learning_rate"])
    render(controls.ADADELTA["rho"])
    render(controls.ADADELTA["epsilon"])
    st.markdown("**Adagrad**")
    for control in controls.relative("Adagrad"):
        render(control)

section_control = controls.SWEEPS["section"]
if section_control.key not in st.session_state:
    st.session_state[section_control.key] = section_control.default
section = st.radio(
    section_control.name,
    section_control.options,
    format_func=section_control.label_of,
    horizontal=True,
    key=section_control.key,
    help=section_control.help,
    label_visibility="collapsed",
)

if section == "tables":
    sweep_view.tables_section()
elif section == "maps":
    sweep_view.maps_section(st.session_state)
elif section == "basins":
    sweep_view.basins_section(st.session_state)
else:
    sweep_view.swarm_section(st.session_state)

state.save(controls.SWEEPS_PAGE)
