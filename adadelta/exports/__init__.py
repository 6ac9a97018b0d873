"""Exports a teacher can take away: code that reproduces a run, its trace as CSV, its JSON.

Everything starts from a run described as library objects: a :class:`SurfaceRun` (the
explorer: optimizers on a 2-D ``Objective`` from one start) or a :class:`NetworkRun` (the
network page: optimizers training one MLP on one toy data set). This package sits beside the
engine: it imports ``adadelta.optim``, ``adadelta.problems``, ``adadelta.engine``, NumPy and the
standard library, never Plotly or Streamlit (the offline HTML figure is ``viz.standalone``).

- :func:`keras_program`: a Keras 3 program (JAX backend) that reproduces the run.
- :func:`r_program`: keras3-for-R optimizer constructors with the same arguments.
- :func:`jax_program`: the same run with this package's optimizers, one jitted ``lax.scan``.
- :func:`trace_csv`: the per-step trace (``engine.run(..., record=engine.FULL)``) as CSV.
- :func:`config_json` and :func:`run_from_json`: the configuration as JSON, and back.
"""

from adadelta.exports.config import config_json, run_config, run_from_config, run_from_json
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
from adadelta.exports.table import SURFACE_COLUMNS, network_csv, surface_csv, trace_csv

__all__ = [
    "SURFACE_COLUMNS",
    "NetworkProblem",
    "NetworkRun",
    "Run",
    "SurfaceRun",
    "config_json",
    "default_labels",
    "jax_program",
    "keras_program",
    "learning_rate_kind",
    "network_csv",
    "r_program",
    "run_config",
    "run_from_config",
    "run_from_json",
    "surface_csv",
    "trace_csv",
]
