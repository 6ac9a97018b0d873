"""Every listed local minimum is one: zero gradient, positive-definite Hessian, the listed value,
inside the domain; and the lists are complete where the count is known."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from adadelta.problems.surfaces import SURFACES, Objective

# Known counts of local minima inside the plotting domain (global ones included).
KNOWN_COUNTS = {"three_hump_camel": 3, "six_hump_camel": 6, "styblinski_tang": 4}

CASES = [
    (key, index) for key, surface in SURFACES.items() for index in range(len(surface.local_minima))
]


def test_surfaces_with_several_minima_list_them_all():
    for key, count in KNOWN_COUNTS.items():
        assert len(SURFACES[key].local_minima) == count
        # The global minima are among them.
        for minimum in SURFACES[key].minima:
            assert any(np.allclose(minimum, m) for m in SURFACES[key].local_minima)


@pytest.mark.parametrize(("key", "index"), CASES)
def test_listed_local_minimum_is_a_local_minimum(key, index):
    surface = SURFACES[key]
    x, y, f = surface.local_minima[index]
    with jax.enable_x64(True):
        point = jnp.array([x, y], jnp.float64)

        def fn(p):
            return surface.fn(p[0], p[1])

        gradient = np.asarray(jax.grad(fn)(point))
        hessian = np.asarray(jax.hessian(fn)(point))
        value = float(fn(point))
    assert np.abs(gradient).max() < 1e-9
    assert np.linalg.eigvalsh(hessian).min() > 0
    assert value == pytest.approx(f, abs=1e-9)
    (xmin, xmax), (ymin, ymax) = surface.domain
    assert xmin <= x <= xmax and ymin <= y <= ymax


def test_objective_local_minima_fall_back_to_the_global_ones_and_follow_the_axis_scale():
    assert Objective.from_surface("himmelblau").local_minima == SURFACES["himmelblau"].minima
    scaled = Objective.from_surface("styblinski_tang", axis_scale=2.0)
    for (x, y, f), (x0, y0, f0) in zip(
        scaled.local_minima, SURFACES["styblinski_tang"].local_minima
    ):
        assert (x, y * 2.0, f) == (x0, y0, f0)
    assert Objective.from_formula("x^2 + y^2").local_minima == ()
