"""The home page's parts: its references, the map of the pages, and links that never break.

A page of the map may not be registered yet (``app.py`` lists the pages in ``st.navigation``;
some are still being built): its line is then plain text saying it is coming, instead of a
link that would raise.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from . import build
from .kinds import show

PAPER_URL = "https://arxiv.org/abs/1212.5701"
KERAS_URL = "https://keras.io/api/optimizers/adadelta/"


class MapEntry(NamedTuple):
    """One page of the map: its file, URL, label and one line on what it is for."""

    file: str
    url: str
    label: str
    line: str
    icon: str


MAP = (
    MapEntry(
        "pages/surfaces.py",
        "surfaces",
        "Loss surfaces",
        "every Adadelta argument on 2-D surfaces, against Adagrad, RMSprop, SGD and Adam.",
        ":material/landscape:",
    ),
    MapEntry(
        "pages/networks.py",
        "networks",
        "Small networks",
        "a small MLP learns a toy data set; every weight keeps its own rate.",
        ":material/hub:",
    ),
    MapEntry(
        "pages/lessons.py",
        "lessons",
        "Lessons",
        "guided lessons: predict what the optimizer will do, then run it.",
        ":material/school:",
    ),
    MapEntry(
        "pages/anatomy.py",
        "anatomy",
        "Anatomy",
        "one step dissected: Keras's apply() pipeline with this step's numbers.",
        ":material/biotech:",
    ),
    MapEntry(
        "pages/sweeps.py",
        "sweeps",
        "Sweeps",
        "many settings or starts at once: sensitivity maps, basins, swarms.",
        ":material/grid_on:",
    ),
)
"""The pages, in the order a newcomer might visit them."""


def link(url: str, label: str, icon: str) -> bool:
    """A link to the page of the map at ``url``; False (and nothing drawn) if it is not
    registered in ``st.navigation``."""
    entry = next(entry for entry in MAP if entry.url == url)
    try:
        st.page_link(entry.file, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        return False
    return True


def map_line(entry: MapEntry) -> None:
    """One line of the map: a link when the page is registered, else a line saying it is coming."""
    if not link(entry.url, f"**{entry.label}**: {entry.line}", entry.icon):
        st.markdown(f"{entry.icon} **{entry.label}** (coming soon at /{entry.url}): {entry.line}")


def setting_text(spec: build.OptimizerSpec) -> str:
    """An optimizer's numeric arguments as Keras names them: ``learning_rate 1, rho 0.95``."""
    kind, lr_values = spec.learning_rate
    arguments = dict(lr_values) if kind == "constant" else {"learning_rate": kind}
    arguments.update((name, value) for name, value in spec.rule if name != "name")
    return ", ".join(f"{name} {show(value)}" for name, value in arguments.items())
