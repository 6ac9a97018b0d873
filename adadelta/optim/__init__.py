"""Pure-JAX optimizers that compute exactly what Keras 3's optimizers compute.

Imports only jax, numpy and the standard library, so they work from a notebook and drop into
any optax training loop.
"""

from . import schedules
from .adadelta import Adadelta, AdadeltaSlots
from .adagrad import Adagrad, AdagradSlots
from .adam import Adam, AdamSlots
from .base import GradientStages, Optimizer, OptimizerState, ParamStages, StepInfo
from .rmsprop import RMSprop, RMSpropSlots
from .sgd import SGD, SGDSlots

__all__ = [
    "SGD",
    "Adadelta",
    "AdadeltaSlots",
    "Adagrad",
    "AdagradSlots",
    "Adam",
    "AdamSlots",
    "GradientStages",
    "Optimizer",
    "OptimizerState",
    "ParamStages",
    "RMSprop",
    "RMSpropSlots",
    "SGDSlots",
    "StepInfo",
    "schedules",
]
