"""What the AppTest page tests share: a page run from URL parameters, and its checks.

The page test modules also mark every test with ``fresh_streamlit_caches`` (``conftest.py``):
``st.cache_data`` and ``st.cache_resource`` outlive an AppTest instance.
"""

from __future__ import annotations

import pathlib

from streamlit.testing.v1 import AppTest

PAGES = pathlib.Path(__file__).resolve().parents[1] / "pages"
TIMEOUT = 120  # the first run imports JAX and compiles


def run_page(name: str, query: dict[str, str]) -> AppTest:
    """Runs ``pages/<name>.py`` once with these URL parameters."""
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def charts(at: AppTest):
    return at.get("plotly_chart")
