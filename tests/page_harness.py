"""What the AppTest page tests share: a page run from URL parameters, and its checks.

The page test modules also mark every test with ``fresh_streamlit_caches`` (``conftest.py``):
``st.cache_data`` and ``st.cache_resource`` outlive an AppTest instance.
"""

from __future__ import annotations

import pathlib
from typing import Any

from streamlit.testing.v1 import AppTest

PAGES = pathlib.Path(__file__).resolve().parents[1] / "pages"
TIMEOUT = 120  # the first run imports JAX and compiles


def run_page(name: str, query: dict[str, str]) -> AppTest:
    """Runs ``pages/<name>.py`` once with these URL parameters."""
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def set_widgets(at: AppTest, changes: dict[str, Any]) -> AppTest:
    """Sets every widget of ``changes`` (key: widget value) in as few reruns as possible.

    A page's JAX program is compiled once per feature combination, so changing many controls
    in one rerun costs one compilation where a rerun per control would cost one each. Widgets
    that appear only once another is set (a clipping threshold after its choice) are set in
    the next rerun; every key must have been set by the end.
    """
    pending = dict(changes)
    while pending:
        present = {key: value for key, value in pending.items() if has_widget(at, key)}
        assert present, f"no widget for {sorted(pending)}"
        for key, value in present.items():
            at.get_by_key(key).set_value(value)
            del pending[key]
        at.run()
        assert_clean(at)
    return at


def has_widget(at: AppTest, key: str) -> bool:
    """Whether the page's last run shows a widget with this key."""
    try:
        at.get_by_key(key)
    except KeyError:
        return False
    return True


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def charts(at: AppTest):
    return at.get("plotly_chart")
