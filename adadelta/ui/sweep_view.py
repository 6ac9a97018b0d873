"""The sweeps page's four experiments: computed once per setting (shared caches), drawn, and
each clicked cell turned into a link to the page that runs it alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import streamlit as st

from adadelta import sweeps
from adadelta.sweeps import claims as paper_claims
from adadelta.viz import sweeps as sweepviz

from . import build, cache, compute, controls, pagestate, sweep_links
from .charts import chart
from .surface_view import backdrop
from .widgets import plain, render

AXIS_RANGES: dict[str, tuple[float, float]] = {
    "learning_rate": (1e-3, 10.0),
    "rho": (0.5, 0.999),
    "epsilon": (1e-10, 1e-1),
    "clipnorm": (1e-2, 1e2),
    "clipvalue": (1e-2, 1e2),
    "global_clipnorm": (1e-2, 1e2),
    "weight_decay": (1e-4, 1.0),
}
"""The range each map axis sweeps (log-spaced where it spans decades)."""

ADAGRAD_AXES = (("learning_rate", (1e-3, 10.0)), ("initial_accumulator_value", (1e-4, 10.0)))
"""Adagrad's map beside Adadelta's: learning_rate x initial_accumulator_value."""

MAX_MAP_VALUES = 1 << 23
"""Cells x (steps + 1) of one map: a bound on its work (both maps at the bound, 128 x 128 cells x
511 steps on Rosenbrock, run in about 0.35 s of CPU)."""

MAP_MAX_STEPS = controls.SWEEPS["num_steps"].high
BASIN_MAX_STEPS = controls.SWEEPS["basin_steps"].high
"""The step controls' maxima: the maps and basins are compiled for these, so moving a step
control compiles nothing (each cell keeps only its lowest loss, each start its end)."""

SWEEP_CHUNK = 4096
SWARM_CHUNK = controls.SWEEPS["starts"].high
"""The batch the maps and basins (4,096 cells or starts at a time, the last chunk filled up)
and the swarms (every start at once) are compiled for: a new resolution or number of starts
compiles nothing (a compile took 1-2 s). The price, measured in CPU: both 8 x 8 maps 72 ms
instead of 7 ms, 64 x 64 the same (88 ms), 128 x 128 x 511 steps 0.34 s instead of 0.23 s;
80² basins 93 ms instead of 58 ms."""

DIGITS_SETUP = sweeps.DigitsSetup()


def _store() -> cache.Store:
    return cache.store("sweeps")


def base_values(session: Mapping[str, Any]) -> dict[str, Any]:
    """The sweeps page's optimizer values by key (Adadelta and Adagrad), defaults included."""
    groups = controls.SWEEPS_PAGE[1:]
    return {key: control.value(session) for key, control in controls.controls_of(groups).items()}


def surface_setting(surface: str, num_steps: int, base: Mapping[str, Any]) -> pagestate.SurfaceRun:
    """What the explorer runs for a surface at its default start with the base settings."""
    return pagestate.surface_run(sweep_links.surface_values(surface, num_steps, base))


def _selected_cell(key: str) -> tuple[int, int] | None:
    event = st.session_state.get(key)
    points = (event or {}).get("selection", {}).get("points") or []
    for point in reversed(points):
        cell = sweepviz.clicked_cell(point)
        if cell is not None:
            return cell
    return None


def _link(label: str, url: str, caption: str) -> None:
    st.link_button(label, url, icon=":material/open_in_new:")
    st.caption(caption)


def maps_section(session: Mapping[str, Any]) -> None:
    """Adadelta's map over two chosen arguments beside Adagrad's learning_rate x
    initial_accumulator_value, on one surface from one start."""
    group = controls.SWEEPS
    left, right = st.columns(2)
    with left:
        surface = render(group["surface"])
        x_axis = render(group["x_axis"])
        y_axis = render(group["y_axis"])
    with right:
        resolution = render(group["resolution"])
        num_steps = render(group["num_steps"])
        which = render(group["loss"])
    st.caption(
        "Ranges: "
        + "; ".join(f"{n} {lo:g} to {hi:g}" for n, (lo, hi) in AXIS_RANGES.items())
        + ". Bounds: 8 to 128 values per axis, 10 to 2,000 steps, and cells x (steps + 1) "
        "≤ 2²³ (a bound on the work: both 64 x 64 x 500 maps take under 0.1 s of CPU, "
        "figures included)."
    )
    if x_axis == y_axis:
        st.error("Choose two different arguments for the axes.", icon=":material/error:")
        return
    if resolution * resolution * (num_steps + 1) > MAX_MAP_VALUES:
        st.error(
            f"{resolution} x {resolution} cells x {num_steps} steps is too large: keep "
            f"resolution² x (num_steps + 1) ≤ {MAX_MAP_VALUES:,} (e.g. 128 x 128 up to 511 "
            "steps, 64 x 64 up to 2,000).",
            icon=":material/error:",
        )
        return
    base = base_values(session)
    problem, specs, start, _, seed = surface_setting(surface, num_steps, base)
    setting = ("maps", problem, specs, start, x_axis, y_axis, resolution, num_steps, seed)
    try:
        with compute.computing("sweeps", setting, "Running every cell..."):
            maps = _store().get(setting, lambda: _run_maps(setting))
    except ValueError as error:
        st.error(f"**Map:** {plain(error)}", icon=":material/error:")
        return
    objective_minimum = _surface_minimum(problem, maps, which)
    zrange = sweepviz.colour_range(list(maps), which, objective_minimum)
    columns = st.columns(2)
    for column, sweep, name in zip(columns, maps, ("Adadelta", "Adagrad")):
        fig = compute.figure(
            (*setting, which, name),
            lambda s=sweep: sweepviz.sensitivity_figure(
                s, which=which, floor=objective_minimum, zrange=zrange
            ),
        )
        key = f"sweeps.map.{name}"
        with column:
            chart(fig, key=key, on_select="rerun", selection_mode="points")
            cell = _selected_cell(key)
            if cell is not None and cell[0] < len(sweep.y_values) and cell[1] < len(sweep.x_values):
                _map_link(sweep, cell, surface, num_steps, base, name)
    st.caption(
        f"Both maps start at {tuple(round(v, 3) for v in start)} on the same surface; colour is "
        "log10 of the gap to the surface's minimum, on one scale for both maps. Grey cells with "
        "a cross diverged (NaN or inf), whatever their loss was before."
    )


def _surface_minimum(problem: build.ProblemSpec, maps: tuple[Any, ...], which: str) -> float:
    """The surface's known minimum f*, else the lowest finite loss of the maps."""
    values = [m[2] for m in build.objective(problem).minima]
    if values:
        return float(min(values))
    losses = np.concatenate([np.ravel(getattr(m, which)) for m in maps])
    losses = losses[np.isfinite(losses)]
    return float(losses.min()) if losses.size else 0.0


def _run_maps(setting: tuple) -> tuple[Any, Any]:
    _, problem, specs, start, x_axis, y_axis, resolution, num_steps, seed = setting
    objective = build.objective(problem)
    adadelta, adagrad = (build.optimizer(spec) for spec in specs)
    point = np.asarray(start, np.float32)

    def values(name: str, lo_hi: tuple[float, float]) -> np.ndarray:
        return sweeps.axis_values(*lo_hi, resolution)

    first = sweeps.sensitivity_map(
        objective,
        point,
        adadelta,
        x_axis,
        values(x_axis, AXIS_RANGES[x_axis]),
        y_axis,
        values(y_axis, AXIS_RANGES[y_axis]),
        num_steps,
        key=seed,
        max_steps=MAP_MAX_STEPS,
        chunk_size=SWEEP_CHUNK,
    )
    (ax, ax_range), (ay, ay_range) = ADAGRAD_AXES
    second = sweeps.sensitivity_map(
        objective,
        point,
        adagrad,
        ax,
        values(ax, ax_range),
        ay,
        values(ay, ay_range),
        num_steps,
        key=seed,
        max_steps=MAP_MAX_STEPS,
        chunk_size=SWEEP_CHUNK,
    )
    return first, second


def map_cell_url(sweep: Any, cell: tuple[int, int], surface: str, num_steps: int, base) -> str:
    """The explorer's URL for cell ``[i, j]`` of a map (Adadelta's or Adagrad's)."""
    i, j = cell
    config = sweep.cell_config(i, j)
    arguments = {sweep.x_name: config[sweep.x_name], sweep.y_name: config[sweep.y_name]}
    values = sweep_links.surface_values(surface, num_steps, base)
    if sweep.optimizer == "Adadelta":
        values.update(sweep_links.adadelta_changes(arguments))
    else:
        values.update(sweep_links.adagrad_changes(arguments))
    return sweep_links.surfaces_url(values)


def _map_link(sweep, cell, surface, num_steps, base, name) -> None:
    i, j = cell
    what = f"{sweep.x_name} = {sweep.x_values[j]:.4g}, {sweep.y_name} = {sweep.y_values[i]:.4g}"
    url = map_cell_url(sweep, cell, surface, num_steps, base)
    shared = sweep.x_name in sweep_links.PIPELINE_AXES or sweep.y_name in sweep_links.PIPELINE_AXES
    note = " (the explorer applies clipping and weight decay to every optimizer)" if shared else ""
    _link(
        f"Open this {name} cell on the explorer",
        url,
        f"{what}: the explorer runs this one setting from the same start for {num_steps} "
        f"steps, with Adagrad beside Adadelta{note}.",
    )


def basins_section(session: Mapping[str, Any]) -> None:
    """Which minimum Adadelta and Adagrad reach from every start of a grid."""
    group = controls.SWEEPS
    left, right = st.columns(2)
    with left:
        surface = render(group["basin_surface"])
    with right:
        resolution = render(group["basin_resolution"])
        num_steps = render(group["basin_steps"])
    st.caption(
        "Bounds: 10 to 120 starts per axis and 10 to 2,000 steps. Only the end points are "
        "kept; 80² starts x 500 steps (the default) take about 0.1 s of CPU, 120² x 2,000 "
        "about 0.7 s, and each figure is then about 0.9 MB."
    )
    base = base_values(session)
    problem, specs, _, _, seed = surface_setting(surface, num_steps, base)
    setting = ("basins", problem, specs, resolution, num_steps, seed)
    try:
        with compute.computing("sweeps", setting, "Running every start..."):
            basin_map = _store().get(setting, lambda: _run_basins(setting))
    except ValueError as error:
        st.error(f"**Basins:** {plain(error)}", icon=":material/error:")
        return
    columns = st.columns(2)
    for index, (column, spec) in enumerate(zip(columns, specs)):
        fig = compute.figure(
            (*setting, index), lambda i=index, s=spec: sweepviz.basins_figure(basin_map, i, s.label)
        )
        key = f"sweeps.basins.{spec.label}"
        with column:
            chart(fig, key=key, on_select="rerun", selection_mode="points")
            cell = _selected_cell(key)
            if cell is not None and cell[0] < len(basin_map.ys) and cell[1] < len(basin_map.xs):
                i, j = cell
                x0, y0 = float(basin_map.xs[j]), float(basin_map.ys[i])
                values = sweep_links.surface_values(surface, num_steps, base)
                values.update(sweep_links.surface_start(surface, x0, y0))
                _link(
                    "Open this start on the explorer",
                    sweep_links.surfaces_url(values),
                    f"Start ({x0:.3f}, {y0:.3f}): both optimizers from there, as here.",
                )
    st.caption(
        f"A run reaches a minimum when it ends within {basin_map.radius:.3g} of it. Pale grey: "
        "it ends near none within its steps; darker grey with a cross: it diverged."
    )


def _run_basins(setting: tuple) -> Any:
    _, problem, specs, resolution, num_steps, seed = setting
    objective = build.objective(problem)
    optimizers = [build.optimizer(spec) for spec in specs]
    return sweeps.basins(
        objective,
        optimizers,
        num_steps,
        resolution=resolution,
        key=seed,
        max_steps=BASIN_MAX_STEPS,
        chunk_size=SWEEP_CHUNK,
    )


def swarm_section(session: Mapping[str, Any]) -> None:
    """Many random starts per optimizer, animated together."""
    group = controls.SWEEPS
    left, right = st.columns(2)
    with left:
        surface = render(group["swarm_surface"])
        starts = render(group["starts"])
    with right:
        num_steps = render(group["swarm_steps"])
        starts_seed = render(group["starts_seed"])
    st.caption(
        "Bounds: 50 to 500 starts per optimizer, 10 to 2,000 steps. The animation keeps at most "
        "100 frames, fewer for big swarms, so the figure stays under about 1 MB."
    )
    base = base_values(session)
    problem, specs, _, _, seed = surface_setting(surface, num_steps, base)
    setting = ("swarm", problem, specs, starts, num_steps, starts_seed, seed)
    try:
        with compute.computing("sweeps", setting, "Running the swarms..."):
            swarm = _store().get(setting, lambda: _run_swarm(setting))
        surface_backdrop = backdrop(problem)
    except ValueError as error:
        st.error(f"**Swarm:** {plain(error)}", icon=":material/error:")
        return
    labels = [spec.label for spec in specs]
    fig = compute.figure(setting, lambda: sweepviz.swarm_figure(swarm, labels, surface_backdrop))
    chart(fig, key="sweeps.swarm")
    st.caption("Press ▶ Play. A particle that diverges leaves the picture at its step.")


def _run_swarm(setting: tuple) -> Any:
    _, problem, specs, starts, num_steps, starts_seed, seed = setting
    objective = build.objective(problem)
    points = sweeps.random_starts(objective.domain, starts, seed=starts_seed)
    optimizers = [build.optimizer(spec) for spec in specs]
    return sweeps.swarm(objective, points, optimizers, num_steps, key=seed, chunk_size=SWARM_CHUNK)


def digits_tables() -> tuple[Any, ...]:
    """The four tables of the default setup, with a progress bar while they run (cached)."""
    key = ("tables", DIGITS_SETUP)
    if key in _store():
        return _store().get(key, lambda: None)
    bar = st.progress(0.0, text="Preparing the digits...")

    def run() -> tuple[Any, ...]:
        return sweeps.digits_tables(
            DIGITS_SETUP, progress=lambda fraction, text: bar.progress(fraction, text=text)
        )

    try:
        return _store().get(key, run)
    finally:
        bar.empty()


def tables_section() -> None:
    """Zeiler's Tables 1 and 2 re-run on 8x8 digits, the claims judged from the results."""
    setup = DIGITS_SETUP
    tables = digits_tables()
    verdict = paper_claims.claims(tables)
    zmax = 100 * max(s.worst for s in verdict.summaries)
    st.markdown(
        "**What differs from the paper.** Zeiler trained a 784-500-300-10 tanh network on "
        "MNIST (60,000 28x28 digits) for 6 epochs. Here: scikit-learn's 1,797 8x8 digits "
        "(shipped with the app), 1,300 for training and 497 for testing, a "
        f"64-{'-'.join(map(str, setup.hidden))}-10 {setup.activation} network, minibatches of "
        f"{setup.batch_size}, {setup.epochs} epochs ({tables[0].num_steps} steps), "
        f"{len(setup.seeds)} seeds (each sets the initial weights and the minibatch order, "
        "shared by every cell). Error rates are therefore not comparable with the paper's; "
        "the pattern is."
    )
    for table in tables:
        fig = compute.figure(
            ("table", setup, table.method),
            lambda t=table: sweepviz.table_figure(t, zmax=zmax, title=_table_title(t)),
        )
        key = f"sweeps.table.{table.method}"
        chart(fig, key=key, on_select="rerun", selection_mode="points")
        cell = _selected_cell(key)
        if cell is not None:
            index = cell[1:] if len(table.axes) == 1 else cell
            if all(k < len(v) for k, v in zip(index, table.values)):
                _table_link(table, tuple(index))
    _claims_box(verdict)


def _table_title(table: Any) -> str:
    titles = {
        "SGD": "SGD over learning_rate (Table 1)",
        "Momentum": "SGD with momentum 0.9 over learning_rate (Table 1)",
        "Adagrad": "Adagrad over learning_rate (Table 1)",
        "Adadelta": "Adadelta (learning_rate 1) over rho x epsilon (Table 2)",
    }
    return titles[table.method]


def _table_link(table: Any, index: tuple[int, ...]) -> None:
    setting = ", ".join(
        f"{a} = {table.values[k][i]:g}" for k, (a, i) in enumerate(zip(table.axes, index))
    )
    _link(
        f"Open {table.method} on the network page",
        sweep_links.network_url(table, index),
        f"{table.method} with {setting}. The nearest equivalent there: the same optimizer "
        "setting, one tanh hidden layer of 32, minibatches of 100 and the same number of "
        "steps, but on the page's 2-D toy data (the digits are not on that page).",
    )


def _claims_box(verdict: Any) -> None:
    lines = []
    for s in verdict.summaries:
        best = ", ".join(f"{k} {v:g}" for k, v in s.best_setting.items())
        extra = f"; {s.diverged} settings diverged on every seed" if s.diverged else ""
        lines.append(
            f"- **{s.method}**: best {100 * s.best:.1f}% ({best}), worst {100 * s.worst:.1f}%, "
            f"spread {100 * s.spread:.1f} points{extra}."
        )
    robust = "holds" if verdict.robust else "does not hold"
    tuning = "holds" if verdict.no_tuning else "does not hold"
    st.markdown(
        "**The paper's claims, judged on these numbers** (a setting whose seeds all diverged "
        "counts as 100% error):\n\n" + "\n".join(lines) + "\n\n"
        f"1. *Adadelta is robust to its hyperparameters*: its spread over rho x epsilon is "
        f"smaller than every other method's spread over learning rates: **{robust} here**.\n"
        f"2. *No hand-tuned learning rate*: Adadelta at the paper's rho 0.95, epsilon 1e-6 "
        f"reaches {100 * verdict.default_error:.1f}% against {100 * verdict.best_other:.1f}% "
        f"for the best tuned learning rate of the others (within "
        f"{100 * paper_claims.TOLERANCE:.0f} point counts as as good): **{tuning} here**."
    )
