"""From control values (plain data) to optimizers and objectives.

Pages collect plain values from the widgets; these functions turn them into library objects.
Everything here raises ``ValueError`` with a message naming the argument, which pages show
next to the controls instead of a traceback.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from adadelta import optim
from adadelta.optim import schedules
from adadelta.problems import NetworkObjective, Objective, compile_formula, make_dataset, mlp_sizes
from adadelta.problems.datasets import Dataset

OPTIMIZER_CLASSES = {
    "Adadelta": optim.Adadelta,
    "Adagrad": optim.Adagrad,
    "RMSprop": optim.RMSprop,
    "SGD": optim.SGD,
    "Adam": optim.Adam,
}


class OptimizerSpec(NamedTuple):
    """A hashable description of one optimizer (what ``st.cache_data`` keys on).

    Attributes:
        label: the optimizer's class name in Keras and here: ``"Adadelta"``, ``"Adagrad"``...
        rule: the rule's own arguments, e.g. ``(("epsilon", 1e-06), ("name", "adadelta"),
            ("rho", 0.95))``, sorted by name.
        learning_rate: ``(form, arguments)``: ``("constant", (("learning_rate", 1.0),))``, a
            Keras schedule's name and its arguments, or ``("formula in t",
            (("learning_rate(t)", text),))``.
        pipeline: the ``apply()`` arguments in effect, by their Keras names (an argument that
            is off or has no effect, such as ``ema_momentum`` without ``use_ema``, is absent).
    """

    label: str
    rule: tuple[tuple[str, Any], ...]
    learning_rate: tuple[str, tuple[tuple[str, Any], ...]]
    pipeline: tuple[tuple[str, Any], ...]


class ProblemSpec(NamedTuple):
    """A hashable description of a 2-D problem."""

    surface: str
    formula: str
    shape_params: tuple[tuple[str, float], ...]
    axis_scale: float
    noise_sigma: float


class NetworkSpec(NamedTuple):
    """A hashable description of a data set and an MLP."""

    dataset: str
    n_points: int
    noise: float
    test_fraction: float
    data_seed: int
    hidden_layers: int
    width: int
    activation: str
    batch_size: int | None


@functools.lru_cache(maxsize=16)
def network(spec: NetworkSpec) -> tuple[Dataset, NetworkObjective, tuple[int, ...]]:
    """The data set, the training objective and the layer sizes; ValueError on bad input.

    Kept for the last few specs: the page checks its spec, trains and draws the data on every
    new optimizer setting of the same network, and a new data set takes milliseconds.
    """
    data = make_dataset(
        spec.dataset,
        n_points=spec.n_points,
        noise=spec.noise,
        test_fraction=spec.test_fraction,
        seed=spec.data_seed,
    )
    sizes = mlp_sizes(spec.hidden_layers, spec.width)
    objective = NetworkObjective.from_dataset(data, sizes, spec.activation, spec.batch_size)
    return data, objective, sizes


def _numbers(name: str, text: str) -> list[float]:
    try:
        return [float(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise ValueError(
            f"`{name}` must be comma-separated numbers, e.g. 300, 800. Received: {text!r}"
        ) from None


def learning_rate(kind: str, values: dict[str, Any]) -> Any:
    """A float, a Keras schedule, or a step formula from the learning-rate controls."""
    if kind == "constant":
        return float(values["learning_rate"])
    if kind == "formula in t":
        return compile_formula(values["learning_rate(t)"], ("t",))
    if kind == "PiecewiseConstantDecay":
        return schedules.PiecewiseConstantDecay(
            _numbers("boundaries", values["boundaries"]), _numbers("values", values["values"])
        )
    schedule = getattr(schedules, kind, None)
    if schedule is None:
        raise ValueError(f"`learning_rate` kind must be one of the Keras schedules, not {kind!r}")
    return schedule(**values)


def optimizer(spec: OptimizerSpec) -> optim.Optimizer:
    """Builds one optimizer; raises ValueError naming the bad argument."""
    kind, lr_values = spec.learning_rate
    return OPTIMIZER_CLASSES[spec.label](
        learning_rate=learning_rate(kind, dict(lr_values)), **dict(spec.rule), **dict(spec.pipeline)
    )


def objective(spec: ProblemSpec) -> Objective:
    """Builds the 2-D objective; raises ValueError (FormulaError) naming the problem."""
    if spec.surface == "custom":
        return Objective.from_formula(
            spec.formula, axis_scale=spec.axis_scale, noise_sigma=spec.noise_sigma
        )
    return Objective.from_surface(
        spec.surface,
        axis_scale=spec.axis_scale,
        noise_sigma=spec.noise_sigma,
        **dict(spec.shape_params),
    )


def frozen(values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A dict as a sorted tuple of items (hashable, for specs)."""
    return tuple(sorted(values.items()))
