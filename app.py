"""Adadelta Lab: the Streamlit entry point (``streamlit run app.py``)."""

import streamlit as st

# No page_icon: a Material icon favicon is fetched from a font CDN, which offline classrooms lack.
st.set_page_config(page_title="Adadelta Lab", layout="wide")

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
            "pages/networks.py",
            title="Small networks",
            icon=":material/hub:",
            url_path="networks",
        ),
    ]
)
navigation.run()
