"""The safe formula compiler: right values and gradients; every forbidden construct refused."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from adadelta.problems import FormulaError, compile_formula, formula_to_latex, validate_formula
from adadelta.problems.formula import MAX_DEPTH, MAX_LENGTH

GOOD = [
    ("x^2 + 10*y^2", lambda x, y: x**2 + 10.0 * y**2),
    ("x**2 + 10*y**2", lambda x, y: x**2 + 10.0 * y**2),
    ("x^2+1", lambda x, y: x**2 + 1.0),
    ("-x^2", lambda x, y: -(x**2)),
    ("2^-1 * x", lambda x, y: 0.5 * x),
    ("(1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("sin(x) * cos(y) + tan(x/4)", lambda x, y: jnp.sin(x) * jnp.cos(y) + jnp.tan(x / 4)),
    ("exp(-x) + log(1 + y^2)", lambda x, y: jnp.exp(-x) + jnp.log(1 + y**2)),
    ("sqrt(x^2 + y^2 + 1)", lambda x, y: jnp.sqrt(x**2 + y**2 + 1)),
    ("abs(x) + sign(y) * y", lambda x, y: jnp.abs(x) + jnp.sign(y) * y),
    ("tanh(x) + sinh(y) - cosh(x*y)", lambda x, y: jnp.tanh(x) + jnp.sinh(y) - jnp.cosh(x * y)),
    ("arctan(x) + atan(y)", lambda x, y: jnp.arctan(x) + jnp.arctan(y)),
    ("min(x, y) + max(x, 2*y)", lambda x, y: jnp.minimum(x, y) + jnp.maximum(x, 2 * y)),
    ("square(x - y) / 2", lambda x, y: (x - y) ** 2 / 2),
    ("pi * x + e * y", lambda x, y: math.pi * x + math.e * y),
    ("+x - -y", lambda x, y: x + y),
    ("1.5e-1 * x**3", lambda x, y: 0.15 * x**3),
]


@pytest.mark.parametrize(("source", "reference"), GOOD, ids=[s for s, _ in GOOD])
def test_good_formula_value_and_gradient_match_handwritten(source, reference):
    f = compile_formula(source)
    points = [(0.3, -0.7), (1.2, 0.4), (-0.9, 1.1)]
    for x, y in points:
        x, y = jnp.float32(x), jnp.float32(y)
        np.testing.assert_allclose(f(x, y), reference(x, y), rtol=1e-6, atol=1e-6)
        got = jax.grad(f, argnums=(0, 1))(x, y)
        want = jax.grad(reference, argnums=(0, 1))(x, y)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_formula_works_elementwise_on_arrays_and_under_jit():
    f = compile_formula("x^2 - 3*y")
    xs = jnp.linspace(-1.0, 1.0, 5)
    ys = jnp.linspace(0.0, 2.0, 5)
    np.testing.assert_allclose(jax.jit(f)(xs, ys), xs**2 - 3 * ys, rtol=1e-6)
    assert f(xs, ys).dtype == jnp.float32


def test_constant_formula_broadcasts_to_the_input_shape():
    f = compile_formula("2 + pi")
    grid = jnp.zeros((3, 4))
    assert f(grid, grid).shape == (3, 4)
    assert float(jax.grad(f)(1.0, 2.0)) == 0.0


def test_negative_base_integer_power_is_exact_with_finite_gradient():
    f = compile_formula("x^2 + y^3")
    assert float(f(-2.0, -1.0)) == 3.0
    assert np.all(np.isfinite(jax.grad(f, argnums=(0, 1))(0.0, 0.0)))


def test_single_variable_t_for_learning_rate_schedules():
    schedule = compile_formula("1 / (1 + t/100)", ("t",))
    steps = jnp.arange(4, dtype=jnp.float32) * 100
    np.testing.assert_allclose(schedule(steps), [1.0, 0.5, 1 / 3, 0.25], rtol=1e-6)
    with pytest.raises(FormulaError, match="unknown name 'x': use t, pi, e"):
        compile_formula("x + t", ("t",))


def test_same_source_returns_the_same_function_object():
    assert compile_formula("x*y + 1") is compile_formula("x*y + 1")
    assert compile_formula("x*y + 1", ["x", "y"]) is compile_formula("x*y + 1", ("x", "y"))
    assert compile_formula("x*y + 1", ("x", "y")) is not compile_formula("x*y + 1", ("y", "x"))


FORBIDDEN = [
    ("__import__('os')", "'__import__' is not allowed"),
    ("x.__class__", "attribute access"),
    ("open('f')", "function 'open' is not allowed; allowed: sin, cos"),
    ("[1,2][0]", "indexing"),
    ("lambda: 1", "lambda"),
    ("x if y else 1", "conditional expression"),
    ("1 < 2", "comparison"),
    ("x and y", "'and'/'or'"),
    ("z + 1", "unknown name 'z': use x, y, pi, e"),
    ("sin(x, y)", "function 'sin' takes 1 argument, got 2"),
    ("max(x)", "function 'max' takes 2 arguments, got 1"),
    ("sin()", "takes 1 argument, got 0"),
    ("sin(x=1)", "keyword"),
    ("'abc'", "string literal 'abc' is not allowed"),
    ("f'{x}'", "string"),
    ("True + x", "bool literal True is not allowed"),
    ("1j * x", "complex literal"),
    ("x // 2", "'//' is not allowed"),
    ("x % 2", "'%' is not allowed"),
    ("~x", "only unary - and +"),
    ("x(2)", "'x' is not a function"),
    ("sin", "function 'sin' must be called"),
    ("(x := 2)", "assignment"),
    ("x, y", "tuple"),
    ("np.sin(x)", "call a function by name"),
    ("", "formula is empty"),
    ("   ", "formula is empty"),
    ("x +", "syntax error at character"),
    ("x" + " + x" * 80, f"too long: 321 characters (at most {MAX_LENGTH})"),
    ("sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "too deeply nested"),
    ("-" * 100 + "x", "too deeply nested"),
]


@pytest.mark.parametrize(("source", "message"), FORBIDDEN, ids=[s[:30] for s, _ in FORBIDDEN])
def test_forbidden_construct_raises_a_clear_formula_error(source, message):
    with pytest.raises(FormulaError) as info:
        compile_formula(source)
    assert message in str(info.value)
    assert validate_formula(source) == str(info.value)


def test_formula_error_is_a_value_error_and_not_cached_as_success():
    assert issubclass(FormulaError, ValueError)
    for _ in range(2):
        with pytest.raises(FormulaError):
            compile_formula("open('f')")


def test_syntax_error_position_refers_to_the_original_text_with_carets():
    with pytest.raises(FormulaError, match="character 7"):
        compile_formula("x^2 + * y")


def test_non_string_source_is_rejected():
    with pytest.raises(FormulaError, match="must be text"):
        compile_formula(42)


def test_bad_variable_names_are_rejected():
    with pytest.raises(ValueError, match="not a valid identifier"):
        compile_formula("x", ("x y",))
    with pytest.raises(ValueError, match="clashes"):
        compile_formula("sin", ("sin",))


def test_validate_formula_returns_none_for_good_input():
    assert validate_formula("x^2 + y^2") is None
    assert validate_formula("t^2", ("t",)) is None


@pytest.mark.parametrize(
    ("source", "latex"),
    [
        ("x^2 + 10*y^2", r"{x}^{2} + 10 \cdot {y}^{2}"),
        ("(x - 1)/(y + 2)", r"\frac{x - 1}{y + 2}"),
        ("x - (y - 1)", r"x - \left(y - 1\right)"),
        ("(-x)^2", r"{\left(-x\right)}^{2}"),
        ("sqrt(abs(x)) * pi", r"\sqrt{\left|x\right|} \cdot \pi"),
        ("max(x, 1e-5)", r"\max\left(x, 1 \times 10^{-5}\right)"),
    ],
)
def test_formula_to_latex(source, latex):
    assert formula_to_latex(source) == latex


def test_line_breaks_and_tabs_are_spaces():
    assert float(compile_formula("x\n+\ty")(1.0, 2.0)) == 3.0


def test_huge_or_non_finite_numbers_are_rejected():
    assert "too large" in validate_formula("9" * 100)
    assert "not finite" in validate_formula("1e400 * x")
