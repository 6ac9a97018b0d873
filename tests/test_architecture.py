"""Imports go downhill: optim, problems <- engine <- viz <- ui <- pages, app.py.

Every Python file of the app belongs to exactly one layer of ``LAYERS``; a layer imports only
itself, the layers it lists and the third-party packages it lists (the standard library is free
everywhere). ``optim`` and ``problems`` import only jax, numpy and the standard library; ``viz``
never imports streamlit. A layer that holds no file, or a file under ``adadelta/`` that no layer
claims, is a failure: add a new module or folder to ``LAYERS`` when you create it.
"""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@dataclasses.dataclass(frozen=True)
class Layer:
    """Files (glob patterns relative to the repo root), and what they may import."""

    files: tuple[str, ...]
    layers: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()


LAYERS = {
    "optim": Layer(("adadelta/optim/**/*.py",), packages=("jax", "numpy")),
    "problems": Layer(("adadelta/problems/**/*.py",), packages=("jax", "numpy")),
    # The package's public face re-exports the optimizers.
    "package": Layer(("adadelta/__init__.py",), ("optim",)),
    # Every module directly in adadelta/ (engine.py, ...) is at the engine's level, and so are
    # the packages built on the engine alone: the sweeps and the exports.
    "engine": Layer(
        ("adadelta/[!_]*.py", "adadelta/sweeps/**/*.py", "adadelta/exports/**/*.py"),
        ("optim", "problems", "package"),
        packages=("jax", "numpy"),
    ),
    "viz": Layer(
        ("adadelta/viz/**/*.py",),
        ("optim", "problems", "package", "engine"),
        packages=("jax", "numpy", "plotly"),
    ),
    # orjson: the caches measure a figure by its serialised size, as Plotly serialises it;
    # websockets: the warm-up at start visits the pages as a browser does (Streamlit's own).
    "ui": Layer(
        ("adadelta/ui/**/*.py",),
        ("optim", "problems", "package", "engine", "viz"),
        packages=("jax", "numpy", "orjson", "plotly", "streamlit", "websockets"),
    ),
    "pages": Layer(
        ("pages/*.py", "app.py"),
        ("optim", "problems", "package", "engine", "viz", "ui"),
        packages=("jax", "numpy", "plotly", "streamlit"),
    ),
}


def layer_files(layer: Layer) -> list[pathlib.Path]:
    return sorted({path for pattern in layer.files for path in ROOT.glob(pattern)})


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


OWNER = {module_name(path): name for name, layer in LAYERS.items() for path in layer_files(layer)}


def is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names or module == "__future__"


def imported_modules(path: pathlib.Path, package: str) -> set[str]:
    """Absolute names of the modules ``path`` (in ``package``) imports, at any depth of the file:
    ``from m import x`` imports ``m.x`` when that is a module of the app, ``m`` otherwise."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                names.add(submodule if submodule in OWNER else module)
    return names


def owner_of(module: str) -> str | None:
    """The layer holding ``module`` (a module of the app or one of its submodules)."""
    while module:
        if module in OWNER:
            return OWNER[module]
        module = module.rpartition(".")[0]
    return None


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_exists(name):
    assert layer_files(LAYERS[name]), f"layer {name!r} has no file matching {LAYERS[name].files}"


def test_every_module_of_the_package_belongs_to_one_layer():
    for path in sorted((ROOT / "adadelta").rglob("*.py")):
        owners = [name for name, layer in LAYERS.items() if path in layer_files(layer)]
        assert len(owners) == 1, (
            f"{path.relative_to(ROOT)} belongs to {owners or 'no layer'}: give it exactly one "
            "layer in LAYERS (tests/test_architecture.py)"
        )


def violations(name: str, path: pathlib.Path, package: str) -> list[str]:
    """What ``path``, a file of layer ``name`` in ``package``, imports against the rules."""
    layer = LAYERS[name]
    allowed_layers = {name, *layer.layers}
    found = []
    for module in sorted(imported_modules(path, package)):
        owner = owner_of(module)
        if owner is None and not (is_stdlib(module) or module.split(".")[0] in layer.packages):
            found.append(f"{module}: not allowed in {name}, which may import {layer.packages}")
        elif owner is not None and owner not in allowed_layers:
            found.append(f"{module} ({owner}): uphill from {name} {sorted(allowed_layers)}")
    return found


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_imports_only_downhill(name):
    for path in layer_files(LAYERS[name]):
        package = ".".join(path.parent.relative_to(ROOT).parts)
        found = violations(name, path, package)
        assert not found, f"{path.relative_to(ROOT)} imports " + "; ".join(found)


def test_the_check_catches_uphill_and_foreign_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import streamlit\n"
        "from adadelta.ui import build\n"
        "def later():\n"
        "    from ..engine import run\n"
        "    import plotly.graph_objects as go\n"
    )
    assert len(violations("viz", bad, "adadelta.viz")) == 2  # streamlit, ui
    assert len(violations("optim", bad, "adadelta.optim")) == 4  # and engine, plotly
    assert violations("ui", bad, "adadelta.ui") == []


def test_the_import_check_resolves_the_forms_the_code_uses():
    """The resolver sees relative imports, ``from package import submodule`` and imports
    inside functions (a check that resolved nothing would pass everything)."""
    assert imported_modules(ROOT / "adadelta" / "ui" / "figures.py", "adadelta.ui") >= {
        "adadelta.ui.build",  # from . import build
        "adadelta.viz",  # from adadelta import viz
        "adadelta.ui.charts",  # from .charts import chart
        "streamlit",
    }
    assert owner_of("adadelta.ui.build") == "ui"
    assert owner_of("adadelta.optim.adadelta.Adadelta") == "optim"
    assert owner_of("adadelta.engine") == "engine"
    assert owner_of("adadelta") == "package"
    assert owner_of("streamlit") is None


def test_jit_is_never_in_pages():
    for file in layer_files(LAYERS["pages"]):
        text = file.read_text()
        assert "jax.jit" not in text and "lax.scan" not in text, file
