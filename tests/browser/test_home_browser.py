"""The home page, rendered by the real app in a real (headless) Chromium."""

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_no_js_errors, assert_no_streamlit_error, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_home_renders_without_errors(app_server: str, page: Page) -> None:
    page.goto(app_server)
    wait_for_app(page)

    expect(page.get_by_role("heading", name="Adadelta Lab", level=1)).to_be_visible()
    expect(page).to_have_title("Adadelta Lab")
    assert_no_streamlit_error(page)
    assert_no_js_errors(page)

    path = screenshot(page, "home")
    assert path.stat().st_size > 0
