"""The Keras 3 ``apply()`` pipeline, written once for every update rule.

An optimizer is an immutable JAX pytree. Its numeric hyperparameters are leaves (float32 or
int32 scalars), so a jitted function that takes the optimizer as an argument reuses its
compiled code when any of them changes; which features are switched on (weight decay, the kind
of clipping, EMA, loss scaling, accumulation, the kind of learning rate) is static and is part
of the tree structure.

It follows optax's ``GradientTransformation`` protocol::

    state = opt.init(params)
    updates, state = opt.update(grads, state, params)   # updates = new_params - params

and adds ``opt.apply`` (Keras's new params directly), ``opt.step`` (new params, new state and
the diagnostics the visualizer draws: every stage of the pipeline) and
``opt.finalize_variable_values`` (Keras's swap to the EMA weights). ``apply`` and ``step`` give
exactly Keras's variables; ``params + updates`` rounds once more (see ``update``).

Every array keeps its dtype: the state is created in the params' dtypes (float16, bfloat16,
float32, or float64 with x64 on) and every stage computes in the dtype of the arrays it works
on, because the hyperparameters enter as weakly typed scalars, as Keras's Python floats do
(``leaves.weak``).

One call runs Keras's stages in Keras's order (``base_optimizer.apply`` and the JAX backend's
``_backend_apply_gradients``): unscale by ``loss_scale_factor``, gradient accumulation, clipping,
decoupled weight decay, the update rule, EMA, EMA overwrite, then the step counter.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import schedules
from . import validation as check
from .leaves import Static, python_value, to_device, to_host, weak

PyTree = Any

_CLIP_ARGS = ("clipnorm", "clipvalue", "global_clipnorm")


class OptimizerState(NamedTuple):
    """Everything an optimizer carries between calls.

    Attributes:
        count: Keras's raw ``iteration`` counter k (int32): the number of calls so far,
            accumulation micro-steps included. Schedules are evaluated at k.
        slots: the update rule's own state, a NamedTuple of param-shaped pytrees.
        grad_accumulator: sum of the unscaled micro-gradients since the last update, or None.
        ema: exponential moving average of the params, or None.
    """

    count: jax.Array
    slots: Any
    grad_accumulator: PyTree | None
    ema: PyTree | None


class GradientStages(NamedTuple):
    """The gradient after each stage of the pipeline, all shaped like the params."""

    raw: PyTree
    unscaled: PyTree
    accumulated: PyTree
    clipped: PyTree


class ParamStages(NamedTuple):
    """The params after each stage of the pipeline, all shaped like the params.

    Attributes:
        given: the params passed in.
        decayed: after decoupled weight decay ``w − (w·λ)·η`` (equal to ``given`` without
            weight decay, and for arrays the ``weight_decay_mask`` leaves out).
        updated: after the update rule, applied to ``decayed``. On gradient-accumulation
            micro-steps Keras computes this too and then throws it away.
        final: the new params: ``updated`` (or ``given`` again on a micro-step), then the EMA
            overwrite where it fires.
    """

    given: PyTree
    decayed: PyTree
    updated: PyTree
    final: PyTree


class StepInfo(NamedTuple):
    """Diagnostics of one call: every stage of the pipeline, from the same computation.

    Attributes:
        grads: the gradient after each pipeline stage.
        params: the params after each pipeline stage.
        slots_before: the update rule's state before this call.
        slots_after: the update rule's state after this call (unchanged on micro-steps).
        ema: the moving average of the weights after this call, or None without ``use_ema``.
        learning_rate: the learning rate η used by this call (float32 scalar).
        effective_lr: per-element effective learning rate η_t, the factor with which the rule
            turned the processed gradient into a step (spec §4); NaN on accumulation micro-steps.
        is_update_step: False on gradient-accumulation micro-steps, which change nothing but the
            accumulator and the EMA.
        iterations: Keras's ``optimizer.iterations`` before this call (k // n when accumulating).
    """

    grads: GradientStages
    params: ParamStages
    slots_before: Any
    slots_after: Any
    ema: PyTree | None
    learning_rate: jax.Array
    effective_lr: PyTree
    is_update_step: jax.Array
    iterations: jax.Array


def _keep_dtypes(new: PyTree, old: PyTree) -> PyTree:
    """Keras's ``assign``: a variable (or slot) keeps its dtype whatever is assigned to it."""
    return jax.tree.map(lambda n, o: n.astype(o.dtype), new, old)


def _check_mask(mask: Any) -> Any:
    """Checks ``weight_decay_mask``: None, a callable, or a pytree of bools."""
    if mask is None or callable(mask):
        return mask
    if not all(isinstance(leaf, (bool, np.bool_)) for leaf in jax.tree.leaves(mask)):
        raise ValueError(
            "Argument `weight_decay_mask` must be None, a pytree of bools shaped like the params "
            "(or a prefix of them; True = decay), or a callable params -> such a pytree. "
            f"Received: weight_decay_mask={mask!r}"
        )
    return mask


def _takes_step(fn: Callable) -> bool:
    """Whether a learning-rate callable takes the step (our extension) or nothing (Keras)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    return len(positional) == 1 or (not positional and variadic)


SHARED_ARGUMENTS = (
    "learning_rate",
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "name",
    "loss_scale_factor",
    "gradient_accumulation_steps",
    "weight_decay_mask",
    "kwargs",
)


def shared_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments every optimizer passes to ``Optimizer._setup``, picked from its locals()."""
    return {name: arguments[name] for name in SHARED_ARGUMENTS}


class Optimizer:
    """Base class: the Keras pipeline around an update rule.

    The arguments every Keras optimizer shares, with their valid ranges (Keras itself validates
    fewer; each difference is listed in the README):
        learning_rate: a float, a ``schedules.LearningRateSchedule`` (evaluated at Keras's raw
            step counter), or a callable taking no argument (Keras) or the step (our extension).
        weight_decay: decoupled weight decay λ: before the rule, ``w ← w − (w·λ)·η``.
            None (off) or >= 0.
        clipnorm: clip each gradient array to this L2 norm. None or > 0.
        clipvalue: clip each gradient element to [−clipvalue, clipvalue]. None or > 0.
        global_clipnorm: clip all gradients jointly to this global L2 norm. None or > 0.
            At most one of the three clipping arguments may be set.
        use_ema: keep an exponential moving average of the weights.
        ema_momentum: the EMA's momentum, in [0, 1] (checked only with ``use_ema``).
        ema_overwrite_frequency: with ``use_ema``, overwrite the weights with their average
            every this many iterations. None or an integer >= 1.
        name: the optimizer's name (no numeric effect).
        loss_scale_factor: gradients are divided by this first. None or > 0.
        gradient_accumulation_steps: update once every this many calls with the mean of the
            micro-gradients. None/0 (off) or an integer >= 2.
        weight_decay_mask: not a Keras argument (keyword only): the JAX counterpart of Keras's
            ``exclude_from_weight_decay``, as ``optax.add_decayed_weights(mask=...)``. None
            (decay every array), a pytree of bools shaped like the params or a prefix of them
            (True = decay this array, False = leave it out), or a callable that takes the
            params and returns such a pytree (called while tracing: it may look at structure
            and shapes, not values). It is static: changing it compiles anew, changing the
            numbers does not. Keras's ``exclude_from_weight_decay(var_names=["bias"])`` is
            ``weight_decay_mask=lambda p: {k: k != "bias" for k in p}`` for a dict of arrays.
        **kwargs: ``decay`` is accepted with a warning and ignored, as in Keras 3; anything
            else raises ValueError.

    Subclasses set:
        _RULE_ARGS: names of the rule's own constructor arguments, in signature order.
        _SLOTS: a NamedTuple class whose fields are the rule's per-parameter state.
    and implement ``_update_leaf(g, w, *slots, lr, iterations)`` returning
    ``(w_new, slots_new, effective_lr)`` for one array, plus optionally ``_derived`` for
    constants that Keras forms in double precision (e.g. ``1 - rho``).
    """

    _RULE_ARGS: tuple[str, ...] = ()
    _SLOTS: type = tuple
    _DEFAULT_NAME = "optimizer"

    _leaves: dict[str, Any]
    _flags: dict[str, Any]
    _aux: Static

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        jax.tree_util.register_pytree_with_keys(
            cls, cls._tree_flatten_with_keys, cls._tree_unflatten, cls._tree_flatten
        )

    def _setup(
        self,
        rule_leaves: dict[str, Any],
        rule_flags: dict[str, Any],
        *,
        learning_rate: Any,
        weight_decay: Any,
        clipnorm: Any,
        clipvalue: Any,
        global_clipnorm: Any,
        use_ema: Any,
        ema_momentum: Any,
        ema_overwrite_frequency: Any,
        name: Any,
        loss_scale_factor: Any,
        gradient_accumulation_steps: Any,
        weight_decay_mask: Any,
        kwargs: dict[str, Any],
    ) -> None:
        """Validates the arguments every Keras optimizer shares and stores leaves and flags."""
        kwargs = dict(kwargs)
        if "decay" in kwargs:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored (as in Keras 3).",
                stacklevel=3,
            )
            kwargs.pop("decay")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")

        leaves: dict[str, Any] = dict(rule_leaves)
        flags: dict[str, Any] = dict(rule_flags)
        # Keras's name=None means "the default name" (Keras also numbers repeats; no effect here).
        flags["name"] = self._DEFAULT_NAME if name is None else check.string("name", name)

        if isinstance(learning_rate, schedules.LearningRateSchedule):
            leaves["learning_rate"] = learning_rate
        elif isinstance(learning_rate, float):
            leaves["learning_rate"] = check.real("learning_rate", learning_rate)
        elif callable(learning_rate):
            flags["learning_rate_fn"] = learning_rate
            flags["learning_rate_takes_step"] = _takes_step(learning_rate)
        else:
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
                "or a callable (that takes in the current step and returns the value to use). "
                f"Received: learning_rate={learning_rate!r}"
            )

        if weight_decay is not None:
            leaves["weight_decay"] = check.real("weight_decay", weight_decay, low=0.0)
        flags["weight_decay_mask"] = _check_mask(weight_decay_mask)

        given = {
            k: v
            for k, v in zip(_CLIP_ARGS, (clipnorm, clipvalue, global_clipnorm))
            if v is not None
        }
        if len(given) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: {', '.join(f'{k}={v!r}' for k, v in given.items())}"
            )
        for clip_name, clip_value in given.items():
            leaves[clip_name] = check.real(clip_name, clip_value, low=0.0, low_open=True)
        if "global_clipnorm" in leaves:
            # Keras forms 1.0 / global_clipnorm in double precision.
            leaves["inverse_global_clipnorm"] = 1.0 / np.asarray(global_clipnorm, np.float64)

        flags["use_ema"] = check.boolean("use_ema", use_ema)
        if flags["use_ema"]:
            leaves["ema_momentum"] = check.real("ema_momentum", ema_momentum, low=0.0, high=1.0)
            if ema_overwrite_frequency is not None:
                leaves["ema_overwrite_frequency"] = check.integer(
                    "ema_overwrite_frequency",
                    ema_overwrite_frequency,
                    low=1,
                    what="an integer >= 1 or None",
                )
        else:
            # Keras ignores (and does not validate) these without use_ema; keep them for
            # get_config, NumPy and JAX scalars as Python numbers (as Keras reports floats).
            flags["ema_momentum"] = python_value(ema_momentum)
            flags["ema_overwrite_frequency"] = python_value(ema_overwrite_frequency)

        if loss_scale_factor is not None:
            leaves["loss_scale_factor"] = check.real(
                "loss_scale_factor", loss_scale_factor, low=0.0, low_open=True
            )

        off = gradient_accumulation_steps is None or (
            np.ndim(gradient_accumulation_steps) == 0
            and np.issubdtype(np.asarray(gradient_accumulation_steps).dtype, np.integer)
            and gradient_accumulation_steps == 0
        )
        if off:  # kept as given (None or 0), for get_config
            flags["gradient_accumulation_steps"] = python_value(gradient_accumulation_steps)
        else:
            leaves["gradient_accumulation_steps"] = check.integer(
                "gradient_accumulation_steps",
                gradient_accumulation_steps,
                low=2,
                what="an integer >= 2 (or None or 0 to switch accumulation off)",
            )

        self._leaves = leaves
        self._flags = flags
        # The flags never change, so the static part of the pytree is built once.
        self._aux = Static(flags)

    def _device_leaves(self) -> dict[str, Any]:
        """The leaves as weakly typed device arrays, made once per optimizer object.

        Passing NumPy scalars to a jitted function copies each to the device on every call
        (about 7 µs apiece here); passing device arrays does not. The copy is made on the first
        flatten rather than in the constructor, which stays cheap for optimizers that never
        reach a jitted call (``grid`` builds hundreds).
        """
        leaves = self.__dict__.get("_on_device")
        if leaves is None:
            leaves = to_device(self._leaves)
            # Inside a trace the conversion yields tracers, which must not outlive it.
            if not any(isinstance(x, jax.core.Tracer) for x in jax.tree.leaves(leaves)):
                self._on_device = leaves
        return leaves

    def host_leaves(self) -> tuple[list[Any], Any]:
        """The numeric arguments as given (host values), in the pytree's leaf order, and a key.

        The key is equal for two optimizers exactly when their pytree structures are (same
        class, same features switched on), so batches of settings can be assembled on the host
        without copying every variant to the device (``engine.grid``).
        """
        leaves, structure = jax.tree.flatten(self._leaves)
        return leaves, (type(self), self._aux, structure)

    def _tree_flatten(self):
        return (self._device_leaves(),), self._aux

    def _tree_flatten_with_keys(self):
        return ((jax.tree_util.GetAttrKey("_leaves"), self._device_leaves()),), self._aux

    @classmethod
    def _tree_unflatten(cls, aux: Static, children):
        optimizer = object.__new__(cls)
        # Leaves that come back unchanged give back the exact arguments they were made from.
        optimizer._leaves, unchanged = to_host(children[0])
        if unchanged:
            optimizer._on_device = children[0]
        optimizer._flags = aux.flags
        optimizer._aux = aux
        return optimizer

    # ----- configuration -------------------------------------------------------------------

    _SHARED_ARGS = tuple(a for a in SHARED_ARGUMENTS if a not in ("learning_rate", "kwargs"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "learning_rate" and "learning_rate_fn" in self._flags:
            return self._flags["learning_rate_fn"]
        if name in self._leaves:
            return python_value(self._leaves[name])
        if name in self._flags:
            return self._flags[name]
        if name in self._SHARED_ARGS or name in self._RULE_ARGS:
            return None
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (Keras's ``get_config`` without the bookkeeping).

        Numbers come back as Python floats and ints equal to the arguments given; a schedule
        or callable learning rate comes back as the object itself (Keras serializes it).
        """
        names = ("learning_rate", *self._RULE_ARGS, *self._SHARED_ARGS)
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """The optimizer with these constructor arguments (Keras's ``from_config``).

        Accepts our ``get_config()`` and Keras's: a learning rate serialized by Keras (a dict
        naming a ``keras.optimizers.schedules`` class and its config) becomes our schedule.
        """
        config = dict(config)
        learning_rate = config.get("learning_rate")
        if isinstance(learning_rate, dict):
            config["learning_rate"] = schedules.deserialize(learning_rate)
        return cls(**config)

    def replace(self, **changes: Any) -> Optimizer:
        """A new optimizer with some constructor arguments changed (validated again)."""
        return type(self)(**{**self.get_config(), **changes})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    @property
    def accumulates(self) -> bool:
        """Whether gradient accumulation is on."""
        return "gradient_accumulation_steps" in self._leaves

    def learning_rate_at(self, count: Any) -> jax.Array:
        """The learning rate Keras uses at raw step counter ``count`` (float32)."""
        if "learning_rate_fn" in self._flags:
            fn = self._flags["learning_rate_fn"]
            value = fn(count) if self._flags["learning_rate_takes_step"] else fn()
            return jnp.asarray(value, jnp.float32) * jnp.ones_like(count, jnp.float32)
        rate = self._leaves["learning_rate"]
        if isinstance(rate, schedules.LearningRateSchedule):
            return jnp.asarray(rate(count), jnp.float32)
        return jnp.asarray(rate, jnp.float32) * jnp.ones_like(count, jnp.float32)

    def _leaf(self, name: str) -> jax.Array:
        """A hyperparameter where the pipeline meets arrays: weakly typed, like Keras's Python
        floats, so it takes the dtype of the array it meets instead of promoting it."""
        leaf = self._leaves[name]
        if isinstance(leaf, jax.core.Tracer):  # traced: the optimizer is a jit argument
            return weak(leaf)
        return self._device_leaves()[name]  # eager: the device copies, made once

    # ----- the protocol --------------------------------------------------------------------

    def init(self, params: PyTree) -> OptimizerState:
        """Creates the state for ``params`` (Keras's ``build``): every slot starts as Keras's."""
        zeros = jax.tree.map(jnp.zeros_like, params)
        return OptimizerState(
            count=jnp.zeros([], jnp.int32),
            slots=self._init_slots(params),
            grad_accumulator=zeros if self.accumulates else None,
            ema=zeros if self._flags["use_ema"] else None,
        )

    def _init_slots(self, params: PyTree) -> Any:
        return self._SLOTS(*(jax.tree.map(jnp.zeros_like, params) for _ in self._SLOTS._fields))

    def update(
        self, grads: PyTree, state: OptimizerState, params: PyTree | None = None
    ) -> tuple[PyTree, OptimizerState]:
        """optax's ``update``: ``updates = new_params - params``, with Keras's new params.

        ``optax.apply_updates(params, updates)`` then computes ``params + (new - params)``, one
        more rounding in the params' dtype. It gives exactly Keras's ``new`` whenever the
        subtraction is exact, which it is when ``params`` and ``new`` have the same sign and
        are within a factor 2 of each other (Sterbenz's lemma; every ordinary small step).
        Otherwise (a step that changes the sign or halves or doubles a weight) the result is
        within one unit in the last place of ``max(|params|, |new|)`` of Keras's value. Use
        ``apply`` or ``step`` where the exact Keras variables matter.
        """
        if params is None:
            raise ValueError(
                f"{type(self).__name__}.update needs `params` (for weight decay, EMA and the "
                "Keras update order). Received: params=None"
            )
        new_params, new_state, _ = self.step(grads, state, params)
        return jax.tree.map(jnp.subtract, new_params, params), new_state

    def apply(
        self, grads: PyTree, state: OptimizerState, params: PyTree
    ) -> tuple[PyTree, OptimizerState]:
        """One Keras ``apply(grads, variables)`` call: returns the new params and state."""
        new_params, new_state, _ = self.step(grads, state, params)
        return new_params, new_state

    def finalize_variable_values(self, params: PyTree, state: OptimizerState) -> PyTree:
        """What Keras's ``finalize_variable_values`` leaves in the variables: the EMA if on."""
        return state.ema if self._flags["use_ema"] else params

    def step(
        self, grads: PyTree, state: OptimizerState, params: PyTree
    ) -> tuple[PyTree, OptimizerState, StepInfo]:
        """One ``apply()`` call with diagnostics: ``(new_params, new_state, StepInfo)``.

        ``StepInfo`` holds the gradient and the params after every stage of this one
        computation; under ``jax.jit`` whatever the caller does not use is dropped by XLA.
        """
        count = state.count
        accumulating = self.accumulates
        steps = self._leaf("gradient_accumulation_steps") if accumulating else None
        iterations = count // steps if accumulating else count

        raw = grads
        if "loss_scale_factor" in self._leaves:
            scale = self._leaf("loss_scale_factor")
            grads = jax.tree.map(lambda g: g / scale, grads)
        unscaled = grads

        if accumulating:
            is_update = (count + 1) % steps == 0
            accumulator = state.grad_accumulator
            new_accumulator = jax.tree.map(
                lambda g, a: jnp.where(is_update, jnp.zeros_like(a), g + a), grads, accumulator
            )
            grads = jax.tree.map(
                lambda g, a: jnp.where(is_update, (g + a) / steps, g), grads, accumulator
            )
        else:
            is_update = jnp.ones([], bool)
            new_accumulator = None
        accumulated = grads

        grads = self._clip(grads)
        learning_rate = self.learning_rate_at(count)
        decayed = self._decay_weights(params, learning_rate)
        updated, new_slots, effective_lr = self._apply_rule(
            grads, state.slots, decayed, learning_rate, iterations
        )

        new_params = updated
        if accumulating:
            # Keras computes the whole step on micro-steps too, then restores every variable.
            keep = lambda new, old: jnp.where(is_update, new, old)  # noqa: E731
            new_params = jax.tree.map(keep, updated, params)
            new_slots = jax.tree.map(keep, new_slots, state.slots)
            effective_lr = jax.tree.map(lambda e: jnp.where(is_update, e, jnp.nan), effective_lr)

        new_ema = None
        if self._flags["use_ema"]:
            new_params, new_ema = self._ema(new_params, state.ema, iterations)

        new_params = _keep_dtypes(new_params, params)
        new_state = _keep_dtypes(
            OptimizerState(count + 1, new_slots, new_accumulator, new_ema), state
        )
        info = StepInfo(
            grads=GradientStages(raw, unscaled, accumulated, grads),
            params=ParamStages(params, decayed, updated, new_params),
            slots_before=state.slots,
            slots_after=new_state.slots,
            ema=new_state.ema,
            learning_rate=learning_rate,
            effective_lr=effective_lr,
            is_update_step=is_update,
            iterations=iterations,
        )
        return new_params, new_state, info

    # ----- pipeline stages -----------------------------------------------------------------

    def _clip(self, grads: PyTree) -> PyTree:
        leaves = self._leaves
        if "clipnorm" in leaves:
            clipnorm = self._leaf("clipnorm")

            def clip_by_norm(g):
                l2sum = jnp.sum(jnp.square(g), keepdims=True)
                positive = l2sum > 0
                l2norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, l2sum, 1.0)), l2sum)
                return (g * clipnorm) / jnp.maximum(l2norm, clipnorm)

            return jax.tree.map(clip_by_norm, grads)
        if "global_clipnorm" in leaves:
            clipnorm = self._leaf("global_clipnorm")
            # Keras sums the squared norms as one stacked array (in the widest dtype among the
            # gradients; jnp.sum adds 16-bit floats in float32).
            squares = jnp.stack([jnp.sum(jnp.square(g)) for g in jax.tree.leaves(grads)])
            norm = jnp.sqrt(jnp.sum(squares))
            # The (norm - norm) term turns an inf or NaN norm into NaN everywhere, as in Keras.
            scale = clipnorm * jnp.minimum(1.0 / norm, self._leaf("inverse_global_clipnorm"))
            scale = scale + (norm - norm)
            # With gradients of mixed dtypes the product is in the widest one, and Keras's rule
            # casts it to the variable's dtype first thing: rounding it here is the same.
            return jax.tree.map(lambda g: (g * scale).astype(g.dtype), grads)
        if "clipvalue" in leaves:
            value = self._leaf("clipvalue")
            return jax.tree.map(lambda g: jnp.clip(g, -value, value), grads)
        return grads

    def _decay_weights(self, params: PyTree, learning_rate: jax.Array) -> PyTree:
        """Decoupled weight decay ``w ← w − (w·λ)·η`` on the arrays the mask leaves in."""
        if "weight_decay" not in self._leaves:
            return params
        wd = self._leaf("weight_decay")
        mask = self._flags["weight_decay_mask"]
        if mask is None:
            mask = True
        elif callable(mask):
            mask = _check_mask(mask(params))
        return jax.tree.map(
            lambda w, decay: w - w * wd * learning_rate.astype(w.dtype) if decay else w,
            params,
            jax.tree.broadcast(mask, params),
        )

    def _apply_rule(self, grads, slots, params, learning_rate, iterations):
        """Maps ``_update_leaf`` over the arrays of ``params``."""
        param_leaves, treedef = jax.tree.flatten(params)
        grad_leaves = treedef.flatten_up_to(grads)
        slot_leaves = [treedef.flatten_up_to(slot) for slot in slots]
        outputs = [
            self._update_leaf(
                g.astype(w.dtype),
                w,
                *(slot[i] for slot in slot_leaves),
                lr=learning_rate.astype(w.dtype),
                iterations=iterations,
            )
            for i, (g, w) in enumerate(zip(grad_leaves, param_leaves))
        ]
        new_params = treedef.unflatten([out[0] for out in outputs])
        new_slots = self._SLOTS(
            *(
                treedef.unflatten([out[1][j] for out in outputs])
                for j in range(len(self._SLOTS._fields))
            )
        )
        effective_lr = treedef.unflatten([out[2] for out in outputs])
        return new_params, new_slots, effective_lr

    def _ema(self, params: PyTree, average: PyTree, iterations: jax.Array):
        """EMA of the weights (seeded with the weights while iterations == 0), then overwrite."""
        ema_momentum = self._leaf("ema_momentum")

        def update_average(w, avg):
            momentum = (iterations != 0).astype(w.dtype) * ema_momentum.astype(w.dtype)
            return momentum * avg + (1 - momentum) * w

        average = jax.tree.map(update_average, params, average)
        if "ema_overwrite_frequency" in self._leaves:
            overwrite = (iterations + 1) % self._leaf("ema_overwrite_frequency") == 0
            # Keras blends with 0/1 integer masks, so an inf on either side becomes NaN.
            take, leave = overwrite.astype(jnp.int32), jnp.logical_not(overwrite).astype(jnp.int32)
            params = jax.tree.map(
                lambda w, avg: (avg * take + w * leave).astype(w.dtype), params, average
            )
        return params, average

    def _update_leaf(self, g, w, *slots, lr, iterations):
        raise NotImplementedError
