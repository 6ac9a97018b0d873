"""Every test module is classified: what it needs (browser, AppTest, Keras) decides its marker.

``make check`` runs the ``unit`` tests only, so a module that needs Keras or AppTest but were
classified ``unit`` would slow the inner loop down, and one classified wrongly the other way
would drop out of it. The classification is read from the module's imports
(``tests/conftest.py``); these tests pin it for every module, and a unit test that imports
Keras or runs an AppTest anyway fails at run time (see ``pytest_runtest_call`` there).
"""

import pathlib
import sys

import pytest
from conftest import ORDER, REPO, module_categories, pytest_ignore_collect

pytest_plugins = ("pytester",)

TESTS = REPO / "tests"
MODULES = sorted(TESTS.rglob("test_*.py"))


def categories(path: pathlib.Path) -> set[str]:
    return module_categories(path, path.read_text()) or {"unit"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(TESTS)))
def test_every_test_module_has_known_categories(path):
    assert categories(path) and categories(path) <= set(ORDER), categories(path)


def test_the_modules_that_need_something_are_classified_by_what_they_need():
    by_name = {str(path.relative_to(TESTS)): categories(path) for path in MODULES}
    assert by_name["test_conformance_keras.py"] == {"keras"}  # imports keras_oracle
    assert by_name["test_network_keras.py"] == {"keras"}  # imports keras in functions
    assert by_name["test_exports.py"] == {"keras"}  # runs the generated Keras programs
    assert by_name["test_page_surfaces.py"] == {"apptest"}
    assert by_name["test_page_networks.py"] == {"apptest"}
    browser = {name for name in by_name if name.startswith("browser/")}
    assert browser and all(by_name[name] == {"browser"} for name in browser)
    assert by_name["test_optim.py"] == by_name["test_markers.py"] == {"unit"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import numpy\n", set()),
        ("def f():\n    import keras\n", {"keras"}),
        ("from keras_oracle import keras_run\n", {"keras"}),
        ("from keras.optimizers import Adadelta\n", {"keras"}),
        ("def f():\n    keras = pytest.importorskip('keras')\n", {"keras"}),
        ("from page_harness import run_page\n", {"apptest"}),
        ("from streamlit.testing.v1 import AppTest\n", {"apptest"}),
        ("import streamlit as st\n", set()),  # Streamlit alone is not AppTest
        ("from playwright.sync_api import Page\n", {"browser"}),
    ],
)
def test_imports_decide_the_category(source, expected):
    assert module_categories(TESTS / "test_example.py", source) == expected
    assert "browser" in module_categories(TESTS / "browser" / "test_example.py", source)


RECORD_WORKER = """
import os
import pathlib


def record():
    worker = pathlib.Path(os.environ["RECORD_DIR"]) / os.environ["PYTEST_XDIST_WORKER"]
    with worker.open("a") as f:
        f.write(os.environ["PYTEST_CURRENT_TEST"] + "\\n")


def test_one():
    record()


def test_two():
    record()


def test_three():
    record()
"""


def test_every_browser_test_runs_on_one_xdist_worker(pytester, monkeypatch):
    """Three browser tests and three others on two workers: the browser tests on one."""
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.mkpydir("tests")
    pytester.mkpydir("tests/browser")
    (pytester.path / "tests" / "browser" / "test_b.py").write_text(RECORD_WORKER)
    (pytester.path / "tests" / "test_u.py").write_text(RECORD_WORKER)
    records = pytester.mkdir("records")
    monkeypatch.setenv("RECORD_DIR", str(records))
    pytester.runpytest("-n", "2", "-p", "no:cacheprovider").assert_outcomes(passed=6)
    ran = {path.name: path.read_text() for path in records.iterdir()}
    assert sorted(ran) == ["gw0", "gw1"]  # the others were spread
    assert [text.count("browser/") for text in ran.values()] in ([3, 0], [0, 3])


GUARDED = """
import importlib
import sys
import types


def test_imports_keras_behind_the_classifiers_back():
    sys.modules["keras"] = types.ModuleType("keras")


def test_runs_an_apptest_behind_the_classifiers_back():
    testing = importlib.import_module("streamlit.testing.v1")
    testing.AppTest.from_string("x = 1").run()


def test_needs_nothing():
    sys.modules.get("json")
"""


def test_a_unit_test_that_uses_keras_or_apptest_fails(pytester, monkeypatch):
    # This worker may have imported Keras for a keras test already: the inner run must not
    # see it (pytester restores sys.modules after the run, monkeypatch after this test).
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_guarded=GUARDED)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_imports_keras_behind_the_classifiers_back*classified 'unit'*",
            "*test_runs_an_apptest_behind_the_classifiers_back*classified 'unit'*",
        ]
    )


DECLARED_SERVER = """
import pytest


@pytest.mark.server
def test_starts_the_app():
    pass


def test_needs_nothing():
    pass
"""


def test_a_test_that_starts_the_server_is_not_a_unit_test(pytester):
    # make check (-m unit) must leave out what starts a real server, and make test keep it.
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_server=DECLARED_SERVER)
    unit = pytester.runpytest("-m", "unit", "-p", "no:cacheprovider")
    unit.assert_outcomes(passed=1, deselected=1)
    server = pytester.runpytest("-m", "server", "-p", "no:cacheprovider", "-v")
    server.assert_outcomes(passed=1, deselected=1)
    server.stdout.fnmatch_lines(["*test_starts_the_app PASSED*"])


class _Options:
    def __init__(self, markexpr: str):
        self.markexpr = markexpr

    def getoption(self, name: str) -> str:
        return {"markexpr": self.markexpr}[name]


@pytest.mark.parametrize("markexpr", ["unit", "", "keras", "not unit"])
def test_make_check_does_not_import_the_modules_it_does_not_run(tmp_path, markexpr):
    # ``-m unit`` skips a Keras module at collection (no Keras import); any other selection
    # collects it. A plain module is always collected.
    keras_module = tmp_path / "test_k.py"
    keras_module.write_text("from keras.optimizers import Adadelta\n")
    plain_module = tmp_path / "test_p.py"
    plain_module.write_text("import numpy\n")
    options = _Options(markexpr)
    assert pytest_ignore_collect(keras_module, options) is (True if markexpr == "unit" else None)
    assert pytest_ignore_collect(plain_module, options) is None
