"""The loss at every step, on a log axis (shifted when the loss can be zero or negative)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adadelta.viz.shared.figure import Figure
from adadelta.viz.shared.runs import Run, end_summary, run_frames
from adadelta.viz.shared.series import add_divergence, add_series, finish, step_plot, valid_rows
from adadelta.viz.shared.style import styles_for


def loss_figure(
    runs: Sequence[Run],
    *,
    frames: np.ndarray | Sequence[int] | None = None,
    height: int = 420,
) -> Figure:
    """Each run's loss against the step, log y, with the synced step cursor.

    When some finite loss is ≤ 0 (e.g. Styblinski–Tang), the plotted value is
    loss − min + δ (δ a millionth of the loss range) and the axis title says so.

    Args:
        runs: runs with ``loss`` recorded (row t at step t).
        frames: the page's frame steps (default ``frame_steps`` of the runs).
        height: figure height in pixels.
    """
    runs = list(runs)
    steps_shown = run_frames(runs, frames)
    losses = []
    for run in runs:
        loss = np.asarray(run.trace.loss, dtype=np.float64)
        losses.append(loss[: valid_rows(run, len(loss), first_step=0)])
    finite = np.concatenate([loss[np.isfinite(loss)] for loss in losses] or [np.ones(1)])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (1.0, 1.0)
    shift, y_title = 0.0, "loss f(x, y) (log)"
    if low <= 0:
        delta = max(1e-6 * (high - low), 1e-12)
        shift = delta - low
        y_title = f"loss − ({low:.4g}) + {delta:.1g}  (shifted to be positive, log)"

    plot = step_plot(None, log=True)
    for run, loss, style in zip(runs, losses, styles_for([run.label for run in runs])):
        steps = np.arange(len(loss))
        add_series(plot, steps, loss + shift, panel=0, name=run.label, style=style)
        add_divergence(plot, run, style, steps, loss + shift, 0)
    title = "Loss over the steps"
    labels = ", ".join(run.label for run in runs)
    alt = f"{title}, log scale, for {labels}. " + " ".join(end_summary(run) for run in runs)
    return finish(
        plot,
        runs,
        steps_shown,
        title=title,
        y_title=y_title,
        alt=alt,
        uirevision="loss",
        height=height,
    )
