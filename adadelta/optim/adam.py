"""Adam (and AMSGrad), as ``keras.optimizers.Adam`` computes it."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from . import validation as check
from .base import Optimizer, shared_arguments


class AdamSlots(NamedTuple):
    momentum: Any  # m, the first moment
    velocity: Any  # v, the second moment
    velocity_hat: Any  # max of v so far (zeros unless amsgrad)


class Adam(Optimizer):
    """Adam: bias-corrected running averages of the gradient and its square.

    ``m ← m + (g−m)(1−β₁)``; ``v ← v + (g²−v)(1−β₂)``; ``α = η√(1−β₂ᵗ)/(1−β₁ᵗ)``;
    ``w ← w − m·α/(√v + ε)``, with t = iterations + 1 (AMSGrad uses max(v) so far).

    Args:
        learning_rate: η.
        beta_1: decay of the first moment, in [0, 1).
        beta_2: decay of the second moment, in [0, 1).
        epsilon: ε added outside the square root, >= 0.
        amsgrad: use the AMSGrad variant.
        (the shared arguments are documented on ``Optimizer``)

    References:
        Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2014, arXiv:1412.6980.
    """

    _RULE_ARGS = ("beta_1", "beta_2", "epsilon", "amsgrad")
    _SLOTS = AdamSlots
    _DEFAULT_NAME = "adam"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        name: str = "adam",
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        *,
        weight_decay_mask: Any = None,
        **kwargs: Any,
    ) -> None:
        self._setup(
            {
                "beta_1": check.real("beta_1", beta_1, low=0.0, high=1.0, high_open=True),
                "beta_2": check.real("beta_2", beta_2, low=0.0, high=1.0, high_open=True),
                "one_minus_beta_1": 1.0 - np.asarray(beta_1, np.float64),
                "one_minus_beta_2": 1.0 - np.asarray(beta_2, np.float64),
                "epsilon": check.real("epsilon", epsilon, low=0.0),
            },
            {"amsgrad": check.boolean("amsgrad", amsgrad)},
            **shared_arguments(locals()),
        )

    def _update_leaf(self, g, w, m, v, v_hat, *, lr, iterations):
        t = (iterations + 1).astype(w.dtype)
        beta_1_power = jnp.power(self._leaf("beta_1").astype(w.dtype), t)
        beta_2_power = jnp.power(self._leaf("beta_2").astype(w.dtype), t)
        alpha = lr * jnp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m = m + (g - m) * self._leaf("one_minus_beta_1")
        v = v + (jnp.square(g) - v) * self._leaf("one_minus_beta_2")
        if self._flags["amsgrad"]:
            v_hat = jnp.maximum(v_hat, v)
            denominator = jnp.sqrt(v_hat) + self._leaf("epsilon")
        else:
            denominator = jnp.sqrt(v) + self._leaf("epsilon")
        return w - (m * alpha) / denominator, (m, v, v_hat), alpha / denominator
