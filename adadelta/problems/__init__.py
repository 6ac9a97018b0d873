"""Pure JAX problems: 2-D loss surfaces, the objective pytree and the safe formula compiler."""

from adadelta.problems.formula import (
    FormulaError,
    compile_formula,
    formula_to_latex,
    validate_formula,
)
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
