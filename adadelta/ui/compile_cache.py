"""JAX's persistent compilation cache for the app: a restarted server does not compile again.

Every jitted program the pages run (the engine's scan per feature combination, the surface
grids, the network evaluations) is written to ``CACHE_DIR`` the first time it is compiled and
read back by every later server process, including the small ones (no minimum compile time or
size). The directory is trusted code: it must be writable only by the account that runs the
server (JAX executes what it finds there).
"""

from __future__ import annotations

import os
import pathlib
import threading

import jax
from jax.experimental.compilation_cache import compilation_cache

ROOT = pathlib.Path(__file__).resolve().parents[2]

ENV = "ADADELTA_JAX_CACHE"
"""Environment variable: the cache directory (empty: no persistent cache)."""

CACHE_DIR = ROOT / ".cache" / "jax"
"""The default directory, inside the checkout (git-ignored)."""

_lock = threading.Lock()


def directory() -> pathlib.Path | None:
    """Where compiled programs are kept: ``$ADADELTA_JAX_CACHE``, else ``CACHE_DIR``."""
    configured = os.environ.get(ENV)
    if configured is None:
        return CACHE_DIR
    return pathlib.Path(configured).expanduser() if configured else None


def enable() -> pathlib.Path | None:
    """Turns the persistent cache on for this process (idempotent; returns its directory).

    Call it before anything is compiled: JAX decides once per process, at the first
    compilation, whether it uses a cache (``reset_cache`` makes it decide again).
    """
    path = directory()
    with _lock:
        if path is None or jax.config.jax_compilation_cache_dir == str(path):
            return path
        path.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
        compilation_cache.set_cache_dir(str(path))
        compilation_cache.reset_cache()
    return path
