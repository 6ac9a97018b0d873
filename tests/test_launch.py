"""The launcher's warm-up: what it computes before the server answers is what a first visit
asks for, so that the visit finds it cached (``tests/test_page_wiring.py`` shows that a page
opened by a link runs ``pagestate``'s reading of that link)."""

from __future__ import annotations

import os

import jax
import pytest

from adadelta.ui import cache, compute, launch, pagestate


def _computed_again():
    raise AssertionError("the warm-up's result is not in the cache")


@pytest.fixture
def empty_stores():
    for store in cache.stores().values():
        store.clear()
    yield
    for store in cache.stores().values():
        store.clear()


def test_the_default_settings_are_cached_for_the_first_visit(empty_stores):
    launch.compute_defaults()
    surface, network = pagestate.surfaces_page({}).run, pagestate.networks_page({}).run
    cache.store("surface runs").get(compute.surface_key(*surface), _computed_again)
    cache.store("network runs").get(tuple(network), _computed_again)
    assert len(cache.store("backdrops")) == 1
    assert len(cache.store("figures")) == 1  # the explorer's main figure


def test_prepare_compiles_the_defaults_and_exits(monkeypatch, capsys, tmp_path):
    """``python -m adadelta.ui.launch --prepare`` (``make run``, once per install) turns the
    cache on, computes the defaults and does not start a server."""
    done = []
    monkeypatch.setattr(launch.compile_cache, "enable", lambda: tmp_path)
    monkeypatch.setattr(launch, "compute_defaults", lambda: done.append("defaults"))
    monkeypatch.setattr(launch.cli, "main", lambda: done.append("server"))
    launch.main(["--prepare"])
    assert done == ["defaults"]
    assert str(tmp_path) in capsys.readouterr().out


def test_the_app_code_the_suite_runs_keeps_the_suites_compilation_cache():
    """Turning the app's cache on inside a test process keeps the one directory every process
    of the suite shares (``tests/conftest.py``): switching would split the suite's compiled
    programs over two directories and compile them again."""
    suite = os.environ["JAX_COMPILATION_CACHE_DIR"]
    assert jax.config.jax_compilation_cache_dir == suite
    assert str(launch.compile_cache.enable()) == suite
    assert jax.config.jax_compilation_cache_dir == suite
