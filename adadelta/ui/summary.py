"""What to look at in a surface run: its rates and losses, in the run's own numbers.

The explorer's lesson is that Adagrad's per-dimension rate η/√(A₀+Σg²+ε) can only shrink, while
Adadelta's η·√(E[Δx²]+ε)/√(E[g²]+ε) forgets old gradients and can grow again. ``rate_facts``
measures that on a run and ``what_to_look_at`` says it in one line; the pages show the line
under the main chart, so it always describes the run on screen (never typed numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from adadelta.engine import Trace

DIMENSIONS = ("x", "y")


class RateFacts(NamedTuple):
    """One run's effective learning rate and loss, summed up.

    Attributes:
        label: the optimizer's label.
        end_over_first: per dimension, the rate of the last call over that of the first call.
        end_over_lowest: per dimension, the rate of the last call over its lowest value.
        final_loss: the loss at the last position.
        num_steps: the number of calls.
    """

    label: str
    end_over_first: np.ndarray
    end_over_lowest: np.ndarray
    final_loss: float
    num_steps: int


def rate_facts(label: str, trace: Trace) -> RateFacts | None:
    """The facts of one run, or None if it diverged or recorded no finite rate."""
    if trace.diverged_at is not None or trace.effective_lr is None:
        return None
    rates = np.asarray(trace.effective_lr, np.float64).reshape(len(trace.effective_lr), -1)[:, :2]
    finite = np.flatnonzero(np.all(np.isfinite(rates), axis=1))  # accumulation micro-steps: NaN
    if finite.size < 2:
        return None
    first, last = rates[finite[0]], rates[finite[-1]]
    lowest = rates[finite].min(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return RateFacts(
            label, last / first, last / lowest, float(trace.loss[-1]), len(trace.effective_lr)
        )


def _percent(ratio: float) -> str:
    return f"{100 * ratio:.2g} %"


def _times(ratio: float) -> str:
    """A factor to two significant digits, in plain digits: ``480,000×``."""
    rounded = float(f"{ratio:.2g}")
    return f"{rounded:,.0f}×" if rounded >= 10 else f"{rounded:g}×"


def what_to_look_at(labels: Sequence[str], traces: Sequence[Trace]) -> str | None:
    """One line on what Adagrad's and Adadelta's rates did in this run, or None without both.

    The line states only what the run shows: how far Adagrad's rate fell (in the dimension where
    it fell most), how far Adadelta's grew from its lowest (where it grew most), and where each
    ended.
    """
    facts = {label: rate_facts(label, trace) for label, trace in zip(labels, traces)}
    adadelta, adagrad = facts.get("Adadelta"), facts.get("Adagrad")
    if adadelta is None or adagrad is None:
        return None
    fell = int(np.argmin(adagrad.end_over_first))
    grew = int(np.argmax(adadelta.end_over_lowest))
    text = (
        "**What to look at:** Adagrad's rate (right) can only shrink: after "
        f"{adagrad.num_steps} steps its {DIMENSIONS[fell]} rate is "
        f"{_percent(adagrad.end_over_first[fell])} of its first. "
    )
    if adadelta.end_over_lowest[grew] >= 2:
        text += (
            f"Adadelta forgets old gradients: its {DIMENSIONS[grew]} rate grows to "
            f"{_times(adadelta.end_over_lowest[grew])} its lowest. "
        )
    else:
        text += "Adadelta's rate does not grow again here. "
    if adadelta.final_loss < adagrad.final_loss:
        return text + (
            f"Adagrad ends at f = {adagrad.final_loss:.3g}, Adadelta at "
            f"f = {adadelta.final_loss:.3g}."
        )
    return text + (
        f"Here Adagrad still ends lower: f = {adagrad.final_loss:.3g} against Adadelta's "
        f"{adadelta.final_loss:.3g}."
    )
