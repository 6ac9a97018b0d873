"""SGD with optional (Nesterov) momentum, as ``keras.optimizers.SGD`` computes it."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from . import validation as check
from .base import Optimizer, shared_arguments


class SGDSlots(NamedTuple):
    momentum: Any  # velocity m (zeros when momentum == 0)


class SGD(Optimizer):
    """Gradient descent: one learning rate for every dimension.

    Without momentum ``w ← w − g·η``. With momentum μ: ``m ← m·μ − g·η`` and ``w ← w + m``, or
    with Nesterov ``w ← w + (m·μ − g·η)``.

    Args:
        learning_rate: η (Keras's default 0.01).
        momentum: μ in [0, 1]; 0 switches momentum off.
        nesterov: use Nesterov momentum.
        (the shared arguments are documented on ``Optimizer``)
    """

    _RULE_ARGS = ("momentum", "nesterov")
    _SLOTS = SGDSlots
    _DEFAULT_NAME = "SGD"

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        name: str = "SGD",
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        *,
        weight_decay_mask: Any = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(momentum, float):  # Keras insists on a Python float here
            raise ValueError(
                "`momentum` must be a float between [0, 1]. "
                f"Received: momentum={momentum!r} ({type(momentum).__name__})"
            )
        momentum_value = check.real("momentum", momentum, low=0.0, high=1.0)
        self._setup(
            {"momentum": momentum_value},
            {
                "nesterov": check.boolean("nesterov", nesterov),
                "uses_momentum": bool(np.all(momentum_value != 0)),
            },
            **shared_arguments(locals()),
        )

    def _update_leaf(self, g, w, velocity, *, lr, iterations):
        if not self._flags["uses_momentum"]:
            return w - g * lr, (velocity,), jnp.broadcast_to(lr, w.shape)
        momentum = self._leaf("momentum")
        velocity = velocity * momentum - g * lr
        if self._flags["nesterov"]:
            w = w + (velocity * momentum - g * lr)
        else:
            w = w + velocity
        return w, (velocity,), jnp.broadcast_to(lr, w.shape)
