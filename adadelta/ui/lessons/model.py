"""What a lesson is: a prepared view, a question its run answers, and what the run reveals.

A view is a link: control values by the control table's keys, written into URL parameters with
``pagestate.encode`` and read back with ``pagestate.surfaces_page`` or ``networks_page``, which
say exactly what the page runs. ``run`` runs that through the engine as the pages do, so the
lesson reveals what the explorer then shows. Nothing here imports Streamlit.
"""

from __future__ import annotations

import dataclasses
import math
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

from adadelta import engine
from adadelta.problems import init_mlp
from adadelta.ui import build, controls, pagestate
from adadelta.ui.kinds import Control, Group

PAGES: dict[str, tuple[tuple[Group, ...], Callable[[pagestate.Query], pagestate.PageState]]] = {
    "surfaces": (controls.SURFACE_PAGE, pagestate.surfaces_page),
    "networks": (controls.NETWORK_PAGE, pagestate.networks_page),
}
"""The pages a lesson can open (their URL paths), with their groups and link readers."""

PAGE_TITLES = {"surfaces": "the loss-surface explorer", "networks": "the small-network trainer"}


@dataclasses.dataclass(frozen=True)
class View:
    """A prepared view: a page and the values (by control key) it opens with.

    Attributes:
        page: ``"surfaces"`` or ``"networks"``, the page's URL path.
        values: ``(key, value)`` pairs; keys come from the control table, never typed.
    """

    page: str
    values: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, page: str, values: Mapping[Control, Any]) -> View:
        """A view of ``page`` with these control values (controls of that page's table)."""
        if page not in PAGES:
            raise ValueError(f"`page` must be one of {', '.join(PAGES)}, not {page!r}")
        return cls(page, tuple((control.key, value) for control, value in values.items()))

    def but(self, changes: Mapping[Control, Any], drop: Iterable[Control] = ()) -> View:
        """The same view with some values changed and the controls ``drop`` back at default."""
        dropped = {control.key for control in drop}
        values = {key: value for key, value in self.values if key not in dropped}
        values.update((control.key, value) for control, value in changes.items())
        return View(self.page, tuple(values.items()))

    def value(self, control: Control) -> Any:
        """The value this view gives ``control`` (its default when the view does not set it)."""
        return control.value(dict(self.values))

    def query(self) -> dict[str, str]:
        """The view's URL parameters (values that differ from the defaults, as text)."""
        return pagestate.encode(PAGES[self.page][0], dict(self.values))

    def link(self) -> str:
        """The view as a link relative to the app's pages, e.g. ``surfaces?adadelta.rho=0.99``."""
        query = self.query()
        return self.page + ("?" + urllib.parse.urlencode(query) if query else "")

    def state(self) -> pagestate.PageState:
        """What the page runs when it opens this view's link, and what it says about the link."""
        return PAGES[self.page][1](self.query())


class Result(NamedTuple):
    """A view's run: what the page runs, one trace per optimizer (by label), the objective."""

    state: pagestate.PageState
    traces: dict[str, engine.Trace]
    objective: Any


def run(view: View) -> Result:
    """Runs a view as its page does (``adadelta.ui.compute``: build, then one engine run).

    Raises:
        ValueError: if the page would warn about the view's link (a message) or ignore one of
            its values (an unused key): a lesson's view must open exactly as written.
    """
    state = view.state()
    if state.messages or state.unused:
        raise ValueError(
            f"the view {view.link()!r} does not open as written: "
            f"messages {list(state.messages)}, unused {list(state.unused)}"
        )
    built = [build.optimizer(spec) for spec in state.run.optimizers]
    labels = [spec.label for spec in state.run.optimizers]
    if view.page == "surfaces":
        problem, _, start, num_steps, seed = state.run
        objective = build.objective(problem)
        params = np.asarray(start, np.float32)
    else:
        network, _, num_steps = state.run
        _, objective, sizes = build.network(network)
        params, seed = init_mlp(network.data_seed, sizes), network.data_seed
    traces = engine.run(objective, params, built, num_steps, key=seed)
    return Result(state, dict(zip(labels, traces)), objective)


class Outcome(NamedTuple):
    """What a lesson's run reveals.

    Attributes:
        answer: the index of the option the run makes true.
        explanation: Markdown: what happened and why, with the run's numbers.
        numbers: the key numbers as ``(label, value)`` texts, shown as metrics.
        figure: a small Plotly figure (a plain dict).
        facts: the measured numbers by name (what the tests check against the engine).
    """

    answer: int
    explanation: str
    numbers: tuple[tuple[str, str], ...]
    figure: dict[str, Any]
    facts: dict[str, float]


@dataclasses.dataclass(frozen=True)
class Lesson:
    """One guided lesson.

    Attributes:
        slug: its name in the URL (``/lessons?lesson=<slug>``).
        title: a short title.
        text: Markdown, a few sentences (no numbers the run has not checked).
        equation: LaTeX for ``st.latex``.
        question: what the student predicts.
        options: the possible answers; the run decides which is right.
        view: the prepared view the run uses and the button opens.
        assess: runs the view (and variants of it) and returns the ``Outcome``.
        look: where to look on the page the button opens.
        sources: the references, one line.
    """

    slug: str
    title: str
    text: str
    equation: str
    question: str
    options: tuple[str, ...]
    view: View
    assess: Callable[[View], Outcome]
    look: str
    sources: str

    def outcome(self) -> Outcome:
        """Runs the prepared view and says which answer is right, and why."""
        outcome = self.assess(self.view)
        if not 0 <= outcome.answer < len(self.options):
            raise ValueError(f"lesson {self.slug!r}: answer {outcome.answer} is not an option")
        return outcome


def option(options: tuple[str, ...], text: str) -> int:
    """The index of the option ``text`` (a lesson names its answer by its text)."""
    return options.index(text)


def fmt(value: float, digits: int = 3) -> str:
    """A number as the lessons print it: ``1.41e-6``, ``0.00734``, ``2,000``, ``91,100``."""
    if value is None or not math.isfinite(value):
        return "—"
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{int(value):,}"
    if 1e3 <= abs(value) < 1e7:
        return f"{int(float(f'{value:.{digits}g}')):,}"
    text = f"{value:.{digits}g}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text


def moved(trace: engine.Trace) -> np.ndarray:
    """Distance from the start after each step, ``[T+1]`` (a surface run's path)."""
    return np.linalg.norm(trace.params - trace.params[0], axis=1)


def path_length(trace: engine.Trace) -> float:
    """The length of the whole path (the sum of every step's length)."""
    return float(np.sum(np.linalg.norm(np.diff(trace.params, axis=0), axis=1)))


LATE = 500
"""Where a run's end is judged: its last 500 steps (a single last step may be one swing of
an oscillation)."""


def late_losses(trace: engine.Trace) -> tuple[float, float]:
    """The lowest and highest loss over the last ``LATE`` steps of a run."""
    late = trace.loss[-LATE:]
    return float(late.min()), float(late.max())


def steps(rows: int) -> np.ndarray:
    """The step numbers of per-call rows (row t is call t + 1)."""
    return np.arange(1, rows + 1)
