"""The per-dimension effective learning rate over the steps, on a log axis.

Adadelta's rate is η·√(E[Δx²]ₜ₋₁+ε)/√(E[g²]ₜ+ε) and can grow again when the gradients shrink;
Adagrad's η/√(A₀+Σg²+ε) can only decay. The figure says so when the data show it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adadelta.viz.shared.figure import Figure
from adadelta.viz.shared.runs import Run, divergence_note, num_steps, per_step, run_frames
from adadelta.viz.shared.series import (
    add_divergence,
    add_series,
    finish,
    log_position,
    step_plot,
    valid_rows,
)
from adadelta.viz.shared.style import optimizer_name, styles_for

DIMENSIONS = ("x", "y")

RISE = 1.05
"""A rate counts as rising again once it exceeds its running minimum by this factor."""


def only_decays(rates: np.ndarray) -> bool:
    """Whether every finite rate is ≤ the previous one (up to float32 rounding), per column."""
    for column in np.atleast_2d(rates.T):
        finite = column[np.isfinite(column)]
        if finite.size and np.any(np.diff(finite) > 1e-6 * np.abs(finite[:-1])):
            return False
    return True


def first_recovery(column: np.ndarray) -> int | None:
    """The first row where a rate, having fallen ``RISE``× below an earlier peak, rises
    ``RISE``× above its lowest value since (NaN rows skipped), or None."""
    rows = np.flatnonzero(np.isfinite(column))
    values = np.asarray(column, dtype=np.float64)[rows]
    fell = np.flatnonzero(values < np.maximum.accumulate(values) / RISE)
    if not fell.size:
        return None
    # From the first fall on, the trough is the lowest value so far; a later value rises
    # above RISE times the trough before it.
    after = values[fell[0] :]
    rises = np.flatnonzero(after[1:] > RISE * np.minimum.accumulate(after)[:-1])
    return int(rows[fell[0] + 1 + rises[0]]) if rises.size else None


def first_growth(column: np.ndarray, factor: float = 10.0) -> int | None:
    """The first row where a rate exceeds ``factor`` times its first finite value, or None."""
    finite = np.flatnonzero(np.isfinite(column))
    if finite.size == 0:
        return None
    grown = np.flatnonzero(np.isfinite(column) & (column > factor * column[finite[0]]))
    return int(grown[0]) if grown.size else None


def _hint(run: Run, rates: np.ndarray) -> tuple[str, int, float, int] | None:
    """A sentence the data support, with where to point it: (text, step, value, panel)."""
    name = optimizer_name(run.label)
    finite_rows = np.flatnonzero(np.all(np.isfinite(rates), axis=1))
    if finite_rows.size < 2:
        return None
    if name == "Adagrad" and only_decays(rates):
        row = int(finite_rows[-1])
        return f"{run.label}'s rate only decays", row + 1, float(rates[row, 0]), 0
    if name == "Adadelta":
        found = [(row, dim) for dim in (0, 1) if (row := first_recovery(rates[:, dim])) is not None]
        if found:
            row, dim = min(found)
            text = f"{run.label}'s rate rises again<br>after falling (step {row + 1})"
            return text, row + 1, float(rates[row, dim]), dim
        found = [(row, dim) for dim in (0, 1) if (row := first_growth(rates[:, dim])) is not None]
        if found:
            row, dim = min(found)
            text = f"{run.label}'s rate grows from its cold start<br>(E[Δx²] starts at 0)"
            return text, row + 1, float(rates[row, dim]), dim
    return None


def effective_lr_figure(
    runs: Sequence[Run],
    *,
    frames: np.ndarray | Sequence[int] | None = None,
    height: int = 600,
) -> Figure:
    """Each run's effective learning rate per dimension against the step, log y.

    Row t of ``trace.effective_lr`` (call t+1) is drawn at step t+1; NaN rows (accumulation
    micro-steps) are bridged. A cursor per panel follows the shared frames.

    Args:
        runs: runs with ``effective_lr`` recorded.
        frames: the page's frame steps (default ``frame_steps`` of the runs).
        height: figure height in pixels.

    Returns:
        Two panels, "x dimension" over "y dimension"; frames move only the cursors.
    """
    runs = list(runs)
    steps_shown = run_frames(runs, frames)
    plot = step_plot([f"{d} dimension" for d in DIMENSIONS], log=True)
    hints = []
    for run, style in zip(runs, styles_for([run.label for run in runs])):
        rates = per_step(run.trace.effective_lr)
        rates = rates[: valid_rows(run, len(rates), first_step=1)]
        steps = np.arange(1, len(rates) + 1)
        for dim, axis in enumerate(DIMENSIONS):
            add_series(
                plot,
                steps,
                rates[:, dim],
                panel=dim,
                name=run.label,
                style=style,
                group=run.label,
                showlegend=dim == 0,
                hover_name=f"{run.label} ({axis})",
            )
            add_divergence(plot, run, style, steps, rates[:, dim], dim)
        hint = _hint(run, rates)
        if hint is not None:
            hints.append((hint, style.colour))

    # Each hint's text sits low in the middle of its panel, one row per hint, so that it can
    # neither leave the figure nor cover another hint, however narrow the panel is drawn; its
    # arrow points at the step. (plotly.js places an arrow's tail in axis units, not domain.)
    middle = 0.5 * max(num_steps(run.trace) for run in runs)
    rows_used = [0] * plot.panels
    for (text, step, value, panel), colour in hints:
        low, high = plot.lows[panel], plot.highs[panel]
        if not (value > 0 and 0 < low <= high < np.inf):
            continue
        row, rows_used[panel] = rows_used[panel], rows_used[panel] + 1
        bottom, top = np.log10(low), np.log10(high)
        xref, yref = plot.refs[panel]
        plot.layout.setdefault("annotations", []).append(
            {
                "arrowcolor": colour,
                "arrowhead": 2,
                "ax": middle,
                "axref": xref,
                "ay": float(bottom + (0.14 + 0.24 * row) * (top - bottom)),
                "ayref": yref,
                "bgcolor": "rgba(255,255,255,0.8)",
                "font": {"color": colour, "size": 12},
                "showarrow": True,
                "text": text,
                "x": step,
                "xanchor": "center",
                "xref": xref,
                "y": log_position(plot, value),
                "yanchor": "middle",
                "yref": yref,
            }
        )
    labels = ", ".join(run.label for run in runs)
    title = "Effective learning rate per dimension"
    said = [text.replace("<br>", " ") for (text, *_), _ in hints]
    said += [note for note in (divergence_note(run) for run in runs) if note]
    alt = f"{title}, log scale, for {labels}. " + ". ".join(said)
    return finish(
        plot,
        runs,
        steps_shown,
        title=title,
        y_title="effective lr (log)",
        alt=alt.strip(),
        uirevision="effective-lr",
        height=height,
    )
