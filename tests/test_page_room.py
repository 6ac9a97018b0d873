"""For the room, under AppTest: the Export section, presenter mode in the URL, Copy link.

The Export section must offer every file, build nothing while it is closed, and build the slow
files (the CSV and the HTML) only when their download is clicked: Streamlit then calls the
deferred data callable the page handed to ``download_button``. The test records those
arguments and counts the builders' calls.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from page_harness import assert_clean, run_page
from streamlit.delta_generator import DeltaGenerator

from adadelta import engine
from adadelta.exports import SURFACE_COLUMNS, run_from_json
from adadelta.ui import controls, exports_view, pagestate, room

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

PRESENTER = controls.VIEW["presenter"]
# The runs the other page tests draw (test_page_surfaces.py, test_page_networks.py): the
# steps are compiled in, so these share their programs (in one process, or through JAX's
# persistent compilation cache).
SURFACE_STEPS, NETWORK_STEPS = 300, 200
SHORT = {
    "surfaces": {"problem.num_steps": str(SURFACE_STEPS)},
    "networks": {"network.num_steps": str(NETWORK_STEPS), "network.n_points": "200"},
}
FILES = {"Trace (CSV)", "Configuration (JSON)", "Animation (HTML, offline)"}
CODE_FILES = {"Download keras.py", "Download r.R", "Download jax.py"}


@pytest.fixture
def recorded(monkeypatch) -> dict[str, Any]:
    """Counts the builders' calls and records every download button's label and data."""
    calls: dict[str, Any] = {"csv": 0, "html": 0, "code": 0, "downloads": {}}
    build_csv, build_html = exports_view.build_csv, exports_view.build_html

    def counted_csv(run):
        calls["csv"] += 1
        return build_csv(run)

    def counted_html(figure, title):
        calls["html"] += 1
        return build_html(figure, title)

    def counted(program):
        def wrapped(run):
            calls["code"] += 1
            return program(run)

        return wrapped

    monkeypatch.setattr(exports_view, "build_csv", counted_csv)
    monkeypatch.setattr(exports_view, "build_html", counted_html)
    monkeypatch.setattr(
        exports_view,
        "CODE",
        tuple((*entry[:3], counted(entry[3]), entry[4]) for entry in exports_view.CODE),
    )
    download = DeltaGenerator.download_button

    def recording(self, label, data, *args, **kwargs):
        calls["downloads"][label] = data
        return download(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    return calls


def test_presenter_mode_round_trips_through_the_url():
    for groups, read_page in (
        (controls.SURFACE_PAGE, pagestate.surfaces_page),
        (controls.NETWORK_PAGE, pagestate.networks_page),
    ):
        query = pagestate.encode(groups, {PRESENTER.key: True})
        assert query == {"view.presenter": "true"}
        assert pagestate.read(groups, query) == ({PRESENTER.key: True}, [])
        # It changes how the page looks, never what it runs; off is the default, not in the URL.
        assert read_page(query).run == read_page({}).run
        assert read_page(query).messages == ()
        assert pagestate.encode(groups, {PRESENTER.key: False}) == {}
        assert pagestate.read(groups, {"view.presenter": "maybe"})[0] == {PRESENTER.key: False}


def test_presented_figures_only_enlarge_the_layout():
    fig = {
        "data": [{"x": [1]}],
        "frames": [{"name": "0"}],
        "layout": {
            "font": {"size": 13, "family": "x"},
            "updatemenus": [{"buttons": []}],
            "sliders": [{"steps": [], "currentvalue": {"prefix": "Step "}}],
        },
    }
    shown = room.presented(fig)
    assert shown["data"] is fig["data"] and shown["frames"] is fig["frames"]
    assert shown["layout"]["font"] == {"size": room.PRESENTER_FONT, "family": "x"}
    assert shown["layout"]["updatemenus"][0]["font"]["size"] > room.PRESENTER_FONT
    assert shown["layout"]["sliders"][0]["currentvalue"]["prefix"] == "Step "
    assert fig["layout"]["font"]["size"] == 13  # the cached spec is not changed
    assert "sliders" not in room.presented({"layout": {}})["layout"]


def test_surface_exports_are_offered_and_built_only_when_asked(recorded):
    at = run_page("surfaces", SHORT["surfaces"])
    assert_clean(at)
    assert len(at.get("html")) >= 2  # the Copy link button and the keyboard script
    assert at.toggle(key=PRESENTER.key).value is False
    # Closed: nothing is built or offered.
    assert recorded["downloads"] == {} and recorded["code"] == 0
    assert recorded["csv"] == recorded["html"] == 0

    at.session_state[exports_view.EXPANDER_KEY.format(page="surfaces")] = True
    at.run()
    assert_clean(at)
    downloads = recorded["downloads"]
    assert set(downloads) == FILES | CODE_FILES
    assert recorded["code"] == 3 and len(at.code) == 3
    # The slow files are deferred: offered as callables, not built by the rerun.
    assert callable(downloads["Trace (CSV)"]) and callable(downloads["Animation (HTML, offline)"])
    assert recorded["csv"] == recorded["html"] == 0
    assert "keras.optimizers.Adadelta(" in at.code[0].value
    assert "optimizer_adadelta(" in at.code[1].value

    # The JSON is the page's run.
    run = run_from_json(downloads["Configuration (JSON)"])
    assert run.num_steps == SURFACE_STEPS and run.labels == ("Adadelta", "Adagrad")
    assert run.start == pagestate.surfaces_page(SHORT["surfaces"]).run.start

    # A click calls the deferred builder once; a second click is served from the store.
    text = downloads["Trace (CSV)"]().decode()
    assert recorded["csv"] == 1
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 * (SURFACE_STEPS + 1)
    assert list(rows[0]) == [name for name in SURFACE_COLUMNS if name in rows[0]]
    assert {"x", "y", "loss", "effective_lr_x", "avg_sq_grad_x", "accumulator_x"} <= set(rows[0])
    downloads["Trace (CSV)"]()
    assert recorded["csv"] == 1

    page = downloads["Animation (HTML, offline)"]().decode()
    assert recorded["html"] == 1
    assert page.startswith("<html") or page.lstrip().lower().startswith("<!doctype html")
    title = controls.SURFACES[pagestate.surfaces_page(SHORT["surfaces"]).run.problem.surface].title
    assert f"Paths on {title}" in page and f"<title>Adadelta Lab: {title}</title>" in page

    # Further reruns with the section open build neither again.
    at.run()
    assert recorded["csv"] == 1 and recorded["html"] == 1


def test_network_exports_are_offered_and_match_the_page(recorded):
    at = run_page("networks", SHORT["networks"])
    assert recorded["downloads"] == {}
    at.session_state[exports_view.EXPANDER_KEY.format(page="networks")] = True
    at.run()
    assert_clean(at)
    downloads = recorded["downloads"]
    assert set(downloads) == FILES | CODE_FILES
    assert recorded["csv"] == recorded["html"] == 0
    config = json.loads(downloads["Configuration (JSON)"])
    run = run_from_json(downloads["Configuration (JSON)"])
    assert run.num_steps == NETWORK_STEPS and run.problem.dataset == "spiral"
    assert run.init_seed == run.seed == 0 and config["problem"]
    text = downloads["Trace (CSV)"]().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert recorded["csv"] == 1 and len(rows) == 2 * (NETWORK_STEPS + 1)
    # The CSV's minibatch loss is the page's run: the same training, step for step.
    network, specs, num_steps = pagestate.networks_page(SHORT["networks"]).run
    page_run = exports_view.network_export_run(network, specs, num_steps)
    _, objective = page_run.problem.build()
    traces = engine.run(
        objective,
        page_run.initial_params(),
        page_run.optimizers,
        NETWORK_STEPS,
        key=0,
        record=("loss",),
    )
    assert [float(row["loss"]) for row in rows[: NETWORK_STEPS + 1]] == pytest.approx(
        traces[0].loss.tolist(), rel=1e-6
    )


def test_a_presenter_link_opens_in_presenter_mode():
    at = run_page("surfaces", {**SHORT["surfaces"], "view.presenter": "true"})
    assert_clean(at)
    assert at.toggle(key=PRESENTER.key).value is True
    styles = [element.proto.body for element in at.get("html")]
    assert any("font-size: 20px" in body for body in styles)
    assert at.query_params["view.presenter"] == "true"
    # The page's intro paragraph gives the projector its room.
    assert not any("Pick a surface" in m.value for m in at.markdown)
    at.toggle(key=PRESENTER.key).set_value(False).run()
    assert "view.presenter" not in at.query_params
    assert any("Pick a surface" in m.value for m in at.markdown)


# The button sits above whatever a page computes: the sweeps page opens on its small swarm
# section (its default section, the tables, trains four tables: ~20 s), the anatomy page on
# a short run; both as test_page_sweeps.py and test_page_anatomy.py draw them.
SMALL_RUNS = {
    "lessons": {},
    "sweeps": {"sweeps.section": "swarm", "sweeps.starts": "50", "sweeps.swarm_steps": "100"},
    "anatomy": {"problem.num_steps": "20"},
}


@pytest.mark.parametrize("name", list(SMALL_RUNS))
def test_every_other_page_has_copy_link(name):
    at = run_page(name, SMALL_RUNS[name])
    assert_clean(at)
    assert any("Copy link" in element.proto.body for element in at.get("html"))
