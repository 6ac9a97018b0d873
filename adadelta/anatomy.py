"""One call of Keras 3's ``apply()`` read stage by stage, from its ``StepInfo``.

``stages(optimizer, call)`` turns one call of a ``dissect`` run into the pipeline's stages in
Keras's order (spec §5): unscale by ``loss_scale_factor``, gradient accumulation, clipping,
decoupled weight decay, the update rule, the EMA, the EMA overwrite and the step counter. Each
stage lists the vectors it reads and writes, before and after, every number taken from the
recorded call (nothing is computed again), and says in one sentence what it did, or why it did
nothing at this call. Only the sentences' own figures (a norm, a factor) are worked out here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .dissect import Call
from .optim import Adadelta, Adagrad, Optimizer

STAGES = ("unscale", "accumulate", "clip", "decay", "rule", "ema", "overwrite", "count")
"""The stages of one ``apply()`` call, in Keras's order."""

TITLES = {
    "unscale": "÷ loss_scale_factor",
    "accumulate": "gradient accumulation",
    "clip": "clipping",
    "decay": "decoupled weight decay",
    "rule": "the update rule",
    "ema": "EMA of the weights",
    "overwrite": "EMA overwrite",
    "count": "the step counter",
}


class Row(NamedTuple):
    """One quantity a stage changes (or passes on), per dimension.

    Attributes:
        name: what it is, e.g. ``"g"``, ``"w"``, ``"E[g²]"``.
        before: its value entering the stage, shape ``(d,)``.
        after: its value leaving it.
    """

    name: str
    before: np.ndarray
    after: np.ndarray


class Stage(NamedTuple):
    """One stage of one call.

    Attributes:
        key: one of ``STAGES``.
        title: its name, e.g. ``"clipping"``.
        active: whether it changed anything at this call.
        note: one sentence: what it did, or why it did nothing.
        rows: the quantities it reads and writes.
    """

    key: str
    title: str
    active: bool
    note: str
    rows: tuple[Row, ...]


class Rule(NamedTuple):
    """The numbers of the update rule's equations at one call, per dimension (all recorded).

    Attributes:
        name: ``"Adadelta"`` or ``"Adagrad"`` (None for rules the page does not write out).
        g: the processed gradient the rule reads.
        w: the params it starts from (after weight decay).
        w_new: the params it returns.
        learning_rate: η of this call.
        slots_before: the rule's slots before the call, by name.
        slots_after: the rule's slots after it.
        rate: the per-dimension effective learning rate η_t (Δw = −η_t·g).
        constants: the rule's own arguments (``rho``, ``epsilon``, ...).
        applied: False on an accumulation micro-step (computed, then thrown away).
    """

    name: str | None
    g: np.ndarray
    w: np.ndarray
    w_new: np.ndarray
    learning_rate: float
    slots_before: dict[str, np.ndarray]
    slots_after: dict[str, np.ndarray]
    rate: np.ndarray
    constants: dict[str, float]
    applied: bool


def _vec(value: Any) -> np.ndarray:
    return np.asarray(value, np.float64).reshape(-1)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _changed(a: np.ndarray, b: np.ndarray) -> bool:
    return not np.array_equal(a, b, equal_nan=True)


def _micro(optimizer: Optimizer, count: int) -> tuple[int, int]:
    """(which micro-step of the window this call is, 1-based; the window's length n)."""
    n = int(optimizer.gradient_accumulation_steps)
    return count % n + 1, n


def _unscale(optimizer: Optimizer, call: Call) -> Stage:
    raw, unscaled = _vec(call.info.grads.raw), _vec(call.info.grads.unscaled)
    factor = optimizer.loss_scale_factor
    if factor is None:
        note = "loss_scale_factor is None: the gradient passes unchanged."
    else:
        note = f"g ← g / loss_scale_factor = g / {_fmt(factor)}."
    return Stage("unscale", TITLES["unscale"], factor is not None, note, (Row("g", raw, unscaled),))


def _accumulate(optimizer: Optimizer, call: Call) -> Stage:
    unscaled, accumulated = _vec(call.info.grads.unscaled), _vec(call.info.grads.accumulated)
    rows = [Row("g", unscaled, accumulated)]
    if not optimizer.accumulates:
        note = "gradient_accumulation_steps is None: every call is an update."
        return Stage("accumulate", TITLES["accumulate"], False, note, tuple(rows))
    step, n = _micro(optimizer, int(call.before.count))
    rows.append(
        Row(
            "accumulator",
            _vec(call.before.grad_accumulator),
            _vec(call.after.grad_accumulator),
        )
    )
    if bool(call.info.is_update_step):
        note = (
            f"Call {step} of {n}: an update. g ← (g + accumulator) / {n}, the mean of the "
            f"{n} micro-gradients; the accumulator is reset to 0."
        )
    else:
        note = (
            f"Micro-step {step} of {n}: no update. The gradient is added to the accumulator; "
            "the stages below are computed, then every variable is restored."
        )
    return Stage("accumulate", TITLES["accumulate"], True, note, tuple(rows))


def _clip(optimizer: Optimizer, call: Call) -> Stage:
    before, after = _vec(call.info.grads.accumulated), _vec(call.info.grads.clipped)
    rows = (Row("g", before, after),)
    norm = float(np.sqrt(np.sum(before**2)))
    for name in ("clipnorm", "global_clipnorm"):
        threshold = getattr(optimizer, name)
        if threshold is not None:
            if norm > threshold:
                note = (
                    f"‖g‖ = {_fmt(norm)} > {name} = {_fmt(threshold)}: g is scaled by "
                    f"{_fmt(threshold / norm)} to length {_fmt(threshold)}."
                )
            else:
                note = (
                    f"‖g‖ = {_fmt(norm)} ≤ {name} = {_fmt(threshold)}: g keeps its length "
                    f"(Keras still computes g·{_fmt(threshold)} / {_fmt(threshold)}, which can "
                    "round the last digit)."
                )
            return Stage("clip", TITLES["clip"], _changed(before, after), note, rows)
    value = optimizer.clipvalue
    if value is not None:
        beyond = int(np.sum(np.abs(before) > value))
        note = f"Each element is clipped to [−{_fmt(value)}, {_fmt(value)}]: " + (
            f"{beyond} of {before.size} were beyond it." if beyond else "none was beyond it."
        )
        return Stage("clip", TITLES["clip"], _changed(before, after), note, rows)
    note = "clipnorm, clipvalue and global_clipnorm are None: no clipping."
    return Stage("clip", TITLES["clip"], False, note, rows)


def _decay(optimizer: Optimizer, call: Call) -> Stage:
    given, decayed = _vec(call.info.params.given), _vec(call.info.params.decayed)
    wd = optimizer.weight_decay
    eta = float(call.info.learning_rate)
    update = bool(call.info.is_update_step)
    if wd is None:
        note = "weight_decay is None: w passes unchanged."
        return Stage("decay", TITLES["decay"], False, note, (Row("w", given, given),))
    if not update:
        note = (
            f"Micro-step: Keras computes w − (w·λ)·η = w·(1 − {_fmt(wd * eta)}), then restores w."
        )
        return Stage("decay", TITLES["decay"], False, note, (Row("w", given, decayed),))
    note = (
        f"w ← w − (w·λ)·η with λ = {_fmt(wd)}, η = {_fmt(eta)}: w shrinks by the factor "
        f"1 − λη = {_fmt(1 - wd * eta)}, before and outside the update rule."
    )
    return Stage(
        "decay", TITLES["decay"], _changed(given, decayed), note, (Row("w", given, decayed),)
    )


def _slot_names(optimizer: Optimizer) -> tuple[str, ...]:
    return type(optimizer)._SLOTS._fields


def rule(optimizer: Optimizer, call: Call) -> Rule:
    """The numbers of the update rule's equations at this call, all from the recorded call."""
    names = _slot_names(optimizer)
    name = (
        "Adadelta"
        if isinstance(optimizer, Adadelta)
        else "Adagrad"
        if isinstance(optimizer, Adagrad)
        else None
    )
    constants = {
        key: float(getattr(optimizer, key))
        for key in ("rho", "epsilon", "initial_accumulator_value")
        if key in type(optimizer)._RULE_ARGS
    }
    return Rule(
        name=name,
        g=_vec(call.info.grads.clipped),
        w=_vec(call.info.params.decayed),
        w_new=_vec(call.info.params.updated),
        learning_rate=float(call.info.learning_rate),
        slots_before={n: _vec(v) for n, v in zip(names, call.info.slots_before)},
        slots_after={n: _vec(v) for n, v in zip(names, call.info.slots_after)},
        rate=_vec(call.info.effective_lr),
        constants=constants,
        applied=bool(call.info.is_update_step),
    )


SLOT_SYMBOLS = {
    "avg_sq_grad": "E[g²]",
    "avg_sq_update": "E[Δx²]",
    "accumulator": "A",
}
"""How the pages name the slots of Adadelta and Adagrad (Zeiler's and Duchi's symbols)."""


def _rule(optimizer: Optimizer, call: Call) -> Stage:
    r = rule(optimizer, call)
    label = r.name or type(optimizer).__name__
    rows = [
        Row(SLOT_SYMBOLS.get(n, n), r.slots_before[n], r.slots_after[n]) for n in r.slots_before
    ]
    rows.append(Row("w", r.w, r.w_new))
    if not r.applied:
        note = (
            f"Micro-step: Keras computes {label}'s step (it would move w to "
            f"({', '.join(_fmt(v) for v in r.w_new)})), then throws it away with every slot."
        )
        return Stage("rule", f"{TITLES['rule']}: {label}", False, note, tuple(rows))
    rates = ", ".join(_fmt(v) for v in r.rate)
    note = f"Turns g into a step with a per-dimension learning rate η_t = ({rates})."
    return Stage("rule", f"{TITLES['rule']}: {label}", True, note, tuple(rows))


def _pre_ema(call: Call) -> np.ndarray:
    """The weights the EMA reads: the rule's result on an update, the old ones on a micro-step."""
    if bool(call.info.is_update_step):
        return _vec(call.info.params.updated)
    return _vec(call.info.params.given)


def _ema(optimizer: Optimizer, call: Call) -> Stage:
    if not optimizer.use_ema:
        note = "use_ema is False: no moving average is kept."
        return Stage("ema", TITLES["ema"], False, note, ())
    iterations = int(call.info.iterations)
    m = 0.0 if iterations == 0 else float(optimizer.ema_momentum)
    w = _pre_ema(call)
    rows = (Row("EMA", _vec(call.before.ema), _vec(call.after.ema)), Row("w (read)", w, w))
    if iterations == 0:
        note = "iterations = 0: the EMA is seeded with w (momentum 0 at the first update)."
    else:
        note = f"avg ← m·avg + (1 − m)·w with m = ema_momentum = {_fmt(m)}."
    if not bool(call.info.is_update_step):
        note += " It runs on micro-steps too, pulling the average toward the unchanged w."
    return Stage("ema", TITLES["ema"], True, note, rows)


def _overwrite(optimizer: Optimizer, call: Call) -> Stage:
    w, final = _pre_ema(call), _vec(call.info.params.final)
    rows = (Row("w", w, final),)
    if not optimizer.use_ema:
        return Stage("overwrite", TITLES["overwrite"], False, "use_ema is False.", rows)
    frequency = optimizer.ema_overwrite_frequency
    if frequency is None:
        note = "ema_overwrite_frequency is None: w keeps its own value."
        return Stage("overwrite", TITLES["overwrite"], False, note, rows)
    i = int(call.info.iterations)
    if (i + 1) % int(frequency) == 0:
        note = f"(iterations + 1) = {i + 1} is a multiple of {frequency}: w ← EMA."
        return Stage("overwrite", TITLES["overwrite"], True, note, rows)
    note = f"(iterations + 1) = {i + 1} is not a multiple of ema_overwrite_frequency = {frequency}."
    return Stage("overwrite", TITLES["overwrite"], False, note, rows)


def _count(optimizer: Optimizer, call: Call) -> Stage:
    k, k_new = int(call.before.count), int(call.after.count)
    rows = (Row("k", np.array([k], np.float64), np.array([k_new], np.float64)),)
    note = f"Keras's raw counter k goes from {k} to {k_new} on every call."
    if optimizer.accumulates:
        n = int(optimizer.gradient_accumulation_steps)
        note += f" optimizer.iterations = k // {n} goes from {k // n} to {k_new // n}."
    note += (
        f" The learning rate of this call was lr(k = {k}) = {_fmt(float(call.info.learning_rate))}."
    )
    return Stage("count", TITLES["count"], True, note, rows)


def stages(optimizer: Optimizer, call: Call) -> tuple[Stage, ...]:
    """The stages of one call in Keras's order (``STAGES``), read from the recorded call."""
    return (
        _unscale(optimizer, call),
        _accumulate(optimizer, call),
        _clip(optimizer, call),
        _decay(optimizer, call),
        _rule(optimizer, call),
        _ema(optimizer, call),
        _overwrite(optimizer, call),
        _count(optimizer, call),
    )
