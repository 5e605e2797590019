import numpy as np
import pytest
from unrolled import gradcheck, layers, losses


def test_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 3, 5))
    y = rng.integers(0, 5, (4, 3))
    mask = (rng.random((4, 3)) > 0.3).astype(float)
    mask[0, 0] = 1
    for reduction in ("mean", "sum"):
        loss, d = losses.softmax_cross_entropy(logits, y, mask, reduction)
        p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        nll = -np.log(np.take_along_axis(p, y[..., None], -1)[..., 0])
        expected = (nll * mask).sum() / (mask.sum() if reduction == "mean" else 1)
        assert np.isclose(loss, expected, rtol=1e-13)
        num = gradcheck.numerical_gradient(
            lambda r=reduction: losses.softmax_cross_entropy(logits, y, mask, r)[0], logits)
        assert gradcheck.relative_error(d, num) < 1e-8


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_cross_entropy_is_stable_for_extreme_logits(scale):
    logits = np.array([[scale, -scale, 0.0], [-scale, scale, scale]])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        loss, d = losses.softmax_cross_entropy(logits, np.array([1, 0]), reduction="sum")
    assert np.isclose(loss, 2 * scale + (2 * scale + np.log(2)), rtol=1e-12)   # 2s, then 2s + ln 2
    assert np.all(np.isfinite(d))


def test_mse_value_and_gradient():
    rng = np.random.default_rng(1)
    pred, target = rng.standard_normal((6, 2, 3)), rng.standard_normal((6, 2, 3))
    mask = np.ones((6, 2))
    mask[:5] = 0                                             # loss only at the last step
    loss, d = losses.mse(pred, target, mask)
    assert np.isclose(loss, np.mean((pred[5] - target[5]) ** 2))
    num = gradcheck.numerical_gradient(lambda: losses.mse(pred, target, mask)[0], pred)
    assert gradcheck.relative_error(d, num) < 1e-8
    assert np.all(d[:5] == 0)


def test_affine_and_embedding_gradients():
    rng = np.random.default_rng(2)
    h, W, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    G = rng.standard_normal((3, 2, 5))
    y, cache = layers.affine_forward(h, W, b)
    assert np.allclose(y, np.einsum("tbh,kh->tbk", h, W) + b)
    dh, dW, db = layers.affine_backward(G, cache)
    for x, d in ((h, dh), (W, dW), (b, db)):
        num = gradcheck.numerical_gradient(lambda: float(np.sum(G * layers.affine_forward(h, W, b)[0])), x)
        assert gradcheck.relative_error(d, num) < 1e-8
    E = rng.standard_normal((3, 7))                          # (D, V): e = E x for one-hot x
    ids = rng.integers(0, 7, (4, 2))
    e, cache = layers.embedding_forward(ids, E)
    assert np.array_equal(e[1, 0], E[:, ids[1, 0]])
    G = rng.standard_normal(e.shape)
    dE = layers.embedding_backward(G, cache)
    num = gradcheck.numerical_gradient(lambda: float(np.sum(G * layers.embedding_forward(ids, E)[0])), E)
    assert gradcheck.relative_error(dE, num) < 1e-8


def test_losses_reject_bad_input():
    with pytest.raises(ValueError, match="targets: expected shape"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(3, int))
    with pytest.raises(TypeError, match="targets: expected integer"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"targets: expected indices in \[0, 3\)"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="logits: expected finite"):
        losses.softmax_cross_entropy(np.array([[np.nan, 0.0]]), np.array([0]))
    with pytest.raises(ValueError, match="mask: expected at least one"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(2, int), mask=np.zeros(2))
    with pytest.raises(ValueError, match="target: expected shape"):
        losses.mse(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="reduction"):
        losses.mse(np.zeros((2, 3)), np.zeros((2, 3)), reduction="max")
    with pytest.raises(ValueError, match="h: expected last dimension 4"):
        layers.affine_forward(np.zeros((2, 3)), np.zeros((5, 4)), np.zeros(5))
    with pytest.raises(ValueError, match="ids: expected indices"):
        layers.embedding_forward(np.array([7]), np.zeros((3, 7)))


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-13), (np.float32, 1e-5)])
def test_the_training_loops_in_place_cross_entropy_equals_the_checked_one(dtype, tol):
    rng = np.random.default_rng(5)
    logits = (rng.standard_normal((6, 4, 9)) * 4).astype(dtype)
    logits[0, 0] = [1e4, -1e4] + [0.0] * 7                    # extreme logits stay finite
    y = rng.integers(0, 9, (6, 4))
    loss, d = losses.softmax_cross_entropy(logits, y)
    buffer = logits.copy()
    loss_in_place, d_in_place = losses._mean_softmax_cross_entropy_in_place(buffer, y)
    assert np.shares_memory(d_in_place, buffer) and d_in_place.dtype == dtype    # written over the logits
    assert loss_in_place == pytest.approx(loss, rel=tol)
    assert np.abs(d_in_place - d).max() <= tol * np.abs(d).max()
