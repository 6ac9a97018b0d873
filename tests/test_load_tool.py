"""The load tool (``make load``) and the nginx front (``make serve``): their pure parts, and one
short run of the tool against a real server."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from adadelta.ui import controls
from bench.load import __main__ as cli
from bench.load import client, proc, protocol, scenario, stats
from deploy import serve

ROOT = Path(__file__).resolve().parents[1]
RHO_ID = "$$ID-0a1b-adadelta.rho"
LR_ID = "$$ID-2c3d-lr.constant.learning_rate"
SEED_ID = "$$ID-4e5f-network.data_seed"
USE_EMA_ID = "$$ID-6a7b-pipeline.use_ema"


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 121)]
    assert stats.percentile(values, 95) == 114.0
    assert stats.percentile(values, 50) == 60.0
    assert stats.percentile(values, 100) == 120.0
    assert stats.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert stats.percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        stats.percentile([], 50)
    with pytest.raises(ValueError):
        stats.percentile([1.0], 0)


def test_summary_counts_visits_with_errors_once_and_times_only_finished_ones():
    records = [
        stats.VisitRecord("surfaces", 1, "open", 4.0, bytes_received=2_000_000),
        stats.VisitRecord("surfaces", 1, "change", 1.0, ("a", "b")),
        stats.VisitRecord("surfaces", 1, "change", 2.0),
        stats.VisitRecord("surfaces", 1, "change", None, ("timeout",)),
    ]
    summary = stats.summarize(records)
    assert (summary.visits, summary.finished, summary.errors) == (4, 3, 2)
    assert (summary.p50, summary.max, summary.open_p50, summary.change_p50) == (2.0, 4.0, 4.0, 1.0)
    assert summary.mb_per_visit == 0.5


def test_growth_and_message_counts():
    assert stats.growth(1e9, 1.1e9) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        stats.growth(0, 1)
    assert stats.top_messages(["x  y", "x y", "z"]) == ["2 x x y", "1 x z"]


def test_a_plan_repeats_for_the_same_seed_and_stays_in_range():
    first = scenario.plan("surfaces", 3, seed=7, visits=4)
    assert first == scenario.plan("surfaces", 3, seed=7, visits=4)
    assert first != scenario.plan("surfaces", 4, seed=7, visits=4)
    assert first != scenario.plan("surfaces", 3, seed=8, visits=4)
    assert len(first.settings) == 4 and len(first.looks_s) == 3
    assert all(3.0 <= look <= 8.0 for look in first.looks_s)
    assert 0.0 <= first.start_s <= 1.0
    for setting in first.settings:
        assert set(setting) == {"adadelta.rho", "lr.constant.learning_rate"}
        assert 0.80 <= setting["adadelta.rho"] <= 0.99
        assert 0.2 <= setting["lr.constant.learning_rate"] <= 3.0
        assert setting["adadelta.rho"] == round(setting["adadelta.rho"], 3)
    network = scenario.plan("networks", 0, seed=0, visits=1)
    assert set(network.settings[0]) == {"lr.constant.learning_rate", "network.noise"}
    with pytest.raises(ValueError, match="page"):
        scenario.plan("anatomy", 0, seed=0, visits=1)


@pytest.mark.parametrize(
    ("page", "groups"),
    [("surfaces", controls.SURFACE_PAGE), ("networks", controls.NETWORK_PAGE)],
)
def test_the_students_move_controls_of_their_page_within_the_widgets_range(page, groups):
    """Every value a student sets is one the page's widget can hold, unchanged by it."""
    by_key = controls.controls_of(groups)
    for student in range(10):
        for setting in scenario.plan(page, student, seed=0, visits=4).settings:
            for key, value in setting.items():
                control = by_key[key]
                assert control.low <= value <= control.high, (key, value)
                assert control.coerce(value) == value, (key, value)
                assert value == round(value, scenario.decimals(control))


def test_opening_a_link_sends_the_query_and_the_page_name_only():
    query = protocol.query_string({"adadelta.rho": 0.9, "network.data_seed": 3})
    assert query == "adadelta.rho=0.9&network.data_seed=3"
    msg = BackMsg()
    msg.ParseFromString(
        protocol.open_page("surfaces", query, "http://x/surfaces").SerializeToString()
    )
    rerun = msg.rerun_script
    assert msg.WhichOneof("type") == "rerun_script"
    assert (rerun.query_string, rerun.page_name, rerun.page_script_hash) == (query, "surfaces", "")
    assert rerun.HasField("widget_states") and len(rerun.widget_states.widgets) == 0
    assert rerun.context_info.url == "http://x/surfaces"


def test_user_key_is_the_last_part_of_a_widget_id():
    assert protocol.user_key(RHO_ID) == "adadelta.rho"
    assert protocol.user_key("$$ID-0a1b-a-b") == "a-b"
    assert protocol.user_key("$$ID-0a1b") is None
    assert protocol.user_key("other") is None


def _delta(kind: str, **fields) -> ForwardMsg:
    msg = ForwardMsg()
    element = getattr(msg.delta.new_element, kind)
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(element, name)[:] = value
        else:
            setattr(element, name, value)
    return msg


def _finished(status: str = "FINISHED_SUCCESSFULLY") -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = ForwardMsg.ScriptFinishedStatus.Value(status)
    return msg


def _page_run(chart_hash: str = "c0ffee") -> list[ForwardMsg]:
    """A run like the surface page's: widgets set from the link, one large chart."""
    start = ForwardMsg()
    start.new_session.page_script_hash = "main"
    nav = ForwardMsg()
    nav.navigation.page_script_hash = "page-hash"
    chart = _delta("plotly_chart", spec="{}")
    chart.hash = chart_hash
    chart.metadata.cacheable = True
    return [
        start,
        nav,
        _delta("slider", id=RHO_ID, set_value=True, value=[0.9], default=[0.0]),
        _delta("number_input", id=LR_ID, set_value=True, value=0.5, default=-10.0, data_type=1),
        _delta("number_input", id=SEED_ID, set_value=False, default=3.0, data_type=0),
        _delta("checkbox", id=USE_EMA_ID, default=False),
        chart,
        _finished(),
    ]


def _play(visit: protocol.Visit, msgs: list[ForwardMsg]) -> list[bool]:
    return [visit.feed(msg.SerializeToString()) for msg in msgs]


def test_a_visit_ends_at_script_finished_and_keeps_what_a_browser_keeps():
    state = protocol.PageState(query_string="adadelta.rho=0.9")
    visit = protocol.Visit(state)
    ended = _play(visit, _page_run())
    assert ended == [False] * 7 + [True]
    assert visit.result.started and visit.result.finished
    assert not visit.result.errors and visit.result.charts == 1
    assert state.page_script_hash == "page-hash"
    assert set(state.widget_ids) == {
        "adadelta.rho",
        "lr.constant.learning_rate",
        "network.data_seed",
        "pipeline.use_ema",
    }
    numbers = {
        key: protocol.widget_number(state.widgets[wid]) for key, wid in state.widget_ids.items()
    }
    assert numbers == {
        "adadelta.rho": 0.9,
        "lr.constant.learning_rate": 0.5,
        "network.data_seed": 3,
        "pipeline.use_ema": None,
    }
    assert state.widgets[USE_EMA_ID].WhichOneof("value") == "bool_value"
    # Only values the server set count as confirmation of the link.
    assert visit.result.server_values == {"adadelta.rho": 0.9, "lr.constant.learning_rate": 0.5}
    assert set(state.cached) == {"c0ffee"}


def test_moving_controls_sends_every_widget_the_page_hash_and_the_cached_charts():
    state = protocol.PageState(query_string="adadelta.rho=0.9")
    _play(protocol.Visit(state), _page_run())
    msg, missing = protocol.change_widgets(
        state, {"adadelta.rho": 0.85, "network.data_seed": 11, "nope": 1.0}, "http://x/surfaces"
    )
    assert missing == ["nope"]
    rerun = msg.rerun_script
    assert (rerun.page_script_hash, rerun.page_name) == ("page-hash", "")
    assert rerun.query_string == "adadelta.rho=0.9"
    assert list(rerun.cached_message_hashes) == ["c0ffee"]
    sent = {w.id: w for w in rerun.widget_states.widgets}
    assert list(sent) == [RHO_ID, LR_ID, SEED_ID, USE_EMA_ID]
    assert list(sent[RHO_ID].double_array_value.data) == [0.85]
    assert sent[SEED_ID].int_value == 11
    assert sent[LR_ID].double_value == 0.5
    # The browser now holds the new values: the next change starts from them.
    assert protocol.widget_number(state.widgets[RHO_ID]) == 0.85


def test_a_chart_sent_by_reference_is_read_from_the_cache():
    state = protocol.PageState()
    _play(protocol.Visit(state), _page_run("c0ffee"))
    ref = ForwardMsg()
    ref.ref_hash = "c0ffee"
    unknown = ForwardMsg()
    unknown.ref_hash = "deadbeef"
    visit = protocol.Visit(state)
    _play(visit, [ref, unknown, _finished()])
    assert visit.result.charts == 1
    assert visit.result.errors == ["reference to a message never received (deadbeef)"]


def test_a_cached_chart_unused_for_two_runs_is_forgotten():
    state = protocol.PageState()
    _play(protocol.Visit(state), _page_run("old"))
    for _ in range(protocol.MAX_CACHE_AGE):
        assert "old" in state.cached
        _play(protocol.Visit(state), [_finished()])
    assert "old" not in state.cached


def test_exceptions_error_alerts_and_missing_pages_are_errors_warnings_are_not():
    not_found = ForwardMsg()
    not_found.page_not_found.page_name = "nowhere"
    visit = protocol.Visit(protocol.PageState())
    ended = _play(
        visit,
        [
            _finished("FINISHED_EARLY_FOR_RERUN"),
            _delta("exception", type="ValueError", message="bad"),
            _delta("alert", body="**Surface:** bad formula", format=Alert.ERROR),
            _delta("alert", body="Some link parameters were ignored", format=Alert.WARNING),
            _delta("alert", body="tip", format=Alert.INFO),
            not_found,
            _finished("FINISHED_WITH_COMPILE_ERROR"),
        ],
    )
    assert ended == [False] * 6 + [True]
    assert not visit.result.started  # no new_session among these messages
    assert visit.result.errors == [
        "exception: ValueError: bad",
        "error alert: **Surface:** bad formula",
        "page not found: 'nowhere'",
        "script finished with a compile error",
    ]
    assert visit.result.warnings == ["Some link parameters were ignored"]


def test_a_setting_is_confirmed_by_a_widget_the_server_set_or_by_the_apps_url():
    result = protocol.RunResult(server_values={"adadelta.rho": 0.9})
    result.url_query = "lr.constant.learning_rate=0.7&network.noise=0.2"
    settings = {"adadelta.rho": 0.9, "lr.constant.learning_rate": 0.7, "network.noise": 0.1}
    count, wrong = client.confirmed(settings, result)
    assert count == 2
    assert wrong == ["setting not applied: network.noise=0.1 but the page shows '0.2'"]
    assert client.confirmed({"x.y": 1.0}, protocol.RunResult()) == (0, [])
    texts = protocol.RunResult(url_query="problem.surface=custom")
    assert client.confirmed({"problem.surface": "custom"}, texts) == (1, [])


def test_websocket_url_of_a_base_url():
    assert client.ws_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/_stcore/stream"
    assert client.ws_url("http://localhost:1/lab/") == "ws://localhost:1/lab/_stcore/stream"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://localhost:1", "http://[::1]:9"])
def test_only_loopback_urls_are_targets(url):
    assert cli.loopback_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1:8080", "http://example.com", "https://127.0.0.1", "http://127.0.0.1/?a"],
)
def test_other_urls_are_refused(url):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.loopback_url(url)


def test_command_line_bounds():
    args = cli.parse_args([])
    assert (args.sessions, args.rounds, args.visits, args.pages) == (
        30,
        2,
        4,
        ["surfaces", "networks"],
    )
    with pytest.raises(SystemExit):
        cli.parse_args(["--sessions", "0"])
    with pytest.raises(SystemExit):
        cli.parse_args(["--pages", "surfaces,anatomy"])
    with pytest.raises(SystemExit):
        cli.parse_args(["--watch-pid", "1"])


def test_proc_stat_parsing_and_process_trees():
    assert proc.parse_stat("42 (a b) c) S 7 42 42 0") == (42, 7)
    parent_of = {1: 0, 10: 1, 11: 10, 12: 11, 20: 1}
    assert proc.tree([10], parent_of) == {10, 11, 12}
    assert proc.tree([99], parent_of) == set()
    own = proc.tree([os.getpid()], proc.parents())
    assert os.getpid() in own
    assert proc.rss_bytes(os.getpid()) > 0


def test_the_nginx_config_names_every_replica_and_leaves_no_field_open():
    template = (ROOT / "deploy" / "nginx.conf").read_text()
    text = serve.render(template, run_dir="/tmp/run", listen="0.0.0.0:8080", replica_ports=[1, 2])
    assert "@@" not in text and "/tmp/run/access.log" in text
    assert text.count("server 127.0.0.1:") == 2
    assert "listen 0.0.0.0:8080;" in text
    assert "hash $replica_key consistent;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    with pytest.raises(ValueError, match="@@OTHER@@"):
        serve.render(template + "@@OTHER@@", run_dir="/r", listen="1", replica_ports=[1])


def test_sessions_per_replica_are_read_from_the_access_log():
    log = "\n".join(
        [
            't 101 "GET /_stcore/stream HTTP/1.1" upstream=127.0.0.1:1 time=3',
            't 200 "GET /surfaces HTTP/1.1" upstream=127.0.0.1:2 time=0',
            't 101 "GET /_stcore/stream HTTP/1.1" upstream=127.0.0.1:2 time=9',
            't 101 "GET /_stcore/stream HTTP/1.1" upstream=127.0.0.1:1 time=1',
        ]
    )
    assert serve.replica_counts(log) == {"127.0.0.1:1": 2, "127.0.0.1:2": 1}


@pytest.mark.server
def test_smoke_two_students_against_a_real_server(tmp_path):
    """The whole tool once: it starts the app, visits cold, runs 2 students x 1 visit on
    /surfaces over the websocket, samples RSS, reports no error, and stops the server."""
    out = tmp_path / "load.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            "--pages",
            "surfaces",
            "--sessions",
            "2",
            "--visits",
            "1",
            "--rounds",
            "1",
            "--duration-limit",
            "240",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(out.read_text())
    assert [r["page"] for r in data["first_visits"]] == ["surfaces"]
    assert [r["kind"] for r in data["visits"]] == ["open", "open"]
    for record in data["first_visits"] + data["visits"]:
        assert record["errors"] == [] and record["seconds"] > 0
        assert record["bytes_received"] > 100_000  # the charts arrived
    assert sum(r["confirmed"] for r in data["visits"]) == 4  # rho and learning_rate, twice
    assert data["rss_peak"]["1"] > 100e6
    assert "errors: 0 visits" in done.stdout and "/surfaces" in done.stdout
    assert not Path(f"/proc/{data['server_pid']}").exists()
