"""How well the network fits: training and test loss (log y) and accuracy against the step."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from adadelta.viz.shared.figure import Figure, add_notes, figure, steps_array, typed
from adadelta.viz.shared.style import styles_for
from adadelta.viz.shared.subplots import axes_keys, subplot_grid


def _metric_series(
    label: str, style, steps: np.ndarray, values: Mapping[str, np.ndarray], key: str, refs, show
) -> list[dict]:
    traces = []
    for split in ("train", "test"):
        y = np.asarray(values[f"{split}_{key}"], np.float64)
        if not np.any(np.isfinite(y)):
            continue
        test = split == "test"
        number = "%{y:.4g}" if key == "loss" else "%{y:.1%}"
        traces.append(
            {
                "type": "scatter",
                "x": steps_array(steps),
                "y": typed(y, np.float64),
                "mode": "lines+markers" if test else "lines",
                "name": f"{label} ({split})",
                "legendgroup": f"{label}-{split}",
                "showlegend": show,
                "line": {"color": style.colour, "dash": style.dash, "width": 1.5 if test else 2.5},
                "opacity": 0.75 if test else 1.0,
                "marker": {
                    "symbol": f"{style.symbol}-open",
                    "size": 7,
                    "color": style.colour,
                    "maxdisplayed": 12,
                },
                "hovertemplate": f"{label}, {split}<br>step %{{x}}: {number}<extra></extra>",
                "xaxis": refs[0],
                "yaxis": refs[1],
            }
        )
    return traces


# A loss this many times above the highest starting loss is off the top of the loss chart.
LOSS_CEILING_FACTOR = 10.0


def _loss_axis(runs_metrics: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[list, list[str]]:
    """A log-axis range that keeps a diverging run from flattening the others, and notes.

    The axis stops at ``LOSS_CEILING_FACTOR`` times the highest starting loss when some run
    climbs above that (otherwise the range is ``[]``: Plotly's own). Each run that leaves the
    top of the chart, or whose loss stops being finite, is named in a note with the step.
    """
    starts, lows = [], []
    for metrics in runs_metrics.values():
        for split in ("train", "test"):
            y = np.asarray(metrics[f"{split}_loss"], np.float64)
            good = y[np.isfinite(y) & (y > 0)]
            if good.size:
                lows.append(good.min())
            if y.size and np.isfinite(y[0]) and y[0] > 0:
                starts.append(y[0])
    ceiling = LOSS_CEILING_FACTOR * max(starts) if starts else np.inf
    notes, capped = [], False
    for label, metrics in runs_metrics.items():
        steps = np.asarray(metrics["step"])
        y = np.stack([np.asarray(metrics[f"{s}_loss"], np.float64) for s in ("train", "test")])
        above = np.flatnonzero(np.any(np.isfinite(y) & (y > ceiling), axis=0))
        if above.size:
            capped = True
            notes.append(
                f"{label}: the loss leaves the top of the chart at step {int(steps[above[0]])} "
                f"(above {ceiling:.3g}, {LOSS_CEILING_FACTOR:g}× the highest starting loss)"
            )
        # A run with no finite loss at all (e.g. regression without one) has nothing to flag.
        broken = np.flatnonzero(np.any(~np.isfinite(y), axis=0))
        if broken.size and np.any(np.isfinite(y)):
            notes.append(f"{label}: the loss is not finite from step {int(steps[broken[0]])}")
    if not capped:
        return [], notes
    low, high = np.log10(min(lows)), np.log10(ceiling)
    return [low - 0.05 * (high - low), high], notes


def training_curves_figure(
    runs_metrics: Mapping[str, Mapping[str, np.ndarray]],
    *,
    loss_name: str = "loss",
    height: int = 420,
) -> Figure:
    """Training and test loss (log y) and accuracy against the step, per optimizer.

    Args:
        runs_metrics: label -> ``{"step", "train_loss", "test_loss", "train_acc", "test_acc"}``
            arrays of one length (see ``training_metrics``); when every accuracy is NaN
            (regression) the accuracy panel is left out.
        loss_name: what the loss is, for the axis title (e.g. ``"cross-entropy"``).
        height: figure height in pixels.

    Returns:
        Loss (log scale) and accuracy panels; each optimizer keeps its colour, dash and marker;
        training curves are thick lines, test curves thin lines with hollow markers.
    """
    labels = [str(label) for label in runs_metrics]
    has_acc = any(
        np.any(np.isfinite(np.asarray(m[k], np.float64)))
        for m in runs_metrics.values()
        for k in ("train_acc", "test_acc")
    )
    cols = 2 if has_acc else 1
    titles = ["Loss (log scale)", "Accuracy"][:cols]
    layout, refs = subplot_grid(1, cols, titles, horizontal_spacing=0.1, shared_x=True)
    data = []
    for label, metrics, style in zip(labels, runs_metrics.values(), styles_for(labels)):
        steps = np.asarray(metrics["step"])
        data += _metric_series(label, style, steps, metrics, "loss", refs[0], True)
        if has_acc:
            data += _metric_series(label, style, steps, metrics, "acc", refs[1], False)
    for key in axes_keys(layout, "xaxis"):
        layout[key].update(title={"text": "step (optimizer updates)"}, showticklabels=True)
    layout["yaxis"].update(type="log", title={"text": f"{loss_name} (log scale)"})
    loss_range, notes = _loss_axis(runs_metrics)
    if loss_range:
        layout["yaxis"].update(range=loss_range)
    if has_acc:
        layout["yaxis2"].update(
            range=[0.0, 1.02], tickformat=".0%", title={"text": "share classified right"}
        )
    layout["legend"] = {"orientation": "h", "y": -0.22, "x": 0.0}
    alt = (
        f"Training and test {loss_name} on a log scale"
        + (" and accuracy" if has_acc else "")
        + f" against the step for {', '.join(labels)}; thick lines are the training set, "
        "thin lines with hollow markers the test set."
    )
    fig = figure(
        data,
        layout,
        title="How well the network fits",
        alt=alt,
        uirevision="curves",
        height=height,
    )
    add_notes(fig, notes)
    return fig
