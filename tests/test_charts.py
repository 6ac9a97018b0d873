"""``charts.selection_modes``: a selectable chart's spec carries the modes Streamlit's chart
would set on it in the browser (Streamlit 1.67, ``PlotlyChart``), so it is drawn once less."""

from __future__ import annotations

from adadelta.ui.charts import selection_modes


def _spec(**layout) -> dict:
    return {"data": [], "layout": {"title": {"text": "t"}, **layout}}


def test_point_selection_gets_streamlits_modes() -> None:
    fig = _spec(hovermode="closest")
    settled = selection_modes(fig, "rerun", "points")
    assert settled["layout"]["clickmode"] == "event+select"
    assert settled["layout"]["dragmode"] == "pan"
    assert settled["layout"]["hovermode"] == "closest"
    assert settled["layout"]["title"] == {"text": "t"}
    assert "clickmode" not in fig["layout"], "the shared spec must not change"


def test_box_and_lasso_only_drag_to_select() -> None:
    assert selection_modes(_spec(), "rerun", ["box", "lasso"])["layout"]["dragmode"] == "select"
    assert selection_modes(_spec(), "rerun", ["lasso"])["layout"]["dragmode"] == "lasso"
    assert selection_modes(_spec(), "rerun", ["box"])["layout"]["clickmode"] == "none"


def test_modes_the_spec_sets_are_kept() -> None:
    fig = _spec(clickmode="event", dragmode="zoom", hovermode="x unified")
    assert selection_modes(fig, "rerun", "points") is fig


def test_a_chart_without_selection_is_sent_as_it_is() -> None:
    fig = _spec()
    assert selection_modes(fig, "ignore", ("points", "box", "lasso")) is fig
