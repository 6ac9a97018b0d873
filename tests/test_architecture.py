"""Imports go downhill: optim, problems <- engine <- viz <- ui <- pages, app.py."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

ALLOWED = {
    "adadelta/optim": {"jax", "numpy", "adadelta.optim"},
    "adadelta/problems": {"jax", "numpy", "adadelta.problems"},
    "adadelta/engine.py": {"jax", "numpy", "adadelta.optim", "adadelta.problems"},
    "adadelta/viz": {
        "jax",
        "numpy",
        "plotly",
        "adadelta.optim",
        "adadelta.problems",
        "adadelta.engine",
        "adadelta.viz",
    },
}
FORBIDDEN_EVERYWHERE_BELOW_UI = {"streamlit"}


def imported_modules(path: pathlib.Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
    return names


def python_files(layer: str):
    path = ROOT / layer
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


def is_stdlib(module: str) -> bool:
    import sys

    return module.split(".")[0] in sys.stdlib_module_names or module == "__future__"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_downhill(layer):
    files = python_files(layer)
    if not files or not files[0].exists():
        pytest.skip(f"{layer} does not exist yet")
    for file in files:
        package = ".".join(file.relative_to(ROOT).with_suffix("").parts[:-1])
        for module in imported_modules(file, package):
            if is_stdlib(module):
                continue
            assert any(module == ok or module.startswith(ok + ".") for ok in ALLOWED[layer]), (
                f"{file.relative_to(ROOT)} imports {module}, uphill or outside its layer"
            )


def test_jit_is_never_in_pages():
    for file in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        text = file.read_text()
        assert "jax.jit" not in text and "lax.scan" not in text, file
