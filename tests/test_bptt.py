"""The three textbook forms of BPTT agree with each other and with finite differences."""
import tracemalloc

import numpy as np
import pytest
from unrolled import bptt, optim

T, B, D, H, V = 6, 2, 3, 4, 5


def central_difference(loss_of, params, key, eps=1e-6):
    """d loss / d params[key] by centred differences (float64)."""
    out = np.zeros_like(params[key])
    for i in np.ndindex(params[key].shape):
        old = params[key][i]
        params[key][i] = old + eps
        plus = loss_of(params)
        params[key][i] = old - eps
        minus = loss_of(params)
        params[key][i] = old
        out[i] = (plus - minus) / (2 * eps)
    return out


def rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(T, B, D))
    y = rng.integers(0, V, (T, B))
    params = bptt.init_lm(D, H, V, rng, scale=1.3, bias=0.3)
    h0 = rng.normal(0, 0.5, (B, H))
    return x, y, params, h0


def test_biases_are_nonzero(problem):
    _, _, params, _ = problem
    assert np.all(params["b_h"] != 0) and np.all(params["b_y"] != 0)


def test_three_forms_agree(problem):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    total = bptt.total_derivative(cache)
    delta_form = bptt.immediate_state_gradients(cache) + bptt.delta_recursion(cache)
    np.testing.assert_allclose(delta_form, total, rtol=0, atol=1e-12)
    np.testing.assert_allclose(bptt.jacobian_form(cache), total, rtol=0, atol=1e-12)


def test_delta_is_future_only(problem):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    delta = bptt.delta_recursion(cache)
    assert np.all(delta[-1] == 0)                      # 000: no losses after the last step
    # delta at step t equals the total derivative of the losses after t alone: zero the
    # losses up to t by differentiating only sum_{s>t} l_s numerically through h_t.
    t = 2
    parts = bptt.loss_contributions(cache, t)["parts"]
    np.testing.assert_allclose(parts[t + 1:].sum(axis=0), delta[t], atol=1e-12)
    np.testing.assert_allclose(parts[t], bptt.immediate_state_gradients(cache)[t], atol=1e-12)


def test_every_parameter_matches_finite_differences(problem):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    grads = bptt.gradients(cache, "delta")
    for key in bptt.LM_KEYS:
        numeric = central_difference(lambda p: bptt.lm_forward(x, y, p, h0)[0], params, key)
        assert rel(grads[key], numeric) < 1e-7, key


def test_state_gradient_matches_finite_differences_through_h0(problem):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    _, dh0 = bptt.input_gradients(cache, bptt.total_derivative(cache))
    numeric = central_difference(lambda p: bptt.lm_forward(x, y, params, p["h0"])[0],
                                 {"h0": h0.copy()}, "h0")
    assert rel(dh0, numeric) < 1e-7


def test_jacobian_product_matches_finite_differences(problem):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    eps, t = 1e-6, T - 1
    numeric = np.zeros((B, H, H))
    for i in range(H):
        hp, hm = h0.copy(), h0.copy()
        hp[:, i] += eps
        hm[:, i] -= eps
        plus = bptt.lm_forward(x, y, params, hp)[1]["hs"][t]
        minus = bptt.lm_forward(x, y, params, hm)[1]["hs"][t]
        numeric[:, :, i] = (plus - minus) / (2 * eps)
    analytic = bptt.jacobian_product(cache, t, -1)
    assert rel(analytic, numeric) < 1e-7
    # 003's W^T diag(f') form, multiplied left to right, is the transpose
    np.testing.assert_allclose(bptt.jacobian_product_003(cache, t, -1),
                               np.transpose(analytic, (0, 2, 1)), atol=1e-12)
    # ... and NOT the Jacobian itself (the layouts really differ)
    assert np.abs(bptt.jacobian_product_003(cache, t, -1) - analytic).max() > 1e-3


def test_shared_weight_gradient_is_sum_of_immediate(problem):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    dh = bptt.total_derivative(cache)
    summed = bptt.shared_weight_gradients(cache, dh)
    steps = [bptt.immediate_gradients(cache, dh, t) for t in range(T)]
    # each step's immediate dW_hh is the outer product of 000 eq 16's terms
    t = 3
    expected = np.einsum("bj,bi->ji", dh[t] * (1 - cache["hs"][t] ** 2), cache["hs"][t - 1])
    np.testing.assert_allclose(steps[t]["W_hh"], expected, atol=1e-14)
    # the immediate gradients differ from step to step; their sum is the gradient
    assert np.abs(steps[1]["W_hh"] - steps[2]["W_hh"]).max() > 1e-6
    np.testing.assert_allclose(summed["W_hh"], sum(s["W_hh"] for s in steps), atol=1e-14)


def test_loss_contributions(problem):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    for k in range(T):
        r = bptt.loss_contributions(cache, k)
        assert np.all(r["norms"][:k] == 0)
        assert r["norms"][k] > 0
        np.testing.assert_allclose(r["shares"].sum(), 1.0, atol=1e-12)
        np.testing.assert_allclose(r["total"], bptt.total_derivative(cache)[k], atol=1e-12)
    with pytest.raises(ValueError, match="k"):
        bptt.loss_contributions(cache, T)


@pytest.mark.parametrize("k1,k2", [(1, 1), (1, 3), (2, 2), (2, 5), (3, 4), (4, 4), (5, 5)])
def test_streaming_truncation_equals_truncation_from_full_cache(problem, k1, k2):
    x, y, params, h0 = problem
    loss, cache = bptt.lm_forward(x, y, params, h0)
    reference = bptt.truncated_gradients(cache, k1, k2)
    stream_loss, streamed = bptt.streaming_truncated_gradients(x, y, params, k1, k2, h0)
    assert stream_loss == pytest.approx(loss, rel=1e-14)
    for key in bptt.LM_KEYS:
        np.testing.assert_allclose(streamed[key], reference[key], atol=1e-12)


@pytest.mark.parametrize("k1", [1, 2, 4, T])
def test_truncation_with_long_window_is_full_bptt(problem, k1):
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    full = bptt.gradients(cache)
    cosine, err = bptt.gradient_agreement(full, bptt.truncated_gradients(cache, k1, T))
    assert err < 1e-13 and cosine == pytest.approx(1.0, abs=1e-13)


def test_short_window_is_biased_and_sees_nothing_beyond_k2():
    """A target that equals the input L steps back: with k2 <= L the truncated
    gradient has no term linking loss l_t to input x_{t-L}."""
    rng = np.random.default_rng(0)
    L, n, Tn = 3, 4, 12
    tokens = rng.integers(0, n, (Tn, 2))
    x = np.eye(n)[tokens]
    y = np.roll(tokens, L, axis=0)
    params = bptt.init_lm(n, 6, n, rng, scale=1.5, bias=0.2)
    _, cache = bptt.lm_forward(x, y, params)
    full = bptt.gradients(cache)
    errs = [bptt.gradient_agreement(full, bptt.truncated_gradients(cache, 1, k2))[1]
            for k2 in range(1, Tn + 1)]
    assert errs[0] > 0.05 and errs[-1] < 1e-13
    assert errs[L] < errs[0]
    by_lag = bptt.input_weight_gradient_by_lag(cache)
    np.testing.assert_allclose(by_lag.sum(axis=0), full["W_hx"], atol=1e-12)
    assert np.abs(by_lag[L]).max() > 1e-3
    for k2 in (L, L + 1):
        cut = bptt.input_weight_gradient_by_lag(cache, 1, k2)
        np.testing.assert_allclose(cut.sum(axis=0),
                                   bptt.truncated_gradients(cache, 1, k2)["W_hx"], atol=1e-12)
        np.testing.assert_allclose(cut[:k2], by_lag[:k2], atol=1e-12)
        assert np.all(cut[k2:] == 0)
    # with chunks (k1 > 1) the sum over lags is still the truncated gradient
    cut = bptt.input_weight_gradient_by_lag(cache, 4, 5)
    np.testing.assert_allclose(cut.sum(axis=0),
                               bptt.truncated_gradients(cache, 4, 5)["W_hx"], atol=1e-12)
    assert np.all(cut[5:] == 0)


def test_streaming_memory_does_not_grow_with_T():
    rng = np.random.default_rng(1)
    params = bptt.init_lm(8, 32, 8, rng)
    peaks = []
    for Tn in (50, 400):
        x = rng.normal(size=(Tn, 4, 8))
        y = rng.integers(0, 8, (Tn, 4))
        tracemalloc.start()
        bptt.streaming_truncated_gradients(x, y, params, 5, 10)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.2 * peaks[0]
    tracemalloc.start()
    bptt.lm_forward(x, y, params)
    full_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert full_peak > 3 * peaks[1]


def test_two_layer_backward_matches_finite_differences():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(5, 2, 3))
    y = rng.integers(0, 4, (5, 2))
    params = bptt.init_two_layer(3, 4, 3, 4, rng, scale=1.2, bias=0.3)
    _, cache = bptt.two_layer_forward(x, y, params)
    grads = bptt.two_layer_backward(cache)
    for key in bptt.TWO_LAYER_KEYS:
        numeric = central_difference(lambda p: bptt.two_layer_forward(x, y, p)[0], params, key)
        assert rel(grads[key], numeric) < 1e-7, key


def test_bad_input_names_the_argument(problem):
    x, y, params, _ = problem
    with pytest.raises(ValueError, match="targets"):
        bptt.lm_forward(x, y[:-1], params)
    with pytest.raises(ValueError, match="W_hh"):
        bptt.lm_forward(x, y, {**params, "W_hh": np.zeros((H, H + 1))})
    with pytest.raises(ValueError, match="k2"):
        bptt.streaming_truncated_gradients(x, y, params, 2, 0)
    with pytest.raises(ValueError, match="k2 >= k1"):
        bptt.truncated_gradients(bptt.lm_forward(x, y, params)[1], 3, 2)
    with pytest.raises(ValueError, match="form"):
        bptt.state_gradients(bptt.lm_forward(x, y, params)[1], "adjoint")


def test_each_immediate_gradient_is_the_gradient_of_an_untied_copy(problem):
    """000 eq 16's 'immediate' effect: give step t its own copy of W_hh and
    differentiate with respect to that copy alone."""
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    dh = bptt.total_derivative(cache)
    for t in (0, 3, T - 1):
        copy = {"W_hh": params["W_hh"].copy()}
        numeric = central_difference(
            lambda c, t=t: bptt.lm_forward(x, y, params, h0, untied={t: c})[0], copy, "W_hh")
        assert rel(bptt.immediate_gradients(cache, dh, t)["W_hh"], numeric) < 1e-7


def test_options_that_would_be_ignored_are_refused(problem):
    """k2 without k1 (or the reverse) and untied copies for steps or keys that do not exist
    would change nothing: refused, naming the argument."""
    x, y, params, h0 = problem
    _, cache = bptt.lm_forward(x, y, params, h0)
    with pytest.raises(ValueError, match="k1, k2: expected both"):
        bptt.input_weight_gradient_by_lag(cache, k2=3)
    with pytest.raises(ValueError, match="k1, k2: expected both"):
        bptt.input_weight_gradient_by_lag(cache, 2)
    copy = params["W_hh"].copy()
    with pytest.raises(ValueError, match=r"untied: expected steps t in \[0, "):
        bptt.lm_forward(x, y, params, h0, untied={T: {"W_hh": copy}})
    with pytest.raises(ValueError, match=r"untied\[1\]: expected keys of params"):
        bptt.lm_forward(x, y, params, h0, untied={1: {"W_xx": copy}})
    with pytest.raises(ValueError, match=r"untied\[1\]\['W_hh'\]: expected shape"):
        bptt.lm_forward(x, y, params, h0, untied={1: {"W_hh": copy[:, :2]}})


# ------------------------------------------------ the production pipeline and the three regimes
def _copy_stream(rng, L, B, lag=3, K=4):
    tokens = rng.integers(0, K, (L, B))
    targets = np.zeros_like(tokens)
    targets[lag:] = tokens[:-lag]
    mask = np.zeros((L, B))
    mask[lag:] = 1.0
    return np.eye(K)[tokens], targets, mask


def _lm(rng, K=4, H=5):
    return bptt.init_lm(K, H, K, rng, scale=1.0, bias=0.2)


def test_rnn_lm_step_is_the_textbook_model():
    rng = np.random.default_rng(0)
    x, y, _ = _copy_stream(rng, 7, 2)
    params, h0 = _lm(rng), rng.normal(size=(2, 5))
    loss, grads, _, hs = bptt.rnn_lm_step(params, x, y, h0=h0)
    ref_loss, cache = bptt.lm_forward(x, y, params, h0)
    assert abs(loss - ref_loss) < 1e-12 and np.abs(hs - cache["hs"]).max() < 1e-12
    ref = bptt.gradients(cache)
    assert max(np.abs(grads[k] - ref[k]).max() for k in ref) < 1e-12
    trunc = bptt.rnn_lm_step(params, x, y, k1=2, k2=3, h0=h0)[1]
    ref_t = bptt.truncated_gradients(cache, 2, 3)
    assert max(np.abs(trunc[k] - ref_t[k]).max() for k in ref_t) < 1e-12


def test_rnn_lm_step_checks_k1_k2_together():
    rng = np.random.default_rng(0)
    x, y, _ = _copy_stream(rng, 5, 1)
    with pytest.raises(ValueError, match="k1, k2"):
        bptt.rnn_lm_step(_lm(rng), x, y, k1=2)


def _manual_chunks(params, x, y, mask, k1, k2, reset, lr):
    """The regimes written out with bptt.lm_forward / truncated_gradients and plain SGD, for comparison."""
    L, B, _ = x.shape
    H = params["W_hh"].shape[0]
    states = [np.zeros((B, H))]
    for begin in range(0, L, k1):
        end = min(begin + k1, L)
        start = begin if reset else max(0, end - k2)
        h0 = np.zeros((B, H)) if reset else states[start]
        _, cache = bptt.lm_forward(x[start:end], y[start:end], params, h0)
        own = mask[start:end].copy()
        own[:begin - start] = 0
        if own.sum() > 0:      # a chunk without targets only moves the state on
            # the mean over the chunk's own targets: scale each step's readout error by its weight
            w = own / own.sum()
            onehot = np.eye(params["W_yh"].shape[0])[y[start:end]]
            g = bptt.gradients(dict(cache, ps=onehot + (cache["ps"] - onehot) * w[..., None]))
            for key in params:
                params[key] = params[key] - lr * g[key]
        while len(states) < end + 1:
            states.append(None)
        for i, t in enumerate(range(start, end)):
            if t >= begin:
                states[t + 1] = cache["hs"][i]
    return params


@pytest.mark.parametrize("k1,k2,reset", [(3, 3, True), (3, 3, False), (2, 5, False)])
def test_train_stream_matches_the_regime_written_out(k1, k2, reset):
    rng = np.random.default_rng(4)
    x, y, mask = _copy_stream(rng, 11, 2)
    params = _lm(rng)
    expected = _manual_chunks({k: v.copy() for k, v in params.items()}, x, y, mask, k1, k2, reset, 0.1)
    out = bptt.train_stream(params, x, y, mask, k1, k2, optim.SGD(lr=0.1), reset=reset)
    assert max(np.abs(params[k] - expected[k]).max() for k in params) < 1e-12
    chunks = [b for b in range(0, 11, k1) if mask[:min(b + k1, 11)][b:].sum() > 0]
    assert out["updates"] == len(out["loss"]) == len(chunks)
    assert out["backward_steps"] == sum(min(b + k1, 11) - (b if reset else max(0, min(b + k1, 11) - k2))
                                        for b in chunks)


def test_train_stream_rejects_bad_windows():
    rng = np.random.default_rng(0)
    x, y, mask = _copy_stream(rng, 6, 1)
    with pytest.raises(ValueError, match="k2"):
        bptt.train_stream(_lm(rng), x, y, mask, 3, 2, optim.SGD(lr=0.1))
    with pytest.raises(ValueError, match="k2"):
        bptt.train_stream(_lm(rng), x, y, mask, 2, 4, optim.SGD(lr=0.1), reset=True)


def test_stream_accuracy_counts_masked_positions_with_and_without_resets():
    rng = np.random.default_rng(1)
    x, y, mask = _copy_stream(rng, 12, 3)
    params = _lm(rng)
    _, cache = bptt.lm_forward(x, y, params)
    hits = (cache["ps"].argmax(-1) == y) * mask
    assert bptt.stream_accuracy(params, x, y, mask) == pytest.approx(hits.sum() / mask.sum())
    parts = [bptt.lm_forward(x[b:b + 4], y[b:b + 4], params)[1]["ps"].argmax(-1) for b in (0, 4, 8)]
    hits_reset = (np.concatenate(parts) == y) * mask
    assert bptt.stream_accuracy(params, x, y, mask, reset_every=4) == pytest.approx(hits_reset.sum() / mask.sum())


def test_two_layer_backward_pathway_switches():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 2, 3))
    y = rng.integers(0, 4, (5, 2))
    params = bptt.init_two_layer(3, 4, 3, 4, rng, bias=0.2)
    _, cache = bptt.two_layer_forward(x, y, params)
    both = bptt.two_layer_backward(cache)
    assert np.all(bptt.two_layer_backward(cache, feedforward=False)["W_hx1"] == 0)
    only_ff = bptt.two_layer_backward(cache, recurrent=False)
    assert np.abs(only_ff["W_hx1"] - both["W_hx1"]).max() > 1e-3
    assert np.abs(only_ff["W_yh"] - both["W_yh"]).max() == 0        # the top layer is untouched
