"""Plotly figure builders: arrays in, ``go.Figure`` out. Never imports Streamlit.

Every animated figure names its frames ``str(step)`` from one shared list of frame steps
(``frame_indices``), and its frames touch only moving traces with ``redraw=False``.
"""

from adadelta.viz.accumulators import accumulators_figure
from adadelta.viz.contour import contour_figure, ema_jumps
from adadelta.viz.frames import frame_indices
from adadelta.viz.layout import alt_text
from adadelta.viz.loss import loss_figure
from adadelta.viz.rates import effective_lr_figure
from adadelta.viz.runs import Run
from adadelta.viz.schedule import schedule_preview_figure
from adadelta.viz.style import STYLES, LineStyle, style_for, styles_for
from adadelta.viz.surface3d import surface3d_figure

__all__ = [
    "STYLES",
    "LineStyle",
    "Run",
    "accumulators_figure",
    "alt_text",
    "contour_figure",
    "effective_lr_figure",
    "ema_jumps",
    "frame_indices",
    "loss_figure",
    "schedule_preview_figure",
    "style_for",
    "styles_for",
    "surface3d_figure",
]
