"""Runs real Keras 3 (JAX backend) as the reference for the conformance tests.

``KERAS_BACKEND=jax`` is set in ``tests/conftest.py`` before anything imports Keras; Keras is
imported lazily here so that merely collecting the tests stays fast.

Learning rates are translated from our objects to Keras's:

* our ``schedules.*`` objects become ``keras.optimizers.schedules.*`` of the same class name,
  built from the same ``get_config()``;
* a callable carrying a ``keras_equivalent`` attribute is replaced by what
  ``keras_equivalent(keras_optimizer_holder)`` returns (a Keras ``LearningRateSchedule`` or a
  zero-argument callable that may read the Keras optimizer through the holder, e.g. its raw
  counter ``_iterations``);
* any other callable (taking no argument, Keras's own convention) and floats pass through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

OPTIMIZERS = ("Adadelta", "Adagrad", "RMSprop", "SGD", "Adam")


def keras_schedule(schedule: Any) -> Any:
    """The ``keras.optimizers.schedules`` object with the class name and config of ``schedule``."""
    import keras

    cls = getattr(keras.optimizers.schedules, type(schedule).__name__)
    return cls(**schedule.get_config())


def keras_learning_rate(learning_rate: Any, holder: list) -> Any:
    """Translates our ``learning_rate`` argument into the equivalent Keras one."""
    from adadelta.optim.schedules import LearningRateSchedule

    if isinstance(learning_rate, LearningRateSchedule):
        return keras_schedule(learning_rate)
    if callable(learning_rate) and hasattr(learning_rate, "keras_equivalent"):
        return learning_rate.keras_equivalent(holder)
    return learning_rate


def make_keras_optimizer(optimizer_name: str, kwargs: dict[str, Any]) -> Any:
    """A Keras optimizer built with ``kwargs`` (learning rate translated)."""
    import keras

    holder: list = []
    kwargs = dict(kwargs)
    if "learning_rate" in kwargs:
        kwargs["learning_rate"] = keras_learning_rate(kwargs["learning_rate"], holder)
    optimizer = getattr(keras.optimizers, optimizer_name)(**kwargs)
    holder.append(optimizer)
    return optimizer


# The Keras optimizer attributes holding each slot list, in the order of our ``*Slots`` fields.
SLOT_ATTRIBUTES = {
    "Adadelta": ("_accumulated_grads", "_accumulated_delta_vars"),
    "Adagrad": ("_accumulators",),
    "RMSprop": ("_velocities", "_momentums", "_average_gradients"),
    "SGD": ("momentums",),
    "Adam": ("_momentums", "_velocities", "_velocity_hats"),
}


def keras_run(
    optimizer_name: str,
    kwargs: dict[str, Any],
    w0: Sequence[np.ndarray],
    grads: Sequence[Sequence[np.ndarray]],
    finalize: bool = False,
    mode: str = "eager",
    dtype: str = "float32",
    exclude_from_weight_decay: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Applies ``grads`` (one list of arrays per call) with a real Keras optimizer.

    The variables (named ``w0``, ``w1``, ...) and the gradients are of ``dtype`` (``float32``,
    ``float16`` or ``bfloat16``); Keras's slots follow the variables' dtype (spec §10).
    ``exclude_from_weight_decay`` is passed to ``optimizer.exclude_from_weight_decay`` before
    the build: ``{"var_indices": [...]}`` becomes ``var_list`` (those variables), and
    ``{"var_names": [...]}`` is passed as it is.

    ``mode="eager"`` calls ``optimizer.apply(grads_t, variables)`` once per call. ``mode="jit"``
    runs ``jax.jit(optimizer.stateless_apply)`` instead (what ``model.fit`` does; spec §5: equal
    to eager ``apply`` within 1.2e-7). Keras's eager ``apply`` re-traces ``lax.cond`` branches
    (gradient accumulation) and ``ops.cond`` schedules on every call, which makes it 10-50x slower
    there, so the tests use ``jit`` for those configurations.

    Returns a dict with float32 NumPy arrays (exact for every ``dtype`` above):
        trajectory: ``[[w_i after call t] for t]``;
        iterations: ``optimizer.iterations`` after each call;
        finalized: the variables after ``finalize_variable_values`` (or None);
        slots: ``{keras slot attribute: [array per variable]}`` after the last call;
        ema: the EMA averages after the last call (or None);
        optimizer: the Keras optimizer.
    """
    import jax
    import keras

    variables = [
        keras.Variable(np.asarray(w, np.float32), dtype=dtype, name=f"w{i}")
        for i, w in enumerate(w0)
    ]
    optimizer = make_keras_optimizer(optimizer_name, kwargs)
    if exclude_from_weight_decay is not None:
        exclude = dict(exclude_from_weight_decay)
        if "var_indices" in exclude:
            exclude["var_list"] = [variables[i] for i in exclude.pop("var_indices")]
        optimizer.exclude_from_weight_decay(**exclude)
    optimizer.build(variables)
    trajectory, iterations = [], []
    if mode == "eager":
        for step_grads in grads:
            tensors = [
                keras.ops.convert_to_tensor(np.asarray(g, np.float32), dtype=dtype)
                for g in step_grads
            ]
            optimizer.apply(tensors, variables)
            trajectory.append([np.array(v.numpy(), np.float32) for v in variables])
            iterations.append(int(np.asarray(optimizer.iterations)))
    elif mode == "jit":
        apply = jax.jit(optimizer.stateless_apply)
        optimizer_values = [v.value for v in optimizer.variables]
        values = [v.value for v in variables]
        for step_grads in grads:
            tensors = [jax.numpy.asarray(np.asarray(g, np.float32), dtype) for g in step_grads]
            values, optimizer_values = apply(optimizer_values, tensors, values)
            trajectory.append([np.array(v, np.float32) for v in values])
            counter = int(optimizer_values[0])  # ``iteration`` is the first variable (spec §5.0)
            steps = optimizer.gradient_accumulation_steps
            iterations.append(counter // steps if steps else counter)
        for variable, value in zip(optimizer.variables, optimizer_values):
            variable.assign(value)
        for variable, value in zip(variables, values):
            variable.assign(value)
    else:
        raise ValueError(f"mode must be 'eager' or 'jit', got {mode!r}")

    slots = {
        attribute: [np.array(v.numpy(), np.float32) for v in getattr(optimizer, attribute, [])]
        for attribute in SLOT_ATTRIBUTES[optimizer_name]
    }
    ema = None
    if optimizer.use_ema:
        ema = [np.array(v.numpy(), np.float32) for v in optimizer._model_variables_moving_average]
    finalized = None
    if finalize:
        optimizer.finalize_variable_values(variables)
        finalized = [np.array(v.numpy(), np.float32) for v in variables]
    return {
        "trajectory": trajectory,
        "iterations": iterations,
        "finalized": finalized,
        "slots": slots,
        "ema": ema,
        "optimizer": optimizer,
    }


def keras_schedule_values(schedule: Any, steps: Sequence[int], jit: bool = False) -> np.ndarray:
    """Keras's values of the schedule equivalent to ``schedule`` at int32 ``steps``.

    ``jit=False`` evaluates op by op (eager); ``jit=True`` under ``jax.jit`` with the step
    traced and the schedule's hyperparameters as compile-time constants, as in ``model.fit``.
    """
    import jax
    import keras

    keras_sched = keras_schedule(schedule)
    if jit:
        call = jax.jit(keras_sched)
        return np.array(
            [float(call(keras.ops.convert_to_tensor(s, dtype="int32"))) for s in steps],
            np.float32,
        )
    # Op-by-op. Keras's eager ``ops.cond`` (CosineDecay, CosineDecayRestarts) would re-trace
    # and compile both branches on every call (~0.2 s each); with jit disabled it runs the
    # selected branch op by op instead.
    with jax.disable_jit():
        return np.array(
            [float(keras_sched(keras.ops.convert_to_tensor(s, dtype="int32"))) for s in steps],
            np.float32,
        )


def with_keras_equivalent(fn: Callable, keras_equivalent: Callable[[list], Any]) -> Callable:
    """Attaches the Keras translation (see ``keras_learning_rate``) to a learning-rate callable."""
    fn.keras_equivalent = keras_equivalent  # type: ignore[attr-defined]
    return fn
