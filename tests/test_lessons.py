"""Each lesson's claims, checked by running its link through pagestate and the engine.

The runs here are the test's own: the link the lesson's button opens is parsed back into URL
parameters, read with ``pagestate`` exactly as the page reads it, built and run through the
engine as ``adadelta.ui.compute`` does. The facts are asserted on those traces; then the
lesson's own outcome must agree: the answer it marks right, and the numbers in its text.
"""

from __future__ import annotations

import math
import urllib.parse

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from adadelta import engine
from adadelta.problems import init_mlp
from adadelta.ui import build, controls, pagestate
from adadelta.ui.lessons import LESSONS, fmt

PROBLEM, PIPELINE, ADADELTA = controls.PROBLEM, controls.PIPELINE, controls.ADADELTA
LEARNING_RATE = controls.schedule("constant")["learning_rate"]
READERS = {"surfaces": pagestate.surfaces_page, "networks": pagestate.networks_page}


def parse(link: str) -> tuple[str, dict[str, list[str]]]:
    """The page and the URL parameters of a lesson's link, as a browser would send them."""
    parts = urllib.parse.urlsplit(link)
    return parts.path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


def run_query(page: str, query) -> tuple[dict[str, engine.Trace], object]:
    """The page's run of these URL parameters: traces by optimizer label, and the objective."""
    state = READERS[page](query)
    assert state.messages == () and state.unused == (), (state.messages, state.unused)
    optimizers = [build.optimizer(spec) for spec in state.run.optimizers]
    labels = [spec.label for spec in state.run.optimizers]
    if page == "surfaces":
        problem, _, start, num_steps, seed = state.run
        objective = build.objective(problem)
        traces = engine.run(
            objective, np.asarray(start, np.float32), optimizers, num_steps, key=seed
        )
    else:
        network, _, num_steps = state.run
        _, objective, sizes = build.network(network)
        params = init_mlp(network.data_seed, sizes)
        traces = engine.run(objective, params, optimizers, num_steps, key=network.data_seed)
    return dict(zip(labels, traces)), objective


def run_link(slug: str, **changes) -> dict[str, engine.Trace]:
    """The run of a lesson's link, with some URL parameters changed (by control, value text)."""
    page, query = parse(LESSONS[slug].view.link())
    for control, text in changes.items():
        if text is None:
            query.pop(control, None)
        else:
            query[control] = [text]
    return run_query(page, query)[0]


@pytest.fixture(scope="module")
def outcomes() -> dict:
    """Every lesson's outcome, computed once for the module."""
    return {}


def outcome_of(outcomes: dict, slug: str):
    if slug not in outcomes:
        outcomes[slug] = LESSONS[slug].outcome()
    return outcomes[slug]


def answered(outcomes: dict, slug: str) -> str:
    """The option the lesson marks right."""
    return LESSONS[slug].options[outcome_of(outcomes, slug).answer]


def says(outcomes: dict, slug: str, *values: float) -> None:
    """The lesson's explanation prints each of these measured values."""
    text = outcome_of(outcomes, slug).explanation
    for value in values:
        assert fmt(value) in text, (fmt(value), text)


def test_there_are_at_least_six_lessons_covering_the_issue():
    assert len(LESSONS) >= 6
    wanted = {"adagrad", "rho", "units", "epsilon", "learning-rate"}
    extras = {"clipping", "weight-decay", "ema", "accumulation", "loss-scaling"}
    assert wanted | extras <= set(LESSONS)


@pytest.mark.parametrize("slug", list(LESSONS))
def test_each_link_opens_exactly_its_view(slug):
    lesson = LESSONS[slug]
    page, query = parse(lesson.view.link())
    state = READERS[page](query)
    assert page in READERS
    assert state.messages == (), state.messages
    assert state.unused == (), state.unused
    # The link carries exactly the view's values: the page runs what the lesson ran.
    groups = controls.SURFACE_PAGE if page == "surfaces" else controls.NETWORK_PAGE
    assert {key: texts[-1] for key, texts in query.items()} == pagestate.encode(
        groups, dict(lesson.view.values)
    )
    run_of = pagestate.surface_run if page == "surfaces" else pagestate.network_run
    assert state.run == run_of(dict(lesson.view.values))


@pytest.mark.parametrize("slug", list(LESSONS))
def test_each_lesson_cites_the_paper_or_keras_and_has_a_question(slug):
    lesson = LESSONS[slug]
    assert "arXiv:1212.5701" in lesson.sources or "keras.io/api/optimizers/" in lesson.sources
    assert "keras.io/api/optimizers/" in lesson.sources
    assert len(lesson.options) >= 3 and len(set(lesson.options)) == len(lesson.options)
    assert lesson.question.endswith("?")


def test_adagrad_only_shrinks_while_adadelta_grows(outcomes):
    traces = run_link("adagrad")
    adagrad, adadelta = traces["Adagrad"], traces["Adadelta"]
    grad_x, ada_x = adagrad.effective_lr[:, 0], adadelta.effective_lr[:, 0]
    assert grad_x.size == 2000
    # Adagrad's rate on x never rose, at any of the 2,000 steps ...
    assert np.all(np.diff(grad_x) <= 0)
    # ... while Adadelta's rose more than 1000-fold above its lowest value.
    assert ada_x[-1] > 1000 * ada_x.min()
    assert np.any(np.diff(ada_x) > 0)
    # Adagrad stalls: in the last 1,000 steps it moves < 1/10 of Adadelta's path, and ends
    # at a loss > 100 times Adadelta's.
    late = slice(-1001, None)
    moved_late = [
        np.sum(np.linalg.norm(np.diff(t.params[late], axis=0), axis=1)) for t in (adagrad, adadelta)
    ]
    assert moved_late[0] < 0.1 * moved_late[1]
    # Over the last 500 steps Adagrad's loss stays above everything Adadelta's reaches.
    assert adagrad.loss[-500:].min() > adadelta.loss[-500:].max()
    assert answered(outcomes, "adagrad") == "Adagrad's only shrinks; Adadelta's grows"
    says(
        outcomes,
        "adagrad",
        grad_x[0],
        grad_x[-1],
        ada_x.min(),
        ada_x[-1],
        adagrad.loss[-500:].min(),
        adadelta.loss[-500:].max(),
        adagrad.grads.raw[0, 0],
    )


def test_rho_sets_a_window_of_one_over_one_minus_rho_steps(outcomes):
    lesson = LESSONS["rho"]
    _, query = parse(lesson.view.link())
    rho = float(query[ADADELTA["rho"].key][-1])
    assert query[PROBLEM["formula"].key] == ["x + y"]
    assert lesson.view.value(PROBLEM["formula"]) in lesson.text
    for value, window in ((rho, 100), (0.9, 10)):
        trace = run_link("rho", **{ADADELTA["rho"].key: repr(value)})["Adadelta"]
        gradient = trace.grads.clipped[:, 0]
        assert np.all(gradient == 1.0)  # the plane's gradient never changes
        share = trace.slots.avg_sq_grad[:, 0] / gradient**2
        t = np.arange(1, share.size + 1)
        np.testing.assert_allclose(share, 1 - value**t, atol=1e-5)
        filled = int(np.argmax(share >= 1 - math.exp(-1))) + 1
        assert filled == window == round(1 / (1 - value))
    assert answered(outcomes, "rho") == "About 100"
    says(outcomes, "rho", 100, 10)


def test_stretching_an_axis_blows_up_sgd_only(outcomes):
    stretched = run_link("units")
    plain = run_link("units", **{PROBLEM["axis_scale"].key: None})
    assert stretched["SGD"].diverged_at is not None and stretched["SGD"].diverged_at < 100
    assert plain["SGD"].diverged_at is None and plain["SGD"].final_loss < 1e-6
    for label in ("Adadelta", "Adagrad"):
        assert stretched[label].diverged_at is None
        assert stretched[label].final_loss < 1e-6
        # The gradient's scale cancels: the same first step along y (in the optimizer's units).
        np.testing.assert_allclose(
            stretched[label].updates[0, 1], plain[label].updates[0, 1], rtol=1e-4
        )
    np.testing.assert_allclose(
        stretched["SGD"].updates[0, 1], 10 * plain["SGD"].updates[0, 1], rtol=1e-5
    )
    assert answered(outcomes, "units") == "SGD only"
    says(
        outcomes,
        "units",
        stretched["SGD"].diverged_at,
        abs(plain["SGD"].updates[0, 1]),
        abs(stretched["SGD"].updates[0, 1]),
        abs(stretched["Adadelta"].updates[0, 1]),
    )


def test_units_answer_follows_the_run():
    """With a small enough SGD rate nothing blows up, and the lesson says so."""
    lesson = LESSONS["units"]
    calmer = lesson.view.but({controls.relative("SGD")["learning_rate"]: 0.001})
    assert lesson.options[lesson.assess(calmer).answer] == "None of them"


def test_epsilon_sets_the_first_step_and_the_last(outcomes):
    lesson = LESSONS["epsilon"]
    trace = run_link("epsilon")["Adadelta"]
    eta, rho, epsilon = (
        lesson.view.value(c) for c in (LEARNING_RATE, ADADELTA["rho"], ADADELTA["epsilon"])
    )
    np.testing.assert_array_equal(trace.grads.raw[0], [-8.0, 2.0])  # as the question says
    expected = eta * math.sqrt(epsilon / (1 - rho))
    np.testing.assert_allclose(np.abs(trace.updates[0]), [expected, expected], rtol=1e-3)
    bigger = run_link("epsilon", **{ADADELTA["epsilon"].key: repr(10 * epsilon)})["Adadelta"]
    np.testing.assert_allclose(
        np.abs(bigger.updates[0, 0]) / np.abs(trace.updates[0, 0]), math.sqrt(10), rtol=1e-3
    )
    # At the end both rates are η: from some step on, within 1% to the last step.
    near = np.all(np.abs(trace.effective_lr / eta - 1) < 0.01, axis=1)
    assert near[-1]
    settled = int(np.flatnonzero(~near)[-1]) + 2
    assert settled < 2000
    assert answered(outcomes, "epsilon") == "The same length along x and y"
    says(outcomes, "epsilon", expected, settled, trace.final_loss)


def test_epsilon_answer_follows_the_run():
    """With a huge ε the first step follows the gradient: longer along the steeper x."""
    lesson = LESSONS["epsilon"]
    huge = lesson.view.but({controls.ADADELTA["epsilon"]: 0.1})
    assert lesson.options[lesson.assess(huge).answer] == "Longer along x, the steeper coordinate"


def test_keras_default_learning_rate_barely_moves(outcomes):
    lesson = LESSONS["learning-rate"]
    _, query = parse(lesson.view.link())
    keras = controls.PRESETS["Keras defaults"]
    assert float(query[LEARNING_RATE.key][-1]) == keras["learning_rate"] == 0.001
    assert float(query[ADADELTA["epsilon"].key][-1]) == keras["epsilon"] == 1e-7
    trace = run_link("learning-rate")["Adadelta"]
    first = np.abs(trace.effective_lr[0] * trace.grads.raw[0])
    expected = 0.001 * math.sqrt(1e-7 / (1 - keras["rho"]))
    np.testing.assert_allclose(first, [expected, expected], rtol=1e-3)
    distance = np.linalg.norm(trace.params[-1] - trace.params[0])
    assert distance < 0.01
    assert np.linalg.norm(trace.params[0] - np.array([1.0, 1.0])) == pytest.approx(2.2)
    paper = run_link("learning-rate", **{LEARNING_RATE.key: None, ADADELTA["epsilon"].key: None})[
        "Adadelta"
    ]
    assert np.linalg.norm(paper.params[-1] - paper.params[0]) > 1
    assert paper.final_loss < 0.5 < trace.final_loss
    assert answered(outcomes, "learning-rate") == "Less than 0.01: it barely moves"
    says(outcomes, "learning-rate", distance, expected, paper.final_loss)


def test_learning_rate_answer_follows_the_run():
    lesson = LESSONS["learning-rate"]
    from adadelta.ui.lessons.start import PAPER

    assert lesson.options[lesson.assess(lesson.view.but(PAPER)).answer].startswith("More than 1")


def test_clipping_rescues_sgd(outcomes):
    lesson = LESSONS["clipping"]
    clipped = run_link("clipping")
    plain = run_link("clipping", **{PIPELINE["clipping"].key: None, PIPELINE["clipnorm"].key: None})
    assert plain["SGD"].diverged_at is not None and plain["SGD"].diverged_at <= 10
    sgd = clipped["SGD"]
    assert sgd.diverged_at is None and sgd.final_loss < 0.1
    eta, clipnorm = (
        lesson.view.value(controls.relative("SGD")["learning_rate"]),
        lesson.view.value(PIPELINE["clipnorm"]),
    )
    assert np.max(np.linalg.norm(sgd.updates, axis=1)) <= eta * clipnorm * (1 + 1e-5)
    assert plain["Adadelta"].diverged_at is None and clipped["Adadelta"].diverged_at is None
    # Clipping changes Adadelta's run too: its late losses no longer overlap.
    late, plain_late = clipped["Adadelta"].loss[-500:], plain["Adadelta"].loss[-500:]
    assert late.max() < plain_late.min()
    assert answered(outcomes, "clipping") == "It no longer diverges, and ends near the minimum"
    says(
        outcomes,
        "clipping",
        plain["SGD"].diverged_at,
        sgd.final_loss,
        late.min(),
        late.max(),
        plain_late.min(),
        plain_late.max(),
    )


def test_weight_decay_pulls_towards_the_origin(outcomes):
    lesson = LESSONS["weight-decay"]
    decayed = run_link("weight-decay")["Adadelta"]
    plain = run_link("weight-decay", **{PIPELINE["weight_decay"].key: None})["Adadelta"]
    assert np.linalg.norm(decayed.final_params) < 0.5 * np.linalg.norm(plain.final_params)
    minimum = np.array([1.0, 1.0])
    assert np.linalg.norm(decayed.final_params - minimum) > np.linalg.norm(
        plain.final_params - minimum
    )
    # Decoupled: the first update is the plain run's step applied to w·(1 − ηλ).
    eta, decay = lesson.view.value(LEARNING_RATE), lesson.view.value(PIPELINE["weight_decay"])
    start = decayed.params[0]
    np.testing.assert_allclose(
        decayed.params[1], start * (1 - eta * decay) + plain.updates[0], rtol=1e-5, atol=1e-6
    )
    # ... and not at the minimum of f: the late losses are higher than without decay.
    assert decayed.loss[-500:].min() > plain.loss[-500:].max()
    assert answered(outcomes, "weight-decay") == "Closer to the origin (0, 0)"
    says(
        outcomes,
        "weight-decay",
        np.linalg.norm(decayed.final_params),
        np.linalg.norm(plain.final_params),
        decayed.loss[-500:].min(),
        plain.loss[-500:].max(),
    )


def _losses(objective, points):
    key = jax.random.key(0)
    return np.asarray(jax.vmap(lambda p: objective(p, key, 0))(jnp.asarray(points)))


def test_the_ema_sits_lower_once_the_weights_jitter(outcomes):
    page, query = parse(LESSONS["ema"].view.link())
    for surface, ema_lower in (("himmelblau", True), ("quadratic", False)):
        query[PROBLEM["surface"].key] = [surface]
        traces, objective = run_query(page, query)
        trace = traces["Adadelta"]
        weights = _losses(objective, trace.params[1:])[-500:].mean()
        ema = _losses(objective, trace.ema)[-500:].mean()
        if ema_lower:
            assert weights > 1.5 * ema
            himmelblau = (weights, ema)
        else:
            assert ema > weights  # still travelling: the EMA trails behind
            quadratic = (weights, ema)
    assert answered(outcomes, "ema") == "Their EMA"
    says(outcomes, "ema", *himmelblau, *quadratic)


def test_accumulation_updates_every_nth_call_and_ends_farther(outcomes):
    accumulated = run_link("accumulation")["Adadelta"]
    plain = run_link("accumulation", **{PIPELINE["gradient_accumulation_steps"].key: None})[
        "Adadelta"
    ]
    assert accumulated.updates.shape[0] == 2000
    assert int(accumulated.is_update_step.sum()) == 500
    assert np.count_nonzero(np.linalg.norm(accumulated.updates, axis=1)) == 500
    np.testing.assert_array_equal(accumulated.is_update_step, (np.arange(2000) % 4) == 3)
    late, plain_late = accumulated.loss[-500:].mean(), plain.loss[-500:].mean()
    assert late > 1.5 * plain_late
    lengths = [
        np.sum(np.linalg.norm(np.diff(t.params, axis=0), axis=1)) for t in (accumulated, plain)
    ]
    assert lengths[0] < lengths[1]
    assert answered(outcomes, "accumulation") == "Farther: it updates only on every 4th call"
    says(outcomes, "accumulation", 500, late, plain_late, *lengths)


def test_loss_scaling_slows_sgd_and_hardly_adadelta(outcomes):
    scaled = run_link("loss-scaling")
    plain = run_link("loss-scaling", **{PIPELINE["loss_scale_factor"].key: None})

    def moved(trace):
        return np.linalg.norm(trace.params[-1] - trace.params[0])

    assert moved(scaled["SGD"]) < 0.5 * moved(plain["SGD"])
    assert moved(scaled["Adadelta"]) > 0.9 * moved(plain["Adadelta"])
    change = 100 * np.max(np.abs(scaled["Adadelta"].updates[0] / plain["Adadelta"].updates[0] - 1))
    assert change < 0.5  # percent
    # ... yet ε makes the two Adadelta runs part somewhere (the lesson says so).
    gap = np.max(np.linalg.norm(scaled["Adadelta"].params - plain["Adadelta"].params, axis=1))
    assert gap > 0.1
    late, plain_late = scaled["Adadelta"].loss[-500:], plain["Adadelta"].loss[-500:]
    assert late.max() < plain_late.min()
    assert answered(outcomes, "loss-scaling") == "SGD slows down; Adadelta hardly changes"
    says(
        outcomes,
        "loss-scaling",
        moved(scaled["SGD"]),
        moved(plain["SGD"]),
        moved(scaled["Adadelta"]),
        gap,
        change,
        late.min(),
        late.max(),
    )


@pytest.mark.parametrize("slug", list(LESSONS))
def test_each_outcome_is_complete(slug, outcomes):
    outcome = outcome_of(outcomes, slug)
    assert 0 <= outcome.answer < len(LESSONS[slug].options)
    assert outcome.numbers and all(label and value for label, value in outcome.numbers)
    assert outcome.figure["data"] and outcome.figure["layout"]["meta"]["alt"]
    assert all(np.isfinite(v) or np.isnan(v) for v in outcome.facts.values())
