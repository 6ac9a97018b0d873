"""Lessons on Keras's ``apply()`` extras, each on a view where its effect shows.

On a smooth, noise-free surface accumulation and the EMA change almost nothing, so those
lessons add gradient noise (``noise_sigma``); clipping shows where a plain SGD step would blow
up; loss scaling shows as what it is in float32, a division of every gradient.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from adadelta.ui import controls
from adadelta.viz.shared.lines import Line, Mark, lines_figure

from .memory import KERAS, ZEILER
from .model import LATE, Lesson, Outcome, View, fmt, late_losses, moved, option, path_length, run

PROBLEM = controls.PROBLEM
PIPELINE = controls.PIPELINE
SGD_RATE = controls.relative("SGD")["learning_rate"]
PIPELINE_ORDER = (
    "Keras applies them in this order: ÷ loss_scale_factor → accumulate → clip → weight "
    "decay → the Adadelta rule → EMA."
)
SPEC = "the Keras 3 apply() pipeline (base_optimizer.py)"

CLIPPING_OPTIONS = (
    "It still diverges",
    "It no longer diverges, and ends near the minimum",
    "It stops moving",
)

CLIPPING_VIEW = View.of(
    "surfaces",
    {
        PROBLEM["surface"]: "rosenbrock",
        PROBLEM["compare"]: ("SGD",),
        SGD_RATE: 0.01,
        PIPELINE["clipping"]: "clipnorm",
        PIPELINE["clipnorm"]: 1.0,
    },
)
"""Rosenbrock, SGD with a learning rate that diverges there, both clipped to norm 1."""

NEAR = 0.1
"""A final loss below this counts as near Rosenbrock's minimum (loss 0 at (1, 1))."""


def _clipping(view: View) -> Outcome:
    clipped = run(view).traces
    plain = run(view.but({PIPELINE["clipping"]: "None"}, drop=[PIPELINE["clipnorm"]])).traces
    sgd = clipped["SGD"]
    if sgd.diverged_at is not None:
        answer = CLIPPING_OPTIONS[0]
    elif sgd.final_loss < NEAR:
        answer = CLIPPING_OPTIONS[1]
    elif moved(sgd)[-1] < 0.01:
        answer = CLIPPING_OPTIONS[2]
    else:
        raise ValueError("clipped SGD neither diverged, nor ended near the minimum, nor stopped")
    clipnorm = view.value(PIPELINE["clipnorm"])
    facts = {
        "clipnorm": clipnorm,
        "learning_rate": view.value(SGD_RATE),
        "first_gradient_norm": float(np.linalg.norm(sgd.grads.raw[0])),
        "plain_diverged_at": float(plain["SGD"].diverged_at or np.nan),
        "sgd_loss": float(sgd.final_loss),
        "sgd_longest_step": float(np.max(np.linalg.norm(sgd.updates, axis=1))),
        "adadelta_plain_low": late_losses(plain["Adadelta"])[0],
        "adadelta_plain_high": late_losses(plain["Adadelta"])[1],
        "adadelta_low": late_losses(clipped["Adadelta"])[0],
        "adadelta_high": late_losses(clipped["Adadelta"])[1],
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"Without clipping, SGD diverged at step {f['plain_diverged_at']}: the first gradient "
        f"has norm {f['first_gradient_norm']}, so even η = {f['learning_rate']} throws it "
        f"across the valley. With clipnorm = {f['clipnorm']} every gradient is scaled down to "
        f"norm ≤ {f['clipnorm']} first, so no SGD step is longer than η·{f['clipnorm']} "
        f"(the longest was {f['sgd_longest_step']}); **SGD ends at loss {f['sgd_loss']}**.\n\n"
        "Adadelta did not diverge in either run: it divides each gradient by its own RMS, so a "
        "huge gradient does not make a huge step. Clipping still changes its run, because it "
        f"changes how the gradients compare over time: over the last {LATE} steps its loss "
        f"swings between {f['adadelta_low']} and {f['adadelta_high']} (it zig-zags across the "
        f"valley floor), against {f['adadelta_plain_low']} to {f['adadelta_plain_high']} "
        "without clipping."
    )
    lines = [
        Line("SGD, no clipping", np.arange(plain["SGD"].loss.size), plain["SGD"].loss),
        Line(f"SGD, clipnorm = {f['clipnorm']}", np.arange(sgd.loss.size), sgd.loss),
    ]
    figure = lines_figure(
        lines,
        title="SGD's loss on Rosenbrock (from 1e-4 to 1e3)",
        x_title="step",
        y_title="loss",
        log_y=True,
        y_range=(1e-4, 1e3),  # SGD's blow-up leaves through the top
    )
    return Outcome(
        option(CLIPPING_OPTIONS, answer),
        explanation,
        (
            ("SGD without clipping diverged at step", f["plain_diverged_at"]),
            ("SGD's final loss with clipping", f["sgd_loss"]),
            (
                f"Adadelta's loss, last {LATE} steps, with clipping",
                f"{f['adadelta_low']} to {f['adadelta_high']}",
            ),
        ),
        figure,
        facts,
    )


CLIPPING = Lesson(
    slug="clipping",
    title="Gradient clipping",
    text=(
        "**clipnorm** rescales any gradient whose L2 norm is larger than clipnorm down to that "
        "norm, before the optimizer sees it (Keras clips each variable on its own; here x and "
        "y form one variable). **clipvalue** clips each element instead, and "
        "**global_clipnorm** all variables together; Keras allows one of the three. "
        f"{PIPELINE_ORDER}\n\n"
        "On Rosenbrock from (−1.2, 1) the first gradient is steep, and SGD with "
        f"learning_rate = {fmt(CLIPPING_VIEW.value(SGD_RATE))} diverges within a few steps."
    ),
    equation=(
        r"g \leftarrow g \cdot \min\!\left(1,\ "
        r"\frac{\mathrm{clipnorm}}{\lVert g \rVert_2}\right)"
    ),
    question=(
        f"Now every gradient is clipped to clipnorm = "
        f"{fmt(CLIPPING_VIEW.value(PIPELINE['clipnorm']))}. What happens to SGD?"
    ),
    options=CLIPPING_OPTIONS,
    view=CLIPPING_VIEW,
    assess=_clipping,
    look=(
        "Play the paths, then set clipping to None in the Keras pipeline panel: SGD's path "
        "leaves the plot and the page flags its divergence."
    ),
    sources=f"{KERAS} (clipnorm, clipvalue, global_clipnorm) · {SPEC}",
)


DECAY_OPTIONS = ("At the same place", "Closer to the origin (0, 0)", "Closer to the minimum (1, 1)")

DECAY_VIEW = View.of(
    "surfaces",
    {PROBLEM["surface"]: "rosenbrock", PROBLEM["compare"]: (), PIPELINE["weight_decay"]: 0.01},
)
"""Rosenbrock with the paper's Adadelta and decoupled weight decay 0.01."""


def _decay(view: View) -> Outcome:
    decayed = run(view).traces["Adadelta"]
    plain = run(view.but({PIPELINE["weight_decay"]: None})).traces["Adadelta"]
    end, plain_end = decayed.final_params, plain.final_params
    minimum = np.array([1.0, 1.0])
    if np.linalg.norm(end - plain_end) < 0.01:
        answer = DECAY_OPTIONS[0]
    elif np.linalg.norm(end) < np.linalg.norm(plain_end):
        answer = DECAY_OPTIONS[1]
    elif np.linalg.norm(end - minimum) < np.linalg.norm(plain_end - minimum):
        answer = DECAY_OPTIONS[2]
    else:
        raise ValueError("weight decay moved the end neither to the origin nor to the minimum")
    weight_decay = view.value(PIPELINE["weight_decay"])
    learning_rate = view.value(controls.schedule("constant")["learning_rate"])
    facts = {
        "weight_decay": weight_decay,
        "shrink_per_step": learning_rate * weight_decay,
        "end_x": float(end[0]),
        "end_y": float(end[1]),
        "plain_end_x": float(plain_end[0]),
        "plain_end_y": float(plain_end[1]),
        "end_norm": float(np.linalg.norm(end)),
        "plain_end_norm": float(np.linalg.norm(plain_end)),
        "low": late_losses(decayed)[0],
        "high": late_losses(decayed)[1],
        "plain_low": late_losses(plain)[0],
        "plain_high": late_losses(plain)[1],
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"With weight_decay = {f['weight_decay']}, Adadelta ended at ({f['end_x']}, "
        f"{f['end_y']}), {f['end_norm']} from the origin; without it at ({f['plain_end_x']}, "
        f"{f['plain_end_y']}), {f['plain_end_norm']} from the origin. Each step first shrinks "
        f"the weights by η·λ = {fmt(100 * facts['shrink_per_step'])}% and only then applies "
        "the gradient step; the path settles where the two pulls balance, and that is not the "
        f"minimum of f (over the last {LATE} steps the loss stays between {f['low']} and "
        f"{f['high']}, against {f['plain_low']} to {f['plain_high']} without decay).\n\n"
        "The shrink is multiplied by η but never passes through Adadelta's RMS ratio: that is "
        "what *decoupled* means (Loshchilov & Hutter). With Keras's default η = 0.001 the same "
        "λ shrinks 1000× more slowly."
    )
    figure = lines_figure(
        [
            Line(
                f"Adadelta, weight_decay = {f['weight_decay']}",
                decayed.params[:, 0],
                decayed.params[:, 1],
            ),
            Line("Adadelta, no weight decay", plain.params[:, 0], plain.params[:, 1]),
        ],
        title="Paths on Rosenbrock",
        x_title="x",
        y_title="y",
        marks=[Mark("minimum (1, 1)", 1.0, 1.0), Mark("origin", 0.0, 0.0)],
        equal_axes=True,
        height=420,
    )
    return Outcome(
        option(DECAY_OPTIONS, answer),
        explanation,
        (
            ("Distance to origin, with decay", f["end_norm"]),
            ("Distance to origin, without", f["plain_end_norm"]),
            ("Shrink per step, η·λ", f"{fmt(100 * facts['shrink_per_step'])}%"),
        ),
        figure,
        facts,
    )


WEIGHT_DECAY = Lesson(
    slug="weight-decay",
    title="Decoupled weight decay",
    text=(
        "With **weight_decay** = λ, Keras shrinks every weight before each update: "
        "w ← w − η·λ·w. The shrink does not go through the gradient, so Adadelta's RMS "
        f"scaling never sees it (decoupled weight decay). {PIPELINE_ORDER}\n\n"
        "Here: Rosenbrock from (−1.2, 1), the paper's Adadelta (η = 1) and weight_decay = "
        f"{fmt(DECAY_VIEW.value(PIPELINE['weight_decay']))}, while the gradient pulls towards "
        "the minimum (1, 1)."
    ),
    equation=(
        r"w \leftarrow w - \eta\,\lambda\, w, \qquad"
        r" w \leftarrow w + \eta\, \Delta x_t \quad \text{(Adadelta's step)}"
    ),
    question="Where does Adadelta end after 2,000 steps, compared to the same run without decay?",
    options=DECAY_OPTIONS,
    view=DECAY_VIEW,
    assess=_decay,
    look=(
        "Compare the end of the path with the minimum marked on the contour, then clear "
        "weight_decay in the Keras pipeline panel."
    ),
    sources=(
        f"{KERAS} (weight_decay) · Loshchilov & Hutter 2019, Decoupled Weight Decay "
        f"Regularization, arXiv:1711.05101 · {SPEC}"
    ),
)


EMA_OPTIONS = ("The weights", "Their EMA", "About the same (within 1.5×)")

EMA_VIEW = View.of(
    "surfaces",
    {
        PROBLEM["surface"]: "himmelblau",
        PROBLEM["noise_sigma"]: 3.0,
        PROBLEM["compare"]: (),
        PIPELINE["use_ema"]: True,
    },
)
"""Himmelblau with gradient noise: Adadelta reaches a minimum, then jitters around it."""

CLEARLY = 1.5
"""One mean loss counts as lower than another when it is lower by this factor."""


def losses_at(objective, points: np.ndarray) -> np.ndarray:
    """The (noise-free) loss at each point of ``points`` ``[N, 2]``."""
    key = jax.random.key(0)
    return np.asarray(jax.vmap(lambda p: objective(p, key, 0))(jnp.asarray(points)))


def weights_and_ema(view: View) -> tuple[np.ndarray, np.ndarray]:
    """Adadelta's loss at its weights and at their EMA after each step, ``[T]`` each."""
    result = run(view)
    trace = result.traces["Adadelta"]
    return (
        losses_at(result.objective, trace.params[1:]),
        losses_at(result.objective, trace.ema),
    )


def _ema(view: View) -> Outcome:
    weights, ema = weights_and_ema(view)
    ratio = float(weights[-LATE:].mean() / ema[-LATE:].mean())
    answer = (
        EMA_OPTIONS[1]
        if ratio > CLEARLY
        else EMA_OPTIONS[0]
        if ratio < 1 / CLEARLY
        else EMA_OPTIONS[2]
    )
    travelling = view.but({PROBLEM["surface"]: "quadratic"})
    far_weights, far_ema = weights_and_ema(travelling)
    momentum = view.value(PIPELINE["ema_momentum"])
    facts = {
        "noise_sigma": view.value(PROBLEM["noise_sigma"]),
        "ema_momentum": momentum,
        "window": 1 / (1 - momentum),
        "weights_loss": float(weights[-LATE:].mean()),
        "ema_loss": float(ema[-LATE:].mean()),
        "ratio": ratio,
        "share_ema_lower": float(np.mean(ema[-LATE:] < weights[-LATE:])),
        "quadratic_weights_loss": float(far_weights[-LATE:].mean()),
        "quadratic_ema_loss": float(far_ema[-LATE:].mean()),
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"Over the last {LATE} steps the loss at the weights averaged {f['weights_loss']}, at "
        f"their EMA **{f['ema_loss']}, {f['ratio']}× lower**; the EMA was lower at "
        f"{fmt(100 * facts['share_ema_lower'])}% of those steps. The noise makes Adadelta "
        f"jitter around the minimum; the EMA averages about the last {f['window']} weights "
        "and sits near the middle of the jitter.\n\n"
        "It helps only once the weights jitter around one point. With the same noise on the "
        "ill-conditioned quadratic, Adadelta is still travelling at the end and the EMA trails "
        f"behind it: loss {f['quadratic_ema_loss']} at the EMA against "
        f"{f['quadratic_weights_loss']} at the weights over the last {LATE} steps."
    )
    figure = lines_figure(
        [
            Line("Adadelta, the weights", np.arange(1, weights.size + 1), weights),
            Line("EMA of the weights", np.arange(1, ema.size + 1), ema),
        ],
        title="Loss at the weights and at their EMA",
        x_title="step",
        y_title="loss",
        log_y=True,
    )
    return Outcome(
        option(EMA_OPTIONS, answer),
        explanation,
        (
            (f"Mean loss, last {LATE} steps: weights", f["weights_loss"]),
            (f"Mean loss, last {LATE} steps: EMA", f["ema_loss"]),
            ("Weights / EMA", f["ratio"]),
        ),
        figure,
        facts,
    )


EMA = Lesson(
    slug="ema",
    title="An average of the weights (use_ema)",
    text=(
        "With **use_ema**, Keras keeps an exponential moving average of the weights, updated "
        "after every step: avg ← m·avg + (1−m)·w with m = ema_momentum "
        f"(= {fmt(EMA_VIEW.value(PIPELINE['ema_momentum']))}, a window of about 1/(1−m) steps). "
        "The weights themselves are untouched unless ema_overwrite_frequency copies the "
        "average into them.\n\n"
        "Here: Himmelblau's surface with gradient noise σ = "
        f"{fmt(EMA_VIEW.value(PROBLEM['noise_sigma']))} (noise_sigma), which makes Adadelta "
        "jitter once it has reached a minimum."
    ),
    equation=r"\bar w \leftarrow m\, \bar w + (1 - m)\, w",
    question=(
        f"Over the last {LATE} of 2,000 steps, which sits lower on the surface on average: "
        "the weights or their EMA?"
    ),
    options=EMA_OPTIONS,
    view=EMA_VIEW,
    assess=_ema,
    look=(
        "The explorer draws the EMA's path beside Adadelta's on the contour: zoom into the minimum."
    ),
    sources=f"{KERAS} (use_ema, ema_momentum, ema_overwrite_frequency) · {SPEC}",
)


ACCUMULATION_OPTIONS = (
    "Closer: its averaged gradients are less noisy",
    "Farther: it updates only on every 4th call",
    "About the same (within 1.5×)",
)

ACCUMULATION_VIEW = View.of(
    "surfaces",
    {
        PROBLEM["surface"]: "bowl",
        PROBLEM["noise_sigma"]: 5.0,
        PROBLEM["compare"]: (),
        PIPELINE["gradient_accumulation_steps"]: 4,
    },
)
"""The bowl with strong gradient noise, four gradients per update."""


def _accumulation(view: View) -> Outcome:
    accumulated = run(view).traces["Adadelta"]
    plain = run(view.but({PIPELINE["gradient_accumulation_steps"]: None})).traces["Adadelta"]
    mean, plain_mean = accumulated.loss[-LATE:].mean(), plain.loss[-LATE:].mean()
    ratio = float(mean / plain_mean)
    answer = (
        ACCUMULATION_OPTIONS[1]
        if ratio > CLEARLY
        else ACCUMULATION_OPTIONS[0]
        if ratio < 1 / CLEARLY
        else ACCUMULATION_OPTIONS[2]
    )
    every = view.value(PIPELINE["gradient_accumulation_steps"])
    updates = int(accumulated.is_update_step.sum())
    moves = np.linalg.norm(accumulated.updates, axis=1)
    facts = {
        "every": float(every),
        "calls": float(accumulated.updates.shape[0]),
        "updates": float(updates),
        "moves": float(np.count_nonzero(moves)),
        "noise_sigma": view.value(PROBLEM["noise_sigma"]),
        "averaged_sigma": view.value(PROBLEM["noise_sigma"]) / np.sqrt(every),
        "loss": float(mean),
        "plain_loss": float(plain_mean),
        "ratio": ratio,
        "mean_step": float(moves[accumulated.is_update_step].mean()),
        "plain_mean_step": float(np.linalg.norm(plain.updates, axis=1).mean()),
        "path": path_length(accumulated),
        "plain_path": path_length(plain),
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"The {f['calls']} calls made **{f['updates']} updates**, one per {f['every']} calls, "
        f"each with the mean of {f['every']} gradients, whose noise has σ = "
        f"{f['noise_sigma']}/√{f['every']} = {f['averaged_sigma']}. Over the last {LATE} calls "
        f"the loss averaged {f['loss']}, against {f['plain_loss']} without accumulation: "
        f"{f['ratio']}× higher. Each update was only a little longer ({f['mean_step']} "
        f"against {f['plain_mean_step']} on average): Adadelta's step follows its own past "
        "steps, not how often it is called. The path is calmer, though: "
        f"{f['path']} long in all, against {f['plain_path']}.\n\n"
        "Accumulation is for memory, not speed: it gives the gradient of a batch n times "
        "larger than fits in memory, at the price of n calls per update."
    )
    figure = lines_figure(
        [
            Line(
                f"Adadelta, gradient_accumulation_steps = {f['every']}",
                np.arange(accumulated.loss.size),
                accumulated.loss,
            ),
            Line("Adadelta, no accumulation", np.arange(plain.loss.size), plain.loss),
        ],
        title="Loss on the noisy bowl",
        x_title="call",
        y_title="loss",
        log_y=True,
    )
    return Outcome(
        option(ACCUMULATION_OPTIONS, answer),
        explanation,
        (
            ("Updates in 2,000 calls", f["updates"]),
            (f"Mean loss, last {LATE} calls, with / without", f"{f['loss']} / {f['plain_loss']}"),
            ("Path length, with / without", f"{f['path']} / {f['plain_path']}"),
        ),
        figure,
        facts,
    )


ACCUMULATION = Lesson(
    slug="accumulation",
    title="Gradient accumulation",
    text=(
        "With **gradient_accumulation_steps** = n, Keras adds up the gradients of n calls and "
        "updates the weights only on every n-th call, with their mean; the calls in between "
        "change nothing but the sum (a learning-rate schedule still counts every call). "
        "Averaging n noisy gradients divides the noise's σ by √n.\n\n"
        "Here: the bowl with gradient noise σ = "
        f"{fmt(ACCUMULATION_VIEW.value(PROBLEM['noise_sigma']))}, n = "
        f"{ACCUMULATION_VIEW.value(PIPELINE['gradient_accumulation_steps'])}, 2,000 calls."
    ),
    equation=(
        r"w \leftarrow w + \eta\, \Delta x\!\left(\tfrac{1}{n} \sum_{i=1}^{n} g_i\right)"
        r" \quad \text{on every } n\text{-th call}"
    ),
    question=(
        "After 2,000 calls, is Adadelta closer to the minimum than the same run without "
        "accumulation?"
    ),
    options=ACCUMULATION_OPTIONS,
    view=ACCUMULATION_VIEW,
    assess=_accumulation,
    look=(
        "Play the path, then clear gradient_accumulation_steps in the Keras pipeline panel "
        "and play it again."
    ),
    sources=f"{KERAS} (gradient_accumulation_steps) · {SPEC}",
)


SCALING_OPTIONS = (
    "Both slow down, about 1000×",
    "SGD slows down; Adadelta hardly changes",
    "Adadelta slows down; SGD hardly changes",
    "Neither changes",
)

SCALING_VIEW = View.of(
    "surfaces",
    {
        PROBLEM["surface"]: "rosenbrock",
        PROBLEM["compare"]: ("SGD",),
        PIPELINE["loss_scale_factor"]: 1000.0,
    },
)
"""Rosenbrock, Adadelta against SGD, every gradient divided by 1000."""

SLOWER = 0.5
"""A run slows down when it gets less than half as far from its start."""


def _scaling(view: View) -> Outcome:
    scaled = run(view).traces
    plain = run(view.but({PIPELINE["loss_scale_factor"]: None})).traces
    ratios = {
        label: float(moved(scaled[label])[-1] / moved(plain[label])[-1])
        for label in ("Adadelta", "SGD")
    }
    answer = {
        (True, True): SCALING_OPTIONS[0],
        (False, True): SCALING_OPTIONS[1],
        (True, False): SCALING_OPTIONS[2],
        (False, False): SCALING_OPTIONS[3],
    }[(ratios["Adadelta"] < SLOWER, ratios["SGD"] < SLOWER)]
    factor = view.value(PIPELINE["loss_scale_factor"])
    epsilon = view.value(controls.ADADELTA["epsilon"])
    facts = {
        "factor": factor,
        "adadelta_moved": float(moved(scaled["Adadelta"])[-1]),
        "adadelta_plain_moved": float(moved(plain["Adadelta"])[-1]),
        "sgd_moved": float(moved(scaled["SGD"])[-1]),
        "sgd_plain_moved": float(moved(plain["SGD"])[-1]),
        "adadelta_ratio": ratios["Adadelta"],
        "sgd_ratio": ratios["SGD"],
        "adadelta_first_step_change": float(
            100 * np.max(np.abs(scaled["Adadelta"].updates[0] / plain["Adadelta"].updates[0] - 1))
        ),
        "adadelta_gap": float(
            np.max(np.linalg.norm(scaled["Adadelta"].params - plain["Adadelta"].params, axis=1))
        ),
        "adadelta_low": late_losses(scaled["Adadelta"])[0],
        "adadelta_high": late_losses(scaled["Adadelta"])[1],
        "adadelta_plain_low": late_losses(plain["Adadelta"])[0],
        "adadelta_plain_high": late_losses(plain["Adadelta"])[1],
        "sqrt_epsilon": float(np.sqrt(epsilon)),
    }
    f = {name: fmt(value) for name, value in facts.items()}
    explanation = (
        f"SGD's step η·g shrank with the gradient: it got {f['sgd_moved']} from its start "
        f"instead of {f['sgd_plain_moved']}. Adadelta divides g by √(E[g²] + ε), so the factor "
        f"cancels: it got {f['adadelta_moved']} instead of {f['adadelta_plain_moved']}, and "
        f"its first step differed from the unscaled one by {f['adadelta_first_step_change']}% "
        "at most.\n\n"
        "It cancels only while g/"
        f"{f['factor']} is large next to √ε = {f['sqrt_epsilon']}: where the gradients get "
        "small, ε takes over and the run changes. Adadelta's two paths drift up to "
        f"{f['adadelta_gap']} apart; over the last {LATE} steps its loss stays between "
        f"{f['adadelta_low']} and {f['adadelta_high']}, against {f['adadelta_plain_low']} to "
        f"{f['adadelta_plain_high']} without the factor. In real mixed precision nothing of "
        "this shows: the loss "
        "was multiplied by the same factor before the gradients were computed, and in float32 "
        "the division undoes it."
    )
    lines = []
    for label in ("Adadelta", "SGD"):
        for name, traces in ((f"loss_scale_factor = {f['factor']}", scaled), ("none", plain)):
            distance = moved(traces[label])
            lines.append(Line(f"{label}, {name}", np.arange(distance.size), distance))
    figure = lines_figure(
        lines, title="Distance from the start", x_title="step", y_title="distance", log_y=True
    )
    return Outcome(
        option(SCALING_OPTIONS, answer),
        explanation,
        (
            ("SGD: distance, scaled / not", fmt(ratios["SGD"])),
            ("Adadelta: distance, scaled / not", fmt(ratios["Adadelta"])),
            ("Adadelta's paths, largest gap", f["adadelta_gap"]),
        ),
        figure,
        facts,
    )


LOSS_SCALING = Lesson(
    slug="loss-scaling",
    title="Loss scaling (loss_scale_factor)",
    text=(
        "In mixed-precision training the loss is multiplied by a large factor, so that small "
        "float16 gradients do not round to zero, and apply() divides every gradient by "
        "**loss_scale_factor** again before anything else. This app computes in float32 and "
        "never multiplies the loss, so setting loss_scale_factor only divides every gradient: "
        "it shows what each optimizer does with smaller gradients.\n\n"
        "Here: Rosenbrock from (−1.2, 1), Adadelta (η = 1, ε = 1e-6) against SGD, "
        f"loss_scale_factor = {fmt(SCALING_VIEW.value(PIPELINE['loss_scale_factor']))}."
    ),
    equation=r"g \leftarrow \frac{g}{\mathrm{loss\_scale\_factor}}",
    question="Every gradient now reaches the optimizers 1000× smaller. Who slows down?",
    options=SCALING_OPTIONS,
    view=SCALING_VIEW,
    assess=_scaling,
    look="Clear loss_scale_factor in the Keras pipeline panel and compare SGD's path.",
    sources=f"{KERAS} (loss_scale_factor) · {SPEC} · {ZEILER}, §3.2",
)
