"""Two figures in one, so that one animation drives both (Plotly syncs nothing across charts).

``side_by_side(paths, rates)`` puts the contour with its paths on the left and the effective
learning rates on the right: their frames share names (``str(step)``), so the merged frames
move the paths and the rate cursor together, from the left figure's play button and scrubber.
"""

from __future__ import annotations

import re
from typing import Any

from adadelta.viz.shared.figure import Figure

_AXIS = re.compile(r"^([xy])axis(\d*)$")


def _axis_number(name: str) -> int:
    return int(_AXIS.match(name).group(2) or 1)


def _ref(axis_letter: str, number: int) -> str:
    return axis_letter if number == 1 else f"{axis_letter}{number}"


def side_by_side(
    left: Figure, right: Figure, *, split: float = 0.56, gap: float = 0.14, title: str
) -> Figure:
    """Merges ``right`` into ``left``'s canvas; frames with equal names are merged.

    Neither input is changed (both may be shared): what the merge changes is copied.

    Args:
        left: the figure whose controls (play, speed, scrubber) and legend are kept.
        right: a figure with the same frame names; its own controls are dropped.
        split: the share of the width given to ``left``.
        gap: the horizontal gap between them (paper units), for the colour bar.
        title: the merged figure's title.
    """
    left_layout, right_layout = left["layout"], right["layout"]
    left_axes = [k for k in left_layout if _AXIS.match(k)] or ["xaxis", "yaxis"]
    offset = max(_axis_number(k) for k in left_axes)
    renumber = {
        _ref(letter, n): _ref(letter, n + offset)
        for k in (k for k in right_layout if _AXIS.match(k))
        for letter, n in [(k[0], _axis_number(k))]
    }

    def place(domain, lo, hi):
        a, b = domain or (0.0, 1.0)
        return [lo + a * (hi - lo), lo + b * (hi - lo)]

    layout: dict[str, Any] = dict(left_layout)
    for key in left_axes:
        axis = dict(layout.get(key, {}))
        if key.startswith("x"):
            axis["domain"] = place(axis.get("domain"), 0.0, split - gap)
        layout[key] = axis
    right_lo = split + 0.7 * gap
    for key, axis in right_layout.items():
        if not _AXIS.match(key):
            continue
        axis = dict(axis)
        letter, number = key[0], _axis_number(key)
        if letter == "x":
            axis["domain"] = place(axis.get("domain"), right_lo, 1.0)
        for link in ("anchor", "matches", "overlaying", "scaleanchor"):
            if axis.get(link) in renumber:
                axis[link] = renumber[axis[link]]
        layout[f"{letter}axis{number + offset}"] = axis

    def moved(item: dict) -> dict:
        item = dict(item)
        # An annotation's arrow tail (axref, ayref) may be placed on an axis too.
        for ref, letter in (("xref", "x"), ("yref", "y"), ("axref", ""), ("ayref", "")):
            value = item.get(ref, "paper" if letter else "pixel")
            base, _, rest = value.partition(" ")
            if base in renumber:
                item[ref] = " ".join(filter(None, (renumber[base], rest)))
            elif value == "paper" and letter == "x" and "x" in item:
                item["x"] = right_lo + item["x"] * (1.0 - right_lo)
        return item

    for kind in ("annotations", "shapes", "images"):
        extra = [moved(item) for item in right_layout.get(kind, [])]
        if extra:
            layout[kind] = list(layout.get(kind, [])) + extra

    layout["title"] = {**layout.get("title", {}), "text": title}
    height = max(left_layout.get("height") or 0, right_layout.get("height") or 0)
    if height:
        layout["height"] = height

    traces = []
    for trace in left["data"]:
        colorbar = (trace.get("marker") or {}).get("colorbar")
        if colorbar is not None:
            # The left figure's colour bar sits in the gap, beside its own plot.
            colorbar = {**colorbar, "x": split - gap + 0.012, "xanchor": "left", "thickness": 14}
            trace = {**trace, "marker": {**trace["marker"], "colorbar": colorbar}}
        traces.append(trace)
    shift = len(traces)
    for trace in right["data"]:
        trace = dict(trace)
        for ref in ("xaxis", "yaxis"):
            trace[ref] = renumber.get(trace.get(ref) or ref[0], trace.get(ref) or ref[0])
        trace["showlegend"] = False
        traces.append(trace)

    right_frames = {frame["name"]: frame for frame in right.get("frames", [])}
    frames = []
    for frame in left.get("frames", []):
        merged = dict(frame)
        other = right_frames.get(frame["name"])
        if other is not None:
            merged["data"] = list(frame.get("data", [])) + list(other["data"])
            merged["traces"] = list(frame.get("traces", [])) + [i + shift for i in other["traces"]]
        frames.append(merged)
    spec: Figure = {"data": traces, "layout": layout}
    if frames:
        spec["frames"] = frames
    return spec
