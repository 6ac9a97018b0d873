"""The trajectory engine: whole optimization runs as one jitted loop.

``run`` takes an objective ``loss(params, key, step) -> scalar``, one start and several
optimizers, and returns one ``Trace`` of NumPy arrays per optimizer: every optimizer sees the
same per-step key (so the same noise or minibatch), which keeps comparisons fair. ``sweep`` runs
many starts and/or many settings at once with ``vmap`` (``grid`` builds the settings).

The objective, the optimizers and the number of steps are traced arguments, so changing any
numeric value reuses the compiled code (for the number of steps, up to ``max_steps``); only
what is recorded and the tree structure (which features are on, which surface or formula) are
static. Divergence is detected, never hidden: ``Trace.diverged_at`` is the first step at which
anything became non-finite, and the positions are kept as computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .optim import GradientStages, Optimizer

PyTree = Any

FULL = (
    "params",
    "loss",
    "grads",
    "updates",
    "effective_lr",
    "slots",
    "learning_rate",
    "ema",
    "is_update_step",
)
"""Record everything the figures need."""

PATH = ("params", "loss")
"""Record only the path and its loss (for sweeps over many starts or settings)."""

POSITION_FIELDS = ("params", "loss")
"""Fields of a position (row t: after t calls); the others describe a call."""

BEST = "best"
"""A ``record`` entry that keeps no rows: the lowest loss of the run before it diverged and
its step, reduced inside the loop (``Trace.best_loss``, ``Trace.best_step``). A map over many
settings needs only that, and with it the memory does not grow with the number of steps."""


class Trace(NamedTuple):
    """One optimizer's run. Per-step fields are None unless recorded.

    With T steps, ``params`` and ``loss`` have T+1 rows (row t is the position after t calls,
    row 0 the start); the other per-step fields have T rows (row t describes call t+1). Batched
    runs (``sweep``) have the batch axes in front.

    Attributes:
        params: positions, ``[T+1, ...]``.
        loss: loss at each position, ``[T+1]`` (noise-free only if the objective is).
        grads: ``GradientStages`` (raw, unscaled, accumulated, clipped), each ``[T, ...]``.
        updates: ``params[t+1] − params[t]``, ``[T, ...]``.
        effective_lr: per-dimension effective learning rate of each call, ``[T, ...]``
            (NaN on accumulation micro-steps).
        slots: the optimizer's slots after each call (e.g. E[g²], E[Δx²]), ``[T, ...]``.
        learning_rate: the learning rate of each call, ``[T]``.
        ema: EMA weights after each call, ``[T, ...]``, or None without ``use_ema``.
        is_update_step: False for accumulation micro-steps, ``[T]``.
        final_params: position after the last call (always recorded).
        final_loss: loss there (always recorded).
        diverged_at: the first t at which the position ``params[t]``, its loss or gradient, or
            the optimizer state after t calls is non-finite; None (or -1 in batched runs) if
            the run stayed finite.
        steps: None when every step is recorded. With ``run(..., record_at=steps)``, the
            recorded positions: row i of every field describes position ``steps[i]`` (a
            per-call field the call that reached it; NaN, or False, for position 0).
        best_loss: with ``BEST`` recorded, the lowest loss at any position before
            ``diverged_at`` (the start and the end included), else None; NaN when the start
            itself was bad.
        best_step: with ``BEST`` recorded, the first position of ``best_loss`` (-1 when it is
            NaN), else None.
    """

    params: PyTree | None
    loss: np.ndarray | None
    grads: GradientStages | None
    updates: PyTree | None
    effective_lr: PyTree | None
    slots: Any
    learning_rate: np.ndarray | None
    ema: PyTree | None
    is_update_step: np.ndarray | None
    final_params: PyTree
    final_loss: np.ndarray
    diverged_at: int | np.ndarray | None
    steps: np.ndarray | None = None
    best_loss: np.ndarray | None = None
    best_step: np.ndarray | None = None


def _nonfinite(*trees: PyTree) -> jax.Array:
    leaves = [x for tree in trees for x in jax.tree.leaves(tree)]
    return jnp.logical_not(jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves])))


def _as_pytree_callable(objective: Callable) -> Any:
    """Plain functions become a leafless ``Partial`` so they can be passed through ``jit``."""
    leaves, treedef = jax.tree.flatten(objective)
    if treedef.num_leaves == 1 and leaves[0] is objective:
        return jax.tree_util.Partial(objective)
    return objective


def _step(value_and_grad, optimizer, p, state, step_key, step):
    """One call: the new position and state, every recordable field, the divergence flags."""
    loss, grads = value_and_grad(p, step_key, step)
    new_p, new_state, info = optimizer.step(grads, state, p)
    recorded = {
        "params": p,
        "loss": loss,
        "grads": info.grads,
        "updates": jax.tree.map(jnp.subtract, new_p, p),
        "effective_lr": info.effective_lr,
        "slots": new_state.slots,
        "learning_rate": info.learning_rate,
        "ema": new_state.ema,
        "is_update_step": info.is_update_step,
    }
    bad_here = _nonfinite(p, loss, grads)
    bad_next = _nonfinite(new_p, new_state.slots, new_state.ema)
    return new_p, new_state, recorded, bad_here, bad_next


def empty_rows(value, rows: int):
    """``rows`` rows shaped like ``value``: NaN for floats (no call yet), zero otherwise."""
    fill = jnp.nan if jnp.issubdtype(value.dtype, jnp.floating) else 0
    return jnp.full((rows, *value.shape), fill, value.dtype)


def write_row(buffer, row, value):
    """``buffer`` (a tree of arrays with a leading row axis) with ``value`` in row ``row``."""
    return jax.tree.map(lambda rows, v: rows.at[row].set(v), buffer, value)


_NEVER = np.iinfo(np.int32).max
"""A step no run reaches: "not diverged" while the first bad row is searched for."""


def _record_row(record_at, step):
    """The buffer row of position ``step``: its index in ``record_at``, or the spare row."""
    count = record_at.shape[0]
    index = jnp.searchsorted(record_at, step).astype(jnp.int32)
    found = record_at[jnp.minimum(index, count - 1)] == step
    return jnp.where((index < count) & found, index, count)


def _run(
    objective,
    params,
    optimizers,
    key,
    num_steps,
    record: tuple[str, ...],
    record_at=None,
    *,
    capacity: int,
):
    """``num_steps`` (traced, at most the static ``capacity``) calls of each optimizer.

    The loop runs ``num_steps`` iterations and writes each recorded row into buffers carried
    through it: with ``record_at``, one row per recorded position plus a spare row that takes
    the rest (memory grows with the recorded steps, not all); without, ``capacity + 1`` rows
    (row t: position t, and call t+1 for the per-call fields), the rows past ``num_steps``
    left NaN for the caller to trim. So one program serves every ``num_steps`` up to
    ``capacity``.
    """
    value_and_grad = jax.value_and_grad(objective)
    track_best = BEST in record
    record = tuple(name for name in record if name != BEST)
    if record_at is None:
        rows = capacity + 1

        def position_row(step):
            return step

        def call_row(step):
            return step

    else:
        rows = record_at.shape[0] + 1

        def position_row(step):
            return _record_row(record_at, step)

        def call_row(step):  # a call's fields belong to the position it reaches
            return _record_row(record_at, step + 1)

    carry = []
    for optimizer in optimizers:
        state = optimizer.init(params)
        shapes = jax.eval_shape(
            lambda o, p, s: _step(value_and_grad, o, p, s, key, jnp.int32(0))[2],
            optimizer,
            params,
            state,
        )
        buffers = {
            name: jax.tree.map(lambda v: empty_rows(v, rows), shapes[name]) for name in record
        }
        best = (jnp.array(jnp.inf, shapes["loss"].dtype), jnp.int32(-1)) if track_best else None
        carry.append((params, state, buffers, jnp.int32(_NEVER), best))

    def body(step, carry):
        step_key = jax.random.fold_in(key, step)
        new_carry = []
        for optimizer, (p, state, buffers, first_bad, best) in zip(optimizers, carry):
            new_p, new_state, recorded, bad_here, bad_next = _step(
                value_and_grad, optimizer, p, state, step_key, step
            )
            written = {
                name: write_row(
                    buffers[name],
                    position_row(step) if name in POSITION_FIELDS else call_row(step),
                    recorded[name],
                )
                for name in record
            }
            # Row t is bad when position t is, or the state after t calls is.
            first_bad = jnp.minimum(
                first_bad,
                jnp.where(bad_here, step, jnp.where(bad_next, step + 1, _NEVER)),
            )
            if best is not None:
                best = _lower(best, recorded["loss"], step, first_bad)
            new_carry.append((new_p, new_state, written, first_bad, best))
        return tuple(new_carry)

    carry = jax.lax.fori_loop(0, num_steps, body, tuple(carry))

    final_key = jax.random.fold_in(key, num_steps)
    traces = []
    for final_params, _, buffers, first_bad, best in carry:
        final_loss = objective(final_params, final_key, num_steps)
        first_bad = jnp.minimum(
            first_bad, jnp.where(_nonfinite(final_params, final_loss), num_steps, _NEVER)
        )
        diverged_at = jnp.where(first_bad == _NEVER, -1, first_bad).astype(jnp.int32)
        if best is not None:
            best_loss, best_step = _lower(best, final_loss, num_steps, first_bad)
            best = {
                "best_loss": jnp.where(best_step < 0, jnp.nan, best_loss),
                "best_step": best_step,
            }
        fields = {name: None for name in FULL}
        final = {"params": final_params, "loss": final_loss}
        for name in record:
            kept = buffers[name]
            if name in final:  # position T (the spare row when T is not recorded)
                kept = write_row(kept, position_row(num_steps), final[name])
            if record_at is not None:
                kept = jax.tree.map(lambda b: b[: rows - 1], kept)
            elif name not in POSITION_FIELDS:
                kept = jax.tree.map(lambda b: b[:capacity], kept)
            fields[name] = kept
        traces.append(
            Trace(
                **fields,
                final_params=final_params,
                final_loss=final_loss,
                diverged_at=diverged_at,
                **(best or {}),
            )
        )
    return tuple(traces)


def _lower(best, loss, step, first_bad):
    """``(lowest loss, its step)`` with position ``step`` taken in if it lies before the first
    bad position (``first_bad`` so far: later steps can only flag later positions) and is
    strictly lower, so ties keep the first position, as ``argmin`` does."""
    best_loss, best_step = best
    lower = (step < first_bad) & (loss < best_loss)
    return jnp.where(lower, loss, best_loss), jnp.where(lower, step, best_step).astype(jnp.int32)


_run_jit = jax.jit(_run, static_argnames=("record", "capacity"))


def _sweep(
    objective,
    params,
    optimizers,
    key,
    num_steps,
    record,
    params_axis,
    optimizers_axis,
    objective_axes,
    capacity,
    record_at=None,
):
    objective_in_axes = None
    if objective_axes is not None:
        objective_in_axes = jax.tree.unflatten(jax.tree.structure(objective), objective_axes)
    return jax.vmap(
        lambda f, p, o: _run(f, p, o, key, num_steps, record, record_at, capacity=capacity),
        in_axes=(objective_in_axes, params_axis, optimizers_axis),
    )(objective, params, optimizers)


_sweep_jit = jax.jit(
    _sweep,
    static_argnames=("record", "params_axis", "optimizers_axis", "objective_axes", "capacity"),
)


def _check_run_args(optimizers: Sequence[Optimizer], num_steps: int) -> tuple[Optimizer, ...]:
    if isinstance(optimizers, Optimizer):
        optimizers = (optimizers,)
    optimizers = tuple(optimizers)
    if not optimizers or not all(isinstance(o, Optimizer) for o in optimizers):
        raise ValueError(
            "Argument `optimizers` must be one optimizer or a non-empty sequence of optimizers. "
            f"Received: optimizers={optimizers!r}"
        )
    if (
        isinstance(num_steps, bool)
        or not isinstance(num_steps, (int, np.integer))
        or not (1 <= num_steps <= 1_000_000)
    ):
        raise ValueError(
            "Argument `num_steps` must be an integer in [1, 1000000]. "
            f"Received: num_steps={num_steps!r}"
        )
    return optimizers


def run_arguments(objective, params, optimizers, num_steps, key) -> tuple:
    """Validated, canonical (objective, params, optimizers, key) for a jitted runner: what
    ``run`` and ``sweep`` pass to their loops, for any runner that must start as they do
    (``adadelta.dissect``). Raises ValueError on the arguments ``run`` refuses."""
    optimizers = _check_run_args(optimizers, num_steps)
    key = jax.random.key(key) if isinstance(key, (int, np.integer)) else key
    # Host values stay NumPy (jit moves them in one transfer, without an eager op per leaf).
    params = jax.tree.map(
        lambda x: (
            jnp.asarray(x, jnp.float32) if isinstance(x, jax.Array) else np.asarray(x, np.float32)
        ),
        params,
    )
    return _as_pytree_callable(objective), params, optimizers, key


def step_capacity(num_steps: int, max_steps: int | None) -> int:
    """The static number of steps a program is compiled for (``max_steps``, or exactly
    ``num_steps``); ValueError unless ``num_steps <= max_steps <= 1,000,000``."""
    if max_steps is None:
        return int(num_steps)
    if (
        isinstance(max_steps, bool)
        or not isinstance(max_steps, (int, np.integer))
        or not (num_steps <= max_steps <= 1_000_000)
    ):
        raise ValueError(
            f"Argument `max_steps` must be an integer in [num_steps={num_steps}, 1000000]. "
            f"Received: max_steps={max_steps!r}"
        )
    return int(max_steps)


def _first_rows(tree: PyTree, rows: int, axis: int) -> PyTree:
    """The first ``rows`` entries of every leaf along ``axis`` (the time axis)."""
    return jax.tree.map(lambda leaf: np.take(leaf, np.arange(rows), axis=axis), tree)


def _to_numpy(traces, batched: bool, num_steps: int | None = None):
    """The traces as NumPy; with ``num_steps``, every-step fields cut to that many steps (a
    program compiled for more steps leaves the rest of its rows unwritten)."""
    traces = jax.device_get(traces)
    out = []
    for trace in traces:
        diverged = np.asarray(trace.diverged_at)
        if not batched:
            diverged = None if int(diverged) < 0 else int(diverged)
        trace = trace._replace(diverged_at=diverged)
        if num_steps is not None:
            trace = _cut(trace, lambda name: num_steps + (name in POSITION_FIELDS), int(batched))
        out.append(trace)
    return tuple(out)


def _cut(trace: Trace, rows: Callable[[str], int], axis: int) -> Trace:
    """The trace with each recorded field's first ``rows(name)`` rows along ``axis`` (copies,
    so a cached trace does not keep the program's whole buffer alive)."""
    return trace._replace(
        **{
            name: _first_rows(getattr(trace, name), rows(name), axis)
            for name in FULL
            if getattr(trace, name) is not None
        }
    )


def run(
    objective: Callable,
    params: PyTree,
    optimizers: Optimizer | Sequence[Optimizer],
    num_steps: int,
    *,
    key: jax.Array | int = 0,
    record: Sequence[str] = FULL,
    record_at: Sequence[int] | np.ndarray | None = None,
    max_steps: int | None = None,
    max_records: int | None = None,
) -> tuple[Trace, ...]:
    """Runs each optimizer ``num_steps`` calls from ``params`` on ``objective``, in one loop.

    Args:
        objective: ``loss(params, key, step) -> scalar``; a pytree (its leaves are traced) or a
            plain function (compiled once per function object).
        params: the start, a pytree of float32 arrays.
        optimizers: one optimizer or several; all run in the same loop, on the same keys.
        num_steps: number of optimizer calls (accumulation micro-steps count as calls).
        key: a PRNG key or an int seed; step t uses ``fold_in(key, t)``.
        record: which per-step fields to record (see ``Trace``), e.g. ``FULL`` or ``PATH``;
            ``BEST`` adds the lowest loss before divergence and its step (no rows).
        record_at: None (every step), or the positions to record, distinct steps in
            ``[0, num_steps]``: the run keeps only those rows, in memory too (a position's
            per-call fields are those of the call that reached it), and ``Trace.steps`` holds
            them. The positions are traced: new positions of the same count reuse the code.
        max_steps: None (compile for exactly ``num_steps``), or the most steps the compiled
            program takes: every ``num_steps`` up to it reuses one program (a page's step
            control). Only the steps run are computed; without ``record_at`` the recorded
            rows take ``max_steps + 1`` rows of memory during the run.
        max_records: None, or the most positions ``record_at`` will hold: the program is
            compiled for that many, so any ``record_at`` up to it reuses it (without, each
            count of positions is its own program; the number of steps never is).

    Returns:
        One ``Trace`` per optimizer, as NumPy arrays.
    """
    positions = None if record_at is None else _check_record_at(record_at, num_steps)
    arguments = run_arguments(objective, params, optimizers, num_steps, key)
    capacity = step_capacity(num_steps, max_steps)
    padded = None if positions is None else _padded(positions, max_records)
    traces = _run_jit(
        *arguments,
        num_steps=np.int32(num_steps),
        record=_check_record(record),
        record_at=padded,
        # Rows kept at chosen steps do not depend on the number of steps: one program for all.
        capacity=capacity if positions is None else 0,
    )
    return _host_traces(traces, False, num_steps, capacity, positions, padded)


def _host_traces(traces, batched: bool, num_steps: int, capacity: int, positions, padded):
    """The traces of ``run`` or ``sweep`` as NumPy, with exactly the rows asked for: the first
    ``num_steps`` of a program compiled for more, or the ``positions`` of ``record_at`` (its
    ``padded`` rows dropped) and ``Trace.steps``."""
    if positions is None:
        return _to_numpy(traces, batched, num_steps if capacity > num_steps else None)
    traces = _to_numpy(traces, batched)
    if padded.size > positions.size:
        traces = tuple(_cut(trace, lambda _: positions.size, int(batched)) for trace in traces)
    return tuple(trace._replace(steps=positions) for trace in traces)


def _padded(positions: np.ndarray, max_records: int | None) -> jax.Array:
    """``positions`` as int32, padded to ``max_records`` with a step no run reaches (its rows
    stay unwritten); ValueError unless ``len(positions) <= max_records <= 1,000,001``."""
    if max_records is not None:
        if (
            isinstance(max_records, bool)
            or not isinstance(max_records, (int, np.integer))
            or not (positions.size <= max_records <= 1_000_001)
        ):
            raise ValueError(
                "Argument `max_records` must be an integer in "
                f"[len(record_at)={positions.size}, 1000001]. Received: max_records={max_records!r}"
            )
        positions = np.concatenate(
            [positions, np.full(max_records - positions.size, _NEVER, np.int64)]
        )
    return jnp.asarray(positions, jnp.int32)


def run_in_windows(
    objective: Callable,
    params: PyTree,
    optimizers: Optimizer | Sequence[Optimizer],
    num_steps: int,
    *,
    key: jax.Array | int = 0,
    record: Sequence[str] = FULL,
    window: int,
) -> tuple[Trace, ...]:
    """``run(...)`` recording every step, computed by runs that each record ``window``
    positions (``record_at``): one program for every ``num_steps``, its buffers ``window``
    rows long whatever the number of steps. Each run replays the calls before its window, so
    the work grows as ``num_steps² / window``. The traces equal ``run``'s (every step, no
    ``Trace.steps``).

    Raises:
        ValueError: as ``run``, or unless ``window`` is an integer in [2, 1000001].
    """
    optimizers = _check_run_args(optimizers, num_steps)
    if (
        isinstance(window, bool)
        or not isinstance(window, (int, np.integer))
        or not 2 <= window <= 1_000_001
    ):
        raise ValueError(
            f"Argument `window` must be an integer in [2, 1000001]. Received: window={window!r}"
        )
    positions = np.arange(num_steps + 1)
    parts = []
    for first in range(0, num_steps + 1, window):
        at = positions[first : first + window]
        parts.append(  # each run stops at its window's last position (at least 1: window >= 2)
            run(
                objective,
                params,
                optimizers,
                int(at[-1]),
                key=key,
                record=record,
                record_at=at,
                max_records=window,
            )
        )
    traces = []
    for i, last in enumerate(parts[-1]):
        pieces = [part[i] for part in parts]
        joined = {}
        for name in FULL:
            if getattr(last, name) is None:
                continue
            rows = jax.tree.map(
                lambda *leaves: np.concatenate(leaves), *[getattr(p, name) for p in pieces]
            )
            # Row t of a per-call field is call t+1: the call that reached position t+1.
            joined[name] = rows if name in POSITION_FIELDS else jax.tree.map(lambda x: x[1:], rows)
        traces.append(last._replace(**joined, steps=None))
    return tuple(traces)


def _check_record_at(record_at: Sequence[int] | np.ndarray, num_steps: int) -> np.ndarray:
    positions = np.asarray(record_at)
    if (
        positions.ndim != 1
        or positions.size == 0
        or not np.issubdtype(positions.dtype, np.integer)
        or np.any(np.diff(positions) <= 0)
        or positions[0] < 0
        or positions[-1] > num_steps
    ):
        raise ValueError(
            "Argument `record_at` must be increasing integer steps in "
            f"[0, num_steps={num_steps}]. Received: record_at={record_at!r}"
        )
    return positions.astype(np.int64)


def sweep(
    objective: Callable,
    params: PyTree,
    optimizers: Optimizer | Sequence[Optimizer],
    num_steps: int,
    *,
    key: jax.Array | int = 0,
    record: Sequence[str] = PATH,
    batched_params: bool = False,
    batched_optimizers: bool = True,
    objective_axes: Any = None,
    max_steps: int | None = None,
    record_at: Sequence[int] | np.ndarray | None = None,
    max_records: int | None = None,
    chunk_size: int | None = None,
) -> tuple[Trace, ...]:
    """Like ``run``, vmapped over a leading batch axis of the starts and/or the optimizers.

    ``batched_params``: ``params`` leaves carry a leading batch axis (many starts).
    ``batched_optimizers``: every optimizer's leaves carry a leading batch axis (many settings,
    e.g. from ``grid``).
    ``objective_axes``: None (one objective for the whole batch), or the objective's pytree
    with 0 at each leaf that carries a leading batch axis and None at each shared leaf (e.g.
    one minibatch order per seed over shared training data).
    Whatever is batched must agree on the batch size. ``max_steps``, ``record_at`` (the same
    positions for every run of the batch) and ``max_records``: as for ``run``.
    ``chunk_size``: None (one program per batch size), or the batch size of the compiled
    program: the batch runs in chunks of that many, the last one filled up with copies of its
    first run (computed and dropped), so every batch size reuses one program (a page's
    resolution control). The results are the same runs; a vectorized multiply-add may round
    differently by one ulp in a batch of another size.
    """
    axes = None if objective_axes is None else _objective_axes(objective, objective_axes)
    if not (batched_params or batched_optimizers or axes is not None):
        raise ValueError(
            "sweep needs batched_params, batched_optimizers or objective_axes to batch something."
        )
    positions = None if record_at is None else _check_record_at(record_at, num_steps)
    arguments = run_arguments(objective, params, optimizers, num_steps, key)
    capacity = step_capacity(num_steps, max_steps)
    padded = None if positions is None else _padded(positions, max_records)
    record = _check_record(record)
    objective, params, optimizers, key = arguments

    def run_batch(objective, params, optimizers):
        traces = _sweep_jit(
            objective,
            params,
            optimizers,
            key,
            num_steps=np.int32(num_steps),
            record=record,
            params_axis=0 if batched_params else None,
            optimizers_axis=0 if batched_optimizers else None,
            objective_axes=axes,
            capacity=capacity if positions is None else 0,
            record_at=padded,
        )
        return _host_traces(traces, True, num_steps, capacity, positions, padded)

    if chunk_size is None:
        return run_batch(objective, params, optimizers)
    return _in_chunks(
        run_batch,
        (objective, params, optimizers),
        None if axes is None else [axis == 0 for axis in axes],
        batched_params,
        batched_optimizers,
        _check_chunk_size(chunk_size),
    )


def _check_chunk_size(chunk_size: Any) -> int:
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or not 1 <= chunk_size <= 1_000_000
    ):
        raise ValueError(
            f"Argument `chunk_size` must be an integer in [1, 1000000]. Received: {chunk_size!r}"
        )
    return int(chunk_size)


def _in_chunks(
    run_batch: Callable,
    arguments: tuple,
    objective_batched: list[bool] | None,
    params_batched: bool,
    optimizers_batched: bool,
    size: int,
) -> tuple:
    """``run_batch(objective, params, optimizers)`` over chunks of ``size`` runs of the batch,
    the last chunk filled up with copies of its first run; the traces of every chunk joined,
    the copies dropped. ``objective_batched`` says which objective leaves carry the batch
    axis (None: none), the two flags whether the params and the optimizers do."""
    objective, params, optimizers = arguments
    objective_leaves, objective_def = jax.tree.flatten(objective)
    objective_batched = objective_batched or [False] * len(objective_leaves)
    batched_leaves = [leaf for leaf, on in zip(objective_leaves, objective_batched) if on]
    batched_leaves += jax.tree.leaves(params) if params_batched else []
    batched_leaves += jax.tree.leaves(optimizers) if optimizers_batched else []
    sizes = sorted({np.shape(leaf)[0] for leaf in batched_leaves})
    if len(sizes) != 1:  # vmap checks this for a whole batch; chunks would hide it
        raise ValueError(f"Whatever sweep batches must agree on the batch size. Received: {sizes}")
    total = sizes[0]

    def chunk(tree, start: int):
        def part(leaf):
            rows = np.asarray(leaf)[start : start + size]
            fill = np.repeat(rows[:1], size - rows.shape[0], axis=0)
            return np.concatenate([rows, fill])

        return jax.tree.map(part, tree)

    parts = []
    for start in range(0, total, size):
        leaves = [
            chunk(leaf, start) if on else leaf
            for leaf, on in zip(objective_leaves, objective_batched)
        ]
        traces = run_batch(
            jax.tree.unflatten(objective_def, leaves),
            chunk(params, start) if params_batched else params,
            chunk(optimizers, start) if optimizers_batched else optimizers,
        )
        parts.append(traces)
    return tuple(_joined(traces, total) for traces in zip(*parts))


def _joined(traces: Sequence[Trace], total: int) -> Trace:
    """One trace from the traces of consecutive chunks of a batch: the first ``total`` runs
    (the copies filling the last chunk dropped) of every batched field."""
    first = traces[0]
    return first._replace(
        **{
            name: jax.tree.map(
                lambda *leaves: np.concatenate(leaves)[:total], *[getattr(t, name) for t in traces]
            )
            for name, value in first._asdict().items()
            if value is not None and name != "steps"
        }
    )


def _objective_axes(objective: Any, objective_axes: Any) -> tuple[int | None, ...]:
    """The per-leaf vmap axes (0 or None) of ``objective``, hashable for ``jit``."""
    count = len(jax.tree.leaves(_as_pytree_callable(objective)))
    axes = tuple(jax.tree.leaves(objective_axes, is_leaf=lambda a: a is None))
    if len(axes) != count or any(a not in (0, None) for a in axes):
        raise ValueError(
            f"Argument `objective_axes` must give 0 or None for each of the objective's {count} "
            f"leaves. Received: objective_axes={objective_axes!r}"
        )
    return axes


def _check_record(record: Sequence[str]) -> tuple[str, ...]:
    record = tuple(record)
    known = (*FULL, BEST)
    unknown = [name for name in record if name not in known]
    if unknown:
        raise ValueError(
            f"Argument `record` may only name fields of {FULL}, or {BEST!r}. "
            f"Received unknown: {unknown}"
        )
    return tuple(name for name in known if name in record)


def grid(optimizer: Optimizer, **axes: Sequence[Any]) -> tuple[Optimizer, tuple[int, ...]]:
    """A batch of settings: the outer product of ``axes`` over ``optimizer``'s arguments.

    ``grid(Adadelta(learning_rate=1.0), learning_rate=lrs, rho=rhos)`` returns an optimizer
    whose leaves have a leading axis of ``len(lrs) * len(rhos)`` (``learning_rate`` varying
    slowest) and the grid shape ``(len(lrs), len(rhos))``. Each value is validated by the
    constructor, once per axis value (not once per grid point).
    """
    if not axes:
        raise ValueError("grid needs at least one axis, e.g. grid(opt, rho=[0.9, 0.95]).")
    base_leaves, structure = optimizer.host_leaves()
    shape = tuple(len(values) for values in axes.values())
    owner: dict[int, int] = {}
    per_axis_leaves = []
    for axis, (name, values) in enumerate(axes.items()):
        variants = [optimizer.replace(**{name: v}).host_leaves() for v in values]
        if any(key != structure for _, key in variants):
            raise ValueError(
                f"grid axis `{name}` changes which features are on; sweep numeric values only."
            )
        leaves = [
            np.stack([np.asarray(v[0][i]) for v in variants]) for i in range(len(base_leaves))
        ]
        for i, base in enumerate(base_leaves):
            if not np.all(leaves[i] == np.asarray(base)):
                if i in owner:
                    raise ValueError(f"grid axes overlap on one value: `{name}`.")
                owner[i] = axis
        per_axis_leaves.append(leaves)

    batched = []
    size = int(np.prod(shape))
    for i, base in enumerate(base_leaves):
        base = np.asarray(base)
        if i in owner:
            axis = owner[i]
            values = per_axis_leaves[axis][i]
            index = tuple(slice(None) if a == axis else None for a in range(len(shape)))
            full = np.broadcast_to(values[index], shape + base.shape)
        else:
            full = np.broadcast_to(base, shape + base.shape)
        batched.append(np.ascontiguousarray(full).reshape((size, *base.shape)))
    return jax.tree.unflatten(jax.tree.structure(optimizer), batched), shape
