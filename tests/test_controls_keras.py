"""The control table against Keras itself: every Keras argument has its control, and every
default the table calls Keras's (read from this package's signatures) is Keras's."""

from __future__ import annotations

import inspect
import re

import keras
import pytest

from adadelta.ui import controls
from adadelta.ui.kinds import MISSING, Group

OPTIMIZERS = {
    "Adadelta": (controls.ADADELTA, controls.PIPELINE, controls.schedule("constant")),
    **{label: (group,) for label, group in controls.RELATIVES.items()},
}
SCHEDULES = [kind for kind in controls.LR_KINDS if hasattr(keras.optimizers.schedules, kind)]
PIPELINE_ARGUMENTS = set(inspect.signature(keras.optimizers.Optimizer).parameters) | {
    "loss_scale_factor",
    "gradient_accumulation_steps",
}


def keras_defaults(cls: type) -> dict[str, object]:
    return {
        name: parameter.default
        for name, parameter in inspect.signature(cls).parameters.items()
        if parameter.kind is not parameter.VAR_KEYWORD
    }


def assert_defaults_are_keras(groups: tuple[Group, ...], cls: type) -> None:
    defaults = keras_defaults(cls)
    for group in groups:
        for control in group:
            if control.keras_default is MISSING:
                # Not a Keras argument, or one that Keras requires (no default).
                assert defaults.get(control.name, inspect.Parameter.empty) is (
                    inspect.Parameter.empty
                ), control.key
            elif control.name == "name":
                # Keras's name=None means the class's own name in snake case; Keras
                # appends "_<n>" to every later instance, so compare with the stem.
                assert control.keras_default == re.sub(r"_\d+$", "", cls().name), control.key
            else:
                assert control.keras_default == defaults[control.name], control.key


@pytest.mark.parametrize("label", OPTIMIZERS)
def test_optimizer_defaults_are_kerass(label):
    assert_defaults_are_keras(OPTIMIZERS[label], getattr(keras.optimizers, label))


@pytest.mark.parametrize("kind", SCHEDULES)
def test_schedule_defaults_are_kerass(kind):
    assert_defaults_are_keras((controls.schedule(kind),), getattr(keras.optimizers.schedules, kind))


def test_every_keras_adadelta_argument_has_its_control():
    names = {control.name for group in OPTIMIZERS["Adadelta"] for control in group}
    assert set(keras_defaults(keras.optimizers.Adadelta)) <= names


@pytest.mark.parametrize("label", [label for label in OPTIMIZERS if label != "Adadelta"])
def test_every_keras_argument_of_a_relative_has_its_control(label):
    # The shared pipeline arguments are the pipeline group's; a relative's name does nothing.
    own = set(keras_defaults(getattr(keras.optimizers, label))) - PIPELINE_ARGUMENTS
    names = {control.name for control in OPTIMIZERS[label][0]}
    assert own - {"name"} <= names, sorted(own - names)


@pytest.mark.parametrize("kind", SCHEDULES)
def test_every_keras_schedule_argument_has_its_control(kind):
    arguments = set(keras_defaults(getattr(keras.optimizers.schedules, kind))) - {"name"}
    assert arguments <= {control.name for control in controls.schedule(kind)}
