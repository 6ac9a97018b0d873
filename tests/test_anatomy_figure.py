"""The anatomy figure: one call on the contour, each stage an arrow at its recorded numbers."""

from __future__ import annotations

import numpy as np
import pytest
from figure_spec import as_figure

from adadelta import Adadelta, Adagrad
from adadelta.dissect import dissect
from adadelta.problems import Objective
from adadelta.viz import backdrop
from adadelta.viz.surface.anatomy import GRADIENT_SHARE, step_figure

START = np.array([-1.2, 1.0], np.float32)


@pytest.fixture(scope="module")
def surface():
    return backdrop(Objective.from_surface("rosenbrock"), image_grid=60, surface_grid=20)


def traces_by_name(fig):
    return {trace.name: trace for trace in fig.data}


def arrow_end(trace):
    return np.array([trace.x[-1], trace.y[-1]])


def test_every_active_stage_is_an_arrow_to_its_recorded_point(surface):
    optimizer = Adadelta(
        learning_rate=1.0,
        weight_decay=0.1,
        use_ema=True,
        ema_momentum=0.5,
        ema_overwrite_frequency=2,
    )
    (result,) = dissect(Objective.from_surface("rosenbrock"), START, optimizer, 4)
    call = result.call(2)  # iterations 1: (1 + 1) % 2 == 0, the overwrite fires
    fig = as_figure(step_figure(surface, "Adadelta", call, ema=True))
    traces = traces_by_name(fig)
    info = call.info
    decay, rule, overwrite = traces["weight decay"], traces["update rule"], traces["EMA overwrite"]
    np.testing.assert_allclose([decay.x[0], decay.y[0]], info.params.given, rtol=1e-6)
    np.testing.assert_allclose(arrow_end(decay), info.params.decayed, rtol=1e-6)
    np.testing.assert_allclose([rule.x[0], rule.y[0]], info.params.decayed, rtol=1e-6)
    np.testing.assert_allclose(arrow_end(rule), info.params.updated, rtol=1e-6)
    np.testing.assert_allclose(arrow_end(overwrite), info.params.final, rtol=1e-6)
    np.testing.assert_allclose(arrow_end(traces["EMA moves"]), call.after.ema, rtol=1e-6)
    after = traces["w after call 2"]
    np.testing.assert_allclose([after.x[0], after.y[0]], info.params.final, rtol=1e-6)
    # Every point lies inside the square window, whose axes keep one scale.
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert fig.layout.yaxis.scaleanchor == "x"
    np.testing.assert_allclose(x1 - x0, y1 - y0, rtol=1e-9)
    for point in (info.params.given, info.params.decayed, info.params.updated, call.after.ema):
        assert x0 < point[0] < x1 and y0 < point[1] < y1
    assert fig.layout.images[0].source.startswith("data:image/png")


def test_gradient_arrows_point_downhill_at_one_named_scale(surface):
    optimizer = Adagrad(learning_rate=0.5, loss_scale_factor=4.0, clipnorm=1.0)
    (result,) = dissect(Objective.from_surface("rosenbrock"), START, optimizer, 2)
    call = result.call(1)
    fig = as_figure(step_figure(surface, "Adagrad", call))
    arrows = [t for t in fig.data if t.name and t.name.startswith("−g")]
    names = [t.name.split(" (×")[0] for t in arrows]
    assert names == ["−g as computed", "−g ÷ loss_scale_factor", "−g after clipping"]
    scale = float(arrows[0].name.split("(×")[1].rstrip(")"))
    half = (fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0]) / 2
    lengths = []
    for trace, stage in zip(arrows, ("raw", "unscaled", "clipped")):
        g = np.asarray(getattr(call.info.grads, stage), np.float64)
        vector = arrow_end(trace) - np.array([trace.x[0], trace.y[0]])
        np.testing.assert_allclose(vector, -scale * g, rtol=5e-3)  # the name rounds the scale
        lengths.append(np.hypot(*vector))
    np.testing.assert_allclose(max(lengths), GRADIENT_SHARE * half, rtol=1e-6)


def test_a_micro_step_draws_the_discarded_update_and_says_so(surface):
    optimizer = Adadelta(learning_rate=1.0, gradient_accumulation_steps=2)
    (result,) = dissect(Objective.from_surface("rosenbrock"), START, optimizer, 2)
    spec = step_figure(surface, "Adadelta", result.call(1))
    fig = as_figure(spec)
    traces = traces_by_name(fig)
    assert "update rule" not in traces
    np.testing.assert_allclose(
        arrow_end(traces["discarded micro-step update"]), result.call(1).info.params.updated, 1e-6
    )
    assert "micro-step (no update)" in spec["layout"]["meta"]["alt"]
    assert "update rule" in traces_by_name(
        as_figure(step_figure(surface, "Adadelta", result.call(2)))
    )


def test_a_diverged_call_still_draws(surface):
    optimizer = Adagrad(learning_rate=1e30)
    (result,) = dissect(Objective.from_surface("rosenbrock"), START, optimizer, 3)
    for t in (1, 2, 3):
        as_figure(step_figure(surface, "Adagrad", result.call(t)))
