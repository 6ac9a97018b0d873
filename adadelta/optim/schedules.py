"""Keras 3's learning-rate schedules as JAX pytrees.

Each schedule is called with Keras's raw step counter ``k`` (the number of ``apply`` calls made
so far, micro-steps of gradient accumulation included) and computes in float32 exactly as
``keras.optimizers.schedules`` does. Numeric arguments are pytree leaves, so a jitted function
taking a schedule reuses its compiled code when they change; flags (``staircase``, ``cycle``,
whether a warmup target is set) and the number of piecewise boundaries are static.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import validation as check
from .leaves import Static, python_value

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
]


class LearningRateSchedule:
    """Base class: numeric arguments in ``_leaves`` (pytree children), flags in ``_flags``.

    The leaves are the host values as given; an optimizer holding a schedule copies them to
    the device with its own leaves and recovers them exactly when its pytree is rebuilt.
    """

    _leaves: dict[str, Any]
    _flags: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        jax.tree_util.register_pytree_with_keys(
            cls, cls._tree_flatten_with_keys, cls._tree_unflatten, cls._tree_flatten
        )

    def _tree_flatten(self):
        return (self._leaves,), Static(self._flags)

    def _tree_flatten_with_keys(self):
        return ((jax.tree_util.GetAttrKey("_leaves"), self._leaves),), Static(self._flags)

    @classmethod
    def _tree_unflatten(cls, static: Static, children):
        schedule = object.__new__(cls)
        # An optimizer holding the schedule recovers the host values (``leaves.to_host``).
        schedule._leaves = children[0]
        schedule._flags = static.flags
        return schedule

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        for table in (self._leaves, self._flags):
            if name in table:
                return python_value(table[name])
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as Python values equal to the arguments given."""
        names = self._ARGS  # type: ignore[attr-defined]
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """The schedule with these constructor arguments (Keras's ``from_config``)."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __call__(self, step: Any) -> jax.Array:
        """The learning rate at raw step ``step`` (float32 scalar)."""
        raise NotImplementedError


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    """Our schedule from Keras's serialized form ``{"class_name": ..., "config": {...}}``."""
    name = config.get("class_name")
    cls = globals().get(name) if name in __all__ else None
    if not (isinstance(cls, type) and issubclass(cls, LearningRateSchedule)) or cls is (
        LearningRateSchedule
    ):
        raise ValueError(
            "Argument `learning_rate` given as a dict must name one of Keras's schedules "
            f"({', '.join(n for n in __all__ if n[0].isupper() and n != 'LearningRateSchedule')})"
            f" in `class_name`. Received: learning_rate={config!r}"
        )
    return cls.from_config(config.get("config", {}))


def _decay_steps(name: str, value: Any) -> np.ndarray:
    return check.real(name, value, low=0.0, low_open=True)


def _f32(value: Any) -> jax.Array:
    return jnp.asarray(value, jnp.float32)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** p`` with ``p = step / decay_steps``.

    ``p`` is floored when ``staircase``.
    """

    _ARGS = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        self._leaves = {
            "initial_learning_rate": check.real("initial_learning_rate", initial_learning_rate),
            "decay_steps": _decay_steps("decay_steps", decay_steps),
            "decay_rate": check.real("decay_rate", decay_rate, low=0.0, low_open=True),
        }
        self._flags = {
            "staircase": check.boolean("staircase", staircase),
            "name": check.string("name", name),
        }

    def __call__(self, step: Any) -> jax.Array:
        leaves = self._leaves
        p = _f32(step) / _f32(leaves["decay_steps"])
        if self._flags["staircase"]:
            p = jnp.floor(p)
        return _f32(leaves["initial_learning_rate"]) * jnp.power(_f32(leaves["decay_rate"]), p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` on ``(boundaries[i-1], boundaries[i]]``, compared with the integer step."""

    _ARGS = ("boundaries", "values", "name")

    def __init__(self, boundaries: Any, values: Any, name: str = "PiecewiseConstant") -> None:
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1 or not boundaries:
            raise ValueError(
                "The length of `boundaries` should be 1 less than the length of `values`, and "
                f"there must be at least one boundary. Received: boundaries={boundaries}, "
                f"values={values}"
            )
        bounds = [check.real("boundaries", b, low=0.0, dtype=np.float64) for b in boundaries]
        if any(b2 <= b1 for b1, b2 in itertools.pairwise(bounds)):
            raise ValueError(
                "Argument `boundaries` must be strictly increasing. "
                f"Received: boundaries={boundaries}"
            )
        integers = all(np.issubdtype(np.asarray(b).dtype, np.integer) for b in boundaries)
        if integers and max(bounds) > np.iinfo(np.int32).max:
            raise ValueError(
                f"Argument `boundaries` must be int32 step numbers. Received: {boundaries}"
            )
        self._leaves = {
            # Kept as given (for get_config): integers as int32, anything else as a float.
            "boundaries": np.asarray(bounds, np.int32 if integers else np.float64),
            "values": np.stack([check.real("values", v) for v in values]),
        }
        self._flags = {"name": check.string("name", name)}

    def __call__(self, step: Any) -> jax.Array:
        step = jnp.asarray(step, jnp.int32)
        # Keras makes each boundary a tensor (a float one float32) and casts it to the int32
        # step dtype: fractions are truncated.
        bounds = jnp.asarray(self._leaves["boundaries"]).astype(jnp.int32)
        values = _f32(self._leaves["values"])
        # Keras's sum of indicator x value, one term per interval.
        result = (step <= bounds[0]).astype(jnp.float32) * values[0]
        result += (step > bounds[-1]).astype(jnp.float32) * values[-1]
        for i in range(bounds.shape[0] - 1):
            inside = (step > bounds[i]) & (step <= bounds[i + 1])
            result += inside.astype(jnp.float32) * values[i + 1]
        return result


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - s/D) ** power + end``, optionally cycling in multiples of ``D``."""

    _ARGS = (
        "initial_learning_rate",
        "decay_steps",
        "end_learning_rate",
        "power",
        "cycle",
        "name",
    )

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        self._leaves = {
            "initial_learning_rate": check.real("initial_learning_rate", initial_learning_rate),
            "decay_steps": _decay_steps("decay_steps", decay_steps),
            "end_learning_rate": check.real("end_learning_rate", end_learning_rate),
            "power": check.real("power", power, low=0.0, low_open=True),
        }
        self._flags = {"cycle": check.boolean("cycle", cycle), "name": check.string("name", name)}

    def __call__(self, step: Any) -> jax.Array:
        leaves = self._leaves
        initial, end = _f32(leaves["initial_learning_rate"]), _f32(leaves["end_learning_rate"])
        s, decay_steps = _f32(step), _f32(leaves["decay_steps"])
        if self._flags["cycle"]:
            decay_steps = decay_steps * jnp.where(s == 0, 1.0, jnp.ceil(s / decay_steps))
        else:
            s = jnp.minimum(s, decay_steps)
        p = s / decay_steps
        return (initial - end) * jnp.power(1 - p, _f32(leaves["power"])) + end


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored if staircase)."""

    _ARGS = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        self._leaves = {
            "initial_learning_rate": check.real("initial_learning_rate", initial_learning_rate),
            "decay_steps": _decay_steps("decay_steps", decay_steps),
            "decay_rate": check.real("decay_rate", decay_rate, low=0.0),
        }
        self._flags = {
            "staircase": check.boolean("staircase", staircase),
            "name": check.string("name", name),
        }

    def __call__(self, step: Any) -> jax.Array:
        leaves = self._leaves
        p = _f32(step) / _f32(leaves["decay_steps"])
        if self._flags["staircase"]:
            p = jnp.floor(p)
        return _f32(leaves["initial_learning_rate"]) / (1.0 + _f32(leaves["decay_rate"]) * p)


def _cosine(step: jax.Array, decay_steps: jax.Array, peak: jax.Array, one_minus_alpha, alpha):
    cosine_decayed = 0.5 * (1.0 + jnp.cos(jnp.float32(math.pi) * (step / decay_steps)))
    return peak * (one_minus_alpha * cosine_decayed + alpha)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the peak to ``alpha * peak``, after an optional linear warmup.

    Without ``warmup_target`` the peak is ``initial_learning_rate`` and ``warmup_steps`` is
    ignored, exactly as in Keras.
    """

    _ARGS = (
        "initial_learning_rate",
        "decay_steps",
        "alpha",
        "name",
        "warmup_target",
        "warmup_steps",
    )

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: float = 0,
    ) -> None:
        alpha_value = check.real("alpha", alpha, low=0.0, high=1.0)
        self._leaves = {
            "initial_learning_rate": check.real("initial_learning_rate", initial_learning_rate),
            "decay_steps": _decay_steps("decay_steps", decay_steps),
            "alpha": alpha_value,
            # Keras forms 1 - alpha in double precision.
            "one_minus_alpha": 1.0 - np.asarray(alpha, np.float64),
            "warmup_steps": check.real("warmup_steps", warmup_steps, low=0.0),
        }
        if warmup_target is not None:
            self._leaves["warmup_target"] = check.real("warmup_target", warmup_target)
        self._flags = {"name": check.string("name", name)}

    @property
    def warmup_target(self) -> float | None:
        """The learning rate reached at the end of the warmup, or None (no warmup)."""
        return python_value(self._leaves.get("warmup_target"))

    def __call__(self, step: Any) -> jax.Array:
        leaves = self._leaves
        initial, decay_steps = _f32(leaves["initial_learning_rate"]), _f32(leaves["decay_steps"])
        alpha, one_minus_alpha = _f32(leaves["alpha"]), _f32(leaves["one_minus_alpha"])
        s = _f32(step)
        if "warmup_target" not in leaves:
            return _cosine(
                jnp.minimum(s, decay_steps), decay_steps, initial, one_minus_alpha, alpha
            )
        target, warmup_steps = _f32(leaves["warmup_target"]), _f32(leaves["warmup_steps"])
        s = jnp.minimum(s, decay_steps + warmup_steps)
        warmup = (target - initial) * (s / warmup_steps) + initial
        decay = _cosine(s - warmup_steps, decay_steps, target, one_minus_alpha, alpha)
        return jnp.where(s < warmup_steps, warmup, decay)


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR: cosine decay, restarted after ``first_decay_steps * t_mul**i`` steps.

    The i-th restart peaks at ``initial_learning_rate * m_mul**i``.
    """

    _ARGS = ("initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha", "name")

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: float,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        self._leaves = {
            "initial_learning_rate": check.real("initial_learning_rate", initial_learning_rate),
            "first_decay_steps": _decay_steps("first_decay_steps", first_decay_steps),
            "t_mul": check.real("t_mul", t_mul, low=0.0, low_open=True),
            "m_mul": check.real("m_mul", m_mul, low=0.0),
            "alpha": check.real("alpha", alpha, low=0.0, high=1.0),
        }
        self._flags = {"name": check.string("name", name)}

    def __call__(self, step: Any) -> jax.Array:
        leaves = self._leaves
        initial = _f32(leaves["initial_learning_rate"])
        alpha, t_mul, m_mul = _f32(leaves["alpha"]), _f32(leaves["t_mul"]), _f32(leaves["m_mul"])
        fraction = _f32(step) / _f32(leaves["first_decay_steps"])

        # Both branches are computed and one is selected, as Keras's ops.cond does under jit.
        restart_linear = jnp.floor(fraction)
        fraction_linear = fraction - restart_linear
        safe_t_mul = jnp.where(t_mul == 1.0, 2.0, t_mul)
        restart_geometric = jnp.floor(
            jnp.log(1.0 - fraction * (1.0 - safe_t_mul)) / jnp.log(safe_t_mul)
        )
        done = (1.0 - jnp.power(safe_t_mul, restart_geometric)) / (1.0 - safe_t_mul)
        fraction_geometric = (fraction - done) / jnp.power(safe_t_mul, restart_geometric)
        linear = t_mul == 1.0
        restart = jnp.where(linear, restart_linear, restart_geometric)
        fraction = jnp.where(linear, fraction_linear, fraction_geometric)

        cosine_decayed = (
            0.5 * jnp.power(m_mul, restart) * (1.0 + jnp.cos(jnp.float32(math.pi) * fraction))
        )
        return initial * ((1 - alpha) * cosine_decayed + alpha)
