"""The anatomy page in a real Chromium: a shared link opens its call, stepping changes the
numbers shown, and they are the numbers of the recorded run."""

from __future__ import annotations

import json
import re
import urllib.parse

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from adadelta.dissect import dissect
from adadelta.ui import anatomy_view, build, pagestate

from .conftest import (
    APP_RUN_TIMEOUT_MS,
    assert_no_js_errors,
    assert_no_streamlit_error,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.browser

LINK = {
    "problem.num_steps": "50",
    "pipeline.loss_scale_factor": "4",
    "pipeline.clipping": "clipnorm",
    "pipeline.clipnorm": "10",
    "anatomy.t": "2",
}

_TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stTable"] table')].map(
    (table) => [...table.querySelectorAll('tbody tr')].map(
        (row) => [...row.querySelectorAll('td, th')].map((cell) => cell.innerText.trim())))"""

_CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter((gd) => gd._fullData && gd._fullData.length > 3).length >= 2"""


def recorded(t: int):
    run = pagestate.anatomy_page(LINK).run.run
    objective = build.objective(run.problem)
    optimizers = [build.optimizer(spec) for spec in run.optimizers]
    start = np.asarray(run.start, np.float32)
    return [r.call(t) for r in dissect(objective, start, optimizers, run.num_steps, key=run.seed)]


def first_tables(page: Page, count: int = 2) -> list[list[list[str]]]:
    page.wait_for_function(
        f"() => ({_TABLES_JS})().length >= {count}", timeout=APP_RUN_TIMEOUT_MS, polling=200
    )
    return page.evaluate(_TABLES_JS)[:count]


def after_column(table: list[list[str]]) -> list[str]:
    return [row[-1] for row in table]


def test_a_link_opens_its_call_and_stepping_forward_shows_the_next_calls_numbers(
    page: Page, app_server: str
):
    page.goto(f"{app_server}/anatomy?{urllib.parse.urlencode(LINK)}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Anatomy of one step", level=1)).to_be_visible()
    expect(page.get_by_text("Call t = 2 of 50.")).to_be_visible(timeout=APP_RUN_TIMEOUT_MS)
    page.wait_for_function(_CHARTS_DRAWN_JS, timeout=APP_RUN_TIMEOUT_MS, polling=200)

    # Stage 1 of each optimizer: the gradient ÷ loss_scale_factor, as the run recorded it.
    tables = first_tables(page)
    for table, call in zip(tables, recorded(2)):
        assert after_column(table) == [anatomy_view.number(v) for v in call.info.grads.unscaled]
    before = tables

    # Keyboard only: focus the forward button and press Enter.
    page.get_by_role("button", name="Step forward ▶").focus()
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text("Call t = 3 of 50.")).to_be_visible(timeout=APP_RUN_TIMEOUT_MS)
    shown = json.dumps(json.dumps(before, separators=(",", ":"), ensure_ascii=False))
    page.wait_for_function(
        f"() => JSON.stringify(({_TABLES_JS})().slice(0, 2)) !== {shown}",
        timeout=APP_RUN_TIMEOUT_MS,
        polling=200,
    )
    tables = first_tables(page)
    assert tables != before
    for table, call in zip(tables, recorded(3)):
        assert after_column(table) == [anatomy_view.number(v) for v in call.info.grads.unscaled]
    expect(page).to_have_url(re.compile(r"anatomy\.t=3"))

    link = page.get_by_role("link", name="Open this setting in the loss-surface explorer")
    href = link.get_attribute("href") or ""
    assert "pipeline.loss_scale_factor=4" in href and "anatomy.t" not in href

    page.wait_for_function(_CHARTS_DRAWN_JS, timeout=APP_RUN_TIMEOUT_MS, polling=200)
    screenshot(page, "anatomy")
    assert_no_streamlit_error(page)
    assert_no_js_errors(page)
