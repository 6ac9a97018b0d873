"""Lessons on the start: ε sets Adadelta's first step, and Keras's learning_rate scales it."""

from __future__ import annotations

import math

import numpy as np

from adadelta.ui import controls
from adadelta.viz.shared.lines import Line, Mark, lines_figure

from .memory import KERAS, ZEILER
from .model import Lesson, Outcome, View, fmt, moved, option, run, steps

PROBLEM = controls.PROBLEM
BOWL = controls.surface("bowl")
ROSENBROCK = controls.surface("rosenbrock")
RHO = controls.ADADELTA["rho"]
EPSILON = controls.ADADELTA["epsilon"]
LEARNING_RATE = controls.schedule("constant")["learning_rate"]

RULE = (
    r"\Delta x_t = -\frac{\sqrt{E[\Delta x^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}"
    r"\, g_t, \qquad x_{t+1} = x_t + \eta\, \Delta x_t"
)


def first_step(learning_rate: float, rho: float, epsilon: float) -> float:
    """Adadelta's first step for a gradient much larger than √(ε/(1−ρ)): η·√(ε/(1−ρ))."""
    return learning_rate * math.sqrt(epsilon / (1 - rho))


EPSILON_OPTIONS = (
    "Longer along x, the steeper coordinate",
    "The same length along x and y",
    "Longer along y",
)

EPSILON_VIEW = View.of(
    "surfaces",
    {PROBLEM["surface"]: "bowl", PROBLEM["compare"]: (), BOWL["x0"]: -4.0, BOWL["y0"]: 1.0},
)
"""The bowl x² + y² from (−4, 1), where the gradient (−8, 2) is 4× steeper along x."""

SAME = 0.01
"""Two step lengths within 1% of each other count as the same."""


def _epsilon(view: View) -> Outcome:
    trace = run(view).traces["Adadelta"]
    learning_rate, rho, epsilon = (view.value(c) for c in (LEARNING_RATE, RHO, EPSILON))
    step_x, step_y = np.abs(trace.updates[0])
    ratio = step_x / step_y
    if abs(ratio - 1) < SAME:
        answer = "The same length along x and y"
    else:
        answer = EPSILON_OPTIONS[0] if ratio > 1 else EPSILON_OPTIONS[2]
    rates = trace.effective_lr
    at_eta = np.all(np.abs(rates / learning_rate - 1) < SAME, axis=1)
    # The step from which the rate stays at η to the end (NaN if it is not there at the end).
    away = np.flatnonzero(~at_eta)
    settled = float(away[-1] + 2 if away.size else 1) if at_eta[-1] else math.nan
    bigger = run(view.but({EPSILON: 10 * epsilon})).traces["Adadelta"]
    facts = {
        "gradient_x": float(trace.grads.raw[0, 0]),
        "gradient_y": float(trace.grads.raw[0, 1]),
        "step_x": float(step_x),
        "step_y": float(step_y),
        "formula": first_step(learning_rate, rho, epsilon),
        "epsilon": epsilon,
        "one_minus_rho": 1 - rho,
        "learning_rate": learning_rate,
        "rate_at_eta_from": settled,
        "step_ratio_ten_epsilon": float(np.abs(bigger.updates[0, 0]) / step_x),
        "final_loss": float(trace.final_loss),
        "num_steps": float(rates.shape[0]),
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"Both coordinates moved **{f['step_x']}** and {f['step_y']}, although the gradient "
        f"was ({f['gradient_x']}, {f['gradient_y']}). At step 1 E[Δx²] = 0, so √ε is the whole "
        "numerator, and the denominator √((1−ρ)g² + ε) grows with the gradient: "
        f"the first move is η·√ε·|g|/√((1−ρ)g² + ε) ≈ η·√(ε/(1−ρ)) = "
        f"{f['learning_rate']}·√({f['epsilon']}/{f['one_minus_rho']}) = {f['formula']} along "
        "every coordinate whose gradient is much larger than that: the gradient's size cancels. "
        f"With ten times ε the same run's first step is {f['step_ratio_ten_epsilon']}× longer "
        "(√10 ≈ 3.16).\n\n"
        "ε also sets the end (Zeiler 2012, §4.3): once the gradients and the steps have shrunk "
        "far below √ε, both square roots are ≈ √ε and the effective rate becomes η itself. "
        f"Here, from step {f['rate_at_eta_from']} to the last, step {f['num_steps']}, the "
        f"effective rate on both axes stayed within 1% of η = {f['learning_rate']} (final loss "
        f"{f['final_loss']})."
    )
    figure = lines_figure(
        [
            Line("Adadelta, x", steps(rates.shape[0]), rates[:, 0]),
            Line("Adadelta, y", steps(rates.shape[0]), rates[:, 1]),
        ],
        title="Effective learning rate on x and y",
        x_title="step",
        y_title="η<sub>t</sub>",
        log_y=True,
        marks=[Mark(f"η = {f['learning_rate']} from here", facts["rate_at_eta_from"])],
    )
    return Outcome(
        option(EPSILON_OPTIONS, answer),
        explanation,
        (
            ("First step along x", f["step_x"]),
            ("First step along y", f["step_y"]),
            ("η·√(ε/(1−ρ))", f["formula"]),
            ("Rate = η from step", f["rate_at_eta_from"]),
        ),
        figure,
        facts,
    )


EPSILON_LESSON = Lesson(
    slug="epsilon",
    title="ε sets the first step, and the last",
    text=(
        "Adadelta adds ε inside **both** square roots of its rate. That looks like a detail "
        "for numerical safety, but both of Adadelta's averages start at zero, so at the start "
        "ε is all there is in the numerator.\n\n"
        "Here: the bowl f(x, y) = x² + y² with the paper's settings (η = 1, ρ = 0.95, "
        "ε = 1e-6), starting at (−4, 1)."
    ),
    equation=RULE,
    question=(
        "At (−4, 1) the gradient is (−8, 2): x is 4× steeper than y. What does Adadelta's "
        "first step look like?"
    ),
    options=EPSILON_OPTIONS,
    view=EPSILON_VIEW,
    assess=_epsilon,
    look=(
        "In the right-hand panels, Adadelta's rates on x and y start equal and tiny, and end "
        "at η. Change epsilon in the sidebar (e.g. 1e-4) and watch the start speed up."
    ),
    sources=f"{ZEILER}, §3.2 and §4.3 · {KERAS} (epsilon)",
)


KERAS_OPTIONS = (
    "Less than 0.01: it barely moves",
    "Between 0.01 and 1",
    "More than 1: most of the way",
)

KERAS_VIEW = View.of(
    "surfaces",
    {
        PROBLEM["surface"]: "rosenbrock",
        PROBLEM["compare"]: (),
        LEARNING_RATE: controls.PRESETS["Keras defaults"]["learning_rate"],
        EPSILON: controls.PRESETS["Keras defaults"]["epsilon"],
        RHO: controls.PRESETS["Keras defaults"]["rho"],
    },
)
"""Rosenbrock with Keras's defaults: learning_rate 0.001, rho 0.95, epsilon 1e-7."""

PAPER = {
    LEARNING_RATE: controls.PRESETS["Zeiler paper"]["learning_rate"],
    EPSILON: controls.PRESETS["Zeiler paper"]["epsilon"],
    RHO: controls.PRESETS["Zeiler paper"]["rho"],
}


def _keras(view: View) -> Outcome:
    keras = run(view).traces["Adadelta"]
    paper = run(view.but(PAPER)).traces["Adadelta"]
    distance = moved(keras)
    far = float(distance[-1])
    answer = KERAS_OPTIONS[0] if far < 0.01 else KERAS_OPTIONS[1] if far <= 1 else KERAS_OPTIONS[2]
    learning_rate, rho, epsilon = (view.value(c) for c in (LEARNING_RATE, RHO, EPSILON))
    # The first step from the rate the engine used (the move itself is rounded to float32
    # positions, which at |x| ≈ 1 resolve only about 1e-7).
    first = float(np.max(np.abs(keras.effective_lr[0] * keras.grads.raw[0])))
    facts = {
        "learning_rate": learning_rate,
        "epsilon": epsilon,
        "first_step": first,
        "formula": first_step(learning_rate, rho, epsilon),
        "moved": far,
        "start_loss": float(keras.loss[0]),
        "loss": float(keras.final_loss),
        "paper_moved": float(moved(paper)[-1]),
        "paper_loss": float(paper.final_loss),
        "paper_learning_rate": PAPER[LEARNING_RATE],
        "paper_epsilon": PAPER[EPSILON],
        "num_steps": float(keras.effective_lr.shape[0]),
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"Adadelta moved **{f['moved']}** in {f['num_steps']} steps; the loss went from "
        f"{f['start_loss']} to {f['loss']}. Its first step was {f['first_step']} = "
        f"η·√(ε/(1−ρ)) with η = {f['learning_rate']} and ε = {f['epsilon']}.\n\n"
        "Keras accumulates E[Δx²] from the step *before* it is multiplied by η (keras-team/"
        "keras PR #11532), so Adadelta cannot adapt its way out of a small η: every step is "
        f"simply {f['learning_rate']} times what the rule computed. With the paper's η = "
        f"{f['paper_learning_rate']} and ε = {f['paper_epsilon']} the same start moves "
        f"{f['paper_moved']} and reaches loss {f['paper_loss']}. Keras's documentation: "
        "*“To match the exact form in the original paper, use 1.0.”*"
    )
    figure = lines_figure(
        [
            Line("Adadelta, Keras defaults", np.arange(distance.size), distance),
            Line("Adadelta, paper (η = 1, ε = 1e-6)", np.arange(distance.size), moved(paper)),
        ],
        title="Distance from the start",
        x_title="step",
        y_title="distance",
        log_y=True,
    )
    return Outcome(
        option(KERAS_OPTIONS, answer),
        explanation,
        (
            ("Moved, Keras defaults", f["moved"]),
            ("Moved, paper's settings", f["paper_moved"]),
            ("First step, Keras defaults", f["first_step"]),
            ("Final loss, Keras / paper", f"{f['loss']} / {f['paper_loss']}"),
        ),
        figure,
        facts,
    )


KERAS_LESSON = Lesson(
    slug="learning-rate",
    title="Keras's learning_rate 0.001 against the paper's 1.0",
    text=(
        "Zeiler's Adadelta has no global learning rate: its step is the rule's Δx itself, "
        "η = 1. Keras adds a learning_rate that multiplies every step and defaults it to "
        f"**{fmt(KERAS_VIEW.value(LEARNING_RATE))}**, with ε = "
        f"{fmt(KERAS_VIEW.value(EPSILON))} (the paper used ε = {fmt(PAPER[EPSILON])}). Many "
        "users have been puzzled by this default: keras-team/keras#3889, "
        "tensorflow/tensorflow#36785 and #32950.\n\n"
        "Here: Rosenbrock from (−1.2, 1) with Keras's defaults. The minimum (1, 1) is 2.2 away."
    ),
    equation=RULE,
    question="How far from its start does Adadelta get in 2,000 steps?",
    options=KERAS_OPTIONS,
    view=KERAS_VIEW,
    assess=_keras,
    look=(
        "Press ▶ Play: nothing seems to move. Then press **Zeiler paper** in the sidebar (η = 1, "
        "ε = 1e-6) and play again."
    ),
    sources=(
        f"{ZEILER} · {KERAS} (learning_rate: “To match the exact form in the original paper, "
        "use 1.0”) · keras-team/keras#3889 · tensorflow/tensorflow#36785, #32950"
    ),
)
