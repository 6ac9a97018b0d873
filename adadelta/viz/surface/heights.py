"""The objective sampled on a grid, and the colour/height scale a student can read.

Surfaces such as Rosenbrock span several orders of magnitude, so with ``log_colour`` the plotted
value is log₁₀(f − f_min + δ) with a tiny δ, and the colour bar is labelled in f itself.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from adadelta.problems import Objective

COLOURSCALE = "Cividis"
"""Perceptually uniform and readable with colour-vision deficiencies."""


class Heights(NamedTuple):
    """The objective on a grid, ready to plot.

    Attributes:
        xs: ``(nx,)`` grid x.
        ys: ``(ny,)`` grid y.
        z: ``(ny, nx)`` plotted values (float32), log-transformed when ``log``.
        log: whether z is log₁₀(f − f_min + δ).
        f_min: the smallest value known (grid or listed minima).
        delta: δ, the offset that keeps the log finite at the minimum.
        title: the colour-bar / z-axis title.
        tickvals: colour-bar ticks in plotted units (empty: Plotly's own).
        ticktext: their labels, in f units.
    """

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    log: bool
    f_min: float
    delta: float
    title: str
    tickvals: list[float]
    ticktext: list[str]

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Maps loss values to plotted units (the same map as ``z``)."""
        values = np.asarray(values, dtype=np.float64)
        if not self.log:
            return values
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log10(np.maximum(values - self.f_min, 0.0) + self.delta)

    def colorbar(self) -> dict:
        """A colour bar titled in words, its ticks labelled in f."""
        bar: dict = {"title": {"text": self.title, "side": "right"}, "thickness": 14}
        if self.tickvals:
            bar.update(tickvals=self.tickvals, ticktext=self.ticktext)
        return bar


def _label(value: float) -> str:
    return f"{value:g}" if 1e-3 <= value < 1e5 else f"1e{round(np.log10(value))}"


@jax.jit
def _values(objective: Objective, x: jax.Array, y: jax.Array) -> jax.Array:
    return objective.value(x, y)


def values_on(
    objective: Objective, *grids: tuple[np.ndarray, np.ndarray]
) -> list[np.ndarray] | np.ndarray:
    """Noise-free f on each grid ``xs × ys``, as float64 ``(ny, nx)``; non-finite values NaN.

    All the grids' points go through one jitted call (compiled once per surface or formula
    and number of points). ``values_on(objective, (xs, ys))`` returns one array.
    """
    meshes = [np.meshgrid(np.float32(xs), np.float32(ys)) for xs, ys in grids]
    x = np.concatenate([gx.ravel() for gx, _ in meshes])
    y = np.concatenate([gy.ravel() for _, gy in meshes])
    f = np.asarray(_values(objective, x, y), np.float64)
    f = np.where(np.isfinite(f), f, np.nan)
    out, start = [], 0
    for gx, _ in meshes:
        out.append(f[start : start + gx.size].reshape(gx.shape))
        start += gx.size
    return out[0] if len(grids) == 1 else out


def axes(objective: Objective, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``size`` x and y coordinates of a grid over the objective's domain."""
    (xmin, xmax), (ymin, ymax) = objective.domain
    return np.linspace(xmin, xmax, size), np.linspace(ymin, ymax, size)


def sample(objective: Objective, size: int = 120) -> Heights:
    """Samples ``objective`` on a ``size × size`` grid over its domain.

    Args:
        objective: the problem; its ``domain``, ``minima`` and ``log_colour`` are used.
        size: grid points per axis.

    Returns:
        The grid and its plotted values; non-finite values become NaN (gaps in the contour).

    Raises:
        ValueError: if f is not finite anywhere on the grid.
    """
    xs, ys = axes(objective, size)
    return heights(objective, xs, ys, values_on(objective, (xs, ys)))


def heights(objective: Objective, xs: np.ndarray, ys: np.ndarray, f: np.ndarray) -> Heights:
    """The plotted values of f on ``xs × ys`` (see ``sample``).

    Raises:
        ValueError: if no value of ``f`` is finite, naming the formula and the domain.
    """
    finite = f[np.isfinite(f)]
    if finite.size == 0:
        (xmin, xmax), (ymin, ymax) = objective.domain
        raise ValueError(
            f"{objective.title} is not finite anywhere on the plotted domain "
            f"x in [{xmin:g}, {xmax:g}], y in [{ymin:g}, {ymax:g}]: every value there is NaN "
            "or infinite (32-bit floats overflow beyond ±3.4e38). Change the formula."
        )
    f_min = min([float(finite.min())] + [m[2] for m in objective.minima])
    f_max = float(finite.max())
    if not objective.log_colour:
        return Heights(xs, ys, f.astype(np.float32), False, f_min, 0.0, "f(x, y)", [], [])

    span = max(f_max - f_min, 1e-12)
    delta = span * 1e-6
    z = np.log10(np.maximum(f - f_min, 0.0) + delta)
    low, high = np.floor(np.nanmin(z)), np.ceil(np.nanmax(z))
    powers = np.arange(low, high + 1)
    if powers.size > 8:
        powers = powers[:: int(np.ceil(powers.size / 8))]
    shifted = "f(x, y)" if f_min == 0 else f"f(x, y) − ({f_min:.4g})"
    return Heights(
        xs,
        ys,
        z.astype(np.float32),
        True,
        f_min,
        delta,
        f"{shifted}, log scale",
        [float(p) for p in powers],
        [_label(10.0**p) for p in powers],
    )
