"""Surfaces: formulas checked at their minima; the Objective pytree, its noise and its scaling."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from compile_count import compilations

from adadelta.problems import SURFACES, FormulaError, Objective, Surface

MINIMA = [
    (surface.key, index) for surface in SURFACES.values() for index in range(len(surface.minima))
]


def _at_defaults_f64(surface: Surface, x: float, y: float) -> tuple[float, np.ndarray]:
    """Value and gradient of a surface at its default shape, in float64."""
    # x64 only inside this context: the rest of the session keeps JAX's float32 default.
    with jax.enable_x64(True):
        params = {name: jnp.float64(value) for name, value in surface.defaults.items()}

        def f(point):
            return surface.fn(point[0], point[1], **params)

        point = jnp.array([x, y], dtype=jnp.float64)
        value, grad = jax.value_and_grad(f)(point)
        return float(value), np.asarray(grad)


def test_at_least_fourteen_surfaces_starting_with_the_bowl():
    assert len(SURFACES) >= 14
    assert next(iter(SURFACES)) == "bowl"
    for key, surface in SURFACES.items():
        assert key == surface.key
        assert key.replace("_", "").isalnum() and key == key.lower()
        assert surface.title and surface.latex and surface.lesson


def test_required_surfaces_are_present():
    required = {
        "bowl", "quadratic", "rosenbrock", "beale", "himmelblau", "booth", "matyas",
        "three_hump_camel", "six_hump_camel", "goldstein_price", "mccormick", "styblinski_tang",
        "rastrigin", "ackley", "saddle", "plateau",
    }  # fmt: skip
    assert required <= set(SURFACES)
    assert SURFACES["saddle"].minima == ()
    assert len(SURFACES["himmelblau"].minima) == 4


@pytest.mark.parametrize(("key", "index"), MINIMA)
def test_value_at_each_minimum_is_the_listed_minimum(key, index):
    surface = SURFACES[key]
    x, y, f_min = surface.minima[index]
    value, _ = _at_defaults_f64(surface, x, y)
    assert value == pytest.approx(f_min, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize(("key", "index"), MINIMA)
def test_gradient_vanishes_at_each_minimum(key, index):
    surface = SURFACES[key]
    x, y, _ = surface.minima[index]
    _, grad = _at_defaults_f64(surface, x, y)
    assert np.linalg.norm(grad) < 1e-6


@pytest.mark.parametrize("key", [k for k in SURFACES if SURFACES[k].minima])
def test_listed_minimum_is_lowest_on_a_grid(key):
    surface = SURFACES[key]
    (xmin, xmax), (ymin, ymax) = surface.domain
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, 201), np.linspace(ymin, ymax, 201))
    values = np.asarray(surface.fn(jnp.asarray(xs), jnp.asarray(ys), **surface.defaults))
    f_min = surface.minima[0][2]
    assert values.min() >= f_min - 1e-3 * max(1.0, abs(f_min))


@pytest.mark.parametrize("key", list(SURFACES))
def test_domain_is_sane_and_holds_the_start_and_minima(key):
    surface = SURFACES[key]
    (xmin, xmax), (ymin, ymax) = surface.domain
    assert xmin < xmax and ymin < ymax
    x0, y0 = surface.start
    assert xmin < x0 < xmax and ymin < y0 < ymax
    for x, y, _ in surface.minima:
        assert xmin <= x <= xmax and ymin <= y <= ymax
    value, grad = _at_defaults_f64(surface, x0, y0)
    assert math.isfinite(value) and np.all(np.isfinite(grad))
    for *_, f_min in surface.minima:
        assert value > f_min
    for name, spec in surface.shape_params.items():
        assert spec.lo <= spec.default <= spec.hi, name
        assert spec.help


def test_ackley_gradient_is_finite_at_its_cone_tip():
    objective = Objective.from_surface("ackley")
    grad = jax.grad(objective)(jnp.zeros(2))
    np.testing.assert_array_equal(grad, [0.0, 0.0])


def test_rotated_quadratic_at_zero_is_axis_aligned():
    fn = SURFACES["quadratic"].fn
    x, y = jnp.float32(1.5), jnp.float32(-0.7)
    np.testing.assert_allclose(fn(x, y, kappa=20.0, theta=0.0), 0.5 * (x**2 + 20 * y**2))


@pytest.mark.parametrize("theta", [0.0, 30.0, -45.0, 90.0])
def test_quadratic_eigenstructure_rotates_with_theta(theta):
    kappa = 25.0
    fn = SURFACES["quadratic"].fn
    hessian = np.asarray(
        jax.hessian(lambda v: fn(v[0], v[1], kappa=kappa, theta=theta))(jnp.zeros(2))
    )
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    np.testing.assert_allclose(eigenvalues, [1.0, kappa], rtol=1e-5)
    angle = math.radians(theta)
    # R(θ)ᵀ e₂ is the steep direction: the valley's cross-section turns with θ.
    steep = np.array([math.sin(angle), math.cos(angle)])
    assert abs(np.dot(eigenvectors[:, 1], steep)) == pytest.approx(1.0, abs=1e-5)


def test_objective_value_and_gradient_match_the_surface():
    objective = Objective.from_surface("rosenbrock")
    point = jnp.array([-1.2, 1.0], dtype=jnp.float32)
    value = objective(point, None, 0)
    assert value.dtype == jnp.float32 and value.shape == ()
    assert float(value) == pytest.approx(24.2, rel=1e-6)
    np.testing.assert_allclose(jax.grad(objective)(point), [-215.6, -88.0], rtol=1e-5)


def test_axis_scale_evaluates_f_of_x_and_scaled_y():
    plain = Objective.from_surface("quadratic", kappa=10.0)
    scaled = Objective.from_surface("quadratic", kappa=10.0, axis_scale=4.0)
    point = jnp.array([1.0, 0.5])
    assert float(scaled(point)) == pytest.approx(float(plain(jnp.array([1.0, 2.0]))))
    np.testing.assert_allclose(jax.grad(scaled)(point), [1.0, 4.0 * 10.0 * 2.0], rtol=1e-6)
    assert scaled.start == (plain.start[0], plain.start[1] / 4.0)
    assert scaled.domain == ((-10.0, 10.0), (-2.5, 2.5))
    assert Objective.from_surface("rosenbrock", axis_scale=2.0).minima == ((1.0, 0.5, 0.0),)


def test_noise_changes_the_gradient_not_the_value_and_is_deterministic():
    clean = Objective.from_surface("bowl")
    noisy = Objective.from_surface("bowl", noise_sigma=0.5)
    point = jnp.array([1.0, -2.0])
    key = jax.random.key(7)
    assert float(noisy(point, key, 3)) == float(clean(point, key, 3)) == 5.0
    clean_grad = jax.grad(clean)(point, key, 3)
    noisy_grad = jax.grad(noisy)(point, key, 3)
    np.testing.assert_allclose(clean_grad, [2.0, -4.0])
    assert not np.allclose(noisy_grad, clean_grad)
    np.testing.assert_array_equal(noisy_grad, jax.grad(noisy)(point, key, 3))
    other_step = jax.grad(noisy)(point, key, 4)
    assert not np.allclose(other_step, noisy_grad)
    xi = (noisy_grad - clean_grad) / 0.5
    np.testing.assert_allclose(xi, jax.random.normal(jax.random.fold_in(key, 3), (2,)), rtol=1e-5)


def test_grid_is_noise_free_and_in_plotly_layout():
    objective = Objective.from_surface("booth", axis_scale=2.0, noise_sigma=1.0)
    xs = jnp.linspace(-1.0, 1.0, 3)
    ys = jnp.linspace(0.0, 3.0, 4)
    z = objective.grid(xs, ys)
    assert z.shape == (4, 3)
    assert float(z[2, 0]) == pytest.approx(float(SURFACES["booth"].fn(xs[0], 2.0 * ys[2])))


def test_objectives_differing_only_in_numbers_share_a_treedef_and_one_compilation():
    traces = []

    @jax.jit
    def loss_and_grad(objective, point):
        traces.append(1)
        return jax.value_and_grad(objective)(point, jax.random.key(0), 1)

    first = Objective.from_surface("quadratic", kappa=10.0, theta=0.0)
    second = Objective.from_surface("quadratic", kappa=500.0, theta=45.0, noise_sigma=0.1,
                                    axis_scale=3.0)  # fmt: skip
    assert jax.tree_util.tree_structure(first) == jax.tree_util.tree_structure(second)
    point = jnp.array([1.0, 1.0])
    value_first, _ = loss_and_grad(first, point)
    value_second, _ = loss_and_grad(second, point)
    assert float(value_first) != float(value_second)
    assert len(traces) == 1
    assert compilations(loss_and_grad) == 1

    formula_a = Objective.from_formula("x^2 + 3*y^2")
    formula_b = Objective.from_formula("x^2 + 3*y^2", axis_scale=2.0, noise_sigma=1.0)
    assert jax.tree_util.tree_structure(formula_a) == jax.tree_util.tree_structure(formula_b)
    loss_and_grad(formula_a, point)
    loss_and_grad(formula_b, point)
    assert len(traces) == 2


def test_different_surfaces_have_different_treedefs():
    structures = {jax.tree_util.tree_structure(Objective.from_surface(k)) for k in SURFACES}
    assert len(structures) == len(SURFACES)


def test_objective_vmaps_over_stacked_settings():
    objectives = [Objective.from_surface("quadratic", kappa=k) for k in (1.0, 10.0, 100.0)]
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *objectives)
    values = jax.vmap(lambda o: o(jnp.array([0.0, 1.0])))(stacked)
    np.testing.assert_allclose(values, [0.5, 5.0, 50.0], rtol=1e-6)


def test_formula_objective_properties():
    objective = Objective.from_formula("(1 - x)^2 + 100*(y - x^2)^2")
    rosenbrock = Objective.from_surface("rosenbrock")
    point = jnp.array([0.3, -0.4])
    assert float(objective(point)) == pytest.approx(float(rosenbrock(point)), rel=1e-6)
    np.testing.assert_allclose(jax.grad(objective)(point), jax.grad(rosenbrock)(point), rtol=1e-5)
    assert objective.domain == ((-3.0, 3.0), (-3.0, 3.0))
    assert objective.minima == ()
    assert objective.start == (-2.0, 2.0)
    assert objective.log_colour is False
    assert "x" in objective.latex and objective.surface is None
    assert objective.fn is Objective.from_formula("(1 - x)^2 + 100*(y - x^2)^2").fn


def test_surface_objective_properties():
    objective = Objective.from_surface("goldstein_price")
    surface = SURFACES["goldstein_price"]
    assert objective.title == surface.title
    assert objective.latex == surface.latex
    assert objective.log_colour is True
    assert objective.minima == surface.minima
    assert objective.start == surface.start
    assert objective.domain == surface.domain


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "nope"}, "unknown surface 'nope'; valid surfaces: bowl, quadratic"),
        ({"key": "quadratic", "kappa": 0.5}, r"kappa = 0.5 is outside its range \[1.0, 1000.0\]"),
        ({"key": "quadratic", "theta": 120.0}, r"theta = 120.0 is outside its range"),
        ({"key": "quadratic", "kappa": float("nan")}, "kappa must be finite"),
        ({"key": "quadratic", "gamma": 1.0}, "unknown shape parameter.*gamma.*valid: kappa, theta"),
        ({"key": "bowl", "kappa": 1.0}, "unknown shape parameter.*valid: none"),
        ({"key": "bowl", "noise_sigma": -0.1}, "noise_sigma must be >= 0, got -0.1"),
        ({"key": "bowl", "axis_scale": 0.0}, "axis_scale must be > 0, got 0.0"),
        ({"key": "bowl", "axis_scale": float("inf")}, "axis_scale must be finite"),
        ({"key": "bowl", "axis_scale": "big"}, "axis_scale must be a number"),
    ],
)
def test_from_surface_validates_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Objective.from_surface(**kwargs)


def test_from_formula_validates_its_arguments():
    with pytest.raises(FormulaError, match="unknown name 'z'"):
        Objective.from_formula("x + z")
    with pytest.raises(ValueError, match="axis_scale must be > 0"):
        Objective.from_formula("x + y", axis_scale=-1.0)
