"""Adadelta Lab: Keras-exact optimizers in JAX and the tools to watch them learn."""

from .optim import SGD, Adadelta, Adagrad, Adam, RMSprop, schedules

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "RMSprop", "schedules"]
