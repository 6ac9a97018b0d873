"""Summaries of visit times and memory: nearest-rank percentiles, no interpolation."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile: the smallest value with at least p % of the values
    at or below it (p95 of 120 visits is the 114th fastest)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError(f"p must be in (0, 100], not {p}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@dataclasses.dataclass(frozen=True)
class VisitRecord:
    """One visit: the page, the round, ``open`` (a link) or ``change`` (controls moved), the
    seconds from sending the rerun to ``script_finished`` (None if it never finished)."""

    page: str
    round: int
    kind: str
    seconds: float | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    bytes_received: int = 0
    confirmed: int = 0
    unconfirmed: int = 0


@dataclasses.dataclass(frozen=True)
class Summary:
    visits: int
    finished: int
    p50: float | None
    p95: float | None
    max: float | None
    open_p50: float | None
    change_p50: float | None
    errors: int
    mb_per_visit: float


def summarize(records: Iterable[VisitRecord]) -> Summary:
    """Times of finished visits; a visit with any error counts once in ``errors``."""
    records = list(records)
    times = [r.seconds for r in records if r.seconds is not None]
    opens = [r.seconds for r in records if r.seconds is not None and r.kind == "open"]
    changes = [r.seconds for r in records if r.seconds is not None and r.kind == "change"]
    return Summary(
        visits=len(records),
        finished=len(times),
        p50=percentile(times, 50) if times else None,
        p95=percentile(times, 95) if times else None,
        max=max(times) if times else None,
        open_p50=percentile(opens, 50) if opens else None,
        change_p50=percentile(changes, 50) if changes else None,
        errors=sum(1 for r in records if r.errors),
        mb_per_visit=sum(r.bytes_received for r in records) / max(1, len(records)) / 1e6,
    )


def top_messages(messages: Iterable[str], limit: int = 5, width: int = 160) -> list[str]:
    """The ``limit`` most frequent messages, shortened to ``width``, with their counts."""
    counts = Counter(" ".join(m.split())[:width] for m in messages)
    return [f"{count} x {text}" for text, count in counts.most_common(limit)]


def growth(before: float, after: float) -> float:
    """Relative growth from ``before`` to ``after`` (0.1 = +10 %)."""
    if before <= 0:
        raise ValueError(f"before must be positive, not {before}")
    return after / before - 1.0


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def gigabytes(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e9:.2f} GB"
