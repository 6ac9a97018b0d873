"""``compile_count.compilations`` counts real recompiles and real cache hits.

Each case is cross-checked against an independent witness: a Python side effect in the jitted
function, which runs exactly when JAX traces it anew (a cache miss).
"""

from functools import partial

import jax
import jax.numpy as jnp
import pytest
from compile_count import compilations


def _traced_function():
    traces: list[int] = []

    @partial(jax.jit, static_argnames="power")
    def f(x, power=2):
        traces.append(1)
        return x**power

    return f, traces


def test_a_new_function_has_compiled_nothing():
    f, traces = _traced_function()
    assert compilations(f) == 0 and not traces


def test_new_values_of_the_same_shape_hit_the_cache():
    f, traces = _traced_function()
    f(jnp.ones(3))
    assert compilations(f) == 1 and len(traces) == 1
    for value in (2.0, -1.5, 1e6):
        f(jnp.full(3, value, jnp.float32))
    assert compilations(f) == 1 and len(traces) == 1


@pytest.mark.parametrize(
    "second_call",
    [
        pytest.param(lambda f: f(jnp.ones(4)), id="new_shape"),
        pytest.param(lambda f: f(jnp.ones(3, jnp.int32)), id="new_dtype"),
        pytest.param(lambda f: f(jnp.ones(3), power=3), id="new_static_argument"),
    ],
)
def test_a_new_signature_recompiles_once(second_call):
    f, traces = _traced_function()
    f(jnp.ones(3))
    second_call(f)
    assert compilations(f) == 2 and len(traces) == 2
    second_call(f)
    f(jnp.ones(3))
    assert compilations(f) == 2 and len(traces) == 2


def test_only_jitted_functions_can_be_counted():
    with pytest.raises(TypeError, match="not a jax\\.jit function"):
        compilations(lambda x: x)
