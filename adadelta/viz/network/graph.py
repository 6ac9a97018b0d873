"""The network drawn as a graph: neurons in columns, each weight an edge coloured by a value.

The page colours the edges by each weight's effective learning rate (log10, a sequential scale)
or by the weight itself (a diverging scale centred on 0), at the step it shows. TensorFlow
Playground draws the weights; here the optimizer's per-weight state is the point.

A 2-32-32-32-32-1 network has over 3 000 edges, so edges are grouped by colour into a few bins,
each one ``Scatter`` trace whose segments are separated by NaN gaps: the figure stays a
handful of traces whatever the size.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np
import plotly.colors

from adadelta.viz.shared.figure import Figure, add_notes, figure, typed
from adadelta.viz.shared.ticks import log_ticks

EDGE_BINS = 16

RATE_SCALE = plotly.colors.make_colorscale(
    plotly.colors.sample_colorscale("Viridis", list(np.linspace(0.0, 0.85, 8)))
)
"""Viridis without its palest yellows, which vanish as thin lines on white."""
NONFINITE_COLOUR = "#999999"


def neuron_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """The y of each neuron per column, centred on 0, unit spacing, first unit on top."""
    return [(n - 1) / 2.0 - np.arange(n, dtype=np.float64) for n in sizes]


def _colourscale(colorscale: str | list) -> list:
    if isinstance(colorscale, str):
        return plotly.colors.get_colorscale(colorscale)
    return colorscale


@functools.lru_cache(maxsize=16)
def _bin_colours(scale: tuple, bins: int) -> list[str]:
    """The colour at the middle of each of ``bins`` bins (Plotly validates the scale every
    call: a few milliseconds per graph, for the same two scales every time)."""
    return plotly.colors.sample_colorscale(
        [list(stop) for stop in scale], list((np.arange(bins) + 0.5) / bins)
    )


def value_range(
    values_per_layer: Sequence[np.ndarray], symmetric: bool = False
) -> tuple[float, float]:
    """The finite min and max over all layers (``±max|v|`` when ``symmetric``)."""
    finite = [np.asarray(v, np.float64) for v in values_per_layer]
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in finite])
    if finite.size == 0:
        return (-1.0, 1.0) if symmetric else (0.0, 1.0)
    if symmetric:
        reach = float(np.max(np.abs(finite))) or 1.0
        return -reach, reach
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    return low, high


def _column_names(count: int) -> list[str]:
    return ["input", *[f"hidden {i}" for i in range(1, count - 1)], "output"]


def _unit_names(sizes: Sequence[int]) -> list[list[str]]:
    names = [[f"input x<sub>{i + 1}</sub>" for i in range(sizes[0])]]
    for layer, n in enumerate(sizes[1:-1], start=1):
        names.append([f"hidden layer {layer}, unit {i + 1}" for i in range(n)])
    names.append(["output" if sizes[-1] == 1 else f"output {i + 1}" for i in range(sizes[-1])])
    return names


def _edges(sizes: Sequence[int], ys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Every edge's ``(x0, x1, NaN)`` and ``(y0, y1, NaN)``, layer by layer, row-major."""
    xs, yss = [], []
    for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        y0 = np.repeat(ys[layer], fan_out)
        y1 = np.tile(ys[layer + 1], fan_in)
        nan = np.full(fan_in * fan_out, np.nan)
        xs.append(np.stack([np.full_like(y0, layer), np.full_like(y0, layer + 1), nan], 1))
        yss.append(np.stack([y0, y1, nan], 1))
    return np.concatenate(xs).astype(np.float32), np.concatenate(yss).astype(np.float32)


def network_graph_figure(
    sizes: Sequence[int],
    values_per_layer: Sequence[np.ndarray],
    title: str,
    colour_label: str,
    *,
    colorscale: str | list = RATE_SCALE,
    symmetric: bool = False,
    vrange: tuple[float, float] | None = None,
    log10_ticks: bool = False,
    bins: int = EDGE_BINS,
    height: int | None = None,
) -> Figure:
    """The network as a graph with each weight's edge coloured by its value.

    Args:
        sizes: layer sizes ``(in, hidden..., out)``.
        values_per_layer: one ``(sizes[i], sizes[i+1])`` array per layer (kernel layout): e.g.
            ``log10`` effective learning rates, or the weights.
        title: the figure title.
        colour_label: the colour bar's title.
        colorscale: a Plotly scale name or list: sequential for rates (default
            :data:`RATE_SCALE`, Viridis), diverging (``"RdBu"``) with ``symmetric=True`` for
            weights.
        symmetric: centre the colour range on 0 (``±max|value|``).
        vrange: a fixed ``(low, high)`` colour range (keep it across steps so colours compare);
            values outside take the end colours.
        log10_ticks: the values are log10; label the colour bar ``10^k``.
        bins: colour bins, one edge trace each.
        height: figure height in pixels (default grows with the widest layer).

    Returns:
        Up to ``bins`` edge traces (plus one grey dotted trace for non-finite values), the
        neurons as circles, and a colour bar.
    """
    sizes = [int(n) for n in sizes]
    values = [np.asarray(v, np.float64) for v in values_per_layer]
    expected = list(itertools.pairwise(sizes))
    if [v.shape for v in values] != expected:
        raise ValueError(
            f"values_per_layer must have shapes {expected}, got {[v.shape for v in values]}"
        )
    low, high = vrange if vrange is not None else value_range(values, symmetric)
    scale = _colourscale(colorscale)
    ys = neuron_positions(sizes)
    edge_x, edge_y = _edges(sizes, ys)
    flat = np.concatenate([v.ravel() for v in values])
    finite = np.isfinite(flat)
    span = max(high - low, 1e-12)
    which = np.clip(np.floor((np.where(finite, flat, low) - low) / span * bins), 0, bins - 1)
    which = np.where(finite, which, -1).astype(np.int64)

    widest = max(sizes)
    width = 2.2 if widest <= 8 else 1.4 if widest <= 16 else 0.9
    colours = _bin_colours(tuple(tuple(stop) for stop in scale), bins)
    data = []
    for b in [*range(bins), -1]:
        mask = which == b
        if not mask.any():
            continue
        data.append(
            {
                "type": "scatter",
                "x": typed(edge_x[mask].ravel(), edge_x.dtype),
                "y": typed(edge_y[mask].ravel(), edge_y.dtype),
                "mode": "lines",
                "line": {
                    "color": NONFINITE_COLOUR if b < 0 else colours[b],
                    "width": width,
                    "dash": "dot" if b < 0 else "solid",
                },
                "name": "not finite" if b < 0 else f"bin {b + 1}",
                "meta": {"edges": int(mask.sum()), "bin": int(b)},
                "hoverinfo": "skip",
                "showlegend": b < 0,
            }
        )

    colorbar = {"title": {"text": colour_label}, "len": 0.85}
    if log10_ticks:
        ticks, texts = log_ticks(low, high)
        colorbar.update(tickvals=ticks, ticktext=texts)
    data.append(
        {
            "type": "scatter",
            "x": [0.0],
            "y": [0.0],
            "mode": "markers",
            "marker": {
                "size": 0.1,
                "opacity": 0.0,
                "color": [low],
                "cmin": low,
                "cmax": high,
                "colorscale": scale,
                "showscale": True,
                "colorbar": colorbar,
            },
            "hoverinfo": "skip",
            "showlegend": False,
            "name": "colour bar",
        }
    )

    names = _unit_names(sizes)
    data.append(
        {
            "type": "scatter",
            "x": typed(np.concatenate([np.full(n, i, np.float32) for i, n in enumerate(sizes)])),
            "y": typed(np.concatenate(ys)),
            "mode": "markers",
            "marker": {
                "size": float(np.clip(220.0 / widest, 7.0, 22.0)),
                "color": "white",
                "symbol": "circle",
                "line": {"color": "#333", "width": 1.5},
            },
            "text": [name for column in names for name in column],
            "hovertemplate": "%{text}<extra></extra>",
            "showlegend": False,
            "name": "neurons",
        }
    )
    top = (widest - 1) / 2.0 + 0.8
    axis = {"showgrid": False, "zeroline": False, "showticklabels": False, "fixedrange": True}
    layout = {
        "xaxis": {**axis, "range": [-0.3, len(sizes) - 0.7]},
        "yaxis": {**axis, "range": [-top, top + 0.8 + widest / 20.0]},
        "annotations": [
            {
                "x": i,
                "y": top,
                "text": f"<b>{name}</b> ({sizes[i]})",
                "showarrow": False,
                "yanchor": "bottom",
            }
            for i, name in enumerate(_column_names(len(sizes)))
        ],
        "legend": {"orientation": "h", "y": 0.0, "yanchor": "top", "x": 0.0},
    }
    alt = (
        f"{title}: a network with layers {'-'.join(map(str, sizes))} drawn as neurons in "
        f"columns; each of its {flat.size} weights is a line coloured by {colour_label}, "
        f"from {low:.3g} to {high:.3g}."
    )
    fig = figure(
        data,
        layout,
        title=title,
        alt=alt,
        uirevision="network-graph",
        height=height or int(np.clip(220 + 14 * widest, 360, 700)),
    )
    nonfinite = int((~finite).sum())
    if nonfinite:
        add_notes(fig, [f"{nonfinite} of {flat.size} values are not finite (grey dotted)"])
    return fig
