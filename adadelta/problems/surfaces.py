"""Two-dimensional loss surfaces and the :class:`Objective` pytree the engine minimises.

Each :class:`Surface` is a declaration: a pure ``jnp`` function ``f(x, y, **shape_params)``, its
LaTeX, plotting domain, known global minima, a default start and a one-line lesson. Formulas and
minima follow the field notes (section 2a), each checked by a test at its listed minimum.

An :class:`Objective` turns a surface (or a typed formula) into ``loss(params, key, step)``. Its
numbers (shape parameters, the axis scale and the gradient-noise level) are pytree leaves, so a
jitted runner taking it as an argument is traced once per surface, not once per slider value.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from adadelta.problems.formula import compile_formula, formula_to_latex

Interval = tuple[float, float]
Domain = tuple[Interval, Interval]
Minimum = tuple[float, float, float]


class ShapeParam(NamedTuple):
    """A numeric parameter of a surface's shape, exposed as a slider."""

    default: float
    lo: float
    hi: float
    help: str


@dataclasses.dataclass(frozen=True)
class Surface:
    """A named 2-D test function with everything a page needs to plot and teach it.

    Attributes:
        key: URL-safe identifier, e.g. ``"rosenbrock"``.
        title: Human-readable name.
        latex: The formula in LaTeX, for ``st.latex``.
        fn: Pure ``jnp`` function ``f(x, y, **shape_params)``, elementwise in ``x`` and ``y``.
        domain: ``((xmin, xmax), (ymin, ymax))`` to plot.
        minima: Global minima as ``(x, y, f_min)``; empty when the surface is unbounded below.
        start: Default start ``(x0, y0)``, chosen to give an instructive path.
        log_colour: True when the dynamic range is so large that a log colour scale reads better.
        shape_params: Name -> :class:`ShapeParam` (default, lo, hi, help text).
        lesson: One line on what the surface teaches.
        local_minima: Every local minimum inside the domain as ``(x, y, f)``, the global ones
            included, for surfaces with several (empty: only ``minima`` are known).
    """

    key: str
    title: str
    latex: str
    fn: Callable[..., jax.Array]
    domain: Domain
    minima: tuple[Minimum, ...]
    start: tuple[float, float]
    log_colour: bool
    lesson: str
    shape_params: Mapping[str, ShapeParam] = dataclasses.field(default_factory=dict, hash=False)
    local_minima: tuple[Minimum, ...] = ()

    @property
    def defaults(self) -> dict[str, float]:
        """The default value of each shape parameter."""
        return {name: spec.default for name, spec in self.shape_params.items()}


def bowl(x: jax.Array, y: jax.Array) -> jax.Array:
    """Isotropic bowl x² + y²."""
    return x**2 + y**2


def quadratic(x: jax.Array, y: jax.Array, kappa: float = 10.0, theta: float = 0.0) -> jax.Array:
    """Ill-conditioned quadratic ½ vᵀ R(θ)ᵀ diag(1, κ) R(θ) v, with θ in degrees."""
    angle = jnp.deg2rad(theta)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    u = cos * x - sin * y
    w = sin * x + cos * y
    return 0.5 * (u**2 + kappa * w**2)


def rosenbrock(x: jax.Array, y: jax.Array, b: float = 100.0) -> jax.Array:
    """Rosenbrock (1 - x)² + b(y - x²)²; the minimum stays at (1, 1) for every b > 0."""
    return (1.0 - x) ** 2 + b * (y - x**2) ** 2


def beale(x: jax.Array, y: jax.Array) -> jax.Array:
    """Beale (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(x: jax.Array, y: jax.Array) -> jax.Array:
    """Himmelblau (x² + y - 11)² + (x + y² - 7)²."""
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def booth(x: jax.Array, y: jax.Array) -> jax.Array:
    """Booth (x + 2y - 7)² + (2x + y - 5)²."""
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def matyas(x: jax.Array, y: jax.Array) -> jax.Array:
    """Matyas 0.26(x² + y²) - 0.48xy."""
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def three_hump_camel(x: jax.Array, y: jax.Array) -> jax.Array:
    """Three-hump camel 2x² - 1.05x⁴ + x⁶/6 + xy + y²."""
    return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2


def six_hump_camel(x: jax.Array, y: jax.Array) -> jax.Array:
    """Six-hump camel (4 - 2.1x² + x⁴/3)x² + xy + (-4 + 4y²)y²."""
    return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2


def goldstein_price(x: jax.Array, y: jax.Array) -> jax.Array:
    """Goldstein–Price, with both squares (published copies often drop one)."""
    first = 1.0 + (x + y + 1.0) ** 2 * (
        19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
    )
    second = 30.0 + (2.0 * x - 3.0 * y) ** 2 * (
        18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
    )
    return first * second


def mccormick(x: jax.Array, y: jax.Array) -> jax.Array:
    """McCormick sin(x + y) + (x - y)² - 1.5x + 2.5y + 1."""
    return jnp.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1.0


def styblinski_tang(x: jax.Array, y: jax.Array) -> jax.Array:
    """Styblinski–Tang ½ Σ (xᵢ⁴ - 16xᵢ² + 5xᵢ)."""
    return 0.5 * (x**4 - 16.0 * x**2 + 5.0 * x + y**4 - 16.0 * y**2 + 5.0 * y)


def rastrigin(x: jax.Array, y: jax.Array) -> jax.Array:
    """Rastrigin 20 + Σ (xᵢ² - 10 cos 2πxᵢ)."""
    two_pi = 2.0 * math.pi
    return 20.0 + x**2 - 10.0 * jnp.cos(two_pi * x) + y**2 - 10.0 * jnp.cos(two_pi * y)


def ackley(x: jax.Array, y: jax.Array) -> jax.Array:
    """Ackley -20 exp(-0.2 √(½(x² + y²))) - exp(½(cos 2πx + cos 2πy)) + e + 20."""
    half_r2 = 0.5 * (x**2 + y**2)
    # The cone tip at the origin has no gradient; the double where makes autodiff return 0
    # there instead of 0 * inf = nan, so a run that reaches the minimum stays finite.
    positive = half_r2 > 0.0
    radius = jnp.where(positive, jnp.sqrt(jnp.where(positive, half_r2, 1.0)), 0.0)
    two_pi = 2.0 * math.pi
    ripple = 0.5 * (jnp.cos(two_pi * x) + jnp.cos(two_pi * y))
    return -20.0 * jnp.exp(-0.2 * radius) - jnp.exp(ripple) + math.e + 20.0


def saddle(x: jax.Array, y: jax.Array) -> jax.Array:
    """Saddle x² - y², unbounded below."""
    return x**2 - y**2


def plateau(x: jax.Array, y: jax.Array, width: float = 1.0) -> jax.Array:
    """Gaussian well on a plateau 1 - exp(-(x² + y²) / (2w²))."""
    return 1.0 - jnp.exp(-(x**2 + y**2) / (2.0 * width**2))


_SQRT3_HALF = math.sqrt(3.0) / 2.0

_SURFACE_LIST = (
    Surface(
        key="bowl",
        title="Isotropic bowl",
        latex=r"f(x, y) = x^2 + y^2",
        fn=bowl,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((0.0, 0.0, 0.0),),
        start=(-4.0, 3.0),
        log_colour=False,
        lesson="The baseline: every direction is alike, so per-dimension scaling changes nothing.",
    ),
    Surface(
        key="quadratic",
        title="Ill-conditioned quadratic",
        latex=(
            r"f(v) = \tfrac12\, v^\top R(\theta)^\top"
            r" \operatorname{diag}(1, \kappa)\, R(\theta)\, v"
        ),
        fn=quadratic,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((0.0, 0.0, 0.0),),
        start=(-8.0, 6.0),
        log_colour=False,
        lesson=(
            "Per-dimension step sizes fix the zig-zag of a narrow axis-aligned valley, "
            "and lose that edge when the valley is rotated."
        ),
        shape_params={
            "kappa": ShapeParam(10.0, 1.0, 1000.0, "Condition number κ: steep over shallow."),
            "theta": ShapeParam(
                0.0, -90.0, 90.0, "Rotation θ of the valley in degrees (0 = axis-aligned)."
            ),
        },
    ),
    Surface(
        key="rosenbrock",
        title="Rosenbrock",
        latex=r"f(x, y) = (1 - x)^2 + b\,(y - x^2)^2",
        fn=rosenbrock,
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((1.0, 1.0, 0.0),),
        start=(-1.2, 1.0),
        log_colour=True,
        lesson="A curved, narrow valley: easy to find, slow to follow to its end.",
        shape_params={
            "b": ShapeParam(100.0, 1.0, 1000.0, "Steepness b of the valley walls."),
        },
    ),
    Surface(
        key="beale",
        title="Beale",
        latex=(r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2"),
        fn=beale,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        minima=((3.0, 0.5, 0.0),),
        start=(1.0, 1.5),
        log_colour=True,
        lesson="Flat plateaus beside steep walls: gradients differ by orders of magnitude.",
    ),
    Surface(
        key="himmelblau",
        title="Himmelblau",
        latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        fn=himmelblau,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=(
            (3.0, 2.0, 0.0),
            (-2.805118086952745, 3.131312518250573, 0.0),
            (-3.779310253377747, -3.2831859912861696, 0.0),
            (3.5844283403304917, -1.8481265269644034, 0.0),
        ),
        start=(-0.3, -0.9),
        log_colour=True,
        lesson="Four equal minima: which basin an optimizer picks depends on its path.",
    ),
    Surface(
        key="booth",
        title="Booth",
        latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        fn=booth,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((1.0, 3.0, 0.0),),
        start=(-7.0, -8.0),
        log_colour=True,
        lesson="An easy convex bowl whose axes are correlated.",
    ),
    Surface(
        key="matyas",
        title="Matyas",
        latex=r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
        fn=matyas,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((0.0, 0.0, 0.0),),
        start=(8.0, -5.0),
        log_colour=False,
        lesson="A flat valley along the diagonal: small, correlated gradients.",
    ),
    Surface(
        key="three_hump_camel",
        title="Three-hump camel",
        latex=r"f(x, y) = 2x^2 - 1.05x^4 + \frac{x^6}{6} + xy + y^2",
        fn=three_hump_camel,
        domain=((-3.0, 3.0), (-3.0, 3.0)),
        minima=((0.0, 0.0, 0.0),),
        start=(2.5, -1.5),
        log_colour=True,
        lesson="One global and two local minima: a good start can still end in the wrong one.",
        local_minima=(
            (0.0, 0.0, 0.0),
            (-1.7475523458302888, 0.8737761729151444, 0.29863844223685904),
            (1.7475523458302888, -0.8737761729151444, 0.29863844223685904),
        ),
    ),
    Surface(
        key="six_hump_camel",
        title="Six-hump camel",
        latex=r"f(x, y) = \left(4 - 2.1x^2 + \frac{x^4}{3}\right)x^2 + xy + (4y^2 - 4)\,y^2",
        fn=six_hump_camel,
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        minima=(
            (0.08984201310031806, -0.7126564030207396, -1.0316284534898774),
            (-0.08984201310031806, 0.7126564030207396, -1.0316284534898774),
        ),
        start=(-1.5, 1.5),
        log_colour=False,
        lesson="Twin global minima and four local ones: symmetry and basin choice.",
        local_minima=(
            (0.08984201310031806, -0.7126564030207396, -1.0316284534898774),
            (-0.08984201310031806, 0.7126564030207396, -1.0316284534898774),
            (1.7036067149699807, -0.7960835686726251, -0.21546382438371905),
            (-1.7036067149699807, 0.7960835686726251, -0.21546382438371905),
            (1.6071047529201974, 0.5686514548841314, 2.1042503103112575),
            (-1.6071047529201974, -0.5686514548841314, 2.1042503103112575),
        ),
    ),
    Surface(
        key="goldstein_price",
        title="Goldstein–Price",
        latex=(
            r"f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
            r"\left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
        ),
        fn=goldstein_price,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=((0.0, -1.0, 3.0),),
        start=(-1.0, 1.5),
        log_colour=True,
        lesson="Values spanning six orders of magnitude: raw gradient steps either crawl or leap.",
    ),
    Surface(
        key="mccormick",
        title="McCormick",
        latex=r"f(x, y) = \sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1",
        fn=mccormick,
        domain=((-1.5, 4.0), (-3.0, 4.0)),
        minima=((0.5 - math.pi / 3.0, -0.5 - math.pi / 3.0, -_SQRT3_HALF - math.pi / 3.0),),
        start=(3.5, 3.0),
        log_colour=False,
        lesson="An asymmetric domain and a tilted valley with a gentle ripple.",
    ),
    Surface(
        key="styblinski_tang",
        title="Styblinski–Tang",
        latex=r"f(x, y) = \tfrac12 \sum_{i} \left(x_i^4 - 16x_i^2 + 5x_i\right)",
        fn=styblinski_tang,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((-2.9035340277711783, -2.9035340277711783, -78.33233140754282),),
        start=(0.0, 4.5),
        log_colour=False,
        lesson="Four basins and one global minimum: the start decides the answer.",
        local_minima=(
            (-2.9035340277711774, -2.9035340277711774, -78.33233140754284),
            (2.746802770990837, -2.9035340277711774, -64.19561235905536),
            (-2.9035340277711774, 2.746802770990837, -64.19561235905536),
            (2.746802770990837, 2.746802770990837, -50.05889331056789),
        ),
    ),
    Surface(
        key="rastrigin",
        title="Rastrigin",
        latex=r"f(x, y) = 20 + \sum_{i} \left(x_i^2 - 10\cos 2\pi x_i\right)",
        fn=rastrigin,
        domain=((-5.12, 5.12), (-5.12, 5.12)),
        minima=((0.0, 0.0, 0.0),),
        start=(-4.3, 3.3),
        log_colour=False,
        lesson="A bowl covered in local minima: momentum can roll over ripples, small steps stick.",
    ),
    Surface(
        key="ackley",
        title="Ackley",
        latex=(
            r"f(x, y) = -20\,e^{-0.2\sqrt{\frac12 (x^2 + y^2)}}"
            r" - e^{\frac12 (\cos 2\pi x + \cos 2\pi y)} + e + 20"
        ),
        fn=ackley,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((0.0, 0.0, 0.0),),
        start=(-4.0, 3.3),
        log_colour=False,
        lesson="A flat, rippled outer region with vanishing gradients around a sharp central cone.",
    ),
    Surface(
        key="saddle",
        title="Saddle",
        latex=r"f(x, y) = x^2 - y^2",
        fn=saddle,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        start=(-1.8, 0.01),
        log_colour=False,
        lesson="No minimum: escaping a saddle needs a small push along y to be amplified.",
    ),
    Surface(
        key="plateau",
        title="Plateau",
        latex=r"f(x, y) = 1 - \exp\!\left(-\frac{x^2 + y^2}{2w^2}\right)",
        fn=plateau,
        domain=((-4.0, 4.0), (-4.0, 4.0)),
        minima=((0.0, 0.0, 0.0),),
        start=(3.0, 2.5),
        log_colour=False,
        lesson="Tiny gradients far from the well: Adadelta's ε sets how fast it can move there.",
        shape_params={
            "width": ShapeParam(1.0, 0.3, 3.0, "Width w of the well: smaller means flatter."),
        },
    ),
)

SURFACES: dict[str, Surface] = {surface.key: surface for surface in _SURFACE_LIST}

FORMULA_DOMAIN: Domain = ((-3.0, 3.0), (-3.0, 3.0))
FORMULA_START: tuple[float, float] = (-2.0, 2.0)


def _leaf(value: Any) -> np.ndarray:
    # A float32 0-d array keeps one dtype and weak type on every call, so jit keys stay equal.
    return np.asarray(value, dtype=np.float32)


def _check_finite_number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def _check_common(axis_scale: Any, noise_sigma: Any) -> tuple[float, float]:
    scale = _check_finite_number("axis_scale", axis_scale)
    if scale <= 0.0:
        raise ValueError(f"axis_scale must be > 0, got {scale}")
    sigma = _check_finite_number("noise_sigma", noise_sigma)
    if sigma < 0.0:
        raise ValueError(f"noise_sigma must be >= 0, got {sigma}")
    return scale, sigma


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True, eq=False)
class Objective:
    """``loss(params, key, step)`` for a surface or formula f, evaluated as f(x, s·y).

    A pytree: ``surface_key`` and ``formula`` are static (part of the treedef), while
    ``shape_params``, ``axis_scale`` and ``noise_sigma`` are leaves, traced by ``jax.jit``.
    Build one with :meth:`from_surface` or :meth:`from_formula`, which validate the numbers.

    The axis scale s measures y in other units: the objective is f(x, s·y), so the domain, the
    minima and the start are reported in those units (their y divided by s), and the same
    starting point on the surface is used for every s.

    Gradient noise adds σ·ξ, ξ ~ N(0, I₂), to the gradient while leaving the value unchanged.

    Attributes:
        surface_key: Key into :data:`SURFACES`, or ``None`` for a formula.
        formula: Formula source in x and y, or ``None`` for a surface.
        shape_params: Name -> float32 scalar, the surface's shape parameters.
        axis_scale: s > 0, float32 scalar.
        noise_sigma: σ >= 0, float32 scalar.
    """

    surface_key: str | None = dataclasses.field(metadata={"static": True})
    formula: str | None = dataclasses.field(metadata={"static": True})
    shape_params: dict[str, Any]
    axis_scale: Any
    noise_sigma: Any

    @classmethod
    def from_surface(
        cls,
        key: str,
        axis_scale: float = 1.0,
        noise_sigma: float = 0.0,
        **shape_params: float,
    ) -> Objective:
        """An objective on the surface ``SURFACES[key]``; missing shape params take defaults.

        Raises:
            ValueError: If the key is unknown, a shape param is unknown or outside its range,
                ``axis_scale`` is not finite and positive, or ``noise_sigma`` is negative.
        """
        if key not in SURFACES:
            raise ValueError(f"unknown surface {key!r}; valid surfaces: {', '.join(SURFACES)}")
        surface = SURFACES[key]
        unknown = sorted(set(shape_params) - set(surface.shape_params))
        if unknown:
            valid = ", ".join(surface.shape_params) or "none"
            raise ValueError(
                f"unknown shape parameter(s) {', '.join(unknown)} for surface {key!r}; "
                f"valid: {valid}"
            )
        values = {}
        for name, spec in surface.shape_params.items():
            value = _check_finite_number(name, shape_params.get(name, spec.default))
            if not spec.lo <= value <= spec.hi:
                raise ValueError(
                    f"{name} = {value} is outside its range [{spec.lo}, {spec.hi}] "
                    f"for surface {key!r}"
                )
            values[name] = _leaf(value)
        scale, sigma = _check_common(axis_scale, noise_sigma)
        return cls(key, None, values, _leaf(scale), _leaf(sigma))

    @classmethod
    def from_formula(
        cls, source: str, axis_scale: float = 1.0, noise_sigma: float = 0.0
    ) -> Objective:
        """An objective on a typed formula in ``x`` and ``y`` (see :func:`compile_formula`).

        Raises:
            FormulaError: If the formula is not allowed (a ``ValueError``).
            ValueError: If ``axis_scale`` or ``noise_sigma`` is invalid.
        """
        compile_formula(source, ("x", "y"))
        scale, sigma = _check_common(axis_scale, noise_sigma)
        return cls(None, source, {}, _leaf(scale), _leaf(sigma))

    @property
    def surface(self) -> Surface | None:
        """The :class:`Surface` declaration, or ``None`` for a formula."""
        return None if self.surface_key is None else SURFACES[self.surface_key]

    @property
    def fn(self) -> Callable[..., jax.Array]:
        """The raw function f(x, y, **shape_params) (for a formula, f(x, y))."""
        if self.surface_key is not None:
            return SURFACES[self.surface_key].fn
        return compile_formula(self.formula, ("x", "y"))

    def value(self, x: jax.Array, y: jax.Array) -> jax.Array:
        """Noise-free f(x, s·y), elementwise over equally shaped ``x`` and ``y``."""
        return self.fn(x, self.axis_scale * y, **self.shape_params)

    def __call__(self, params: jax.Array, key: jax.Array | None = None, step: Any = 0) -> jax.Array:
        """The loss at ``params``, with noisy gradients when σ > 0.

        Args:
            params: Shape ``(2,)`` float array ``(x, y)``.
            key: PRNG key for the gradient noise; ``None`` means no noise.
            step: Integer step, folded into ``key`` so one key gives fresh noise every step.

        Returns:
            Scalar f(x, s·y) in the dtype of ``params``. Its gradient is ∇f + σ·ξ, with
            ξ ~ N(0, I₂) drawn from ``fold_in(key, step)``.
        """
        loss = self.value(params[0], params[1])
        if key is None:
            return loss
        xi = jax.random.normal(jax.random.fold_in(key, step), (2,), dtype=params.dtype)
        # Zero in value, σ·ξ in gradient: the noise reaches autodiff without changing the loss.
        return loss + self.noise_sigma * jnp.dot(xi, params - jax.lax.stop_gradient(params))

    def grid(self, xs: jax.Array, ys: jax.Array) -> jax.Array:
        """Noise-free f(x, s·y) on the grid ``xs × ys``, for contour plots.

        Args:
            xs: Shape ``(nx,)`` x coordinates.
            ys: Shape ``(ny,)`` y coordinates.

        Returns:
            Shape ``(ny, nx)`` values, ``z[i, j] = f(xs[j], s·ys[i])`` (Plotly's layout).
        """
        grid_x, grid_y = jnp.meshgrid(jnp.asarray(xs), jnp.asarray(ys))
        return self.value(grid_x, grid_y)

    def _scale(self) -> float:
        return float(self.axis_scale)

    @property
    def domain(self) -> Domain:
        """Plot domain in the objective's coordinates (y range divided by s)."""
        (xmin, xmax), (ymin, ymax) = self.surface.domain if self.surface else FORMULA_DOMAIN
        scale = self._scale()
        return (xmin, xmax), (ymin / scale, ymax / scale)

    @property
    def minima(self) -> tuple[Minimum, ...]:
        """Known global minima ``(x, y / s, f_min)``; none for a formula."""
        if self.surface is None:
            return ()
        scale = self._scale()
        return tuple((x, y / scale, f) for x, y, f in self.surface.minima)

    @property
    def local_minima(self) -> tuple[Minimum, ...]:
        """Every known local minimum ``(x, y / s, f)``, the global ones included: the surface's
        ``local_minima`` when it lists them, else its global ``minima``; none for a formula."""
        if self.surface is None:
            return ()
        scale = self._scale()
        listed = self.surface.local_minima or self.surface.minima
        return tuple((x, y / scale, f) for x, y, f in listed)

    @property
    def start(self) -> tuple[float, float]:
        """Default start ``(x0, y0 / s)``: the same point on the surface for every s."""
        x0, y0 = self.surface.start if self.surface else FORMULA_START
        return x0, y0 / self._scale()

    @property
    def log_colour(self) -> bool:
        """True when a log colour scale reads better (never for a formula: it may go negative)."""
        return self.surface.log_colour if self.surface else False

    @property
    def title(self) -> str:
        """Human-readable name."""
        return self.surface.title if self.surface else f"f(x, y) = {self.formula}"

    @property
    def latex(self) -> str:
        """LaTeX of f(x, y), for ``st.latex``."""
        if self.surface:
            return self.surface.latex
        return f"f(x, y) = {formula_to_latex(self.formula, ('x', 'y'))}"
