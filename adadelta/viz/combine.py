"""Two figures in one, so that one animation drives both (Plotly syncs nothing across charts).

``side_by_side(paths, rates)`` puts the contour with its paths on the left and the effective
learning rates on the right: their frames share names (``str(step)``), so the merged frames
move the paths and the rate cursor together, from the left figure's play button and scrubber.
"""

from __future__ import annotations

import copy
import re

import plotly.graph_objects as go

_AXIS = re.compile(r"^([xy])axis(\d*)$")


def _axis_number(name: str) -> int:
    return int(_AXIS.match(name).group(2) or 1)


def _ref(axis_letter: str, number: int) -> str:
    return axis_letter if number == 1 else f"{axis_letter}{number}"


def side_by_side(
    left: go.Figure, right: go.Figure, *, split: float = 0.56, gap: float = 0.14, title: str
) -> go.Figure:
    """Merges ``right`` into ``left``'s canvas; frames with equal names are merged.

    Args:
        left: the figure whose controls (play, speed, scrubber) and legend are kept.
        right: a figure with the same frame names; its own controls are dropped.
        split: the share of the width given to ``left``.
        gap: the horizontal gap between them (paper units), for the colour bar.
        title: the merged figure's title.
    """
    left_layout = left.layout.to_plotly_json()
    right_layout = right.layout.to_plotly_json()
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

    layout = copy.deepcopy(left_layout)
    for key in left_axes:
        layout.setdefault(key, {})
        if key.startswith("x"):
            layout[key]["domain"] = place(layout[key].get("domain"), 0.0, split - gap)
    right_lo = split + 0.7 * gap
    for key, axis in right_layout.items():
        if not _AXIS.match(key):
            continue
        axis = copy.deepcopy(axis)
        letter, number = key[0], _axis_number(key)
        if letter == "x":
            axis["domain"] = place(axis.get("domain"), right_lo, 1.0)
        for link in ("anchor", "matches", "overlaying", "scaleanchor"):
            if axis.get(link) in renumber:
                axis[link] = renumber[axis[link]]
        layout[f"{letter}axis{number + offset}"] = axis

    def moved(item: dict) -> dict:
        item = copy.deepcopy(item)
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
    layout["height"] = max(left_layout.get("height") or 0, right_layout.get("height") or 0) or None

    traces = [trace.to_plotly_json() for trace in left.data]
    for trace in traces:
        # The left figure's colour bar sits in the gap, beside its own plot.
        colorbar = (trace.get("marker") or {}).get("colorbar")
        if colorbar is not None:
            colorbar.update(x=split - gap + 0.012, xanchor="left", thickness=14)
    shift = len(traces)
    for trace in right.data:
        trace = trace.to_plotly_json()
        for ref in ("xaxis", "yaxis"):
            trace[ref] = renumber.get(trace.get(ref) or ref[0], trace.get(ref) or ref[0])
        trace["showlegend"] = False
        traces.append(trace)

    right_frames = {frame.name: frame for frame in right.frames}
    frames = []
    for frame in left.frames:
        merged = frame.to_plotly_json()
        other = right_frames.get(frame.name)
        if other is not None:
            merged["data"] = list(merged.get("data", [])) + list(other.to_plotly_json()["data"])
            merged["traces"] = list(merged.get("traces", [])) + [i + shift for i in other.traces]
        frames.append(merged)
    return go.Figure(data=traces, layout=layout, frames=frames)
