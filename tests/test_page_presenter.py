"""Presenter mode on the lessons, anatomy and sweeps pages, as on the explorer: a toggle in the
room's toolbar, the link carries it, the intro gives the projector its room, the charts' text is
drawn larger (``tests/test_page_room.py`` checks the explorer and ``room.presented`` itself)."""

from __future__ import annotations

import json

import pytest
from page_harness import assert_clean, charts, run_page

from adadelta.ui import controls, room

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

PRESENTER = controls.VIEW["presenter"]

# Per page: a small link, and a phrase of the intro that presenter mode hides.
PAGES = {
    "anatomy": ({"problem.num_steps": "30", "anatomy.t": "2"}, "takes the gradient through"),
    "sweeps": (
        {
            "sweeps.section": "maps",
            "sweeps.resolution": "8",
            "sweeps.num_steps": "50",
        },
        "Zeiler (2012) claims",
    ),
    "lessons": ({"lesson": "ema"}, "Each lesson asks you to commit"),
}


def _texts(at) -> str:
    return "\n".join(m.value for m in (*at.markdown, *at.caption))


def _chart_fonts(at) -> list[int | None]:
    return [json.loads(c.proto.spec)["layout"].get("font", {}).get("size") for c in charts(at)]


@pytest.mark.parametrize("name", list(PAGES))
def test_a_presenter_link_opens_the_page_in_presenter_mode(name):
    query, intro = PAGES[name]
    at = run_page(name, {**query, "view.presenter": "true"})
    assert_clean(at)
    assert at.toggle(key=PRESENTER.key).value is True
    assert any("font-size: 20px" in element.proto.body for element in at.get("html"))
    assert any("Copy link" in element.proto.body for element in at.get("html"))
    assert at.query_params["view.presenter"] == "true"
    assert all(at.query_params[key] == value for key, value in query.items())
    assert intro not in _texts(at)
    assert _chart_fonts(at) == [room.PRESENTER_FONT] * len(charts(at))
    if name != "lessons":  # a lesson draws its chart once answered
        assert charts(at)

    at.toggle(key=PRESENTER.key).set_value(False).run()
    assert_clean(at)
    assert "view.presenter" not in at.query_params
    assert all(at.query_params[key] == value for key, value in query.items())
    assert intro in _texts(at)
    assert room.PRESENTER_FONT not in _chart_fonts(at)
