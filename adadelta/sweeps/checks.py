"""Argument checks and the batched run over many starts, shared by the sweeps."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from adadelta import engine
from adadelta.optim import Optimizer

MAX_STEPS = 5000
MAX_RECORDED_VALUES = 1 << 23
"""At most this many cell-steps per map, cells x (steps + 1), and twice as many start-steps
per swarm, starts x (steps + 1) x 2: bounds on the work (a map keeps only each cell's lowest
loss, a swarm only its frames)."""


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (not a bool)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def count(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int in ``[lo, hi]``, else ``ValueError`` naming ``name``."""
    if not is_int(value) or not lo <= value <= hi:
        raise ValueError(
            f"Argument `{name}` must be an integer in [{lo}, {hi}]. Received: {name}={value!r}"
        )
    return int(value)


def num_steps(value: Any) -> int:
    """The number of optimizer calls of a sweep, in [1, :data:`MAX_STEPS`]."""
    return count("num_steps", value, 1, MAX_STEPS)


def optimizer(value: Any) -> Optimizer:
    """``value`` if it is an optimizer, else ``ValueError``."""
    if not isinstance(value, Optimizer):
        raise ValueError(
            f"Argument `optimizer` must be an optimizer. Received: optimizer={value!r}"
        )
    return value


def optimizers(value: Any) -> tuple[Optimizer, ...]:
    """One optimizer or a non-empty sequence of them, as a tuple."""
    if isinstance(value, Optimizer):
        return (value,)
    value = tuple(value) if isinstance(value, Sequence) else ()
    if not value or not all(isinstance(o, Optimizer) for o in value):
        raise ValueError(
            "Argument `optimizers` must be one optimizer or a non-empty sequence of them. "
            f"Received: optimizers={value!r}"
        )
    return value


def starts(value: Any, limit: int) -> np.ndarray:
    """Finite start points ``(n, 2)`` float32 with 1 <= n <= ``limit``."""
    array = np.asarray(value, np.float32)
    if array.ndim != 2 or array.shape[1] != 2 or not 1 <= array.shape[0] <= limit:
        raise ValueError(
            f"Argument `starts` must have shape (n, 2) with 1 <= n <= {limit}. "
            f"Received: starts.shape={array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("Argument `starts` must be finite.")
    return array


def run_starts(
    objective: Any,
    start_points: np.ndarray,
    optimizers: Sequence[Optimizer],
    steps: int,
    key: int,
    record: tuple[str, ...],
    max_steps: int | None = None,
    record_at: np.ndarray | None = None,
    max_records: int | None = None,
    chunk_size: int | None = None,
) -> list[engine.Trace]:
    """One ``engine.sweep`` per optimizer over a batch of starts.

    Separate calls are compiled per optimizer structure, so adding or swapping an optimizer
    does not recompile the others (one scan over all of them would compile per combination).
    ``max_steps``, ``record_at``, ``max_records`` and ``chunk_size``: as for ``engine.sweep``.
    """
    return [
        engine.sweep(
            objective,
            start_points,
            opt,
            steps,
            key=key,
            record=record,
            batched_params=True,
            batched_optimizers=False,
            max_steps=max_steps,
            record_at=record_at,
            max_records=max_records,
            chunk_size=chunk_size,
        )[0]
        for opt in optimizers
    ]
