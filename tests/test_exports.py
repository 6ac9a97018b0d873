"""The generated programs reproduce the app's runs: Keras 3 itself, and this package in JAX.

Each program is executed, with real Keras for the Keras program (``KERAS_BACKEND=jax`` is set
by ``tests/conftest.py``), and its path is compared with ``engine.run`` on the same objective,
optimizers, start and seed, to 1e-5. The cases (``export_cases``) together set every argument
away from its default; a test checks that they do. Negative controls show the comparison
would catch a program that drops an argument or draws the noise differently.

Programs run in a fresh namespace in this process (Keras and JAX stay imported, so a case costs
its compilations only); one also runs as a file in a fresh Python process, as a student would
run it. Keras's own layers broadcast implicitly, so Keras code runs under
``jax.numpy_rank_promotion("allow")``; our code runs under the session's ``"raise"``.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import os
import pathlib
import re
import subprocess
import sys

import jax
import numpy as np
import pytest
from export_cases import CASES, NETWORK_CASES, non_default_arguments

from adadelta import engine, optim
from adadelta.exports import jax_program, keras_program
from adadelta.exports.problem_code import surface_source
from adadelta.optim import schedules
from adadelta.problems import SURFACES, Objective

TOLERANCE = 1e-5


def execute(code: str) -> dict:
    """Runs a generated program in a fresh namespace and returns that namespace."""
    # The Keras programs run real Keras: this import (any depth counts) is what marks the
    # module 'keras' (tests/conftest.py), so that make check's unit run leaves it out.
    import keras  # noqa: F401

    namespace = {"__name__": "__main__"}
    with jax.numpy_rank_promotion("allow"):
        exec(compile(code, "<generated program>", "exec"), namespace)
    return namespace


def app_traces(run):
    """What the app computes for a surface run (the engine, called directly)."""
    start = np.asarray(run.start, np.float32)
    return engine.run(run.objective, start, run.optimizers, run.num_steps, key=run.seed)


@functools.cache
def case_traces(case: str):
    """The engine's traces of a surface case, computed once for the Keras and JAX programs."""
    return app_traces(CASES[case]())


@functools.cache
def keras_namespace(case: str) -> dict:
    """What the Keras program of a surface case leaves, run once for every test that reads it."""
    return execute(keras_program(CASES[case]()))


@functools.cache
def network_traces(case: str):
    """The engine's traces of a network case, computed once for the Keras and JAX programs."""
    run = NETWORK_CASES[case]()
    _, objective = run.problem.build()
    return engine.run(objective, run.initial_params(), run.optimizers, run.num_steps, key=run.seed)


def assert_reproduces(run, namespace, traces=None) -> None:
    """The program's paths and finalized weights equal the engine's (``traces``, computed from
    ``run`` if not given), per optimizer."""
    for label, trace in zip(run.labels, app_traces(run) if traces is None else traces):
        assert trace.diverged_at is None, f"{label} diverged: pick a tamer case"
        np.testing.assert_allclose(
            namespace["paths"][label], trace.params, rtol=TOLERANCE, atol=TOLERANCE, err_msg=label
        )
        # Keras's finalize_variable_values leaves the EMA in the weights when use_ema is on.
        final = trace.ema[-1] if trace.ema is not None else trace.params[-1]
        np.testing.assert_allclose(
            namespace["final_weights"][label], final, rtol=TOLERANCE, atol=TOLERANCE, err_msg=label
        )


def test_the_cases_set_every_argument_away_from_its_default():
    found = non_default_arguments(case() for case in CASES.values())
    found |= non_default_arguments(case() for case in NETWORK_CASES.values())
    wanted = {"formula"}
    for name in ("Adadelta", "Adagrad", "RMSprop", "SGD", "Adam"):
        cls = getattr(optim, name)
        wanted |= {f"{name}.{arg}" for arg in cls._RULE_ARGS} | {f"{name}.learning_rate"}
    # weight_decay_mask is not Keras's and cannot be exported (test_a_mask_is_not_exported).
    shared = set(optim.Optimizer._SHARED_ARGS) - {"weight_decay_mask"}
    covered_shared = {arg for arg in shared if any(item.endswith(f".{arg}") for item in found)}
    kinds = [getattr(schedules, name) for name in schedules.__all__]
    for kind in kinds:
        if not (isinstance(kind, type) and issubclass(kind, schedules.LearningRateSchedule)):
            continue
        if kind is schedules.LearningRateSchedule:
            continue
        name = kind.__name__
        parameters = inspect.signature(kind.__init__).parameters
        wanted |= {f"{name}.{arg}" for arg in parameters if arg not in ("self", "name")}
    assert wanted - found == set()
    assert set(shared) - covered_shared == set()


def test_a_mask_is_not_exported():
    run = CASES[next(iter(CASES))]()
    masked = (run.optimizers[0].replace(weight_decay_mask=True), *run.optimizers[1:])
    with pytest.raises(ValueError, match="weight_decay_mask"):
        keras_program(dataclasses.replace(run, optimizers=masked))


@pytest.mark.parametrize("case", CASES)
def test_keras_program_reproduces_the_run(case):
    assert_reproduces(CASES[case](), keras_namespace(case), case_traces(case))


@pytest.mark.parametrize("case", CASES)
def test_jax_program_reproduces_the_run(case):
    run = CASES[case]()
    assert_reproduces(run, execute(jax_program(run)), case_traces(case))


def test_finalize_variable_values_gives_the_moving_average_not_the_last_point():
    # Without overwrite, the EMA and the last iterate differ; the programs report the EMA as
    # Keras's model.fit leaves it, and the path keeps the iterates.
    trace = case_traces("moving_averages")[1]  # Adagrad, use_ema without overwrite
    final = keras_namespace("moving_averages")["final_weights"]["Adagrad"]
    assert np.max(np.abs(final - trace.params[-1])) > 1e-3
    np.testing.assert_allclose(final, trace.ema[-1], rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # The noise of call t comes from fold_in(fold_in(key, t), t); folding once differs.
        (
            "jax.random.fold_in(jax.random.fold_in(jax.random.key(SEED), step), step)",
            "jax.random.fold_in(jax.random.key(SEED), step)",
        ),
        ("gradient_accumulation_steps=3", "gradient_accumulation_steps=None"),
        ("loss_scale_factor=4.0", "loss_scale_factor=None"),
    ],
)
def test_the_comparison_catches_a_program_that_differs(old, new):
    from adadelta import Adadelta
    from adadelta.exports import SurfaceRun

    run = SurfaceRun(
        Objective.from_surface("six_hump_camel", noise_sigma=1.0),
        [
            Adadelta(
                learning_rate=1.0,
                epsilon=1e-3,
                loss_scale_factor=4.0,
                gradient_accumulation_steps=3,
            )
        ],
        (-1.5, 1.5),
        12,
        seed=1,
    )
    code = keras_program(run)
    assert old in code
    namespace = execute(code.replace(old, new))
    (trace,) = app_traces(run)
    assert np.max(np.abs(namespace["paths"]["Adadelta"] - trace.params)) > 100 * TOLERANCE


def test_keras_program_runs_as_a_file_in_a_fresh_process(tmp_path):
    run = CASES["everything_at_once"]()
    path = tmp_path / "reproduce.py"
    path.write_text(keras_program(run))
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed = re.findall(
        r"^(.+): after (\d+) steps \(x, y\) = \((\S+), (\S+)\), loss (\S+)$",
        result.stdout,
        re.MULTILINE,
    )
    assert [label for label, *_ in printed] == list(run.labels)
    for (_, steps, x, y, _), trace in zip(printed, case_traces("everything_at_once")):
        assert int(steps) == run.num_steps
        # Printed with 8 significant digits.
        np.testing.assert_allclose([float(x), float(y)], trace.params[-1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", NETWORK_CASES)
def test_keras_network_program_reproduces_the_training(case):
    run = NETWORK_CASES[case]()
    namespace = execute(keras_program(run))
    for label, trace in zip(run.labels, network_traces(case)):
        assert trace.diverged_at is None
        np.testing.assert_allclose(
            namespace["losses"][label], trace.loss[:-1], rtol=TOLERANCE, atol=TOLERANCE
        )
        for step, weights in enumerate(namespace["histories"][label], start=1):
            ours = [
                np.asarray(layer[n][step]) for layer in trace.params for n in ("kernel", "bias")
            ]
            for keras_weight, our_weight in zip(weights, ours, strict=True):
                np.testing.assert_allclose(
                    keras_weight, our_weight, rtol=TOLERANCE, atol=TOLERANCE, err_msg=label
                )
        final = trace.ema if trace.ema is not None else jax.tree.map(lambda a: a[1:], trace.params)
        expected = [np.asarray(layer[n][-1]) for layer in final for n in ("kernel", "bias")]
        model_weights = namespace["models"][label].get_weights()
        for keras_weight, our_weight in zip(model_weights, expected, strict=True):
            np.testing.assert_allclose(keras_weight, our_weight, rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize("case", NETWORK_CASES)
def test_jax_network_program_reproduces_the_training(case):
    run = NETWORK_CASES[case]()
    namespace = execute(jax_program(run))
    for label, trace in zip(run.labels, network_traces(case)):
        np.testing.assert_allclose(
            namespace["losses"][label], trace.loss[:-1], rtol=TOLERANCE, atol=TOLERANCE
        )
        final = jax.tree.map(lambda a: a[-1], trace.params)
        for ours, theirs in zip(
            jax.tree.leaves(final), jax.tree.leaves(namespace["final_params"][label]), strict=True
        ):
            np.testing.assert_allclose(theirs, ours, rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize("key", SURFACES)
def test_every_surface_is_written_as_code_that_computes_it(key):
    objective = Objective.from_surface(key)
    source, name = surface_source(objective)
    namespace: dict = {}
    exec("import math\nimport jax\nimport jax.numpy as jnp\n" + source, namespace)
    (xmin, xmax), (ymin, ymax) = objective.domain
    x, y = np.meshgrid(np.linspace(xmin, xmax, 9), np.linspace(ymin, ymax, 7))
    params = {k: float(v) for k, v in objective.shape_params.items()}
    written = namespace[name](x.astype(np.float32), y.astype(np.float32), **params)
    np.testing.assert_array_equal(
        written, objective.value(x.astype(np.float32), y.astype(np.float32))
    )


def test_generated_programs_pass_pyflakes(tmp_path):
    # Unused imports are allowed (noqa); undefined names in a branch the cases did not take
    # are not.
    files = []
    for name, case in {**CASES, **NETWORK_CASES}.items():
        run = case()
        for kind, program in (("keras", keras_program(run)), ("jax", jax_program(run))):
            path = tmp_path / f"{name}_{kind}.py"
            path.write_text(program)
            files.append(str(path))
    ruff = os.path.join(os.path.dirname(sys.executable), "ruff")
    result = subprocess.run(
        [ruff, "check", "--no-cache", "--isolated", "--select", "F", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_exports_import_only_the_engine_layer_and_below():
    # The exports sit beside the engine (optim, problems <- engine <- exports): no plotly, no
    # streamlit, nothing from viz or ui.
    root = pathlib.Path(__file__).resolve().parents[1]
    allowed = ("jax", "numpy", "adadelta.optim", "adadelta.problems", "adadelta.engine")
    for file in sorted((root / "adadelta" / "exports").glob("*.py")):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module]
            else:
                continue  # relative imports stay inside adadelta.exports
            for module in modules:
                if module.split(".")[0] in sys.stdlib_module_names or module == "__future__":
                    continue
                ok = any(module == name or module.startswith(name + ".") for name in allowed)
                assert ok or module.startswith("adadelta.exports"), f"{file.name} imports {module}"
