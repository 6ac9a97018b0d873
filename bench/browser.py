"""In Chromium: a numeric control moved -> the animated chart redrawn with the new path.

Debian's headless Chromium (Playwright, never ``playwright install``) opens ``/surfaces`` on a
warmed-up server; each nudge presses ArrowLeft once on the focused ``rho`` slider (a new
setting: 0.001 less) and the clock stops when the main chart's ``gd._fullData`` holds a whole
path for Adadelta that ends somewhere else. Server and browser share the machine's cores.
"""

from __future__ import annotations

import statistics
import time

from .server import percentile
from .servers import server

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NUDGES = 12

_PATH_END = """() => {
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
        const gd = chart.querySelector('.js-plotly-plot');
        const data = gd && gd._fullData;
        if (!data) continue;
        const whole = data.find((t) => t.name === 'Adadelta (whole path)');
        if (whole && whole.x && whole.x.length) {
            const n = whole.x.length;
            return [Number(whole.x[n - 1]), Number(whole.y[n - 1]), n].join();
        }
    }
    return null;
}"""


def rho_nudges(nudges: int = NUDGES) -> dict[str, float]:
    """Seconds from each keypress to the redrawn path: p50, p95, and the page's charts."""
    from playwright.sync_api import sync_playwright

    with server() as srv, sync_playwright() as playwright:
        srv.wait_for_warm_up()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{srv.url}/surfaces")
        page.wait_for_function(f"() => ({_PATH_END})() !== null", timeout=300_000)
        rho = page.get_by_role("slider", name="rho")
        rho.focus()
        times = []
        for _ in range(nudges):
            before = page.evaluate(_PATH_END)
            start = time.perf_counter()
            page.keyboard.press("ArrowLeft")
            page.wait_for_function(
                f"""(old) => {{
                    try {{ const now = ({_PATH_END})(); return now !== null && now !== old; }}
                    catch (error) {{ return false; }}
                }}""",
                arg=before,
                timeout=120_000,
                polling="raf",
            )
            times.append(time.perf_counter() - start)
            # Let the page settle (Streamlit's status, the other charts) before the next key.
            page.wait_for_timeout(300)
        charts = page.locator('[data-testid="stPlotlyChart"]').count()
        browser.close()
    return {
        "p50_ms": 1e3 * statistics.median(times),
        "p95_ms": 1e3 * percentile(times, 95),
        "charts": charts,
    }
