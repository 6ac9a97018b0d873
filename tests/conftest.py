"""Session-wide test settings."""

import os

# Keras reads its backend once, at import; the oracle tests need the JAX backend.
os.environ.setdefault("KERAS_BACKEND", "jax")

import jax

# Silent broadcasting between arrays of different rank hides shape bugs: make it an error.
jax.config.update("jax_numpy_rank_promotion", "raise")
