"""Play/pause, speed and a step scrubber for figures animated by Plotly frames.

Every animated figure of a page uses the same frame names, ``str(step)``, so a page (or a
custom component) can drive them together. Frames touch only the moving traces and are shown
with ``redraw=False``: Plotly then restyles those traces instead of re-rendering the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

FRAME_MS = 60
"""Milliseconds per frame at 1× speed: 200 frames play in 12 s."""

SPEEDS = (0.5, 1.0, 2.0, 4.0)


SPEED_ROW_OFFSET_PX = 36
"""How far below the top of the Play/Pause buttons the speed buttons start, in pixels."""

CONTROLS_LEFT_PX = 192
"""A left margin wide enough for the Play/Pause and speed rows, which hang left of the plot.

With a narrower margin Plotly grows it and draws the whole figure again (once per growth: a
new setting drew the explorer's main figure three times, scrubber labels measured each time).
The rows measure 186 px at the house font in Chromium on Linux; wider fonts still just grow it.
"""


def frame_name(step: int) -> str:
    """The frame name of a step, shared by all animated figures."""
    return str(int(step))


def scatter_update(x: Any, y: Any = None) -> dict:
    """A frame's new data for a scatter trace (arrays already typed, see ``figure.typed``)."""
    update = {"type": "scatter", "x": x}
    if y is not None:
        update["y"] = y
    return update


def _play_args(duration: float, redraw: bool) -> list:
    return [
        None,
        {
            "frame": {"duration": duration, "redraw": redraw},
            "transition": {"duration": 0},
            "fromcurrent": True,
            "mode": "immediate",
        },
    ]


def _speed_label(speed: float) -> str:
    return "½×" if speed == 0.5 else f"{speed:g}×"


def controls(
    steps: np.ndarray,
    *,
    slider_y: float,
    frame_ms: float = FRAME_MS,
    redraw: bool = False,
    speeds: Sequence[float] = SPEEDS,
) -> dict:
    """Layout entries for ▶ Play / ❚❚ Pause, the speed buttons and the step scrubber.

    Args:
        steps: the frame steps (frames are named ``frame_name(step)``).
        slider_y: vertical position of the scrubber, in paper coordinates.
        frame_ms: milliseconds per frame at 1× speed.
        redraw: whether each frame re-renders the figure (needed for heatmaps).
        speeds: the speed buttons; empty for none.

    Returns:
        ``{"updatemenus": [...], "sliders": [...]}`` for ``fig.update_layout``.
    """
    still = {"frame": {"duration": 0, "redraw": redraw}, "transition": {"duration": 0}}
    menus = [
        {
            "type": "buttons",
            "direction": "left",
            "showactive": False,
            "x": 0.0,
            "y": slider_y - 0.02,
            "xanchor": "right",
            "yanchor": "top",
            "pad": {"r": 8, "t": 0},
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": _play_args(frame_ms, redraw)},
                {
                    "label": "❚❚ Pause",
                    "method": "animate",
                    "args": [[None], {**still, "mode": "immediate"}],
                },
            ],
            "name": "play",
        }
    ]
    if speeds:
        menus.append(
            {
                "type": "buttons",
                "direction": "left",
                "showactive": True,
                "active": list(speeds).index(1.0) if 1.0 in speeds else 0,
                "x": 0.0,
                # Anchored with Play/Pause and pushed down in pixels, not paper units, so that
                # the two rows never overlap, however short the plot.
                "y": slider_y - 0.02,
                "xanchor": "right",
                "yanchor": "top",
                "pad": {"r": 8, "t": SPEED_ROW_OFFSET_PX},
                "buttons": [
                    {
                        "label": _speed_label(speed),
                        "method": "animate",
                        "args": _play_args(frame_ms / speed, redraw),
                    }
                    for speed in speeds
                ],
                "name": "speed",
            }
        )
    # One args dict shared by every step: the scrubber has a step per frame.
    immediate = {**still, "mode": "immediate"}
    names = [str(step) for step in np.asarray(steps, dtype=np.int64).tolist()]
    slider = {
        "active": 0,
        "x": 0.0,
        "len": 1.0,
        "y": slider_y,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0},
        "ticklen": 0,
        "minorticklen": 0,
        "currentvalue": {"prefix": "Step ", "visible": True, "xanchor": "right"},
        "steps": [
            {"label": name, "method": "animate", "args": [[name], immediate]} for name in names
        ],
        "name": "step",
    }
    return {"updatemenus": menus, "sliders": [slider]}


def animate(
    layout: dict[str, Any],
    steps: np.ndarray,
    frame_data: Sequence[Sequence[dict]],
    traces: Sequence[int],
    *,
    slider_y: float = -0.12,
) -> list[dict[str, Any]]:
    """One frame per step, and the play/pause and speed buttons and the scrubber in ``layout``.

    Args:
        layout: the figure's layout; the controls are added to it.
        steps: the frame steps, e.g. from ``frames.frame_steps``.
        frame_data: for each step, the new state of each trace in ``traces``.
        traces: indices into the figure's data of the traces the frames move (and nothing else).
        slider_y: vertical position of the scrubber, in paper coordinates.

    Returns:
        The frames, named ``frame_name(step)``.
    """
    traces = [int(i) for i in traces]
    layout.update(controls(steps, slider_y=slider_y))
    return [
        {"data": list(data), "name": frame_name(step), "traces": traces}
        for step, data in zip(steps, frame_data)
    ]


def animation_redraw_flags(fig: dict[str, Any]) -> list[bool]:
    """Every ``redraw`` flag the figure's buttons and scrubber pass to ``animate`` (for tests)."""
    layout = fig["layout"]
    flags = []
    for menu in layout.get("updatemenus", []):
        for button in menu["buttons"]:
            flags.append(bool(button["args"][1]["frame"]["redraw"]))
    for slider in layout.get("sliders", []):
        for step in slider["steps"]:
            flags.append(bool(step["args"][1]["frame"]["redraw"]))
    return flags
