"""The MLP: shapes, initialisation, the loss by hand, minibatches, the pytree and the engine."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from compile_count import compilations

from adadelta import Adadelta, engine
from adadelta.problems.datasets import BOUNDS, make_dataset
from adadelta.problems.mlp import (
    ACTIVATIONS,
    NetworkObjective,
    check_sizes,
    forward,
    glorot_limit,
    grid_axes,
    init_mlp,
    mlp_sizes,
)


def _np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


NP_ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": _np_sigmoid,
}


def _np_forward(params, x, activation):
    h = np.asarray(x, np.float64)
    for i, layer in enumerate(params):
        h = h @ np.asarray(layer["kernel"], np.float64) + np.asarray(layer["bias"], np.float64)
        if i < len(params) - 1:
            h = NP_ACTIVATIONS[activation](h)
    return h[:, 0]


def _np_bce_with_logits(z, y):
    # max(z, 0) − z·y + log(1 + e^−|z|): the textbook stable form, independent of ours.
    return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))


def _tiny_params():
    return [
        {
            "kernel": jnp.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], jnp.float32),
            "bias": jnp.array([0.1, -0.2, 0.3], jnp.float32),
        },
        {
            "kernel": jnp.array([[1.0], [-2.0], [0.5]], jnp.float32),
            "bias": jnp.array([-0.25], jnp.float32),
        },
    ]


TINY_X = np.array([[0.0, 0.0], [1.0, -1.0], [-2.0, 0.5], [3.0, 2.0], [-1.0, -4.0]], np.float32)
TINY_Y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], np.float32)


# ----- sizes and initialisation ------------------------------------------------------------


def test_mlp_sizes():
    assert mlp_sizes() == (2, 8, 8, 1)
    assert mlp_sizes(1, 2) == (2, 2, 1)
    assert mlp_sizes(4, 32, in_features=3) == (3, 32, 32, 32, 32, 1)
    assert check_sizes([2, 5, 3, 1]) == (2, 5, 3, 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mlp_sizes(0, 8), "`hidden_layers` must be an integer in [1, 4]"),
        (lambda: mlp_sizes(5, 8), "Received: hidden_layers=5"),
        (lambda: mlp_sizes(2, 1), "`width` must be an integer in [2, 32]. Received: width=1"),
        (lambda: mlp_sizes(2, 33), "Received: width=33"),
        (lambda: mlp_sizes(2, 8.0), "Received: width=8.0"),
        (lambda: check_sizes((2, 1)), "must have 1 to 4 hidden layers"),
        (lambda: check_sizes((2, 8, 8, 8, 8, 8, 1)), "(5 hidden layers)"),
        (lambda: check_sizes((2, 8, 2)), "must end with 1 output unit"),
        (lambda: check_sizes((2, 64, 1)), "hidden widths in [2, 32]"),
        (lambda: check_sizes((0, 8, 1)), "in_features >= 1"),
        (lambda: check_sizes("281"), "must be a sequence"),
        (lambda: check_sizes((2, 8.5, 1)), "must hold integers"),
    ],
)
def test_invalid_sizes_raise(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_init_shapes_dtypes_and_zero_biases():
    sizes = (2, 16, 8, 1)
    params = init_mlp(0, sizes)
    assert isinstance(params, list) and len(params) == 3
    for layer, fan_in, fan_out in zip(params, sizes[:-1], sizes[1:]):
        assert set(layer) == {"kernel", "bias"}
        assert layer["kernel"].shape == (fan_in, fan_out)
        assert layer["bias"].shape == (fan_out,)
        assert layer["kernel"].dtype == layer["bias"].dtype == jnp.float32
        np.testing.assert_array_equal(layer["bias"], 0.0)


def test_init_is_glorot_uniform():
    params = init_mlp(jax.random.key(3), (2, 32, 32, 32, 32, 1))
    for layer in params:
        kernel = np.asarray(layer["kernel"], np.float64)
        limit = glorot_limit(*kernel.shape)
        assert limit == math.sqrt(6.0 / sum(kernel.shape))
        assert np.all(np.abs(kernel) <= limit)
        if kernel.size >= 1024:  # enough draws for the statistics of U(−limit, limit)
            assert kernel.max() > 0.95 * limit and kernel.min() < -0.95 * limit
            assert abs(kernel.mean()) < 0.05 * limit
            assert kernel.var() == pytest.approx(limit**2 / 3.0, rel=0.1)


def test_init_is_deterministic_by_key_and_an_int_seed_is_a_key():
    sizes = (2, 4, 1)
    a, b = init_mlp(5, sizes), init_mlp(jax.random.key(5), sizes)
    c = init_mlp(6, sizes)
    jax.tree.map(np.testing.assert_array_equal, a, b)
    assert not np.array_equal(a[0]["kernel"], c[0]["kernel"])


# ----- forward pass and loss ---------------------------------------------------------------


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_forward_and_loss_equal_a_numpy_computation(activation):
    params = _tiny_params()
    objective = NetworkObjective.create(TINY_X, TINY_Y, (2, 3, 1), activation)
    logits = _np_forward(params, TINY_X, activation)
    np.testing.assert_allclose(forward(params, TINY_X, activation), logits, rtol=1e-6, atol=1e-6)
    expected = _np_bce_with_logits(logits, TINY_Y.astype(np.float64))
    loss = objective(params, jax.random.key(0), 0)
    assert loss.shape == () and loss.dtype == jnp.float32
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    probabilities = objective.predict(params, TINY_X)
    np.testing.assert_allclose(probabilities, _np_sigmoid(logits), rtol=1e-6)


def test_regression_loss_is_the_mean_squared_error():
    params = _tiny_params()
    y = np.array([0.5, -1.0, 0.25, 2.0, 0.0], np.float32)
    objective = NetworkObjective.create(TINY_X, y, (2, 3, 1), "tanh", task="regression")
    out = _np_forward(params, TINY_X, "tanh")
    loss = objective(params, jax.random.key(0), 0)
    assert float(loss) == pytest.approx(np.mean((y - out) ** 2), rel=1e-6)
    np.testing.assert_allclose(objective.predict(params, TINY_X), out, rtol=1e-6, atol=1e-6)


def test_cross_entropy_is_stable_for_huge_logits():
    # relu(x) − relu(−x) = x, so the logit is 100·x: ±100 on these two points.
    params = [
        {"kernel": jnp.array([[1.0, -1.0], [0.0, 0.0]]), "bias": jnp.zeros(2)},
        {"kernel": jnp.array([[100.0], [-100.0]]), "bias": jnp.zeros(1)},
    ]
    x = np.array([[1.0, 0.0], [-1.0, 0.0]], np.float32)
    right = NetworkObjective.create(x, np.array([1.0, 0.0], np.float32), (2, 2, 1), "relu")
    wrong = NetworkObjective.create(x, np.array([0.0, 1.0], np.float32), (2, 2, 1), "relu")
    key = jax.random.key(0)
    assert 0.0 <= float(right(params, key, 0)) < 1e-40  # log(1 + e^−100) ≈ 3.7e−44
    assert float(wrong(params, key, 0)) == pytest.approx(100.0, rel=1e-6)
    grads = jax.grad(wrong)(params, key, 0)
    assert all(np.all(np.isfinite(g)) for g in jax.tree.leaves(grads))


# ----- minibatches -------------------------------------------------------------------------


def _unique_data(n=64):
    x = np.stack([np.arange(n), -np.arange(n)], axis=1).astype(np.float32)
    y = (np.arange(n) % 2).astype(np.float32)
    return x, y


def test_minibatch_is_deterministic_per_key_distinct_and_differs_across_steps():
    x, y = _unique_data()
    objective = NetworkObjective.create(x, y, (2, 4, 1), batch_size=16)
    key = jax.random.key(0)
    xb, yb = objective.batch(jax.random.fold_in(key, 0))
    xb_again, _ = objective.batch(jax.random.fold_in(key, 0))
    xb_next, _ = objective.batch(jax.random.fold_in(key, 1))
    assert xb.shape == (16, 2) and yb.shape == (16,)
    np.testing.assert_array_equal(xb, xb_again)
    assert len(np.unique(np.asarray(xb[:, 0]))) == 16  # without replacement
    np.testing.assert_array_equal(yb, np.asarray(xb[:, 0]) % 2)  # rows stay paired
    assert set(np.asarray(xb[:, 0])) != set(np.asarray(xb_next[:, 0]))
    # So the loss depends on the step's key:
    params = init_mlp(0, (2, 4, 1))
    loss0 = objective(params, jax.random.fold_in(key, 0), 0)
    loss1 = objective(params, jax.random.fold_in(key, 1), 1)
    assert float(loss0) != float(loss1)


@pytest.mark.parametrize("batch_size", [None, 64, 1000])
def test_full_batch_when_batch_size_is_none_or_at_least_n(batch_size):
    x, y = _unique_data(64)
    objective = NetworkObjective.create(x, y, (2, 4, 1), batch_size=batch_size)
    assert objective.full_batch
    xb, yb = objective.batch(jax.random.key(1))
    np.testing.assert_array_equal(xb, x)
    np.testing.assert_array_equal(yb, y)
    params = init_mlp(0, (2, 4, 1))
    losses = {float(objective(params, jax.random.key(k), k)) for k in range(3)}
    assert len(losses) == 1


def test_minibatch_loss_is_unbiased_over_many_draws():
    data = make_dataset("two_gaussians", n_points=200, noise=0.3, seed=0)
    full = NetworkObjective.from_dataset(data, (2, 8, 1))
    mini = NetworkObjective.from_dataset(data, (2, 8, 1), batch_size=10)
    params = init_mlp(1, (2, 8, 1))
    keys = jax.random.split(jax.random.key(2), 2000)
    losses = jax.vmap(lambda k: mini(params, k, 0))(keys)
    full_loss = float(full(params, keys[0], 0))
    assert float(jnp.mean(losses)) == pytest.approx(full_loss, rel=0.02)


# ----- the pytree and compilation ----------------------------------------------------------


def test_objective_is_a_pytree_with_the_data_as_leaves():
    x, y = _unique_data(32)
    objective = NetworkObjective.create(x, y, (2, 4, 1), "relu", batch_size=8)
    leaves, treedef = jax.tree.flatten(objective)
    assert len(leaves) == 2
    np.testing.assert_array_equal(leaves[0], x)
    np.testing.assert_array_equal(leaves[1], y)
    assert leaves[0].dtype == leaves[1].dtype == np.float32
    rebuilt = jax.tree.unflatten(treedef, leaves)
    assert (rebuilt.sizes, rebuilt.activation, rebuilt.task, rebuilt.batch_size) == (
        (2, 4, 1),
        "relu",
        "classification",
        8,
    )


def test_new_data_of_the_same_shape_do_not_recompile():
    traces = []

    @jax.jit
    def loss(objective, params, key):
        traces.append(1)
        return objective(params, key, 0)

    params = init_mlp(0, (2, 4, 1))
    key = jax.random.key(0)
    a = make_dataset("circles", n_points=100, noise=0.1, seed=0)
    b = make_dataset("xor", n_points=100, noise=0.3, seed=9)
    for data in (a, b):
        loss(NetworkObjective.from_dataset(data, (2, 4, 1), batch_size=10), params, key)
    assert len(traces) == 1 and compilations(loss) == 1
    # The architecture is static: another batch size or activation compiles anew.
    loss(NetworkObjective.from_dataset(a, (2, 4, 1), batch_size=20), params, key)
    loss(NetworkObjective.from_dataset(a, (2, 4, 1), "relu", batch_size=10), params, key)
    assert len(traces) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activation": "gelu"}, "`activation` must be one of tanh, relu, sigmoid"),
        ({"task": "ranking"}, "`task` must be one of classification, regression"),
        ({"batch_size": 0}, "`batch_size` must be an integer >= 1 or None"),
        ({"batch_size": 2.0}, "Received: batch_size=2.0"),
        ({"sizes": (2, 40, 1)}, "hidden widths in [2, 32]"),
        ({"sizes": (3, 4, 1)}, "must have shapes (n, 3) and (n,)"),
        ({"y": np.zeros((5, 1))}, "`y` must have 1 dimension(s)"),
        ({"y": np.zeros(4)}, "Received: x.shape=(5, 2), y.shape=(4,)"),
    ],
)
def test_invalid_objectives_raise(kwargs, message):
    args = {"x": TINY_X, "y": TINY_Y, "sizes": (2, 4, 1), **kwargs}
    with pytest.raises(ValueError) as info:
        NetworkObjective.create(**args)
    assert message in str(info.value)


# ----- evaluation and the decision grid ----------------------------------------------------


def test_evaluate_loss_and_accuracy():
    params = _tiny_params()
    objective = NetworkObjective.create(TINY_X, TINY_Y, (2, 3, 1))
    logits = _np_forward(params, TINY_X, "tanh")
    loss, accuracy = objective.evaluate(params, TINY_X, TINY_Y)
    assert float(loss) == pytest.approx(_np_bce_with_logits(logits, TINY_Y), rel=1e-6)
    assert float(accuracy) == pytest.approx(np.mean((logits > 0) == (TINY_Y > 0.5)))
    regression = NetworkObjective.create(TINY_X, TINY_Y, (2, 3, 1), task="regression")
    loss, accuracy = regression.evaluate(params, TINY_X, TINY_Y)
    assert float(loss) == pytest.approx(np.mean((TINY_Y - logits) ** 2), rel=1e-6)
    assert np.isnan(accuracy)


def test_decision_grid_layout_matches_predict_at_the_grid_points():
    params = init_mlp(4, (2, 6, 1))
    objective = NetworkObjective.create(TINY_X, TINY_Y, (2, 6, 1))
    bounds = ((-6.0, 6.0), (-3.0, 1.0))
    grid = objective.decision_grid(params, bounds, (7, 5))
    xs, ys = grid_axes(bounds, (7, 5))
    assert grid.shape == (5, 7)
    np.testing.assert_allclose([xs[0], xs[-1], ys[0], ys[-1]], [-6.0, 6.0, -3.0, 1.0])
    for i, j in [(0, 0), (4, 6), (1, 5), (3, 2)]:
        point = np.array([[xs[j], ys[i]]], np.float32)
        np.testing.assert_allclose(grid[i, j], objective.predict(params, point)[0], rtol=1e-6)
    assert np.all((grid > 0) & (grid < 1))
    with pytest.raises(ValueError, match="`resolution` must be an integer >= 2"):
        objective.decision_grid(params, bounds, 1)


# ----- with the engine ---------------------------------------------------------------------


def test_engine_trains_a_network_and_outputs_are_vmappable_over_the_trace():
    data = make_dataset("circles", n_points=1024, noise=0.0, test_fraction=0.5, seed=0)
    assert data.x_train.shape == (512, 2)
    sizes = (2, 16, 16, 1)
    objective = NetworkObjective.from_dataset(data, sizes, "tanh")
    params = init_mlp(0, sizes)
    (trace,) = engine.run(objective, params, Adadelta(learning_rate=1.0), 200, key=0)
    assert trace.diverged_at is None
    assert trace.loss.shape == (201,)
    assert trace.final_loss < 0.5 * trace.loss[0]
    assert trace.params[0]["kernel"].shape == (201, 2, 16)
    np.testing.assert_allclose(trace.loss[0], objective(params, jax.random.key(0), 0), rtol=1e-6)

    losses, accuracies = jax.vmap(objective.evaluate, in_axes=(0, None, None))(
        trace.params, data.x_test, data.y_test
    )
    assert losses.shape == accuracies.shape == (201,)
    assert accuracies[-1] > 0.9 and accuracies[-1] > accuracies[0]
    final_loss, final_accuracy = objective.evaluate(trace.final_params, data.x_test, data.y_test)
    np.testing.assert_allclose([losses[-1], accuracies[-1]], [final_loss, final_accuracy])
    grids = jax.vmap(lambda p: objective.decision_grid(p, BOUNDS, 20))(trace.params)
    assert grids.shape == (201, 20, 20)
    predictions = jax.vmap(objective.predict, in_axes=(0, None))(trace.params, data.x_test)
    assert predictions.shape == (201, 512)


def test_engine_with_minibatches_reuses_its_compilation_for_new_data():
    sizes = (2, 8, 1)
    params = init_mlp(1, sizes)
    optimizer = Adadelta(learning_rate=1.0)
    first = make_dataset("xor", n_points=200, noise=0.0, seed=0)
    second = make_dataset("moons", n_points=200, noise=0.2, seed=1)
    runs = []
    for data in (first, second):
        objective = NetworkObjective.from_dataset(data, sizes, "relu", batch_size=25)
        runs.append(engine.run(objective, params, optimizer, 50, key=3, record=engine.PATH)[0])
        if data is first:
            compiled = compilations(engine._run_jit)
    assert compilations(engine._run_jit) == compiled
    assert not np.array_equal(runs[0].loss, runs[1].loss)
    assert all(np.all(np.isfinite(run.loss)) for run in runs)
