"""The sweeps page (issue 12) in a real Chromium: compute a sensitivity map, click a cell, land
on the explorer with that setting.

The maps carry invisible click targets (a scatter trace named "cells") at the cell centres;
the test clicks one with the mouse at its pixel position, as a student would, then follows
the link the page offers and reads the explorer's widgets.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    APP_RUN_TIMEOUT_MS,
    assert_no_js_errors,
    assert_no_streamlit_error,
    screenshot,
    wait_for_app,
    wait_for_number,
)

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"]'
MAP = "?sweeps.section=maps&sweeps.resolution=16&sweeps.num_steps=200"

# The page position of a cell's click target (cell [i, j] of the trace named "cells"), and the
# cell's setting from its customdata [i, j, x value, y value, ...].
_CELL_JS = """([chart, i, j]) => {
    const gd = chart.querySelector('.js-plotly-plot');
    const trace = gd._fullData.find((t) => t.name === 'cells');
    const k = [...Array(trace.customdata.length).keys()].find(
        (n) => Number(trace.customdata[n][0]) === i && Number(trace.customdata[n][1]) === j);
    const box = gd.getBoundingClientRect();
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    return {
        x: box.left + xa._offset + xa.l2p(Number(trace.x[k])),
        y: box.top + ya._offset + ya.l2p(Number(trace.y[k])),
        xValue: Number(trace.customdata[k][2]),
        yValue: Number(trace.customdata[k][3]),
    };
}"""


def _wait_for_charts(page: Page, count: int) -> None:
    page.wait_for_function(
        """(n) => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .filter((c) => { const gd = c.querySelector('.js-plotly-plot');
                             return gd && gd._fullData; }).length >= n""",
        arg=count,
        timeout=APP_RUN_TIMEOUT_MS,
    )


def test_click_a_map_cell_and_open_it_on_the_explorer(app_server: str, page: Page) -> None:
    page.goto(f"{app_server}/sweeps{MAP}")
    wait_for_app(page)
    _wait_for_charts(page, 2)
    assert_no_streamlit_error(page)
    adadelta_map = page.locator(CHART).first
    adadelta_map.scroll_into_view_if_needed()
    cell = page.evaluate(_CELL_JS, [adadelta_map.element_handle(), 5, 9])
    page.mouse.click(cell["x"], cell["y"])
    wait_for_app(page)
    link = page.get_by_role("link", name="on the explorer").first
    expect(link).to_be_visible(timeout=APP_RUN_TIMEOUT_MS)
    screenshot(page, "sweeps_map_clicked")
    href = link.get_attribute("href")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
    assert query.get("problem.surface", ["rosenbrock"]) == ["rosenbrock"]  # the default
    assert float(query["lr.constant.learning_rate"][0]) == pytest.approx(cell["xValue"], rel=1e-6)
    assert float(query["adadelta.rho"][0]) == pytest.approx(cell["yValue"], rel=1e-6)
    assert query["problem.num_steps"] == ["200"]
    assert_no_js_errors(page)

    page.goto(f"{app_server}{urllib.parse.urlsplit(href).path}?{urllib.parse.urlsplit(href).query}")
    wait_for_app(page)
    assert_no_streamlit_error(page)
    expect(page).to_have_url(re.compile(r"/surfaces"))
    sidebar = page.locator('[data-testid="stSidebar"]')
    learning_rate = sidebar.get_by_role("spinbutton", name="learning_rate").first
    wait_for_number(learning_rate, cell["xValue"], rel=1e-3)
    rho = sidebar.get_by_role("slider", name="rho").first
    # The slider shows three decimals; the exact value is the link's (checked above).
    assert float(rho.get_attribute("aria-valuetext")) == pytest.approx(cell["yValue"], abs=5e-4)
    steps = sidebar.get_by_role("spinbutton", name="num_steps").first
    assert wait_for_number(steps, 200, rel=0) == 200
    assert_no_js_errors(page)
