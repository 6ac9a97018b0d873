"""The control table: every control of every page, declared once.

Each control is an argument under its exact Keras name with a one-line help text, its kind
(``adadelta.ui.kinds``), its range and, where the page departs from Keras, its page default.
Keras's defaults are not typed here: each group reads them from the signature of the optimizer
or schedule it configures, and a help text names Keras's default where the page's differs.

A key is never typed outside this table: take it from a control,
``ADADELTA["rho"].key == "adadelta.rho"``, or a group helper (``schedule``, ``surface``,
``relative``). The keys are the URL parameters of shared links, so they keep their form
``<group>.<keras name>``. ``adadelta.ui.pagestate`` turns a page's values into what it runs.
"""

from __future__ import annotations

from typing import Any

from adadelta import optim
from adadelta.optim import schedules
from adadelta.problems import DATASETS, SURFACES, datasets, mlp
from adadelta.problems.surfaces import FORMULA_START

from .kinds import (
    MISSING,
    Checkbox,
    Choice,
    Control,
    Group,
    Integer,
    MultiChoice,
    Number,
    Slider,
    Text,
)

ZEILER = {"learning_rate": 1.0, "rho": 0.95, "epsilon": 1e-6}
"""Zeiler (2012, arXiv:1212.5701) §4: ρ = 0.95, ε = 1e-6, and η = 1 (no global rate), which
Keras's documentation names as the paper's form. The pages open on it: motion is visible."""


FIRST_VIEW = {"surface": "goldstein_price", "start": (0.8, -0.3)}
"""What the explorer opens on, with the paper's Adadelta (``ZEILER``) beside Adagrad as the page
sets it: a steep start above a long, gently sloping valley floor. Adagrad's first step (about
η per coordinate) lands on a steep wall; those squared gradients stay in its sum for good, so
its rate stays tiny and it crawls down the floor, while Adadelta's running averages forget them
and its rate grows until it reaches the global minimum. The page's lesson is visible in its
default view. Chosen by ``bench/first_view.py`` over every surface and a grid of starts; the
claim is checked by running the engine in ``tests/test_first_view.py``."""


def _lr(default: float) -> Number:
    return Number(
        "learning_rate", "η, the step multiplier.", default, low=-10.0, high=100.0, step=0.001
    )


def _epsilon(default: Any = MISSING) -> Number:
    return Number(
        "epsilon",
        "ε, added inside the square roots so they never divide by zero.",
        default,
        low=0.0,
        high=1.0,
        step=1e-7,
        format="%.1e",
    )


def _unit(name: str, help: str, *, high: float = 1.0, step: float = 0.001, **kw: Any) -> Slider:
    return Slider(name, help, low=0.0, high=high, step=step, **kw)


ADADELTA = Group(
    "adadelta",
    (
        _unit(
            "rho",
            "ρ, the decay rate of both running averages E[g²] and E[Δx²]; memory ≈ 1/(1−ρ) steps.",
        ),
        _epsilon(ZEILER["epsilon"]),
        Text(
            "name", "The optimizer's name: only prefixes Keras's variable names, no numeric effect."
        ),
    ),
    optim.Adadelta,
)


def _initial() -> Number:
    return Number(
        "initial_learning_rate",
        "The learning rate at step 0.",
        ZEILER["learning_rate"],
        low=-10.0,
        high=100.0,
        step=0.01,
    )


def _steps(name: str, default: int, help: str) -> Integer:
    return Integer(name, help, default, low=1, high=1_000_000, step=1)


def _staircase() -> Checkbox:
    return Checkbox("staircase", "Decay in discrete jumps instead of smoothly.")


def _form(kind: str, *members: Control, signature_of: Any = None) -> tuple[str, Group]:
    """A form of learning_rate: its controls under ``lr.<kind>``, defaults from its signature."""
    return kind, Group(f"lr.{kind}", members, signature_of or getattr(schedules, kind, None))


SCHEDULES: dict[str, Group] = dict(
    (
        _form("constant", _lr(ZEILER["learning_rate"]), signature_of=optim.Adadelta),
        _form(
            "ExponentialDecay",
            _initial(),
            _steps("decay_steps", 200, "Steps over which the rate is multiplied by decay_rate."),
            Number(
                "decay_rate",
                "Factor applied every decay_steps steps.",
                0.5,
                low=1e-6,
                high=10.0,
                step=0.05,
            ),
            _staircase(),
        ),
        _form(
            "PiecewiseConstantDecay",
            Text(
                "boundaries",
                "Comma-separated steps where the rate changes, e.g. 300, 800.",
                "300, 800",
            ),
            Text(
                "values",
                "Comma-separated rates, one more than boundaries, e.g. 1, 0.5, 0.1.",
                "1.0, 0.5, 0.1",
            ),
        ),
        _form(
            "PolynomialDecay",
            _initial(),
            _steps("decay_steps", 1000, "Steps to go from initial to end_learning_rate."),
            Number(
                "end_learning_rate", "The rate after decay_steps.", low=0.0, high=100.0, step=1e-4
            ),
            Number(
                "power", "Exponent of the polynomial (1 = linear).", low=1e-3, high=10.0, step=0.1
            ),
            Checkbox("cycle", "Restart the decay after decay_steps (in growing multiples)."),
        ),
        _form(
            "InverseTimeDecay",
            _initial(),
            _steps("decay_steps", 200, "The time scale of the decay."),
            Number(
                "decay_rate",
                "η₀ / (1 + decay_rate · t / decay_steps).",
                0.5,
                low=0.0,
                high=100.0,
                step=0.05,
            ),
            _staircase(),
        ),
        _form(
            "CosineDecay",
            _initial(),
            _steps("decay_steps", 1000, "Length of the cosine decay (after any warmup)."),
            _unit("alpha", "Final rate as a fraction of the peak.", step=0.01),
            Number(
                "warmup_target",
                "Peak reached by a linear warmup from initial_learning_rate. Empty = None "
                "(no warmup).",
                low=-10.0,
                high=100.0,
                step=0.01,
                optional=True,
            ),
            _steps(
                "warmup_steps",
                100,
                "Length of the warmup (ignored when warmup_target is None, as in Keras).",
            ),
        ),
        _form(
            "CosineDecayRestarts",
            _initial(),
            _steps("first_decay_steps", 200, "Length of the first cosine cycle."),
            Number(
                "t_mul",
                "Each cycle is t_mul times longer than the previous one.",
                low=0.01,
                high=10.0,
                step=0.1,
            ),
            Number(
                "m_mul",
                "Each restart peaks at m_mul times the previous peak.",
                low=0.0,
                high=10.0,
                step=0.05,
            ),
            _unit("alpha", "Minimum rate as a fraction of initial_learning_rate.", step=0.01),
        ),
        _form(
            "formula in t",
            Text(
                "learning_rate(t)",
                "A formula in the raw step t, e.g. 1/(1 + 0.01*t) or 0.5*(1 + cos(pi*t/2000)).",
                "1/(1 + 0.002*t)",
            ),
        ),
    )
)

LR_KINDS = tuple(SCHEDULES)
"""Adadelta's forms of ``learning_rate``: a constant, each Keras schedule, or a formula in t."""

LEARNING_RATE = Group(
    "adadelta",
    (
        Choice(
            "learning_rate",
            "η: a constant, one of Keras's schedules (evaluated at the raw step counter) or a "
            "formula.",
            "constant",
            options=LR_KINDS,
            label="learning_rate: its form",
        ),
    ),
)
LR_KIND = LEARNING_RATE["learning_rate"]
"""Which form Adadelta's learning_rate takes (URL ``adadelta.learning_rate``)."""


def schedule(kind: str) -> Group:
    """The controls of one form of Adadelta's learning_rate (group ``lr.<kind>``)."""
    return SCHEDULES[kind]


CLIPPING_ARGUMENTS = ("clipnorm", "clipvalue", "global_clipnorm")
"""Keras's three clipping arguments, of which at most one may be set."""

PIPELINE = Group(
    "pipeline",
    (
        Number(
            "weight_decay",
            "Decoupled weight decay λ: w ← w − (w·λ)·η before each update. Empty = None (off).",
            low=0.0,
            high=10.0,
            step=0.001,
            optional=True,
        ),
        Choice(
            "clipping",
            "Which of Keras's three clipping arguments to set (Keras allows at most one).",
            "None",
            options=("None", *CLIPPING_ARGUMENTS),
        ),
        *(
            Number(name, help, 1.0, low=1e-6, high=1e6, step=0.1, when=("clipping", name))
            for name, help in (
                (
                    "clipnorm",
                    "Clip each gradient array to this L2 norm (> 0); here x and y form one array.",
                ),
                ("clipvalue", "Clip each gradient element to [−clipvalue, clipvalue] (> 0)."),
                ("global_clipnorm", "Clip all gradients jointly to this global L2 norm (> 0)."),
            )
        ),
        Checkbox("use_ema", "Keep an exponential moving average (EMA) of the weights."),
        _unit(
            "ema_momentum",
            "The EMA's momentum: avg ← m·avg + (1−m)·w (the first update copies w).",
            when=("use_ema", True),
        ),
        Integer(
            "ema_overwrite_frequency",
            "With use_ema, overwrite the weights with their EMA every this many iterations. "
            "Empty = None.",
            low=1,
            high=100_000,
            step=1,
            optional=True,
            when=("use_ema", True),
        ),
        Number(
            "loss_scale_factor",
            "Gradients are divided by this first (mixed-precision loss scaling). Empty = None.",
            low=1e-6,
            high=1e9,
            step=1.0,
            optional=True,
        ),
        Integer(
            "gradient_accumulation_steps",
            "Update once every n calls with the mean of the n gradients. Empty = None (off).",
            low=2,
            high=1000,
            step=1,
            optional=True,
        ),
    ),
    optim.Adadelta,
)
"""Keras's ``apply()`` arguments, shared by every optimizer of a page."""


def _relative(label: str, *members: Control) -> tuple[str, Group]:
    """A comparison optimizer's controls under its label in lower case (``adagrad.epsilon``)."""
    return label, Group(label.lower(), members, getattr(optim, label))


RELATIVES: dict[str, Group] = dict(
    (
        _relative(
            "Adagrad",
            _lr(1.0),
            Number(
                "initial_accumulator_value",
                "A₀, the starting value of Adagrad's sum of squared gradients.",
                low=0.0,
                high=100.0,
                step=0.01,
            ),
            _epsilon(),
        ),
        _relative(
            "RMSprop",
            _lr(0.01),
            _unit("rho", "Decay rate of the running average of g²."),
            _unit("momentum", "Momentum μ in [0, 1]; 0 switches it off.", step=0.01),
            _epsilon(),
            Checkbox("centered", "Divide by the gradient's variance instead of its second moment."),
        ),
        _relative(
            "SGD",
            _lr(0.001),
            _unit("momentum", "Momentum μ in [0, 1]; 0 is plain gradient descent.", step=0.01),
            Checkbox("nesterov", "Use Nesterov momentum."),
        ),
        _relative(
            "Adam",
            _lr(0.05),
            _unit("beta_1", "Decay rate of the first moment (the running mean of g).", high=0.999),
            _unit(
                "beta_2",
                "Decay rate of the second moment (the running mean of g²).",
                high=0.9999,
                step=0.0001,
                format="%.4f",
            ),
            _epsilon(),
            Checkbox("amsgrad", "Use AMSGrad: divide by the largest second moment so far."),
        ),
    )
)
"""The optimizers drawn beside Adadelta, by label; a group's prefix is the label in lower case."""


def relative(label: str) -> Group:
    """The controls of a comparison optimizer (group ``<label in lower case>``)."""
    return RELATIVES[label]


def _compare(help: str) -> MultiChoice:
    return MultiChoice("compare", help, ("Adagrad",), options=tuple(RELATIVES))


def _seed(name: str, help: str) -> Integer:
    return Integer(name, help, 0, low=0, high=2**31 - 1, step=1)


PROBLEM = Group(
    "problem",
    (
        Choice(
            "surface",
            "The loss surface f(x, y); 'Custom formula' lets you type your own.",
            FIRST_VIEW["surface"],
            options=(*SURFACES, "custom"),
            labels=(
                *((key, surface.title) for key, surface in SURFACES.items()),
                ("custom", "Custom formula"),
            ),
        ),
        Text(
            "formula",
            "f(x, y) using + - * / ** ^, sin cos tan exp log sqrt abs tanh min max, pi and e.",
            "x**2 + 5*y**2 + sin(3*x)",
            when=("surface", "custom"),
        ),
        Number(
            "axis_scale",
            "s in f(x, s·y): stretches the y axis. Adadelta's steps are in the units of each "
            "parameter, so it copes with s better than Adagrad and SGD.",
            1.0,
            low=0.01,
            high=100.0,
            step=0.1,
        ),
        Number(
            "noise_sigma",
            "σ of Gaussian noise added to every gradient (the loss shown stays noise-free).",
            0.0,
            low=0.0,
            high=100.0,
            step=0.1,
        ),
        _seed("seed", "Random seed of the gradient noise."),
        Integer(
            "num_steps",
            "Number of optimizer calls (apply() in Keras).",
            2000,
            low=1,
            high=10_000,
            step=100,
        ),
        _compare("Optimizers drawn beside Adadelta."),
    ),
)
"""The loss-surface page's problem: which surface, its units and noise, how long, who else."""


def _surface_group(key: str) -> Group:
    if key == "custom":
        shape, start = (), FORMULA_START
    else:
        shape = tuple(
            Slider(name, p.help, p.default, low=p.lo, high=p.hi, step=(p.hi - p.lo) / 200)
            for name, p in SURFACES[key].shape_params.items()
        )
        start = FIRST_VIEW["start"] if key == FIRST_VIEW["surface"] else SURFACES[key].start
    starts = tuple(
        Number(
            name,
            f"Start {axis}; or click the contour plot to pick a start.",
            float(value),
            low=-1e4,
            high=1e4,
            step=0.1,
        )
        for name, axis, value in (("x0", "x", start[0]), ("y0", "y", start[1]))
    )
    return Group(f"surface.{key}", shape + starts)


SURFACE_GROUPS: dict[str, Group] = {key: _surface_group(key) for key in PROBLEM["surface"].options}
"""Per surface: its shape parameters (sliders), then the start ``x0``, ``y0``."""


def surface(key: str) -> Group:
    """The shape parameters and start of a surface (group ``surface.<key>``)."""
    return SURFACE_GROUPS[key]


def shape_names(key: str) -> tuple[str, ...]:
    """The names of a surface's shape parameters (every control of its group but the start)."""
    return tuple(c.name for c in surface(key) if c.name not in ("x0", "y0"))


NETWORK = Group(
    "network",
    (
        Choice(
            "dataset",
            "The toy data set (TF Playground's, plus moons and a regression plane).",
            "spiral",
            options=tuple(DATASETS),
            labels=tuple((key, spec.title) for key, spec in DATASETS.items()),
        ),
        Integer(
            "n_points",
            "Number of points (train + test).",
            512,
            low=datasets.N_POINTS_RANGE[0],
            high=datasets.N_POINTS_RANGE[1],
            step=50,
        ),
        Slider(
            "noise",
            "How noisy the data are (0 = clean); its meaning per data set is in the note.",
            0.1,
            low=datasets.NOISE_RANGE[0],
            high=datasets.NOISE_RANGE[1],
            step=0.01,
        ),
        Slider(
            "test_fraction",
            "Share of the points held out for testing.",
            0.5,
            low=datasets.TEST_FRACTION_RANGE[0],
            high=datasets.TEST_FRACTION_RANGE[1],
            step=0.05,
        ),
        _seed("data_seed", "Seed of the data and of the initial weights."),
        Integer(
            "hidden_layers",
            "Number of hidden layers.",
            2,
            low=mlp.HIDDEN_LAYERS_RANGE[0],
            high=mlp.HIDDEN_LAYERS_RANGE[1],
            step=1,
        ),
        Integer(
            "width",
            "Neurons per hidden layer.",
            16,
            low=mlp.WIDTH_RANGE[0],
            high=mlp.WIDTH_RANGE[1],
            step=1,
        ),
        Choice(
            "activation", "Activation of the hidden layers.", "tanh", options=tuple(mlp.ACTIVATIONS)
        ),
        Integer(
            "batch_size",
            "Minibatch size, drawn inside the scan each step. Empty = full batch.",
            None,
            low=1,
            high=datasets.N_POINTS_RANGE[1],
            step=8,
            optional=True,
        ),
        Integer("num_steps", "Number of optimizer calls.", 2000, low=10, high=5000, step=100),
        _compare(
            "Optimizers trained beside Adadelta, from the same initial weights on the same batches."
        ),
    ),
)
"""The network page's data set, network, training length and comparison optimizers."""

MAP_AXES = (
    "learning_rate",
    "rho",
    "epsilon",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "weight_decay",
)
"""Adadelta's numeric arguments a sensitivity map can sweep (the pipeline's included)."""

MULTI_MINIMA_SURFACES = tuple(
    key for key, s in SURFACES.items() if len(s.local_minima or s.minima) > 1
)
"""The surfaces that list several local minima: the ones whose basins are worth drawing."""

SECTIONS = (
    ("tables", "The paper's tables"),
    ("maps", "Sensitivity maps"),
    ("basins", "Basins of attraction"),
    ("swarm", "Swarms"),
)


def _surface_choice(name: str, help: str, default: str, options: tuple[str, ...]) -> Choice:
    return Choice(
        name,
        help,
        default,
        options=options,
        labels=tuple((key, SURFACES[key].title) for key in options),
    )


SWEEPS = Group(
    "sweeps",
    (
        Choice(
            "section",
            "Which experiment to show; only the open one is computed.",
            "tables",
            options=tuple(key for key, _ in SECTIONS),
            labels=SECTIONS,
        ),
        _surface_choice(
            "surface",
            "The surface the maps run on, from its default start.",
            "rosenbrock",
            tuple(key for key in SURFACES),
        ),
        Choice("x_axis", "The argument on the map's x axis.", "learning_rate", options=MAP_AXES),
        Choice("y_axis", "The argument on the map's y axis.", "rho", options=MAP_AXES),
        Choice(
            "loss",
            "Colour by the loss after the last step, or the lowest loss along the run.",
            "final_loss",
            options=("final_loss", "best_loss"),
        ),
        Integer(
            "resolution",
            "Values per axis of the maps (8 to 128): resolution² runs per optimizer.",
            48,
            low=8,
            high=128,
            step=8,
        ),
        Integer(
            "num_steps",
            "Optimizer calls per cell of the maps (resolution² x (num_steps + 1) ≤ 2²³).",
            500,
            low=10,
            high=2000,
            step=50,
        ),
        _surface_choice(
            "basin_surface",
            "A surface with several minima.",
            "himmelblau",
            MULTI_MINIMA_SURFACES,
        ),
        Integer(
            "basin_resolution",
            "Starts per axis of the basin maps (10 to 120): resolution² runs per optimizer.",
            80,
            low=10,
            high=120,
            step=10,
        ),
        Integer(
            "basin_steps",
            "Optimizer calls per start of the basins.",
            500,
            low=10,
            high=2000,
            step=50,
        ),
        _surface_choice(
            "swarm_surface",
            "The surface the swarms run on.",
            "himmelblau",
            tuple(key for key in SURFACES),
        ),
        Integer(
            "starts",
            "Starts per optimizer, drawn uniformly over the surface's domain.",
            200,
            low=50,
            high=500,
            step=50,
        ),
        Integer(
            "swarm_steps",
            "Optimizer calls per start of the swarms.",
            500,
            low=10,
            high=2000,
            step=50,
        ),
        _seed("starts_seed", "Seed of the swarm's random starts."),
    ),
)
"""The sweeps page's experiments: which one, where, how fine and how long."""

OPTIMIZER_GROUPS: tuple[Group, ...] = (
    LEARNING_RATE,
    ADADELTA,
    *SCHEDULES.values(),
    PIPELINE,
    *RELATIVES.values(),
)
"""Every optimizer control, shared by the pages."""

VIEW = Group(
    "view",
    (
        Checkbox(
            "presenter",
            "Presenter mode: large type, sidebar folded, Play and the step slider up front.",
            False,
        ),
    ),
)
"""How a page is shown, not what it runs: presenter mode (in the URL, so a shared link opens a
projector-ready view)."""

SURFACE_PAGE: tuple[Group, ...] = (PROBLEM, *SURFACE_GROUPS.values(), *OPTIMIZER_GROUPS, VIEW)
"""Every group of the loss-surface page (its URL state)."""

NETWORK_PAGE: tuple[Group, ...] = (NETWORK, *OPTIMIZER_GROUPS, VIEW)
"""Every group of the network page (its URL state)."""

ANATOMY = Group(
    "anatomy",
    (
        Integer(
            "t",
            "The call dissected: call t moves the weights from position t−1 to position t.",
            1,
            low=1,
            high=PROBLEM["num_steps"].high,
            step=1,
        ),
    ),
)
"""The anatomy page's own control: which call of the run it takes apart."""

ANATOMY_PAGE: tuple[Group, ...] = (ANATOMY, *SURFACE_PAGE)
"""Every group of the anatomy page: the explorer's, so a link carries over, and the call."""


SWEEPS_PAGE: tuple[Group, ...] = (
    SWEEPS,
    ADADELTA,
    SCHEDULES["constant"],
    RELATIVES["Adagrad"],
    VIEW,
)
"""Every group of the sweeps page (its URL state): the experiments, the base settings of
Adadelta (a constant learning_rate) and Adagrad that the maps, basins and swarms start from,
and presenter mode."""

LESSONS_PAGE: tuple[Group, ...] = (VIEW,)
"""The groups of the lessons page's URL state besides its ``lesson`` (presenter mode)."""


def controls_of(groups: tuple[Group, ...]) -> dict[str, Control]:
    """Every control of ``groups`` by key; raises ValueError if two share a key."""
    by_key: dict[str, Control] = {}
    for group in groups:
        for control in group:
            if control.key in by_key:
                raise ValueError(f"two controls share the key {control.key!r}")
            by_key[control.key] = control
    return by_key


PRESETS: dict[str, dict[str, float]] = {
    "Zeiler paper": ZEILER,
    "Keras defaults": {
        "learning_rate": SCHEDULES["constant"]["learning_rate"].keras_default,
        "rho": ADADELTA["rho"].keras_default,
        "epsilon": ADADELTA["epsilon"].keras_default,
    },
}
"""Adadelta's learning_rate (a constant), rho and epsilon as the paper and as Keras set them."""


def preset_values(label: str) -> dict[str, object]:
    """The session values (by key) that a preset sets, the constant learning-rate form included."""
    numbers = PRESETS[label]
    return {
        LR_KIND.key: "constant",
        SCHEDULES["constant"]["learning_rate"].key: numbers["learning_rate"],
        ADADELTA["rho"].key: numbers["rho"],
        ADADELTA["epsilon"].key: numbers["epsilon"],
    }
