"""AppTest of the home page, run through ``app.py`` (its links need the registered pages)."""

import gc
import importlib
import json
import pathlib
import sys

import pytest
from page_harness import TIMEOUT, assert_clean, run_page
from streamlit.testing.v1 import AppTest

from adadelta.ui import cache, compute, controls, home, pagestate
from adadelta.ui.kinds import show

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def at() -> AppTest:
    """One run of the home page from empty caches (``st.cache_resource`` holds the stores),
    shared by the tests of this module: they read it, none changes it."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()


def test_home_draws_the_explorer_first_view_as_a_live_demo(at):
    assert_clean(at)
    assert at.title[0].value == "Adadelta Lab"
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    run = pagestate.surface_run({})
    title = controls.PROBLEM["surface"].label_of(run.problem.surface)
    assert spec["layout"]["title"]["text"] == (
        f"Paths on {title} and each dimension's learning rate"
    )
    assert len(spec["frames"]) > 10
    buttons = [b["label"] for menu in spec["layout"]["updatemenus"] for b in menu["buttons"]]
    assert "▶ Play" in buttons
    names = {trace.get("name") for trace in spec["data"]}
    assert {"Adadelta", "Adagrad"} <= names
    # Computed in the explorer's own cache: a student's first visit to /surfaces reuses it.
    assert compute.surface_key(*run) in cache.store("surface runs")
    assert any(m.value.startswith("**What to look at:**") for m in at.markdown)


def test_home_cites_the_paper_and_keras_and_reads_keras_defaults_from_the_table(at):
    caption = " ".join(c.value for c in at.caption)
    assert "arXiv:1212.5701" in caption and home.PAPER_URL in caption
    assert home.KERAS_URL in caption
    keras = controls.PRESETS["Keras defaults"]
    assert f"learning_rate = {show(keras['learning_rate'])}" in caption
    assert f"epsilon = {show(keras['epsilon'])}" in caption
    source = (ROOT / "pages" / "home.py").read_text()
    assert show(keras["learning_rate"]) not in source, "Keras's default is read, never typed"
    assert len(at.get("latex")) == 2  # Adagrad's update and Adadelta's four equations


def test_the_map_links_registered_pages_and_announces_the_others(at):
    app_source = (ROOT / "app.py").read_text()
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}
    text = " ".join(m.value for m in at.markdown)
    assert "surfaces" in links and "networks" in links
    for entry in home.MAP:
        if f'"{entry.file}"' in app_source:
            assert entry.url in links, entry
            assert any(entry.line in label for label in links.values()), entry
        else:
            assert f"**{entry.label}** (coming soon at /{entry.url}): {entry.line}" in text, entry


def test_a_page_missing_from_navigation_is_announced_not_raised():
    """Run on its own (no ``st.navigation``), no page of the map is registered: every line
    says it is coming, and the page still draws its demo without an error."""
    alone = run_page("home", {})
    assert_clean(alone)
    assert not alone.get("page_link")
    text = " ".join(m.value for m in alone.markdown)
    for entry in home.MAP:
        assert f"**{entry.label}** (coming soon at /{entry.url}): {entry.line}" in text, entry
    assert len(alone.get("plotly_chart")) == 1


def test_a_rerun_forces_no_garbage_collection_when_keras_is_loaded(monkeypatch):
    """Any worker of ``make test`` has Keras loaded (it collected the Keras tests), and
    Streamlit's script runner then resets Keras after every run: the reset must stay cheap
    (``tests/conftest.py``), as in the app, which never imports Keras."""
    importlib.import_module("keras")
    resets, collections = [], []
    clear_session = sys.modules["keras"].backend.clear_session
    monkeypatch.setattr(
        sys.modules["keras"].backend,
        "clear_session",
        lambda *args, **kwargs: resets.append(1) or clear_session(*args, **kwargs),
    )
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args))
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert resets and not collections
