"""Values and formulas written as Python and R source code.

A typed formula (``x^2 + 10*y^2``, ``1/(1 + t/100)``) is first checked by the app's own
whitelist (``compile_formula``), then its syntax tree is written out again: in ``jax.numpy``
for Python, with keras3's ``op_*`` functions for R. The translation keeps what the compiled
formula computes: every number literal is a float, except an integer exponent, which stays an
integer so that ``x^2`` is an exact integer power there as in the app.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

from adadelta.problems import compile_formula
from adadelta.problems.formula import CONSTANTS

PYTHON_FUNCTIONS = {
    "sin": "jnp.sin",
    "cos": "jnp.cos",
    "tan": "jnp.tan",
    "arcsin": "jnp.arcsin",
    "asin": "jnp.arcsin",
    "arccos": "jnp.arccos",
    "acos": "jnp.arccos",
    "arctan": "jnp.arctan",
    "atan": "jnp.arctan",
    "sinh": "jnp.sinh",
    "cosh": "jnp.cosh",
    "tanh": "jnp.tanh",
    "exp": "jnp.exp",
    "log": "jnp.log",
    "sqrt": "jnp.sqrt",
    "abs": "jnp.abs",
    "sign": "jnp.sign",
    "square": "jnp.square",
    "min": "jnp.minimum",
    "max": "jnp.maximum",
}
"""The formula's functions as ``jax.numpy`` functions (what ``compile_formula`` calls)."""

R_FUNCTIONS = {name: "op_" + python[4:] for name, python in PYTHON_FUNCTIONS.items()}
"""The same functions in keras3 for R (``op_sin``, ``op_minimum``, ...)."""

PYTHON_CONSTANTS = {"pi": "math.pi", "e": "math.e"}
R_CONSTANTS = {"pi": "pi", "e": "exp(1)"}


def python_literal(value: Any) -> str:
    """A Python literal for None, a bool, an int, a finite float, a string or a list."""
    if isinstance(value, str):
        return json.dumps(value)  # a valid Python literal, in double quotes
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write the non-finite number {value!r} as a literal")
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    raise ValueError(f"cannot write {type(value).__name__} {value!r} as a Python literal")


def r_literal(value: Any, *, integer: bool = False) -> str:
    """An R literal: ``NULL``, ``TRUE``/``FALSE``, ``2L`` (``integer``), a double, a string.

    Lists become ``list(...)``, never ``c(...)``: reticulate turns a length-one vector into a
    Python scalar, while a list stays a Python list whatever its length.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "list(" + ", ".join(r_literal(v, integer=integer) for v in value) + ")"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write the non-finite number {value!r} as a literal")
        if integer:
            if value != int(value):
                raise ValueError(f"{value!r} is not an integer")
            return f"{int(value)}L"
        return repr(float(value))
    raise ValueError(f"cannot write {type(value).__name__} {value!r} as an R literal")


def _tree(source: str, variables: tuple[str, ...]) -> ast.expr:
    """The checked syntax tree of a formula (``^`` read as ``**``, as the app reads it)."""
    compile_formula(source, variables)  # the app's whitelist, with its error messages
    text = "".join(" " if char.isspace() else char for char in source.strip())
    return ast.parse(text.replace("^", "**"), mode="eval").body


def _integer_exponent(node: ast.expr) -> int | None:
    """The exponent ``compile_formula`` raises with an integer power (see its docs)."""
    sign = 1
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) <= 64:
        return sign * node.value
    return None


def formula_names(source: str, variables: tuple[str, ...]) -> set[str]:
    """The variables a formula uses."""
    tree = _tree(source, variables)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} & set(variables)


class _ToPython(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if isinstance(node.op, ast.Pow):
            exponent = _integer_exponent(node.right)
            if exponent is not None:
                node.left = self.visit(node.left)
                node.right = ast.Constant(exponent)
                return node
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(float(node.value))

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in CONSTANTS:
            return ast.parse(PYTHON_CONSTANTS[node.id], mode="eval").body
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        function = ast.parse(PYTHON_FUNCTIONS[node.func.id], mode="eval").body
        return ast.Call(function, [self.visit(arg) for arg in node.args], [])


def formula_python(source: str, variables: tuple[str, ...]) -> str:
    """A formula as a ``jax.numpy`` expression in ``variables`` (needs ``jnp`` and ``math``)."""
    tree = _ToPython().visit(_tree(source, variables))
    return ast.unparse(ast.fix_missing_locations(tree))


_R_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
_R_UNARY = 3
_R_ATOM = 5


def _r(node: ast.expr) -> tuple[str, int]:
    """R source of a checked node, with its precedence (for parentheses)."""
    if isinstance(node, ast.Constant):
        text = repr(float(node.value))
        return (f"({text})" if text.startswith("-") else text), _R_ATOM
    if isinstance(node, ast.Name):
        return R_CONSTANTS.get(node.id, node.id), _R_ATOM
    if isinstance(node, ast.UnaryOp):
        operand, precedence = _r(node.operand)
        if precedence < _R_UNARY:
            operand = f"({operand})"
        return ("-" if isinstance(node.op, ast.USub) else "+") + operand, _R_UNARY
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base = _r(node.left)[0]
        exponent = _integer_exponent(node.right)
        power = f"{exponent}L" if exponent is not None else _r(node.right)[0]
        return f"op_power({base}, {power})", _R_ATOM
    if isinstance(node, ast.BinOp):
        precedence = _R_PRECEDENCE[type(node.op)]
        left, left_precedence = _r(node.left)
        right, right_precedence = _r(node.right)
        if left_precedence < precedence:
            left = f"({left})"
        if right_precedence < precedence or (
            right_precedence == precedence and isinstance(node.op, ast.Sub | ast.Div)
        ):
            right = f"({right})"
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
        return f"{left} {symbol} {right}", precedence
    if isinstance(node, ast.Call):
        arguments = ", ".join(_r(arg)[0] for arg in node.args)
        return f"{R_FUNCTIONS[node.func.id]}({arguments})", _R_ATOM
    raise ValueError(f"cannot write {ast.unparse(node)!r} in R")


def formula_r(source: str, variables: tuple[str, ...]) -> str:
    """A formula as an R expression with keras3's ``op_*`` functions (powers as ``op_power``)."""
    return _r(_tree(source, variables))[0]


PROGRAM_MODULES = (
    ("import math", "math"),
    ("import jax", "jax"),
    ("import jax.numpy as jnp", "jnp"),
    ("import keras", "keras"),
    ("import numpy as np", "np"),
)
"""The modules a generated program may use, and the name each binds."""


def import_lines(body: str, suffix: str = "") -> str:
    """The import statements of :data:`PROGRAM_MODULES` whose name ``body`` uses."""
    lines = [
        statement + suffix
        for statement, name in PROGRAM_MODULES
        if re.search(rf"(?<![\w.]){name}\.", body)
    ]
    return "\n".join(lines)
