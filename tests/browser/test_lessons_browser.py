"""The lessons page in a real (headless) Chromium: answer a lesson, follow its link.

The lesson on ρ's memory window opens the explorer on a tilted plane with ρ = 0.99 and 400
steps. After the student locks in an answer, the page reveals the run and a button that opens
that view in a new tab; there the explorer's own widgets must show the lesson's values.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from adadelta.ui import controls
from adadelta.ui.lessons import LESSONS

from .conftest import (
    APP_RUN_TIMEOUT_MS,
    assert_no_js_errors,
    assert_no_streamlit_error,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
LESSON = LESSONS["rho"]
TALL = {"width": 1400, "height": 2200}


def open_lesson(page: Page, base_url: str, query: str) -> None:
    page.goto(f"{base_url}/lessons?{query}")
    wait_for_app(page)
    # A deep link on a fresh server first runs the page without app.py and then reruns.
    expect(page.get_by_role("heading", name="Guided lessons", level=1)).to_be_visible(
        timeout=APP_RUN_TIMEOUT_MS
    )
    wait_for_app(page)


def test_answer_a_lesson_and_open_its_view_in_the_explorer(app_server: str, page: Page) -> None:
    page.set_viewport_size(TALL)
    open_lesson(page, app_server, "lesson=rho")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name=f"2. {LESSON.title}")).to_be_visible()
    expect(main.get_by_role("link", name="Open this view")).to_have_count(0)
    lock = main.get_by_role("button", name="Lock in my answer")
    expect(lock).to_be_disabled()

    main.get_by_role("radiogroup").get_by_text("About 100", exact=True).click()
    wait_for_app(page)
    expect(lock).to_be_enabled()
    lock.click()
    wait_for_app(page)
    expect(main.get_by_text("Right:")).to_be_visible(timeout=APP_RUN_TIMEOUT_MS)
    page.wait_for_selector(CHART, timeout=APP_RUN_TIMEOUT_MS)
    page.wait_for_timeout(1000)  # let Plotly finish drawing before the screenshot
    assert_no_streamlit_error(page)
    assert_no_js_errors(page)
    expect(page.get_by_text("1 of 10 answered, 1 right")).to_be_visible()
    screenshot(page, "lessons_rho_revealed")

    link = main.get_by_role("link", name="Open this view in the loss-surface explorer")
    href = link.get_attribute("href")
    assert href == LESSON.view.link()
    assert link.get_attribute("target") == "_blank"

    with page.context.expect_page() as opened:
        link.click()
    explorer = opened.value
    explorer.errors = []  # type: ignore[attr-defined]
    explorer.on("pageerror", lambda error: explorer.errors.append(f"pageerror: {error.message}"))
    explorer.set_viewport_size(TALL)
    wait_for_app(explorer)
    expect(explorer.get_by_role("heading", name="Loss-surface explorer", level=1)).to_be_visible(
        timeout=APP_RUN_TIMEOUT_MS
    )
    wait_for_app(explorer)
    url = urllib.parse.urlsplit(explorer.url)
    assert url.path.endswith("/surfaces")
    assert urllib.parse.parse_qs(url.query, keep_blank_values=True) == {
        key: [value] for key, value in LESSON.view.query().items()
    }

    # The explorer's widgets show exactly the lesson's setting.
    expect(explorer.get_by_role("slider", name="rho")).to_have_attribute("aria-valuetext", "0.990")
    expect(explorer.get_by_role("combobox", name="surface")).to_have_value("Custom formula")
    formula = LESSON.view.value(controls.PROBLEM["formula"])
    expect(explorer.get_by_role("textbox", name="formula")).to_have_value(formula)
    expect(explorer.get_by_role("spinbutton", name="num_steps")).to_have_value("400")
    expect(explorer.get_by_role("spinbutton", name="x0")).to_have_value("2.5")
    expect(explorer.get_by_role("spinbutton", name="y0")).to_have_value("2.5")
    compare = explorer.locator('[data-testid="stMultiSelect"]').filter(has_text="compare")
    expect(compare.get_by_text("Adagrad", exact=True)).to_have_count(0)
    explorer.wait_for_selector(CHART, timeout=APP_RUN_TIMEOUT_MS)
    explorer.wait_for_timeout(1000)
    assert_no_streamlit_error(explorer)
    assert not explorer.errors, explorer.errors  # type: ignore[attr-defined]
    screenshot(explorer, "lessons_rho_explorer")


def test_a_bad_lesson_link_gets_a_message(app_server: str, page: Page) -> None:
    open_lesson(page, app_server, "lesson=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("There is no lesson")).to_be_visible()
    expect(main.get_by_role("heading", name=f"1. {LESSONS['adagrad'].title}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"lesson=adagrad$"))
    assert_no_streamlit_error(page)
    assert_no_js_errors(page)
    screenshot(page, "lessons_bad_link")
