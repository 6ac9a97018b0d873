"""The deep-link workaround (``adadelta.ui.routing``) against the Streamlit it relies on.

It uses an internal of Streamlit, so it is pinned: when Streamlit is upgraded, the first test
fails until someone has re-checked the behaviour the other tests describe (and the real-browser
test ``test_cold_deep_link_runs_the_entry_point``) and updated ``VERIFIED_WITH_STREAMLIT``.
"""

from __future__ import annotations

import inspect
import pathlib

import pytest
import streamlit
from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from adadelta.ui import routing

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def flag(monkeypatch):
    """Restores ``PagesManager.uses_pages_directory`` (process-wide) after the test."""
    monkeypatch.setattr(PagesManager, "uses_pages_directory", PagesManager.uses_pages_directory)


def test_streamlit_is_the_version_the_workaround_was_verified_with():
    assert streamlit.__version__ == routing.VERIFIED_WITH_STREAMLIT, (
        f"Streamlit is {streamlit.__version__}, but adadelta/ui/routing.py was verified with "
        f"{routing.VERIFIED_WITH_STREAMLIT}. It relies on the internal "
        "PagesManager.uses_pages_directory: re-verify that a deep link on a fresh server "
        "(tests/browser/test_surfaces_browser.py::test_cold_deep_link_runs_the_entry_point) "
        "still runs app.py, that the other tests of tests/test_routing.py pass, and whether the "
        "workaround is still needed; then update VERIFIED_WITH_STREAMLIT."
    )


def test_the_flag_is_a_class_attribute_set_from_the_pages_folder(flag, tmp_path):
    assert "uses_pages_directory" in vars(PagesManager)
    PagesManager.uses_pages_directory = None
    PagesManager(str(ROOT / "app.py"), setup_watcher=False)
    assert PagesManager.uses_pages_directory is True  # app.py sits next to pages/
    PagesManager.uses_pages_directory = None
    (tmp_path / "app.py").write_text("")
    PagesManager(str(tmp_path / "app.py"), setup_watcher=False)
    assert PagesManager.uses_pages_directory is False


def test_navigation_switches_it_off_and_the_runner_reads_it():
    # st.navigation turns legacy routing off; the script runner chooses legacy routing by it.
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner)


def test_a_page_started_by_directory_routing_reruns_through_the_entry_point(flag, monkeypatch):
    reruns = []
    monkeypatch.setattr(routing.st, "rerun", lambda: reruns.append(True))
    PagesManager.uses_pages_directory = True
    routing.require_navigation()
    assert reruns == [True] and PagesManager.uses_pages_directory is False
    routing.require_navigation()  # once st.navigation routes, nothing happens
    assert reruns == [True]
