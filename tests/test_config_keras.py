"""Keras's own configs read by ours: ``from_config`` of what Keras's ``get_config`` returns
(the rest of the config round trips, without Keras, are in ``tests/test_roundtrip.py``)."""

from __future__ import annotations

import keras

from adadelta import Adadelta, schedules


def test_from_config_reads_a_keras_config():
    """Keras's own get_config (learning-rate schedule serialized as a dict) builds ours."""
    keras_opt = keras.optimizers.Adadelta(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(0.5, 3, 0.9, staircase=True),
        rho=0.9,
        epsilon=1e-5,
        weight_decay=0.01,
        clipnorm=2.0,
        use_ema=True,
        ema_momentum=0.95,
        ema_overwrite_frequency=4,
        loss_scale_factor=8.0,
        gradient_accumulation_steps=3,
    )
    keras_config = keras_opt.get_config()
    opt = Adadelta.from_config(keras_config)
    config = opt.get_config()
    for name in ("rho", "epsilon", "weight_decay", "clipnorm", "use_ema", "ema_momentum"):
        assert config[name] == keras_config[name], name
    assert config["ema_overwrite_frequency"] == 4
    assert config["gradient_accumulation_steps"] == 3
    assert config["loss_scale_factor"] == 8.0
    schedule = config["learning_rate"]
    assert isinstance(schedule, schedules.ExponentialDecay)
    assert schedule.get_config() == {
        "initial_learning_rate": 0.5,
        "decay_steps": 3,
        "decay_rate": 0.9,
        "staircase": True,
        "name": "ExponentialDecay",
    }
