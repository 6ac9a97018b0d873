"""Session-wide test settings: Keras's backend, strict broadcasting, one compilation cache for
every test process, and the markers that say what a test needs.

Markers, set here from what a test module imports, so that nobody has to remember them:

- ``browser``: under ``tests/browser/`` (imports playwright); under xdist they all run on one
  worker (one app server, one Chromium): see ``pytest_xdist_make_scheduler``;
- ``apptest``: imports ``page_harness`` or ``streamlit.testing``, or uses the
  ``fresh_streamlit_caches`` fixture;
- ``keras``: imports ``keras`` or ``keras_oracle`` (anywhere in the module);
- ``server``: starts the app's server in another process (a real Streamlit server, tens of
  seconds); such a test says so with ``@pytest.mark.server``, as no import shows it;
- ``unit``: none of these. ``make check`` runs ``-m unit``; a unit test that imports Keras or
  runs an AppTest fails, so a wrong classification cannot hide.
"""

import ast
import contextlib
import functools
import gc
import os
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]

# Keras reads its backend once, at import; the oracle tests need the JAX backend.
os.environ.setdefault("KERAS_BACKEND", "jax")

# JAX's persistent compilation cache: one directory for every process of the suite, the xdist
# workers, the app code they run (``adadelta.ui.compile_cache`` reads ADADELTA_JAX_CACHE) and the
# app servers of the browser and load tests (subprocesses: they inherit these variables). Every
# program is cached, however small or quick to compile: most of the suite's programs compile in
# well under JAX's default threshold of 1 s, and the same ones are compiled by every process.
# No size limit: with one, JAX scans the whole directory at every write (~70 ms at 2,500
# entries) under a lock all the processes share. A read that races a write gets a truncated
# entry, which JAX reports as a warning and compiles instead.
JAX_CACHE_DIR = REPO / ".cache" / "jax-tests"
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(JAX_CACHE_DIR))
os.environ.setdefault("ADADELTA_JAX_CACHE", os.environ["JAX_COMPILATION_CACHE_DIR"])
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")

import jax  # noqa: E402
import pytest  # noqa: E402

# Silent broadcasting between arrays of different rank hides shape bugs: make it an error.
jax.config.update("jax_numpy_rank_promotion", "raise")

# Slowest kinds first, so that xdist does not end the run waiting for one long test.
ORDER = {"browser": 0, "server": 1, "apptest": 1, "keras": 2, "unit": 3}
_IMPORT_SIGNS = {
    "browser": ("playwright",),
    "apptest": ("page_harness", "streamlit.testing"),
    "keras": ("keras", "keras_oracle"),
}


def imported_modules(source: str) -> set[str]:
    """Every module a test module imports, at any depth (``from m import x`` counts ``m``, and
    so does ``pytest.importorskip("m")``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif (  # pytest.importorskip("keras")
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "importorskip"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def module_categories(path: pathlib.Path, source: str) -> set[str]:
    """What a whole test module needs, from its place and its imports."""
    found = {"browser"} if path.parent.name == "browser" else set()
    for module in imported_modules(source):
        for category, signs in _IMPORT_SIGNS.items():
            if any(module == sign or module.startswith(sign + ".") for sign in signs):
                found.add(category)
    return found


def item_categories(item: pytest.Item) -> set[str]:
    path = item.path
    found = set(_module_categories_cached(path))
    if "fresh_streamlit_caches" in getattr(item, "fixturenames", ()):
        found.add("apptest")
    if item.get_closest_marker("server") is not None:
        found.add("server")
    return found or {"unit"}


_MODULE_CACHE: dict[pathlib.Path, frozenset[str]] = {}


def _module_categories_cached(path: pathlib.Path) -> frozenset[str]:
    if path not in _MODULE_CACHE:
        _MODULE_CACHE[path] = frozenset(module_categories(path, path.read_text()))
    return _MODULE_CACHE[path]


_CATEGORIES = pytest.StashKey[set]()


BROWSER_TESTS = "tests/browser/"


def marks(categories: set[str]) -> list[pytest.MarkDecorator]:
    """The markers of a test that needs ``categories``."""
    return [getattr(pytest.mark, category) for category in sorted(categories)]


def pytest_configure(config: pytest.Config) -> None:
    JAX_CACHE_DIR.mkdir(parents=True, exist_ok=True)


def pytest_ignore_collect(collection_path: pathlib.Path, config: pytest.Config) -> bool | None:
    """``-m unit`` (``make check``) does not import the modules that need Keras, AppTest or a
    browser: none of their tests is a unit test (a module's categories are every one of its
    tests'), and importing them (Keras, Playwright) costs each worker seconds."""
    if (
        config.getoption("markexpr") == "unit"
        and collection_path.suffix == ".py"
        and collection_path.name.startswith("test_")
        and _module_categories_cached(collection_path)
    ):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        # xdist needs the same test ids in every worker process.
        if re.search(r" at 0x[0-9a-f]+", item.nodeid):
            raise pytest.UsageError(f"{item.nodeid}: the test id holds a memory address")
        categories = item_categories(item)
        if "browser" in categories and not item.nodeid.startswith(BROWSER_TESTS):
            raise pytest.UsageError(f"{item.nodeid}: browser tests live in {BROWSER_TESTS}")
        for mark in marks(categories):
            item.add_marker(mark)
        item.stash[_CATEGORIES] = categories
    items.sort(key=lambda item: min(ORDER[c] for c in item.stash[_CATEGORIES]))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """With ``-n``: xdist's load balancing, except that every browser test goes to one worker.

    They share the session's app server and Chromium, which cost seconds to start and a core
    to run; two of each would only compete for the same two cores. (xdist's own
    ``--dist loadgroup`` cannot be used: xdist 3.8 groups tests by renaming them, which
    pytest 9 ignores.) Work units are scheduled largest first, so this one starts at once.
    """
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class OneBrowserWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return BROWSER_TESTS if nodeid.startswith(BROWSER_TESTS) else nodeid

    return OneBrowserWorker(config, log)


# Modules whose import during a unit test means it was classified wrongly.
_FORBIDDEN_IN_UNIT = {"keras": "keras", "streamlit.testing.v1": "apptest"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A unit test must need neither Keras nor AppTest: fail it if it does."""
    if "unit" not in item.stash.get(_CATEGORIES, ()):
        return (yield)
    loaded = {module for module in _FORBIDDEN_IN_UNIT if module in sys.modules}
    with _refuse_apptest(item):
        result = yield
    for module, category in _FORBIDDEN_IN_UNIT.items():
        if module not in loaded and module in sys.modules:
            pytest.fail(
                f"{item.nodeid} imported {module} but is classified 'unit': import it at the "
                f"top of its module, and tests/conftest.py marks it {category!r}",
                pytrace=False,
            )
    return result


@contextlib.contextmanager
def _refuse_apptest(item: pytest.Item):
    """Makes ``AppTest.run`` fail during a unit test (when page tests have imported it)."""
    app_test = sys.modules.get("streamlit.testing.v1.app_test")
    if app_test is None:
        yield
        return

    def refuse(self, *args, **kwargs):
        raise AssertionError(
            f"{item.nodeid} runs an AppTest but is classified 'unit': import page_harness or "
            "streamlit.testing in its module, and tests/conftest.py marks it 'apptest'"
        )

    original = app_test.AppTest.run
    app_test.AppTest.run = refuse
    try:
        yield
    finally:
        app_test.AppTest.run = original


@pytest.fixture(autouse=True)
def _apptest_reruns_as_in_the_app(request: pytest.FixtureRequest, monkeypatch):
    """After every script run, Streamlit's script runner calls ``keras.backend.clear_session()``
    when Keras is imported, which forces a full garbage collection: in a worker that collected
    the Keras tests (every worker of ``make test``) that made each AppTest rerun 5-10x slower.
    The app never imports Keras, so AppTest runs as the app does: Keras's state is still reset,
    without the forced collection. (A Streamlit upgrade that renames the private function
    fails here, loudly.)"""
    if "apptest" not in request.node.stash.get(_CATEGORIES, ()):
        return
    from streamlit.runtime.scriptrunner import script_runner

    clean = script_runner._clean_problem_modules

    def clean_without_forced_collection() -> None:
        keras = sys.modules.get("keras")
        if keras is None:
            return clean()
        clear_session = keras.backend.clear_session
        keras.backend.clear_session = functools.partial(clear_session, free_memory=False)
        try:
            return clean()
        finally:
            keras.backend.clear_session = clear_session

    monkeypatch.setattr(script_runner, "_clean_problem_modules", clean_without_forced_collection)


@pytest.fixture
def fresh_streamlit_caches():
    """Clears Streamlit's caches, which outlive an AppTest instance (used by the page tests)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


# A worker drops JAX's compiled programs after a module once its resident size passes this
# (raised after each drop: the freed memory is reused before the process grows again).
_free_programs_above = 2**30
FREE_PROGRAMS_GROWTH = 2**29


def resident_bytes() -> int:
    """This process's resident set size (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture(autouse=True, scope="module")
def _free_compiled_programs():
    """Keeps a worker's memory bounded: after a module, a worker that has grown past
    ``_free_programs_above`` drops JAX's in-memory programs (the persistent cache keeps them;
    a later test loads what it needs in milliseconds), then grows by ``FREE_PROGRAMS_GROWTH``
    before the next drop.

    Without it each worker grew to 3.3 GB over ``make check``, and on this machine every new
    page of memory costs microseconds to fault in: 2.4 million page faults, 35-46 s of system
    time in a 60 s run. With it (measured): 1.5-1.9 million faults, 12-29 s, and the freed
    memory reused (a worker peaked at 2.1 GB, against 3.3 GB)."""
    global _free_programs_above
    yield
    if resident_bytes() > _free_programs_above:
        jax.clear_caches()
        gc.collect()
        _free_programs_above = resident_bytes() + FREE_PROGRAMS_GROWTH
