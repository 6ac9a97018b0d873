"""One look per optimizer: colour, dash and marker, so lines never differ by colour alone.

Colours are the Okabe–Ito palette (Okabe & Ito 2008), safe for the common colour-vision
deficiencies. The mapping is fixed, so Adadelta looks the same in every figure of the app.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

TEMPLATE = "plotly_white"

EMA_DASH = "dot"
"""Dash of the EMA shadow paths; no optimizer uses it for its own line."""


class LineStyle(NamedTuple):
    """How one run is drawn.

    Attributes:
        colour: a CSS hex colour.
        dash: a Plotly dash name or dash-length list (``"solid"``, ``"dash"``, ``"6px,2px"``).
        symbol: a Plotly marker symbol.
    """

    colour: str
    dash: str
    symbol: str


STYLES: dict[str, LineStyle] = {
    "Adadelta": LineStyle("#0072B2", "solid", "circle"),  # blue
    "Adagrad": LineStyle("#D55E00", "dash", "square"),  # vermillion
    "RMSprop": LineStyle("#009E73", "dashdot", "diamond"),  # bluish green
    "SGD": LineStyle("#CC79A7", "longdash", "triangle-up"),  # reddish purple
    "Adam": LineStyle("#E69F00", "longdashdot", "cross"),  # orange
}

EXTRA_STYLES: tuple[LineStyle, ...] = (
    LineStyle("#56B4E9", "8px,3px,2px,3px,2px,3px", "star"),  # sky blue
    LineStyle("#000000", "2px,4px,8px,4px", "hexagon"),  # black
    LineStyle("#0072B2", "12px,4px", "triangle-down"),
    LineStyle("#D55E00", "4px,2px,4px,8px", "pentagon"),
    LineStyle("#009E73", "10px,2px,2px,2px", "hourglass"),
    LineStyle("#CC79A7", "3px,3px,9px,3px", "bowtie"),
)
"""For labels that name no known optimizer, and for repeats of one optimizer in a figure."""


def optimizer_name(label: str) -> str | None:
    """The optimizer a run label names: its first word, matched case-insensitively.

    ``"Adadelta (lr=1.0)"`` -> ``"Adadelta"``; ``"my run"`` -> None.
    """
    words = label.replace("(", " ").replace(":", " ").split()
    first = words[0].lower() if words else ""
    for name in STYLES:
        if first == name.lower():
            return name
    return None


def style_for(label: str) -> LineStyle:
    """The fixed style of the optimizer ``label`` names (the first extra style otherwise)."""
    name = optimizer_name(label)
    return STYLES[name] if name else EXTRA_STYLES[0]


def styles_for(labels: Sequence[str]) -> list[LineStyle]:
    """One style per label, all distinct within the list.

    Each optimizer keeps its fixed style the first time it appears; a second run of the same
    optimizer, or a label naming none, takes the next unused extra style.
    """
    used: set[LineStyle] = set()
    extras = iter(EXTRA_STYLES)
    styles = []
    for index, label in enumerate(labels):
        name = optimizer_name(label)
        style = STYLES[name] if name else None
        if style is None or style in used:
            style = next(extras, None)
            while style is not None and style in used:
                style = next(extras, None)
            if style is None:  # More runs than styles: cycle, still varying the marker.
                base = EXTRA_STYLES[index % len(EXTRA_STYLES)]
                style = base._replace(symbol=f"{base.symbol}-open")
        used.add(style)
        styles.append(style)
    return styles
