"""AppTest of the lessons page: every lesson answered wrong and right, its reveal and its link.

Which answer is right is the run's business (``tests/test_lessons.py`` checks it against the
engine); here the page must say so consistently: "Not quite" naming the run's answer, then
"Right" for that same answer, and a link that opens exactly the lesson's view.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from page_harness import assert_clean, charts, run_page
from streamlit.testing.v1 import AppTest

from adadelta.ui import pagestate
from adadelta.ui.lessons import LESSONS, PARAMETER

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

SLUGS = list(LESSONS)
READERS = {"surfaces": pagestate.surfaces_page, "networks": pagestate.networks_page}


def page(**query) -> AppTest:
    return run_page("lessons", query)


def header(at: AppTest) -> str:
    return at.header[0].value


def links(at: AppTest) -> list[str]:
    return [element.proto.url for element in at.get("link_button")]


def answer(at: AppTest, slug: str, option: str) -> AppTest:
    at.radio(key=f"lessons.{slug}.guess").set_value(option).run()
    assert not at.button(key="lessons.lock").disabled
    at.button(key="lessons.lock").click().run()
    assert_clean(at)
    return at


def run_says(at: AppTest) -> str:
    """The option the page says the run makes right."""
    if at.success:
        return re.fullmatch(r"\*\*Right:\*\* (.*)\.", at.success[0].value).group(1)
    return re.search(r"the run says: \*\*(.*)\*\*\.", at.info[0].value).group(1)


def test_the_page_opens_on_the_first_lesson():
    at = page()
    assert_clean(at)
    assert header(at) == f"1. {LESSONS[SLUGS[0]].title}"
    assert at.query_params[PARAMETER] == SLUGS[0]
    assert not links(at), "the view is revealed only after an answer"
    assert not charts(at)
    assert at.button(key="lessons.lock").disabled, "nothing to lock in before a choice"
    assert "0 of 10 answered" in at.sidebar.get("progress")[0].proto.text


@pytest.mark.parametrize("slug", SLUGS)
def test_each_lesson_wrong_then_right_reveals_and_links(slug):
    lesson = LESSONS[slug]
    at = page(**{PARAMETER: slug})
    assert_clean(at)
    assert header(at) == f"{SLUGS.index(slug) + 1}. {lesson.title}"
    assert len(at.get("latex")) == 1 and lesson.question in at.markdown[1].value
    assert not links(at)

    first = answer(at, slug, lesson.options[0])
    right = run_says(first)
    assert right in lesson.options
    if right == lesson.options[0]:
        assert at.success and not at.info
        wrong = lesson.options[1]
        at.button(key="lessons.again").click().run()
        answer(at, slug, wrong)
        assert at.info and "Not quite" in at.info[0].value and not at.success
    else:
        assert at.info and "Not quite" in at.info[0].value and not at.success
        at.button(key="lessons.again").click().run()
        assert not links(at), "answering again hides the reveal"
        answer(at, slug, right)
        assert at.success and not at.info
    assert run_says(at) == right

    # The reveal: the run's numbers, its figure, the explanation, the link.
    assert len(at.metric) >= 3
    assert len(charts(at)) == 1
    (link,) = links(at)
    parts = urllib.parse.urlsplit(link)
    assert parts.path == lesson.view.page
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    assert {key: values[-1] for key, values in query.items()} == lesson.view.query()
    state = READERS[parts.path](query)
    assert state.messages == () and state.unused == ()
    progress = at.sidebar.get("progress")[0].proto.text
    assert "1 of 10 answered" in progress


def test_progress_counts_answers_across_lessons_and_next_moves_on():
    at = page(**{PARAMETER: "rho"})
    answer(at, "rho", "About 100")
    assert at.success
    at.button(key="lessons.next").click().run()
    assert_clean(at)
    assert header(at).startswith("3. ")
    assert at.query_params[PARAMETER] == "units"
    answer(at, "units", "All three")
    assert at.info
    progress = at.sidebar.get("progress")[0].proto.text
    assert "2 of 10 answered, 1 right" in progress
    captions = at.sidebar.radio(key="lessons.pick").proto.captions
    assert captions[1] == "✓ answered: right" and captions[2] == "✓ answered: not quite"
    # Back to the answered lesson: the answer is remembered, the reveal shown again.
    at.sidebar.radio(key="lessons.pick").set_value("rho").run()
    assert_clean(at)
    assert at.query_params[PARAMETER] == "rho"
    assert at.success and links(at)


def test_the_sidebar_picker_sets_the_url():
    at = page()
    at.sidebar.radio(key="lessons.pick").set_value("ema").run()
    assert_clean(at)
    assert header(at) == f"{SLUGS.index('ema') + 1}. {LESSONS['ema'].title}"
    assert at.query_params[PARAMETER] == "ema"


@pytest.mark.parametrize(
    ("given", "slug"),
    [("epsilon", "epsilon"), ("EPSILON", "epsilon"), (" ema ", "ema"), ("4", SLUGS[3])],
)
def test_a_link_names_a_lesson_by_slug_or_number(given, slug):
    at = page(**{PARAMETER: given})
    assert_clean(at)
    assert not at.warning
    assert header(at).endswith(LESSONS[slug].title)
    assert at.query_params[PARAMETER] == slug


@pytest.mark.parametrize(
    "given", ["nope", "", "0", "11", "-1", "1.5", "<script>alert(1)</script>", "x" * 500, "`*_"]
)
def test_a_bad_lesson_value_gets_a_message_and_the_first_lesson(given):
    at = page(**{PARAMETER: given})
    assert not at.exception
    assert not at.error
    (warning,) = at.warning
    assert "There is no lesson" in warning.value and "epsilon" in warning.value
    assert header(at) == f"1. {LESSONS[SLUGS[0]].title}"
    assert at.query_params[PARAMETER] == SLUGS[0]
    # The rest of the page works.
    answer(at, SLUGS[0], LESSONS[SLUGS[0]].options[1])
    assert links(at)
