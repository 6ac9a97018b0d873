"""The pages' Export section: the run's trace, configuration, animated figure and code.

Nothing here is built on a plain rerun. The section is a keyed expander: while it is closed a
rerun draws only its label. Opened, it writes the JSON and the three code snippets (tens of
milliseconds, once per setting: they are kept in the ``exports`` store) and offers the CSV and
the standalone HTML as *deferred* downloads: Streamlit calls the builder (1 to 3 s: a
full-record run of the engine, or plotly.js inlined into a 5 MB page) only when the button is
clicked, on a thread of its own, while the button shows that it is working. A built file is
kept in the ``exports`` store too, so a class clicking the same link builds it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from adadelta import engine
from adadelta.exports import (
    NetworkProblem,
    NetworkRun,
    SurfaceRun,
    config_json,
    jax_program,
    keras_program,
    r_program,
    trace_csv,
)
from adadelta.problems import init_mlp
from adadelta.viz import alt_text
from adadelta.viz.standalone import standalone_html

from . import build, cache, compute

EXPANDER_KEY = "{page}.exports"
CSV_WINDOW = 512
"""Steps a network CSV's runs record at a time (``engine.run_in_windows``)."""
CODE = (
    ("Keras 3 (Python)", "python", "keras", keras_program, "py"),
    ("R (keras3)", "r", "r", r_program, "R"),
    ("JAX / optax-style (this package)", "python", "jax", jax_program, "py"),
)
"""Each code snippet: tab label, highlighting language, file stem, generator, extension."""


def surface_export_run(
    problem: build.ProblemSpec,
    optimizers: tuple[build.OptimizerSpec, ...],
    start: tuple[float, float],
    num_steps: int,
    seed: int,
) -> SurfaceRun:
    """The explorer's setting as the run the exports describe (``start`` as the engine runs)."""
    return SurfaceRun(
        objective=build.objective(problem),
        optimizers=tuple(build.optimizer(spec) for spec in optimizers),
        start=start,
        num_steps=num_steps,
        seed=seed,
        labels=tuple(spec.label for spec in optimizers),
    )


def network_export_run(
    network: build.NetworkSpec, optimizers: tuple[build.OptimizerSpec, ...], num_steps: int
) -> NetworkRun:
    """The network page's setting as the run the exports describe (``compute.train``'s run:
    weights from ``init_mlp(data_seed)``, minibatches keyed by ``data_seed``)."""
    return NetworkRun(
        problem=NetworkProblem(**network._asdict()),
        optimizers=tuple(build.optimizer(spec) for spec in optimizers),
        init_seed=network.data_seed,
        num_steps=num_steps,
        seed=network.data_seed,
        labels=tuple(spec.label for spec in optimizers),
    )


def build_csv(run: SurfaceRun | NetworkRun) -> str:
    """Runs the setting again recording everything (``engine.FULL``) and writes the CSV; a
    new number of steps compiles nothing."""
    if isinstance(run, NetworkRun):
        # Every step of every weight: in windows of a fixed number of steps (the steps
        # control's maximum would take tens of MB), one program for every num_steps.
        _, objective = run.problem.build()
        traces = engine.run_in_windows(
            objective,
            init_mlp(run.init_seed, run.problem.sizes),
            run.optimizers,
            run.num_steps,
            key=run.seed,
            window=CSV_WINDOW,
        )
    else:
        traces = engine.run(
            run.objective,
            np.asarray(run.start, np.float32),
            run.optimizers,
            run.num_steps,
            key=run.seed,
            record=engine.FULL,
            max_steps=compute.surface_max_steps(run.num_steps),  # one program, as the page
        )
    return trace_csv(run, traces)


def build_html(figure: dict[str, Any], title: str) -> str:
    """The animated figure as a standalone page (plotly.js inlined), its alt text under it."""
    return standalone_html(figure, title=title, description=alt_text(figure) or None)


def _texts(run: SurfaceRun | NetworkRun) -> dict[str, str]:
    """The configuration JSON and every code snippet of a run (a few tens of milliseconds)."""
    return {"json": config_json(run), **{name: program(run) for _, _, name, program, _ in CODE}}


def _deferred(key: tuple, make: Callable[[], str]) -> Callable[[], bytes]:
    """``make`` as a download's deferred data, kept in the ``exports`` store once built.

    The store is looked up now: the callable runs on a thread without a script context.
    """
    store = cache.store("exports")
    return lambda: store.get(key, make).encode("utf-8")


def export_section(
    page: str,
    setting: tuple,
    run_of: Callable[[], SurfaceRun | NetworkRun],
    figure: Callable[[], dict[str, Any]],
    title: str,
) -> None:
    """The Export expander of a page.

    Args:
        page: ``"surfaces"`` or ``"networks"`` (keys and file names).
        setting: the page's hashable setting (what the exports are cached on).
        run_of: builds the exports' run description (called only while the section is open).
        figure: the animated figure to export as HTML (called only on the HTML download).
        title: the HTML page's title.
    """
    section = st.expander(
        "Export: trace (CSV), configuration (JSON), animation (HTML), code (Keras, R, JAX)",
        icon=":material/download:",
        key=EXPANDER_KEY.format(page=page),
        on_change="rerun",
    )
    if section.open is not True:
        return
    with section:
        try:
            texts = cache.store("exports").get(("texts", page, setting), lambda: _texts(run_of()))
        except ValueError as error:
            st.info(f"This setting cannot be exported: {error}", icon=":material/info:")
            return
        stem = f"adadelta-lab-{page}"
        csv_data = _deferred(("csv", page, setting), lambda: build_csv(run_of()))
        html_data = _deferred(
            ("html", page, setting), lambda: build_html(figure(), f"Adadelta Lab: {title}")
        )
        left, middle, right = st.columns(3)
        left.download_button(
            "Trace (CSV)",
            csv_data,
            file_name=f"{stem}-trace.csv",
            mime="text/csv",
            icon=":material/table:",
            on_click="ignore",
            help="Every step of every optimizer: position or weights' summary, loss, learning "
            "rate, gradients after each pipeline stage, effective rates, slots. Built when "
            "clicked (a second or two).",
        )
        middle.download_button(
            "Configuration (JSON)",
            texts["json"],
            file_name=f"{stem}-config.json",
            mime="application/json",
            icon=":material/data_object:",
            on_click="ignore",
            help="The problem, start, steps, seed and every optimizer as Keras serializes it; "
            "adadelta.exports.run_from_json reads it back.",
        )
        right.download_button(
            "Animation (HTML, offline)",
            html_data,
            file_name=f"{stem}-animation.html",
            mime="text/html",
            icon=":material/animation:",
            on_click="ignore",
            help="The animated figure as one file with plotly.js inside: plays from disk with "
            "no network, for slides. Built when clicked (a few seconds, about 5 MB).",
        )
        st.caption(
            "The CSV and the animation are built when you click (a few seconds): the button "
            "stays pressed until the download starts."
        )
        st.markdown("**Code that reproduces this run**")
        for tab, (_, language, name, _, ext) in zip(st.tabs([label for label, *_ in CODE]), CODE):
            source = texts[name]
            tab.code(source, language=language, height=320)
            tab.download_button(
                f"Download {name}.{ext}",
                source,
                file_name=f"{stem}-{name}.{ext}",
                mime="text/plain",
                icon=":material/code:",
                on_click="ignore",
                key=f"{page}.exports.{name}",
            )
