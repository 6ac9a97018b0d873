"""The real server: time per visit with a new setting, cold start, the compilation cache.

A visit is what a browser does when a student opens a link (``adadelta.ui.visit``): the time
runs from the request to Streamlit's ``script_finished``, so it is the server's whole script
run plus loopback transfer.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from adadelta.ui.visit import Session

from .servers import Server, server

NEW_SETTINGS = 12


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of ``values``, linear between ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def page_visits(srv: Server, page: str) -> dict[str, float]:
    """New settings (one link each, a new rho every time) and reruns that change nothing."""
    with Session(srv.url) as session:
        first = session.open(page)
        assert not first.errors, first.errors
    times, errors = [], []
    for i in range(NEW_SETTINGS):
        with Session(srv.url) as session:
            run = session.open(page, f"adadelta.rho={0.901 + 0.007 * i:.3f}")
        times.append(run.seconds)
        errors += run.errors
    with Session(srv.url) as session:
        session.open(page)
        same = [session.rerun().seconds for _ in range(7)]
    return {
        "p50_ms": 1e3 * statistics.median(times),
        "p95_ms": 1e3 * percentile(times, 95),
        "rerun_ms": 1e3 * statistics.median(same),
        "errors": len(errors),
    }


def serve() -> dict[str, dict[str, float]]:
    """Both pages in one warmed-up server (the repository's compilation cache)."""
    with server() as srv:
        srv.wait_for_warm_up()
        results = {page: page_visits(srv, page) for page in ("surfaces", "networks")}
        results["rss_mb"] = {"after": srv.rss_mb()}
    return results


def _prepare(cache: str) -> None:
    """``make run``'s install step: the default settings compiled into ``cache``."""
    subprocess.run(
        [sys.executable, "-m", "adadelta.ui.launch", "--prepare"],
        cwd=pathlib.Path(__file__).resolve().parents[1],
        env={**os.environ, "ADADELTA_JAX_CACHE": cache},
        check=True,
        capture_output=True,
    )


def _start(cache: str, page: str) -> dict[str, float]:
    with server(jax_cache=cache) as srv:
        with Session(srv.url) as session:
            run = session.open(page)
        srv.wait_for_warm_up()
        return {"health_s": srv.healthy_after, "first_visit_s": run.seconds}


def cold_start() -> dict[str, dict[str, float]]:
    """First visits made as soon as the health check answers, in a fresh compilation cache: a
    start with the cache empty, the first start after ``make run``'s install step
    (``launch --prepare``) and a restart; and how many programs each start added to the cache
    (once its warm-up is over)."""
    results = {}
    for page in ("surfaces", "networks"):
        for prepared in (False, True):
            with tempfile.TemporaryDirectory(prefix="adadelta-jax-") as cache:
                files = pathlib.Path(cache)
                labels = ["first start", "restart"] if prepared else ["empty cache"]
                if prepared:
                    _prepare(cache)
                for label in labels:
                    before = len(list(files.iterdir()))
                    result = _start(cache, page)
                    result["new_programs"] = len(list(files.iterdir())) - before
                    results[f"/{page}, {label}"] = result
    return results
