"""``make load``: a classroom of simulated students against a real Streamlit server.

    python -m bench.load                       # starts the app on a free loopback port
    python -m bench.load --url http://127.0.0.1:8080 --watch-pid 1234   # e.g. `make serve`

Each student opens a page with their own link, looks 3-8 s, moves the controls, three times,
over Streamlit's own websocket protocol (see ``protocol.py``). Printed per page and round:
p50/p95/max seconds per visit (rerun sent -> ``script_finished``), errors, data per visit; then
the cold first visit and the peak RSS of the server with its children, and its growth on a
second identical round. Bounded in time and count, loopback only; it stops the server it started.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import ipaddress
import json
import signal
import sys
import time
import urllib.parse
from pathlib import Path

from . import client, proc, scenario, stats

SAMPLE_EVERY_S = 0.5
SETTLE_S = 2.0


def loopback_url(text: str) -> str:
    """``text`` without a trailing slash, if it is an http URL of this machine (else error)."""
    parts = urllib.parse.urlsplit(text)
    host = parts.hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if parts.scheme != "http" or not local or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{text!r}: only http URLs on this machine (127.0.0.1, ::1, localhost) are allowed"
        )
    return text.rstrip("/")


def bounded(low: float, high: float, kind: type = int):
    def parse(text: str):
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not in [{low:g}, {high:g}]")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--sessions", type=bounded(1, 200), default=30, help="students per page")
    parser.add_argument("--rounds", type=bounded(1, 5), default=2, help="identical rounds")
    parser.add_argument(
        "--visits", type=bounded(1, 10), default=4, help="per student: 1 link, then changes"
    )
    parser.add_argument("--pages", default="surfaces,networks", help="comma-separated pages")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same students")
    parser.add_argument("--url", type=loopback_url, help="target a running app (loopback only)")
    parser.add_argument(
        "--watch-pid",
        type=int,
        action="append",
        default=[],
        help="with --url: sample the RSS of this process and its children (repeatable)",
    )
    parser.add_argument(
        "--duration-limit", type=bounded(10, 7200, float), default=1800.0, help="seconds, all in"
    )
    parser.add_argument(
        "--visit-timeout", type=bounded(1, 3600, float), default=300.0, help="seconds per visit"
    )
    parser.add_argument(
        "--look",
        type=float,
        nargs=2,
        default=(3.0, 8.0),
        metavar=("MIN", "MAX"),
        help="seconds a student looks before changing the setting",
    )
    parser.add_argument("--ramp", type=bounded(0, 600, float), default=1.0, help="start spread, s")
    parser.add_argument("--json", type=Path, help="also write every visit and figure here")
    args = parser.parse_args(argv)
    args.pages = [p.strip().strip("/") for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in args.pages if p not in scenario.SETTINGS]
    if unknown or not args.pages:
        parser.error(f"--pages: known pages are {', '.join(scenario.SETTINGS)}")
    if not 0 <= args.look[0] <= args.look[1] <= 600:
        parser.error("--look MIN MAX: 0 <= MIN <= MAX <= 600")
    if args.watch_pid and not args.url:
        parser.error("--watch-pid goes with --url (the app this tool starts is watched anyway)")
    return args


@dataclasses.dataclass
class Outcome:
    records: list[stats.VisitRecord] = dataclasses.field(default_factory=list)
    first_visits: list[stats.VisitRecord] = dataclasses.field(default_factory=list)
    health_s: float | None = None
    rss_peak: dict[int, int] = dataclasses.field(default_factory=dict)
    rss_peak_process: dict[int, int] = dataclasses.field(default_factory=dict)
    rss_after: dict[int, int] = dataclasses.field(default_factory=dict)
    planned: int = 0
    stopped: str | None = None
    wall_s: float = 0.0
    server_pid: int | None = None


async def _sample_forever(sampler: proc.RssSampler) -> None:
    while True:
        sampler.sample()
        await asyncio.sleep(SAMPLE_EVERY_S)


async def _progress(outcome: Outcome, started: float) -> None:
    while True:
        await asyncio.sleep(15)
        done = len(outcome.records)
        print(
            f"  ... {time.monotonic() - started:5.0f} s: {done}/{outcome.planned} visits",
            file=sys.stderr,
            flush=True,
        )


async def drive(base: str, args: argparse.Namespace, sampler: proc.RssSampler | None) -> Outcome:
    outcome = Outcome()
    started = time.monotonic()
    deadline = started + args.duration_limit
    background = []
    if sampler is not None:
        background.append(asyncio.create_task(_sample_forever(sampler)))
    background.append(asyncio.create_task(_progress(outcome, started)))
    try:
        for page in args.pages:
            first = scenario.Plan(page, -1, 0.0, ({},), ())
            await _bounded(
                client.run_student(base, first, 0, outcome.first_visits.append, args.visit_timeout),
                deadline,
            )
        for round_ in range(1, args.rounds + 1):
            if sampler is not None:
                sampler.reset()
            plans = [
                scenario.plan(
                    page,
                    student,
                    seed=args.seed,
                    visits=args.visits,
                    look_s=tuple(args.look),
                    ramp_s=args.ramp,
                )
                for page in args.pages
                for student in range(args.sessions)
            ]
            outcome.planned += sum(len(p.settings) for p in plans)
            students = [
                client.run_student(base, p, round_, outcome.records.append, args.visit_timeout)
                for p in plans
            ]
            if not await _bounded(asyncio.gather(*students), deadline):
                outcome.stopped = f"duration limit of {args.duration_limit:.0f} s reached"
                break
            print(f"  round {round_} done", file=sys.stderr, flush=True)
            if sampler is not None:
                await asyncio.sleep(SETTLE_S)
                outcome.rss_after[round_] = sampler.sample()
                outcome.rss_peak[round_] = sampler.peak
                outcome.rss_peak_process[round_] = sampler.peak_process
    finally:
        for task in background:
            task.cancel()
        outcome.wall_s = time.monotonic() - started
    return outcome


async def _bounded(awaitable, deadline: float) -> bool:
    """Awaits until done (True) or ``deadline`` (False: the work is cancelled)."""
    try:
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            await awaitable
        return True
    except TimeoutError:
        return False


def report(args: argparse.Namespace, outcome: Outcome, server: str) -> str:
    lines = [
        f"Adadelta Lab load test: {args.sessions} sessions on each of "
        + ", ".join(f"/{p}" for p in args.pages)
        + f"; {args.visits} visits each (a link, then {args.visits - 1} changes), "
        f"{args.look[0]:g}-{args.look[1]:g} s apart; {args.rounds} round(s); seed {args.seed}",
        f"server: {server}",
        "",
    ]
    label = "cold first visit" if outcome.health_s is not None else "first visit (not cold)"
    if outcome.health_s is not None:
        label += f" (health answered {outcome.health_s:.1f} s after start)"
    firsts = ", ".join(
        f"/{r.page} {stats.seconds(r.seconds)} s" + (" (error)" if r.errors else "")
        for r in outcome.first_visits
    )
    lines += [f"{label}: {firsts}", ""]
    header = (
        "round  page        visits  p50 s  p95 s  max s  open p50  change p50  errors  MB/visit"
    )
    lines.append(header)
    for round_ in sorted({r.round for r in outcome.records}):
        for page in args.pages:
            chosen = [r for r in outcome.records if r.round == round_ and r.page == page]
            if not chosen:
                continue
            s = stats.summarize(chosen)
            lines.append(
                f"{round_:<5}  /{page:<10} {s.visits:>6}  {stats.seconds(s.p50):>5}  "
                f"{stats.seconds(s.p95):>5}  {stats.seconds(s.max):>5}  "
                f"{stats.seconds(s.open_p50):>8}  {stats.seconds(s.change_p50):>10}  "
                f"{s.errors:>6}  {s.mb_per_visit:8.2f}"
            )
    everything = outcome.first_visits + outcome.records
    unfinished = outcome.planned - len(outcome.records)
    lines.append("")
    lines.append(
        f"visits: {len(outcome.records)} of {outcome.planned} planned"
        + (f" ({unfinished} not made: a student stops at an error)" if unfinished else "")
        + f"; wall time {outcome.wall_s:.0f} s"
    )
    errors = [e for r in everything for e in r.errors]
    lines.append(f"errors: {sum(1 for r in everything if r.errors)} visits")
    lines += [f"  {m}" for m in stats.top_messages(errors)]
    warnings = [w for r in everything for w in r.warnings]
    if warnings:
        lines.append(f"warnings shown by the app: {len(warnings)}")
        lines += [f"  {m}" for m in stats.top_messages(warnings, limit=3)]
    confirmed = sum(r.confirmed for r in outcome.records)
    unconfirmed = sum(r.unconfirmed for r in outcome.records)
    lines.append(
        f"settings confirmed by the app's URL: {confirmed} of {confirmed + unconfirmed}"
        " (a default value is not in the URL)"
    )
    if outcome.rss_peak:
        parts = []
        for round_ in sorted(outcome.rss_peak):
            parts.append(
                f"round {round_}: peak {stats.gigabytes(outcome.rss_peak[round_])} "
                f"(largest process {stats.gigabytes(outcome.rss_peak_process[round_])}), "
                f"after {stats.gigabytes(outcome.rss_after[round_])}"
            )
        lines.append("RSS of the server and its children: " + "; ".join(parts))
        if 1 in outcome.rss_peak and 2 in outcome.rss_peak:
            peak = stats.growth(outcome.rss_peak[1], outcome.rss_peak[2])
            after = stats.growth(outcome.rss_after[1], outcome.rss_after[2])
            lines.append(
                f"RSS growth on the second identical round: peak {100 * peak:+.1f} %, "
                f"after the round {100 * after:+.1f} %"
            )
    else:
        lines.append("RSS: not measured (with --url, pass --watch-pid PID of the server)")
    if outcome.stopped:
        lines.append(f"STOPPED EARLY: {outcome.stopped}")
    return "\n".join(lines)


def write_json(path: Path, args: argparse.Namespace, outcome: Outcome) -> None:
    data = {
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "health_s": outcome.health_s,
        "first_visits": [dataclasses.asdict(r) for r in outcome.first_visits],
        "visits": [dataclasses.asdict(r) for r in outcome.records],
        "rss_peak": outcome.rss_peak,
        "rss_peak_process": outcome.rss_peak_process,
        "rss_after": outcome.rss_after,
        "planned": outcome.planned,
        "stopped": outcome.stopped,
        "wall_s": outcome.wall_s,
        "server_pid": outcome.server_pid,
    }
    path.write_text(json.dumps(data, indent=1))


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.url:
            sampler = proc.RssSampler(args.watch_pid) if args.watch_pid else None
            outcome = asyncio.run(drive(args.url, args, sampler))
            where = f"{args.url} (already running)"
        else:
            print("starting the app ...", file=sys.stderr, flush=True)
            with proc.start_app() as server:
                health_s = time.monotonic() - server.started
                outcome = asyncio.run(drive(server.url, args, proc.RssSampler([server.pid])))
                outcome.health_s = health_s
                outcome.server_pid = server.pid
                where = f"started by this tool at {server.url} (pid {server.pid}), now stopped"
    except KeyboardInterrupt:
        print("interrupted: the server this tool started is stopped", file=sys.stderr)
        return 130
    print(report(args, outcome, where))
    if args.json:
        write_json(args.json, args, outcome)
    errors = any(r.errors for r in outcome.first_visits + outcome.records)
    return 1 if errors or outcome.stopped else 0


if __name__ == "__main__":
    sys.exit(main())
