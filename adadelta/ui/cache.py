"""Bounded, shared caches of results and figures, keyed by plain-data specs.

One Streamlit process serves a whole class, one script thread per session. What a page computes
for a setting (the runs, the figures) is kept here, shared by every session, so that:

- a hit costs no copy: values are frozen (NumPy arrays read-only, figures never changed after
  they are built) and handed out as they are, unlike ``st.cache_data``, which unpickles a copy
  on every hit;
- memory is bounded in bytes, not entries: a cache evicts its least recently used entries once
  their estimated size passes its budget (a network run weighs a hundred times a surface run);
- a setting is computed once however many sessions ask for it at the same time (a class opening
  the same link): the others wait for the first.

The stores live in ``st.cache_resource``, so ``st.cache_resource.clear()`` empties them too.
"""

from __future__ import annotations

import collections
import os
import sys
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import orjson
import streamlit as st

T = TypeVar("T")

MEGABYTE = 1 << 20

BUDGETS_MB = {
    "backdrops": 32,
    "surface runs": 64,
    "network runs": 384,
    "figures": 192,
    "sweeps": 64,
    "exports": 32,
}
"""Each store's budget. ``ADADELTA_CACHE_SCALE`` (a float, default 1) scales all of them."""


def nbytes(value: Any) -> int:
    """An estimate of the memory a cached value holds: its arrays and strings, recursively."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return sum(nbytes(k) + nbytes(v) for k, v in value.items()) + 64
    if isinstance(value, (list, tuple)):
        return sum(nbytes(v) for v in value) + 8 * len(value) + 56
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return nbytes(vars(value))
    return sys.getsizeof(value)


def freeze(value: T) -> T:
    """Makes every NumPy array in ``value`` read-only (it is shared by sessions from now on)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            freeze(item)
    return value


class Store:
    """A least-recently-used map from hashable keys to frozen values, bounded in bytes.

    Thread-safe; ``get`` computes a missing value once, whoever else asks for it meanwhile.
    A store of ``figures`` holds figure specs (plain JSON data, never changed once built).
    """

    def __init__(self, name: str, max_bytes: int, *, figures: bool = False):
        self.name = name
        self.figures = figures
        self.max_bytes = int(max_bytes)
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._entries: collections.OrderedDict[Hashable, tuple[Any, int]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``key``, from the cache or ``compute()`` (whose exceptions propagate
        to every caller waiting for it and are not cached)."""
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return self._entries[key][0]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = threading.Lock()
                    pending.acquire()
                    break
            # Another thread computes this key: wait for it, then look again.
            with pending:
                pass
        try:
            value = compute()
            if not self.figures:
                value = freeze(value)
            self._put(key, value)
            return value
        finally:
            with self._lock:
                del self._pending[key]
            pending.release()

    def _put(self, key: Hashable, value: Any) -> None:
        # A figure spec weighs about its JSON (its arrays are base64 strings already).
        size = (
            len(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY))
            if self.figures
            else nbytes(value)
        )
        with self._lock:
            self.misses += 1
            if size > self.max_bytes:
                return  # Too big to keep: computed for this caller only.
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        """Forgets every entry."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0


@st.cache_resource(show_spinner=False)
def _stores() -> dict[str, Store]:
    scale = float(os.environ.get("ADADELTA_CACHE_SCALE", "1"))
    return {
        name: Store(name, mb * scale * MEGABYTE, figures=name == "figures")
        for name, mb in BUDGETS_MB.items()
    }


def store(name: str) -> Store:
    """The process-wide store ``name`` (one of ``BUDGETS_MB``)."""
    return _stores()[name]


def stores() -> dict[str, Store]:
    """Every store, for reports (bench, load)."""
    return dict(_stores())
