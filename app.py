"""Adadelta Lab: the Streamlit entry point (``streamlit run app.py``)."""

import streamlit as st

from adadelta.ui import compile_cache

# Before any page compiles: JAX keeps what it compiles on disk for the next server process.
compile_cache.enable()

# An emoji favicon is drawn inline; without one, Streamlit fetches the pages' Material icons as
# favicons from a font CDN, which offline classrooms cannot reach.
st.set_page_config(page_title="Adadelta Lab", page_icon="📉", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page(
            "pages/surfaces.py",
            title="Loss surfaces",
            icon=":material/landscape:",
            url_path="surfaces",
        ),
        st.Page(
            "pages/anatomy.py",
            title="Anatomy of one step",
            icon=":material/biotech:",
            url_path="anatomy",
        ),
        st.Page(
            "pages/networks.py",
            title="Small networks",
            icon=":material/hub:",
            url_path="networks",
        ),
        st.Page(
            "pages/lessons.py",
            title="Guided lessons",
            icon=":material/school:",
            url_path="lessons",
        ),
        st.Page(
            "pages/sweeps.py",
            title="Sweeps",
            icon=":material/grid_on:",
            url_path="sweeps",
        ),
    ]
)
navigation.run()
