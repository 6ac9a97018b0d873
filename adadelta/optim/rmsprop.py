"""RMSprop, as ``keras.optimizers.RMSprop`` computes it."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from . import validation as check
from .base import Optimizer, shared_arguments


class RMSpropSlots(NamedTuple):
    velocity: Any  # E[g²]
    momentum: Any  # the momentum buffer (zeros when momentum == 0)
    average_grad: Any  # E[g] (zeros unless centered)


class RMSprop(Optimizer):
    """RMSprop: Adadelta's E[g²] scaling without its units correction (the numerator).

    ``v ← ρv + (1−ρ)g²``; ``Δ = η·g/√(v+ε)`` (centered: ``√(v − E[g]² + ε)``);
    with momentum μ > 0, ``m ← μm + Δ``, ``w ← w − m``; otherwise ``w ← w − Δ``.

    Args:
        learning_rate: η.
        rho: decay rate of the running averages, in [0, 1].
        momentum: μ in [0, 1]; 0 switches momentum off.
        epsilon: ε inside the square root, >= 0.
        centered: normalise by the variance rather than the second moment.
        (the shared arguments are documented on ``Optimizer``)

    References:
        Hinton, Neural Networks for Machine Learning, lecture 6e, 2012.
    """

    _RULE_ARGS = ("rho", "momentum", "epsilon", "centered")
    _SLOTS = RMSpropSlots
    _DEFAULT_NAME = "rmsprop"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        name: str = "rmsprop",
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        *,
        weight_decay_mask: Any = None,
        **kwargs: Any,
    ) -> None:
        momentum_value = check.real("momentum", momentum, low=0.0, high=1.0)
        self._setup(
            {
                "rho": check.real("rho", rho, low=0.0, high=1.0),
                "one_minus_rho": 1.0 - np.asarray(rho, np.float64),
                "momentum": momentum_value,
                "epsilon": check.real("epsilon", epsilon, low=0.0),
            },
            {
                "centered": check.boolean("centered", centered),
                # Keras switches the momentum buffer on with a Python test, so this is static.
                "uses_momentum": bool(np.all(momentum_value > 0)),
            },
            **shared_arguments(locals()),
        )

    def _update_leaf(self, g, w, velocity, momentum, average_grad, *, lr, iterations):
        rho, one_minus_rho = self._leaf("rho"), self._leaf("one_minus_rho")
        epsilon = self._leaf("epsilon")
        velocity = rho * velocity + one_minus_rho * jnp.square(g)
        if self._flags["centered"]:
            average_grad = rho * average_grad + one_minus_rho * g
            denominator = velocity - jnp.square(average_grad) + epsilon
        else:
            denominator = velocity + epsilon
        scale = jnp.sqrt(denominator)
        increment = (lr * g) / scale
        if self._flags["uses_momentum"]:
            momentum = self._leaf("momentum") * momentum + increment
            w = w - momentum
        else:
            w = w - increment
        return w, (velocity, momentum, average_grad), lr / scale
