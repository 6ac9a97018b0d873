"""Session-wide test settings."""

import os

# Keras reads its backend once, at import; the oracle tests need the JAX backend.
os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import pytest

# Silent broadcasting between arrays of different rank hides shape bugs: make it an error.
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def fresh_streamlit_caches():
    """Clears Streamlit's caches, which outlive an AppTest instance (used by the page tests)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
