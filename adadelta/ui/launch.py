"""The server's entry point: ``python -m adadelta.ui.launch [streamlit run options]``.

``make run`` starts the app through this module instead of ``streamlit run app.py``. It turns
on JAX's persistent compilation cache before anything compiles, starts a warm-up thread and
then runs Streamlit's own command line (``streamlit run app.py <options>``) in this process.
The health check answers as soon as Streamlit is up. The warm-up thread does not wait for it:
while Streamlit starts, it runs the default settings of the explorer and the network trainer
(their programs traced and loaded from the cache, or compiled once, and their results cached),
which is most of a first visit's time. Once the server is healthy it visits each page with its
default settings, and the loss-surface page once per surface, like a first visitor would, so
that the default figures are ready too when the class arrives. A visitor who comes earlier
waits for the same computation instead of starting another (see ``cache``).
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import urllib.error
import urllib.request

# Imported here, in the main thread: importing Streamlit from two threads at once fails.
from streamlit import config, runtime
from streamlit.logger import get_logger
from streamlit.web import cli

from adadelta.problems import SURFACES

from . import compile_cache
from .visit import Session

LOG = get_logger("adadelta.warmup")

APP = compile_cache.ROOT / "app.py"

FIRST = (("surfaces", ""), ("networks", ""))
"""Visited first: each page as a link without parameters opens it."""


def later_visits() -> list[tuple[str, str]]:
    """Then every other surface's default (each surface is its own compiled program)."""
    return [("surfaces", f"problem.surface={key}") for key in list(SURFACES)[1:]]


def _base_url() -> str:
    path = (config.get_option("server.baseUrlPath") or "").strip("/")
    port = config.get_option("server.port")
    return f"http://127.0.0.1:{port}" + (f"/{path}" if path else "")


def _wait_for_health(timeout: float = 120.0) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not runtime.exists():  # Streamlit has not read its options yet
            time.sleep(0.1)
            continue
        try:
            base = _base_url()
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return base
        except (OSError, urllib.error.URLError, RuntimeError):
            pass
        time.sleep(0.2)
    return None


def compute_defaults() -> None:
    """What a link without parameters runs, straight from the compute layer (no session
    needed): the explorer's main figure with its runs, then the network trainer's training."""
    # Imported by ``main`` (through ``figures``) after the compilation cache is on.
    from . import compute, pagestate, surface_view

    surface_view.main_figure(*pagestate.surfaces_page({}).run)
    compute.train(*pagestate.networks_page({}).run)


def warm_up() -> None:
    """Runs the default settings at once, then visits the pages once the server is healthy;
    logs what it did (never raises)."""
    start = time.perf_counter()
    try:
        compute_defaults()
    except Exception as error:  # a warm-up must never take the server down
        LOG.warning("warm-up of the default settings failed: %s", error)
    LOG.info("default settings computed in %.1f s", time.perf_counter() - start)
    base = _wait_for_health()
    if base is None:
        LOG.warning("warm-up skipped: the server did not become healthy")
        return
    start = time.perf_counter()
    visits = list(FIRST)
    try:
        visits += later_visits()
    except Exception as error:  # a warm-up must never take the server down
        LOG.warning("warm-up: %s", error)
    for page, query in visits:
        try:
            with Session(base) as session:
                run = session.open(page, query)
            for error in run.errors:
                LOG.warning("warm-up of /%s?%s: %s", page, query, error)
        except Exception as error:
            LOG.warning("warm-up of /%s?%s failed: %s", page, query, error)
    gc.freeze()  # what the warm-up compiled and cached lives on
    LOG.info("warm-up: %d visits in %.1f s", len(visits), time.perf_counter() - start)


SERVER_OPTIONS = {
    "--runner.postScriptGC": "false",
    "--server.fileWatcherType": "none",
}
"""Defaults for serving a class (an option given on the command line wins).

- Streamlit collects garbage after every script run: a server holding JAX, Plotly and the
  caches has over a million objects, which a full collection walks for a quarter of a second
  while holding the GIL, and every session waits. Python still collects as usual, and
  ``gc.freeze`` below takes the objects that live as long as the server out of its way.
- The file watcher (for editing the app while it runs) walks the path of every loaded module
  (thousands, with JAX) after every script run, on the thread that sends every session's
  messages: a new setting took seconds to arrive in the browser."""


def prepare() -> None:
    """``--prepare``: fills the compilation cache with the default settings' programs and exits.

    ``make run`` does it once after each install or code change, so that even the first start
    of a new installation finds the defaults compiled (the warm-up then loads them)."""
    path = compile_cache.enable()
    import adadelta.ui.figures  # noqa: F401

    start = time.perf_counter()
    compute_defaults()
    print(f"default settings compiled into {path} in {time.perf_counter() - start:.1f} s")


def main(argv: list[str] | None = None) -> None:
    """``streamlit run app.py <argv>`` with the compilation cache on and a warm-up thread
    (``--prepare`` alone: see ``prepare``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--prepare"]:
        prepare()
        return
    for option, value in SERVER_OPTIONS.items():
        if not any(arg.split("=")[0] == option for arg in args):
            args = [option, value, *args]
    compile_cache.enable()
    # What the pages import lives as long as the server: move it out of the collector's way.
    import adadelta.ui.figures  # noqa: F401

    gc.collect()
    gc.freeze()
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *args]
    cli.main()


if __name__ == "__main__":
    main()
