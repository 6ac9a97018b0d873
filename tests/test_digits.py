"""The shipped digits and the softmax MLP trained on them, checked against documented facts and
against a real Keras model trained on the same minibatches.

The facts are scikit-learn's documentation of ``load_digits`` (1,797 images of 8x8 pixels with
values 0..16, 10 classes) and its per-class counts 178, 182, 177, 183, 181, 182, 181, 179, 174,
180; the content checksum is the one recorded in ``adadelta/problems/data/README.md``, computed
from ``sklearn.datasets.load_digits()`` when the file was made.

The Keras check builds ``Sequential([Input(64), Dense(h, tanh), Dense(10)])`` with our initial
weights, compiles it with ``SparseCategoricalCrossentropy(from_logits=True)`` and the Keras
optimizer of the same arguments, and calls ``train_on_batch`` on the minibatches our objective
draws for steps 0 and 1; our ``engine.run`` of two steps must agree on the weights after each
call and on the loss Keras reports. ``KERAS_BACKEND=jax`` is set in ``tests/conftest.py``.
"""

import hashlib

import jax
import numpy as np
import pytest

from adadelta import SGD, Adadelta, Adagrad, engine
from adadelta.problems import digits
from adadelta.problems.multiclass import (
    ClassifierObjective,
    epoch_order,
    init_classifier,
    softmax_cross_entropy,
)

CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
CONTENT_SHA256 = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
HIDDEN = 16


def test_the_shipped_file_is_the_recorded_one():
    assert digits.file_sha256() == digits.SHA256
    assert digits.DATA_FILE.stat().st_size < 100_000
    readme = (digits.DATA_FILE.parent / "README.md").read_text()
    assert digits.SHA256 in readme and CONTENT_SHA256 in readme


def test_documented_facts_of_load_digits():
    data = digits.load_digits()
    assert data.images.shape == (1797, 8, 8) and data.images.dtype == np.uint8
    assert data.labels.shape == (1797,)
    assert data.images.min() == 0 and data.images.max() == 16
    assert np.bincount(data.labels).tolist() == CLASS_COUNTS
    content = hashlib.sha256(data.images.tobytes() + data.labels.tobytes()).hexdigest()
    assert content == CONTENT_SHA256
    assert not data.images.flags.writeable


def test_split_is_seeded_disjoint_and_scaled():
    a, b = digits.split_digits(0), digits.split_digits(0)
    other = digits.split_digits(1)
    np.testing.assert_array_equal(a.train_index, b.train_index)
    assert not np.array_equal(a.train_index, other.train_index)
    assert len(a.train_index) == 1300 and len(a.test_index) == 497
    assert np.union1d(a.train_index, a.test_index).tolist() == list(range(1797))
    data = digits.load_digits()
    np.testing.assert_array_equal(a.x_test * 16, data.images[a.test_index].reshape(-1, 64))
    np.testing.assert_array_equal(a.y_train, data.labels[a.train_index])
    assert a.x_train.dtype == np.float32 and a.x_train.min() >= 0 and a.x_train.max() == 1


@pytest.mark.parametrize(
    "kwargs", [{"seed": -1}, {"seed": 1.5}, {"num_train": 50}, {"num_train": 1797}]
)
def test_split_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        digits.split_digits(**kwargs)


def test_epoch_order_visits_each_example_once_per_epoch():
    order = epoch_order(3, 250, 100, 4)
    assert order.shape == (4 * 200,) and order.dtype == np.int32
    epochs = order.reshape(4, 200)
    assert all(len(set(e.tolist())) == 200 for e in epochs)  # no repeats within an epoch
    assert not np.array_equal(epochs[0], epochs[1])
    np.testing.assert_array_equal(order, epoch_order(3, 250, 100, 4))


def test_objective_trains_on_the_ordered_minibatches():
    split = digits.split_digits(0)
    objective = ClassifierObjective.create(split.x_train, split.y_train, (HIDDEN,), epochs=2)
    assert objective.sizes == (64, HIDDEN, 10) and objective.num_steps == 26
    x, y = objective.batch(3)
    index = objective.order[300:400]
    np.testing.assert_array_equal(x, split.x_train[index])
    np.testing.assert_array_equal(y, split.y_train[index])
    # Past the end: the last minibatch again.
    np.testing.assert_array_equal(objective.batch(40)[1], objective.batch(25)[1])


def test_cross_entropy_is_minus_log_softmax_of_the_label():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0]], np.float32)
    labels = np.array([0, 2])
    expected = [-np.log(np.exp(2) / np.exp([2, -1, 0.5]).sum()), np.log(3)]
    np.testing.assert_allclose(softmax_cross_entropy(logits, labels), expected, rtol=1e-6)


def _flat(params):
    return [np.asarray(layer[name]) for layer in params for name in ("kernel", "bias")]


def _keras_model(params, optimizer_name, kwargs):
    import keras

    with jax.numpy_rank_promotion("allow"):
        model = keras.Sequential(
            [
                keras.Input((64,)),
                keras.layers.Dense(HIDDEN, activation="tanh"),
                keras.layers.Dense(10),
            ]
        )
        model.set_weights(_flat(params))
        model.compile(
            optimizer=getattr(keras.optimizers, optimizer_name)(**kwargs),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[keras.metrics.SparseCategoricalAccuracy()],
        )
    return model


OPTIMIZERS = {
    "SGD": ("SGD", SGD, {"learning_rate": 0.5}),
    "Momentum": ("SGD", SGD, {"learning_rate": 0.1, "momentum": 0.9}),
    "Adagrad": ("Adagrad", Adagrad, {"learning_rate": 0.1}),
    "Adadelta": ("Adadelta", Adadelta, {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-4}),
}


@pytest.fixture(scope="module")
def digits_objective():
    split = digits.split_digits(0)
    return ClassifierObjective.create(split.x_train, split.y_train, (HIDDEN,), epochs=1, seed=5)


@pytest.mark.parametrize("method", list(OPTIMIZERS))
def test_two_steps_equal_keras_train_on_batch(digits_objective, method):
    keras_name, cls, kwargs = OPTIMIZERS[method]
    params = init_classifier(11, digits_objective.sizes)
    model = _keras_model(params, keras_name, kwargs)
    (trace,) = engine.run(digits_objective, params, cls(**kwargs), 2, record=("params", "loss"))
    start = _flat(params)
    for step in range(2):
        x, y = digits_objective.batch(step)
        with jax.numpy_rank_promotion("allow"):
            keras_loss, _ = model.train_on_batch(np.asarray(x), np.asarray(y))
        assert float(trace.loss[step]) == pytest.approx(keras_loss, rel=1e-6)
        ours = _flat(jax.tree.map(lambda a, s=step: a[s + 1], trace.params))
        moved = max(np.abs(w - w0).max() for w, w0 in zip(model.get_weights(), start))
        assert moved > 1e-3  # the step is large enough for the comparison to mean something
        for mine, theirs in zip(ours, model.get_weights()):
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-6, err_msg=f"call {step}")


def test_test_error_and_loss_equal_keras_evaluate(digits_objective):
    split = digits.split_digits(0)
    params = init_classifier(4, digits_objective.sizes)
    (trace,) = engine.run(digits_objective, params, Adadelta(learning_rate=1.0), 13)
    model = _keras_model(trace.final_params, "Adadelta", {})
    with jax.numpy_rank_promotion("allow"):
        keras_loss, keras_accuracy = model.evaluate(
            split.x_test, split.y_test, batch_size=1000, verbose=0
        )
    loss, error = digits_objective.evaluate(trace.final_params, split.x_test, split.y_test)
    assert float(loss) == pytest.approx(keras_loss, rel=1e-6)
    assert float(error) == pytest.approx(1.0 - keras_accuracy, abs=1e-6)
    assert 0.05 < float(error) < 0.9  # a partly trained network: neither chance nor perfect


def test_initial_weights_are_seeded_glorot_uniform():
    sizes = (64, 32, 10)
    params = init_classifier(0, sizes)
    for layer, (fan_in, fan_out) in zip(params, [(64, 32), (32, 10)]):
        limit = np.sqrt(6 / (fan_in + fan_out))
        kernel = layer["kernel"]
        assert kernel.shape == (fan_in, fan_out) and kernel.dtype == np.float32
        assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
        # U(-a, a) has variance a²/3.
        assert kernel.var() == pytest.approx(limit**2 / 3, rel=0.25)
        np.testing.assert_array_equal(layer["bias"], np.zeros(fan_out, np.float32))
    np.testing.assert_array_equal(init_classifier(0, sizes)[0]["kernel"], params[0]["kernel"])
    assert not np.array_equal(init_classifier(1, sizes)[0]["kernel"], params[0]["kernel"])
