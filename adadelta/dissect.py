"""Every stage of every call of a run: the numbers behind the anatomy of one step.

``dissect`` runs optimizers exactly as ``engine.run`` does (the same start, the same per-step
keys ``fold_in(key, t)``, the same ``optimizer.step`` inside one jitted loop) and keeps,
for each call, the ``StepInfo`` that ``optimizer.step`` returns along with the whole optimizer
state before and after it. Nothing here computes a stage itself: the stages come from the one
pipeline that runs, so the anatomy page shows what the explorer animates.

A run is computed once per setting; looking at another call is an index into its arrays. The
optimizers, the objective and the number of steps are traced arguments (changing a number
reuses the compiled code, up to ``max_steps`` for the number of steps); only the tree structure
(which features are on) is static.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import engine
from .optim import Optimizer, OptimizerState, StepInfo

PyTree = Any


class Dissection(NamedTuple):
    """One optimizer's run, every call kept whole. With T calls, row t−1 describes call t.

    Attributes:
        params: positions, ``[T+1, ...]`` (row t is the position after t calls).
        loss: the loss at each position, ``[T+1]``.
        info: ``StepInfo`` of each call, every field with a leading ``[T]`` axis.
        before: the ``OptimizerState`` before each call, ``[T]`` (count, slots, the gradient
            accumulator, the EMA).
        after: the ``OptimizerState`` after each call, ``[T]``.
    """

    params: PyTree
    loss: np.ndarray
    info: StepInfo
    before: OptimizerState
    after: OptimizerState

    @property
    def num_steps(self) -> int:
        """T, the number of calls."""
        return int(np.shape(self.loss)[0]) - 1

    def call(self, t: int) -> Call:
        """Call ``t`` (1-based: call 1 moves the start); raises ValueError outside [1, T]."""
        if (
            isinstance(t, bool)
            or not isinstance(t, (int, np.integer))
            or not 1 <= t <= self.num_steps
        ):
            raise ValueError(
                f"Argument `t` must be an integer in [1, {self.num_steps}] (the calls of this "
                f"run). Received: t={t!r}"
            )
        row = int(t) - 1
        pick = lambda tree: jax.tree.map(lambda x: x[row], tree)  # noqa: E731
        return Call(
            t=int(t),
            loss_before=float(self.loss[row]),
            loss_after=float(self.loss[row + 1]),
            info=pick(self.info),
            before=pick(self.before),
            after=pick(self.after),
            path=jax.tree.map(lambda x: x[: row + 2], self.params),
        )


class Call(NamedTuple):
    """One call of a dissected run.

    Attributes:
        t: the call's number, 1-based (Keras's raw counter k was t−1 before it).
        loss_before: the loss at the position the call starts from.
        loss_after: the loss at the position it reaches.
        info: its ``StepInfo``: the gradient and the params after every stage.
        before: the optimizer state before the call.
        after: the optimizer state after the call.
        path: the positions from the start to the one this call reaches, ``[t+1, ...]``.
    """

    t: int
    loss_before: float
    loss_after: float
    info: StepInfo
    before: OptimizerState
    after: OptimizerState
    path: PyTree


def _dissect(objective, params, optimizers, key, num_steps, *, capacity: int):
    """``num_steps`` (traced, at most ``capacity``) calls, every row written into carried
    buffers of ``capacity + 1`` rows (as ``engine.run`` records every step)."""
    value_and_grad = jax.value_and_grad(objective)

    def call(optimizer, p, state, step):
        # The same key and the same call as engine.run's loop body.
        loss, grads = value_and_grad(p, jax.random.fold_in(key, step), step)
        new_p, new_state, info = optimizer.step(grads, state, p)
        row = {"params": p, "loss": loss, "info": info, "before": state, "after": new_state}
        return new_p, new_state, row

    carry = []
    for optimizer in optimizers:
        state = optimizer.init(params)
        shapes = jax.eval_shape(
            lambda o, p, s: call(o, p, s, jnp.int32(0))[2], optimizer, params, state
        )
        rows = jax.tree.map(lambda v: engine.empty_rows(v, capacity + 1), shapes)
        carry.append((params, state, rows))

    def body(step, carry):
        new_carry = []
        for optimizer, (p, state, rows) in zip(optimizers, carry):
            new_p, new_state, row = call(optimizer, p, state, step)
            new_carry.append((new_p, new_state, engine.write_row(rows, step, row)))
        return tuple(new_carry)

    carry = jax.lax.fori_loop(0, num_steps, body, tuple(carry))
    final_key = jax.random.fold_in(key, num_steps)
    results = []
    for final_params, _, rows in carry:
        final_loss = objective(final_params, final_key, num_steps)
        results.append(
            {
                **{name: jax.tree.map(lambda b: b[:capacity], rows[name]) for name in CALL_FIELDS},
                "params": engine.write_row(rows["params"], num_steps, final_params),
                "loss": engine.write_row(rows["loss"], num_steps, final_loss),
            }
        )
    return tuple(results)


CALL_FIELDS = ("info", "before", "after")
"""The fields with one row per call (``params`` and ``loss`` have one per position)."""

_dissect_jit = jax.jit(_dissect, static_argnames=("capacity",))


def dissect(
    objective: Callable,
    params: PyTree,
    optimizers: Optimizer | Sequence[Optimizer],
    num_steps: int,
    *,
    key: jax.Array | int = 0,
    max_steps: int | None = None,
) -> tuple[Dissection, ...]:
    """Runs each optimizer ``num_steps`` calls as ``engine.run`` does, keeping every stage.

    Args:
        objective: ``loss(params, key, step) -> scalar`` (as for ``engine.run``).
        params: the start, a pytree of float32 arrays.
        optimizers: one optimizer or several; all run in the same loop, on the same keys.
        num_steps: number of calls (accumulation micro-steps count as calls).
        key: a PRNG key or an int seed; call t+1 uses ``fold_in(key, t)``.
        max_steps: as for ``engine.run``: every ``num_steps`` up to it reuses one program.

    Returns:
        One ``Dissection`` per optimizer, as NumPy arrays.
    """
    # engine.run's own validation and canonical inputs, so both runs start alike.
    objective, params, optimizers, key = engine.run_arguments(
        objective, params, optimizers, num_steps, key
    )
    capacity = engine.step_capacity(num_steps, max_steps)
    results = jax.device_get(
        _dissect_jit(objective, params, optimizers, key, np.int32(num_steps), capacity=capacity)
    )
    if capacity > num_steps:
        results = [
            {
                name: jax.tree.map(
                    lambda rows, n=num_steps + (name not in CALL_FIELDS): rows[:n].copy(),
                    result[name],
                )
                for name in result
            }
            for result in results
        ]
    return tuple(Dissection(**result) for result in results)
