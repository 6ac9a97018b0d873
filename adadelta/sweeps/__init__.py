"""Many runs at once, to test the paper's claims: tables, sensitivity maps, basins, swarms.

Each function is one or a few ``engine.sweep`` calls (``vmap`` over settings or starts inside
one jitted ``lax.scan``) and returns a NamedTuple of NumPy arrays for the figures. Every cell or
start is the run ``engine.run`` would make alone with the same setting and start (equal to
float32 rounding: the batched program may fuse operations differently).

Numeric values (grid values, starts, shape parameters, seeds' data) are traced: changing them
reuses the compiled code. The grid size, the number of starts or seeds, the number of steps,
the optimizer's class and which of its features are on are static.

Divergence is never shown as a large loss: a run whose position, loss, gradient or state turns
non-finite is flagged with its first bad step (``diverged_at``), and its final loss is NaN.

Imports ``engine``, ``optim`` and ``problems`` only (no plotting, no Streamlit).
"""

from adadelta.sweeps.basins import (
    DIVERGED,
    NOT_REACHED,
    BasinLabels,
    BasinMap,
    basin_labels,
    basins,
    default_radius,
    grid_starts,
    label_ends,
)
from adadelta.sweeps.maps import SensitivityMap, axis_values, sensitivity_map, spans_decades
from adadelta.sweeps.swarm import Swarm, frame_steps, random_starts, swarm
from adadelta.sweeps.tables import (
    EPSILONS,
    LEARNING_RATES,
    METHODS,
    RHOS,
    DigitsProblem,
    DigitsSetup,
    PaperTable,
    digits_problem,
    digits_run,
    digits_table,
    digits_tables,
    method_grid,
)

__all__ = [
    "DIVERGED",
    "EPSILONS",
    "LEARNING_RATES",
    "METHODS",
    "NOT_REACHED",
    "RHOS",
    "BasinLabels",
    "BasinMap",
    "DigitsProblem",
    "DigitsSetup",
    "PaperTable",
    "SensitivityMap",
    "Swarm",
    "axis_values",
    "basin_labels",
    "basins",
    "default_radius",
    "digits_problem",
    "digits_run",
    "digits_table",
    "digits_tables",
    "frame_steps",
    "grid_starts",
    "label_ends",
    "method_grid",
    "random_starts",
    "sensitivity_map",
    "spans_decades",
    "swarm",
]
