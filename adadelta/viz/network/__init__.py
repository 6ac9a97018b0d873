"""The network page's figures: the decision boundary, the training curves, the per-layer
learning rates, their distribution at one step, and the network drawn as a graph."""

from adadelta.viz.network.boundary import GRID_RESOLUTION, MAX_FRAMES, decision_boundary_figure
from adadelta.viz.network.curves import training_curves_figure
from adadelta.viz.network.data import (
    kernel_values_at,
    last_update_step,
    layer_rate_quantiles,
    layer_sizes,
    log10_kernel_rates,
    position_rows,
    rate_rows,
    recorded_at_or_before,
)
from adadelta.viz.network.graph import network_graph_figure, value_range
from adadelta.viz.network.rates import (
    layer_quantiles_figure,
    layer_rates_figure,
    rate_distribution_figure,
)

__all__ = [
    "GRID_RESOLUTION",
    "MAX_FRAMES",
    "decision_boundary_figure",
    "kernel_values_at",
    "last_update_step",
    "layer_quantiles_figure",
    "layer_rate_quantiles",
    "layer_rates_figure",
    "layer_sizes",
    "log10_kernel_rates",
    "network_graph_figure",
    "position_rows",
    "rate_distribution_figure",
    "rate_rows",
    "recorded_at_or_before",
    "training_curves_figure",
    "value_range",
]
