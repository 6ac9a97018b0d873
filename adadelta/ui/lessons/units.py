"""The units lesson: stretch one axis, and see whose step the gradient's scale reaches."""

from __future__ import annotations

import numpy as np

from adadelta.ui import controls
from adadelta.viz.shared.lines import Line, lines_figure

from .memory import KERAS, ZEILER
from .model import Lesson, Outcome, View, fmt, option, run

PROBLEM = controls.PROBLEM
QUADRATIC = controls.surface("quadratic")
SGD_RATE = controls.relative("SGD")["learning_rate"]
LABELS = ("Adadelta", "Adagrad", "SGD")

UNITS_OPTIONS = ("None of them", "SGD only", "SGD and Adagrad", "All three")

UNITS_VIEW = View.of(
    "surfaces",
    {
        PROBLEM["surface"]: "quadratic",
        PROBLEM["axis_scale"]: 10.0,
        PROBLEM["compare"]: ("Adagrad", "SGD"),
        SGD_RATE: 0.01,
    },
)
"""The ill-conditioned quadratic with y measured in units 10× larger, three optimizers."""


def _blown(traces: dict) -> frozenset[str]:
    return frozenset(label for label in LABELS if traces[label].diverged_at is not None)


def _units(view: View) -> Outcome:
    scale = view.value(PROBLEM["axis_scale"])
    stretched = run(view).traces
    plain = run(view.but({PROBLEM["axis_scale"]: 1.0})).traces
    answer = {
        frozenset(): "None of them",
        frozenset({"SGD"}): "SGD only",
        frozenset({"SGD", "Adagrad"}): "SGD and Adagrad",
        frozenset(LABELS): "All three",
    }[_blown(stretched)]
    facts = {
        "axis_scale": scale,
        "sgd_diverged_at": float(stretched["SGD"].diverged_at or np.nan),
        "sgd_plain_loss": float(plain["SGD"].final_loss),
        "plain_diverged": float(len(_blown(plain))),
    }
    for label in LABELS:
        name = label.lower()
        facts[f"{name}_first_y_plain"] = float(abs(plain[label].updates[0, 1]))
        facts[f"{name}_first_y"] = float(abs(stretched[label].updates[0, 1]))
        facts[f"{name}_loss"] = float(stretched[label].final_loss)
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"**SGD diverged at step {f['sgd_diverged_at']}**, although at axis_scale 1 the same "
        f"learning_rate reaches loss {f['sgd_plain_loss']}. Its first step along y grew from "
        f"{f['sgd_first_y_plain']} to {f['sgd_first_y']}: SGD's step η·g is as large as the "
        "gradient, which now measures y in other units.\n\n"
        "Adagrad and Adadelta divide g by its own root mean square, so the gradient's scale "
        f"cancels: their first steps along y were the same at axis_scale 1 and {f['axis_scale']} "
        f"(Adagrad {f['adagrad_first_y']}, Adadelta {f['adadelta_first_y']}), and both still "
        f"reached the minimum (final loss {f['adagrad_loss']} and {f['adadelta_loss']}).\n\n"
        "What they do not do is re-measure the axis for you: the same step in the new y is "
        f"{f['axis_scale']}× longer in the old one. Adagrad's step length comes from η; "
        "Adadelta's from its own past steps, E[Δx²], which start from ε. Zeiler (§3.2) shows "
        "why the ratio RMS[Δx]/RMS[g] gives Adadelta's update the units of x: ε is the one "
        "number in it that carries units."
    )
    lines = []
    for label in LABELS:
        loss = stretched[label].loss
        lines.append(Line(label, np.arange(loss.size), loss))
    figure = lines_figure(
        lines,
        title=f"Loss with axis_scale = {f['axis_scale']} (from 1e-12 to 1e6)",
        x_title="step",
        y_title="loss",
        log_y=True,
        y_range=(1e-12, 1e6),  # SGD's blow-up leaves through the top
    )
    return Outcome(
        option(UNITS_OPTIONS, answer),
        explanation,
        (
            ("SGD diverged at step", f["sgd_diverged_at"]),
            ("SGD's first y-step, ×", fmt(facts["sgd_first_y"] / facts["sgd_first_y_plain"])),
            (
                "Adadelta's first y-step, ×",
                fmt(facts["adadelta_first_y"] / facts["adadelta_first_y_plain"]),
            ),
            (
                "Adagrad's first y-step, ×",
                fmt(facts["adagrad_first_y"] / facts["adagrad_first_y_plain"]),
            ),
        ),
        figure,
        facts,
    )


UNITS = Lesson(
    slug="units",
    title="Units: stretch one axis",
    text=(
        "**axis_scale** s measures y in other units: the optimizers minimise f(x, s·y), the "
        "same surface with y drawn s times shorter. With s = 10 every gradient along y is 10× "
        "larger. SGD's step η·g has the units of the gradient; Adagrad and Adadelta divide the "
        "gradient by its own root mean square (Zeiler 2012, §3.2, on the units of each "
        "update).\n\n"
        f"Here: the ill-conditioned quadratic (κ = {fmt(UNITS_VIEW.value(QUADRATIC['kappa']))}) "
        f"with axis_scale = {fmt(UNITS_VIEW.value(PROBLEM['axis_scale']))}, and SGD with "
        f"learning_rate = {fmt(UNITS_VIEW.value(SGD_RATE))}, a rate under which SGD reaches the "
        "minimum when axis_scale = 1."
    ),
    equation=(
        r"\Delta x^{\mathrm{SGD}} = -\eta\, g \qquad"
        r" \Delta x^{\mathrm{Adagrad}} = -\eta\,\frac{g}{\sqrt{\sum g^2}} \qquad"
        r" \Delta x^{\mathrm{Adadelta}} = -\eta\,"
        r"\frac{\mathrm{RMS}[\Delta x]_{t-1}}{\mathrm{RMS}[g]_t}\, g"
    ),
    question="With y stretched 10× (axis_scale = 10), which optimizers blow up?",
    options=UNITS_OPTIONS,
    view=UNITS_VIEW,
    assess=_units,
    look=(
        "The contour is drawn in the optimizers' own units, so the y axis is 10× shorter. "
        "Set axis_scale back to 1 in the sidebar and compare the paths."
    ),
    sources=f"{ZEILER}, §3.2 (units) · {KERAS} · keras.io/api/optimizers/sgd/",
)
