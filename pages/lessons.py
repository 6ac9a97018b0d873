"""Guided lessons: read, predict, run, and open the same view in the explorer."""

import streamlit as st

from adadelta.ui import controls, room, state
from adadelta.ui.lessons import LESSONS, draw
from adadelta.ui.routing import require_navigation

require_navigation()

st.title("Guided lessons")
state.load_and_report(controls.LESSONS_PAGE, extra_keys=(draw.PARAMETER,))
if not room.toolbar():
    st.caption(
        "Each lesson asks you to commit to an answer, then runs its prepared view with the "
        "same optimizers as the explorer and shows what happened, and why. Pick a lesson in "
        "the sidebar."
    )

slug = draw.current()
lesson = LESSONS[slug]
draw.text(lesson, draw.SLUGS.index(slug) + 1)
locked = draw.question(lesson)
if locked is not None:
    draw.reveal(lesson, locked)
draw.sidebar()
state.save(controls.LESSONS_PAGE, extra={draw.PARAMETER: slug})
