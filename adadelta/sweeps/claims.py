"""Whether Zeiler's qualitative claims hold in re-run tables, computed from their numbers.

The paper (§4.1) claims that Adadelta needs no hand-tuned global learning rate and is robust
to its hyperparameters: across ρ x ε its test error varies little, while SGD, momentum and
Adagrad change a lot with the learning rate, and Adadelta with its default setting is about
as good as the best tuned learning rate of the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

PAPER_SETTING = {"rho": 0.95, "epsilon": 1e-6}
"""The ρ and ε the paper uses in its other experiments (learning rate 1)."""

TOLERANCE = 0.01
"""How close "about as good" is: one percentage point of test error."""


class MethodSummary(NamedTuple):
    """One table in three numbers (errors as shares, NaN-free: a fully diverged setting
    counts as an error of 1).

    Attributes:
        method: e.g. ``"SGD"``.
        best: the lowest mean test error over the table's settings.
        worst: the highest (1 where every seed of a setting diverged).
        spread: ``worst - best``, how much the choice of setting matters.
        best_setting: the arguments of the best setting, e.g. ``{"learning_rate": 0.1}``.
        diverged: settings whose seeds all diverged.
    """

    method: str
    best: float
    worst: float
    spread: float
    best_setting: dict[str, float]
    diverged: int


class Claims(NamedTuple):
    """The verdicts, each with the numbers behind it.

    Attributes:
        summaries: one per table, in order.
        robust: Adadelta's spread over ρ x ε is below every other method's spread over its
            learning rates.
        default_error: Adadelta's mean test error at :data:`PAPER_SETTING`.
        best_other: the best mean test error of any other method at its best learning rate.
        no_tuning: ``default_error <= best_other + TOLERANCE``.
    """

    summaries: tuple[MethodSummary, ...]
    robust: bool
    default_error: float
    best_other: float
    no_tuning: bool


def summarize(table) -> MethodSummary:
    """The best, worst and spread of a ``PaperTable``'s mean test error."""
    mean = np.where(np.isfinite(table.error_mean), table.error_mean, 1.0)
    best_index = np.unravel_index(int(np.argmin(mean)), mean.shape)
    setting = {a: float(table.values[k][i]) for k, (a, i) in enumerate(zip(table.axes, best_index))}
    return MethodSummary(
        method=table.method,
        best=float(mean.min()),
        worst=float(mean.max()),
        spread=float(mean.max() - mean.min()),
        best_setting=setting,
        diverged=int(np.sum(~np.isfinite(table.error_mean))),
    )


def claims(tables: Sequence) -> Claims:
    """The paper's two claims judged on ``tables`` (Adadelta's and at least one other).

    Raises:
        ValueError: without an Adadelta table over ρ x ε containing :data:`PAPER_SETTING`, or
            without another table.
    """
    by_method = {t.method: t for t in tables}
    adadelta = by_method.get("Adadelta")
    others = [t for t in tables if t.method != "Adadelta"]
    if adadelta is None or not others or tuple(adadelta.axes) != ("rho", "epsilon"):
        raise ValueError("Argument `tables` needs Adadelta's rho x epsilon table and another.")
    rho, epsilon = (list(v) for v in adadelta.values)
    try:
        at = (rho.index(PAPER_SETTING["rho"]), epsilon.index(PAPER_SETTING["epsilon"]))
    except ValueError:
        raise ValueError("Adadelta's table must contain rho=0.95, epsilon=1e-6.") from None
    summaries = tuple(summarize(t) for t in tables)
    mine = next(s for s in summaries if s.method == "Adadelta")
    rest = [s for s in summaries if s.method != "Adadelta"]
    default = float(adadelta.error_mean[at])
    default = default if np.isfinite(default) else 1.0
    best_other = min(s.best for s in rest)
    return Claims(
        summaries=summaries,
        robust=all(mine.spread < s.spread for s in rest),
        default_error=default,
        best_other=best_other,
        no_tuning=default <= best_other + TOLERANCE,
    )
