"""Adagrad, as ``keras.optimizers.Adagrad`` computes it."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from . import validation as check
from .base import Optimizer, shared_arguments


class AdagradSlots(NamedTuple):
    accumulator: Any  # A = A₀ + Σg²


class Adagrad(Optimizer):
    """Adagrad: each dimension's step shrinks with the sum of its squared gradients.

    ``A ← A + g²``; ``w ← w − η·g/√(A+ε)``.

    Args:
        learning_rate: η.
        initial_accumulator_value: A₀, where the accumulator starts; >= 0.
        epsilon: ε inside the square root, >= 0.
        (the shared arguments are documented on ``Optimizer``)

    References:
        Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning and
        Stochastic Optimization", JMLR 2011.
    """

    _RULE_ARGS = ("initial_accumulator_value", "epsilon")
    _SLOTS = AdagradSlots
    _DEFAULT_NAME = "adagrad"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        name: str = "adagrad",
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        *,
        weight_decay_mask: Any = None,
        **kwargs: Any,
    ) -> None:
        self._setup(
            {
                "initial_accumulator_value": check.real(
                    "initial_accumulator_value", initial_accumulator_value, low=0.0
                ),
                "epsilon": check.real("epsilon", epsilon, low=0.0),
            },
            {},
            **shared_arguments(locals()),
        )

    def _init_slots(self, params):
        initial = self._leaf("initial_accumulator_value")
        return AdagradSlots(jax.tree.map(lambda w: jnp.full_like(w, initial), params))

    def _update_leaf(self, g, w, accumulator, *, lr, iterations):
        accumulator = accumulator + jnp.square(g)
        scale = jnp.sqrt(accumulator + self._leaf("epsilon"))
        return w - (lr * g) / scale, (accumulator,), lr / scale
