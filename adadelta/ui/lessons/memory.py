"""Lessons on memory: Adagrad's sum never forgets; Adadelta's averages forget after ~1/(1−ρ)."""

from __future__ import annotations

import math

import numpy as np

from adadelta.ui import controls
from adadelta.viz.shared.lines import Line, Mark, lines_figure

from .model import LATE, Lesson, Outcome, View, fmt, late_losses, option, run, steps

ZEILER = "Zeiler 2012, ADADELTA: An Adaptive Learning Rate Method, arXiv:1212.5701"
KERAS = "Keras: keras.io/api/optimizers/adadelta/"

PROBLEM = controls.PROBLEM
BEALE = controls.surface("beale")
CUSTOM = controls.surface("custom")
RHO = controls.ADADELTA["rho"]

ADAGRAD_OPTIONS = (
    "Both only shrink",
    "Adagrad's only shrinks; Adadelta's grows",
    "Both grow once the ground is gentle",
    "Adagrad's grows; Adadelta's only shrinks",
)

ADAGRAD_VIEW = View.of(
    "surfaces", {PROBLEM["surface"]: "beale", BEALE["x0"]: 3.5, BEALE["y0"]: 3.5}
)
"""Beale from high on its steep outer wall, Adadelta (the paper's η = 1) against Adagrad."""


def only_shrinks(rates: np.ndarray) -> bool:
    """Whether a rate never rose from one step to the next."""
    return bool(np.all(np.diff(rates) <= 0))


def _adagrad(view: View) -> Outcome:
    traces = run(view).traces
    adadelta, adagrad = traces["Adadelta"], traces["Adagrad"]
    ada_x, grad_x = adadelta.effective_lr[:, 0], adagrad.effective_lr[:, 0]
    answer = {
        (True, True): "Both only shrink",
        (True, False): "Adagrad's only shrinks; Adadelta's grows",
        (False, False): "Both grow once the ground is gentle",
        (False, True): "Adagrad's grows; Adadelta's only shrinks",
    }[(only_shrinks(grad_x), only_shrinks(ada_x))]
    late = ada_x.size // 2
    facts = {
        "first_gradient_x": float(adagrad.grads.raw[0, 0]),
        "adagrad_first": float(grad_x[0]),
        "adagrad_last": float(grad_x[-1]),
        "adadelta_lowest": float(ada_x.min()),
        "adadelta_last": float(ada_x[-1]),
        "adadelta_growth": float(ada_x[-1] / ada_x.min()),
        "adagrad_late_lowest": late_losses(adagrad)[0],
        "adadelta_late_highest": late_losses(adadelta)[1],
        "adagrad_loss": float(adagrad.final_loss),
        "adadelta_loss": float(adadelta.final_loss),
        "adagrad_moved_late": float(
            np.sum(np.linalg.norm(np.diff(adagrad.params[-late - 1 :], axis=0), axis=1))
        ),
        "adadelta_moved_late": float(
            np.sum(np.linalg.norm(np.diff(adadelta.params[-late - 1 :], axis=0), axis=1))
        ),
        "num_steps": float(ada_x.size),
        "late_steps": float(late),
        "window": 1 / (1 - view.value(RHO)),
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"The first gradient on x was {f['first_gradient_x']}. Adagrad's sum of squared "
        f"gradients swallowed it and never lets go: its effective rate on x went from "
        f"{f['adagrad_first']} at step 1 to {f['adagrad_last']} at step {f['num_steps']}, and "
        f"it **never rose once**. Adadelta's averages forget the steep start after about "
        f"1/(1−ρ) = {f['window']} steps: its rate on x climbed from {f['adadelta_lowest']} to "
        f"{f['adadelta_last']}, **{f['adadelta_growth']}× higher**.\n\n"
        f"The result: in the last {f['late_steps']} steps Adagrad moved "
        f"{f['adagrad_moved_late']} in total, Adadelta {f['adadelta_moved_late']}. Over the last "
        f"{LATE} steps Adagrad's loss never fell below {f['adagrad_late_lowest']}, while "
        f"Adadelta's stayed below {f['adadelta_late_highest']} (final loss {f['adagrad_loss']} "
        f"against {f['adadelta_loss']})."
    )
    figure = lines_figure(
        [
            Line("Adadelta", steps(ada_x.size), ada_x),
            Line("Adagrad", steps(grad_x.size), grad_x),
        ],
        title="Effective learning rate on x",
        x_title="step",
        y_title="η<sub>t</sub> on x",
        log_y=True,
    )
    return Outcome(
        option(ADAGRAD_OPTIONS, answer),
        explanation,
        (
            (
                "Adagrad's rate on x, last / first",
                fmt(facts["adagrad_last"] / facts["adagrad_first"]),
            ),
            ("Adadelta's rate on x, last / lowest", fmt(facts["adadelta_growth"])),
            ("Final loss, Adagrad", f["adagrad_loss"]),
            ("Final loss, Adadelta", f["adadelta_loss"]),
        ),
        figure,
        facts,
    )


ADAGRAD = Lesson(
    slug="adagrad",
    title="Adagrad's step only shrinks",
    text=(
        "Adagrad divides each coordinate's gradient by the root of the **sum of all its squared "
        "gradients so far**. A sum can only grow, so each coordinate's effective learning rate "
        "can only fall, even long after the path has left the steep part behind. Adadelta "
        "replaces the sum with **running averages that forget** (Zeiler 2012, §3), so its rate "
        "can grow again.\n\n"
        "Both start high on the steep outer wall of Beale's surface, at (3.5, 3.5), and head "
        "for its gentle valley around the minimum (3, 0.5)."
    ),
    equation=(
        r"\eta^{\mathrm{Adagrad}}_t = \frac{\eta}{\sqrt{A_0 + \sum_{\tau \le t} g_\tau^2"
        r" + \epsilon}} \qquad \eta^{\mathrm{Adadelta}}_t = \eta\,"
        r"\frac{\sqrt{E[\Delta x^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}"
    ),
    question="Over 2,000 steps, what happens to each one's effective learning rate on x?",
    options=ADAGRAD_OPTIONS,
    view=ADAGRAD_VIEW,
    assess=_adagrad,
    look=(
        "The right-hand panels show each coordinate's effective learning rate for both "
        "optimizers (log scale). Press ▶ Play and watch Adagrad's path stall."
    ),
    sources=(
        f"{ZEILER}, §2.2 and §3 · Duchi, Hazan & Singer 2011 (Adagrad, JMLR) · {KERAS} and "
        "keras.io/api/optimizers/adagrad/"
    ),
)


RHO_OPTIONS = ("About 1", "About 10", "About 100", "About 1,000")

RHO_VIEW = View.of(
    "surfaces",
    {
        PROBLEM["surface"]: "custom",
        PROBLEM["formula"]: "x + y",
        PROBLEM["num_steps"]: 400,
        PROBLEM["compare"]: (),
        CUSTOM["x0"]: 2.5,
        CUSTOM["y0"]: 2.5,
        RHO: 0.99,
    },
)
"""A tilted plane: the gradient never changes, so E[g²] only fills up."""

FILLED = 1 - math.exp(-1)
"""The share of g² that E[g²] reaches after one memory window, 1 − 1/e ≈ 63%."""


def filled_at(view: View) -> tuple[int, np.ndarray]:
    """The first step at which E[g²] on x reaches 1 − 1/e of g², and E[g²]/g² per step."""
    trace = run(view).traces["Adadelta"]
    share = trace.slots.avg_sq_grad[:, 0] / np.square(trace.grads.clipped[:, 0])
    return int(np.argmax(share >= FILLED)) + 1, share


def _rho(view: View) -> Outcome:
    rho = view.value(RHO)
    step, share = filled_at(view)
    other_rho = 0.9
    other_step, other_share = filled_at(view.but({RHO: other_rho}))
    answer = RHO_OPTIONS[int(np.clip(round(math.log10(step)), 0, len(RHO_OPTIONS) - 1))]
    facts = {
        "rho": rho,
        "filled_at": float(step),
        "window": 1 / (1 - rho),
        "other_rho": other_rho,
        "other_filled_at": float(other_step),
        "other_window": 1 / (1 - other_rho),
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"E[g²] passed 63% of g² at **step {f['filled_at']}**; 1/(1−ρ) = {f['window']}. "
        f"With a constant gradient E[g²]ₜ = (1 − ρᵗ)·g², and ρᵗ ≈ e^(−t(1−ρ)), so one window "
        f"of 1/(1−ρ) steps fills it to 1 − 1/e. With ρ = {f['other_rho']} the same run fills "
        f"it at step {f['other_filled_at']} (1/(1−ρ) = {f['other_window']}).\n\n"
        "E[Δx²] uses the same ρ: a larger ρ means a longer, smoother memory, and a slower "
        "reaction when the gradients change (Zeiler 2012 uses ρ = 0.95: about 20 steps)."
    )
    window = facts["window"]
    figure = lines_figure(
        [
            Line(f"Adadelta, ρ = {fmt(rho)} (this view)", steps(share.size), share),
            Line(f"Adadelta, ρ = {fmt(other_rho)}", steps(other_share.size), other_share),
        ],
        title="E[g²] / g² on x: how full the average is",
        x_title="step",
        y_title="E[g²] / g²",
        marks=[Mark(f"1/(1−ρ) = {fmt(window)}", window)],
    )
    return Outcome(
        option(RHO_OPTIONS, answer),
        explanation,
        (
            ("Step where E[g²] reached 63% of g²", f["filled_at"]),
            ("1/(1−ρ)", f["window"]),
            (f"The same with ρ = {f['other_rho']}", f["other_filled_at"]),
        ),
        figure,
        facts,
    )


RHO_LESSON = Lesson(
    slug="rho",
    title="ρ sets a memory of about 1/(1−ρ) steps",
    text=(
        "Adadelta's two running averages weigh a gradient from k steps ago by (1−ρ)ρᵏ. Those "
        "weights fade by a factor e after about 1/(1−ρ) steps: that is Adadelta's memory "
        "window (Zeiler 2012, §3.1), the thing that lets it forget where Adagrad cannot.\n\n"
        f"Here the surface is a tilted plane, f(x, y) = {RHO_VIEW.value(PROBLEM['formula'])}, "
        "so the gradient is the same at every step and E[g²] simply fills up from zero."
    ),
    equation=(
        r"E[g^2]_t = \rho\,E[g^2]_{t-1} + (1-\rho)\,g_t^2"
        r" = (1-\rho)\sum_{k=0}^{t-1} \rho^k\, g_{t-k}^2"
    ),
    question=(
        f"With ρ = {fmt(RHO_VIEW.value(RHO))}, after how many steps has E[g²] reached about "
        "two thirds (1 − 1/e ≈ 63%) of g²?"
    ),
    options=RHO_OPTIONS,
    view=RHO_VIEW,
    assess=_rho,
    look=(
        "Open the **Accumulators** tab under the main figure: E[g²] climbs towards g² = 1 for "
        "both x and y. Move the rho slider and watch the climb speed up or slow down."
    ),
    sources=f"{ZEILER}, §3.1 · {KERAS} (rho)",
)
