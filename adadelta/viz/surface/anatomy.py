"""One call of ``apply()`` drawn on the contour: each stage of the pipeline as an arrow.

The view is a square window around the point the call starts from, on the problem's
``Backdrop`` (the same image and hover grid as the explorer), with equal axis scales so that
arrows keep their directions. The params' stages are drawn to scale: weight decay (from w to
the decayed w), the update rule (to the rule's result), the EMA overwrite (to the final w), and
the EMA's own move. The gradient's stages (raw, unscaled, accumulated, clipped) are directions,
drawn as −g from the start point, all shrunk by one factor that the legend names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adadelta.dissect import Call
from adadelta.viz.shared.figure import Figure, figure, typed
from adadelta.viz.shared.style import style_for
from adadelta.viz.surface.backdrop import Backdrop

GRADIENT_SHARE = 0.45
"""The longest gradient arrow spans this share of the window's half-width."""

GRADIENT_STAGES = (
    ("raw", "−g as computed", "#999999"),
    ("unscaled", "−g ÷ loss_scale_factor", "#56B4E9"),
    ("accumulated", "−g after accumulation", "#009E73"),
    ("clipped", "−g after clipping", "#CC79A7"),
)
"""The gradient stages drawn, their legend names and colours (Okabe–Ito)."""

PARAM_STAGES = (
    ("decay", "weight decay", "#7F3C8D", "dot"),
    ("rule", "update rule", None, "solid"),
    ("overwrite", "EMA overwrite", "#000000", "dash"),
)
"""The params' moves drawn: legend names, colours (None: the optimizer's own; weight decay in a
purple that no optimizer uses) and dashes."""


def _vec(value: Any) -> np.ndarray:
    return np.asarray(value, np.float64).reshape(-1)[:2]


def _arrow(
    name: str, start: np.ndarray, end: np.ndarray, colour: str, dash: str, width: float = 3
) -> dict[str, Any]:
    """A line from ``start`` to ``end`` with an arrowhead at ``end``."""
    return {
        "hovertemplate": f"{name}<br>to (%{{x:.6g}}, %{{y:.6g}})<extra></extra>",
        "line": {"color": colour, "dash": dash, "width": width},
        "marker": {
            "angleref": "previous",
            "color": colour,
            "size": [0, 14],
            "symbol": "arrow",
        },
        "mode": "lines+markers",
        "name": name,
        "x": [float(start[0]), float(end[0])],
        "y": [float(start[1]), float(end[1])],
        "type": "scatter",
    }


def _point(name: str, at: np.ndarray, colour: str, symbol: str, size: int) -> dict[str, Any]:
    return {
        "hovertemplate": f"{name}<br>(%{{x:.6g}}, %{{y:.6g}})<extra></extra>",
        "marker": {
            "color": colour,
            "line": {"color": "white", "width": 1.5},
            "size": size,
            "symbol": symbol,
        },
        "mode": "markers",
        "name": name,
        "x": [float(at[0])],
        "y": [float(at[1])],
        "type": "scatter",
    }


def window(points: list[np.ndarray], domain: tuple) -> tuple[np.ndarray, float]:
    """The centre and half-width of a square window holding ``points`` (the first is the
    centre) with room to spare; a tenth of the domain when they all coincide."""
    centre = points[0]
    finite = [p for p in points if np.all(np.isfinite(p))]
    reach = max((float(np.max(np.abs(p - centre))) for p in finite), default=0.0)
    (xmin, xmax), (ymin, ymax) = domain
    if reach == 0.0 or not np.isfinite(reach):
        reach = 0.05 * max(xmax - xmin, ymax - ymin)
    return centre, 1.6 * reach


def step_figure(
    surface: Backdrop, label: str, call: Call, *, height: int = 520, ema: bool = False
) -> Figure:
    """Call ``call.t`` of one optimizer on the contour, every stage an arrow.

    Args:
        surface: the problem's backdrop (image, hover grid, minima).
        label: the optimizer's name (picks its colour and marker).
        call: the call, from ``Dissection.call``.
        height: figure height in pixels.
        ema: whether the optimizer keeps an EMA (``use_ema``): its move is drawn.

    Returns:
        The figure; the surface's hover grid at index 0.
    """
    info = call.info
    style = style_for(label)
    given, decayed = _vec(info.params.given), _vec(info.params.decayed)
    update = bool(info.is_update_step)
    pre = _vec(info.params.updated) if update else given
    final = _vec(info.params.final)
    path = np.asarray(call.path, np.float64).reshape(len(call.path), -1)[:, :2]

    points = [given, decayed, pre, final]
    if ema:
        points += [_vec(call.before.ema), _vec(call.after.ema)]
    if not update:
        points.append(_vec(info.params.updated))
    centre, half = window(points, surface.domain)

    data: list[dict[str, Any]] = [dict(surface.hover)]
    if surface.minima is not None:
        data.append(dict(surface.minima))
    finite = np.all(np.isfinite(path), axis=1)
    data.append(
        {
            "hoverinfo": "skip",
            "line": {"color": style.colour, "dash": style.dash, "width": 1.5},
            "mode": "lines",
            "name": f"path to call {call.t}",
            "opacity": 0.6,
            "x": typed(path[finite, 0]),
            "y": typed(path[finite, 1]),
            "type": "scatter",
        }
    )

    gradients = {key: _vec(getattr(info.grads, key)) for key, _, _ in GRADIENT_STAGES}
    longest = max(
        (float(np.hypot(*g)) for g in gradients.values() if np.all(np.isfinite(g))), default=0.0
    )
    scale = GRADIENT_SHARE * half / longest if longest > 0 else 0.0
    shown: list[np.ndarray] = []
    for key, name, colour in GRADIENT_STAGES:
        g = gradients[key]
        if scale == 0.0 or not np.all(np.isfinite(g)):
            continue
        if any(np.array_equal(g, other) for other in shown):
            continue  # the stage left g as it was: its arrow would hide under the last one
        shown.append(g)
        data.append(_arrow(f"{name} (×{scale:.3g})", given, given - scale * g, colour, "solid", 2))

    moves = {"decay": (given, decayed), "rule": (decayed, pre), "overwrite": (pre, final)}
    for key, name, colour, dash in PARAM_STAGES:
        start, end = moves[key]
        if np.array_equal(start, end):
            continue
        data.append(_arrow(name, start, end, colour or style.colour, dash))
    if not update:
        data.append(
            _arrow(
                "discarded micro-step update",
                decayed,
                _vec(info.params.updated),
                style.colour,
                "dot",
                1.5,
            )
        )
    if ema:
        before, after = _vec(call.before.ema), _vec(call.after.ema)
        if call.t > 1 and not np.array_equal(before, after):
            data.append(_arrow("EMA moves", before, after, "#444444", "dashdot", 2))
        data.append(_point("EMA after the call", after, "#444444", "diamond", 10))
    data.append(_point(f"w before call {call.t}", given, "black", "circle-open", 16))
    data.append(_point(f"w after call {call.t}", final, style.colour, style.symbol, 12))

    axes = {"autorange": False, "showgrid": False, "zeroline": False, "exponentformat": "e"}
    layout: dict[str, Any] = {
        "images": [surface.image],
        "xaxis": {"range": [centre[0] - half, centre[0] + half], "title": {"text": "x"}, **axes},
        "yaxis": {
            "range": [centre[1] - half, centre[1] + half],
            "title": {"text": "y"},
            "scaleanchor": "x",
            **axes,
        },
        "legend": {"orientation": "h", "x": 0.0, "y": -0.12, "yanchor": "top"},
        "margin": {"t": 60, "b": 40, "l": 60, "r": 20},
    }
    moved = float(np.hypot(*(final - given)))
    alt = (
        f"{label}, call {call.t} on {surface.title}: from ({given[0]:.6g}, {given[1]:.6g}) to "
        f"({final[0]:.6g}, {final[1]:.6g}), a move of {moved:.3g}; "
        + ("an update." if update else "a micro-step (no update).")
    )
    return figure(
        data,
        layout,
        title=f"{label}: call {call.t}, zoomed to ±{half:.2g} around w",
        alt=alt,
        uirevision=f"anatomy:{surface.title}:{label}:{call.t}",
        height=height,
    )
