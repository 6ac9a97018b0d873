"""Per-parameter effective learning rates of a network, layer by layer.

Adadelta gives every weight and bias its own step size, η·RMS[Δx]ₜ₋₁/RMS[g]ₜ; Adagrad its own
η/√(Σg²). A layer holds hundreds of them, so the figures summarise each layer: the median and
the 10–90 % band over the steps, and the whole distribution at one step.

``runs`` are ``Run(label, trace)``s with ``effective_lr`` recorded. Rates are indexed by the
call number t in [1, T]: the rate of row t−1 of ``Trace.effective_lr``, the update that
produced ``params[t]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from adadelta.viz.network.data import (
    last_update_step,
    layer_rate_quantiles,
    layer_sizes,
    layer_values,
    num_calls,
    rate_rows,
    recorded_at_or_before,
)
from adadelta.viz.shared.figure import Figure, add_notes, figure, steps_array, typed
from adadelta.viz.shared.frames import curve_steps
from adadelta.viz.shared.runs import Run
from adadelta.viz.shared.style import LineStyle, styles_for
from adadelta.viz.shared.subplots import axes_keys, subplot_grid
from adadelta.viz.shared.ticks import log_ticks

BAND_ALPHA = 0.18
PATTERNS = ("", "/", "\\", "x", ".", "+", "-", "|")
"""Bar fill patterns, one per optimizer, so overlaid histograms differ by more than colour."""

HISTOGRAM_BINS = 40

LEGEND_BELOW = {
    "orientation": "h",
    "yref": "container",
    "y": 0.0,
    "yanchor": "bottom",
    "x": 0.0,
}
"""Below the plots, clear of the layer titles whatever the figure's height."""


def _pairs(runs: Sequence[Run]) -> list[tuple[str, Any, np.ndarray | None]]:
    """``(label, effective_lr tree, recorded steps)`` of each run."""
    pairs = []
    for run in runs:
        if run.trace.effective_lr is None:
            raise ValueError(f"run {run.label!r} has no effective_lr: record it (engine.run).")
        pairs.append((str(run.label), run.trace.effective_lr, run.trace.steps))
    return pairs


def layer_titles(sizes: Sequence[tuple[int, int]]) -> list[str]:
    """``"Layer 1 (2→16)"``, ..., the last one marked as the output layer."""
    titles = []
    for i, (fan_in, fan_out) in enumerate(sizes, start=1):
        tail = ", output" if i == len(sizes) else ""
        titles.append(f"Layer {i} ({fan_in}→{fan_out}{tail})")
    return titles


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _grid(count: int) -> tuple[int, int]:
    cols = min(count, 3)
    return math.ceil(count / cols), cols


def _band(
    label: str,
    style: LineStyle,
    steps: np.ndarray,
    quantiles: np.ndarray,
    refs: tuple[str, str],
    show: bool,
) -> list[dict]:
    """Lower edge, upper edge filled down to it ("tonexty"), then the median line on top."""
    with np.errstate(invalid="ignore"):
        keep = np.all(np.isfinite(quantiles), axis=1) & np.all(quantiles > 0, axis=1)
    x, q = steps[keep], quantiles[keep]
    common = {
        "type": "scatter",
        "x": steps_array(x),
        "mode": "lines",
        "legendgroup": label,
        "xaxis": refs[0],
        "yaxis": refs[1],
    }
    edge = {"color": _rgba(style.colour, 0.5), "width": 0.5}
    return [
        {
            **common,
            "y": typed(q[:, 0], np.float64),
            "name": f"{label} 10 %",
            "showlegend": False,
            "line": edge,
            "hovertemplate": f"{label}: 10 % below %{{y:.3g}} (step %{{x}})<extra></extra>",
        },
        {
            **common,
            "y": typed(q[:, 2], np.float64),
            "name": f"{label} 90 %",
            "showlegend": False,
            "line": edge,
            "fill": "tonexty",
            "fillcolor": _rgba(style.colour, BAND_ALPHA),
            "hovertemplate": f"{label}: 90 % below %{{y:.3g}} (step %{{x}})<extra></extra>",
        },
        {
            **common,
            "y": typed(q[:, 1], np.float64),
            "name": label,
            "showlegend": show,
            "line": {"color": style.colour, "dash": style.dash, "width": 2.5},
            "hovertemplate": f"{label}: median %{{y:.3g}} (step %{{x}})<extra></extra>",
        },
    ]


def layer_rates_figure(
    runs: Sequence[Run],
    steps: np.ndarray | Sequence[int] | None = None,
    *,
    height: int | None = None,
) -> Figure:
    """Each layer's per-parameter effective learning rates over the steps, log y.

    Args:
        runs: the runs, ``effective_lr`` recorded.
        steps: call numbers in ``[1, T]`` to draw (default: ``curve_steps(T)`` without 0, those
            the runs recorded when they recorded only some steps).
        height: figure height in pixels (default grows with the number of panel rows).

    Returns:
        One panel per layer (kernel and bias pooled; shared log y): per optimizer the median as
        a line in its colour and dash, and the 10–90 % band as a translucent area between two
        thin edges; micro-steps (all NaN) are skipped.
    """
    pairs = _pairs(runs)
    if not pairs:
        raise ValueError("layer_rates_figure needs at least one run.")
    if steps is None:
        steps = curve_steps(max(num_calls(rates, recorded) for _, rates, recorded in pairs))
        for _, _, recorded in pairs:
            if recorded is not None:
                steps = np.intersect1d(steps, recorded)
        steps = steps[steps >= 1]
    steps = np.asarray(steps, dtype=np.int64)
    series = []
    for label, rates, recorded in pairs:
        own = steps[steps <= num_calls(rates, recorded)]
        series.append((label, own, layer_rate_quantiles(rates, own, recorded)))
    return layer_quantiles_figure(layer_sizes(pairs[0][1]), series, height=height)


def layer_quantiles_figure(
    sizes: Sequence[tuple[int, int]],
    series: Sequence[tuple[str, np.ndarray, Sequence[np.ndarray]]],
    *,
    height: int | None = None,
) -> Figure:
    """``layer_rates_figure`` from quantiles already taken (a page keeps these, not the rates).

    Args:
        sizes: ``(fan_in, fan_out)`` of each layer (``layer_sizes``).
        series: per optimizer ``(label, steps, quantiles)``: the call numbers drawn and, per
            layer, their ``(len(steps), 3)`` quantiles (``layer_rate_quantiles``).
        height: figure height in pixels (default grows with the number of panel rows).
    """
    if not series:
        raise ValueError("layer_quantiles_figure needs at least one series.")
    rows, cols = _grid(len(sizes))
    layout, refs = subplot_grid(
        rows,
        cols,
        layer_titles(sizes),
        horizontal_spacing=0.05,
        vertical_spacing=0.16,
        shared_x=True,
        shared_y=True,
    )
    labels = [str(label) for label, *_ in series]
    data, drawn = [], [np.zeros(0)]
    for (label, own, per_layer), style in zip(series, styles_for(labels)):
        own = np.asarray(own, dtype=np.int64)
        for i, quantiles in enumerate(per_layer):
            data += _band(str(label), style, own, quantiles, refs[i], show=i == 0)
            drawn.append(quantiles.ravel())
    # Plotly labels a log axis spanning under two decades with bare digits (0.1, 9, 8, 7 ...);
    # log_ticks gives 1-2-5 steps or whole decades, written out.
    shown = np.concatenate(drawn)
    with np.errstate(invalid="ignore"):
        shown = shown[np.isfinite(shown) & (shown > 0)]
    ticks = {}
    if shown.size:
        values, texts = log_ticks(float(np.log10(shown.min())), float(np.log10(shown.max())))
        ticks = {"tickvals": [10.0**v for v in values], "ticktext": texts}
    for key in axes_keys(layout, "yaxis"):
        layout[key].update(type="log", **ticks)
    for key in axes_keys(layout, "xaxis"):
        layout[key].update(title={"text": "step"}, showticklabels=True)
    for r in range(rows):
        layout["yaxis" + ("" if r == 0 else str(r * cols + 1))]["title"] = {
            "text": "effective learning rate (log)"
        }
    layout["legend"] = LEGEND_BELOW
    layout["margin"] = {"t": 110, "b": 90}
    title = "Per-parameter learning rates, layer by layer"
    alt = (
        f"{title}: for each of {len(sizes)} layers, the median effective learning rate of its "
        f"weights and biases (line) and the range holding the middle 80 % of them (band), on a "
        f"log scale against the step, for {', '.join(labels)}."
    )
    return figure(
        data,
        layout,
        title=f"{title}<br><sup>line: median over the layer's weights and biases; "
        "band: 10–90 % of them</sup>",
        alt=alt,
        uirevision="layer-rates",
        height=height or 300 + 260 * rows,
    )


def rate_distribution_figure(
    runs: Sequence[Run],
    step: int,
    *,
    bins: int = HISTOGRAM_BINS,
    height: int | None = None,
) -> Figure:
    """How the per-parameter effective learning rates spread at one step, layer by layer.

    Args:
        runs: the runs, ``effective_lr`` recorded.
        step: a call number in ``[1, T]`` (0 is read as 1); on an accumulation micro-step
            each run shows its latest real update instead, and a note says so.
        bins: histogram bins over the common log10 range.
        height: figure height in pixels.

    Returns:
        One panel per layer (shared x): per optimizer a histogram of the log10 rates (share of
        the layer's parameters; bars overlaid, each optimizer its own fill pattern) and its
        median as a vertical line in the optimizer's dash.
    """
    pairs = _pairs(runs)
    if not pairs:
        raise ValueError("rate_distribution_figure needs at least one run.")
    sizes = layer_sizes(pairs[0][1])
    labels = [label for label, *_ in pairs]
    step = max(int(step), 1)
    per_run = []
    notes = []
    for label, rates, recorded in pairs:
        shown = last_update_step(rates, step, recorded)
        if shown is None:
            notes.append(f"{label}: no update yet at step {step}")
            per_run.append(None)
            continue
        if shown != step:
            if recorded_at_or_before(step, recorded) != step:
                why = f"step {step} is not among the {len(recorded)} recorded steps"
            else:
                why = f"step {step} only accumulates"
            notes.append(f"{label}: {why}; showing step {shown}")
        row = rate_rows([shown], num_calls(rates, recorded), recorded)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = [np.log10(v[0]) for v in layer_values(rates, row)]
        per_run.append([v[np.isfinite(v)] for v in logs])
        skipped = sum(int(np.sum(~np.isfinite(v))) for v in logs)
        if skipped:
            notes.append(f"{label}: {skipped} rates are zero or not finite (not drawn)")

    finite = [v for run in per_run if run for v in run if v.size]
    low = min((float(v.min()) for v in finite), default=-3.0)
    high = max((float(v.max()) for v in finite), default=0.0)
    if high - low < 0.1:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    centres, width = 0.5 * (edges[:-1] + edges[1:]), edges[1] - edges[0]
    bounds = np.stack([10.0 ** edges[:-1], 10.0 ** edges[1:]], axis=1)

    layout, refs = subplot_grid(
        len(sizes), 1, layer_titles(sizes), vertical_spacing=0.09, shared_x=True
    )
    data, medians, peak = [], [], 0.0
    for index, (label, style) in enumerate(zip(labels, styles_for(labels))):
        run = per_run[index]
        if run is None:
            continue
        for layer, values in enumerate(run):
            if not values.size:
                continue
            counts, _ = np.histogram(np.clip(values, low, high), edges)
            share = counts / values.size
            peak = max(peak, float(share.max()))
            xref, yref = refs[layer]
            data.append(
                {
                    "type": "bar",
                    "x": typed(centres, np.float64),
                    "y": typed(share, np.float64),
                    "width": width,
                    "name": label,
                    "legendgroup": label,
                    "showlegend": layer == 0,
                    "opacity": 0.55,
                    "marker": {
                        "color": style.colour,
                        "line": {"width": 0},
                        "pattern": {"shape": PATTERNS[index % len(PATTERNS)], "solidity": 0.3},
                    },
                    "customdata": typed(bounds, np.float64),
                    "hovertemplate": (
                        f"{label}: %{{y:.0%}} of the layer's rates<br>"
                        "between %{customdata[0]:.3g} and %{customdata[1]:.3g}<extra></extra>"
                    ),
                    "xaxis": xref,
                    "yaxis": yref,
                }
            )
            median = float(np.median(values))
            medians.append(
                {
                    "type": "scatter",
                    "x": [median, median],
                    "mode": "lines",
                    "name": f"{label} median",
                    "legendgroup": label,
                    "showlegend": False,
                    "line": {"color": style.colour, "dash": style.dash, "width": 2.5},
                    "hovertemplate": f"{label}: median {10.0**median:.3g}<extra></extra>",
                    "xaxis": xref,
                    "yaxis": yref,
                }
            )
    top = peak * 1.1 or 1.0
    for trace in medians:
        trace["y"] = [0.0, top]
    ticks, texts = log_ticks(low, high)
    for key in axes_keys(layout, "xaxis"):
        layout[key].update(tickvals=ticks, ticktext=texts, range=[low - width, high + width])
    layout[f"xaxis{len(sizes) if len(sizes) > 1 else ''}"]["title"] = {
        "text": "effective learning rate (log scale)"
    }
    for key in axes_keys(layout, "yaxis"):
        layout[key].update(tickformat=".0%", range=[0.0, top], title={"text": "share"})
    layout.update(
        barmode="overlay",
        bargap=0.0,
        legend=LEGEND_BELOW,
        margin={"t": 90, "b": 90},
    )
    title = f"Where the per-parameter learning rates sit at step {step}"
    alt = (
        f"Histograms of the effective learning rates of every weight and bias at step {step}, "
        f"per layer, on a log scale, for {', '.join(labels)}; vertical lines mark the medians. "
        + ". ".join(notes)
    )
    fig = figure(
        data + medians,
        layout,
        title=title,
        alt=alt,
        uirevision="rate-distribution",
        height=height or 160 + 190 * len(sizes),
    )
    add_notes(fig, notes, y=0.98)
    return fig
