"""AppTest of the sweeps page: one run per section, from the URL, and its bad-input messages."""

from __future__ import annotations

import json

import pytest
from page_harness import assert_clean, charts, run_page

from adadelta.ui import cache

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def _titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in charts(at)]


def _text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_tables_section_runs_the_four_tables_once_and_judges_the_claims():
    at = run_page("sweeps", {"sweeps.section": "tables"})
    assert_clean(at)
    titles = _titles(at)
    assert len(titles) == 4
    assert titles[0].startswith("SGD") and "Table 2" in titles[3]
    text = _text(at)
    assert "1,300 for training and 497 for testing" in text
    assert "64-32-10 tanh" in text and "40 epochs" in text and "3 seeds" in text
    assert text.count(" here**") == 2  # two verdicts, "holds here" or "does not hold here"
    store = cache.store("sweeps")
    misses, hits = store.misses, store.hits
    at.run()  # a second visit: from the cache, nothing trained again
    assert_clean(at)
    assert store.misses == misses and store.hits == hits + 1
    assert len(charts(at)) == 4


def test_maps_section_draws_adadelta_beside_adagrad():
    at = run_page(
        "sweeps",
        {
            "sweeps.section": "maps",
            "sweeps.x_axis": "rho",
            "sweeps.y_axis": "epsilon",
            "sweeps.resolution": "16",
            "sweeps.num_steps": "100",
        },
    )
    assert_clean(at)
    titles = _titles(at)
    assert len(titles) == 2
    assert titles[0].startswith("Adadelta: final loss after 100 steps")
    assert titles[1].startswith("Adagrad: final loss after 100 steps")
    spec = json.loads(charts(at)[1].proto.spec)
    assert spec["layout"]["xaxis"]["title"]["text"] == "learning_rate (log scale)"
    assert spec["layout"]["yaxis"]["title"]["text"] == "initial_accumulator_value (log scale)"
    # The same axis twice, and a grid too large, are told, not raised.
    at.selectbox(key="sweeps.y_axis").set_value("rho").run()
    assert not at.exception
    assert any("two different arguments" in e.value for e in at.error)
    at.selectbox(key="sweeps.y_axis").set_value("epsilon")
    at.number_input(key="sweeps.resolution").set_value(128)
    at.number_input(key="sweeps.num_steps").set_value(2000).run()
    assert not at.exception
    assert any("too large" in e.value for e in at.error)


def test_basins_section_draws_one_map_per_optimizer():
    at = run_page(
        "sweeps",
        {
            "sweeps.section": "basins",
            "sweeps.basin_surface": "six_hump_camel",
            "sweeps.basin_resolution": "20",
            "sweeps.basin_steps": "200",
        },
    )
    assert_clean(at)
    titles = _titles(at)
    assert [t.split("<br>")[0] for t in titles] == ["Adadelta", "Adagrad"]
    assert all("200 steps" in t for t in titles)


def test_swarm_section_draws_the_animation():
    at = run_page(
        "sweeps",
        {"sweeps.section": "swarm", "sweeps.starts": "50", "sweeps.swarm_steps": "100"},
    )
    assert_clean(at)
    (spec,) = [json.loads(c.proto.spec) for c in charts(at)]
    assert spec["layout"]["title"]["text"].startswith("Swarms on Himmelblau")
    assert "50 starts each, 100 steps" in spec["layout"]["title"]["text"]
    assert [t["name"] for t in spec["data"][-2:]] == ["Adadelta", "Adagrad"]
