"""The small-network trainer's figures: the decision boundary as it learns, and the curves.

Arrays in, ``go.Figure`` out. The page computes the arrays with the helpers of
``network_data`` (re-exported here) and draws them with these builders; the per-parameter
learning-rate figures live in ``network_rates`` and the network graph in ``network_graph``,
also re-exported, so a page imports everything from ``adadelta.viz.network``.

The decision-boundary animation moves heatmaps. Plotly drops heatmaps from the plot when a
``redraw=False`` frame restyles them (plotly/plotly.js#4491), so its frames use
``redraw=True``: each frame re-renders the figure, which is why the frames are few (≤ 60) and
the grids coarse (40 × 40), and why class probabilities travel as whole percents in one byte
per cell (a quarter of float32's JSON).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from adadelta.problems.datasets import Dataset
from adadelta.viz.animation import controls, frame_name
from adadelta.viz.layout import add_notes
from adadelta.viz.network_data import (
    GRID_RESOLUTION,
    MAX_CURVE_POINTS,
    MAX_FRAMES,
    curve_steps,
    decision_grids,
    kernel_values_at,
    last_update_step,
    layer_rate_quantiles,
    layer_sizes,
    log10_kernel_rates,
    network_frames,
    params_at,
    rate_rows,
    training_metrics,
)
from adadelta.viz.network_graph import network_graph_figure
from adadelta.viz.network_layout import assemble, axes_keys, subplot_grid
from adadelta.viz.network_rates import layer_rates_figure, rate_distribution_figure
from adadelta.viz.style import styles_for

__all__ = [
    "GRID_RESOLUTION",
    "MAX_CURVE_POINTS",
    "MAX_FRAMES",
    "curve_steps",
    "decision_boundary_figure",
    "decision_grids",
    "kernel_values_at",
    "last_update_step",
    "layer_rate_quantiles",
    "layer_rates_figure",
    "layer_sizes",
    "log10_kernel_rates",
    "network_frames",
    "network_graph_figure",
    "params_at",
    "rate_distribution_figure",
    "rate_rows",
    "training_curves_figure",
    "training_metrics",
]

FRAME_MS = 150
"""Milliseconds per decision-boundary frame: 60 frames play in 9 s (each one redraws)."""

CLASS_STYLES = {
    0: {"name": "class 0", "colour": "#D55E00", "symbol": "diamond"},  # vermillion
    1: {"name": "class 1", "colour": "#0072B2", "symbol": "circle"},  # blue
}
"""Training points: two colours and two marker shapes (Okabe–Ito, after TF Playground)."""


def _soft_rdbu(white_share: float = 0.35) -> list[list]:
    """RdBu lightened towards white, so the class markers stay visible on either side."""
    scale = plotly.colors.diverging.RdBu
    stops = []
    for i, colour in enumerate(scale):
        r, g, b = plotly.colors.unlabel_rgb(colour)
        r, g, b = (c + (255.0 - c) * white_share for c in (r, g, b))
        stops.append([i / (len(scale) - 1), f"rgb({r:.0f},{g:.0f},{b:.0f})"])
    return stops


PROBABILITY_SCALE = _soft_rdbu()
"""Diverging, colour-blind safe: red towards class 0, white at 0.5, blue towards class 1."""


def _grid_axes(bounds, nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    (xmin, xmax), (ymin, ymax) = bounds
    return np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny)


def _as_percent(grids: np.ndarray) -> np.ndarray:
    """Probabilities as whole percents, uint8 when all finite (else float32 with NaN gaps)."""
    percent = np.asarray(grids, dtype=np.float64) * 100.0
    if np.all(np.isfinite(percent)):
        return np.rint(np.clip(percent, 0.0, 100.0)).astype(np.uint8)
    return np.round(percent, 1).astype(np.float32)


def _first_nonfinite_frame(grids: np.ndarray, frames: np.ndarray) -> int | None:
    bad = ~np.all(np.isfinite(grids.reshape(len(grids), -1)), axis=1)
    hits = np.flatnonzero(bad)
    return int(frames[hits[0]]) if hits.size else None


def _point_traces(
    dataset: Dataset, classification: bool, zrange: tuple[float, float], show_test: bool
) -> list[dict]:
    """The data points: two classes (colour and shape), train filled and test hollow."""
    sets = [("train", dataset.x_train, dataset.y_train, False)]
    if show_test:
        sets.append(("test", dataset.x_test, dataset.y_test, True))
    traces = []
    for split, x, y, hollow in sets:
        x = np.asarray(x, np.float32)
        y = np.asarray(y, np.float32)
        if classification:
            for label, style in CLASS_STYLES.items():
                mask = (y > 0.5) == bool(label)
                traces.append(
                    {
                        "type": "scatter",
                        "x": x[mask, 0],
                        "y": x[mask, 1],
                        "mode": "markers",
                        "name": f"{style['name']} ({split})",
                        "legendgroup": f"{split}-{label}",
                        "marker": {
                            "symbol": style["symbol"] + ("-open" if hollow else ""),
                            "size": 6 if hollow else 7,
                            "color": style["colour"],
                            "line": {"width": 1.5 if hollow else 1, "color": "white"},
                        },
                        "hovertemplate": (
                            f"{style['name']}, {split}<br>x₁=%{{x:.2f}}, x₂=%{{y:.2f}}"
                            "<extra></extra>"
                        ),
                    }
                )
        else:
            traces.append(
                {
                    "type": "scatter",
                    "x": x[:, 0],
                    "y": x[:, 1],
                    "mode": "markers",
                    "name": f"{split} points",
                    "legendgroup": split,
                    "marker": {
                        "symbol": "circle-open" if hollow else "circle",
                        "size": 6,
                        "color": y,
                        "colorscale": PROBABILITY_SCALE,
                        "cmin": zrange[0],
                        "cmax": zrange[1],
                        "line": {"width": 1, "color": "#222"},
                    },
                    "hovertemplate": (
                        f"{split}: target %{{marker.color:.2f}}<br>"
                        "x₁=%{x:.2f}, x₂=%{y:.2f}<extra></extra>"
                    ),
                }
            )
    return traces


def decision_boundary_figure(
    panels: Sequence[tuple[str, np.ndarray]],
    dataset: Dataset,
    frames: np.ndarray | Sequence[int],
    *,
    show_test: bool = True,
    height: int = 520,
) -> go.Figure:
    """The network's output over the input plane, one panel per optimizer, animated together.

    Args:
        panels: ``(label, grids)`` per optimizer, grids ``(n_frames, ny, nx)`` of the output at
            the frame steps over ``dataset.bounds`` (see ``decision_grids``): P(class 1) for
            classification, the predicted value for regression.
        dataset: the data drawn on top (training points filled, test points hollow).
        frames: the step of each grid row, e.g. ``network_frames(T)``.
        show_test: also draw the test points (hollow markers).
        height: figure height in pixels.

    Returns:
        One heatmap per panel (fixed colour range, one colour bar), the points on top, and one
        frame per step (named ``str(step)``) that updates only the heatmaps; one slider and
        play/pause drive all panels.
    """
    frames = np.asarray(frames, dtype=np.int64)
    panels = [(str(label), np.asarray(grids)) for label, grids in panels]
    if not panels:
        raise ValueError("decision_boundary_figure needs at least one panel.")
    for label, grids in panels:
        if grids.ndim != 3 or grids.shape[0] != frames.size:
            raise ValueError(
                f"panel {label!r}: grids must be (n_frames={frames.size}, ny, nx), "
                f"got {grids.shape}"
            )
    classification = dataset.task == "classification"
    _, ny, nx = panels[0][1].shape
    xs, ys = _grid_axes(dataset.bounds, nx, ny)

    if classification:
        zrange = (0.0, 100.0)
        colorbar = {
            "title": {"text": "P(class 1)"},
            "tickvals": [0, 25, 50, 75, 100],
            "ticktext": ["0", "0.25", "0.5", "0.75", "1"],
            "len": 0.8,
        }
        z_hover = "P(class 1) = %{z}%"
        values = [(label, _as_percent(grids)) for label, grids in panels]
    else:
        targets = np.concatenate([dataset.y_train, dataset.y_test]).astype(np.float64)
        reach = float(np.max(np.abs(targets[np.isfinite(targets)]), initial=1e-6))
        zrange = (-reach, reach)
        colorbar = {"title": {"text": "prediction"}, "len": 0.8}
        z_hover = "prediction = %{z:.3f}"
        values = [(label, np.asarray(grids, np.float32)) for label, grids in panels]

    labels = [label for label, _ in panels]
    layout, refs = subplot_grid(
        1, len(panels), labels, horizontal_spacing=0.03, shared_x=True, shared_y=True
    )
    points = _point_traces(dataset, classification, zrange, show_test)
    data, heatmaps = [], []
    for col, ((label, z), (xref, yref)) in enumerate(zip(values, refs)):
        heatmaps.append(len(data))
        data.append(
            {
                "type": "heatmap",
                "x": xs,
                "y": ys,
                "z": z[0],
                "zmin": zrange[0],
                "zmax": zrange[1],
                "colorscale": PROBABILITY_SCALE,
                "zsmooth": "best",
                "showscale": col == 0,
                "colorbar": colorbar,
                "name": label,
                "hovertemplate": (
                    f"x₁=%{{x:.2f}}, x₂=%{{y:.2f}}<br>{z_hover}<extra>{label}</extra>"
                ),
                "xaxis": xref,
                "yaxis": yref,
            }
        )
        for trace in points:
            data.append({**trace, "showlegend": col == 0, "xaxis": xref, "yaxis": yref})

    (xmin, xmax), (ymin, ymax) = dataset.bounds
    for key in axes_keys(layout, "xaxis"):
        layout[key].update(range=[xmin, xmax], title={"text": "x₁ (first input)"})
    for key in axes_keys(layout, "yaxis"):
        layout[key].update(range=[ymin, ymax])
    layout["yaxis"]["title"] = {"text": "x₂ (second input)"}
    layout.update(
        controls(frames, slider_y=-0.14, frame_ms=FRAME_MS, redraw=True, speeds=()),
        legend={"orientation": "h", "x": 0.0, "y": 1.1, "yanchor": "bottom"},
        margin={"t": 110, "b": 120},
    )
    frame_list = [
        {
            "name": frame_name(step),
            "data": [{"type": "heatmap", "z": z[i]} for _, z in values],
            "traces": heatmaps,
        }
        for i, step in enumerate(frames)
    ]

    notes = []
    for label, grids in panels:
        bad = _first_nonfinite_frame(grids, frames)
        if bad is not None:
            notes.append(f"{label}: the output is not finite from step {bad} (diverged)")
    what = "P(class 1)" if classification else "the predicted value"
    title = "Decision boundary as the network learns" if classification else "Prediction surface"
    alt = (
        f"{title}: {what} over the input plane for {', '.join(labels)}, side by side, "
        f"animated over {frames.size} steps from 0 to {int(frames[-1])}, with the "
        f"{dataset.name} points on top. " + ". ".join(notes)
    )
    fig = assemble(
        data,
        layout,
        title=title,
        alt=alt,
        uirevision="decision",
        height=height,
        frames=frame_list,
    )
    add_notes(fig, notes)
    return fig


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
                "x": steps,
                "y": y,
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
) -> go.Figure:
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
    fig = assemble(
        data,
        layout,
        title="How well the network fits",
        alt=alt,
        uirevision="curves",
        height=height,
    )
    add_notes(fig, notes)
    return fig
