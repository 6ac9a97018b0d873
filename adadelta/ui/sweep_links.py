"""Where a cell of a sweep opens: the explorer's or the network page's URL for its setting.

A sweep runs settings that the other pages can run one at a time. The link of a cell is that
page's URL state (``pagestate.encode``) with the cell's arguments, so ``surfaces_page`` of the
link runs exactly the cell's optimizer from the same start on the same surface.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from . import controls, pagestate

PIPELINE_AXES = ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay")
"""Map axes that are ``apply()`` arguments: on the explorer they apply to every optimizer."""


def url(path: str, groups: tuple, values: Mapping[str, Any]) -> str:
    """``path?<the URL parameters of values>`` (only values that differ from the defaults)."""
    query = pagestate.encode(groups, values)
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


def surface_values(surface: str, num_steps: int, base: Mapping[str, Any]) -> dict[str, Any]:
    """The explorer's values for a surface at its default start, with ``base`` (the sweeps
    page's optimizer values by key) and Adagrad beside Adadelta."""
    problem = controls.PROBLEM
    return {
        **base,
        problem["surface"].key: surface,
        problem["num_steps"].key: int(num_steps),
        problem["compare"].key: ("Adagrad",),
    }


def adadelta_changes(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The explorer's values that set these Adadelta arguments (a pipeline argument switches
    on its clipping choice)."""
    values: dict[str, Any] = {}
    for name, value in arguments.items():
        if name == "learning_rate":
            values[controls.SCHEDULES["constant"]["learning_rate"].key] = value
            values[controls.LR_KIND.key] = "constant"
        elif name in ("rho", "epsilon"):
            values[controls.ADADELTA[name].key] = value
        elif name in controls.CLIPPING_ARGUMENTS:
            values[controls.PIPELINE["clipping"].key] = name
            values[controls.PIPELINE[name].key] = value
        elif name == "weight_decay":
            values[controls.PIPELINE[name].key] = value
        else:
            raise ValueError(f"`{name}` is not an axis of the sensitivity maps")
    return values


def adagrad_changes(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The explorer's values that set these Adagrad arguments."""
    group = controls.relative("Adagrad")
    return {group[name].key: value for name, value in arguments.items()}


def surface_start(surface: str, x0: float, y0: float) -> dict[str, Any]:
    """The explorer's values of a start point on a surface (axis_scale 1)."""
    group = controls.surface(surface)
    return {group["x0"].key: float(x0), group["y0"].key: float(y0)}


def surfaces_url(values: Mapping[str, Any]) -> str:
    """The explorer's URL for these values."""
    return url("/surfaces", controls.SURFACE_PAGE, values)


NETWORK_EQUIVALENT = {"hidden_layers": 1, "width": 32, "activation": "tanh", "batch_size": 100}
"""The digits experiment's network on the network page: one tanh hidden layer of 32, batches
of 100. The data differ: the network page trains on 2-D toy data, not on 8x8 digits."""


def network_url(table: Any, index: tuple[int, ...]) -> str:
    """The network page's URL for cell ``index`` of a ``PaperTable``: the same optimizer
    setting and network shape, on the network page's toy data, for the same number of steps."""
    optimizer = table.cell_optimizer(index)
    config = optimizer.get_config()
    network = controls.NETWORK
    values: dict[str, Any] = {network[k].key: v for k, v in NETWORK_EQUIVALENT.items()}
    values[network["num_steps"].key] = int(table.num_steps)
    if table.optimizer == "Adadelta":
        values.update(adadelta_changes({k: config[k] for k in ("learning_rate", "rho", "epsilon")}))
        values[network["compare"].key] = ()
    else:
        label = table.optimizer
        group = controls.relative(label)
        values[network["compare"].key] = (label,)
        for name in ("learning_rate", "momentum", "initial_accumulator_value", "epsilon"):
            if name in group:
                values[group[name].key] = float(config[name])
    return url("/networks", controls.NETWORK_PAGE, values)
