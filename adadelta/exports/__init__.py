"""Exports a teacher can take away: code that reproduces a run, its trace as CSV, its JSON.

Everything starts from a run described as library objects: a :class:`SurfaceRun` (the
explorer: optimizers on a 2-D ``Objective`` from one start) or a :class:`NetworkRun` (the
network page: optimizers training one MLP on one toy data set). This package sits beside the
engine: it imports ``adadelta.optim``, ``adadelta.problems``, ``adadelta.engine``, NumPy and the
standard library, never Plotly or Streamlit (the offline HTML figure is ``viz.standalone``).

- :func:`keras_program`: a Keras 3 program (JAX backend) that reproduces the run.
- :func:`r_program`: keras3-for-R optimizer constructors with the same arguments.
- :func:`jax_program`: the same run with this package's optimizers, one jitted ``lax.scan``.
"""

from adadelta.exports.jax_code import jax_program
from adadelta.exports.keras_code import keras_program
from adadelta.exports.r_code import r_program
from adadelta.exports.runs import (
    NetworkProblem,
    NetworkRun,
    Run,
    SurfaceRun,
    default_labels,
    learning_rate_kind,
)

__all__ = [
    "NetworkProblem",
    "NetworkRun",
    "Run",
    "SurfaceRun",
    "default_labels",
    "jax_program",
    "keras_program",
    "learning_rate_kind",
    "r_program",
]
