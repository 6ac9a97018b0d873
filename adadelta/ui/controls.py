"""The control table: every argument's widget, declared once.

Each ``Control`` is an argument under its exact Keras name, with a one-line help text, the
widget's range and default, and its URL key. Pages render groups of controls with
``render``; the URL state (``adadelta.ui.state``) and the optimizer factory (``build``) derive
from the same declarations, so a control added here appears everywhere at once.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from adadelta.problems import DATASETS, SURFACES
from adadelta.problems.surfaces import FORMULA_START

OPTIONAL = "optional"  # a number that may be left empty, meaning Keras's None


@dataclasses.dataclass(frozen=True)
class Control:
    """One argument's widget.

    Attributes:
        name: the exact Keras argument name (the widget's label).
        help: one line shown as the widget's tooltip.
        default: the page's default (may differ from Keras's to make motion visible; then the
            help text says Keras's default).
        kind: ``"float"``, ``"int"``, ``"unit"`` (slider on [low, high]), ``"bool"``,
            ``"text"``, ``"choice"`` or ``"multi"`` (several of the options).
        low, high, step: the widget's range and step.
        optional: the number input may be empty, which means None (the argument is off).
        options: the choices of a ``"choice"`` control.
        format: printf-style display format of number inputs.
    """

    name: str
    help: str
    default: Any
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    step: float | None = None
    optional: bool = False
    options: tuple[str, ...] = ()
    format: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def label_of(self, option: str) -> str:
        """How a choice is displayed (its key stays in the URL)."""
        return dict(self.labels).get(option, option)

    def key(self, group: str) -> str:
        """The widget key and URL parameter name, e.g. ``adadelta.rho``."""
        return f"{group}.{self.name}"

    def parse(self, text: str) -> Any:
        """Parses a URL value; raises ValueError with a message naming the argument."""
        if self.optional and text.lower() in ("", "none"):
            return None
        if self.kind == "bool":
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"`{self.name}` must be true or false, not {text!r}")
        if self.kind == "text":
            if len(text) > 300:
                raise ValueError(f"`{self.name}` is longer than 300 characters")
            return text
        if self.kind == "multi":
            chosen = [part.strip() for part in text.split(",") if part.strip()]
            unknown = [c for c in chosen if c not in self.options]
            if unknown:
                raise ValueError(f"`{self.name}` may only list {', '.join(self.options)}")
            return chosen
        if self.kind == "choice":
            if text not in self.options:
                raise ValueError(f"`{self.name}` must be one of {', '.join(self.options)}")
            return text
        try:
            value = int(text) if self.kind == "int" else float(text)
        except ValueError:
            raise ValueError(f"`{self.name}` must be a number, not {text!r}") from None
        return self.clamp(value)

    def clamp(self, value: float) -> float:
        """Clamps a number into the widget's range (out-of-range URL values are clamped)."""
        if value != value:  # NaN
            raise ValueError(f"`{self.name}` must be a number, not NaN")
        if self.low is not None and value < self.low:
            raise ValueError(f"`{self.name}` = {value:g} is below {self.low:g}")
        if self.high is not None and value > self.high:
            raise ValueError(f"`{self.name}` = {value:g} is above {self.high:g}")
        return value


def _lr(default: float, keras_default: float) -> Control:
    note = "" if default == keras_default else f" Keras's default is {keras_default:g}."
    return Control(
        "learning_rate",
        f"η, the step multiplier.{note}",
        default,
        low=-10.0,
        high=100.0,
        step=0.001,
        format="%g",
    )


def _epsilon(default: float = 1e-7) -> Control:
    return Control(
        "epsilon",
        "ε, added inside the square roots so they never divide by zero (Keras: 1e-7).",
        default,
        low=0.0,
        high=1.0,
        step=1e-7,
        format="%.1e",
    )


ADADELTA = (
    Control(
        "rho",
        "ρ, the decay rate of both running averages E[g²] and E[Δx²]; memory ≈ 1/(1−ρ) steps.",
        0.95,
        kind="unit",
        low=0.0,
        high=1.0,
        step=0.001,
    ),
    _epsilon(1e-6),
    Control(
        "name",
        "The optimizer's name: only prefixes Keras's variable names, no numeric effect.",
        "adadelta",
        kind="text",
    ),
)

ADAGRAD = (
    _lr(1.0, 0.001),
    Control(
        "initial_accumulator_value",
        "A₀, the starting value of Adagrad's sum of squared gradients.",
        0.1,
        low=0.0,
        high=100.0,
        step=0.01,
        format="%g",
    ),
    _epsilon(),
)

RMSPROP = (
    _lr(0.01, 0.001),
    Control(
        "rho",
        "Decay rate of the running average of g².",
        0.9,
        kind="unit",
        low=0.0,
        high=1.0,
        step=0.001,
    ),
    Control(
        "momentum",
        "Momentum μ in [0, 1]; 0 switches it off.",
        0.0,
        kind="unit",
        low=0.0,
        high=1.0,
        step=0.01,
    ),
    _epsilon(),
    Control(
        "centered",
        "Divide by the gradient's variance instead of its second moment.",
        False,
        kind="bool",
    ),
)

SGD = (
    _lr(0.001, 0.01),
    Control(
        "momentum",
        "Momentum μ in [0, 1]; 0 is plain gradient descent.",
        0.0,
        kind="unit",
        low=0.0,
        high=1.0,
        step=0.01,
    ),
    Control("nesterov", "Use Nesterov momentum.", False, kind="bool"),
)

ADAM = (
    _lr(0.05, 0.001),
    Control(
        "beta_1",
        "Decay rate of the first moment (the running mean of g).",
        0.9,
        kind="unit",
        low=0.0,
        high=0.999,
        step=0.001,
    ),
    Control(
        "beta_2",
        "Decay rate of the second moment (the running mean of g²).",
        0.999,
        kind="unit",
        low=0.0,
        high=0.9999,
        step=0.0001,
        format="%.4f",
    ),
    _epsilon(),
    Control(
        "amsgrad", "Use AMSGrad: divide by the largest second moment so far.", False, kind="bool"
    ),
)

PIPELINE = (
    Control(
        "weight_decay",
        "Decoupled weight decay λ: w ← w − (w·λ)·η before each update. Empty = None (off).",
        None,
        low=0.0,
        high=10.0,
        step=0.001,
        optional=True,
        format="%g",
    ),
    Control(
        "clipping",
        "Which of Keras's three clipping arguments to set (Keras allows at most one).",
        "None",
        kind="choice",
        options=("None", "clipnorm", "clipvalue", "global_clipnorm"),
    ),
    Control(
        "use_ema", "Keep an exponential moving average (EMA) of the weights.", False, kind="bool"
    ),
    Control(
        "ema_momentum",
        "The EMA's momentum: avg ← m·avg + (1−m)·w (the first update copies w).",
        0.99,
        kind="unit",
        low=0.0,
        high=1.0,
        step=0.001,
    ),
    Control(
        "ema_overwrite_frequency",
        "With use_ema, overwrite the weights with their EMA every this many iterations. "
        "Empty = None.",
        None,
        kind="int",
        low=1,
        high=100_000,
        step=1,
        optional=True,
    ),
    Control(
        "loss_scale_factor",
        "Gradients are divided by this first (mixed-precision loss scaling). Empty = None.",
        None,
        low=1e-6,
        high=1e9,
        step=1.0,
        optional=True,
        format="%g",
    ),
    Control(
        "gradient_accumulation_steps",
        "Update once every n calls with the mean of the n gradients. Empty = None (off).",
        None,
        kind="int",
        low=2,
        high=1000,
        step=1,
        optional=True,
    ),
)

CLIP_THRESHOLDS = {
    name: Control(name, text, 1.0, low=1e-6, high=1e6, step=0.1, format="%g")
    for name, text in (
        (
            "clipnorm",
            "Clip each gradient array to this L2 norm (> 0); here x and y form one array.",
        ),
        ("clipvalue", "Clip each gradient element to [−clipvalue, clipvalue] (> 0)."),
        ("global_clipnorm", "Clip all gradients jointly to this global L2 norm (> 0)."),
    )
}

# The learning-rate forms of Adadelta: a constant, each Keras schedule, or a formula in t.
LR_KINDS = (
    "constant",
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "InverseTimeDecay",
    "CosineDecay",
    "CosineDecayRestarts",
    "formula in t",
)

LR_KIND = Control(
    "learning_rate",
    "η: a constant, one of Keras's schedules (evaluated at the raw step counter) or a formula.",
    "constant",
    kind="choice",
    options=LR_KINDS,
)

_INITIAL = Control(
    "initial_learning_rate",
    "The learning rate at step 0.",
    1.0,
    low=-10.0,
    high=100.0,
    step=0.01,
    format="%g",
)


def _steps(name: str, default: int, what: str) -> Control:
    return Control(name, what, default, kind="int", low=1, high=1_000_000, step=1)


SCHEDULES: dict[str, tuple[Control, ...]] = {
    "constant": (_lr(1.0, 0.001),),
    "ExponentialDecay": (
        _INITIAL,
        _steps("decay_steps", 200, "Steps over which the rate is multiplied by decay_rate."),
        Control(
            "decay_rate",
            "Factor applied every decay_steps steps.",
            0.5,
            low=1e-6,
            high=10.0,
            step=0.05,
            format="%g",
        ),
        Control("staircase", "Decay in discrete jumps instead of smoothly.", False, kind="bool"),
    ),
    "PiecewiseConstantDecay": (
        Control(
            "boundaries",
            "Comma-separated steps where the rate changes, e.g. 300, 800.",
            "300, 800",
            kind="text",
        ),
        Control(
            "values",
            "Comma-separated rates, one more than boundaries, e.g. 1, 0.5, 0.1.",
            "1.0, 0.5, 0.1",
            kind="text",
        ),
    ),
    "PolynomialDecay": (
        _INITIAL,
        _steps("decay_steps", 1000, "Steps to go from initial to end_learning_rate."),
        Control(
            "end_learning_rate",
            "The rate after decay_steps.",
            0.0001,
            low=0.0,
            high=100.0,
            step=0.0001,
            format="%g",
        ),
        Control(
            "power",
            "Exponent of the polynomial (1 = linear).",
            1.0,
            low=1e-3,
            high=10.0,
            step=0.1,
            format="%g",
        ),
        Control(
            "cycle",
            "Restart the decay after decay_steps (in growing multiples).",
            False,
            kind="bool",
        ),
    ),
    "InverseTimeDecay": (
        _INITIAL,
        _steps("decay_steps", 200, "The time scale of the decay."),
        Control(
            "decay_rate",
            "η₀ / (1 + decay_rate · t / decay_steps).",
            0.5,
            low=0.0,
            high=100.0,
            step=0.05,
            format="%g",
        ),
        Control("staircase", "Decay in discrete jumps instead of smoothly.", False, kind="bool"),
    ),
    "CosineDecay": (
        _INITIAL,
        _steps("decay_steps", 1000, "Length of the cosine decay (after any warmup)."),
        Control(
            "alpha",
            "Final rate as a fraction of the peak.",
            0.0,
            kind="unit",
            low=0.0,
            high=1.0,
            step=0.01,
        ),
        Control(
            "warmup_target",
            "Peak reached by a linear warmup from initial_learning_rate. Empty = None (no warmup).",
            None,
            low=-10.0,
            high=100.0,
            step=0.01,
            optional=True,
            format="%g",
        ),
        _steps(
            "warmup_steps",
            100,
            "Length of the warmup (ignored when warmup_target is None, as in Keras).",
        ),
    ),
    "CosineDecayRestarts": (
        _INITIAL,
        _steps("first_decay_steps", 200, "Length of the first cosine cycle."),
        Control(
            "t_mul",
            "Each cycle is t_mul times longer than the previous one.",
            2.0,
            low=0.01,
            high=10.0,
            step=0.1,
            format="%g",
        ),
        Control(
            "m_mul",
            "Each restart peaks at m_mul times the previous peak.",
            1.0,
            low=0.0,
            high=10.0,
            step=0.05,
            format="%g",
        ),
        Control(
            "alpha",
            "Minimum rate as a fraction of initial_learning_rate.",
            0.0,
            kind="unit",
            low=0.0,
            high=1.0,
            step=0.01,
        ),
    ),
    "formula in t": (
        Control(
            "learning_rate(t)",
            "A formula in the raw step t, e.g. 1/(1 + 0.01*t) or 0.5*(1 + cos(pi*t/2000)).",
            "1/(1 + 0.002*t)",
            kind="text",
        ),
    ),
}

RELATIVES: dict[str, tuple[Control, ...]] = {
    "Adagrad": ADAGRAD,
    "RMSprop": RMSPROP,
    "SGD": SGD,
    "Adam": ADAM,
}

ALL_OPTIMIZERS = ("Adadelta", *RELATIVES)


PROBLEM = (
    Control(
        "formula",
        "f(x, y) using + - * / ** ^, sin cos tan exp log sqrt abs tanh min max, pi and e.",
        "x**2 + 5*y**2 + sin(3*x)",
        kind="text",
    ),
    Control(
        "axis_scale",
        "s in f(x, s·y): stretches the y axis. Adadelta's steps are in the units of each "
        "parameter, so it copes with s better than Adagrad and SGD.",
        1.0,
        low=0.01,
        high=100.0,
        step=0.1,
        format="%g",
    ),
    Control(
        "noise_sigma",
        "σ of Gaussian noise added to every gradient (the loss shown stays noise-free).",
        0.0,
        low=0.0,
        high=100.0,
        step=0.1,
        format="%g",
    ),
    Control(
        "seed", "Random seed of the gradient noise.", 0, kind="int", low=0, high=2**31 - 1, step=1
    ),
    Control(
        "num_steps",
        "Number of optimizer calls (apply() in Keras).",
        2000,
        kind="int",
        low=1,
        high=10_000,
        step=100,
    ),
    Control(
        "compare",
        "Optimizers drawn beside Adadelta.",
        ["Adagrad"],
        kind="multi",
        options=("Adagrad", "RMSprop", "SGD", "Adam"),
    ),
)


SURFACE = Control(
    "surface",
    "The loss surface f(x, y); 'Custom formula' lets you type your own.",
    "rosenbrock",
    kind="choice",
    options=(*SURFACES, "custom"),
    labels=(
        *((key, surface.title) for key, surface in SURFACES.items()),
        ("custom", "Custom formula"),
    ),
)


def surface_controls(surface: str) -> tuple[Control, ...]:
    """The shape parameters of a surface (sliders) and its start point (group ``surface.<key>``)."""
    if surface == "custom":
        shape, start = (), FORMULA_START
    else:
        shape = tuple(
            Control(
                name, p.help, p.default, kind="unit", low=p.lo, high=p.hi, step=(p.hi - p.lo) / 200
            )
            for name, p in SURFACES[surface].shape_params.items()
        )
        start = SURFACES[surface].start
    starts = tuple(
        Control(
            name,
            f"Start {axis}; or click the contour plot to pick a start.",
            float(value),
            low=-1e4,
            high=1e4,
            step=0.1,
            format="%g",
        )
        for name, axis, value in (("x0", "x", start[0]), ("y0", "y", start[1]))
    )
    return shape + starts


NETWORK = (
    Control(
        "dataset",
        "The toy data set (TF Playground's, plus moons and a regression plane).",
        "spiral",
        kind="choice",
        options=tuple(DATASETS),
        labels=tuple((key, spec.title) for key, spec in DATASETS.items()),
    ),
    Control(
        "n_points", "Number of points (train + test).", 512, kind="int", low=50, high=2000, step=50
    ),
    Control(
        "noise",
        "How noisy the data are (0 = clean); its meaning per data set is in the note.",
        0.1,
        kind="unit",
        low=0.0,
        high=0.5,
        step=0.01,
    ),
    Control(
        "test_fraction",
        "Share of the points held out for testing.",
        0.5,
        kind="unit",
        low=0.1,
        high=0.9,
        step=0.05,
    ),
    Control(
        "data_seed",
        "Seed of the data and of the initial weights.",
        0,
        kind="int",
        low=0,
        high=2**31 - 1,
        step=1,
    ),
    Control("hidden_layers", "Number of hidden layers.", 2, kind="int", low=1, high=4, step=1),
    Control("width", "Neurons per hidden layer.", 16, kind="int", low=2, high=32, step=1),
    Control(
        "activation",
        "Activation of the hidden layers.",
        "tanh",
        kind="choice",
        options=("tanh", "relu", "sigmoid"),
    ),
    Control(
        "batch_size",
        "Minibatch size, drawn inside the scan each step. Empty = full batch.",
        None,
        kind="int",
        low=1,
        high=2000,
        step=8,
        optional=True,
    ),
    Control(
        "num_steps", "Number of optimizer calls.", 2000, kind="int", low=10, high=5000, step=100
    ),
    Control(
        "compare",
        "Optimizers trained beside Adadelta, from the same initial weights on the same batches.",
        ["Adagrad"],
        kind="multi",
        options=("Adagrad", "RMSprop", "SGD", "Adam"),
    ),
)


def optimizer_controls() -> list[tuple[str, Control]]:
    """The (group, control) pairs of every optimizer argument: shared by all pages."""
    pairs = [("adadelta", LR_KIND)]
    pairs += [("adadelta", c) for c in ADADELTA]
    pairs += [(f"lr.{kind}", c) for kind, controls in SCHEDULES.items() for c in controls]
    pairs += [("pipeline", c) for c in (*PIPELINE, *CLIP_THRESHOLDS.values())]
    pairs += [(name.lower(), c) for name, controls in RELATIVES.items() for c in controls]
    return pairs


def surface_page_controls() -> list[tuple[str, Control]]:
    """Every (group, control) pair of the loss-surface page, for its URL state."""
    pairs = [("problem", c) for c in (SURFACE, *PROBLEM)]
    pairs += [(f"surface.{key}", c) for key in SURFACE.options for c in surface_controls(key)]
    return pairs + optimizer_controls()


def network_page_controls() -> list[tuple[str, Control]]:
    """Every (group, control) pair of the network page, for its URL state."""
    return [("network", c) for c in NETWORK] + optimizer_controls()
