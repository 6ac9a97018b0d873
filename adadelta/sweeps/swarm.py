"""Swarms: many starts run at once per optimizer, thinned to animation frames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from adadelta.optim import Optimizer
from adadelta.problems.surfaces import Domain
from adadelta.sweeps import checks

MAX_STARTS = 1000
DEFAULT_FRAMES = 100
MAX_FRAMES = 500


def random_starts(domain: Domain, num: int, seed: int = 0) -> np.ndarray:
    """``num`` (1 to 1000) start points drawn uniformly over ``domain`` by
    ``np.random.default_rng(seed)``: ``(num, 2)`` float32."""
    num = checks.count("num", num, 1, MAX_STARTS)
    seed = checks.count("seed", seed, 0, 2**63 - 1)
    (xmin, xmax), (ymin, ymax) = domain
    points = np.random.default_rng(seed).uniform((xmin, ymin), (xmax, ymax), size=(num, 2))
    return points.astype(np.float32)


def frame_steps(num_steps: int, max_frames: int = DEFAULT_FRAMES) -> np.ndarray:
    """At most ``max_frames`` steps in ``[0, num_steps]``, denser early, where swarms move fast.

    Half of the frames are evenly spaced, half log-spaced from step 1; 0 and ``num_steps`` are
    always in; every step when there are few enough.

    Returns:
        Sorted unique int64 steps.
    """
    num_steps = checks.num_steps(num_steps)
    max_frames = checks.count("max_frames", max_frames, 2, MAX_FRAMES)
    if num_steps + 1 <= max_frames:
        return np.arange(num_steps + 1, dtype=np.int64)
    # Rounding merges some log-spaced steps; take the largest split that fits.
    for early in range(max_frames // 2, -1, -1):
        candidates = [[0, num_steps], np.linspace(0, num_steps, max_frames - early)]
        if early:
            candidates.append(np.geomspace(1, num_steps, early))
        steps = np.unique(np.rint(np.concatenate(candidates)).astype(np.int64))
        if steps.size <= max_frames:
            return steps
    raise AssertionError("unreachable: evenly spaced frames alone always fit")


class Swarm(NamedTuple):
    """Many starts run at once per optimizer, kept at the animation's frames.

    Attributes:
        starts: ``(N, 2)`` float32.
        frame_steps: ``(F,)`` int64, the steps shown (0 and ``num_steps`` included).
        positions: ``(O, F, N, 2)`` float32 positions at those steps, as computed (non-finite
            once a run diverged: hide a particle from ``diverged_at`` on).
        loss: ``(O, F, N)`` float32, the loss there.
        diverged_at: ``(O, N)`` int64, -1 where the run stayed finite.
        final_params: ``(O, N, 2)``; final_loss: ``(O, N)`` float64, NaN where diverged.
        num_steps: optimizer calls per start.
    """

    starts: np.ndarray
    frame_steps: np.ndarray
    positions: np.ndarray
    loss: np.ndarray
    diverged_at: np.ndarray
    final_params: np.ndarray
    final_loss: np.ndarray
    num_steps: int


def swarm(
    objective: Any,
    starts: Any,
    optimizers: Optimizer | Sequence[Optimizer],
    num_steps: int,
    *,
    max_frames: int = DEFAULT_FRAMES,
    key: int = 0,
    chunk_size: int | None = None,
) -> Swarm:
    """Runs each optimizer from every start at once and keeps the frames an animation shows.

    Args:
        objective: the surface.
        starts: ``(N, 2)``, 1 <= N <= 1000 (e.g. :func:`random_starts`).
        optimizers: one optimizer or several (one swarm each, in order).
        num_steps: optimizer calls per start, in [1, 5000], with N x (steps + 1) <= 2^22.
        max_frames: at most this many frames, in [2, 500] (see :func:`frame_steps`).
        key: the PRNG seed shared by every start (gradient noise, if any).
        chunk_size: None (one program per number of starts), or the batch of the compiled
            sweep (``engine.sweep``): a page's starts control then compiles nothing new.

    Raises:
        ValueError: naming the argument, the value and the valid range.
    """
    optimizers = checks.optimizers(optimizers)
    starts = checks.starts(starts, MAX_STARTS)
    steps = frame_steps(num_steps, max_frames)
    if starts.shape[0] * (num_steps + 1) * 2 > checks.MAX_RECORDED_VALUES:
        raise ValueError(
            f"A swarm of {starts.shape[0]} starts x {num_steps} steps is too large: at most "
            f"{checks.MAX_RECORDED_VALUES // 2} start-steps."
        )
    # Only the frames are recorded, in one program for every number of steps (and frames).
    traces = checks.run_starts(
        objective, starts, optimizers, num_steps, key, ("params", "loss"),
        record_at=steps, max_records=MAX_FRAMES, chunk_size=chunk_size,
    )  # fmt: skip
    diverged_at = np.stack([np.asarray(t.diverged_at) for t in traces]).astype(np.int64)
    final_loss = np.stack([np.asarray(t.final_loss, np.float64) for t in traces])
    return Swarm(
        starts=starts,
        frame_steps=steps,
        positions=np.stack([np.swapaxes(np.asarray(t.params), 0, 1) for t in traces]),
        loss=np.stack([np.asarray(t.loss).T for t in traces]),
        diverged_at=diverged_at,
        final_params=np.stack([np.asarray(t.final_params) for t in traces]),
        final_loss=np.where(diverged_at >= 0, np.nan, final_loss),
        num_steps=num_steps,
    )
