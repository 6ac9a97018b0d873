"""Figures of the sweeps page: the paper's tables, sensitivity maps, basins and swarms.

Every map and table carries invisible click targets whose points name their cell
(``clicked_cell``), so a page can open the setting of a clicked cell.
"""

from adadelta.viz.sweeps.basins import basins_figure, minimum_colour
from adadelta.viz.sweeps.grid import CLICK_TRACE, DIVERGED_COLOUR, clicked_cell
from adadelta.viz.sweeps.maps import LOSSES, colour_range, log_gap, sensitivity_figure
from adadelta.viz.sweeps.swarm import MAX_FIGURE_BYTES, swarm_figure, swarm_frames
from adadelta.viz.sweeps.tables import cell_text, table_figure

__all__ = [
    "CLICK_TRACE",
    "DIVERGED_COLOUR",
    "LOSSES",
    "MAX_FIGURE_BYTES",
    "basins_figure",
    "cell_text",
    "clicked_cell",
    "colour_range",
    "log_gap",
    "minimum_colour",
    "sensitivity_figure",
    "swarm_figure",
    "swarm_frames",
    "table_figure",
]
