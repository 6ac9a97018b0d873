"""The small static figures of the guided lessons: arrays in, a plain Plotly dict out.

A lesson's reveal shows one figure of a few lines (a rate, a loss, a distance over the steps,
or two paths on the plane). Nothing moves, so a plain dict is enough: no validation, no frames.
Each line keeps its optimizer's colour and differs from the others by dash and marker too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from adadelta.viz import styles_for

POINTS = 2001
"""The most points drawn per line: every step of a 2,000-step run (thinning a line that
oscillates from one step to the next would draw a pattern that is not there)."""

MARKERS = 8
"""Markers per line: enough to tell lines apart without colour."""


class Line(NamedTuple):
    """One line of a lesson figure: its legend label and its points (NaN ends it)."""

    label: str
    x: Any
    y: Any


class Mark(NamedTuple):
    """A labelled point drawn as a marker (e.g. the minimum), or a vertical line (y None)."""

    label: str
    x: float
    y: float | None = None


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most ``POINTS`` points, evenly spread; non-finite values become NaN, a gap.

    NumPy arrays travel to the browser as typed arrays (Plotly's base64 ``bdata``), far
    smaller and faster to encode than lists of floats.
    """
    keep = np.unique(np.linspace(0, x.size - 1, min(x.size, POINTS)).astype(int))
    return x[keep], np.where(np.isfinite(y[keep]), y[keep], np.nan)


def _span(lines: Sequence[Line]) -> tuple[float, float]:
    """The smallest and largest finite positive y of the lines (1, 10 when there are none)."""
    values = np.concatenate([np.asarray(line.y, float).ravel() for line in lines])
    positive = values[np.isfinite(values) & (values > 0)]
    return (float(positive.min()), float(positive.max())) if positive.size else (1.0, 10.0)


def lines_figure(
    lines: Sequence[Line],
    *,
    title: str,
    x_title: str,
    y_title: str,
    log_y: bool = False,
    marks: Sequence[Mark] = (),
    equal_axes: bool = False,
    y_range: tuple[float, float] | None = None,
    height: int = 340,
) -> dict[str, Any]:
    """A figure of a few lines, with optional marked points and vertical lines.

    Args:
        lines: the lines; a label naming an optimizer ("SGD, clipnorm = 1") takes its style
            (the first such line does, the next ones of the same optimizer get other styles).
        title: the title, also the start of the alt text.
        x_title, y_title: axis titles.
        log_y: a logarithmic y axis (non-positive values are left out).
        marks: points (with y) drawn as labelled markers; vertical lines (y None).
        equal_axes: one unit on x is as long as one on y (for paths on the plane).
        y_range: the y axis's fixed range in data units (a diverging line leaves it), or
            None to fit the data.
        height: in pixels.

    Returns:
        A Plotly figure as a plain dict (``st.plotly_chart`` takes it as is).
    """
    traces = []
    # "SGD, clipnorm = 1" is drawn as SGD: the optimizer is named before the first comma.
    for line, style in zip(lines, styles_for([line.label.split(",")[0] for line in lines])):
        x, y = np.asarray(line.x, float), np.asarray(line.y, float)
        if log_y:
            y = np.where(y > 0, y, np.nan)
        xs, ys = _thin(x, y)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": line.label,
                "x": xs,
                "y": ys,
                "line": {"color": style.colour, "dash": style.dash, "width": 2.5},
                "marker": {
                    "symbol": style.symbol,
                    "size": 8,
                    "color": style.colour,
                    "maxdisplayed": MARKERS,
                },
            }
        )
    shapes, points = [], []
    for mark in marks:
        if mark.y is None:
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": mark.x,
                    "x1": mark.x,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#555555", "dash": "dot", "width": 1.5},
                    "label": {
                        "text": mark.label,
                        "textposition": "start",
                        "textangle": 0,
                        "xanchor": "left",
                        "yanchor": "bottom",
                        "padding": 6,
                    },
                }
            )
        else:
            points.append(mark)
    if points:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": "marked points",
                "showlegend": False,
                "x": [p.x for p in points],
                "y": [p.y for p in points],
                "text": [p.label for p in points],
                "textposition": "top center",
                "marker": {"symbol": "x", "size": 11, "color": "#000000"},
            }
        )
    y_axis: dict[str, Any] = {"title": {"text": y_title}, "type": "log" if log_y else "linear"}
    if log_y:
        low, high = y_range or _span(lines)
        decades = np.log10(high) - np.log10(low) if 0 < low < high else 1.0
        # About six labels, each on a power of ten.
        y_axis.update(dtick=max(1, int(np.ceil(decades / 6))), exponentformat="power")
    if y_range is not None:
        y_axis["range"] = [float(np.log10(v)) if log_y else v for v in y_range]
    if equal_axes:
        y_axis.update(scaleanchor="x", scaleratio=1)
    names = ", ".join(line.label for line in lines)
    return {
        "data": traces,
        "layout": {
            "template": "plotly_white",
            "title": {"text": title, "x": 0.0, "xanchor": "left"},
            "meta": {"alt": f"{title}: {names}."},
            "height": height,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
            "font": {"size": 14},
            "xaxis": {"title": {"text": x_title}},
            "yaxis": y_axis,
            "shapes": shapes,
            "legend": {"orientation": "h", "y": -0.22},
            "hovermode": "x unified" if not equal_axes else "closest",
        },
    }
