"""The optimizers' running sums and averages per dimension: what sets each step's size.

Adadelta keeps E[g²] and E[Δx²]; Adagrad keeps A₀ + Σg²; RMSprop and Adam keep a running
E[g²] (Adam's second moment v). Signed state (momentum, Adam's m) cannot go on a log axis and is
left out; SGD keeps no squared-gradient state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adadelta.optim import AdadeltaSlots, AdagradSlots, AdamSlots, RMSpropSlots
from adadelta.viz.shared.figure import Figure
from adadelta.viz.shared.runs import Run, divergence_note, per_step, run_frames
from adadelta.viz.shared.series import add_divergence, add_series, finish, step_plot, valid_rows
from adadelta.viz.shared.style import styles_for

DIMENSIONS = ("x", "y")

SLOTS: dict[type, tuple[tuple[str, str, str], ...]] = {
    AdadeltaSlots: (("avg_sq_grad", "E[g²]", "solid"), ("avg_sq_update", "E[Δx²]", "dot")),
    AdagradSlots: (("accumulator", "A₀ + Σg²", "solid"),),
    RMSpropSlots: (("velocity", "E[g²]", "solid"),),
    AdamSlots: (("velocity", "v (E[g²], not bias-corrected)", "solid"),),
}
"""Per slots type: (field, symbol shown, dash). Runs differ by colour and marker; the dash
tells the quantity apart."""


def accumulators_figure(
    runs: Sequence[Run],
    *,
    frames: np.ndarray | Sequence[int] | None = None,
    height: int = 600,
) -> Figure:
    """The accumulators of each run per dimension against the step, log y, synced cursor.

    Row t of a slot (the state after call t+1) is drawn at step t+1.

    Args:
        runs: runs with ``slots`` recorded.
        frames: the page's frame steps (default ``frame_steps`` of the runs).
        height: figure height in pixels.
    """
    runs = list(runs)
    steps_shown = run_frames(runs, frames)
    plot = step_plot([f"{d} dimension" for d in DIMENSIONS], log=True)
    without = []
    for run, style in zip(runs, styles_for([run.label for run in runs])):
        fields = SLOTS.get(type(run.trace.slots), ())
        if not fields:
            without.append(run.label)
        for field, symbol, dash in fields:
            values = per_step(getattr(run.trace.slots, field))
            values = values[: valid_rows(run, len(values), first_step=1)]
            steps = np.arange(1, len(values) + 1)
            for dim, axis in enumerate(DIMENSIONS):
                name = f"{run.label} {symbol}"
                add_series(
                    plot,
                    steps,
                    values[:, dim],
                    panel=dim,
                    name=name,
                    style=style,
                    dash=dash,
                    group=name,
                    showlegend=dim == 0,
                    hover_name=f"{name} ({axis})",
                )
                add_divergence(plot, run, style, steps, values[:, dim], dim)
    notes = [f"{', '.join(without)}: no squared-gradient state to show"] if without else []
    title = "What the optimizers accumulate, per dimension"
    described = [
        f"{run.label} {s}" for run in runs for _, s, _ in SLOTS.get(type(run.trace.slots), ())
    ]
    said = [note for note in (divergence_note(run) for run in runs) if note]
    alt = f"{title}, log scale: {', '.join(described) or 'nothing'}. " + ". ".join(said + notes)
    return finish(
        plot,
        runs,
        steps_shown,
        title=title,
        y_title="value (log)",
        alt=alt.strip(),
        uirevision="accumulators",
        height=height,
        notes=notes,
    )
