"""For the room, in real Chromium on a 1280x720 projector: a shared presenter link, the
keyboard, Copy link, the text summaries, and the exports downloaded from the page.

One page per test (a browser context of the projector's size with clipboard permissions);
the assertions on one view share it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import (
    APP_RUN_TIMEOUT_MS,
    assert_no_js_errors,
    assert_no_streamlit_error,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
ANIMATED = '[data-testid="stPlotlyChart"][data-adl-animated]'
LINK = (
    "/surfaces?problem.surface=rosenbrock&problem.num_steps=300&adadelta.rho=0.9"
    "&problem.compare=Adagrad%2CRMSprop"
)
# plotly.js rejects the Promise of an animation that Pause interrupts, uncaught, with no
# message (see test_surfaces_browser.PLOTLY_INTERRUPTED_ANIMATION): forgiven once per
# interruption the chart reported, never otherwise.
INTERRUPTED = "pageerror: undefined"

_COUNT_INTERRUPTIONS_JS = """(chart) => {
    const gd = chart.querySelector('.js-plotly-plot');
    if (!gd.__adlCounted) {
        gd.__adlCounted = true;
        window.__interruptions = 0;
        gd.on('plotly_animationinterrupted', () => { window.__interruptions += 1; });
    }
}"""


@pytest.fixture
def projector(browser: Browser, app_server: str) -> Iterator[Page]:
    """A 1280x720 page that may use the clipboard; ``page.errors`` as in ``conftest.page``."""
    context = browser.new_context(viewport=PROJECTOR, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server)
    page = context.new_page()
    errors: list[str] = []
    page.errors = errors  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error.message}"))
    page.on(
        "console",
        lambda m: (
            errors.append(f"console.error: {m.text}")
            if m.type == "error" and "status of 404" not in m.text
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()


def open_link(page: Page, url: str) -> Any:
    page.goto(url)
    wait_for_app(page)
    chart = page.locator(ANIMATED).first
    expect(chart).to_be_attached(timeout=APP_RUN_TIMEOUT_MS)
    page.wait_for_timeout(500)
    return chart


def slider_state(chart: Any) -> dict[str, Any]:
    return chart.evaluate(
        """(chart) => {
            const gd = chart.querySelector('.js-plotly-plot');
            const slider = gd._fullLayout.sliders[0];
            const data = gd._transitionData;
            return {
                active: slider.active || 0,
                steps: slider.steps.length,
                playing: Boolean(
                    (data._frameQueue && data._frameQueue.length) || data._animationRaf
                ),
            };
        }"""
    )


def forgive_interruptions(page: Page) -> None:
    allowed = page.evaluate("() => window.__interruptions || 0")
    errors: list[str] = page.errors  # type: ignore[attr-defined]
    kept = []
    for error in errors:
        if error == INTERRUPTED and allowed > 0:
            allowed -= 1
        else:
            kept.append(error)
    errors[:] = kept


def test_a_shared_presenter_link_on_a_projector(projector: Page, app_server: str) -> None:
    page = projector
    chart = open_link(page, f"{app_server}{LINK}&view.presenter=true")
    assert_no_streamlit_error(page)

    # The view the link describes: its widget values, in presenter mode, sidebar folded.
    expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute(
        "data-collapsed", "true", timeout=10_000
    )
    expect(page.get_by_role("switch", name="Presenter mode")).to_be_checked()
    rho = page.get_by_role("slider", name="rho").first
    expect(rho).to_have_attribute("aria-valuetext", "0.900")
    names = chart.evaluate("(c) => c.querySelector('.js-plotly-plot')._fullData.map((t) => t.name)")
    assert any(name and name.startswith("RMSprop") for name in names)
    assert slider_state(chart)["steps"] > 10

    # Presenter mode: large type, the chart and its Play/Pause in view on a 720-px screen.
    assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "20px"
    play = chart.locator(".updatemenu-button", has_text="Play")
    box = play.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"]
    assert box["height"] >= 28  # enlarged from plotly's ~22 px
    width = chart.bounding_box()["width"]
    assert width >= 0.9 * PROJECTOR["width"] - 80
    screenshot(page, "room-presenter-1280x720")

    # Every chart carries its text summary for screen readers.
    labels = page.locator('[data-testid="stPlotlyChart"]').evaluate_all(
        "(charts) => charts.map((c) => c.getAttribute('aria-label') || '')"
    )
    assert labels and all(len(label) > 30 for label in labels), labels
    assert "Keys: Space or K plays and pauses" in labels[0]

    # The keyboard: K plays and pauses, "." steps, a focused chart takes the arrows and End.
    chart.evaluate(_COUNT_INTERRUPTIONS_JS)
    page.locator("h1").click()
    page.keyboard.press("k")
    page.wait_for_function(
        "(c) => c.querySelector('.js-plotly-plot')._fullLayout.sliders[0].active > 2",
        arg=chart.element_handle(),
        timeout=10_000,
    )
    page.keyboard.press("k")
    page.wait_for_timeout(400)
    paused = slider_state(chart)
    assert not paused["playing"]
    page.wait_for_timeout(600)
    assert slider_state(chart)["active"] == paused["active"]
    page.keyboard.press(".")
    page.wait_for_timeout(300)
    assert slider_state(chart)["active"] == paused["active"] + 1
    assert page.locator("#adl-announce").inner_text().startswith("Step ")
    chart.focus()
    page.keyboard.press("End")
    page.wait_for_timeout(300)
    state = slider_state(chart)
    assert state["active"] == state["steps"] - 1
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(300)
    assert slider_state(chart)["active"] == state["steps"] - 2

    # Copy link puts the whole state on the clipboard.
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator(".adl-copy-status")).to_contain_text("Link copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.url
    assert "adadelta.rho=0.9" in copied and "view.presenter=true" in copied

    forgive_interruptions(page)
    assert_no_js_errors(page)


def test_copy_link_shows_the_url_when_the_clipboard_is_blocked(
    projector: Page, app_server: str
) -> None:
    page = projector
    page.add_init_script(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('blocked'));"
    )
    open_link(page, f"{app_server}/networks?network.num_steps=20")
    page.get_by_role("button", name="Copy link").click()
    field = page.get_by_role("textbox", name="This view's link")
    expect(field).to_be_visible()
    assert field.input_value() == page.url
    expect(page.locator(".adl-copy-status")).to_contain_text("Ctrl+C")
    # The network page's charts carry their summaries too.
    labels = page.locator('[data-testid="stPlotlyChart"]').evaluate_all(
        "(charts) => charts.map((c) => c.getAttribute('aria-label') || '')"
    )
    assert len(labels) >= 4 and all(len(label) > 20 for label in labels), labels
    assert_no_js_errors(page)


def test_the_exports_download_from_the_page(projector: Page, app_server: str) -> None:
    page = projector
    open_link(page, f"{app_server}/surfaces?problem.surface=rosenbrock&problem.num_steps=60")
    page.get_by_text("Export: trace (CSV)").click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Trace (CSV)")).to_be_visible(timeout=30_000)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Trace (CSV)").click()
    path = info.value.path()
    assert info.value.suggested_filename == "adadelta-lab-surfaces-trace.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == 2 * 61 and rows[-1]["optimizer"] == "Adagrad"

    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("button", name="Animation (HTML, offline)").click()
    html = info.value.path().read_text(encoding="utf-8")
    assert len(html) > 3_000_000 and "Paths on Rosenbrock" in html

    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download keras.py").click()
    assert "keras.optimizers.Adadelta(" in info.value.path().read_text(encoding="utf-8")
    screenshot(page, "room-exports")
    assert_no_streamlit_error(page)
    assert_no_js_errors(page)
