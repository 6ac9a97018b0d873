"""The figure builders: facts about what a student sees, checked on real engine runs."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from figure_spec import as_figure, json_size

from adadelta import SGD, Adadelta, Adagrad, Adam, RMSprop, engine, viz
from adadelta.problems import Objective
from adadelta.viz import STYLES, Run, ema_jumps, frame_steps, styles_for
from adadelta.viz.shared.animation import animation_redraw_flags
from adadelta.viz.shared.frames import thin_trail
from adadelta.viz.shared.sampling import series_indices
from adadelta.viz.surface.heights import sample


# The builders return plain specs; every test reads them through Plotly's validation.
def contour_figure(*args, **kwargs) -> go.Figure:
    return as_figure(viz.contour_figure(*args, **kwargs))


def effective_lr_figure(*args, **kwargs) -> go.Figure:
    return as_figure(viz.effective_lr_figure(*args, **kwargs))


def loss_figure(*args, **kwargs) -> go.Figure:
    return as_figure(viz.loss_figure(*args, **kwargs))


def accumulators_figure(*args, **kwargs) -> go.Figure:
    return as_figure(viz.accumulators_figure(*args, **kwargs))


def surface3d_figure(*args, **kwargs) -> go.Figure:
    return as_figure(viz.surface3d_figure(*args, **kwargs))


def schedule_preview_figure(*args, **kwargs) -> go.Figure:
    return as_figure(viz.schedule_preview_figure(*args, **kwargs))


def alt_text(fig: go.Figure) -> str:
    return viz.alt_text(fig.to_dict())


def redraw_flags(fig: go.Figure) -> list[bool]:
    return animation_redraw_flags(fig.to_dict())


PAPER = dict(learning_rate=1.0, epsilon=1e-6)


def start_of(objective):
    return np.asarray(objective.start, np.float32)


def make_runs(surface, optimizers, labels, steps):
    objective = Objective.from_surface(surface)
    traces = engine.run(objective, start_of(objective), optimizers, steps)
    return objective, [Run(label, trace) for label, trace in zip(labels, traces)]


@pytest.fixture(scope="module")
def rosenbrock():
    """Adadelta (with EMA overwrites), Adagrad and a diverging SGD, 300 steps."""
    return make_runs(
        "rosenbrock",
        (
            Adadelta(**PAPER, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=50),
            Adagrad(learning_rate=0.5),
            SGD(learning_rate=0.1),
        ),
        ["Adadelta", "Adagrad", "SGD"],
        300,
    )


@pytest.fixture(scope="module")
def saddle():
    """SGD leaves the saddle's domain along y and stays finite."""
    return make_runs("saddle", (SGD(learning_rate=0.1),), ["SGD"], 200)


def frame_step_names(fig):
    return [frame.name for frame in fig.frames]


def moving_indices(fig):
    return sorted({i for frame in fig.frames for i in frame.traces})


def trace_index(fig, name):
    matches = [i for i, trace in enumerate(fig.data) if trace.name == name]
    assert len(matches) == 1, (name, [t.name for t in fig.data])
    return matches[0]


# --- frame selection -------------------------------------------------------------------------


def test_frame_steps_short_run_keeps_every_step():
    path = np.cumsum(np.ones((51, 2)), axis=0)
    np.testing.assert_array_equal(frame_steps(50, [path]), np.arange(51))
    np.testing.assert_array_equal(frame_steps(50), np.arange(51))


def test_frame_steps_bounded_and_include_ends(rosenbrock):
    _, runs = rosenbrock
    frames = frame_steps(300, [run.trace.params for run in runs], max_frames=50)
    assert frames.size <= 50
    assert frames[0] == 0 and frames[-1] == 300
    assert np.all(np.diff(frames) > 0)


def test_frame_steps_dense_where_motion_is_fast():
    fast = np.linspace(0.0, 100.0, 101)  # steps of 1 for 100 steps
    slow = 100.0 + np.linspace(0.0, 1.0, 1901)[1:]  # then 1900 steps of ~0.0005
    x = np.concatenate([fast, slow])
    path = np.column_stack([x, np.zeros_like(x)])
    frames = frame_steps(2000, [path], max_frames=200)
    assert frames.size <= 200 and frames[0] == 0 and frames[-1] == 2000
    early = np.count_nonzero(frames <= 100)
    late = np.count_nonzero(frames >= 1900)
    # Uniform frames would put ~10 in each; half the frames follow the arc length.
    assert early > 80
    assert early > 5 * late


def test_frame_steps_robust_to_divergence(rosenbrock):
    _, runs = rosenbrock
    sgd = runs[2].trace.params
    assert not np.all(np.isfinite(sgd))
    last_finite = int(np.argmin(np.all(np.isfinite(sgd), axis=1))) - 1
    frames = frame_steps(300, [sgd, runs[0].trace.params], max_frames=100)
    assert frames.size <= 101 and frames[0] == 0 and frames[-1] == 300
    assert last_finite in frames
    # The overflowing step does not swallow the arc-length frames of the finite run.
    assert np.count_nonzero(frames > 10) > 40


def test_thin_trail_is_bounded_and_keeps_ends():
    steps = np.arange(0, 1000, 3)
    thinned = thin_trail(steps, 80)
    assert thinned.size <= 80 + 2
    assert thinned[0] == 0 and thinned[-1] == steps[-1]
    assert set(thinned) <= set(steps)


def test_series_decimation_keeps_spikes():
    values = np.ones(100_000)
    values[54_321] = 1e6
    keep = series_indices(values, 2000)
    assert keep.size <= 2002
    assert 54_321 in keep


# --- style -----------------------------------------------------------------------------------


def test_palette_is_distinct_in_colour_dash_and_marker():
    styles = list(STYLES.values())
    assert set(STYLES) == {"Adadelta", "Adagrad", "RMSprop", "SGD", "Adam"}
    for field in ("colour", "dash", "symbol"):
        values = [getattr(style, field) for style in styles]
        assert len(set(values)) == len(values), field


def test_styles_are_fixed_per_optimizer_and_distinct_for_repeats():
    first = styles_for(["Adagrad", "Adadelta (lr=1)"])
    assert first[1] == STYLES["Adadelta"] and first[0] == STYLES["Adagrad"]
    repeated = styles_for(["Adadelta", "Adadelta ρ=0.9", "my formula run"])
    assert repeated[0] == STYLES["Adadelta"]
    assert len({s.colour + s.dash + s.symbol for s in repeated}) == 3
    assert len({s.dash for s in repeated}) == 3


# --- contour ---------------------------------------------------------------------------------


def test_sgd_diverges_quickly_on_rosenbrock(rosenbrock):
    _, runs = rosenbrock
    assert runs[2].trace.diverged_at is not None and runs[2].trace.diverged_at <= 10
    assert runs[0].trace.diverged_at is None and runs[1].trace.diverged_at is None


def test_contour_axes_fixed_to_domain(rosenbrock):
    objective, runs = rosenbrock
    fig = contour_figure(objective, runs)
    (xmin, xmax), (ymin, ymax) = objective.domain
    assert tuple(fig.layout.xaxis.range) == (xmin, xmax)
    assert tuple(fig.layout.yaxis.range) == (ymin, ymax)
    assert fig.layout.xaxis.autorange is False and fig.layout.yaxis.autorange is False
    assert fig.layout.xaxis.title.text == "x" and fig.layout.yaxis.title.text == "y"
    assert fig.layout.title.text == "Paths on Rosenbrock"


def test_contour_surface_drawn_once_and_frames_touch_only_moving_traces(rosenbrock):
    objective, runs = rosenbrock
    fig = contour_figure(objective, runs, ema_runs=runs[:1])
    assert len(fig.layout.images) == 1 and fig.layout.images[0].source.startswith("data:image/png")
    moving = {
        i
        for i, trace in enumerate(fig.data)
        if trace.name in {run.label for run in runs}
        or trace.name.endswith(", current step")
        or trace.name.endswith("EMA (shadow weights)")
    }
    assert len(moving) == 2 * len(runs) + 1
    assert fig.data[0].name == "loss surface"
    assert 0 < len(fig.frames) <= 200
    for frame in fig.frames:
        assert set(frame.traces) == moving
        assert 0 not in frame.traces
        assert all(item.type == "scatter" for item in frame.data)
    assert all(flag is False for flag in redraw_flags(fig))
    assert frame_step_names(fig)[0] == "0" and frame_step_names(fig)[-1] == "300"
    slider_labels = [step.label for step in fig.layout.sliders[0].steps]
    assert slider_labels == frame_step_names(fig)


def test_contour_frames_end_at_the_exact_current_point(rosenbrock):
    objective, runs = rosenbrock
    fig = contour_figure(objective, runs[:2])
    current = trace_index(fig, "Adadelta, current step")
    trail = trace_index(fig, "Adadelta")
    params = runs[0].trace.params
    for frame in fig.frames:
        step = int(frame.name)
        by_index = dict(zip(frame.traces, frame.data))
        np.testing.assert_array_equal(by_index[current].x, params[step : step + 1, 0])
        assert by_index[trail].x[-1] == params[step, 0]
        assert len(by_index[trail].x) <= 90


def test_contour_uses_log_colour_for_rosenbrock():
    heights = sample(Objective.from_surface("rosenbrock"), 60)
    assert heights.log and "log" in heights.title
    assert heights.tickvals and len(heights.tickvals) == len(heights.ticktext)
    assert not sample(Objective.from_surface("matyas"), 30).log


def test_diverging_run_drawn_to_last_finite_point_and_labelled(rosenbrock):
    objective, runs = rosenbrock
    sgd = runs[2].trace
    step = sgd.diverged_at
    fig = contour_figure(objective, runs)
    whole = fig.data[trace_index(fig, "SGD (whole path)")]
    finite = np.all(np.isfinite(sgd.params), axis=1)
    last = int(np.flatnonzero(~finite)[0]) - 1
    np.testing.assert_array_equal(whole.x, sgd.params[: last + 1, 0])
    np.testing.assert_array_equal(whole.y, sgd.params[: last + 1, 1])
    marker = fig.data[trace_index(fig, f"SGD diverged at step {step}")]
    assert marker.x[0] == sgd.params[last, 0]
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert f"SGD diverged at step {step}" in texts
    assert f"diverged at step {step}" in alt_text(fig)


def test_off_domain_path_is_named_and_not_clipped(saddle):
    objective, runs = saddle
    trace = runs[0].trace
    assert trace.diverged_at is None
    fig = contour_figure(objective, runs)
    _, (ymin, ymax) = objective.domain
    outside = np.flatnonzero(np.abs(trace.params[:, 1]) > ymax)
    assert outside.size
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert f"SGD left the plot at step {outside[0]}" in texts
    whole = fig.data[trace_index(fig, "SGD (whole path)")]
    np.testing.assert_array_equal(whole.y, trace.params[:, 1])
    assert np.max(np.abs(whole.y)) > 1e6 * ymax
    assert tuple(fig.layout.yaxis.range) == (ymin, ymax)


def test_ema_path_is_animated_and_overwrite_jumps_marked(rosenbrock):
    objective, runs = rosenbrock
    jumps = ema_jumps(runs[0])
    np.testing.assert_array_equal(jumps, [50, 100, 150, 200, 250, 300])
    fig = contour_figure(objective, runs[:1], ema_runs=runs[:1])
    shadow = trace_index(fig, "Adadelta EMA (shadow weights)")
    assert fig.data[shadow].line.dash == "dot"
    assert fig.data[shadow].line.color == STYLES["Adadelta"].colour
    assert all(shadow in frame.traces for frame in fig.frames)
    marks = fig.data[trace_index(fig, "Adadelta: weights overwritten by EMA (6×)")]
    np.testing.assert_array_equal(marks.customdata, jumps)


def test_contour_accepts_frames_from_the_page(rosenbrock):
    objective, runs = rosenbrock
    fig = contour_figure(objective, runs, frames=[0, 10, 300])
    assert frame_step_names(fig) == ["0", "10", "300"]
    with pytest.raises(ValueError, match="within"):
        contour_figure(objective, runs, frames=[0, 301])


# --- per-step figures ------------------------------------------------------------------------


def test_animated_figures_share_frame_names(rosenbrock):
    objective, runs = rosenbrock
    frames = frame_steps(300, [run.trace.params for run in runs])
    figs = [
        contour_figure(objective, runs, frames=frames),
        effective_lr_figure(runs, frames=frames),
        loss_figure(runs, frames=frames),
        accumulators_figure(runs, frames=frames),
    ]
    names = [frame_step_names(fig) for fig in figs]
    assert names[0] == [str(step) for step in frames]
    assert all(other == names[0] for other in names[1:])


@pytest.mark.parametrize("builder", [effective_lr_figure, loss_figure, accumulators_figure])
def test_step_figures_move_only_the_cursor(rosenbrock, builder):
    _, runs = rosenbrock
    fig = builder(runs)
    cursors = [i for i, trace in enumerate(fig.data) if trace.name == "current step"]
    assert cursors and moving_indices(fig) == cursors
    for frame in fig.frames:
        step = int(frame.name)
        assert all(list(item.x) == [step, step] for item in frame.data)
    assert all(flag is False for flag in redraw_flags(fig))
    y_axes = [fig.layout[name] for name in fig.layout if name.startswith("yaxis")]
    assert y_axes
    for axis in y_axes:
        assert axis.type == "log" and axis.autorange is False
    assert fig.layout.xaxis.autorange is False


def test_effective_lr_panels_and_hints(rosenbrock):
    _, runs = rosenbrock
    fig = effective_lr_figure(runs)
    titles = {a.text for a in fig.layout.annotations}
    assert {"x dimension", "y dimension"} <= titles
    assert "Adagrad's rate only decays" in titles
    assert any(text.startswith("Adadelta's rate") for text in titles)
    # Each hint's text sits inside its own panel (so it cannot leave the figure), on its own row.
    hints = [a for a in fig.layout.annotations if a.showarrow]
    assert len(hints) >= 2
    for hint in hints:
        assert (hint.axref, hint.ayref) == (hint.xref, hint.yref)
        x_range = fig.layout["xaxis" + hint.xref[1:]].range
        y_range = fig.layout["yaxis" + hint.yref[1:]].range
        assert x_range[0] < hint.ax < x_range[1] and y_range[0] < hint.ay < y_range[1]
    rows = [(hint.yref, hint.ay) for hint in hints]
    assert len(set(rows)) == len(rows)
    adagrad = [t for t in fig.data if t.name == "Adagrad"]
    assert len(adagrad) == 2 and all(t.connectgaps for t in adagrad)
    assert adagrad[0].line.dash == STYLES["Adagrad"].dash
    assert "step" in adagrad[0].hovertemplate


def test_side_by_side_moves_the_hints_with_their_panels(rosenbrock):
    objective, runs = rosenbrock
    spec = viz.effective_lr_figure(runs)
    merged = as_figure(viz.side_by_side(viz.contour_figure(objective, runs), spec, title="both"))
    rates = as_figure(spec)  # unchanged by the merge
    before = [a for a in rates.layout.annotations if a.showarrow]
    after = [a for a in merged.layout.annotations if a.showarrow and a.xref != "x"]
    assert len(after) == len(before) >= 2
    for old, new in zip(before, after):
        assert (new.axref, new.ayref) == (new.xref, new.yref) != (old.xref, old.yref)
        assert (new.ax, new.ay, new.x, new.y) == (old.ax, old.ay, old.x, old.y)
        assert (
            merged.layout["xaxis" + new.xref[1:]].range
            == rates.layout["xaxis" + old.xref[1:]].range
        )


def test_effective_lr_bridges_accumulation_micro_steps():
    _, runs = make_runs(
        "rosenbrock",
        (Adadelta(**PAPER, gradient_accumulation_steps=3),),
        ["Adadelta"],
        60,
    )
    assert np.isnan(runs[0].trace.effective_lr[0, 0])
    fig = effective_lr_figure(runs)
    line = fig.data[0]
    assert line.connectgaps
    assert np.count_nonzero(np.isfinite(np.asarray(line.y, float))) == 20


def test_loss_shifted_when_it_goes_negative():
    _, runs = make_runs("styblinski_tang", (Adam(learning_rate=0.1),), ["Adam"], 200)
    assert np.min(runs[0].trace.loss) < 0
    fig = loss_figure(runs)
    assert "shifted" in fig.layout.yaxis.title.text
    assert np.all(np.asarray(fig.data[0].y, float) > 0)


def test_loss_marks_divergence(rosenbrock):
    _, runs = rosenbrock
    fig = loss_figure(runs)
    step = runs[2].trace.diverged_at
    assert trace_index(fig, f"SGD diverged at step {step}")
    assert f"diverged at step {step}" in alt_text(fig)


def test_accumulators_name_each_quantity():
    _, runs = make_runs(
        "rosenbrock",
        (Adadelta(**PAPER), Adagrad(learning_rate=0.5), RMSprop(), Adam(), SGD()),
        ["Adadelta", "Adagrad", "RMSprop", "Adam", "SGD"],
        50,
    )
    fig = accumulators_figure(runs)
    names = {t.name for t in fig.data if t.showlegend is not False}
    assert {"Adadelta E[g²]", "Adadelta E[Δx²]", "Adagrad A₀ + Σg²", "RMSprop E[g²]"} <= names
    assert any(name.startswith("Adam v") for name in names)
    hovers = " ".join(t.hovertemplate or "" for t in fig.data)
    assert "Adadelta E[g²] (x)" in hovers and "Adadelta E[g²] (y)" in hovers
    assert "SGD: no squared-gradient state" in " ".join(a.text for a in fig.layout.annotations)


# --- every figure ----------------------------------------------------------------------------


def all_figures(objective, runs):
    steps = np.arange(100)
    return [
        contour_figure(objective, runs),
        surface3d_figure(objective, runs),
        effective_lr_figure(runs),
        loss_figure(runs),
        accumulators_figure(runs),
        schedule_preview_figure(steps, 0.1 * 0.96 ** (steps / 10), "ExponentialDecay"),
    ]


def axis_titles(fig):
    if fig.layout.scene.xaxis.title.text:
        scene = fig.layout.scene
        return [scene.xaxis.title.text, scene.yaxis.title.text, scene.zaxis.title.text]
    layout = fig.layout
    axes = [layout[name] for name in layout if name.startswith(("xaxis", "yaxis"))]
    return [axis.title.text for axis in axes if axis.title.text]


def test_every_figure_is_labelled_and_stable_across_reruns(rosenbrock):
    objective, runs = rosenbrock
    for fig in all_figures(objective, runs):
        assert isinstance(fig, go.Figure)
        assert fig.layout.title.text
        titles = axis_titles(fig)
        assert len(titles) >= 2 and all(titles)
        assert fig.layout.template.layout.paper_bgcolor == "white"
        assert fig.layout.uirevision
        assert alt_text(fig) and fig.layout.meta["alt"]


def test_schedule_preview_is_small():
    fig = schedule_preview_figure(np.arange(50), np.linspace(1.0, 0.1, 50), "PolynomialDecay")
    assert fig.layout.height == 180
    assert fig.layout.title.text == "PolynomialDecay"


def test_surface3d_fixed_ranges_and_unclipped_paths(saddle):
    objective, runs = saddle
    fig = surface3d_figure(objective, runs)
    (xmin, xmax), (ymin, ymax) = objective.domain
    assert tuple(fig.layout.scene.xaxis.range) == (xmin, xmax)
    assert tuple(fig.layout.scene.yaxis.range) == (ymin, ymax)
    path = fig.data[trace_index(fig, "SGD")]
    np.testing.assert_array_equal(path.y, runs[0].trace.params[:, 1])
    assert "SGD left the plot" in " ".join(a.text for a in fig.layout.annotations)


# --- size ------------------------------------------------------------------------------------


def json_megabytes(spec):
    return json_size(spec) / 1e6


@pytest.mark.parametrize(
    ("count", "steps", "limit"),
    [(2, 2000, 1.0), (5, 10_000, 1.5)],
)
def test_contour_json_size(count, steps, limit):
    optimizers = (
        Adadelta(**PAPER),
        Adagrad(learning_rate=0.5),
        RMSprop(learning_rate=0.01),
        SGD(learning_rate=0.1),
        Adam(learning_rate=0.05),
    )[:count]
    labels = ["Adadelta", "Adagrad", "RMSprop", "SGD", "Adam"][:count]
    objective, runs = make_runs("rosenbrock", optimizers, labels, steps)
    spec = viz.contour_figure(objective, runs)
    size = json_megabytes(spec)
    assert size <= 0.9 * limit, size
    json.loads(as_figure(spec).to_json())
    others = (viz.effective_lr_figure(runs), viz.loss_figure(runs), viz.accumulators_figure(runs))
    for other in others:
        assert json_megabytes(other) <= 0.5 * limit
