"""Deep links on a fresh server.

``app.py`` routes with ``st.navigation``, but Streamlit decides whether to use the legacy
``pages/`` directory routing before ``app.py`` has ever run: the very first request after a
server start, if it is a deep link such as ``/surfaces``, runs the page file directly, without
``app.py`` (no navigation, no page config). Every page calls ``require_navigation`` first; in
that case it switches Streamlit to ``st.navigation`` routing and reruns through ``app.py``.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_navigation() -> None:
    """Reruns through ``app.py`` if this page was started by legacy directory routing."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
