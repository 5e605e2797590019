import numpy as np
import pytest
from unrolled import gradcheck


def test_numerical_gradient_of_a_known_function_and_restores_x():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    before = x.copy()
    g = gradcheck.numerical_gradient(lambda: float(np.sum(np.sin(x) * x)), x)
    assert np.allclose(g, np.cos(before) * before + np.sin(before), rtol=1e-9)
    assert np.array_equal(x, before)


def test_relative_errors():
    a = np.array([1.0, 2.0, 0.0])
    assert gradcheck.relative_error(a, a) == 0.0
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert np.isclose(gradcheck.relative_error(a, 2 * a), 1 / 3)
    b = a + np.array([0.0, 0.0, 1e-3])                       # one bad element hides in the norm...
    assert gradcheck.relative_error(a, b) < 1e-3
    assert gradcheck.max_relative_error(a, b) == 1.0          # ...but not in the worst element


def test_check_gradients_catches_a_wrong_gradient():
    rng = np.random.default_rng(0)
    params = {"w": rng.standard_normal(3), "b": np.array([0.7])}

    def loss(p):
        return float(np.sum((p["w"] * 2 + p["b"]) ** 2))

    w2b = params["w"] * 2 + params["b"]
    good = {"w": 4 * w2b, "b": np.array([2 * w2b.sum()])}
    report = gradcheck.check_gradients(loss, params, good)
    assert all(r["norm"] < 1e-9 for r in report.values())
    bad = {"w": 4 * w2b, "b": np.array([w2b.sum()])}          # a factor of 2 missing
    assert gradcheck.check_gradients(loss, params, bad)["b"]["norm"] > 0.1


def test_gradcheck_rejects_bad_input():
    with pytest.raises(TypeError, match="x: gradient checks need float64"):
        gradcheck.numerical_gradient(lambda: 0.0, np.zeros(2, np.float32))
    with pytest.raises(TypeError, match="x: expected a numpy array"):
        gradcheck.numerical_gradient(lambda: 0.0, [1.0])
    with pytest.raises(ValueError, match="grads: expected the keys"):
        gradcheck.check_gradients(lambda p: 0.0, {"a": np.zeros(1)}, {"b": np.zeros(1)})
    with pytest.raises(ValueError, match="b: expected shape"):
        gradcheck.relative_error(np.zeros(2), np.zeros(3))
