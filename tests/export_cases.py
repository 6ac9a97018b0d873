"""Runs for the export tests: together they set every argument away from its default.

Each case is a function returning a fresh ``SurfaceRun`` (formulas and optimizers are built
when a test asks for them). ``NON_DEFAULT`` lists what the cases cover, so a test can check
that nothing is left at its default everywhere: the five optimizers' own arguments, every
shared Keras argument, every schedule and every schedule argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from adadelta import SGD, Adadelta, Adagrad, Adam, RMSprop
from adadelta.exports import NetworkProblem, NetworkRun, SurfaceRun
from adadelta.optim import schedules
from adadelta.problems import Objective, compile_formula

STEPS = 25


def formula(source: str):
    """A learning rate given by a formula in t, as the app builds one."""
    return compile_formula(source, ("t",))


def defaults_and_paper() -> SurfaceRun:
    # Keras's defaults beside the paper's settings; two Adadeltas get numbered labels.
    return SurfaceRun(
        Objective.from_surface("rosenbrock"),
        [
            Adadelta(),
            Adadelta(learning_rate=1.0, rho=0.9, epsilon=1e-6),
            Adagrad(learning_rate=1.0, initial_accumulator_value=0.5, epsilon=1e-3),
        ],
        (-1.2, 1.0),
        STEPS,
    )


def schedules_first_half() -> SurfaceRun:
    return SurfaceRun(
        Objective.from_surface("himmelblau"),
        [
            Adadelta(learning_rate=schedules.ExponentialDecay(1.0, 5, 0.5, staircase=True)),
            Adagrad(learning_rate=schedules.PiecewiseConstantDecay([3, 10], [1.0, 0.3, 0.1])),
            RMSprop(
                learning_rate=schedules.PolynomialDecay(
                    0.05, 8, end_learning_rate=0.001, power=2.0, cycle=True
                )
            ),
        ],
        (-0.3, -0.9),
        STEPS,
    )


def schedules_second_half() -> SurfaceRun:
    return SurfaceRun(
        Objective.from_surface("beale"),
        [
            Adam(learning_rate=schedules.InverseTimeDecay(0.1, 4, 0.5, staircase=True)),
            SGD(
                learning_rate=schedules.CosineDecay(
                    0.001, 10, alpha=0.1, warmup_target=0.004, warmup_steps=5
                )
            ),
            Adadelta(
                learning_rate=schedules.CosineDecayRestarts(
                    1.0, 4, t_mul=1.5, m_mul=0.8, alpha=0.05
                )
            ),
        ],
        (1.0, 1.5),
        STEPS,
    )


def formulas() -> SurfaceRun:
    # A typed surface and learning rates that are formulas in the raw step t.
    return SurfaceRun(
        Objective.from_formula("x^2 + 10*y^2 + sin(3*x)*exp(-y^2) - 0.1*abs(x*y)"),
        [
            Adadelta(learning_rate=formula("1/(1 + t/10)")),
            Adam(learning_rate=formula("0.05*exp(-t/20) + 0.001*sqrt(t)")),
            SGD(learning_rate=formula("0.01*max(1 - t/30, 0.1)^2 + pi/1000"), momentum=0.5),
        ],
        (-2.0, 2.0),
        STEPS,
    )


def decay_and_clipping() -> SurfaceRun:
    return SurfaceRun(
        Objective.from_surface("quadratic", kappa=50.0, theta=30.0),
        [
            Adadelta(learning_rate=1.0, weight_decay=0.05, clipnorm=0.5),
            Adagrad(learning_rate=0.5, weight_decay=0.1, clipvalue=0.3),
            RMSprop(learning_rate=0.05, rho=0.8, momentum=0.5, centered=True, global_clipnorm=1.0),
        ],
        (-8.0, 6.0),
        STEPS,
    )


def moving_averages() -> SurfaceRun:
    return SurfaceRun(
        Objective.from_surface("booth"),
        [
            Adadelta(learning_rate=1.0, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=4),
            Adagrad(learning_rate=1.0, use_ema=True, ema_momentum=0.5),
            RMSprop(learning_rate=0.1, epsilon=1e-4, use_ema=True, ema_overwrite_frequency=1),
        ],
        (-7.0, -8.0),
        STEPS,
    )


def accumulation_and_loss_scale() -> SurfaceRun:
    # Adadelta's steps barely depend on the gradient's scale unless epsilon is large (spec §2).
    return SurfaceRun(
        Objective.from_surface("six_hump_camel"),
        [
            Adadelta(
                learning_rate=1.0,
                epsilon=1e-3,
                loss_scale_factor=4.0,
                gradient_accumulation_steps=3,
            ),
            SGD(
                learning_rate=0.01,
                momentum=0.9,
                nesterov=True,
                gradient_accumulation_steps=2,
                use_ema=True,
                ema_overwrite_frequency=2,
            ),
            Adam(learning_rate=0.05, epsilon=1e-3, amsgrad=True, loss_scale_factor=0.5),
        ],
        (-1.5, 1.5),
        STEPS,
    )


def noise_and_axis_scale() -> SurfaceRun:
    return SurfaceRun(
        Objective.from_surface("rosenbrock", axis_scale=0.5, noise_sigma=2.0, b=20.0),
        [
            Adadelta(learning_rate=1.0),
            Adagrad(learning_rate=0.5),
            Adam(learning_rate=0.02, beta_1=0.8, beta_2=0.99),
        ],
        (-1.2, 2.0),
        STEPS,
        seed=11,
    )


def everything_at_once() -> SurfaceRun:
    return SurfaceRun(
        Objective.from_surface("plateau", axis_scale=3.0, noise_sigma=0.01, width=2.0),
        [
            Adadelta(
                learning_rate=formula("2/(1 + t/8)"),
                rho=0.9,
                epsilon=1e-4,
                weight_decay=0.01,
                global_clipnorm=5.0,
                use_ema=True,
                ema_momentum=0.8,
                ema_overwrite_frequency=3,
                name="my_adadelta",
                loss_scale_factor=2.0,
                gradient_accumulation_steps=2,
            ),
            Adagrad(learning_rate=0.3, name="my_adagrad"),
        ],
        (3.0, 2.5 / 3.0),
        STEPS,
        seed=5,
        labels=("Adadelta, every argument", "Adagrad"),
    )


def formula_without_y() -> SurfaceRun:
    # A formula that ignores y still gives one value per point (and a zero y gradient).
    return SurfaceRun(
        Objective.from_formula("x^2 - 2*x + 1"), [Adadelta(learning_rate=1.0)], (-2.0, 2.0), 10
    )


CASES: dict[str, Callable[[], SurfaceRun]] = {
    case.__name__: case
    for case in (
        defaults_and_paper,
        schedules_first_half,
        schedules_second_half,
        formulas,
        decay_and_clipping,
        moving_averages,
        accumulation_and_loss_scale,
        noise_and_axis_scale,
        everything_at_once,
        formula_without_y,
    )
}


def network_full_batch() -> NetworkRun:
    problem = NetworkProblem("circles", n_points=80, noise=0.1, data_seed=3, width=6)
    return NetworkRun(
        problem,
        [
            Adadelta(learning_rate=1.0, weight_decay=0.01, global_clipnorm=0.5),
            Adagrad(learning_rate=0.5, clipnorm=0.2, use_ema=True, ema_momentum=0.9),
        ],
        init_seed=7,
        num_steps=15,
        seed=3,
    )


def network_minibatch() -> NetworkRun:
    problem = NetworkProblem(
        "plane",
        n_points=100,
        noise=0.2,
        data_seed=1,
        hidden_layers=1,
        width=4,
        activation="relu",
        batch_size=16,
    )
    return NetworkRun(
        problem,
        [
            Adadelta(
                learning_rate=formula("1/(1 + t/5)"),
                gradient_accumulation_steps=2,
                use_ema=True,
                ema_overwrite_frequency=3,
                loss_scale_factor=8.0,
                epsilon=1e-3,
            ),
            RMSprop(learning_rate=schedules.ExponentialDecay(0.01, 4, 0.7), clipvalue=0.05),
        ],
        init_seed=2,
        num_steps=15,
        seed=9,
    )


NETWORK_CASES: dict[str, Callable[[], NetworkRun]] = {
    case.__name__: case for case in (network_full_batch, network_minibatch)
}


def _defaults(function: Callable) -> dict[str, object]:
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    }


def non_default_arguments(runs) -> set[str]:
    """``Class.argument`` for every argument set away from its default in ``runs``.

    Schedules count as ``ExponentialDecay.decay_steps`` etc. (arguments without a default
    count whenever the schedule is used); a formula learning rate counts as ``formula``.
    """
    found = set()
    for run in runs:
        for optimizer in run.optimizers:
            cls = type(optimizer).__name__
            defaults = _defaults(type(optimizer).__init__)
            for name, value in optimizer.get_config().items():
                if name == "learning_rate" and callable(value) and not hasattr(value, "get_config"):
                    found.add("formula")
                elif value != defaults.get(name, inspect.Parameter.empty):
                    found.add(f"{cls}.{name}")
            schedule = optimizer.learning_rate
            if isinstance(schedule, schedules.LearningRateSchedule):
                kind = type(schedule).__name__
                schedule_defaults = _defaults(type(schedule).__init__)
                for name, value in schedule.get_config().items():
                    if value != schedule_defaults.get(name, inspect.Parameter.empty):
                        found.add(f"{kind}.{name}")
    return found
