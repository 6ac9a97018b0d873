"""Zeiler's Tables 1 and 2, re-run on real handwritten digits, one vmapped run per table.

The paper (§4.1) trains a tanh MLP with a softmax output on MNIST in minibatches of 100 and
reports the test error after 6 epochs: for SGD, SGD with momentum 0.9 and Adagrad over global
learning rates (Table 1), and for Adadelta over ρ x ε with learning rate 1 (Table 2). Here the
same experiment runs on scikit-learn's 8x8 digits (:mod:`adadelta.problems.digits`) with a
smaller network and more epochs (:class:`DigitsSetup` says what differs), over several seeds:
a seed sets the initial weights and the minibatch order, shared by every setting of every
table, so all cells of one seed start from the same weights and see the same minibatches.

Each table is one ``engine.sweep``: its settings (``engine.grid``) times its seeds are one
batch, the seeds' minibatch orders a batched leaf of the objective. Every optimizer goes
through the same Keras-exact pipeline; a cell equals the single run :func:`digits_run` makes.

References:
    Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012, arXiv:1212.5701, §4.1,
    Tables 1 and 2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from adadelta import engine
from adadelta.optim import SGD, Adadelta, Adagrad, Optimizer
from adadelta.problems.digits import NUM_TRAIN, split_digits
from adadelta.problems.multiclass import ClassifierObjective, epoch_order, init_classifier
from adadelta.sweeps import checks

LEARNING_RATES = (1.0, 1e-1, 1e-2, 1e-3, 1e-4)
"""Table 1's global learning rates (as the issue lists them)."""
RHOS = (0.9, 0.95, 0.99)
EPSILONS = (1e-2, 1e-4, 1e-6, 1e-8)
"""Table 2's grid."""
METHODS = ("SGD", "Momentum", "Adagrad", "Adadelta")
MAX_SEEDS = 10

Progress = Callable[[float, str], Any]


class DigitsSetup(NamedTuple):
    """The experiment. Defaults are chosen so all four tables over 3 seeds take seconds.

    Attributes:
        hidden: hidden-layer widths (the paper: 500 and 300 on 784 MNIST pixels; here one
            layer on 64 pixels).
        epochs: passes over the training set (the paper: 6 epochs of 600 minibatches, 3,600
            steps; here 13 minibatches per epoch, so more epochs).
        batch_size: minibatch size (the paper's 100).
        seeds: one run per seed and setting; a seed sets the initial weights and the order.
        split_seed: the seed of the train/test split.
        num_train: training-set size; the other 1,797 - num_train digits are the test set.
        activation: the hidden activation (the paper's tanh).
    """

    hidden: tuple[int, ...] = (32,)
    epochs: int = 40
    batch_size: int = 100
    seeds: tuple[int, ...] = (0, 1, 2)
    split_seed: int = 0
    num_train: int = NUM_TRAIN
    activation: str = "tanh"


DEFAULT_SETUP = DigitsSetup()


def method_grid(method: str) -> tuple[Optimizer, dict[str, tuple[float, ...]]]:
    """The base optimizer of a table and its axes.

    SGD and momentum (0.9) and Adagrad sweep ``learning_rate`` over :data:`LEARNING_RATES`
    (Adagrad with Keras's defaults ``initial_accumulator_value=0.1``, ``epsilon=1e-7``);
    Adadelta sweeps ``rho`` x ``epsilon`` with ``learning_rate=1.0``, the paper's method
    (Keras's default is 0.001).
    """
    if method == "SGD":
        return SGD(learning_rate=0.01), {"learning_rate": LEARNING_RATES}
    if method == "Momentum":
        return SGD(learning_rate=0.01, momentum=0.9), {"learning_rate": LEARNING_RATES}
    if method == "Adagrad":
        return Adagrad(learning_rate=0.01), {"learning_rate": LEARNING_RATES}
    if method == "Adadelta":
        return Adadelta(learning_rate=1.0), {"rho": RHOS, "epsilon": EPSILONS}
    raise ValueError(f"Argument `method` must be one of {', '.join(METHODS)}. Received: {method!r}")


class PaperTable(NamedTuple):
    """One table: test error after ``setup.epochs`` epochs per setting and seed.

    With axes of lengths ``shape`` (``(5,)`` for a learning-rate table, ``(3, 4)`` for ρ x ε)
    and S seeds:

    Attributes:
        method: ``"SGD"``, ``"Momentum"``, ``"Adagrad"`` or ``"Adadelta"``.
        optimizer: the optimizer's class name, e.g. ``"SGD"``.
        config: the base optimizer's ``get_config()``; a cell's optimizer is this with the
            axes' values replaced.
        axes: the swept arguments, e.g. ``("rho", "epsilon")``.
        values: each axis's values.
        seeds: ``(S,)`` the seeds.
        test_error: ``(*shape, S)`` float64 share of misclassified test digits; NaN where
            the run diverged.
        train_loss: ``(*shape, S)`` float64 mean cross-entropy on the whole training set at
            the end; NaN where diverged.
        diverged_at: ``(*shape, S)`` int64 first non-finite step, -1 where finite.
        num_steps: minibatch steps per run.
    """

    method: str
    optimizer: str
    config: dict[str, Any]
    axes: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    seeds: np.ndarray
    test_error: np.ndarray
    train_loss: np.ndarray
    diverged_at: np.ndarray
    num_steps: int

    @property
    def shape(self) -> tuple[int, ...]:
        """The settings' grid shape (without the seed axis)."""
        return self.test_error.shape[:-1]

    @property
    def num_diverged(self) -> np.ndarray:
        """``shape`` int: how many seeds diverged per setting."""
        return np.sum(self.diverged_at >= 0, axis=-1)

    @property
    def error_mean(self) -> np.ndarray:
        """``shape``: mean test error over the seeds that did not diverge (NaN if none)."""
        return _nan_reduce(np.nanmean, self.test_error)

    @property
    def error_std(self) -> np.ndarray:
        """``shape``: standard deviation (ddof 0) of the test error over finite seeds."""
        return _nan_reduce(np.nanstd, self.test_error)

    @property
    def error_min(self) -> np.ndarray:
        """``shape``: the best seed's test error."""
        return _nan_reduce(np.nanmin, self.test_error)

    @property
    def error_max(self) -> np.ndarray:
        """``shape``: the worst finite seed's test error."""
        return _nan_reduce(np.nanmax, self.test_error)

    def cell_optimizer(self, index: Sequence[int]) -> Optimizer:
        """The optimizer of setting ``index`` (one entry per axis)."""
        base, _ = method_grid(self.method)
        changes = {a: self.values[i][k] for i, (a, k) in enumerate(zip(self.axes, index))}
        return base.replace(**changes)


def _nan_reduce(reduce, values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape[:-1], np.nan)
    some = np.any(np.isfinite(values), axis=-1)
    out[some] = reduce(values[some], axis=-1)
    return out


class DigitsProblem(NamedTuple):
    """Everything a setup fixes before any optimizer runs.

    Attributes:
        objective: the :class:`ClassifierObjective` on the training set, with seed
            ``setup.seeds[0]``'s minibatch order.
        x_test: ``(n_test, 64)`` float32; y_test: ``(n_test,)`` int32.
        orders: ``(S, num_steps · batch_size)`` int32, each seed's minibatch order.
        params: the initial params, each leaf with a leading seed axis ``(S, ...)``.
    """

    objective: ClassifierObjective
    x_test: np.ndarray
    y_test: np.ndarray
    orders: np.ndarray
    params: Any


def _check_setup(setup: DigitsSetup) -> DigitsSetup:
    if not isinstance(setup, DigitsSetup):
        raise ValueError(f"Argument `setup` must be a DigitsSetup. Received: {setup!r}")
    seeds = setup.seeds
    if (
        not isinstance(seeds, Sequence)
        or not 1 <= len(seeds) <= MAX_SEEDS
        or not all(checks.is_int(s) and s >= 0 for s in seeds)
        or len(set(seeds)) != len(seeds)
    ):
        raise ValueError(
            f"Argument `seeds` must be 1 to {MAX_SEEDS} distinct integers >= 0. "
            f"Received: seeds={seeds!r}"
        )
    if isinstance(setup.hidden, (str, bytes)) or not isinstance(setup.hidden, Sequence):
        raise ValueError(
            f"Argument `hidden` must be a sequence of widths. Received: hidden={setup.hidden!r}"
        )
    return setup._replace(seeds=tuple(int(s) for s in seeds), hidden=tuple(setup.hidden))


def digits_problem(setup: DigitsSetup = DEFAULT_SETUP) -> DigitsProblem:
    """The split, the objective, and each seed's minibatch order and initial params.

    Seed s's initial params are ``init_classifier(s, sizes)`` (Glorot-uniform, as Keras's
    ``Dense``), its order ``epoch_order(s, ...)``.

    Raises:
        ValueError: naming the invalid field of ``setup``.
    """
    setup = _check_setup(setup)
    split = split_digits(setup.split_seed, setup.num_train)
    objective = ClassifierObjective.create(
        split.x_train,
        split.y_train,
        setup.hidden,
        batch_size=setup.batch_size,
        epochs=setup.epochs,
        seed=setup.seeds[0],
        activation=setup.activation,
    )
    n = split.x_train.shape[0]
    orders = np.stack([epoch_order(s, n, setup.batch_size, setup.epochs) for s in setup.seeds])
    params = [init_classifier(s, objective.sizes) for s in setup.seeds]
    params = jax.tree.map(lambda *leaves: np.stack([np.asarray(x) for x in leaves]), *params)
    return DigitsProblem(objective, split.x_test, split.y_test, orders, params)


def digits_run(
    setup: DigitsSetup,
    optimizer: Optimizer,
    seed_index: int,
    *,
    record: Sequence[str] = engine.PATH,
    problem: DigitsProblem | None = None,
) -> engine.Trace:
    """One plain ``engine.run`` of ``optimizer`` on seed ``setup.seeds[seed_index]``: the run
    behind one cell of a table."""
    problem = digits_problem(setup) if problem is None else problem
    objective = problem.objective.with_order(problem.orders[seed_index])
    params = jax.tree.map(lambda leaf: leaf[seed_index], problem.params)
    (trace,) = engine.run(objective, params, optimizer, objective.num_steps, record=record)
    return trace


@jax.jit
def _evaluate(objective: ClassifierObjective, params: Any, x: Any, y: Any):
    return jax.vmap(lambda p: objective.evaluate(p, x, y))(params)


def digits_table(
    method: str, setup: DigitsSetup = DEFAULT_SETUP, *, problem: DigitsProblem | None = None
) -> PaperTable:
    """One table: every setting of ``method`` x every seed, in one ``engine.sweep``.

    Args:
        method: one of :data:`METHODS`.
        setup: the experiment.
        problem: ``digits_problem(setup)``, if already built.

    Raises:
        ValueError: for an unknown method or an invalid setup.
    """
    base, axes = method_grid(method)
    problem = digits_problem(setup) if problem is None else problem
    seeds = _check_setup(setup).seeds
    num_seeds = len(seeds)
    batch, shape = engine.grid(base, **axes)
    cells = int(np.prod(shape))
    # Batch member b = cell · S + seed: each setting runs once per seed.
    batch = jax.tree.map(lambda leaf: np.repeat(np.asarray(leaf), num_seeds, axis=0), batch)
    params = jax.tree.map(
        lambda leaf: np.tile(leaf, (cells,) + (1,) * (leaf.ndim - 1)), problem.params
    )
    objective = problem.objective.with_order(np.tile(problem.orders, (cells, 1)))
    objective_axes = dataclasses.replace(objective, x=None, y=None, order=0)
    num_steps = problem.objective.num_steps
    (trace,) = engine.sweep(
        objective,
        params,
        batch,
        num_steps,
        record=(),
        batched_params=True,
        objective_axes=objective_axes,
    )
    train_loss, _ = _evaluate(problem.objective, trace.final_params, objective.x, objective.y)
    _, test_error = _evaluate(problem.objective, trace.final_params, problem.x_test, problem.y_test)
    diverged_at = np.asarray(trace.diverged_at, np.int64)
    diverged = diverged_at >= 0
    full = (*shape, num_seeds)
    return PaperTable(
        method=method,
        optimizer=type(base).__name__,
        config=base.get_config(),
        axes=tuple(axes),
        values=tuple(tuple(v) for v in axes.values()),
        seeds=np.asarray(seeds),
        test_error=np.where(diverged, np.nan, np.asarray(test_error, np.float64)).reshape(full),
        train_loss=np.where(diverged, np.nan, np.asarray(train_loss, np.float64)).reshape(full),
        diverged_at=diverged_at.reshape(full),
        num_steps=num_steps,
    )


def digits_tables(
    setup: DigitsSetup = DEFAULT_SETUP,
    progress: Progress | None = None,
    methods: Sequence[str] = METHODS,
) -> tuple[PaperTable, ...]:
    """All tables, one after the other, reporting progress between them.

    Args:
        setup: the experiment.
        progress: called as ``progress(fraction, message)`` before each table (fraction of the
            settings done so far, e.g. for ``st.progress``) and with ``1.0`` at the end.
        methods: which tables, in order.

    Returns:
        One :class:`PaperTable` per method.
    """
    problem = digits_problem(setup)
    sizes = [int(np.prod([len(v) for v in method_grid(m)[1].values()])) for m in methods]
    done, tables = 0, []
    for method, size in zip(methods, sizes):
        if progress is not None:
            progress(
                done / sum(sizes), f"Training {method}: {size} settings x {len(setup.seeds)} seeds"
            )
        tables.append(digits_table(method, setup, problem=problem))
        done += size
    if progress is not None:
        progress(1.0, "Done")
    return tuple(tables)
