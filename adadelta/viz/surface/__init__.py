"""The loss-surface page's figures: paths on the contour, rates, loss, accumulators, 3-D."""

from adadelta.viz.surface.accumulators import accumulators_figure
from adadelta.viz.surface.backdrop import Backdrop, backdrop
from adadelta.viz.surface.combine import side_by_side
from adadelta.viz.surface.loss import loss_figure
from adadelta.viz.surface.paths import contour_figure, ema_jumps
from adadelta.viz.surface.rates import effective_lr_figure
from adadelta.viz.surface.surface3d import surface3d_figure

__all__ = [
    "Backdrop",
    "accumulators_figure",
    "backdrop",
    "contour_figure",
    "effective_lr_figure",
    "ema_jumps",
    "loss_figure",
    "side_by_side",
    "surface3d_figure",
]
