"""``make bench``: speed of the pages, the real server, the browser, the optimizer core.

Prints a Markdown table (pasted into the README). The page and server figures are medians and
95th percentiles over new settings; the core figures are the minimum over repeats of a warm,
compiled call, with the reference (optax) timed in the same process, interleaved. The machine
may be shared: the load average at the start is printed with the figures.

``python -m bench pages server`` runs only those sections (of ``SECTIONS``).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import numpy as np
import optax

from adadelta import Adadelta, engine

from . import network, pages, server, sweeps

REPEATS = 7


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def quadratic(p):
    scales = jnp.linspace(0.1, 10.0, p.shape[0], dtype=p.dtype)
    return 0.5 * jnp.sum(scales * p * p)


def scan_ours(loss, num_steps):
    @jax.jit
    def go(optimizer, params):
        def body(carry, _):
            p, state = carry
            p, state = optimizer.apply(jax.grad(loss)(p), state, p)
            return (p, state), None

        (p, _), _ = jax.lax.scan(body, (params, optimizer.init(params)), None, length=num_steps)
        return p

    return go


def scan_optax(loss, num_steps):
    @jax.jit
    def go(hyper, params):
        tx = optax.adadelta(learning_rate=hyper[0], rho=hyper[1], eps=hyper[2])

        def body(carry, _):
            p, state = carry
            updates, state = tx.update(jax.grad(loss)(p), state, p)
            return (optax.apply_updates(p, updates), state), None

        (p, _), _ = jax.lax.scan(body, (params, tx.init(params)), None, length=num_steps)
        return p

    return go


def best_of(fn, *args):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - start)
    return min(times)


def compare_with_optax(loss, params, num_steps):
    ours, ref = scan_ours(loss, num_steps), scan_optax(loss, num_steps)
    optimizer = Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6)
    hyper = jnp.array([1.0, 0.95, 1e-6], jnp.float32)
    jax.block_until_ready(ours(optimizer, params))
    jax.block_until_ready(ref(hyper, params))
    t_ours, t_ref = [], []
    for _ in range(3):
        t_ours.append(best_of(ours, optimizer, params))
        t_ref.append(best_of(ref, hyper, params))
    ns_ours, ns_ref = 1e9 * min(t_ours) / num_steps, 1e9 * min(t_ref) / num_steps
    return ns_ours, ns_ref


def keras_eager_ns_per_step(num_steps=200):
    import keras

    variable = keras.Variable(np.array([-1.5, 2.0], np.float32))
    optimizer = keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6)
    grad = jax.jit(jax.grad(rosenbrock))
    optimizer.apply([grad(variable.value)], [variable])
    start = time.perf_counter()
    for _ in range(num_steps):
        optimizer.apply([grad(variable.value)], [variable])
    jax.block_until_ready(variable.value)
    return 1e9 * (time.perf_counter() - start) / num_steps


def recompiles_across_numeric_changes(changes=50):
    def loss(p, key, step):
        return rosenbrock(p)

    rng = np.random.default_rng(0)
    start = jnp.array([-1.5, 2.0])
    engine.run(loss, start, Adadelta(learning_rate=1.0, weight_decay=0.01, clipnorm=1.0), 200)
    before = engine._run_jit._cache_size()
    for _ in range(changes):
        optimizer = Adadelta(
            learning_rate=float(rng.uniform(0.1, 2.0)),
            rho=float(rng.uniform(0.5, 0.99)),
            epsilon=float(10 ** rng.uniform(-8, -3)),
            weight_decay=float(rng.uniform(0, 0.1)),
            clipnorm=float(rng.uniform(0.5, 5)),
        )
        engine.run(loss, start, optimizer, 200)
    return engine._run_jit._cache_size() - before


def sweep_seconds():
    def loss(p, key, step):
        return rosenbrock(p)

    lrs = np.geomspace(0.01, 10.0, 64).tolist()
    rhos = np.linspace(0.5, 0.999, 64).tolist()
    start = jnp.array([-1.5, 2.0])

    def once():
        batch, _ = engine.grid(Adadelta(learning_rate=1.0), learning_rate=lrs, rho=rhos)
        return engine.sweep(loss, start, batch, 500, record=())[0].final_loss

    t0 = time.perf_counter()
    once()
    cold = time.perf_counter() - t0
    warm = min(best_of(once) for _ in range(2))
    return cold, warm


def core_rows() -> list[tuple[str, ...]]:
    """The optimizer core and the engine against optax and Keras (ratios in one process)."""
    rows = []
    cold, warm, recompiles = network.training_seconds()
    rows.append(
        (
            "MLP 2-16-16-1, 512 points, 2,000 full-batch steps, Adadelta + Adagrad",
            f"{warm:.2f} s warm",
            f"{cold:.1f} s with compile",
            "target ≤ 1.5 s",
        )
    )
    rows.append(("  recompiles across 5 learning-rate changes", str(recompiles), "target 0", ""))
    ns, ref = compare_with_optax(rosenbrock, jnp.array([-1.5, 2.0]), 100_000)
    rosenbrock_ns = ns
    rows.append(
        (
            "Adadelta step in lax.scan, Rosenbrock (2 params)",
            f"{ns:.0f} ns/step",
            f"optax.adadelta {ref:.0f} ns/step",
            f"{ns / ref:.2f}",
        )
    )
    params = jnp.ones([1_000_000], jnp.float32)
    ns, ref = compare_with_optax(quadratic, params, 200)
    rows.append(
        (
            "Adadelta step in lax.scan, quadratic (1M params)",
            f"{ns / 1e6:.2f} ms/step",
            f"optax.adadelta {ref / 1e6:.2f} ms/step",
            f"{ns / ref:.2f}",
        )
    )
    keras_ns = keras_eager_ns_per_step()
    rows.append(
        (
            "Keras 3 eager `apply()`, Rosenbrock",
            f"{keras_ns / 1e3:.0f} µs/step",
            f"ours in scan {rosenbrock_ns:.0f} ns/step",
            f"{keras_ns / rosenbrock_ns:.0f}× slower",
        )
    )
    rows.append(
        (
            "Recompiles across 50 numeric changes (engine.run)",
            str(recompiles_across_numeric_changes()),
            "target 0",
            "",
        )
    )
    cold, warm = sweep_seconds()
    rows.append(
        (
            "64×64 (learning_rate × rho) × 500-step sweep, Rosenbrock",
            f"{warm:.3f} s warm",
            f"{cold:.2f} s with compile",
            "target ≤ 0.5 s",
        )
    )
    return rows


TARGETS_MS = {"surfaces": 100, "networks": 250}


def page_rows() -> list[tuple[str, ...]]:
    """AppTest: server time per new setting, unchanged reruns, JSON per chart, cache entries."""
    rows = []
    for name, result in (("surfaces", pages.surface_page()), ("networks", pages.network_page())):
        rows.append(
            (
                f"/{name}: new setting (AppTest, {pages.NEW_SETTINGS} rho values)",
                f"p50 {result['p50_ms']:.0f} ms",
                f"p95 {result['p95_ms']:.0f} ms",
                f"target p50 ≤ {TARGETS_MS[name]} ms",
            )
        )
        rows.append(("  rerun that changes nothing", f"p50 {result['rerun_ms']:.0f} ms", "", ""))
        sizes = result["chart_bytes"]
        for title, size in sizes.items():
            rows.append((f"  chart JSON: {title}", f"{size / 1e3:.0f} kB", "", ""))
        rows.append(("  chart JSON, every chart", f"{sum(sizes.values()) / 1e3:.0f} kB", "", ""))
        for store, (per_entry, entries) in result["stores"].items():
            if entries:
                rows.append(
                    (
                        f"  cache '{store}'",
                        f"{per_entry / 1e3:.0f} kB per entry",
                        f"{entries} entries",
                        "",
                    )
                )
    return rows


def server_rows() -> list[tuple[str, ...]]:
    """The real server (``make run``'s launcher): visits over Streamlit's websocket."""
    rows = []
    results = server.serve()
    for name in ("surfaces", "networks"):
        result = results[name]
        rows.append(
            (
                f"/{name}: a link with a new setting (real server, {server.NEW_SETTINGS} links)",
                f"p50 {result['p50_ms']:.0f} ms",
                f"p95 {result['p95_ms']:.0f} ms",
                f"target p50 ≤ {TARGETS_MS[name]} ms",
            )
        )
        rows.append(
            (
                "  rerun that changes nothing",
                f"p50 {result['rerun_ms']:.0f} ms",
                f"{result['errors']} errors",
                "",
            )
        )
    rows.append(("  server RSS after both pages", f"{results['rss_mb']['after']:.0f} MB", "", ""))
    return rows


def cold_rows() -> list[tuple[str, ...]]:
    """Cold start: first visit as soon as the health check answers (empty cache, first start
    after ``make run``'s install step, restart)."""
    rows = []
    for label, result in server.cold_start().items():
        rows.append(
            (
                f"Cold start {label}: first visit",
                f"{result['first_visit_s']:.2f} s",
                f"health after {result['health_s']:.1f} s; {result['new_programs']} programs "
                "added to the compilation cache",
                "target ≤ 2 s",
            )
        )
    return rows


def browser_rows() -> list[tuple[str, ...]]:
    """Chromium: the rho slider nudged -> the main chart redrawn with the new path."""
    from . import browser

    result = browser.rho_nudges()
    return [
        (
            f"Chromium: rho nudged -> new path drawn ({browser.NUDGES} nudges)",
            f"p50 {result['p50_ms']:.0f} ms",
            f"p95 {result['p95_ms']:.0f} ms; {result['charts']} charts on the page",
            "target p50 ≤ 400 ms",
        )
    ]


SECTIONS = {
    "pages": page_rows,
    "server": server_rows,
    "cold": cold_rows,
    "browser": browser_rows,
    "core": core_rows,
    "sweeps": sweeps.rows,
}


def main(argv: list[str] | None = None) -> None:
    """``python -m bench [section ...]``: every section by default (see ``SECTIONS``)."""
    chosen = (sys.argv[1:] if argv is None else argv) or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")
    load = os.getloadavg()[0]
    print(
        f"jax {jax.__version__}, optax {optax.__version__}, backend {jax.default_backend()}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at the start"
    )
    rows = []
    # Pages first: a heap grown by Keras and optax makes later Python-heavy reruns slower.
    for name in chosen:
        rows += SECTIONS[name]()
    print("| measure | ours | reference | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
