"""How many programs ``jax.jit`` holds for a function: the one place the tests read JAX internals.

"No recompile on a numeric change" is a fact the tests assert by counting compiled programs.
JAX has no public counter, so this module reads the private ``_cache_size()`` of a jitted
function (the number of entries in its in-memory executable cache: one per distinct static
signature it has been called with in this process). ``tests/test_compile_count.py`` proves that
the count rises on a real recompile and stays put on a real cache hit, so a JAX upgrade that
changes the internal fails there, with a clear name, instead of in every test that counts.

A program loaded from JAX's persistent compilation cache still counts: the in-memory cache
holds it like a freshly compiled one.
"""

from __future__ import annotations

from typing import Any


def compilations(fn: Any) -> int:
    """The number of compiled programs ``fn`` (a ``jax.jit`` function) holds in this process."""
    try:
        size = fn._cache_size
    except AttributeError:
        raise TypeError(f"{fn!r} is not a jax.jit function: it has no compilation cache") from None
    return int(size())
