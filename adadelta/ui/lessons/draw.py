"""The lessons page's Streamlit parts: the picker, the question, the reveal.

The page keeps three things in session state: which lesson is shown (the sidebar picker, also
the ``lesson`` URL parameter), the answer locked in for each lesson, and whether it was right.
A lesson's run is computed only once an answer is locked in, and cached for every session.
"""

from __future__ import annotations

import streamlit as st

from adadelta.ui.charts import chart
from adadelta.ui.widgets import plain

from . import LESSONS, PARAMETER
from .model import PAGE_TITLES, Lesson, Outcome

PICK = "lessons.pick"
URL_SEEN = "lessons.url_seen"
ANSWERS = "lessons.answers"
SCORES = "lessons.scores"
SLUGS = tuple(LESSONS)


@st.cache_data(max_entries=len(LESSONS), show_spinner=False)
def outcome(slug: str) -> Outcome:
    """The run of a lesson's prepared view and what it reveals (for every session)."""
    return LESSONS[slug].outcome()


def _answers() -> dict[str, int]:
    return st.session_state.setdefault(ANSWERS, {})


def _scores() -> dict[str, bool]:
    return st.session_state.setdefault(SCORES, {})


def _requested(text: str) -> str | None:
    """The slug a URL value names: a slug in any case, or a lesson's number; else None."""
    word = text.strip().lower()
    if word in LESSONS:
        return word
    if word.isdigit() and 1 <= int(word) <= len(SLUGS):
        return SLUGS[int(word) - 1]
    return None


def _follow_link() -> None:
    """Shows the lesson a link names, once per new link; a bad name gets a message."""
    given = st.query_params.get(PARAMETER)
    if given == st.session_state.get(URL_SEEN):
        return
    st.session_state[URL_SEEN] = given
    if given is None:
        return
    slug = _requested(given)
    if slug is not None:
        st.session_state[PICK] = slug
        return
    shown = given if len(given) <= 40 else given[:40] + "…"
    st.warning(
        f"There is no lesson “{plain(shown)}”, so the first lesson is shown. Link to a lesson "
        f"with `?{PARAMETER}=` and one of: {', '.join(f'`{s}`' for s in SLUGS)} "
        f"(or its number, 1 to {len(SLUGS)}).",
        icon=":material/link_off:",
    )


def _label(slug: str) -> str:
    return f"{SLUGS.index(slug) + 1}. {LESSONS[slug].title}"


def _mark(slug: str) -> str:
    """A lesson's progress under its name (a constant label keeps the radio's options stable)."""
    if slug not in _answers():
        return ""
    score = _scores().get(slug)
    return "✓ answered" + ("" if score is None else ": right" if score else ": not quite")


def current() -> str:
    """The lesson to show: a new link's, else the one picked; the URL names it."""
    _follow_link()
    if st.session_state.get(PICK) not in LESSONS:
        st.session_state[PICK] = SLUGS[0]
    slug = st.session_state[PICK]
    if st.query_params.get(PARAMETER) != slug:
        st.query_params[PARAMETER] = slug
    st.session_state[URL_SEEN] = slug
    return slug


def sidebar() -> None:
    """The list of lessons with each one's progress. Drawn last, once this run's answer is
    scored; the list is the widget that picks the lesson (``current`` reads its value)."""
    with st.sidebar:
        st.subheader("Lessons")
        st.radio(
            "Lesson",
            SLUGS,
            format_func=_label,
            captions=[_mark(slug) for slug in SLUGS],
            key=PICK,
            label_visibility="collapsed",
        )
        answered, right = len(_answers()), sum(_scores().values())
        st.progress(
            answered / len(SLUGS),
            text=f"{answered} of {len(SLUGS)} answered, {right} right (this session)",
        )


def _lock(slug: str) -> None:
    choice = st.session_state.get(f"lessons.{slug}.guess")
    if choice is not None:
        _answers()[slug] = LESSONS[slug].options.index(choice)


def _again(slug: str) -> None:
    _answers().pop(slug, None)
    _scores().pop(slug, None)


def _go(slug: str) -> None:
    st.session_state[PICK] = slug


def text(lesson: Lesson, number: int) -> None:
    """The lesson's title, text, equation and sources."""
    st.header(f"{number}. {lesson.title}")
    st.markdown(lesson.text)
    st.latex(lesson.equation)
    st.caption(f"Sources: {lesson.sources}")


def question(lesson: Lesson) -> int | None:
    """The question: choose, then lock in. Returns the locked-in option, or None."""
    st.subheader("Predict")
    st.markdown(f"**{lesson.question}**")
    locked = _answers().get(lesson.slug)
    if locked is not None:
        st.markdown(f"Your answer: **{lesson.options[locked]}**")
        return locked
    choice = st.radio(
        lesson.question,
        lesson.options,
        index=None,
        key=f"lessons.{lesson.slug}.guess",
        label_visibility="collapsed",
    )
    st.button(
        "Lock in my answer",
        key="lessons.lock",
        type="primary",
        disabled=choice is None,
        on_click=_lock,
        args=(lesson.slug,),
        icon=":material/lock:",
    )
    st.caption("Commit to an answer first: then the lesson runs and shows what happened.")
    return None


def reveal(lesson: Lesson, locked: int) -> None:
    """Runs the prepared view (cached), says whether the answer was right and why, links it."""
    st.subheader("Run")
    with st.spinner(
        "Running the prepared view… the first run of a lesson compiles (a few seconds).",
        show_time=True,
    ):
        try:
            found = outcome(lesson.slug)
        except ValueError as error:
            st.error(f"This lesson's run failed: {plain(error)}", icon=":material/error:")
            return
    right = locked == found.answer
    _scores()[lesson.slug] = right
    correct = lesson.options[found.answer]
    if right:
        st.success(f"**Right:** {correct}.", icon=":material/check_circle:")
    else:
        st.info(
            f"**Not quite.** You said “{lesson.options[locked]}”; the run says: **{correct}**.",
            icon=":material/lightbulb:",
        )
    st.markdown(found.explanation)
    for column, (label, value) in zip(st.columns(len(found.numbers)), found.numbers):
        column.metric(label, value)
    chart(found.figure, config={"displayModeBar": False}, key=f"lessons.{lesson.slug}.figure")
    st.markdown(f"**See it for yourself.** {lesson.look}")
    left, middle, right_column = st.columns([3, 2, 2])
    left.link_button(
        f"Open this view in {PAGE_TITLES[lesson.view.page]}",
        lesson.view.link(),
        icon=":material/open_in_new:",
        type="primary",
        help="Opens in a new tab, with exactly the settings this lesson ran.",
    )
    middle.button(
        "Answer again",
        key="lessons.again",
        on_click=_again,
        args=(lesson.slug,),
        icon=":material/replay:",
    )
    index = SLUGS.index(lesson.slug)
    if index + 1 < len(SLUGS):
        right_column.button(
            "Next lesson",
            key="lessons.next",
            on_click=_go,
            args=(SLUGS[index + 1],),
            icon=":material/arrow_forward:",
        )
