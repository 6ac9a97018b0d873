"""Figures as plain data: the JSON that plotly.js reads, built without Plotly's object model.

Every builder returns a ``Figure``, a ``dict`` ``{"data": [...], "layout": {...}}`` (plus
``"frames"`` when animated) that goes to the browser as it is: NumPy arrays are already
plotly.js typed arrays (``{"dtype", "bdata"}``, base64 of the raw bytes), the template is
expanded, nothing is validated or copied on the way. Validating and deep-copying a
``go.Figure`` with a few hundred animation frames costs far more than computing the figure;
the tests validate every builder's output with ``plotly.graph_objects.Figure`` instead.

Cached figures are shared between reruns and sessions: treat a returned ``Figure`` as frozen
(functions here that add to one, such as ``add_notes``, are for builders, before returning).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.io as pio

Figure = dict[str, Any]
"""A Plotly figure as JSON-ready plain data."""

TEMPLATE_NAME = "plotly_white"

_SHORT_TYPES = {
    np.dtype(np.int8): "i1",
    np.dtype(np.uint8): "u1",
    np.dtype(np.int16): "i2",
    np.dtype(np.uint16): "u2",
    np.dtype(np.int32): "i4",
    np.dtype(np.uint32): "u4",
    np.dtype(np.float32): "f4",
    np.dtype(np.float64): "f8",
}


def typed(values: Any, dtype: Any = np.float32) -> dict[str, str]:
    """``values`` as a plotly.js typed array of ``dtype`` (2-D arrays keep their shape).

    The same encoding ``go.Figure.to_dict`` gives a NumPy array, computed once.
    """
    array = values if type(values) is np.ndarray else np.asarray(values)
    if array.dtype != dtype:
        array = array.astype(dtype)
    spec = {
        "dtype": _SHORT_TYPES[array.dtype],
        "bdata": base64.b64encode(array.tobytes()).decode("ascii"),
    }
    if array.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in array.shape)
    return spec


def steps_array(steps: Any) -> dict[str, str]:
    """Integer steps in the narrowest type that holds them (as ``go.Figure`` encodes int64)."""
    steps = np.asarray(steps, dtype=np.int64)
    top = int(steps.max(initial=0))
    low = int(steps.min(initial=0))
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and top <= info.max:
            return typed(steps, dtype)
    return typed(steps, np.float64)


@functools.cache
def template() -> dict[str, Any]:
    """The house template, expanded (plotly.js does not know template names). Shared: frozen."""
    return pio.templates[TEMPLATE_NAME].to_plotly_json()


def figure(
    data: list[dict[str, Any]],
    layout: dict[str, Any],
    *,
    title: str | dict[str, Any],
    alt: str,
    uirevision: str,
    height: int | None = None,
    frames: list[dict[str, Any]] | None = None,
) -> Figure:
    """Assembles a figure with the house layout: template, title, alt text, stable uirevision.

    ``uirevision`` keeps the user's zoom and legend clicks across Streamlit reruns as long as
    it stays the same; ``layout.meta["alt"]`` is a sentence for screen readers (pass it to
    ``st.plotly_chart``'s alt text).
    """
    title_spec = title if isinstance(title, dict) else {"text": title}
    layout.update(
        template=template(),
        title={**title_spec, "x": 0.0, "xanchor": "left"},
        meta={"alt": alt},
        uirevision=uirevision,
        font={"size": 13},
        hovermode=layout.get("hovermode", "closest"),
    )
    if height is not None:
        layout["height"] = height
    spec: Figure = {"data": data, "layout": layout}
    if frames is not None:
        spec["frames"] = frames
    return spec


def alt_text(fig: Figure) -> str:
    """The figure's alt text: ``layout.meta["alt"]``, else its title."""
    layout = fig.get("layout", {})
    meta = layout.get("meta")
    if isinstance(meta, dict) and meta.get("alt"):
        return str(meta["alt"])
    title = layout.get("title")
    return str((title or {}).get("text", "") if isinstance(title, dict) else title or "")


def add_notes(fig: Figure, lines: Sequence[str], *, y: float = 1.0) -> None:
    """Writes sentences that must not be missed (divergence, leaving the plot) on the figure.

    They sit in paper coordinates inside the top-left corner of the plot, so they stay
    visible whatever the axis ranges.
    """
    if not lines:
        return
    fig["layout"].setdefault("annotations", []).append(
        {
            "align": "left",
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": "#444",
            "borderwidth": 1,
            "font": {"color": "#222", "size": 12},
            "name": "notes",
            "showarrow": False,
            "text": "<br>".join(lines),
            "x": 0.01,
            "xanchor": "left",
            "xref": "paper",
            "y": y,
            "yanchor": "top",
            "yref": "paper",
        }
    )
