"""The home page's server cost: CPU time of its script, cold caches and warm, beside the explorer.

Run with ``python -m bench.home``. CPU time (``time.process_time``) rather than wall time: the
machine is shared. The explorer's warm rerun, timed in the same process, is the reference.
"""

from __future__ import annotations

import pathlib
import statistics
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[1]
REPEATS = 7


def _cpu(at: AppTest) -> float:
    start = time.process_time()
    at.run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    return time.process_time() - start


def _clear() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def main() -> None:
    home = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    first = _cpu(home)
    warm = statistics.median(_cpu(home) for _ in range(REPEATS))
    cold = []
    for _ in range(3):
        _clear()
        cold.append(_cpu(AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)))
    # The explorer right after the home page (whose demo is its first view), then warm.
    explorer = AppTest.from_file(str(ROOT / "pages" / "surfaces.py"), default_timeout=300)
    after_home = _cpu(explorer)
    explorer_warm = statistics.median(_cpu(explorer) for _ in range(REPEATS))
    _clear()
    explorer_cold = _cpu(
        AppTest.from_file(str(ROOT / "pages" / "surfaces.py"), default_timeout=300)
    )
    rows = {
        "home, first run of the process (imports, compile)": first,
        "home, empty caches (compiled)": statistics.median(cold),
        "home, warm": warm,
        "explorer, first visit after home": after_home,
        "explorer, empty caches (compiled)": explorer_cold,
        "explorer, warm (reference)": explorer_warm,
    }
    print("| script run | CPU ms | / explorer warm |")
    print("|---|---:|---:|")
    for name, seconds in rows.items():
        print(f"| {name} | {1e3 * seconds:.0f} | {seconds / explorer_warm:.2f} |")


if __name__ == "__main__":
    main()
