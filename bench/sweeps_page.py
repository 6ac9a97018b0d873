"""``python -m bench.sweeps_page``: the sweeps page's server time per section, figures included.

What one rerun of the page costs the server on a new setting (a cache miss): the sweep, the
figure and its JSON, as ``adadelta.ui.sweep_view`` makes them; the maps section runs two maps
(Adadelta's and Adagrad's). Wall and CPU seconds, cold (with compile) and the fastest warm
repeat, against one plain ``engine.run`` of the same steps in the same process.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import orjson

from adadelta import Adadelta, engine, sweeps
from adadelta.problems.surfaces import Objective
from adadelta.ui import sweep_view
from adadelta.viz import backdrop
from adadelta.viz import sweeps as sweepviz
from bench.sweeps import single_run_seconds, timed_with_cpu


def _json(fig) -> int:
    return len(orjson.dumps(fig, option=orjson.OPT_SERIALIZE_NUMPY))


def maps(resolution: int = 64, num_steps: int = 500) -> dict[str, float]:
    """Both maps of the section (Adadelta learning_rate x rho, Adagrad learning_rate x
    initial_accumulator_value) on Rosenbrock, and their figures serialised."""
    problem, specs, start, _, seed = sweep_view.surface_setting(
        "rosenbrock", num_steps, sweep_view.base_values({})
    )
    setting = ("maps", problem, specs, start, "learning_rate", "rho", resolution, num_steps, seed)
    sizes = []

    def once():
        pair = sweep_view._run_maps(setting)
        zrange = sweepviz.colour_range(list(pair), "final_loss", 0.0)
        sizes[:] = [_json(sweepviz.sensitivity_figure(m, floor=0.0, zrange=zrange)) for m in pair]

    cold, warm, cold_cpu, warm_cpu = timed_with_cpu(once, 3)
    objective = Objective.from_surface("rosenbrock")
    point = np.asarray(objective.start, np.float32)
    single = single_run_seconds(objective, point, Adadelta(learning_rate=1.0), num_steps)
    return dict(cold=cold, warm=warm, cold_cpu=cold_cpu, warm_cpu=warm_cpu, single=single,
                bytes=sum(sizes))  # fmt: skip


def basins(resolution: int = 80, num_steps: int = 500) -> dict[str, float]:
    """The basins section's default: both optimizers on Himmelblau, and both figures."""
    problem, specs, _, _, seed = sweep_view.surface_setting(
        "himmelblau", num_steps, sweep_view.base_values({})
    )
    sizes = []

    def once():
        basin_map = sweep_view._run_basins(("basins", problem, specs, resolution, num_steps, seed))
        sizes[:] = [
            _json(sweepviz.basins_figure(basin_map, i, s.label)) for i, s in enumerate(specs)
        ]

    cold, warm, cold_cpu, warm_cpu = timed_with_cpu(once, 3)
    return dict(cold=cold, warm=warm, cold_cpu=cold_cpu, warm_cpu=warm_cpu, bytes=sum(sizes))


def swarm(starts: int = 500, num_steps: int = 1000) -> dict[str, float]:
    """The swarm section at its largest swarm: 500 starts per optimizer on Himmelblau."""
    problem, specs, _, _, seed = sweep_view.surface_setting(
        "himmelblau", num_steps, sweep_view.base_values({})
    )
    surface = backdrop(Objective.from_surface("himmelblau"))
    sizes = []

    def once():
        result = sweep_view._run_swarm(("swarm", problem, specs, starts, num_steps, 0, seed))
        sizes[:] = [_json(sweepviz.swarm_figure(result, [s.label for s in specs], surface))]

    cold, warm, cold_cpu, warm_cpu = timed_with_cpu(once, 3)
    return dict(cold=cold, warm=warm, cold_cpu=cold_cpu, warm_cpu=warm_cpu, bytes=sum(sizes))


def tables() -> dict[str, float]:
    """The four digits tables (the page's setup) and their figures, cold and warm."""

    def once():
        result = sweeps.digits_tables(sweep_view.DIGITS_SETUP)
        for table in result:
            _json(sweepviz.table_figure(table, zmax=100.0))

    cold, warm, cold_cpu, warm_cpu = timed_with_cpu(once, 1)
    return dict(cold=cold, warm=warm, cold_cpu=cold_cpu, warm_cpu=warm_cpu)


def main() -> None:
    print("| section (one new setting, figures and JSON included) | warm | cold | note |")
    print("|---|---|---|---|")
    m = maps()
    print(
        f"| Maps: 2 maps 64×64 × 500 steps | {m['warm']:.2f} s (CPU {m['warm_cpu']:.2f} s) | "
        f"{m['cold']:.1f} s (CPU {m['cold_cpu']:.1f} s) | {m['bytes'] / 1e3:.0f} kB of JSON; "
        f"{m['warm'] / m['single']:.0f}× one run of 500 steps; target ≤ 1 s |"
    )
    for name, result in (("Basins: 80² starts × 500 steps, 2 optimizers", basins()),
                         ("Swarm: 500 starts × 1,000 steps, 2 optimizers", swarm())):  # fmt: skip
        print(
            f"| {name} | {result['warm']:.2f} s (CPU {result['warm_cpu']:.2f} s) | "
            f"{result['cold']:.1f} s (CPU {result['cold_cpu']:.1f} s) | "
            f"{result['bytes'] / 1e3:.0f} kB of JSON |"
        )
    t = tables()
    print(
        f"| Digits tables: 4 tables, 81 runs | {t['warm']:.1f} s (CPU {t['warm_cpu']:.1f} s) | "
        f"{t['cold']:.1f} s (CPU {t['cold_cpu']:.1f} s) | target ≤ 10 s; cached after |"
    )
    print(f"\n(engine.run reference: {1e3 * m['single']:.1f} ms; jax {engine.jax.__version__})")


if __name__ == "__main__":
    main()
