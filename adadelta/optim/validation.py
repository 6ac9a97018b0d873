"""Argument checks shared by optimizers and schedules.

Every check raises ``ValueError`` naming the argument, the value received and the valid range.
Numeric checks accept Python numbers and NumPy arrays alike (arrays are checked elementwise), so
the same code validates one optimizer and a whole grid of settings for a sweep.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def _describe(value: Any) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(value)
    return f"an array with values in [{array.min()!r}, {array.max()!r}]"


def _is_real(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real):
        return True
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return np.issubdtype(np.asarray(value).dtype, np.number) and not np.issubdtype(
            np.asarray(value).dtype, np.bool_
        )
    return False


def real(
    name: str,
    value: Any,
    *,
    low: float = -np.inf,
    high: float = np.inf,
    low_open: bool = False,
    high_open: bool = False,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Checks a finite real number (or array) within ``[low, high]`` and returns it as ``dtype``.

    Values stay in double precision until JAX rounds them once to float32 where they are used,
    as Keras rounds its Python-float hyperparameters; constants derived from them (``1 − ρ``)
    are formed in double precision first, as in Keras.
    """
    left, right = ("(" if low_open else "["), (")" if high_open else "]")
    valid = f"a finite number in {left}{low:g}, {high:g}{right}"
    if not _is_real(value):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={value!r}")
    array = np.asarray(value, dtype=np.float64)
    too_low = array <= low if low_open else array < low
    too_high = array >= high if high_open else array > high
    if not np.all(np.isfinite(array)) or np.any(too_low) or np.any(too_high):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={_describe(value)}")
    return array.astype(dtype)


def integer(name: str, value: Any, *, low: int, what: str | None = None) -> np.ndarray:
    """Checks an integer (or integer array) ``>= low`` and returns it as int32."""
    valid = what or f"an integer >= {low}"
    array = np.asarray(value)
    if isinstance(value, bool) or not (
        isinstance(value, numbers.Integral) or np.issubdtype(array.dtype, np.integer)
    ):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={value!r}")
    if np.any(array < low) or np.any(array > np.iinfo(np.int32).max):
        raise ValueError(f"Argument `{name}` must be {valid}. Received: {name}={_describe(value)}")
    return array.astype(np.int32)


def boolean(name: str, value: Any) -> bool:
    """Checks a Python or NumPy bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Argument `{name}` must be True or False. Received: {name}={value!r}")
    return bool(value)


def string(name: str, value: Any) -> str:
    """Checks a string."""
    if not isinstance(value, str):
        raise ValueError(f"Argument `{name}` must be a string. Received: {name}={value!r}")
    return value
