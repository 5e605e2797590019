import numpy as np
import pytest
from unrolled import activations as A

EXTREME = np.array([-1e4, -800.0, -50.0, -1.0, 0.0, 1e-300, 1.0, 50.0, 800.0, 1e4])


@pytest.mark.parametrize("name", A.NAMES)
def test_finite_and_silent_for_extreme_inputs(name):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        y = A.get(name)(EXTREME)
        d = A.derivative(name, y)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(d))


@pytest.mark.parametrize("name", A.NAMES)
def test_derivative_from_output_matches_finite_differences(name):
    a = np.linspace(-3, 3, 41) + 0.013          # avoid relu's kink at 0
    f = A.get(name)
    eps = 1e-6
    numeric = (f(a + eps) - f(a - eps)) / (2 * eps)
    assert np.allclose(A.derivative(name, f(a)), numeric, atol=1e-8)


def test_sigmoid_matches_definition_and_gamma():
    a = np.linspace(-20, 20, 101)
    assert np.allclose(A.sigmoid(a), 1 / (1 + np.exp(-a)), rtol=1e-12, atol=1e-15)
    for name, gamma in A.GAMMA.items():
        grid = np.linspace(-10, 10, 2001) + 1e-9
        assert np.isclose(A.derivative(name, A.get(name)(grid)).max(), gamma, rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e4, 1e300])
def test_softmax_rows_sum_to_one_and_logsumexp_is_stable(scale):
    rng = np.random.default_rng(0)
    a = scale * rng.standard_normal((5, 7))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        p = A.softmax(a)
        lp = A.log_softmax(a)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.all(np.isfinite(lp)) and np.all(lp <= 0)
    assert np.allclose(A.logsumexp(np.array([1000.0, 1000.0])), 1000 + np.log(2))


def test_softmax_ignores_a_constant_shift():
    a = np.array([0.01, 0.49, 0.01])
    assert np.allclose(A.softmax(a - 1), A.softmax(a))


def test_unknown_activation_names_the_argument():
    with pytest.raises(ValueError, match="activation"):
        A.get("swish")
    with pytest.raises(ValueError, match="activation"):
        A.derivative("swish", np.zeros(2))


def test_float32_preserved():
    a = np.linspace(-5, 5, 11, dtype=np.float32)
    for name in A.NAMES:
        y = A.get(name)(a)
        assert y.dtype == np.float32 and A.derivative(name, y).dtype == np.float32
    assert A.softmax(a).dtype == np.float32
