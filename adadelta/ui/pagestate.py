"""From a page's state (its URL parameters) to exactly what the page runs, without Streamlit.

A page's state is a mapping from keys (``adadelta.rho``) to values. It comes from a link,
``read`` turns the URL text into values, and the widgets hold it in ``st.session_state``;
``surface_run`` and ``network_run`` turn either into the specs the page computes and draws.
The pages call these same functions on their session state, so what a link shows and what
these functions say it shows cannot drift apart::

    state = surfaces_page({"adadelta.rho": "0.5", "problem.compare": "Adagrad,SGD"})
    problem, optimizers, start, num_steps, seed = state.run
    state.messages  # () : every parameter was understood

``encode`` is the way back: the URL parameters of a state (only values that differ from the
defaults), so ``surfaces_page(encode(SURFACE_PAGE, values)).run == surface_run(values)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from . import build, controls
from .kinds import Group

Query = Mapping[str, str | Sequence[str]]
"""URL parameters: text by key (a list of texts, as ``urllib.parse.parse_qs`` gives, is read
as its last element, as a browser does)."""


class SurfaceRun(NamedTuple):
    """What the loss-surface page runs: ``figures.surface_results(*run)``."""

    problem: build.ProblemSpec
    optimizers: tuple[build.OptimizerSpec, ...]
    start: tuple[float, float]
    num_steps: int
    seed: int


class NetworkRun(NamedTuple):
    """What the network page runs: ``figures.network_results(*run)``."""

    network: build.NetworkSpec
    optimizers: tuple[build.OptimizerSpec, ...]
    num_steps: int


class PageState(NamedTuple):
    """A link read: what the page runs, and what the reader is told about the link.

    Attributes:
        run: a ``SurfaceRun`` or ``NetworkRun``.
        messages: one sentence per parameter that was ignored (unknown or unreadable) or
            changed (clamped into range); the page shows them as one warning.
        unused: keys of known parameters that do not change this run (e.g. a schedule's
            argument while learning_rate is a constant, or a comparison optimizer's while it is
            not compared). Not an error: a page keeps such values for when they apply.
    """

    run: SurfaceRun | NetworkRun | AnatomyRun
    messages: tuple[str, ...]
    unused: tuple[str, ...]


def read(
    groups: Iterable[Group], query: Query, extra_keys: Iterable[str] = ()
) -> tuple[dict[str, Any], list[str]]:
    """The values of the URL parameters by key, and a message per parameter not taken as is.

    Never raises: an unknown key is reported and skipped; unreadable text keeps the default
    and is reported; a number out of range is clamped into it and reported. Keys absent from
    ``query`` are absent from the values (their controls keep their defaults). Keys in
    ``extra_keys`` belong to the page but not to the control table; they are left alone.
    """
    by_key = controls.controls_of(tuple(groups))
    extra = set(extra_keys)
    values: dict[str, Any] = {}
    messages = []
    for key, given in query.items():
        text = given if isinstance(given, str) else (given[-1] if given else "")
        control = by_key.get(key)
        if control is None:
            if key not in extra:
                shown = key if len(key) <= 60 else key[:60] + "…"
                messages.append(f"unknown parameter `{shown}` ignored")
            continue
        reading = control.read(text)
        values[key] = reading.value
        if reading.message:
            messages.append(reading.message)
    return values, messages


def encode(groups: Iterable[Group], values: Mapping[str, Any]) -> dict[str, str]:
    """The URL parameters of ``values``: each value that differs from its default, as text."""
    by_key = controls.controls_of(tuple(groups))
    return {
        key: control.encode(values[key])
        for key, control in by_key.items()
        if key in values and not control.is_default(values[key])
    }


def pipeline_arguments(values: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Keras's ``apply()`` arguments in effect, sorted by name: the chosen clipping argument
    only, the EMA's momentum and overwrite frequency only with ``use_ema``."""
    chosen = controls.PIPELINE.values(values)
    del chosen["clipping"]
    return build.frozen(chosen)


def optimizer_specs(
    values: Mapping[str, Any], compare: Sequence[str]
) -> tuple[build.OptimizerSpec, ...]:
    """Adadelta, then each optimizer of ``compare`` (labels of ``controls.RELATIVES``)."""
    pipeline = pipeline_arguments(values)
    kind = controls.LR_KIND.value(values)
    specs = [
        build.OptimizerSpec(
            "Adadelta",
            build.frozen(controls.ADADELTA.values(values)),
            (kind, build.frozen(controls.schedule(kind).values(values))),
            pipeline,
        )
    ]
    for label in compare:
        rule = controls.relative(label).values(values)
        learning_rate = rule.pop("learning_rate")
        specs.append(
            build.OptimizerSpec(
                label,
                build.frozen(rule),
                ("constant", (("learning_rate", learning_rate),)),
                pipeline,
            )
        )
    return tuple(specs)


def surface_run(values: Mapping[str, Any]) -> SurfaceRun:
    """What the loss-surface page runs for these values (by key; defaults where absent)."""
    problem = controls.PROBLEM.values(values)
    key = problem["surface"]
    surface = controls.surface(key).values(values)
    x0, y0 = surface.pop("x0"), surface.pop("y0")
    # The start is a point of the unscaled surface; in f(x, s·y) the optimizer's y is y0 / s.
    axis_scale = problem["axis_scale"]
    return SurfaceRun(
        problem=build.ProblemSpec(
            surface=key,
            formula=problem.get("formula", ""),
            shape_params=build.frozen(surface),
            axis_scale=axis_scale,
            noise_sigma=problem["noise_sigma"],
        ),
        optimizers=optimizer_specs(values, problem["compare"]),
        start=(x0, y0 / axis_scale),
        num_steps=problem["num_steps"],
        seed=problem["seed"],
    )


class AnatomyRun(NamedTuple):
    """What the anatomy page takes apart: call ``t`` of Adadelta's and Adagrad's runs."""

    run: SurfaceRun
    t: int


def anatomy_run(values: Mapping[str, Any]) -> AnatomyRun:
    """The explorer's run for these values, with Adadelta and Adagrad only, and the call t
    (at most the run's number of calls)."""
    run = surface_run(values)
    run = run._replace(optimizers=optimizer_specs(values, ("Adagrad",)))
    t = min(controls.ANATOMY.values(values)["t"], run.num_steps)
    return AnatomyRun(run, t)


def network_run(values: Mapping[str, Any]) -> NetworkRun:
    """What the network page runs for these values (by key; defaults where absent)."""
    network = controls.NETWORK.values(values)
    compare = network.pop("compare")
    num_steps = network.pop("num_steps")
    return NetworkRun(build.NetworkSpec(**network), optimizer_specs(values, compare), num_steps)


class _Reads(dict):
    """Values that remember which keys were looked up (to find parameters with no effect)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.looked_up: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.looked_up.add(key)
        return super().get(key, default)


def _page(
    groups: tuple[Group, ...], run_of: Callable[[Mapping[str, Any]], Any], query: Query
) -> PageState:
    values, messages = read(groups, query)
    reads = _Reads(values)
    run = run_of(reads)
    unused = tuple(key for key in values if key not in reads.looked_up)
    return PageState(run, tuple(messages), unused)


def surfaces_page(query: Query) -> PageState:
    """What the loss-surface page runs for a link's parameters, and what it says about them."""
    return _page(controls.SURFACE_PAGE, surface_run, query)


def anatomy_page(query: Query) -> PageState:
    """What the anatomy page takes apart for a link's parameters, and what it says about them."""
    return _page(controls.ANATOMY_PAGE, anatomy_run, query)


def networks_page(query: Query) -> PageState:
    """What the network page runs for a link's parameters, and what it says about them."""
    return _page(controls.NETWORK_PAGE, network_run, query)
