"""Training a network through our optimizers equals Keras's ``model.train_on_batch``.

One Keras ``Sequential`` of ``Dense`` layers gets our initial params as its weights, is compiled
with the Keras optimizer built from the same arguments and Keras's loss
(``BinaryCrossentropy(from_logits=True)`` or ``MeanSquaredError``), and trains on the whole
training set for a few ``train_on_batch`` calls. We run the same calls through ``engine.run``
on a full-batch :class:`NetworkObjective`; after every call the weights (and the EMA, when on)
must agree to 1e-5, and so must the loss Keras reports.

Loss scaling: Keras's ``train_step`` differentiates ``optimizer.scale_loss(loss)``, i.e.
``loss_scale_factor · loss``, and ``apply()`` divides the gradient by the factor again (spec
§7). The optimizer never scales the loss itself, so for parity our objective must be the scaled
loss too: with ``loss_scale_factor = s`` the engine runs on ``s · loss``. (Feeding it the
gradient of the unscaled loss would make every step use g/s.)

``KERAS_BACKEND=jax`` is set by ``tests/conftest.py``. Keras's own ``Dense`` adds its bias by
implicit broadcasting, so Keras calls run under ``jax.numpy_rank_promotion("allow")``; our code
runs under the session's ``"raise"``.
"""

import jax
import numpy as np
import pytest

from adadelta import Adadelta, Adagrad, engine
from adadelta.problems.datasets import make_dataset
from adadelta.problems.mlp import NetworkObjective, init_mlp

OPTIMIZERS = {"Adadelta": Adadelta, "Adagrad": Adagrad}
SIZES = (2, 8, 8, 1)
NUM_CALLS = 4
TOLERANCE = 1e-5

# The clipping thresholds are below the gradient norms of the first calls, so clipping bites
# (checked in the test), and the extras are switched on one at a time and then all together.
CONFIGS = {
    "plain": {},
    "learning_rate_epsilon": {"learning_rate": 1.0, "epsilon": 1e-3},
    "weight_decay": {"learning_rate": 1.0, "weight_decay": 0.01},
    "clipnorm": {"learning_rate": 1.0, "clipnorm": 0.05},
    "global_clipnorm": {"learning_rate": 1.0, "global_clipnorm": 0.1},
    "ema": {"learning_rate": 1.0, "use_ema": True, "ema_momentum": 0.9},
    "ema_overwrite": {
        "learning_rate": 1.0,
        "use_ema": True,
        "ema_momentum": 0.9,
        "ema_overwrite_frequency": 2,
    },
    "loss_scale_factor": {"learning_rate": 1.0, "loss_scale_factor": 4.0},
    "gradient_accumulation": {"learning_rate": 1.0, "gradient_accumulation_steps": 2},
    "everything": {
        "learning_rate": 1.0,
        "epsilon": 1e-3,
        "weight_decay": 0.01,
        "global_clipnorm": 0.1,
        "use_ema": True,
        "ema_momentum": 0.9,
        "loss_scale_factor": 4.0,
        "gradient_accumulation_steps": 2,
    },
}


def _flat(params) -> list[np.ndarray]:
    """Our params in Keras's weight order: kernel, bias per layer."""
    return [np.asarray(layer[name]) for layer in params for name in ("kernel", "bias")]


def _at(tree, t: int):
    return jax.tree.map(lambda a: a[t], tree)


def _keras_train(objective: NetworkObjective, params, optimizer_name: str, kwargs: dict):
    """Keras's weights, EMA and reported loss after each of ``NUM_CALLS`` train_on_batch calls."""
    import keras

    with jax.numpy_rank_promotion("allow"):
        layers = [keras.Input((objective.sizes[0],))]
        layers += [keras.layers.Dense(w, activation=objective.activation) for w in SIZES[1:-1]]
        layers += [keras.layers.Dense(1)]
        model = keras.Sequential(layers)
        model.set_weights(_flat(params))
        if objective.task == "classification":
            loss = keras.losses.BinaryCrossentropy(from_logits=True)
        else:
            loss = keras.losses.MeanSquaredError()
        optimizer = getattr(keras.optimizers, optimizer_name)(**kwargs)
        model.compile(optimizer=optimizer, loss=loss)
        weights, averages, losses = [], [], []
        for _ in range(NUM_CALLS):
            losses.append(float(model.train_on_batch(objective.x, objective.y)))
            weights.append([np.array(w) for w in model.get_weights()])
            if optimizer.use_ema:
                averages.append(
                    [np.array(v.numpy()) for v in optimizer._model_variables_moving_average]
                )
        return weights, averages, losses, model


def _ours(objective: NetworkObjective, params, optimizer_name: str, kwargs: dict, scale_loss=True):
    optimizer = OPTIMIZERS[optimizer_name](**kwargs)
    factor = kwargs.get("loss_scale_factor")
    if factor is None or not scale_loss:
        loss = objective
    else:

        def loss(p, key, step):
            return factor * objective(p, key, step)

    (trace,) = engine.run(loss, params, optimizer, NUM_CALLS, key=0)
    return trace, 1.0 if factor is None else factor


def _compare(objective, optimizer_name, kwargs):
    params = init_mlp(7, SIZES)
    keras_weights, keras_averages, keras_losses, _ = _keras_train(
        objective, params, optimizer_name, kwargs
    )
    trace, factor = _ours(objective, params, optimizer_name, kwargs)
    assert trace.diverged_at is None
    start = _flat(params)
    # Default Adadelta moves the weights by ~6e-6 in four calls, less than the tolerance, so
    # the change from the start must also agree to 0.1% of its largest element.
    movement = max(np.abs(w - w0).max() for w, w0 in zip(keras_weights[-1], start, strict=True))
    assert movement > 0.0
    for t in range(NUM_CALLS):
        ours = _flat(_at(trace.params, t + 1))
        for mine, theirs, w0 in zip(ours, keras_weights[t], start, strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOLERANCE, err_msg=f"call {t}")
            np.testing.assert_allclose(
                mine - w0, theirs - w0, rtol=0, atol=1e-3 * movement, err_msg=f"call {t}"
            )
        if keras_averages:
            for mine, theirs in zip(_flat(_at(trace.ema, t)), keras_averages[t], strict=True):
                np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOLERANCE)
    # Keras reports the unscaled loss before each call's update (its metrics reset every call).
    np.testing.assert_allclose(keras_losses, trace.loss[:NUM_CALLS] / factor, rtol=1e-6)
    return trace, keras_weights


@pytest.fixture(scope="module")
def circles_objective():
    data = make_dataset("circles", n_points=128, noise=0.1, test_fraction=0.5, seed=0)
    return NetworkObjective.from_dataset(data, SIZES, "tanh")


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("optimizer_name", list(OPTIMIZERS))
def test_train_on_batch_matches_our_engine(circles_objective, optimizer_name, config):
    kwargs = CONFIGS[config]
    trace, keras_weights = _compare(circles_objective, optimizer_name, kwargs)
    if "clipnorm" in kwargs:
        first = _flat(_at(trace.grads.unscaled, 0))
        assert max(np.linalg.norm(g) for g in first) > kwargs["clipnorm"]
    if "global_clipnorm" in kwargs:
        first = _flat(_at(trace.grads.unscaled, 0))
        assert np.sqrt(sum(np.sum(g**2) for g in first)) > kwargs["global_clipnorm"]
    if "gradient_accumulation_steps" in kwargs:
        np.testing.assert_array_equal(trace.is_update_step, [False, True, False, True])
    if config == "loss_scale_factor":
        # The negative control for the loss-scaling parity, against the same Keras run:
        # Keras differentiates s·loss, so an engine fed the gradient of the plain loss steps
        # with g/s and drifts away.
        params = init_mlp(7, SIZES)
        unscaled, _ = _ours(circles_objective, params, optimizer_name, kwargs, scale_loss=False)
        ours = _flat(_at(unscaled.params, NUM_CALLS))
        drift = max(np.abs(a - b).max() for a, b in zip(ours, keras_weights[-1], strict=True))
        assert drift > 1e-3


@pytest.mark.parametrize(
    ("dataset", "activation"), [("xor", "relu"), ("moons", "sigmoid"), ("plane", "tanh")]
)
def test_other_activations_and_the_regression_loss_match(dataset, activation):
    data = make_dataset(dataset, n_points=128, noise=0.1, test_fraction=0.5, seed=1)
    objective = NetworkObjective.from_dataset(data, SIZES, activation)
    _compare(objective, "Adadelta", {"learning_rate": 1.0})


def test_keras_evaluate_and_predict_match_ours(circles_objective):
    import keras

    params = init_mlp(3, SIZES)
    _, _, _, model = _keras_train(circles_objective, params, "Adadelta", {})
    trained = [
        {"kernel": k, "bias": b}
        for k, b in zip(model.get_weights()[::2], model.get_weights()[1::2])
    ]
    with jax.numpy_rank_promotion("allow"):
        model.compile(
            loss=keras.losses.BinaryCrossentropy(from_logits=True),
            metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)],
        )
        keras_loss, keras_accuracy = model.evaluate(
            circles_objective.x, circles_objective.y, batch_size=1024, verbose=0
        )
        keras_logits = model.predict(circles_objective.x, verbose=0)[:, 0]
    loss, accuracy = circles_objective.evaluate(trained, circles_objective.x, circles_objective.y)
    assert float(loss) == pytest.approx(keras_loss, rel=1e-6)
    assert float(accuracy) == pytest.approx(keras_accuracy)
    np.testing.assert_allclose(
        circles_objective.output(trained, circles_objective.x), keras_logits, atol=1e-6
    )
