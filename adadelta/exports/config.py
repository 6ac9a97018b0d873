"""A run's configuration as JSON, and back.

The file names the problem, the start, the number of steps, the seed and every optimizer. Each
optimizer is written the way Keras serializes one (``keras.optimizers.serialize``): a
``class_name`` and a ``config`` of its constructor arguments, a schedule nested the same way,
so ``keras.optimizers.deserialize(entry["optimizer"])`` rebuilds it in Keras. A formula in t,
which Keras has no class for, is ``{"class_name": "StepFormula", "config": {"formula": ...}}``.

Reading validates everything: only the five optimizer classes, the six schedules, the known
surfaces and formulas the app's whitelist accepts are built, and every value goes through the
constructors' own checks, so a malformed file raises ``ValueError`` naming what is wrong.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from adadelta.optim import SGD, Adadelta, Adagrad, Adam, Optimizer, RMSprop, schedules
from adadelta.optim.schedules import LearningRateSchedule
from adadelta.problems import Objective, compile_formula

from .calls import FORMULA_CLASS
from .runs import NetworkProblem, NetworkRun, Run, SurfaceRun, keras_config, learning_rate_kind

FORMAT = "adadelta-lab-run"
VERSION = 1

OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.__name__: cls for cls in (Adadelta, Adagrad, RMSprop, SGD, Adam)
}
SCHEDULES: dict[str, type[LearningRateSchedule]] = {
    name: getattr(schedules, name)
    for name in (
        "ExponentialDecay",
        "PiecewiseConstantDecay",
        "PolynomialDecay",
        "InverseTimeDecay",
        "CosineDecay",
        "CosineDecayRestarts",
    )
}


def _float32(value: Any) -> float:
    """The shortest decimal of a float32 leaf, which reads back to the same float32."""
    return float(str(np.float32(value)))


def learning_rate_json(learning_rate: Any) -> Any:
    """A learning rate as Keras serializes it (a float or a class_name/config dict)."""
    kind, value = learning_rate_kind(learning_rate)
    if kind == "constant":
        return value
    if kind == "schedule":
        return {
            "module": "keras.optimizers.schedules",
            "class_name": type(value).__name__,
            "config": {name: _plain(v) for name, v in value.get_config().items()},
            "registered_name": None,
        }
    return {"module": None, "class_name": FORMULA_CLASS, "config": {"formula": value}}


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as Python numbers and lists (JSON has no NumPy types)."""
    if isinstance(value, np.generic | np.ndarray):
        return np.asarray(value).tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def optimizer_json(optimizer: Optimizer) -> dict[str, Any]:
    """An optimizer as ``keras.optimizers.serialize`` writes it."""
    config = {name: _plain(value) for name, value in keras_config(optimizer).items()}
    config["learning_rate"] = learning_rate_json(optimizer.learning_rate)
    return {
        "module": "keras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": config,
        "registered_name": None,
    }


def _problem_json(run: Run) -> dict[str, Any]:
    if isinstance(run, NetworkRun):
        return {"kind": "network", **run.problem._asdict()}
    objective = run.objective
    common = {
        "axis_scale": _float32(objective.axis_scale),
        "noise_sigma": _float32(objective.noise_sigma),
    }
    if objective.surface_key is None:
        return {"kind": "formula", "formula": objective.formula, **common}
    params = {name: _float32(value) for name, value in objective.shape_params.items()}
    return {"kind": "surface", "surface": objective.surface_key, "shape_params": params, **common}


def run_config(run: Run) -> dict[str, Any]:
    """The run as a JSON-ready dict (see :func:`config_json`)."""
    config: dict[str, Any] = {"format": FORMAT, "version": VERSION, "problem": _problem_json(run)}
    if isinstance(run, NetworkRun):
        config["init_seed"] = run.init_seed
    else:
        config["start"] = list(run.start)
    config["num_steps"] = run.num_steps
    config["seed"] = run.seed
    config["optimizers"] = [
        {"label": label, "optimizer": optimizer_json(optimizer)}
        for label, optimizer in zip(run.labels, run.optimizers)
    ]
    return config


def config_json(run: Run) -> str:
    """The run's configuration as indented JSON text; :func:`run_from_json` reads it back.

    Raises:
        ValueError: if an optimizer's learning rate is a Python callable that is not a formula.
    """
    return json.dumps(run_config(run), indent=2, allow_nan=False) + "\n"


def _need(mapping: Any, key: str, where: str, kind: type | tuple[type, ...] = object) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise ValueError(f"The configuration needs `{where}{key}`.")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f"The configuration's `{where}{key}` is malformed: {value!r}")
    return value


def _build(cls: type, config: Any, what: str) -> Any:
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise ValueError(f"The configuration of {what} must be an object. Received: {config!r}")
    try:
        return cls(**config)
    except TypeError as error:  # an unknown or missing keyword of a schedule
        raise ValueError(f"The configuration of {what} is invalid: {error}") from None


def learning_rate_from_json(value: Any) -> Any:
    """The learning rate written by :func:`learning_rate_json`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    class_name = _need(value, "class_name", "learning_rate.", str)
    config = _need(value, "config", "learning_rate.", dict)
    if class_name == FORMULA_CLASS:
        source = _need(config, "formula", "learning_rate.config.", str)
        return compile_formula(source, ("t",))
    if class_name not in SCHEDULES:
        raise ValueError(
            f"Unknown learning-rate schedule {class_name!r}; known: "
            f"{', '.join([*SCHEDULES, FORMULA_CLASS])}"
        )
    return _build(SCHEDULES[class_name], config, f"schedule {class_name}")


def optimizer_from_json(entry: Any) -> Optimizer:
    """The optimizer written by :func:`optimizer_json` (ValueError if malformed)."""
    class_name = _need(entry, "class_name", "optimizer.", str)
    if class_name not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {class_name!r}; known: {', '.join(OPTIMIZERS)}")
    config = dict(_need(entry, "config", "optimizer.", dict))
    if "learning_rate" in config:
        config["learning_rate"] = learning_rate_from_json(config["learning_rate"])
    return _build(OPTIMIZERS[class_name], config, f"optimizer {class_name}")


def _problem_from_json(problem: Any) -> Objective | NetworkProblem:
    kind = _need(problem, "kind", "problem.", str)
    if kind == "network":
        fields = {k: v for k, v in problem.items() if k != "kind"}
        unknown = sorted(set(fields) - set(NetworkProblem._fields))
        if unknown:
            raise ValueError(f"Unknown network setting(s): {', '.join(unknown)}")
        try:
            return NetworkProblem(**fields)
        except TypeError as error:  # a missing setting
            raise ValueError(f"The network configuration is incomplete: {error}") from None
    common = {
        name: _need(problem, name, "problem.", int | float)
        for name in ("axis_scale", "noise_sigma")
    }
    if kind == "formula":
        return Objective.from_formula(_need(problem, "formula", "problem.", str), **common)
    if kind == "surface":
        params = _need(problem, "shape_params", "problem.", dict)
        return Objective.from_surface(
            _need(problem, "surface", "problem.", str), **common, **params
        )
    raise ValueError(f"Unknown problem kind {kind!r}; known: surface, formula, network")


def run_from_config(config: Any) -> Run:
    """The run described by a dict from :func:`run_config` (ValueError if malformed)."""
    if _need(config, "format", "", str) != FORMAT:
        raise ValueError(f"This is not an Adadelta Lab run (format must be {FORMAT!r}).")
    if _need(config, "version", "", int) != VERSION:
        raise ValueError(f"Unknown configuration version {config['version']!r}; known: {VERSION}")
    problem = _problem_from_json(_need(config, "problem", ""))
    entries = _need(config, "optimizers", "", list)
    if not entries:
        raise ValueError("The configuration needs at least one optimizer.")
    labels = [_need(entry, "label", "optimizers[].", str) for entry in entries]
    optimizers = [
        optimizer_from_json(_need(entry, "optimizer", "optimizers[].")) for entry in entries
    ]
    num_steps = _need(config, "num_steps", "", int)
    seed = _need(config, "seed", "", int)
    if isinstance(problem, NetworkProblem):
        init_seed = _need(config, "init_seed", "", int)
        return NetworkRun(problem, optimizers, init_seed, num_steps, seed, labels)
    start = _need(config, "start", "", list)
    if len(start) != 2 or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in start
    ):
        raise ValueError(f"The configuration's `start` must be two finite numbers: {start!r}")
    return SurfaceRun(problem, optimizers, tuple(start), num_steps, seed, labels)


def run_from_json(text: str | bytes) -> Run:
    """The run in a JSON text written by :func:`config_json`.

    Raises:
        ValueError: if the text is not JSON or not a valid configuration; the message says
            what is wrong.
    """
    try:
        config = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"The configuration is not valid JSON: {error}") from None
    return run_from_config(config)
