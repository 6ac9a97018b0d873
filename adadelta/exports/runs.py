"""What an export describes: one run of a page, as library objects.

A :class:`SurfaceRun` is the explorer's run (optimizers from one start on a 2-D
:class:`~adadelta.problems.Objective`); a :class:`NetworkRun` is the network page's (optimizers
training one MLP on one toy data set). Both hold exactly what ``engine.run`` needs to reproduce
the run, and nothing the page merely shows, so every export (code, CSV, JSON) is a function of
one of them.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from adadelta.optim import Optimizer
from adadelta.optim.schedules import LearningRateSchedule
from adadelta.problems import (
    Dataset,
    NetworkObjective,
    Objective,
    compile_formula,
    init_mlp,
    make_dataset,
    mlp_sizes,
)

MAX_STEPS = 1_000_000


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    valid = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
    if not _is_int(value) or value < low or (high is not None and value > high):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={value!r}")
    return int(value)


def _check_optimizers(optimizers: Any) -> tuple[Optimizer, ...]:
    if isinstance(optimizers, Optimizer):
        optimizers = (optimizers,)
    optimizers = tuple(optimizers)
    if not optimizers or not all(isinstance(o, Optimizer) for o in optimizers):
        raise ValueError(
            "Argument `optimizers` must be one optimizer or a non-empty sequence of optimizers. "
            f"Received: optimizers={optimizers!r}"
        )
    for optimizer in optimizers:
        learning_rate_kind(optimizer.learning_rate)  # fails early on an unexportable callable
        keras_config(optimizer)  # and on a weight_decay_mask
    return optimizers


def keras_config(optimizer: Optimizer) -> dict[str, Any]:
    """``optimizer.get_config()`` with Keras's arguments only.

    ``weight_decay_mask`` is this package's keyword, not Keras's (Keras marks variables with
    ``exclude_from_weight_decay`` instead); a run that uses one cannot be exported as a Keras
    call, so it raises ValueError. None, the default, is left out.
    """
    config = optimizer.get_config()
    mask = config.pop("weight_decay_mask", None)
    if mask is not None:
        raise ValueError(
            "A run with `weight_decay_mask` cannot be exported: Keras has no such argument "
            "(it marks variables with `exclude_from_weight_decay`). Received: "
            f"weight_decay_mask={mask!r}"
        )
    return config


def default_labels(optimizers: Sequence[Optimizer]) -> tuple[str, ...]:
    """The class names, numbered from the second repeat on: ``("Adadelta", "Adadelta 2")``."""
    labels, seen = [], {}
    for optimizer in optimizers:
        name = type(optimizer).__name__
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return tuple(labels)


def _check_labels(labels: Any, optimizers: tuple[Optimizer, ...]) -> tuple[str, ...]:
    if labels is None:
        return default_labels(optimizers)
    labels = tuple(labels)
    if (
        len(labels) != len(optimizers)
        or not all(isinstance(label, str) and label.strip() for label in labels)
        or len(set(labels)) != len(labels)
    ):
        raise ValueError(
            "Argument `labels` must be one distinct, non-empty string per optimizer. "
            f"Received: labels={labels!r} for {len(optimizers)} optimizer(s)"
        )
    return labels


FORMULA_PREFIX = "f(t) = "


def learning_rate_formula(learning_rate: Any) -> str | None:
    """The source of a learning rate built by ``compile_formula(source, ("t",))``, else None.

    The compiled function carries its source in its docstring (``"f(t) = <source>"``); the
    source is compiled again, so only a formula the app's whitelist accepts is returned.
    """
    if not callable(learning_rate) or getattr(learning_rate, "__qualname__", None) != "formula":
        return None
    doc = getattr(learning_rate, "__doc__", None) or ""
    if not doc.startswith(FORMULA_PREFIX):
        return None
    source = doc[len(FORMULA_PREFIX) :]
    compile_formula(source, ("t",))
    return source


def learning_rate_kind(learning_rate: Any) -> tuple[str, Any]:
    """Classifies an optimizer's ``learning_rate`` for export.

    Returns:
        ``("constant", float)``, ``("schedule", LearningRateSchedule)`` or
        ``("formula", source)`` (a formula in the step ``t``).

    Raises:
        ValueError: for any other callable: its Python code cannot be written out.
    """
    if isinstance(learning_rate, LearningRateSchedule):
        return "schedule", learning_rate
    if isinstance(learning_rate, numbers.Real) and not isinstance(learning_rate, bool):
        return "constant", float(learning_rate)
    source = learning_rate_formula(learning_rate)
    if source is not None:
        return "formula", source
    raise ValueError(
        "Argument `learning_rate` must be a float, a schedule or a formula in t (from "
        "compile_formula) to be exported; an arbitrary Python callable cannot be written out. "
        f"Received: learning_rate={learning_rate!r}"
    )


@dataclasses.dataclass(frozen=True, eq=False)
class SurfaceRun:
    """The explorer's run: each optimizer from ``start`` on a 2-D objective.

    ``engine.run(objective, np.float32(start), optimizers, num_steps, key=seed)`` computes it.

    Attributes:
        objective: the surface or formula, with its axis scale and gradient noise.
        optimizers: one or more optimizers (their learning rates floats, schedules or
            formulas in t).
        start: the start ``(x, y)``.
        num_steps: optimizer calls, accumulation micro-steps included.
        seed: the run's PRNG seed (it draws the gradient noise).
        labels: one name per optimizer (default: class names, numbered on repeats).
    """

    objective: Objective
    optimizers: tuple[Optimizer, ...]
    start: tuple[float, float]
    num_steps: int
    seed: int = 0
    labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.objective, Objective):
            raise ValueError(
                "Argument `objective` must be an adadelta.problems.Objective. "
                f"Received: objective={self.objective!r}"
            )
        optimizers = _check_optimizers(self.optimizers)
        start = tuple(np.asarray(self.start, np.float64).ravel().tolist())
        if len(start) != 2 or not all(math.isfinite(v) for v in start):
            raise ValueError(
                "Argument `start` must be two finite numbers (x, y). "
                f"Received: start={self.start!r}"
            )
        object.__setattr__(self, "optimizers", optimizers)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "num_steps", _check_int("num_steps", self.num_steps, 1, MAX_STEPS))
        object.__setattr__(self, "seed", _check_int("seed", self.seed, 0, 2**32 - 1))
        object.__setattr__(self, "labels", _check_labels(self.labels, optimizers))

    @property
    def start_array(self) -> np.ndarray:
        """The start as the float32 array the engine runs from."""
        return np.asarray(self.start, np.float32)


class NetworkProblem(NamedTuple):
    """The network page's data set and MLP, as the arguments that rebuild them.

    Attributes:
        dataset: a key of ``adadelta.problems.DATASETS``.
        n_points: points in the data set, train and test.
        noise: the data set's noise level.
        test_fraction: share of the points held out for testing.
        data_seed: seeds the data set's sampler and split.
        hidden_layers: number of hidden layers.
        width: units per hidden layer.
        activation: hidden-layer activation (``"tanh"``, ``"relu"`` or ``"sigmoid"``).
        batch_size: minibatch size, or None for the full batch.
    """

    dataset: str
    n_points: int = 500
    noise: float = 0.0
    test_fraction: float = 0.5
    data_seed: int = 0
    hidden_layers: int = 2
    width: int = 8
    activation: str = "tanh"
    batch_size: int | None = None

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer sizes ``(2, width, ..., 1)``."""
        return mlp_sizes(self.hidden_layers, self.width)

    def build(self) -> tuple[Dataset, NetworkObjective]:
        """The data set and the training objective (ValueError on bad settings)."""
        data = make_dataset(
            self.dataset,
            n_points=self.n_points,
            noise=self.noise,
            test_fraction=self.test_fraction,
            seed=self.data_seed,
        )
        objective = NetworkObjective.from_dataset(
            data, self.sizes, self.activation, self.batch_size
        )
        return data, objective


@dataclasses.dataclass(frozen=True, eq=False)
class NetworkRun:
    """The network page's run: each optimizer training the same MLP from the same weights.

    ``engine.run(objective, init_mlp(init_seed, sizes), optimizers, num_steps, key=seed)``
    computes it, with ``objective`` from ``problem.build()``.

    Attributes:
        problem: the data set and the architecture.
        optimizers: one or more optimizers.
        init_seed: seeds the initial weights (``init_mlp``).
        num_steps: optimizer calls.
        seed: the run's PRNG seed (it draws the minibatches).
        labels: one name per optimizer (default: class names, numbered on repeats).
    """

    problem: NetworkProblem
    optimizers: tuple[Optimizer, ...]
    init_seed: int
    num_steps: int
    seed: int = 0
    labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.problem, NetworkProblem):
            raise ValueError(
                f"Argument `problem` must be a NetworkProblem. Received: problem={self.problem!r}"
            )
        self.problem.build()  # validates every setting
        optimizers = _check_optimizers(self.optimizers)
        object.__setattr__(self, "optimizers", optimizers)
        object.__setattr__(self, "init_seed", _check_int("init_seed", self.init_seed, 0))
        object.__setattr__(self, "num_steps", _check_int("num_steps", self.num_steps, 1, MAX_STEPS))
        object.__setattr__(self, "seed", _check_int("seed", self.seed, 0, 2**32 - 1))
        object.__setattr__(self, "labels", _check_labels(self.labels, optimizers))

    def initial_params(self) -> list[dict[str, Any]]:
        """The initial weights, ``init_mlp(init_seed, sizes)``."""
        return init_mlp(self.init_seed, self.problem.sizes)


Run = SurfaceRun | NetworkRun


def describe(run: Run) -> str:
    """One line naming the run, safe inside a docstring or a comment of generated code."""
    if isinstance(run, NetworkRun):
        p = run.problem
        what = (
            f"a {'-'.join(map(str, p.sizes))} {p.activation} MLP on {p.dataset}, "
            f"{run.num_steps} steps"
        )
    else:
        x, y = run.start
        what = f"{run.objective.title}, {run.num_steps} steps from ({x:g}, {y:g})"
    text = f"{what}, {', '.join(run.labels)}".replace("\\", "/").replace('"""', "'")
    return " ".join(text.split())
