"""Page-level figures with AppTest: server time per new setting, a rerun that changes nothing,
the figures' JSON size per chart, and the caches' memory per entry."""

from __future__ import annotations

import json
import pathlib
import statistics
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

from adadelta.ui import cache, controls
from adadelta.ui.surface_view import TAB_KEY

from .server import percentile

ROOT = pathlib.Path(__file__).resolve().parents[1]
NEW_SETTINGS = 12
SURFACE_TABS = ("Loss", "Accumulators", "3-D view")


def _run_ms(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = 1e3 * (time.perf_counter() - start)
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    return elapsed


def _chart_sizes(at: AppTest) -> dict[str, int]:
    sizes = {}
    for chart in at.get("plotly_chart"):
        title = json.loads(chart.proto.spec)["layout"].get("title", {}).get("text", "?")
        sizes[title.split("<br>")[0]] = len(chart.proto.spec)
    return sizes


def _page(name: str) -> dict:
    """The page's default setting, then new settings (rho) and unchanged reruns."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=600)
    _run_ms(at)  # compiles
    changes = []
    for i in range(NEW_SETTINGS):  # a new run and new figures; the compiled code is reused
        at.slider(key=controls.ADADELTA["rho"].key).set_value(round(0.901 + 0.007 * i, 3))
        changes.append(_run_ms(at))
    same = [_run_ms(at) for _ in range(7)]
    sizes = _chart_sizes(at)
    if name == "surfaces":  # the tabs' charts, each built when its tab opens
        for tab in SURFACE_TABS[1:]:
            at.session_state[TAB_KEY] = tab
            _run_ms(at)
            sizes.update(_chart_sizes(at))
    stores = {
        store.name: (store.bytes / max(len(store), 1), len(store))
        for store in cache.stores().values()
    }
    return {
        "p50_ms": statistics.median(changes),
        "p95_ms": percentile(changes, 95),
        "rerun_ms": statistics.median(same),
        "chart_bytes": sizes,
        "stores": stores,
    }


def surface_page() -> dict:
    """The surface page's default: 2 optimizers × 2,000 steps on Goldstein–Price."""
    return _page("surfaces")


def network_page() -> dict:
    """The network page's default: 2-16-16-1 MLP, 512 points, 2,000 full-batch steps."""
    return _page("networks")
