"""``weight_decay_mask``: the JAX form of Keras's ``exclude_from_weight_decay``.

Keras excludes variables by object (``var_list``) or by a regular expression searched in the
variable's name (``var_names``); a pytree has neither identities nor names, so the mask says it
the way ``optax.add_decayed_weights(mask=...)`` does: a pytree of bools shaped like the params
(or a prefix of them), or a callable from the params to one. Conformance is checked against
real Keras on three variables (``w0``, ``w1``, ``w2``; ours ``{"a": w0, "rest": (w1, w2)}``)
to the tolerance of ``test_conformance_keras``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from keras_oracle import OPTIMIZERS, keras_run
from test_conformance_keras import (
    RTOL,
    build_kwargs,
    keras_mode,
    make_problem,
    relative_error,
    run_ours,
)

import adadelta
from adadelta import Adadelta, schedules


def decay_only(keep: list[bool]):
    """Our mask for the three conformance variables: True where Keras decays."""
    return {"a": keep[0], "rest": (keep[1], keep[2])}


CASES = [
    # (Keras's exclude_from_weight_decay arguments, our mask)
    pytest.param({"var_indices": [1]}, decay_only([True, False, True]), id="var_list-w1"),
    pytest.param({"var_names": ["w2"]}, decay_only([True, True, False]), id="var_names-w2"),
    pytest.param({"var_names": ["w0", "w2"]}, decay_only([False, True, False]), id="two-names"),
    # A prefix: one bool for the whole "rest" subtree.
    pytest.param({"var_indices": [1, 2]}, {"a": True, "rest": False}, id="prefix-rest"),
    # A callable computing the mask from the params (here: decay the matrices only).
    pytest.param(
        {"var_indices": [1, 2]},
        lambda params: jax.tree.map(lambda p: p.ndim == 2, params),
        id="callable-ndim",
    ),
]


def max_error(trajectory, keras_trajectory) -> float:
    return max(
        relative_error(ours, ref)
        for ours_t, keras_t in zip(trajectory, keras_trajectory)
        for ours, ref in zip(ours_t, keras_t)
    )


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(("exclude", "mask"), CASES)
def test_mask_matches_keras_exclude_from_weight_decay(name, exclude, mask):
    # Shapes (3, 4), (5,), (2, 1, 3): only w0 is a matrix, as the callable case assumes.
    kwargs = build_kwargs(name, 0, ("weight_decay",), None)
    kwargs["weight_decay"] = 0.3  # large, so that a wrongly decayed variable stands out
    w0, grads = make_problem(21)
    mode = keras_mode(kwargs)
    keras = keras_run(name, kwargs, w0, grads, mode=mode, exclude_from_weight_decay=exclude)
    ours = getattr(adadelta, name)(**kwargs, weight_decay_mask=mask)
    trajectory, _, _ = run_ours(ours, w0, grads, jit=mode == "jit")
    assert max_error(trajectory, keras["trajectory"]) <= RTOL
    # Negative control: decaying every variable does not match Keras's exclusion.
    unmasked, _, _ = run_ours(getattr(adadelta, name)(**kwargs), w0, grads, jit=mode == "jit")
    assert max_error(unmasked, keras["trajectory"]) > 1e3 * RTOL


def test_mask_with_accumulation_and_a_schedule_matches_keras():
    kwargs = build_kwargs("Adadelta", 0, ("accumulate_2", "weight_decay", "ema"), "exponential")
    w0, grads = make_problem(22)
    keras = keras_run(
        "Adadelta", kwargs, w0, grads, mode="jit", exclude_from_weight_decay={"var_names": ["w1"]}
    )
    ours = Adadelta(**kwargs, weight_decay_mask=decay_only([True, False, True]))
    trajectory, _, _ = run_ours(ours, w0, grads, jit=True)
    assert max_error(trajectory, keras["trajectory"]) <= RTOL


def _counting_step():
    traces = []

    @jax.jit
    def step(opt, state, params, grads):
        traces.append(1)
        return opt.apply(grads, state, params)

    return step, traces


def test_numbers_do_not_recompile_and_only_a_new_mask_does():
    params = {"kernel": jnp.ones((2, 3)), "bias": jnp.ones((3,))}
    grads = jax.tree.map(jnp.ones_like, params)
    step, traces = _counting_step()
    for i in range(5):
        opt = Adadelta(
            learning_rate=schedules.ExponentialDecay(1.0 + i, 3, 0.5),
            weight_decay=0.1 * (i + 1),
            rho=0.9 - 0.01 * i,
            weight_decay_mask={"kernel": True, "bias": False},  # an equal mask, built anew
        )
        step(opt, opt.init(params), params, grads)
    assert len(traces) == 1
    other = opt.replace(weight_decay_mask={"kernel": False, "bias": True})
    step(other, other.init(params), params, grads)
    assert len(traces) == 2
    # The mask is applied: the kernel moves as without decay, the bias does not.
    masked, _ = other.apply(grads, other.init(params), params)
    no_decay, _ = other.replace(weight_decay=0.0).apply(grads, other.init(params), params)
    assert jnp.array_equal(masked["kernel"], no_decay["kernel"])
    assert not jnp.array_equal(masked["bias"], no_decay["bias"])


def test_a_callable_mask_is_static_by_identity():
    params = {"kernel": jnp.ones((2, 3)), "bias": jnp.ones((3,))}
    grads = jax.tree.map(jnp.ones_like, params)
    step, traces = _counting_step()

    def matrices(p):
        return jax.tree.map(lambda x: x.ndim == 2, p)

    for wd in (0.1, 0.2, 0.3):
        opt = Adadelta(weight_decay=wd, weight_decay_mask=matrices)
        step(opt, opt.init(params), params, grads)
    assert len(traces) == 1


@pytest.mark.parametrize(
    "mask",
    [{"kernel": 1, "bias": 0}, {"kernel": "yes"}, [0.5], jnp.asarray(True)],
    ids=["ints", "string", "float", "jax-array"],
)
def test_invalid_mask_raises_value_error_naming_it(mask):
    with pytest.raises(ValueError, match="weight_decay_mask"):
        Adadelta(weight_decay=0.1, weight_decay_mask=mask)


def test_callable_returning_traced_values_raises_value_error_naming_it():
    opt = Adadelta(weight_decay=0.1, weight_decay_mask=lambda p: jax.tree.map(lambda x: x > 0, p))
    params = {"w": jnp.ones((3,))}
    with pytest.raises(ValueError, match="weight_decay_mask"):
        opt.apply(params, opt.init(params), params)


def test_mask_is_keyword_only_and_reported_in_the_config():
    with pytest.raises(TypeError):
        Adadelta(0.001, 0.95, 1e-7, None, None, None, None, False, 0.99, None, "a", None, None, {})
    mask = {"kernel": True}
    assert Adadelta(weight_decay_mask=mask).get_config()["weight_decay_mask"] is mask
