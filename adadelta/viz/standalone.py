"""A figure as one self-contained HTML file that plays offline, for slides.

plotly.js is inlined (about 4.8 MB), so the file needs no network: opened from disk, the
animation's ▶ Play / ❚❚ Pause buttons and the step scrubber work as in the app. Images in the
figure (the surface raster) are already data URIs. The figure is taken as built (a
``go.Figure`` or its dict), so this works for any of the app's figures.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": False}
"""plotly.js options: resize with the window (a slide), no logo, no accidental zoom."""

DIV_ID = "figure"
"""The id of the figure's ``<div>``, for scripts and tests."""


def standalone_html(
    figure: go.Figure | dict[str, Any],
    *,
    title: str = "Adadelta Lab",
    auto_play: bool = False,
    fill_window: bool = True,
    description: str | None = None,
) -> str:
    """The figure as a complete HTML page with plotly.js inlined.

    Args:
        figure: a ``go.Figure`` or a figure dict (``{"data", "layout", "frames"}``), shown as is.
        title: the page's title (the browser tab; screen readers announce it).
        auto_play: start the animation when the page opens (default: wait for ▶ Play).
        fill_window: drop the figure's fixed size so it fills the browser window (a slide);
            False keeps the size it has in the app.
        description: a text summary of the chart (e.g. its alt text), put in the page for
            screen readers and shown under the chart; None for none.

    Returns:
        The HTML text (UTF-8), to be written to a ``.html`` file.
    """
    # plotly.io would convert a go.Figure to a dict anyway; the caller's figure is not changed.
    spec = figure.to_dict() if isinstance(figure, go.Figure) else dict(figure)
    if fill_window:
        layout = {k: v for k, v in spec.get("layout", {}).items() if k not in ("height", "width")}
        spec["layout"] = {**layout, "autosize": True}
    page = pio.to_html(
        spec,
        config=CONFIG,
        auto_play=auto_play,
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=True,
        validate=False,
        div_id=DIV_ID,
    )
    head = f'<meta charset="utf-8" />\n    <title>{html.escape(title)}</title>'
    page = page.replace('<meta charset="utf-8" />', head, 1)
    if description:
        summary = f'<p id="figure-description">{html.escape(description)}</p>\n</body>'
        page = page[: page.rindex("</body>")] + summary + page[page.rindex("</body>") + 7 :]
    return page
