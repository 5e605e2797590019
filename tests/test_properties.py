"""Properties that hold for every size, dtype and input, checked with hypothesis.

* an LSTM whose forget gate is 1 and input gate 0 keeps its cell exactly;
* a GRU whose update gate says "keep" (z = 1) keeps its state exactly, in both
  conventions;
* softmax rows sum to 1, and log_softmax / logsumexp stay finite, for inputs
  anywhere in the finite floating-point range;
* truncated BPTT with k2 >= T is full BPTT;
* float32 in, float32 out: states, input and parameter gradients keep the dtype.
"""
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from unrolled import activations, cells, sequence

DTYPES = st.sampled_from([np.float32, np.float64])
FEW = settings(max_examples=25)   # the profile in conftest.py makes every run draw the same examples
# A pre-activation this large saturates sigmoid to exactly 0 or 1 in float32 and float64.
SATURATED = st.floats(min_value=60.0, max_value=1e4)


@st.composite
def sizes(draw, max_t=6):
    return (draw(st.integers(1, max_t)), draw(st.integers(1, 3)),
            draw(st.integers(1, 4)), draw(st.integers(1, 5)))


def data(draw, shape, dtype, scale=3.0):
    return draw(arrays(dtype, shape, elements=st.floats(-scale, scale, width=32)))


@FEW
@given(st.data(), sizes(), DTYPES, SATURATED, SATURATED)
def test_lstm_open_forget_closed_input_keeps_the_cell(d, size, dtype, f_bias, i_bias):
    T, B, D, H = size
    rng = np.random.default_rng(d.draw(st.integers(0, 2**32 - 1)))
    p = cells.init("lstm", D, H, rng, dtype=dtype)
    for block, bias in ((0, -i_bias), (1, f_bias)):        # blocks i, f, g, o
        rows = slice(block * H, (block + 1) * H)
        p["W_x"][rows] = 0
        p["W_h"][rows] = 0
        p["b"][rows] = bias
    x = data(d.draw, (T, B, D), dtype, scale=100.0)
    c0 = data(d.draw, (B, H), dtype, scale=1e3)
    h0 = data(d.draw, (B, H), dtype)
    hs, cache = sequence.forward("lstm", x, p, (h0, c0))
    h_T, c_T = sequence.last_state(cache)
    np.testing.assert_array_equal(c_T, c0)
    assert c_T.dtype == hs.dtype == dtype
    # and step by step: the cell after every step is c0
    state = (h0, c0)
    for t in range(T):
        state, _ = cells.lstm_step(x[t], state, p)
        np.testing.assert_array_equal(state[1], c0)


@FEW
@given(st.data(), sizes(), DTYPES, SATURATED, st.booleans())
def test_gru_with_update_gate_at_keep_keeps_its_state(d, size, dtype, z_bias, reset_after):
    T, B, D, H = size
    rng = np.random.default_rng(d.draw(st.integers(0, 2**32 - 1)))
    p = cells.init("gru", D, H, rng, dtype=dtype, reset_after=reset_after)
    rows = slice(H, 2 * H)                                   # blocks r, z, n
    p["W_x"][rows] = 0
    p["W_h"][rows] = 0
    for key in ("b_x", "b_h") if reset_after else ("b",):
        p[key][rows] = z_bias / 2 if reset_after else z_bias
    x = data(d.draw, (T, B, D), dtype, scale=100.0)
    h0 = data(d.draw, (B, H), dtype, scale=10.0)
    hs, _ = sequence.forward("gru", x, p, h0)
    for t in range(T):
        np.testing.assert_array_equal(hs[t], h0)


EXTREME = st.floats(allow_nan=False, allow_infinity=False)            # the whole float64 range


@FEW
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=EXTREME))
@example(np.array([[np.finfo(np.float64).max, -np.finfo(np.float64).max]]))
@example(np.array([[-1e308, -1e308, -1e308]]))
def test_softmax_rows_sum_to_one_for_any_finite_input(a):
    p = activations.softmax(a)
    assert np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=4 * a.shape[-1] * 2.0**-52)
    assert np.all(p[np.arange(len(a)), a.argmax(axis=-1)] >= 1.0 / a.shape[-1] - 1e-15)
    assert np.all(np.isfinite(activations.logsumexp(a)))
    log_p = activations.log_softmax(a)
    assert np.all(log_p <= 0) and not np.any(np.isnan(log_p))


@FEW
@given(arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 6)),
              elements=st.floats(allow_nan=False, allow_infinity=False, width=32)))
def test_softmax_float32_stays_float32(a):
    p = activations.softmax(a)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-5)


KINDS = st.sampled_from(["rnn", "gated", "lstm", "gru", "gru_cho"])


def init(kind, D, H, rng, dtype=np.float64):
    if kind == "gru_cho":
        return "gru", cells.init("gru", D, H, rng, reset_after=False, dtype=dtype)
    return kind, cells.init(kind, D, H, rng, dtype=dtype)


def parts(state):
    """A state as a tuple of arrays: (h, c) for the LSTM, (h,) otherwise."""
    return tuple(state) if isinstance(state, (tuple, list)) else (state,)


@FEW
@given(st.data(), KINDS, sizes(max_t=8))
def test_truncated_bptt_with_k2_at_least_T_is_full_bptt(d, kind, size):
    T, B, D, H = size
    k1 = d.draw(st.integers(1, T + 2))
    k2 = d.draw(st.integers(max(T, k1), T + 4))
    rng = np.random.default_rng(d.draw(st.integers(0, 2**32 - 1)))
    kind, p = init(kind, D, H, rng)
    x = rng.standard_normal((T, B, D))
    dhs = rng.standard_normal((T, B, H))
    _, cache = sequence.forward(kind, x, p)
    dx, dstate0, grads = sequence.backward(dhs, cache)
    tdx, tdstate0, tgrads = sequence.truncated_backward(dhs, cache, k1, k2)
    np.testing.assert_allclose(tdx, dx, rtol=1e-10, atol=1e-12)
    for a, b in zip(parts(tdstate0), parts(dstate0), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert set(tgrads) == set(grads)
    for key in grads:
        np.testing.assert_allclose(tgrads[key], grads[key], rtol=1e-10, atol=1e-12)


@FEW
@given(st.data(), KINDS, sizes(max_t=4), DTYPES)
def test_dtype_is_preserved_end_to_end(d, kind, size, dtype):
    T, B, D, H = size
    rng = np.random.default_rng(d.draw(st.integers(0, 2**32 - 1)))
    kind, p = init(kind, D, H, rng, dtype)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    hs, cache = sequence.forward(kind, x, p)
    dx, dstate0, grads = sequence.backward(rng.standard_normal((T, B, H)).astype(dtype), cache)
    assert hs.dtype == dx.dtype == dtype
    for part in parts(dstate0) + parts(sequence.last_state(cache)):
        assert part.dtype == dtype
    for key, g in grads.items():
        assert g.dtype == dtype and g.shape == p[key].shape, key
