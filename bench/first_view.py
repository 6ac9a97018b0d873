"""The search behind the explorer's first view: where does the page's lesson show?

The explorer's lesson is that Adagrad's per-dimension rate η/√(A₀ + Σg²) can only shrink, while
Adadelta's √(E[Δx²]+ε)/√(E[g²]+ε) forgets old gradients and grows again. This script runs the
engine over every surface (a few shapes each), its curated start and a grid of starts, with the
page's own optimizer defaults (Adadelta with the paper's ρ, ε and η; Adagrad as the page sets
it), and prints, per candidate, the numbers that decide whether a newcomer can see that lesson.

Run it with ``python -m bench.first_view`` (a few minutes on one core). It is not a test: it
informs a choice that lives in the control table (``adadelta.ui.controls``), and the claim the
chosen view makes is checked by ``tests/test_first_view.py``.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np

from adadelta import engine
from adadelta.problems import SURFACES, Objective
from adadelta.ui import build, controls, pagestate

NUM_STEPS = controls.PROBLEM["num_steps"].default
GRID = 9
"""Starts per axis of the grid of starts (inside the surface's plot domain)."""

SHAPES: dict[str, tuple[dict[str, float], ...]] = {
    "quadratic": ({"kappa": 100.0}, {"kappa": 100.0, "theta": 30.0}),
    "rosenbrock": ({"b": 10.0}, {"b": 1000.0}),
    "plateau": ({"width": 0.5},),
}
"""Shapes tried besides each surface's defaults."""


def page_optimizers(values: dict | None = None):
    """Adadelta and Adagrad exactly as the explorer builds them by default (plus ``values``)."""
    values = {**(values or {}), controls.PROBLEM["compare"].key: ["Adagrad"]}
    specs = pagestate.surface_run(values).optimizers
    return specs, [build.optimizer(spec) for spec in specs]


def starts_of(key: str) -> np.ndarray:
    """The surface's curated start, then a grid over the inner 80 % of its domain."""
    (x0, x1), (y0, y1) = SURFACES[key].domain
    inset = lambda lo, hi: np.linspace(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo), GRID)  # noqa: E731
    grid = [(x, y) for x, y in itertools.product(inset(x0, x1), inset(y0, y1))]
    return np.asarray([SURFACES[key].start, *grid], np.float32)


def measures(objective: Objective, starts: np.ndarray, optimizers) -> list[dict[str, float]]:
    """Per start: each optimizer's loss gap and the facts about its per-dimension rates."""
    adadelta, adagrad = engine.sweep(
        objective,
        starts,
        optimizers,
        NUM_STEPS,
        record=("params", "loss", "effective_lr"),
        batched_params=True,
        batched_optimizers=False,
    )
    f_min = min(f for _, _, f in objective.minima)
    (x0, x1), (y0, y1) = objective.domain

    def inside(path: np.ndarray) -> bool:
        return bool(np.all((path[:, 0] >= x0) & (path[:, 0] <= x1))) and bool(
            np.all((path[:, 1] >= y0) & (path[:, 1] <= y1))
        )

    rows = []
    for i in range(len(starts)):
        lr_d, lr_g = adadelta.effective_lr[i], adagrad.effective_lr[i]  # [T, 2]
        loss_d, loss_g = adadelta.loss[i], adagrad.loss[i]
        bad = adadelta.diverged_at[i] >= 0 or adagrad.diverged_at[i] >= 0
        half = NUM_STEPS // 2
        rows.append(
            {
                "gap_adadelta": float(loss_d[-1] - f_min),
                "gap_adagrad": float(loss_g[-1] - f_min),
                # Adagrad's rate at the end as a fraction of its first: the smaller dimension's.
                "adagrad_end_over_start": float(np.min(lr_g[-1] / lr_g[0])),
                # Adadelta's rate at the end over its lowest after the start: the smaller
                # dimension's (1 means it never grew back).
                "adadelta_end_over_min": float(np.min(lr_d[-1] / lr_d[10:].min(axis=0))),
                "adadelta_end_over_adagrad_end": float(np.min(lr_d[-1] / lr_g[-1])),
                # Share of Adagrad's total loss decrease made in the second half of the run.
                "adagrad_late_progress": float(
                    (loss_g[half] - loss_g[-1]) / max(loss_g[0] - loss_g[-1], 1e-30)
                ),
                # Adagrad's loss decrease over the last 500 steps: > 0 means it still crawls
                # (a stall on a slope), 0 that it sits in a minimum.
                "adagrad_last_500": float(loss_g[-501] - loss_g[-1]),
                "inside": float(inside(adadelta.params[i]) and inside(adagrad.params[i])),
                "diverged": float(bad),
            }
        )
    return rows


def lesson_visible(row: dict[str, float]) -> bool:
    """The page's lesson, as a newcomer would read it off the default view."""
    return (
        not row["diverged"]
        and row["gap_adagrad"] > 2 * row["gap_adadelta"] + 0.01
        and row["adagrad_end_over_start"] < 0.1
        and row["adadelta_end_over_min"] > 10.0
    )


def main() -> None:
    specs, optimizers = page_optimizers()
    print("Adadelta:", dict(specs[0].rule), dict(specs[0].learning_rate[1]))
    print("Adagrad: ", dict(specs[1].rule), dict(specs[1].learning_rate[1]))
    print(f"{NUM_STEPS} steps; curated start first, then a {GRID}x{GRID} grid of starts\n")
    header = (
        "surface", "shape", "start", "gap Adadelta", "gap Adagrad", "Adagrad end/start",
        "Adadelta end/min", "Adadelta/Adagrad end", "Adagrad late", "Adagrad last 500",
        "inside", "lesson",
    )  # fmt: skip
    print(" | ".join(header))
    visible = []
    for key, surface in SURFACES.items():
        if not surface.minima:
            continue  # Unbounded below: no loss gap to compare.
        for shape in ({}, *SHAPES.get(key, ())):
            objective = Objective.from_surface(key, **shape)
            starts = starts_of(key)
            rows = measures(objective, starts, optimizers)
            hits = [i for i, row in enumerate(rows) if lesson_visible(row)]
            # The curated start, then the hits where Adagrad is left furthest behind.
            best = sorted(hits, key=lambda i: -rows[i]["gap_adagrad"] + rows[i]["gap_adadelta"])
            shown = [0, *[i for i in best if i][:4]]
            for i in shown:
                row = rows[i]
                start = "curated" if i == 0 else f"({starts[i][0]:.2f}, {starts[i][1]:.2f})"
                print(
                    f"{key} | {shape or '-'} | {start} | {row['gap_adadelta']:.3g} | "
                    f"{row['gap_adagrad']:.3g} | {row['adagrad_end_over_start']:.3g} | "
                    f"{row['adadelta_end_over_min']:.3g} | "
                    f"{row['adadelta_end_over_adagrad_end']:.3g} | "
                    f"{row['adagrad_late_progress']:.2f} | {row['adagrad_last_500']:.3g} | "
                    f"{'yes' if row['inside'] else 'no'} | {'yes' if i in hits else 'no'}"
                )
            print(f"{key} | {shape or '-'} | lesson visible from {len(hits)}/{len(rows)} starts")
            if 0 in hits:
                visible.append((key, shape))
            sys.stdout.flush()
    print("\nCurated starts where the lesson is visible:", visible)


if __name__ == "__main__":
    main()
