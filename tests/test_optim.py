import numpy as np
import pytest
from unrolled import optim


def quadratic(p):
    """L = sum((w - 3)^2): minimum at w = 3."""
    return float(np.sum((p["w"] - 3) ** 2)), {"w": 2 * (p["w"] - 3)}


@pytest.mark.parametrize("opt", [optim.SGD(0.1), optim.SGD(0.05, momentum=0.9), optim.Adagrad(1.0), optim.Adam(0.1)])
def test_optimisers_minimise_a_quadratic(opt):
    p = {"w": np.array([0.0, 10.0, -5.0])}
    first = quadratic(p)[0]
    for _ in range(300):
        opt.step(p, quadratic(p)[1])
    assert quadratic(p)[0] < 1e-3 * first


def test_adam_first_step_is_lr_times_sign():
    p = {"w": np.array([1.0, -2.0])}
    optim.Adam(lr=0.01).step(p, {"w": np.array([5.0, -0.001])})
    assert np.allclose(p["w"], [0.99, -1.99], atol=1e-6)     # bias correction: |step| = lr


def test_clipping_by_norm_keeps_direction_elementwise_does_not():
    g = {"a": np.array([30.0, 4.0]), "b": np.array([[0.5]])}
    clipped, norm = optim.clip_global_norm(g, 1.0)
    assert np.isclose(norm, np.sqrt(900 + 16 + 0.25))
    assert np.isclose(optim.global_norm(clipped), 1.0)
    flat = np.concatenate([v.ravel() for v in g.values()])
    flat_c = np.concatenate([v.ravel() for v in clipped.values()])
    assert np.isclose(flat @ flat_c / (np.linalg.norm(flat) * np.linalg.norm(flat_c)), 1.0)
    el = optim.clip_elementwise(g, 1.0)
    flat_e = np.concatenate([v.ravel() for v in el.values()])
    assert np.all(np.abs(flat_e) <= 1.0)
    assert flat @ flat_e / (np.linalg.norm(flat) * np.linalg.norm(flat_e)) < 0.9
    small, n = optim.clip_global_norm({"a": np.array([0.1])}, 1.0)
    assert np.array_equal(small["a"], [0.1]) and g["a"][0] == 30.0   # untouched input


def test_float32_parameters_stay_float32():
    p = {"w": np.ones(3, np.float32)}
    for opt in (optim.SGD(0.1, 0.5), optim.Adagrad(0.1), optim.Adam(0.1)):
        opt.step(p, {"w": np.ones(3, np.float32)})
        assert p["w"].dtype == np.float32


def test_optim_rejects_bad_input():
    with pytest.raises(ValueError, match="lr"):
        optim.Adam(lr=-1)
    with pytest.raises(ValueError, match="momentum"):
        optim.SGD(0.1, momentum=1.5)
    with pytest.raises(ValueError, match="grads: expected the keys"):
        optim.SGD().step({"w": np.zeros(2)}, {"v": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected shape"):
        optim.SGD().step({"w": np.zeros(2)}, {"w": np.zeros(3)})
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected finite"):
        optim.Adam().step({"w": np.zeros(2)}, {"w": np.array([np.nan, 0])})
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_global_norm({"w": np.zeros(2)}, 0)
    with pytest.raises(ValueError, match="value"):
        optim.clip_elementwise({"w": np.zeros(2)}, -1)
