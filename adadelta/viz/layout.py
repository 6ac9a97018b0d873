"""What every figure shares: template, title, alt text, uirevision and the notes box."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from adadelta.viz.style import TEMPLATE


def finish_layout(
    fig: go.Figure, *, title: str, alt: str, uirevision: str, height: int | None = None
) -> go.Figure:
    """Applies the house layout: white template, title, alt text and a stable uirevision.

    ``uirevision`` keeps the user's zoom and legend clicks across Streamlit reruns as long as
    it stays the same; ``layout.meta["alt"]`` is a sentence for screen readers (pass it to
    ``st.plotly_chart``'s alt text).
    """
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.0, "xanchor": "left"},
        meta={"alt": alt},
        uirevision=uirevision,
        font={"size": 13},
        hovermode="closest",
    )
    if height is not None:
        fig.update_layout(height=height)
    return fig


def alt_text(fig: go.Figure) -> str:
    """The figure's alt text: ``layout.meta["alt"]``, else its title."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("alt"):
        return str(meta["alt"])
    return str(fig.layout.title.text or "")


def add_notes(fig: go.Figure, lines: Sequence[str], *, y: float = 1.0) -> None:
    """Writes sentences that must not be missed (divergence, leaving the plot) on the figure.

    They sit in paper coordinates inside the top-left corner of the plot, so they stay
    visible whatever the axis ranges.
    """
    if not lines:
        return
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0.01,
        y=y,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        bgcolor="rgba(255,255,255,0.85)",
        bordercolor="#444",
        borderwidth=1,
        font={"size": 12, "color": "#222"},
        name="notes",
    )
