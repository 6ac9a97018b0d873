"""``python -m bench.sweeps``: the sweeps' times, cold (with compile) and warm.

Prints a Markdown table. Each warm time is the minimum over repeats; the reference is one plain
``engine.run`` of the same steps in the same process, so the ratio says how many single runs
the whole sweep costs (and how much vmap saves over running every cell alone).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np

from adadelta import Adadelta, Adagrad, engine, sweeps
from adadelta.problems.surfaces import Objective

REPEATS = 3


def timed(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """(first call's seconds, the fastest of ``repeats`` later calls)."""
    return timed_with_cpu(fn, repeats)[:2]


def timed_with_cpu(fn: Callable[[], object], repeats: int) -> tuple[float, float, float, float]:
    """Wall seconds (cold, fastest warm) and this process's CPU seconds (cold, fastest warm).

    On a shared machine the CPU seconds show what the wall time would be on idle cores.
    """
    walls, cpus = [], []
    for _ in range(repeats + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls[0], min(walls[1:]), cpus[0], min(cpus[1:])


def single_run_seconds(objective, start, optimizer, num_steps: int) -> float:
    """Warm seconds of one plain ``engine.run`` (the reference)."""
    return timed(lambda: engine.run(objective, start, optimizer, num_steps, record=()))[1]


def digits_tables() -> dict[str, object]:
    """All four tables over 3 seeds with the default setup, cold and warm, and per table."""
    setup = sweeps.DigitsSetup()
    cold, warm, cold_cpu, warm_cpu = timed_with_cpu(lambda: sweeps.digits_tables(setup), 2)
    problem = sweeps.digits_problem(setup)
    per_table = {
        method: timed(lambda m=method: sweeps.digits_table(m, setup, problem=problem), 1)[1]
        for method in sweeps.METHODS
    }
    optimizer = Adadelta(learning_rate=1.0)
    reference = timed(lambda: sweeps.digits_run(setup, optimizer, 0, record=(), problem=problem))
    before = engine._sweep_jit._cache_size()
    sweeps.digits_tables(setup._replace(seeds=(10, 11, 12), split_seed=1))
    return {
        "cold": cold,
        "warm": warm,
        "cold_cpu": cold_cpu,
        "warm_cpu": warm_cpu,
        "per_table": per_table,
        "single_run": reference[1],
        "runs": len(setup.seeds)
        * sum(
            int(np.prod([len(v) for v in sweeps.method_grid(m)[1].values()]))
            for m in sweeps.METHODS
        ),
        "steps": problem.objective.num_steps,
        "recompiles": engine._sweep_jit._cache_size() - before,
        "setup": setup,
    }


def sensitivity_map(num: int = 64, num_steps: int = 500) -> dict[str, float]:
    """A ``num`` x ``num`` learning_rate x rho map of Adadelta on Rosenbrock."""
    objective = Objective.from_surface("rosenbrock")
    start = np.array(objective.start, np.float32)
    lrs, rhos = sweeps.axis_values(1e-2, 10.0, num), sweeps.axis_values(0.5, 0.999, num)

    def once():
        return sweeps.sensitivity_map(
            objective, start, Adadelta(learning_rate=1.0), "learning_rate", lrs, "rho", rhos,
            num_steps,
        )  # fmt: skip

    cold, warm = timed(once)
    reference = single_run_seconds(objective, start, Adadelta(learning_rate=1.0), num_steps)
    return {"cold": cold, "warm": warm, "single_run": reference}


def basins(resolution: int = 100, num_steps: int = 500) -> dict[str, float]:
    """A ``resolution``² grid of starts on Himmelblau, Adadelta and Adagrad."""
    objective = Objective.from_surface("himmelblau")
    optimizers = (Adadelta(learning_rate=1.0), Adagrad(learning_rate=0.5))
    cold, warm = timed(
        lambda: sweeps.basins(objective, optimizers, num_steps, resolution=resolution)
    )
    start = np.array(objective.start, np.float32)
    reference = single_run_seconds(objective, start, optimizers[0], num_steps)
    return {"cold": cold, "warm": warm, "single_run": reference}


def swarm(num: int = 500, num_steps: int = 1000) -> dict[str, float]:
    """``num`` random starts on Himmelblau, Adadelta and Adagrad, 100 frames."""
    objective = Objective.from_surface("himmelblau")
    starts = sweeps.random_starts(objective.domain, num, seed=0)
    optimizers = (Adadelta(learning_rate=1.0), Adagrad(learning_rate=0.5))
    cold, warm = timed(lambda: sweeps.swarm(objective, starts, optimizers, num_steps))
    start = np.array(objective.start, np.float32)
    reference = single_run_seconds(objective, start, optimizers[0], num_steps)
    return {"cold": cold, "warm": warm, "single_run": reference}


def rows() -> list[tuple[str, ...]]:
    """The sweeps' rows of ``make bench``'s table."""
    rows = []
    tables = digits_tables()
    setup = tables["setup"]
    rows.append(
        (
            f"Digits tables: 4 tables, {tables['runs']} runs (27 settings × 3 seeds), "
            f"64-{setup.hidden[0]}-10 tanh MLP, {setup.epochs} epochs = {tables['steps']} "
            "minibatch steps",
            f"{tables['warm']:.2f} s warm (CPU {tables['warm_cpu']:.2f} s)",
            f"{tables['cold']:.1f} s with compile (CPU {tables['cold_cpu']:.1f} s); one run "
            f"{1e3 * tables['single_run']:.0f} ms",
            f"{tables['warm'] / tables['single_run']:.0f}× one run; target ≤ 10 s",
        )
    )
    per_table = ", ".join(f"{m} {s:.2f} s" for m, s in tables["per_table"].items())
    rows.append(("  per table, warm", per_table, "", ""))
    rows.append(
        ("  recompiles with other seeds and split", str(tables["recompiles"]), "target 0", "")
    )
    for name, result, target in (
        ("64×64 map (learning_rate × rho) × 500 steps, Adadelta, Rosenbrock", sensitivity_map(),
         "target ≤ 0.3 s"),
        ("Basins 100×100 starts × 500 steps, Adadelta + Adagrad, Himmelblau", basins(), ""),
        ("Swarm 500 starts × 1,000 steps, Adadelta + Adagrad, 100 frames", swarm(), ""),
    ):  # fmt: skip
        rows.append(
            (
                name,
                f"{result['warm']:.3f} s warm",
                f"{result['cold']:.2f} s with compile; one run {1e3 * result['single_run']:.1f} ms",
                f"{result['warm'] / result['single_run']:.0f}× one run; {target}".rstrip("; "),
            )
        )
    return rows


def main() -> None:
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, {os.cpu_count()} CPUs")
    print("| measure | ours | reference | ratio |")
    print("|---|---|---|---|")
    for row in rows():
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
