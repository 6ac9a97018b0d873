"""Readable tick labels for log axes and colour bars."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Tick positions (log10 values) and labels for a log10 axis from ``low`` to ``high``.

    Whole decades (``10^k``) when the range holds at least three; otherwise 1-2-5 (then every
    digit) steps labelled as plain numbers, so a narrow range still gets several ticks.
    """
    decades = list(range(math.ceil(low), math.floor(high) + 1))
    if len(decades) >= 3:
        stride = max(1, math.ceil(len(decades) / 8))
        decades = decades[::stride]
        return [float(d) for d in decades], [f"10<sup>{d}</sup>" for d in decades]
    for mantissas in ((1, 2, 5), tuple(range(1, 10))):
        values = [
            math.log10(m) + k
            for k in range(math.floor(low), math.ceil(high) + 1)
            for m in mantissas
            if low <= math.log10(m) + k <= high
        ]
        if len(values) >= 3:
            break
    if len(values) < 3:
        values = [float(v) for v in np.linspace(low, high, 4)]
    return values, distinct_labels([10.0**v for v in values])


def distinct_labels(values: Sequence[float]) -> list[str]:
    """Numbers in as few significant digits (up to 6) as keep neighbouring labels distinct."""
    for digits in range(2, 7):
        labels = [f"{v:.{digits}g}" for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return labels
