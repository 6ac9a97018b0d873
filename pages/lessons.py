"""Guided lessons: read, predict, run, and open the same view in the explorer."""

import streamlit as st

from adadelta.ui import room
from adadelta.ui.lessons import LESSONS, draw
from adadelta.ui.routing import require_navigation

require_navigation()

st.title("Guided lessons")
room.copy_link()
st.caption(
    "Each lesson asks you to commit to an answer, then runs its prepared view with the same "
    "optimizers as the explorer and shows what happened, and why. Pick a lesson in the sidebar."
)

slug = draw.current()
lesson = LESSONS[slug]
draw.text(lesson, draw.SLUGS.index(slug) + 1)
locked = draw.question(lesson)
if locked is not None:
    draw.reveal(lesson, locked)
draw.sidebar()
