"""The animated figure exported as one HTML file plays from disk with the network cut off.

A small contour figure (built by ``adadelta.viz.contour_figure``) goes through
``viz.standalone.standalone_html`` into a file. Headless Chromium opens it as ``file://``
while every request that is not a ``file:`` URL is aborted and recorded: the page must make
none (plotly.js is inlined, the surface is a data URI). Then ▶ Play is clicked like a
student would, and the trail and the step scrubber must advance; ❚❚ Pause stops them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, Route

from adadelta import Adadelta, Adagrad, engine
from adadelta.problems import Objective
from adadelta.viz import Run, contour_figure
from adadelta.viz.standalone import DIV_ID, standalone_html

from .conftest import assert_no_js_errors, screenshot

pytestmark = pytest.mark.browser

# Parsing 4.8 MB of inlined plotly.js takes seconds, and over 30 s on a saturated machine.
LOAD_TIMEOUT_MS = 120_000

# What the animation moves, read from gd._fullData (after Plotly.animate, gd.data is stale).
_STATE_JS = f"""() => {{
    const gd = document.getElementById('{DIV_ID}');
    const trail = gd._fullData.find((t) => t.name === 'Adadelta');
    const slider = gd._fullLayout.sliders[0];
    return {{
        trailPoints: trail.x.length,
        trailLast: [Number(trail.x[trail.x.length - 1]), Number(trail.y[trail.y.length - 1])],
        active: slider.active,
        frames: gd._transitionData._frames.length,
        images: (gd._fullLayout.images || []).length,
        height: gd._fullLayout.height,
    }};
}}"""

_READY_JS = f"""() => {{
    const gd = document.getElementById('{DIV_ID}');
    return Boolean(gd && gd._fullData && gd._transitionData
        && gd._transitionData._frames.length > 0
        && gd.querySelectorAll('g.updatemenu-button').length > 0);
}}"""


@pytest.fixture(scope="module")
def exported_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    objective = Objective.from_surface("rosenbrock")
    optimizers = [Adadelta(learning_rate=1.0), Adagrad(learning_rate=1.0)]
    start = np.asarray(objective.start, np.float32)
    traces = engine.run(objective, start, optimizers, 60, key=0)
    runs = [Run("Adadelta", traces[0]), Run("Adagrad", traces[1])]
    figure = contour_figure(objective, runs)
    path = tmp_path_factory.mktemp("export") / "paths.html"
    path.write_text(standalone_html(figure, title="Paths on Rosenbrock"), encoding="utf-8")
    return path


def _state(page: Page) -> dict[str, Any]:
    return page.evaluate(_STATE_JS)


def test_exported_figure_plays_offline(page: Page, exported_file: Path) -> None:
    blocked: list[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.goto(exported_file.as_uri(), timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(_READY_JS, timeout=LOAD_TIMEOUT_MS, polling=100)
    assert page.title() == "Paths on Rosenbrock"

    start = _state(page)
    assert start["active"] == 0 and start["trailPoints"] == 1, start
    assert start["frames"] > 10 and start["images"] == 1, start  # the surface raster is inline
    # For slides the figure fills the window (the app draws it 620 px high).
    assert start["height"] > 0.9 * page.viewport_size["height"], start

    page.locator("g.updatemenu-button", has_text="▶ Play").click()
    page.wait_for_timeout(1500)
    playing = _state(page)
    screenshot(page, "export_html_playing")
    assert playing["active"] > start["active"], "the step scrubber did not move"
    assert playing["trailPoints"] > start["trailPoints"], "Adadelta's trail did not grow"
    assert playing["trailLast"] != start["trailLast"], "Adadelta's current point did not move"

    page.locator("g.updatemenu-button", has_text="Pause").click()
    page.wait_for_timeout(300)
    paused = _state(page)
    page.wait_for_timeout(800)
    assert _state(page)["active"] == paused["active"], "the animation kept playing after Pause"

    assert blocked == [], f"the exported page tried to load {blocked}"
    # ❚❚ Pause rejects the interrupted Play's promise with `undefined` (a plotly.js quirk, see
    # test_surfaces_browser.py); anything else is an error.
    errors: list[str] = page.errors  # type: ignore[attr-defined]
    errors[:] = [error for error in errors if error != "pageerror: undefined"]
    assert_no_js_errors(page)
