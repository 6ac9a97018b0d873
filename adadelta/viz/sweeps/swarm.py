"""Swarms: many starts of each optimizer moving at once over the surface, as an animation."""

from __future__ import annotations

from typing import Any

import numpy as np

from adadelta.viz.shared.animation import animate
from adadelta.viz.shared.figure import Figure, figure, typed
from adadelta.viz.shared.style import styles_for

MAX_FIGURE_BYTES = 700_000
"""The frames' positions stay under this many bytes of JSON (about 1 MB with the rest)."""


def swarm_frames(num_frames: int, particles: int, budget: int = MAX_FIGURE_BYTES) -> np.ndarray:
    """Indices of at most as many of ``num_frames`` frames as fit ``budget`` bytes, evenly
    spread over them, first and last included.

    Each frame holds ``particles`` (x, y) float32 pairs, base64-encoded (4/3 of their bytes).
    """
    per_frame = particles * 2 * 4 * 4 // 3 + 200
    keep = int(np.clip(budget // per_frame, 2, num_frames))
    return np.unique(np.rint(np.linspace(0, num_frames - 1, keep)).astype(np.int64))


def _positions(swarm: Any, o: int, f: int) -> np.ndarray:
    points = np.array(swarm.positions[o, f], np.float32)
    gone = (swarm.diverged_at[o] >= 0) & (swarm.diverged_at[o] <= swarm.frame_steps[f])
    points[gone] = np.nan  # a diverged particle leaves the picture at its step
    return points


def swarm_figure(swarm: Any, labels: list[str], backdrop: Any, *, height: int = 620) -> Figure:
    """All optimizers' swarms over the surface image, animated over the kept frames.

    Args:
        swarm: an ``adadelta.sweeps.Swarm`` (positions ``(O, F, N, 2)``, ...).
        labels: one label per optimizer.
        backdrop: the surface's ``viz.Backdrop`` (its image and minima).
        height: pixels.

    Returns:
        The figure: the hover grid, the minima (if known), then one marker trace per optimizer
        (what the frames move).
    """
    kept = swarm_frames(len(swarm.frame_steps), swarm.positions.shape[0] * swarm.positions.shape[2])
    steps = np.asarray(swarm.frame_steps)[kept]
    styles = styles_for(labels)
    data: list[dict[str, Any]] = [{**backdrop.hover, "marker": {**backdrop.hover["marker"]}}]
    data[0]["marker"]["showscale"] = False
    if backdrop.minima is not None:
        data.append(backdrop.minima)
    first = len(data)
    for o, (label, style) in enumerate(zip(labels, styles)):
        points = _positions(swarm, o, int(kept[0]))
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": label,
                "x": typed(points[:, 0]),
                "y": typed(points[:, 1]),
                "marker": {
                    "color": style.colour,
                    "symbol": style.symbol,
                    "size": 6,
                    "opacity": 0.8,
                    "line": {"width": 0.5, "color": "#fff"},
                },
                "hoverinfo": "skip",
            }
        )
    traces = list(range(first, first + len(labels)))
    frame_data = []
    for f in kept:
        moves = []
        for o in range(len(labels)):
            points = _positions(swarm, o, int(f))
            moves.append({"type": "scatter", "x": typed(points[:, 0]), "y": typed(points[:, 1])})
        frame_data.append(moves)
    (xmin, xmax), (ymin, ymax) = backdrop.domain
    layout: dict[str, Any] = {"images": [backdrop.image]}
    frames = animate(layout, steps, frame_data, traces, slider_y=-0.12)
    layout["xaxis"] = {
        "range": [xmin, xmax],
        "title": {"text": "x"},
        "showgrid": False,
        "zeroline": False,
    }
    layout["yaxis"] = {
        "range": [ymin, ymax],
        "title": {"text": "y"},
        "showgrid": False,
        "zeroline": False,
    }
    layout["legend"] = {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"}
    layout["margin"] = {"t": 90, "b": 150, "l": 60, "r": 20}
    starts = swarm.positions.shape[2]
    diverged = [int(np.sum(swarm.diverged_at[o] >= 0)) for o in range(len(labels))]
    note = ", ".join(f"{label}: {d} diverged" for label, d in zip(labels, diverged) if d)
    sub = f"{starts} starts each, {swarm.num_steps} steps, {len(steps)} frames" + (
        f"; {note}" if note else ""
    )
    return figure(
        data,
        layout,
        title={"text": f"Swarms on {backdrop.title}<br><sup>{sub}</sup>"},
        alt=f"Animation of {starts} starts per optimizer ({', '.join(labels)}) on "
        f"{backdrop.title}.",
        uirevision=f"swarm-{backdrop.title}",
        height=height,
        frames=frames,
    )
