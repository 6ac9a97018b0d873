"""Optimizer constructor calls written as source: Keras's, this package's, and keras3's in R.

Every argument of ``optimizer.get_config()`` is written out, in Keras's signature order, so a
reader sees each value the run used, defaults included.
"""

from __future__ import annotations

from typing import Any

from adadelta.optim import Optimizer
from adadelta.optim.schedules import LearningRateSchedule

from .runs import Run, keras_config, learning_rate_kind
from .source import formula_python, python_literal, r_literal

INDENT = "    "
R_INDENT = "  "

R_FUNCTIONS = {
    "Adadelta": "optimizer_adadelta",
    "Adagrad": "optimizer_adagrad",
    "RMSprop": "optimizer_rmsprop",
    "SGD": "optimizer_sgd",
    "Adam": "optimizer_adam",
}
"""keras3's R constructor of each optimizer."""

R_SCHEDULES = {
    "ExponentialDecay": "learning_rate_schedule_exponential_decay",
    "PiecewiseConstantDecay": "learning_rate_schedule_piecewise_constant_decay",
    "PolynomialDecay": "learning_rate_schedule_polynomial_decay",
    "InverseTimeDecay": "learning_rate_schedule_inverse_time_decay",
    "CosineDecay": "learning_rate_schedule_cosine_decay",
    "CosineDecayRestarts": "learning_rate_schedule_cosine_decay_restarts",
}
"""keras3's R constructor of each schedule."""

R_INTEGER_ARGUMENTS = frozenset({"ema_overwrite_frequency", "gradient_accumulation_steps"})
"""Optimizer arguments keras3 coerces with ``as.integer()``: written as ``2L``."""

R_INTEGER_SCHEDULE_ARGUMENTS = {
    "ExponentialDecay": frozenset({"decay_steps"}),
    "PolynomialDecay": frozenset({"decay_steps"}),
    "CosineDecay": frozenset({"decay_steps", "warmup_steps"}),
    "CosineDecayRestarts": frozenset({"first_decay_steps"}),
    "PiecewiseConstantDecay": frozenset({"boundaries"}),
}
"""Schedule arguments keras3 coerces to integers (and the int32 boundaries): ``200L``."""

FORMULA_CLASS = "StepFormula"
"""The name of the ``LearningRateSchedule`` subclass the snippets define for formulas in t."""


def _call(function: str, arguments: list[tuple[str, str]], depth: int, r: bool = False) -> str:
    """``function(`` one ``name=value`` per line ``)``, indented ``depth`` levels.

    Python style: ``name=value,`` with a trailing comma, 4-space indents; R style (``r``):
    ``name = value`` without a trailing comma, 2-space indents.
    """
    indent = R_INDENT if r else INDENT
    inner = indent * (depth + 1)
    spacer = " = " if r else "="
    lines = [f"{inner}{name}{spacer}{value}," for name, value in arguments]
    if r and lines:
        lines[-1] = lines[-1][:-1]
    return f"{function}(\n" + "\n".join(lines) + f"\n{indent * depth})"


def _schedule_python(schedule: LearningRateSchedule, prefix: str, depth: int) -> str:
    arguments = [(k, python_literal(v)) for k, v in schedule.get_config().items()]
    return _call(f"{prefix}{type(schedule).__name__}", arguments, depth)


def _learning_rate_python(optimizer: Optimizer, schedule_prefix: str, keras: bool, depth: int):
    kind, value = learning_rate_kind(optimizer.learning_rate)
    if kind == "constant":
        return python_literal(value)
    if kind == "schedule":
        return _schedule_python(value, schedule_prefix, depth)
    expression = formula_python(value, ("t",))
    function = f"lambda t: {expression}"
    return f"{FORMULA_CLASS}({function})" if keras else function


def python_call(optimizer: Optimizer, *, keras: bool, depth: int = 0) -> str:
    """The constructor call: ``keras.optimizers.Adadelta(...)`` or this package's ``Adadelta(...)``.

    A formula learning rate becomes ``StepFormula(lambda t: ...)`` for Keras (the snippet
    defines that schedule class) and a plain ``lambda t: ...`` here, which this package calls
    with the raw step counter.
    """
    prefix = "keras.optimizers." if keras else ""
    schedule_prefix = "keras.optimizers.schedules." if keras else "schedules."
    arguments = []
    for name, value in keras_config(optimizer).items():
        if name == "learning_rate":
            text = _learning_rate_python(optimizer, schedule_prefix, keras, depth + 1)
        else:
            text = python_literal(value)
        arguments.append((name, text))
    return _call(f"{prefix}{type(optimizer).__name__}", arguments, depth)


def _schedule_r(schedule: LearningRateSchedule, depth: int) -> tuple[str, list[str]]:
    kind = type(schedule).__name__
    integers = R_INTEGER_SCHEDULE_ARGUMENTS.get(kind, frozenset())
    arguments, notes = [], []
    for name, value in schedule.get_config().items():
        integer = name in integers
        if integer and value is not None and any(v != int(v) for v in _as_list(value)):
            notes.append(
                f"keras3 for R truncates {name} = {value!r} to an integer, so this schedule "
                "differs from the app's."
            )
            arguments.append((name, r_literal(value)))
            continue
        arguments.append((name, r_literal(value, integer=integer and value is not None)))
    return _call(R_SCHEDULES[kind], arguments, depth, r=True), notes


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def r_call(
    optimizer: Optimizer, *, formula_schedule: str = "learning_rate_formula", depth: int = 0
) -> tuple[str, list[str]]:
    """keras3's ``optimizer_adadelta(...)`` (etc.) call, and notes on what R cannot reproduce.

    A formula learning rate becomes ``<formula_schedule>()``, an instance of the schedule class
    the R snippet defines for it with keras3's ``LearningRateSchedule()``.
    """
    arguments, notes = [], []
    for name, value in keras_config(optimizer).items():
        if name == "learning_rate":
            kind, lr = learning_rate_kind(value)
            if kind == "constant":
                text = r_literal(lr)
            elif kind == "schedule":
                text, schedule_notes = _schedule_r(lr, depth + 1)
                notes += schedule_notes
            else:
                text = f"{formula_schedule}()"
        else:
            integer = name in R_INTEGER_ARGUMENTS and value is not None
            text = r_literal(value, integer=integer)
        arguments.append((name, text))
    return _call(R_FUNCTIONS[type(optimizer).__name__], arguments, depth, r=True), notes


KERAS_STEP_FORMULA = f"""# A learning rate given by a formula in t, Keras's raw step counter
# (it counts every apply() call, accumulation micro-steps included), as in the app.
class {FORMULA_CLASS}(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, formula):
        self.formula = formula

    def __call__(self, step):
        t = keras.ops.convert_to_tensor(step)  # an int32 tensor, like the app's t
        return keras.ops.cast(self.formula(t), "float32")

    def get_config(self):
        return {{}}"""
"""The schedule class a Keras program defines when a learning rate is a formula in t."""


def keras_optimizers_block(run: Run) -> str:
    """``OPTIMIZERS = {label: keras.optimizers.X(...), ...}`` with every argument written out."""
    entries = [
        f"    {python_literal(label)}: {python_call(optimizer, keras=True, depth=1)},"
        for label, optimizer in zip(run.labels, run.optimizers)
    ]
    notes = ["# The optimizers, each with exactly the app's arguments."]
    if any(o.loss_scale_factor is not None for o in run.optimizers):
        notes.append(
            "# loss_scale_factor: like the app, this loop passes the gradient of the unscaled\n"
            "# loss, so Keras divides it by the factor (model.fit would scale the loss first)."
        )
    return "\n".join(notes) + "\nOPTIMIZERS = {\n" + "\n".join(entries) + "\n}"
