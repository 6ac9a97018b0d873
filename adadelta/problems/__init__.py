"""Pure JAX problems: 2-D loss surfaces, the objective pytree and the safe formula compiler."""

from adadelta.problems.datasets import DATASETS, Dataset, DatasetSpec, make_dataset
from adadelta.problems.formula import (
    FormulaError,
    compile_formula,
    formula_to_latex,
    validate_formula,
)
from adadelta.problems.mlp import NetworkObjective, forward, init_mlp, mlp_sizes
from adadelta.problems.surfaces import SURFACES, Objective, ShapeParam, Surface

__all__ = [
    "SURFACES",
    "FormulaError",
    "Objective",
    "ShapeParam",
    "Surface",
    "compile_formula",
    "formula_to_latex",
    "validate_formula",
]

__all__ += [
    "DATASETS",
    "Dataset",
    "DatasetSpec",
    "NetworkObjective",
    "forward",
    "init_mlp",
    "make_dataset",
    "mlp_sizes",
]
