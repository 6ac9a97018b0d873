"""Basins of attraction: which minimum an optimizer reaches from each start of a grid."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from adadelta.optim import Optimizer
from adadelta.problems.surfaces import Domain
from adadelta.sweeps import checks

NOT_REACHED = -1
"""Label of a start whose run ends near none of the minima."""
DIVERGED = -2
"""Label of a start whose run diverged."""

MAX_RESOLUTION = 200


def grid_starts(
    domain: Domain, resolution: int | tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start points on a grid over ``domain``, edges included.

    Args:
        domain: ``((xmin, xmax), (ymin, ymax))``.
        resolution: points per axis, or ``(nx, ny)``; each in [2, 200].

    Returns:
        ``(xs (nx,), ys (ny,), starts (ny·nx, 2))`` float32; start ``i·nx + j`` is
        ``(xs[j], ys[i])``.
    """
    nx, ny = (resolution, resolution) if checks.is_int(resolution) else tuple(resolution)
    nx = checks.count("resolution", nx, 2, MAX_RESOLUTION)
    ny = checks.count("resolution", ny, 2, MAX_RESOLUTION)
    (xmin, xmax), (ymin, ymax) = domain
    xs = np.linspace(xmin, xmax, nx, dtype=np.float32)
    ys = np.linspace(ymin, ymax, ny, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return xs, ys, np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


def default_radius(domain: Domain) -> float:
    """How close counts as reaching a minimum by default: 2.5% of the domain's diagonal
    (0.35 on [−5, 5]²)."""
    (xmin, xmax), (ymin, ymax) = domain
    return 0.025 * math.hypot(xmax - xmin, ymax - ymin)


def label_ends(final_params: Any, diverged_at: Any, minima: Any, radius: float) -> np.ndarray:
    """Labels end points ``(..., 2)``: the index of the nearest minimum within ``radius``,
    :data:`NOT_REACHED` when none is that close, :data:`DIVERGED` where ``diverged_at >= 0``.

    Returns:
        int64 labels of shape ``final_params.shape[:-1]``.
    """
    final_params = np.asarray(final_params, np.float64)
    minima = np.asarray(minima, np.float64).reshape(-1, 2)
    labels = np.full(final_params.shape[:-1], NOT_REACHED, np.int64)
    if len(minima):
        with np.errstate(invalid="ignore", over="ignore"):
            distance = np.linalg.norm(final_params[..., None, :] - minima, axis=-1)
        distance = np.where(np.isfinite(distance), distance, np.inf)
        nearest = np.argmin(distance, axis=-1)
        close = np.take_along_axis(distance, nearest[..., None], axis=-1)[..., 0] <= radius
        labels = np.where(close, nearest, NOT_REACHED)
    return np.where(np.asarray(diverged_at) >= 0, DIVERGED, labels)


class BasinMap(NamedTuple):
    """Which minimum each optimizer reaches from each start of a grid.

    Attributes:
        xs: ``(nx,)``; ys: ``(ny,)`` float32, the grid: cell ``[i, j]`` starts at
            ``(xs[j], ys[i])``.
        minima: ``(M, 2)`` the candidate minima; label m means ``minima[m]``.
        minima_values: ``(M,)`` the objective at each.
        radius: a run reaches a minimum when it ends within this distance of it.
        labels: ``(O, ny, nx)`` int64, one map per optimizer: the index of the minimum reached,
            :data:`NOT_REACHED` (-1) or :data:`DIVERGED` (-2).
        final_params: ``(O, ny, nx, 2)`` float32 end points, as computed.
        diverged_at: ``(O, ny, nx)`` int64, -1 where the run stayed finite.
        num_steps: optimizer calls per start.
    """

    xs: np.ndarray
    ys: np.ndarray
    minima: np.ndarray
    minima_values: np.ndarray
    radius: float
    labels: np.ndarray
    final_params: np.ndarray
    diverged_at: np.ndarray
    num_steps: int

    def shares(self) -> np.ndarray:
        """``(O, M + 2)``: per optimizer, the share of starts labelled with each minimum, then
        the share not reaching any, then the share diverged."""
        labels = self.labels.reshape(self.labels.shape[0], -1)
        classes = [*range(len(self.minima)), NOT_REACHED, DIVERGED]
        return np.stack([np.mean(labels == c, axis=1) for c in classes], axis=1)


def _check_radius(radius: float, minima: np.ndarray) -> float:
    try:
        radius = float(radius)
    except (TypeError, ValueError):
        raise ValueError(f"Argument `radius` must be a number. Received: {radius!r}") from None
    limit = math.inf
    if len(minima) > 1:
        gaps = np.linalg.norm(minima[:, None] - minima[None], axis=-1)
        limit = float(gaps[~np.eye(len(minima), dtype=bool)].min()) / 2
    if not 0 < radius < limit:
        raise ValueError(
            f"Argument `radius` must be in (0, {limit:.4g}) (under half the distance between "
            f"the closest two minima, so no end is near two). Received: radius={radius}"
        )
    return radius


def basins(
    objective: Any,
    optimizers: Optimizer | Sequence[Optimizer],
    num_steps: int,
    *,
    resolution: int | tuple[int, int] = 100,
    domain: Domain | None = None,
    minima: Any = None,
    radius: float | None = None,
    key: int = 0,
    max_steps: int | None = None,
    chunk_size: int | None = None,
) -> BasinMap:
    """Runs each optimizer from every point of a grid of starts and labels where it ends.

    Args:
        objective: the surface (an ``Objective``; another objective needs ``domain`` and
            ``minima``).
        optimizers: one optimizer or several (one map each, in order).
        num_steps: optimizer calls per start, in [1, 5000].
        resolution: starts per axis or ``(nx, ny)``, each in [2, 200].
        domain: the grid's extent; default ``objective.domain``.
        minima: ``(M, 2)`` candidate minima; default every local minimum the surface lists
            (``objective.local_minima``).
        radius: how close counts as reached; default :func:`default_radius`. It must be less
            than half the smallest distance between two minima.
        key: the PRNG seed shared by every start (gradient noise, if any).
        max_steps: None (compile for exactly ``num_steps``), or the most steps the compiled
            sweep takes (only the ends are kept, so memory does not grow with it).
        chunk_size: None (one program per batch size), or the batch of the compiled sweep
            (``engine.sweep``): a page's resolution control then compiles nothing new.

    Raises:
        ValueError: naming the argument, the value and the valid range.
    """
    domain = objective.domain if domain is None else domain
    xs, ys, starts = grid_starts(domain, resolution)
    ends = basin_labels(
        objective,
        starts,
        optimizers,
        num_steps,
        minima=minima,
        radius=default_radius(domain) if radius is None else radius,
        key=key,
        max_steps=max_steps,
        chunk_size=chunk_size,
    )
    shape = (ends.labels.shape[0], len(ys), len(xs))
    return BasinMap(
        xs=xs,
        ys=ys,
        minima=ends.minima,
        minima_values=ends.minima_values,
        radius=ends.radius,
        labels=ends.labels.reshape(shape),
        final_params=ends.final_params.reshape(*shape, 2),
        diverged_at=ends.diverged_at.reshape(shape),
        num_steps=ends.num_steps,
    )


class BasinLabels(NamedTuple):
    """Where each optimizer ends from each of N starts (see :func:`basin_labels`).

    Attributes:
        starts: ``(N, 2)`` float32.
        minima, minima_values, radius, num_steps: as in :class:`BasinMap`.
        labels: ``(O, N)`` int64.
        final_params: ``(O, N, 2)`` float32.
        diverged_at: ``(O, N)`` int64.
    """

    starts: np.ndarray
    minima: np.ndarray
    minima_values: np.ndarray
    radius: float
    labels: np.ndarray
    final_params: np.ndarray
    diverged_at: np.ndarray
    num_steps: int


def basin_labels(
    objective: Any,
    starts: Any,
    optimizers: Optimizer | Sequence[Optimizer],
    num_steps: int,
    *,
    minima: Any = None,
    radius: float,
    key: int = 0,
    max_steps: int | None = None,
    chunk_size: int | None = None,
) -> BasinLabels:
    """Runs each optimizer from each of ``starts`` ``(N, 2)`` (N <= 40,000) and labels the ends;
    the arguments are those of :func:`basins`, ``radius`` required."""
    optimizers = checks.optimizers(optimizers)
    num_steps = checks.num_steps(num_steps)
    starts = checks.starts(starts, MAX_RESOLUTION**2)
    if minima is None:
        minima = [m[:2] for m in objective.local_minima]
    minima = np.asarray(minima, np.float64).reshape(-1, 2)
    radius = _check_radius(radius, minima)
    traces = checks.run_starts(
        objective,
        starts,
        optimizers,
        num_steps,
        key,
        (),
        max_steps=max_steps,
        chunk_size=chunk_size,
    )
    final = np.stack([np.asarray(t.final_params) for t in traces])
    diverged_at = np.stack([np.asarray(t.diverged_at) for t in traces]).astype(np.int64)
    values = np.asarray(
        [float(objective(np.asarray(m, np.float32), None, 0)) for m in minima], np.float64
    )
    return BasinLabels(
        starts=starts,
        minima=minima,
        minima_values=values,
        radius=radius,
        labels=label_ends(final, diverged_at, minima, radius),
        final_params=final,
        diverged_at=diverged_at,
        num_steps=num_steps,
    )
