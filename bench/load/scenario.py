"""The classroom: which settings each simulated student opens and changes, and when.

Every number comes from a ``random.Random`` seeded by (seed, page, student), so a second round
with the same seed repeats the first exactly, and a run is reproducible.
"""

from __future__ import annotations

import dataclasses
import math
import random

from adadelta.ui import controls

RHO = controls.ADADELTA["rho"]
LEARNING_RATE = controls.schedule("constant")["learning_rate"]
NOISE = controls.NETWORK["noise"]


def decimals(control: controls.Control) -> int:
    """The decimals a control's step allows (a slider of step 0.001 -> 3)."""
    return max(0, -math.floor(math.log10(control.step)))


# Per page, the controls a student moves (their URL keys, from the control table) and the range
# they pick from, rounded to the decimals each widget's step allows.
SETTINGS: dict[str, dict[str, tuple[float, float, int]]] = {
    "surfaces": {
        RHO.key: (0.80, 0.99, decimals(RHO)),
        LEARNING_RATE.key: (0.2, 3.0, decimals(LEARNING_RATE)),
    },
    "networks": {
        LEARNING_RATE.key: (0.2, 3.0, decimals(LEARNING_RATE)),
        NOISE.key: (0.0, 0.3, decimals(NOISE)),
    },
}


@dataclasses.dataclass(frozen=True)
class Plan:
    """One student's session: start offset, the setting of each visit, the pauses between."""

    page: str
    student: int
    start_s: float
    settings: tuple[dict[str, float], ...]
    looks_s: tuple[float, ...]


def plan(
    page: str,
    student: int,
    *,
    seed: int,
    visits: int,
    look_s: tuple[float, float] = (3.0, 8.0),
    ramp_s: float = 1.0,
) -> Plan:
    """The plan of student number ``student`` on ``page``: ``visits`` settings (the first one
    opened as a link, each later one set by moving the controls), ``visits - 1`` looks."""
    if page not in SETTINGS:
        raise ValueError(f"page must be one of {sorted(SETTINGS)}, not {page!r}")
    if visits < 1:
        raise ValueError(f"visits must be at least 1, not {visits}")
    rng = random.Random(f"{seed}/{page}/{student}")
    start = rng.uniform(0.0, ramp_s)
    settings = tuple(_setting(rng, SETTINGS[page]) for _ in range(visits))
    looks = tuple(rng.uniform(*look_s) for _ in range(visits - 1))
    return Plan(page, student, start, settings, looks)


def _setting(rng: random.Random, ranges: dict[str, tuple[float, float, int]]) -> dict[str, float]:
    return {
        key: round(rng.uniform(low, high), digits) for key, (low, high, digits) in ranges.items()
    }
