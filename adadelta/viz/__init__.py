"""Plotly figure builders: arrays in, figures out as plain JSON-ready dicts. Never imports
Streamlit.

Rooms by subject: ``shared`` (the figure format, styles, the frame sampler, the animation
controls, ``Run``), ``surface`` (the loss-surface page) and ``network`` (the network page).
Every animated figure of a page names its frames ``str(step)`` from one list of frame steps
(``frame_steps``), and its frames touch only moving traces with ``redraw=False`` (the
network's heatmaps excepted, which plotly.js must redraw).
"""

from adadelta.viz.shared.figure import Figure, alt_text
from adadelta.viz.shared.frames import curve_steps, frame_steps
from adadelta.viz.shared.runs import Run
from adadelta.viz.shared.schedule import schedule_preview_figure
from adadelta.viz.shared.style import STYLES, LineStyle, style_for, styles_for
from adadelta.viz.surface import (
    Backdrop,
    accumulators_figure,
    backdrop,
    contour_figure,
    effective_lr_figure,
    ema_jumps,
    loss_figure,
    side_by_side,
    surface3d_figure,
)

__all__ = [
    "STYLES",
    "Backdrop",
    "Figure",
    "LineStyle",
    "Run",
    "accumulators_figure",
    "alt_text",
    "backdrop",
    "contour_figure",
    "curve_steps",
    "effective_lr_figure",
    "ema_jumps",
    "frame_steps",
    "loss_figure",
    "schedule_preview_figure",
    "side_by_side",
    "style_for",
    "styles_for",
    "surface3d_figure",
]
