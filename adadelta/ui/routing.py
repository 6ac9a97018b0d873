"""Deep links on a fresh server: the one place that touches Streamlit's page routing.

``app.py`` routes with ``st.navigation``, but Streamlit decides whether to use the legacy
``pages/`` directory routing before ``app.py`` has ever run: the very first request after a
server start, if it is a deep link such as ``/surfaces``, runs the page file directly, without
``app.py`` (no navigation, no page config). The folder must keep its name (the layout is part of
the brief), so every page calls ``require_navigation`` first; in that case it switches Streamlit
to ``st.navigation`` routing and reruns through ``app.py``.

This relies on a Streamlit internal, ``PagesManager.uses_pages_directory``: a class attribute
that is None until the first ``PagesManager`` sets it to whether a ``pages/`` folder sits next
to the main script, that ``st.navigation`` sets to False, and that the script runner reads to
choose legacy routing. ``tests/test_routing.py`` pins the Streamlit version it was verified with.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

VERIFIED_WITH_STREAMLIT = "1.67.0"
"""The Streamlit version whose internals this module was checked against."""


def started_by_directory_routing() -> bool:
    """Whether Streamlit's legacy ``pages/`` routing ran this page (without ``app.py``)."""
    return bool(PagesManager.uses_pages_directory)


def require_navigation() -> None:
    """Reruns through ``app.py`` if this page was started by legacy directory routing."""
    if started_by_directory_routing():
        PagesManager.uses_pages_directory = False
        st.rerun()
