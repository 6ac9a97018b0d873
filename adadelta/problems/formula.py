"""A safe compiler from a typed formula to a pure, differentiable JAX function.

Students type formulas such as ``x^2 + 10*y^2`` or ``1 / (1 + t/100)``. The text is parsed with
``ast.parse`` and every node is checked against a whitelist; the result is built by composing
closures over the checked tree. The user's string is never passed to ``eval``, ``exec`` or
``compile``, so no Python object outside the table below is reachable from a formula.

Allowed: int and float literals, the declared variables, the constants ``pi`` and ``e``,
``+ - * / **``, unary ``-`` and ``+``, parentheses, and calls of the functions in
:data:`FUNCTIONS`. ``^`` is accepted as a synonym for ``**`` (with the precedence of ``**``),
because students write powers that way.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

MAX_LENGTH = 300
MAX_DEPTH = 30

# name -> (jnp function, number of arguments)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "sin": (jnp.sin, 1),
    "cos": (jnp.cos, 1),
    "tan": (jnp.tan, 1),
    "arcsin": (jnp.arcsin, 1),
    "asin": (jnp.arcsin, 1),
    "arccos": (jnp.arccos, 1),
    "acos": (jnp.arccos, 1),
    "arctan": (jnp.arctan, 1),
    "atan": (jnp.arctan, 1),
    "sinh": (jnp.sinh, 1),
    "cosh": (jnp.cosh, 1),
    "tanh": (jnp.tanh, 1),
    "exp": (jnp.exp, 1),
    "log": (jnp.log, 1),
    "sqrt": (jnp.sqrt, 1),
    "abs": (jnp.abs, 1),
    "sign": (jnp.sign, 1),
    "square": (jnp.square, 1),
    "min": (jnp.minimum, 2),
    "max": (jnp.maximum, 2),
}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_BINARY_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: jnp.add,
    ast.Sub: jnp.subtract,
    ast.Mult: jnp.multiply,
    ast.Div: jnp.divide,
    ast.Pow: jnp.power,
}

_UNARY_OPS: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: jnp.negative,
    ast.UAdd: jnp.positive,
}

# Node types that have a friendlier explanation than the generic one.
_FORBIDDEN_NODES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Lambda: "lambda",
    ast.IfExp: "a conditional expression (use min, max, abs or sign instead)",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.NamedExpr: "assignment ':='",
    ast.List: "a list",
    ast.Tuple: "a tuple (did you type a comma instead of a decimal point?)",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator",
    ast.JoinedStr: "a string",
    ast.Starred: "'*' unpacking",
}

Compiled = Callable[[tuple[Any, ...]], Any]


class FormulaError(ValueError):
    """A formula that cannot be compiled; the message says what is wrong and what is allowed."""


def _allowed_summary(variables: tuple[str, ...]) -> str:
    names = ", ".join((*variables, *CONSTANTS))
    return (
        f"a formula may use numbers, {names}, + - * / ** (or ^), parentheses and the functions "
        f"{', '.join(FUNCTIONS)}"
    )


def _snippet(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _rewrite_carets(source: str) -> tuple[str, list[int]]:
    """Replace ``^`` by ``**``, returning the new text and a map from new to original columns.

    The text replacement (rather than mapping ``ast.BitXor``) gives ``^`` the precedence of a
    power: Python parses ``x^2+1`` as ``x ^ (2+1)``.
    """
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(source):
        replacement = "**" if char == "^" else char
        chars.append(replacement)
        origin.extend([index] * len(replacement))
    origin.append(len(source))
    return "".join(chars), origin


def _one_line(source: str) -> str:
    # A pasted line break or tab is a syntax error in eval mode; a space keeps the columns.
    return "".join(" " if char.isspace() else char for char in source.strip())


def _parse(source: str, variables: tuple[str, ...]) -> ast.expr:
    if not isinstance(source, str):
        raise FormulaError(f"a formula must be text, not {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"formula is too long: {len(source)} characters (at most {MAX_LENGTH})")
    if not source.strip():
        raise FormulaError(f"formula is empty: {_allowed_summary(variables)}")
    text, origin = _rewrite_carets(_one_line(source))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        offset = error.offset or 1
        column = origin[min(offset - 1, len(origin) - 1)] + 1
        raise FormulaError(
            f"syntax error at character {column}: {error.msg} (in {_one_line(source)!r})"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError(f"formula is too deeply nested (at most {MAX_DEPTH} levels)") from None
    return tree.body


def _literal(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "string" if isinstance(value, str | bytes) else type(value).__name__
        raise FormulaError(f"{kind} literal {value!r} is not allowed: only real numbers")
    if isinstance(value, float) and not math.isfinite(value):
        raise FormulaError(f"number {value!r} is not finite")
    if isinstance(value, int) and abs(value) > 2**53:
        raise FormulaError(f"number {str(value)[:12]}... is too large (at most 2**53)")
    return value


def _integer_exponent(node: ast.expr) -> int | None:
    """An integer literal exponent (possibly negated), which jnp raises with ``integer_pow``.

    ``integer_pow`` is exact for negative bases and has a finite gradient at zero, unlike a
    float power such as ``(-2.0) ** 2.0`` taken through ``exp(y log x)``.
    """
    sign = 1
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) <= 64:
        return sign * node.value
    return None


def _build(node: ast.expr, variables: tuple[str, ...], depth: int) -> Compiled:
    """Check one node and return a closure evaluating it from the tuple of variable values."""
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula is too deeply nested (at most {MAX_DEPTH} levels)")

    if isinstance(node, ast.Constant):
        value = float(_literal(node.value))
        return lambda args: value

    if isinstance(node, ast.Name):
        if node.id in variables:
            position = variables.index(node.id)
            return lambda args: args[position]
        if node.id in CONSTANTS:
            constant = CONSTANTS[node.id]
            return lambda args: constant
        if node.id in FUNCTIONS:
            raise FormulaError(f"function '{node.id}' must be called, e.g. {node.id}(x)")
        allowed = ", ".join((*variables, *CONSTANTS))
        raise FormulaError(f"unknown name '{node.id}': use {allowed}")

    if isinstance(node, ast.BinOp):
        op = _BINARY_OPS.get(type(node.op))
        if op is None:
            symbol = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}.get(type(node.op))
            shown = f"'{symbol}'" if symbol else f"operator in '{_snippet(node)}'"
            raise FormulaError(f"{shown} is not allowed; use + - * / ** (or ^)")
        left = _build(node.left, variables, depth + 1)
        exponent = _integer_exponent(node.right) if isinstance(node.op, ast.Pow) else None
        if exponent is not None:
            return lambda args: jnp.power(left(args), exponent)
        right = _build(node.right, variables, depth + 1)
        return lambda args: op(left(args), right(args))

    if isinstance(node, ast.UnaryOp):
        unary = _UNARY_OPS.get(type(node.op))
        if unary is None:
            raise FormulaError(f"'{_snippet(node)}' is not allowed; only unary - and + are")
        operand = _build(node.operand, variables, depth + 1)
        return lambda args: unary(operand(args))

    if isinstance(node, ast.Call):
        return _build_call(node, variables, depth)

    what = _FORBIDDEN_NODES.get(type(node), type(node).__name__)
    raise FormulaError(f"{what} '{_snippet(node)}' is not allowed: {_allowed_summary(variables)}")


def _build_call(node: ast.Call, variables: tuple[str, ...], depth: int) -> Compiled:
    if not isinstance(node.func, ast.Name):
        raise FormulaError(
            f"call '{_snippet(node)}' is not allowed; call a function by name: "
            f"{', '.join(FUNCTIONS)}"
        )
    name = node.func.id
    if name not in FUNCTIONS:
        if name in variables or name in CONSTANTS:
            raise FormulaError(f"'{name}' is not a function; write '{name}*(...)' to multiply")
        raise FormulaError(f"function '{name}' is not allowed; allowed: {', '.join(FUNCTIONS)}")
    if node.keywords:
        raise FormulaError(f"function '{name}' takes no keyword arguments")
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise FormulaError(f"'*' unpacking in '{_snippet(node)}' is not allowed")
    function, arity = FUNCTIONS[name]
    if len(node.args) != arity:
        plural = "argument" if arity == 1 else "arguments"
        raise FormulaError(
            f"function '{name}' takes {arity} {plural}, got {len(node.args)} in '{_snippet(node)}'"
        )
    arguments = tuple(_build(arg, variables, depth + 1) for arg in node.args)
    if arity == 1:
        (only,) = arguments
        return lambda args: function(only(args))
    first, second = arguments
    return lambda args: function(first(args), second(args))


def _check_variables(variables: tuple[str, ...]) -> None:
    for name in variables:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"variable name {name!r} is not a valid identifier")
        if name in FUNCTIONS:
            raise ValueError(f"variable name {name!r} clashes with a function")
    if len(set(variables)) != len(variables):
        raise ValueError(f"variable names {variables!r} repeat")


@functools.lru_cache(maxsize=128)
def _compile(source: str, variables: tuple[str, ...]) -> Callable[..., Any]:
    _check_variables(variables)
    body = _build(_parse(source, variables), variables, depth=1)
    arity = len(variables)

    def formula(*args: Any) -> Any:
        if len(args) != arity:
            raise TypeError(f"formula in {variables} takes {arity} arguments, got {len(args)}")
        value = body(args)
        # A formula that ignores some variable must still return one value per input point.
        shape = jnp.broadcast_shapes(*(jnp.shape(arg) for arg in args))
        if jnp.shape(value) != shape:
            value = jnp.broadcast_to(value, shape)
        return jnp.asarray(value)

    formula.__name__ = "formula"
    formula.__qualname__ = "formula"
    formula.__doc__ = f"f({', '.join(variables)}) = {source.strip()}"
    return formula


def compile_formula(source: str, variables: tuple[str, ...] = ("x", "y")) -> Callable[..., Any]:
    """Compile a typed formula into a pure, differentiable ``jax.numpy`` function.

    The same ``(source, variables)`` returns the same function object (a bounded cache), so a
    ``jax.jit`` keyed on the function does not recompile when a page re-runs.

    Args:
        source: The formula text, at most ``MAX_LENGTH`` characters, e.g. ``"x^2 + 10*y^2"``.
        variables: Names of the positional arguments of the returned function, e.g. ``("t",)``
            for a learning-rate schedule in the step ``t``.

    Returns:
        ``f(*values)`` taking one value (scalar or array, broadcast elementwise) per variable and
        returning a ``jnp`` array of the broadcast shape.

    Raises:
        FormulaError: If the text is not an allowed formula; the message names the problem.
        ValueError: If a variable name is not an identifier, repeats or clashes with a function.
    """
    return _compile(source, tuple(variables))


def validate_formula(source: str, variables: tuple[str, ...] = ("x", "y")) -> str | None:
    """Return ``None`` if ``source`` compiles, else the error message to show the user."""
    try:
        compile_formula(source, variables)
    except ValueError as error:
        return str(error)
    return None


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}
_UNARY_PRECEDENCE = 3
_ATOM_PRECEDENCE = 5
_LATEX_FUNCTIONS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "arcsin": r"\arcsin",
    "asin": r"\arcsin",
    "arccos": r"\arccos",
    "acos": r"\arccos",
    "arctan": r"\arctan",
    "atan": r"\arctan",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "tanh": r"\tanh",
    "exp": r"\exp",
    "log": r"\log",
    "sign": r"\operatorname{sign}",
    "min": r"\min",
    "max": r"\max",
}


def _latex_number(value: float | int) -> str:
    text = repr(value) if isinstance(value, int) else f"{value:.10g}"
    if "e" in text:
        mantissa, power = text.split("e")
        return rf"{mantissa} \times 10^{{{int(power)}}}"
    return text


def _latex(node: ast.expr) -> tuple[str, int]:
    """LaTeX of an already validated node, with its precedence for parenthesising."""
    if isinstance(node, ast.Constant):
        return _latex_number(node.value), _ATOM_PRECEDENCE
    if isinstance(node, ast.Name):
        if node.id == "pi":
            return r"\pi", _ATOM_PRECEDENCE
        name = node.id if len(node.id) == 1 else rf"\mathit{{{node.id}}}"
        return name, _ATOM_PRECEDENCE
    if isinstance(node, ast.UnaryOp):
        operand, precedence = _latex(node.operand)
        if precedence <= _UNARY_PRECEDENCE - 1:
            operand = rf"\left({operand}\right)"
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return f"{sign}{operand}", _UNARY_PRECEDENCE
    if isinstance(node, ast.BinOp):
        precedence = _PRECEDENCE[type(node.op)]
        left, left_precedence = _latex(node.left)
        right, right_precedence = _latex(node.right)
        if isinstance(node.op, ast.Div):
            return rf"\frac{{{left}}}{{{right}}}", _ATOM_PRECEDENCE
        if isinstance(node.op, ast.Pow):
            if left_precedence <= precedence:
                left = rf"\left({left}\right)"
            return f"{{{left}}}^{{{right}}}", precedence
        if left_precedence < precedence:
            left = rf"\left({left}\right)"
        # Parenthesise a - (b + c) and a * (-b), but not a + b * c.
        if (
            right_precedence < precedence
            or right_precedence == _UNARY_PRECEDENCE
            or (isinstance(node.op, ast.Sub) and right_precedence == precedence)
        ):
            right = rf"\left({right}\right)"
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: r"\cdot"}[type(node.op)]
        return f"{left} {symbol} {right}", precedence
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        arguments = [_latex(arg)[0] for arg in node.args]
        name = node.func.id
        if name == "sqrt":
            return rf"\sqrt{{{arguments[0]}}}", _ATOM_PRECEDENCE
        if name == "abs":
            return rf"\left|{arguments[0]}\right|", _ATOM_PRECEDENCE
        if name == "square":
            return rf"\left({arguments[0]}\right)^{{2}}", _ATOM_PRECEDENCE
        joined = ", ".join(arguments)
        return rf"{_LATEX_FUNCTIONS[name]}\left({joined}\right)", _ATOM_PRECEDENCE
    raise FormulaError(f"cannot typeset '{_snippet(node)}'")


def formula_to_latex(source: str, variables: tuple[str, ...] = ("x", "y")) -> str:
    """Typeset an allowed formula as LaTeX (for ``st.latex``).

    Raises:
        FormulaError: If the formula is not allowed (the same message as :func:`compile_formula`).
    """
    compile_formula(source, variables)
    text, _ = _rewrite_carets(_one_line(source))
    return _latex(ast.parse(text, mode="eval").body)[0]
