"""The decision boundary as the network learns: its output over the input plane, animated.

The animation moves heatmaps. Plotly drops heatmaps from the plot when a ``redraw=False``
frame restyles them (plotly/plotly.js#4491), so its frames use ``redraw=True``: each frame
re-renders the figure, which is why the frames are few (≤ 60) and the grids coarse (40 × 40),
and why class probabilities travel as whole percents in one byte per cell (a quarter of
float32's JSON).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.colors

from adadelta.problems.datasets import Dataset
from adadelta.viz.shared.animation import controls, frame_name
from adadelta.viz.shared.figure import Figure, add_notes, figure, typed
from adadelta.viz.shared.subplots import axes_keys, subplot_grid

MAX_FRAMES = 60
"""Decision-boundary frames: each one redraws every heatmap, so they are kept few."""

GRID_RESOLUTION = 40
"""Cells per axis of the decision-boundary heatmaps (40 × 40 keeps the frames small)."""

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
                        "x": typed(x[mask, 0]),
                        "y": typed(x[mask, 1]),
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
                    "x": typed(x[:, 0]),
                    "y": typed(x[:, 1]),
                    "mode": "markers",
                    "name": f"{split} points",
                    "legendgroup": split,
                    "marker": {
                        "symbol": "circle-open" if hollow else "circle",
                        "size": 6,
                        "color": typed(y),
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
) -> Figure:
    """The network's output over the input plane, one panel per optimizer, animated together.

    Args:
        panels: ``(label, grids)`` per optimizer, grids ``(n_frames, ny, nx)`` of the output at
            the frame steps over ``dataset.bounds`` (see ``decision_grids``): P(class 1) for
            classification, the predicted value for regression.
        dataset: the data drawn on top (training points filled, test points hollow).
        frames: the step of each grid row, e.g. ``frame_steps(T, max_frames=MAX_FRAMES)``.
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
                "x": typed(xs, np.float64),
                "y": typed(ys, np.float64),
                "z": typed(z[0], z.dtype),
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
            "data": [{"type": "heatmap", "z": typed(z[i], z.dtype)} for _, z in values],
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
    fig = figure(
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
