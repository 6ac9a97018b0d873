"""The 2-D problem written as source: the surface, its settings, the loss and the gradient.

Shared by the Keras and the JAX snippets. A built-in surface is written as the app's own source
(``inspect.getsource`` of its ``jnp`` function); a typed formula is translated from its checked
syntax tree. The gradient reproduces the engine's exactly, noise included: ``engine.run`` folds
the step into the run's key, and ``Objective.__call__`` folds it in once more before drawing
ξ ~ N(0, I₂), so the gradient of call t is ``∇f + σ·ξ(fold_in(fold_in(key(seed), t), t))``.
"""

from __future__ import annotations

import inspect
import textwrap

import numpy as np

from adadelta.problems import Objective

from .runs import SurfaceRun
from .source import formula_names, formula_python, python_literal


def float32_literal(value: float) -> str:
    """The shortest decimal that rounds to the same float32 (``0.1``, not ``0.100000001``)."""
    return python_literal(float(str(np.float32(value))))


def surface_source(objective: Objective) -> tuple[str, str]:
    """``(source, function name)`` of the surface's function ``f(x, y, **shape_params)``."""
    if objective.surface_key is not None:
        function = objective.surface.fn
        return textwrap.dedent(inspect.getsource(function)).rstrip(), function.__name__
    formula = objective.formula
    expression = formula_python(formula, ("x", "y"))
    if formula_names(formula, ("x", "y")) != {"x", "y"}:
        # The app's compiled formula returns one value per point even if it ignores x or y.
        shape = "jnp.broadcast_shapes(jnp.shape(x), jnp.shape(y))"
        expression = f"jnp.broadcast_to({expression}, {shape})"
    doc = f'"""f(x, y) = {formula.strip()}, the formula typed in the app."""'
    source = f"def surface(x, y):\n    {doc}\n    return {expression}"
    return source, "surface"


def shape_params(objective: Objective) -> dict[str, str]:
    """The surface's shape parameters as float32 literals."""
    return {name: float32_literal(value) for name, value in objective.shape_params.items()}


def problem_block(run: SurfaceRun) -> tuple[str, str]:
    """The surface, the run's settings, ``loss(position)`` and ``gradient(position, step)``.

    Returns:
        ``(source, surface function name)``.
    """
    objective = run.objective
    source, name = surface_source(objective)
    params = shape_params(objective)
    noisy = float(objective.noise_sigma) > 0
    constants = [
        "# The run's settings.",
        f"AXIS_SCALE = {float32_literal(objective.axis_scale)}"
        "  # the app minimises f(x, AXIS_SCALE * y): y measured in other units",
    ]
    if params:
        items = ", ".join(f"{python_literal(k)}: {v}" for k, v in params.items())
        constants.append(f"SHAPE_PARAMS = {{{items}}}  # the surface's shape parameters")
    if noisy:
        constants.append(
            f"NOISE_SIGMA = {float32_literal(objective.noise_sigma)}"
            "  # standard deviation of the noise added to each gradient"
        )
    constants += [
        *([f"SEED = {run.seed}  # the run's random seed: it draws the noise"] if noisy else []),
        f"START = [{', '.join(python_literal(v) for v in run.start)}]  # (x, y), float32",
        f"NUM_STEPS = {run.num_steps}  # optimizer calls (accumulation micro-steps count too)",
    ]
    call_params = ", **SHAPE_PARAMS" if params else ""
    loss = f'''def loss(position):
    """The loss at position (x, y): f(x, AXIS_SCALE * y)."""
    return {name}(position[0], AXIS_SCALE * position[1]{call_params})'''
    if noisy:
        gradient = '''def gradient(position, step):
    """The gradient the app feeds the optimizer at call `step` (0, 1, ...): ∇f + σ·ξ.

    ξ ~ N(0, I) is drawn exactly as the app draws it: the run's key is folded with the step
    twice (once by the runner, once by the objective). Every optimizer sees the same noise.
    """
    key = jax.random.fold_in(jax.random.fold_in(jax.random.key(SEED), step), step)
    noise = jax.random.normal(key, (2,), jnp.float32)
    return jax.grad(loss)(position) + NOISE_SIGMA * noise'''
    else:
        gradient = '''def gradient(position, step):
    """The gradient the app feeds the optimizer at call `step` (no noise in this run)."""
    return jax.grad(loss)(position)'''
    origin = "the app's own source" if objective.surface_key else "translated from the formula"
    blocks = [
        f"# The loss surface, in jax.numpy ({origin}).\n{source}",
        "\n".join(constants),
        loss,
        gradient,
    ]
    return "\n\n\n".join(blocks), name
