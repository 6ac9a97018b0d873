"""Hyperparameters as pytree leaves, flags as static data, both recovered exactly.

Optimizers and schedules keep each numeric argument twice: the host value as given (a float64
or int32 NumPy array, exact) and, made once on the first flatten, a device copy for jitted
calls (float32 without ``jax_enable_x64``). Two properties follow from Keras's semantics and
from JAX's pytree protocol:

* **Weak typing.** Keras's hyperparameters are Python floats, which JAX treats as *weakly
  typed*: ``g / 4.0`` keeps the gradient's float16, bfloat16, float32 or float64. A strongly
  typed float32 array would promote a float16 gradient to float32 instead (and, with x64 on, a
  float64 one would promote float32 gradients to float64). So every leaf is weakly typed where
  the pipeline reads it (``weak``), and the device copies are made weakly typed from the start.
* **Round trip.** ``jax.tree.map(f, optimizer)`` rebuilds an optimizer from whatever ``f``
  returns. For a leaf that comes back unchanged (the very device array made from a host value)
  the host value is recovered (``to_host``), so ``rho=0.95`` stays ``0.95`` rather than its
  float32 rounding. Static flags travel in the pytree's auxiliary data as a ``Static``, which
  hands back the very objects it was given and compares by value.
"""

from __future__ import annotations

import weakref
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# JAX has no public function that marks an existing array weakly typed (``jnp.asarray`` does it
# for Python scalars only); this is the one it uses itself. jax is pinned in requirements.txt.
from jax._src.lax.lax import _convert_element_type

# id(device array) -> (weak reference to it, the host value it was made from).
_HOST_VALUES: dict[int, tuple[weakref.ref, Any]] = {}


def weak(x: Any) -> jax.Array:
    """``x`` as a weakly typed array: in arithmetic it takes the other operand's float dtype."""
    return _convert_element_type(x, weak_type=True)


def _forget(key: int, ref: weakref.ref) -> None:
    entry = _HOST_VALUES.get(key)
    if entry is not None and entry[0] is ref:
        del _HOST_VALUES[key]


def _device_copy(host: Any) -> Any:
    if isinstance(host, jax.Array):  # a tracer, or already on the device (from a tree.map)
        return weak(host)
    if not isinstance(host, (np.ndarray, np.generic, int, float)):
        return host  # a stand-in JAX put in the tree (e.g. ArgInfo in jit(...).lower(...))
    array = np.asarray(host)
    # A Python scalar becomes a weakly typed array directly, faster than any conversion.
    device = jnp.asarray(array.item()) if array.ndim == 0 else weak(jnp.asarray(array))
    key = id(device)
    ref = weakref.ref(device, lambda r, key=key: _forget(key, r))
    _HOST_VALUES[key] = (ref, host)
    return device


def to_device(tree: Any) -> Any:
    """Weakly typed device copies of the leaves of ``tree``, each remembering its host value."""
    return jax.tree.map(_device_copy, tree)


def _host_value(leaf: Any) -> Any:
    entry = _HOST_VALUES.get(id(leaf))
    if entry is not None and entry[0]() is leaf:
        return entry[1]
    return leaf


def to_host(tree: Any) -> tuple[Any, bool]:
    """The host values of the device copies in ``tree`` (other leaves are kept as they are).

    Returns the tree and whether every leaf was such a copy (then ``tree`` itself can serve as
    the device copies again).
    """
    leaves, treedef = jax.tree.flatten(tree)
    hosts = [_host_value(leaf) for leaf in leaves]
    all_known = all(h is not leaf for h, leaf in zip(hosts, leaves))
    return treedef.unflatten(hosts), all_known


def python_value(value: Any) -> Any:
    """A NumPy or JAX scalar as the Python scalar, an array as a (nested) list, else ``value``."""
    if isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer):
        value = np.asarray(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item() if value.ndim == 0 else value.tolist()
    return value


def _key(value: Any) -> Any:
    """A hashable stand-in for a static value, equal exactly when the values are equal."""
    if isinstance(value, bool) or value is None:
        return (type(value), value)
    if isinstance(value, float):
        return (float, value.hex())  # NaN equals NaN here, and -0.0 differs from 0.0
    if isinstance(value, (np.ndarray, np.generic, jax.Array)):
        array = np.asarray(value)
        return (np.ndarray, array.dtype.str, array.shape, array.tobytes())
    if isinstance(value, (list, tuple, dict)):
        leaves, treedef = jax.tree.flatten(value, is_leaf=lambda x: x is None)
        return (treedef, tuple(_key(leaf) for leaf in leaves))
    try:
        hash(value)
    except TypeError:
        return (object, id(value))  # the Static keeps the object alive, so the id stays unique
    return (type(value), value)


class Static:
    """The flags of an optimizer or schedule as pytree auxiliary data.

    JAX hashes and compares auxiliary data to find compiled code; this compares the flags by
    value (so an equal optimizer built again reuses the compiled code) and gives the flags back
    unchanged when the pytree is rebuilt.
    """

    __slots__ = ("_key", "flags")

    def __init__(self, flags: dict[str, Any]) -> None:
        self.flags = flags
        self._key = tuple((name, _key(value)) for name, value in sorted(flags.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Static) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Static({self.flags!r})"
