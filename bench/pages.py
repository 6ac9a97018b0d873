"""Page-level figures: server time of warm reruns (AppTest) and the figures' JSON size."""

from __future__ import annotations

import pathlib
import statistics
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _rerun_ms(at: AppTest, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def _page(name: str) -> dict[str, float]:
    """Warm reruns of a page in its default state, reruns after a numeric change, JSON size."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=300).run()
    assert not at.exception and not at.error, f"{name} failed"
    same = _rerun_ms(at)
    changes = []
    for rho in (0.9, 0.91, 0.92):  # a new run and new figures; the compiled code is reused
        at.slider(key="adadelta.rho").set_value(rho)
        start = time.perf_counter()
        at.run()
        changes.append(time.perf_counter() - start)
    sizes = [len(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {
        "rerun_ms": same,
        "numeric_change_ms": 1e3 * statistics.median(changes),
        "json_mb": sum(sizes) / 1e6,
        "largest_json_mb": max(sizes) / 1e6,
    }


def surface_page() -> dict[str, float]:
    """The surface page's default: 2 optimizers × 2,000 steps on Goldstein–Price."""
    return _page("surfaces.py")


def network_page() -> dict[str, float]:
    """The network page's default: 2-16-16-1 MLP, 512 points, 2,000 full-batch steps."""
    return _page("networks.py")
