"""Adadelta, as ``keras.optimizers.Adadelta`` computes it."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
from jax import lax

from . import validation as check
from .base import Optimizer, shared_arguments


class AdadeltaSlots(NamedTuple):
    avg_sq_grad: Any  # E[g²]
    avg_sq_update: Any  # E[Δx²], of the update before it is multiplied by η


class Adadelta(Optimizer):
    """Adadelta: per-dimension steps in the units of the parameters.

    ``E[g²] ← ρE[g²] + (1−ρ)g²``; ``Δx = −RMS[Δx]ₜ₋₁/RMS[g]ₜ · g`` with ``RMS[y] = √(E[y²]+ε)``;
    ``E[Δx²] ← ρE[Δx²] + (1−ρ)Δx²``; ``w ← w + η·Δx``. Keras accumulates the Δx before η.

    Args:
        learning_rate: η (Keras's default 0.001; the paper's method is η = 1.0).
        rho: decay rate ρ of both running averages, in [0, 1].
        epsilon: ε inside both square roots, >= 0.
        (the shared arguments are documented on ``Optimizer``)

    References:
        Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012, arXiv:1212.5701.
    """

    _RULE_ARGS = ("rho", "epsilon")
    _SLOTS = AdadeltaSlots
    _DEFAULT_NAME = "adadelta"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        name: str = "adadelta",
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        *,
        weight_decay_mask: Any = None,
        **kwargs: Any,
    ) -> None:
        self._setup(
            {
                "rho": check.real("rho", rho, low=0.0, high=1.0),
                "one_minus_rho": 1.0 - np.asarray(rho, np.float64),
                "epsilon": check.real("epsilon", epsilon, low=0.0),
            },
            {},
            **shared_arguments(locals()),
        )

    def _update_leaf(self, g, w, avg_sq_grad, avg_sq_update, *, lr, iterations):
        rho, one_minus_rho = self._leaf("rho"), self._leaf("one_minus_rho")
        epsilon = self._leaf("epsilon")
        avg_sq_grad = one_minus_rho * jnp.square(g) + rho * avg_sq_grad  # E[g²]ₜ
        if jnp.finfo(w.dtype).bits < 32:
            # In 16-bit floats each rounding is 2⁻¹¹ (float16) or 2⁻⁸ (bfloat16) and the
            # reciprocal below overflows float16 for ε < 1.5e-5, so there Keras's order it is.
            rms_update = jnp.sqrt(avg_sq_update + epsilon)  # RMS[Δx]ₜ₋₁
            rms_grad = jnp.sqrt(avg_sq_grad + epsilon)  # RMS[g]ₜ
            delta = -(rms_update * g) / rms_grad
            avg_sq_update = rho * avg_sq_update + one_minus_rho * jnp.square(delta)
            return w + lr * delta, (avg_sq_grad, avg_sq_update), lr * rms_update / rms_grad
        # The per-dimension rate RMS[Δx]ₜ₋₁ / RMS[g]ₜ = 1 / √((E[g²]ₜ + ε) / (E[Δx²]ₜ₋₁ + ε)).
        # Keras evaluates Δ = −(RMS[Δx]·g) / RMS[g]; this is the same quantity up to float32
        # rounding, arranged so that between E[g²]ₜ and the rate there is one multiply-add and
        # one rsqrt: the reciprocal of E[Δx²]ₜ₋₁ + ε does not depend on this step's gradient.
        inverse = 1 / (avg_sq_update + epsilon)
        # ε / (E[Δx²] + ε), written as 0 when ε = 0 (where the product would be 0 · inf).
        epsilon_term = jnp.where(epsilon > 0, epsilon * inverse, 0)
        rate = lax.rsqrt(avg_sq_grad * inverse + epsilon_term)
        step = rate * g  # Δx = −step
        avg_sq_update = one_minus_rho * jnp.square(step) + rho * avg_sq_update
        return w + step * -lr, (avg_sq_grad, avg_sq_update), lr * rate
