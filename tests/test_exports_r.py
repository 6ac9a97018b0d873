"""The R snippet builds keras3 optimizers with exactly the Python optimizers' arguments.

R is not installed here, so the snippet is parsed, not run: a small tokenizer and parser below
read the ``optimizers <- list(name = optimizer_x(arg = value, ...), ...)`` call, and every value
is compared with the optimizer's ``get_config()``. The R conventions come from keras3's sources
(spec §8): ``NULL``/``TRUE``/``FALSE``; ``2L`` for the arguments keras3 coerces with
``as.integer()``; learning rates as doubles (an R integer reaches Keras as a Python int, which
it rejects); schedules through ``learning_rate_schedule_*()``. A formula in t is a schedule
class whose R expression is evaluated here and compared with the app's compiled formula.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from export_cases import CASES, NETWORK_CASES, formula

from adadelta import Adadelta, Adagrad
from adadelta.exports import SurfaceRun, learning_rate_kind, r_program
from adadelta.exports.runs import keras_config
from adadelta.optim import schedules
from adadelta.problems import Objective, compile_formula

# keras3's constructors (rstudio/keras3, R/optimizers.R and R/optimizers-schedules.R).
R_OPTIMIZERS = {
    "Adadelta": "optimizer_adadelta",
    "Adagrad": "optimizer_adagrad",
    "RMSprop": "optimizer_rmsprop",
    "SGD": "optimizer_sgd",
    "Adam": "optimizer_adam",
}
R_SCHEDULES = {
    "ExponentialDecay": "learning_rate_schedule_exponential_decay",
    "PiecewiseConstantDecay": "learning_rate_schedule_piecewise_constant_decay",
    "PolynomialDecay": "learning_rate_schedule_polynomial_decay",
    "InverseTimeDecay": "learning_rate_schedule_inverse_time_decay",
    "CosineDecay": "learning_rate_schedule_cosine_decay",
    "CosineDecayRestarts": "learning_rate_schedule_cosine_decay_restarts",
}
# Arguments keras3 passes through as.integer() (or that Keras casts to the int32 step).
INTEGER_ARGUMENTS = {"ema_overwrite_frequency", "gradient_accumulation_steps"}
INTEGER_SCHEDULE_ARGUMENTS = {
    "ExponentialDecay": {"decay_steps"},
    "PolynomialDecay": {"decay_steps"},
    "CosineDecay": {"decay_steps", "warmup_steps"},
    "CosineDecayRestarts": {"first_decay_steps"},
    "PiecewiseConstantDecay": {"boundaries"},
}


@dataclass(frozen=True)
class RInteger:
    value: int


@dataclass(frozen=True)
class RCall:
    function: str
    arguments: dict[str, Any]


TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>\#[^\n]*)
      | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<name>`[^`]+`|[A-Za-z_.][A-Za-z0-9_.]*)
      | (?P<op><-|[(){},=+\-*/^\[\]$|>])
    )""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        assert match, f"cannot tokenize R at {text[position : position + 40]!r}"
        position = match.end()
        kind = match.lastgroup
        if kind != "comment":
            tokens.append((kind, match.group(kind)))
    return tokens


class Parser:
    """Values of ``name = value`` argument lists: literals, list(...), calls."""

    def __init__(self, tokens: list[tuple[str, str]], start: int = 0):
        self.tokens, self.i = tokens, start

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i]

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.i]
        if text is not None:
            assert token[1] == text, f"expected {text!r}, found {token[1]!r} at {self.i}"
        self.i += 1
        return token

    def arguments(self) -> dict[str, Any]:
        """``( name = value, ... )``, no trailing comma (an empty argument is an R error)."""
        self.take("(")
        arguments: dict[str, Any] = {}
        while self.peek()[1] != ")":
            kind, name = self.take()
            assert kind in ("name", "string"), name
            self.take("=")
            name = name.strip("`") if kind == "name" else name[1:-1]
            assert name not in arguments, f"argument {name} given twice"
            arguments[name] = self.value()
            if self.peek()[1] == ",":
                self.take(",")
                assert self.peek()[1] != ")", "trailing comma"
        self.take(")")
        return arguments

    def value(self) -> Any:
        kind, text = self.take()
        if text == "-":
            value = self.value()
            assert isinstance(value, float | RInteger), value
            return -value if isinstance(value, float) else RInteger(-value.value)
        if kind == "number":
            return RInteger(int(text[:-1])) if text.endswith("L") else float(text)
        if kind == "string":
            return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if text in ("NULL", "TRUE", "FALSE"):
            return {"NULL": None, "TRUE": True, "FALSE": False}[text]
        assert kind == "name", text
        if text == "list":
            self.take("(")
            items = []
            while self.peek()[1] != ")":
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take(")")
            return items
        return RCall(text, self.arguments())


def parse_optimizers(program: str) -> dict[str, RCall]:
    """The ``optimizers <- list(...)`` of a snippet: label -> the constructor call."""
    tokens = tokenize(program)
    names = [text for _, text in tokens]
    start = next(
        i for i in range(len(names) - 2) if names[i : i + 3] == ["optimizers", "<-", "list"]
    )
    return Parser(tokens, start + 3).arguments()


# --- the R formula, evaluated -----------------------------------------------------------

R_OPS = {
    "op_sin": np.sin, "op_cos": np.cos, "op_tan": np.tan, "op_arcsin": np.arcsin,
    "op_arccos": np.arccos, "op_arctan": np.arctan, "op_sinh": np.sinh, "op_cosh": np.cosh,
    "op_tanh": np.tanh, "op_exp": np.exp, "op_log": np.log, "op_sqrt": np.sqrt,
    "op_abs": np.abs, "op_sign": np.sign, "op_square": np.square, "op_minimum": np.minimum,
    "op_maximum": np.maximum, "op_power": np.power, "exp": np.exp,
}  # fmt: skip


class Expression:
    """Evaluates an R arithmetic expression in ``t`` (precedence: ^ > unary - > * / > + -)."""

    def __init__(self, text: str, t: np.ndarray):
        self.tokens, self.i, self.t = tokenize(text), 0, t

    def evaluate(self):
        value = self.sum()
        assert self.i == len(self.tokens), self.tokens[self.i :]
        return value

    def sum(self):
        value = self.product()
        while self.i < len(self.tokens) and self.tokens[self.i][1] in "+-":
            op = self.tokens[self.i][1]
            self.i += 1
            right = self.product()
            value = value + right if op == "+" else value - right
        return value

    def product(self):
        value = self.unary()
        while self.i < len(self.tokens) and self.tokens[self.i][1] in "*/":
            op = self.tokens[self.i][1]
            self.i += 1
            right = self.unary()
            value = value * right if op == "*" else value / right
        return value

    def unary(self):
        if self.tokens[self.i][1] in "-+":
            op = self.tokens[self.i][1]
            self.i += 1
            value = self.unary()
            return -value if op == "-" else value
        return self.atom()

    def atom(self):
        kind, text = self.tokens[self.i]
        self.i += 1
        if text == "(":
            value = self.sum()
            assert self.tokens[self.i][1] == ")"
            self.i += 1
            return value
        if kind == "number":
            return int(text[:-1]) if text.endswith("L") else float(text)
        if text == "t":
            return self.t
        if text == "pi":
            return math.pi
        assert text in R_OPS, f"unknown R function {text}"
        assert self.tokens[self.i][1] == "("
        self.i += 1
        arguments = [self.sum()]
        while self.tokens[self.i][1] == ",":
            self.i += 1
            arguments.append(self.sum())
        assert self.tokens[self.i][1] == ")"
        self.i += 1
        return R_OPS[text](*arguments)


def formula_schedules(program: str) -> dict[str, str]:
    """Each schedule class the snippet defines: its name -> the R expression it returns."""
    found = re.findall(
        r"^(\w+) <- LearningRateSchedule\(\n(?:.*\n)*?\s*op_cast\((.*), \"float32\"\)\n",
        program,
        re.MULTILINE,
    )
    return dict(found)


# --- the checks -------------------------------------------------------------------------


def assert_same_schedule(value: Any, schedule: schedules.LearningRateSchedule) -> None:
    kind = type(schedule).__name__
    assert isinstance(value, RCall) and value.function == R_SCHEDULES[kind], value
    config = schedule.get_config()
    assert set(value.arguments) == set(config)
    for name, expected in config.items():
        written = value.arguments[name]
        integer = name in INTEGER_SCHEDULE_ARGUMENTS.get(kind, set())
        if isinstance(expected, list):
            assert isinstance(written, list) and len(written) == len(expected), (name, written)
            pairs = list(zip(written, expected))
        else:
            pairs = [(written, expected)]
        for item, target in pairs:
            if target is None or isinstance(target, str | bool):
                assert item == target, (name, item, target)
            elif integer and float(target).is_integer():
                assert item == RInteger(int(target)), (name, item, target)
            else:
                assert isinstance(item, float) and item == target, (name, item, target)


def assert_same_optimizer(call: RCall, optimizer, schedules_defined: dict[str, str]) -> None:
    assert call.function == R_OPTIMIZERS[type(optimizer).__name__]
    config = keras_config(optimizer)  # get_config() without weight_decay_mask (not Keras's)
    assert set(call.arguments) == set(config)
    for name, expected in config.items():
        written = call.arguments[name]
        if name == "learning_rate":
            kind, value = learning_rate_kind(expected)
            if kind == "constant":
                assert isinstance(written, float) and written == value  # a double, never 1L
            elif kind == "schedule":
                assert_same_schedule(written, value)
            else:
                assert isinstance(written, RCall) and written.arguments == {}
                expression = schedules_defined[written.function]
                t = np.arange(0, 200, dtype=np.int32)
                app = np.asarray(compile_formula(value, ("t",))(t), np.float32)
                np.testing.assert_allclose(
                    Expression(expression, t).evaluate(), app, rtol=2e-6, atol=2e-6
                )
        elif expected is None or isinstance(expected, bool | str):
            assert written == expected, (name, written, expected)
        elif name in INTEGER_ARGUMENTS:
            assert written == RInteger(expected), (name, written, expected)
        else:
            assert isinstance(written, float) and written == expected, (name, written, expected)


def assert_snippet_matches(run) -> str:
    program = r_program(run)
    calls = parse_optimizers(program)
    assert list(calls) == list(run.labels)
    defined = formula_schedules(program)
    for label, optimizer in zip(run.labels, run.optimizers):
        assert_same_optimizer(calls[label], optimizer, defined)
    assert "library(keras3)" in program
    return program


@pytest.mark.parametrize("case", CASES)
def test_r_snippet_has_every_argument_of_every_optimizer(case):
    assert_snippet_matches(CASES[case]())


@pytest.mark.parametrize("case", NETWORK_CASES)
def test_r_snippet_of_a_network_run(case):
    assert_snippet_matches(NETWORK_CASES[case]())


def test_r_snippet_formulas_with_every_function_and_constant():
    sources = [
        "sin(t/50) + cos(t/40) + tan(t/400) + arcsin(1/(t+2)) + asin(0.1)",
        "arccos(1/(t+2)) + acos(0.5) + arctan(t) + atan(t/10) + sinh(0.01*t)",
        "cosh(0.01*t) + tanh(t/30) + exp(-t/50) + log(t + 1) + sqrt(t)",
        "abs(5 - t)/100 + sign(t - 3) + square(t/100) + min(t, 30)/30 + max(t/50, 1)",
        "pi/(t + 1) + e^(-t/20) - -t^2/1e4 + (2^-1)*(t + 1)^-1 + +t/(1 + t)^1.5",
    ]
    optimizers = [Adadelta(learning_rate=formula(source)) for source in sources]
    labels = [f"Adadelta {i}" for i in range(len(sources))]
    run = SurfaceRun(Objective.from_surface("bowl"), optimizers, (1.0, 1.0), 5, labels=labels)
    program = assert_snippet_matches(run)
    assert len(formula_schedules(program)) == len(sources)


def test_r_snippet_says_when_keras3_would_truncate_a_step_count():
    schedule = schedules.ExponentialDecay(1.0, 2.5, 0.5)
    run = SurfaceRun(
        Objective.from_surface("bowl"),
        [
            Adagrad(learning_rate=schedule),
            Adadelta(learning_rate=schedules.ExponentialDecay(1.0, 3, 0.5)),
        ],
        (1.0, 1.0),
        5,
    )
    program = r_program(run)
    calls = parse_optimizers(program)
    # keras3 coerces decay_steps with as.integer(): 2.5 would become 2. The value is written
    # as given (a double) and a comment says so; an integral count is written 3L.
    assert calls["Adagrad"].arguments["learning_rate"].arguments["decay_steps"] == 2.5
    assert calls["Adadelta"].arguments["learning_rate"].arguments["decay_steps"] == RInteger(3)
    notes = [line for line in program.splitlines() if "truncates decay_steps" in line]
    assert len(notes) == 1 and notes[0].startswith("# Adagrad:")


def test_r_parser_rejects_what_r_rejects():
    with pytest.raises(AssertionError, match="trailing comma"):
        parse_optimizers("optimizers <- list(a = optimizer_sgd(momentum = 0.5,))")
