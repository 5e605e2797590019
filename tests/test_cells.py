import numpy as np
import pytest
from unrolled import cells, gradcheck, sequence
from unrolled.activations import sigmoid

from .helpers import IDS, VARIANTS, random_state


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_step_backward_matches_finite_differences(kind, init_opts, fwd_opts, seed):
    """One step, every parameter, the input and the previous state, in float64."""
    rng = np.random.default_rng(seed)
    B, D, H = 3, 4, 5
    p = cells.init(kind, D, H, rng, **init_opts)
    for k in p:
        if k.startswith("b"):
            p[k] += 0.3
    x = rng.standard_normal((B, D))
    state = random_state(kind, B, H, rng)
    act = fwd_opts.get("activation")     # None: only the RNN has a choice
    # a random linear function of the new state, so every output coordinate matters
    wh = rng.standard_normal((B, H))
    wc = rng.standard_normal((B, H))

    def loss():
        new, _ = cells.step(kind, x, state, p, act)
        return np.sum(wh * new[0]) + np.sum(wc * new[1]) if kind == "lstm" else np.sum(wh * new)

    new, cache = cells.step(kind, x, state, p, act)
    dstate = (wh, wc) if kind == "lstm" else wh
    dx, dprev, grads = cells.step_backward(dstate, cache)
    for name in cells.arrays(p):
        num = gradcheck.numerical_gradient(loss, p[name])
        assert gradcheck.relative_error(grads[name], num) < 1e-8, name
    assert gradcheck.relative_error(dx, gradcheck.numerical_gradient(loss, x)) < 1e-8
    if kind == "lstm":
        for part, d in zip(state, dprev):
            assert gradcheck.relative_error(d, gradcheck.numerical_gradient(loss, part)) < 1e-8
    else:
        assert gradcheck.relative_error(dprev, gradcheck.numerical_gradient(loss, state)) < 1e-8


def test_rnn_step_is_the_equation():
    rng = np.random.default_rng(3)
    p = cells.init("rnn", 2, 3, rng)
    x, h = rng.standard_normal((1, 2)), rng.standard_normal((1, 3))
    h1, _ = cells.rnn_step(x, h, p)
    expected = np.tanh(p["W_hx"] @ x[0] + p["W_hh"] @ h[0] + p["b_h"])
    assert np.allclose(h1[0], expected, rtol=1e-14)


def test_lstm_blocks_are_in_order_i_f_g_o():
    rng = np.random.default_rng(4)
    H = 3
    p = cells.init("lstm", 2, H, rng)
    x, h, c = rng.standard_normal((1, 2)), rng.standard_normal((1, H)), rng.standard_normal((1, H))
    (h1, c1), _ = cells.lstm_step(x, (h, c), p)
    a = p["W_x"] @ x[0] + p["W_h"] @ h[0] + p["b"]
    i, f, g, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), np.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
    assert np.allclose(c1[0], f * c[0] + i * g) and np.allclose(h1[0], o * np.tanh(f * c[0] + i * g))


def test_gru_conventions_differ_and_agree_when_the_reset_gate_is_open():
    """Reset before vs after the product: equal when r = 1 and the recurrent n-bias is zero."""
    rng = np.random.default_rng(5)
    H = 4
    after = cells.init("gru", 3, H, rng, reset_after=True)
    cho = {"W_x": after["W_x"], "W_h": after["W_h"], "b": after["b_x"] + after["b_h"]}
    cho["b"][2 * H:] = after["b_x"][2 * H:]            # Cho has no bias inside the reset product
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, H))
    h_after, _ = cells.gru_step(x, h, after)
    h_cho, _ = cells.gru_step(x, h, cho)
    assert not np.allclose(h_after, h_cho)            # they are different models...
    for p in (after, cho):                             # ...until the reset gate is fully open
        key = "b_x" if "b_x" in p else "b"
        p[key][:H] = 1e3
    after["b_h"][2 * H:] = 0.0
    assert np.allclose(cells.gru_step(x, h, after)[0], cells.gru_step(x, h, cho)[0], rtol=1e-12)


def test_gated_rnn_keeps_state_when_gate_is_closed():
    rng = np.random.default_rng(6)
    p = cells.init("gated", 2, 3, rng)
    p["b_g"][:] = -1e3                                  # g = 0: s_t = s_{t-1} (000 eq 24)
    h = rng.standard_normal((2, 3))
    assert np.array_equal(cells.gated_step(rng.standard_normal((2, 2)), h, p)[0], h)


@pytest.mark.parametrize("kind", cells.KINDS)
@pytest.mark.parametrize("scheme", cells.SCHEMES)
def test_init_shapes_dtype_and_radius(kind, scheme):
    rng = np.random.default_rng(7)
    p = cells.init(kind, 3, 5, rng, scheme=scheme, radius=0.9, dtype=np.float32)
    cells.check_params(kind, p, n_in=3)
    assert all(a.dtype == np.float32 for a in p.values())
    rec = [p["W_hh"]] if kind == "rnn" else ([p["W_gh"], p["W_hh"]] if kind == "gated"
                                            else np.split(p["W_h"], cells.BLOCKS[kind]))
    for W in rec:
        assert np.isclose(np.max(np.abs(np.linalg.eigvals(W.astype(np.float64)))), 0.9, rtol=1e-5)


def test_init_uniform_range_orthogonal_and_forget_bias():
    rng = np.random.default_rng(8)
    H = 16
    p = cells.init("lstm", 4, H, rng, forget_bias=1.0)
    k = 1 / np.sqrt(H)
    assert np.all(np.abs(p["W_x"]) <= k) and np.all(np.abs(p["W_h"]) <= k)
    assert np.all(p["b"][H:2 * H] > 1 - k) and np.all(p["b"][:H] < k)
    q = cells.init("rnn", 4, H, rng, scheme="orthogonal")["W_hh"]
    assert np.allclose(q @ q.T, np.eye(H), atol=1e-12)
    assert np.array_equal(cells.init("rnn", 4, H, rng, scheme="identity")["W_hh"], np.eye(H))


def test_init_is_reproducible_from_the_seed():
    a = cells.init("gru", 3, 4, np.random.default_rng(11))
    b = cells.init("gru", 3, 4, np.random.default_rng(11))
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_parameter_counts_rnn_gru_lstm():
    D, H = 10, 20
    rng = np.random.default_rng(0)
    n = {kind: cells.count_params(cells.init(kind, D, H, rng)) for kind in ("rnn", "gru", "lstm")}
    assert n["rnn"] == H * D + H * H + H
    assert n["lstm"] == 4 * (H * D + H * H + H)
    assert n["gru"] == 3 * (H * D + H * H + 2 * H)    # reset after: two bias vectors


@pytest.mark.parametrize("bad,match", [
    (dict(kind="transformer"), "kind"),
    (dict(n_in=0), "n_in"),
    (dict(n_hidden=2.5), "n_hidden"),
    (dict(scheme="xavier"), "scheme"),
    (dict(radius=-1.0), "radius"),
    (dict(kind="rnn", forget_bias=1.0), "forget_bias"),
    (dict(activation="swish"), "activation"),
    (dict(dtype=np.int32), "dtype"),
])
def test_init_rejects_bad_input(bad, match):
    args = dict(kind="lstm", n_in=3, n_hidden=4, rng=np.random.default_rng(0))
    args.update(bad)
    with pytest.raises((ValueError, TypeError), match=match):
        cells.init(**args)


def test_init_needs_a_generator():
    with pytest.raises(TypeError, match="rng"):
        cells.init("rnn", 3, 4, 0)


def test_step_rejects_bad_input():
    rng = np.random.default_rng(0)
    p = cells.init("lstm", 3, 4, rng)
    h = np.zeros((2, 4))
    with pytest.raises(ValueError, match="x: expected 3 input features"):
        cells.lstm_step(np.zeros((2, 5)), (h, h), p)
    with pytest.raises(TypeError, match=r"state: expected the pair \(h, c\)"):
        cells.lstm_step(np.zeros((2, 3)), h, p)
    with pytest.raises(ValueError, match=r"state\[0\]"):
        cells.lstm_step(np.zeros((2, 3)), (np.zeros((2, 5)), h), p)
    with pytest.raises(ValueError, match="x: expected finite"):
        cells.lstm_step(np.full((2, 3), np.nan), (h, h), p)
    with pytest.raises(ValueError, match="p: expected keys"):
        cells.rnn_step(np.zeros((2, 3)), h, p)
    with pytest.raises(ValueError, match="activation"):
        cells.rnn_step(np.zeros((2, 3)), h, cells.init("rnn", 3, 4, rng), activation="swish")


# --------------------------------------------------------------------------
# The RNN's activation, chosen at init, is the one every function runs
# --------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_activation_chosen_at_init_is_run_everywhere(activation):
    """forward, step, rnn_step, stacked and bidirectional wrappers all run the carried f,
    and the backward passes differentiate that f (checked against finite differences)."""
    from unrolled import activations
    rng = np.random.default_rng(20)
    p = cells.init("rnn", 3, 4, rng, activation=activation)
    assert p["activation"] == activation and cells.count_params(p) == 4 * 3 + 4 * 4 + 4
    plain = cells.arrays(p)                                   # the same weights, no setting
    assert set(plain) == {"W_hx", "W_hh", "b_h"}
    x = rng.standard_normal((6, 2, 3))
    f = activations.get(activation)
    h, expected = np.zeros((2, 4)), []
    for t in range(6):
        h = f(x[t] @ p["W_hx"].T + h @ p["W_hh"].T + p["b_h"])
        expected.append(h)
    hs, cache = sequence.forward("rnn", x, p)
    assert np.allclose(hs, np.stack(expected), rtol=1e-13, atol=1e-15)
    assert np.array_equal(hs, sequence.forward("rnn", x, plain, activation=activation)[0])
    assert np.allclose(cells.step("rnn", x[0], np.zeros((2, 4)), p)[0], expected[0], rtol=1e-14)
    assert np.allclose(cells.rnn_step(x[0], np.zeros((2, 4)), p)[0], expected[0], rtol=1e-14)
    if activation != "tanh":                                  # the default would differ
        assert not np.allclose(hs, sequence.forward("rnn", x, plain)[0])
    top, _ = sequence.stacked_forward([("rnn", p)], x)
    assert np.array_equal(top, hs)
    both, _ = sequence.bidirectional_forward("rnn", x, p, p)
    assert np.array_equal(both[:, :, :4], hs)
    # backward through the cache differentiates the carried f
    G = rng.standard_normal(hs.shape)
    _, _, grads = sequence.backward(G, cache)
    report = gradcheck.check_gradients(lambda q: float(np.sum(G * sequence.forward("rnn", x, q)[0])), p, grads)
    assert set(report) == {"W_hx", "W_hh", "b_h"}
    assert all(r["norm"] < 1e-8 for r in report.values()), report
    _, _, trunc = sequence.truncated_backward(G, cache, 2, 6)
    assert all(np.allclose(trunc[k], grads[k], rtol=1e-12, atol=1e-14) for k in grads)


def test_a_call_that_contradicts_the_carried_activation_is_refused():
    rng = np.random.default_rng(21)
    p = cells.init("rnn", 3, 4, rng, activation="relu")
    x, h = rng.standard_normal((5, 2, 3)), np.zeros((2, 4))
    msg = r"activation: expected 'relu', the activation .* was made with"
    with pytest.raises(ValueError, match=msg):
        sequence.forward("rnn", x, p, activation="tanh")
    with pytest.raises(ValueError, match=msg):
        cells.step("rnn", x[0], h, p, activation="sigmoid")
    with pytest.raises(ValueError, match=msg):
        cells.rnn_step(x[0], h, p, "tanh")
    with pytest.raises(ValueError, match=msg):
        sequence.stacked_forward([("rnn", p)], x, activation="linear")
    with pytest.raises(ValueError, match=msg):
        sequence.bidirectional_forward("rnn", x, cells.init("rnn", 3, 4, rng), p, activation="tanh")
    # agreeing is fine, and so is a choice for parameters that carry none
    assert np.array_equal(sequence.forward("rnn", x, p, activation="relu")[0], sequence.forward("rnn", x, p)[0])
    with pytest.raises(ValueError, match=r"params\['activation'\]: expected one of"):
        sequence.forward("rnn", x, {**p, "activation": "swish"})


def test_an_activation_for_a_gated_cell_is_refused_not_ignored():
    rng = np.random.default_rng(22)
    x = rng.standard_normal((4, 2, 3))
    for kind in ("gated", "lstm", "gru"):
        with pytest.raises(ValueError, match="activation: expected None"):
            cells.init(kind, 3, 4, rng, activation="relu")
        p = cells.init(kind, 3, 4, rng)
        state = cells.zero_state(kind, 2, 4)
        with pytest.raises(ValueError, match="activation: expected None"):
            sequence.forward(kind, x, p, activation="tanh")
        with pytest.raises(ValueError, match="activation: expected None"):
            cells.step(kind, x[0], state, p, activation="relu")
        with pytest.raises(ValueError, match="activation: expected None"):
            sequence.bidirectional_forward(kind, x, p, p, activation="relu")
        with pytest.raises(ValueError, match=r"p\['activation'\]: expected no activation entry"):
            cells.step(kind, x[0], state, {**p, "activation": "tanh"})
    gru = cells.init("gru", 3, 4, rng)
    with pytest.raises(ValueError, match="activation: expected None for a stack without an 'rnn' layer"):
        sequence.stacked_forward([("gru", gru)], x, activation="relu")
    # in a mixed stack the argument is for the rnn layers only
    rnn = cells.init("rnn", 4, 5, rng)
    top, _ = sequence.stacked_forward([("gru", gru), ("rnn", rnn)], x, activation="relu")
    below, _ = sequence.forward("gru", x, gru)
    assert np.array_equal(top, sequence.forward("rnn", below, rnn, activation="relu")[0])


def test_init_refuses_options_that_mean_nothing_for_the_kind():
    rng = np.random.default_rng(23)
    for kind in ("rnn", "gated", "lstm"):
        with pytest.raises(ValueError, match="reset_after: expected None"):
            cells.init(kind, 3, 4, rng, reset_after=False)
    with pytest.raises(TypeError, match="reset_after: expected True or False"):
        cells.init("gru", 3, 4, rng, reset_after="yes")
    assert "b_x" in cells.init("gru", 3, 4, rng) and "b" in cells.init("gru", 3, 4, rng, reset_after=False)
    with pytest.raises(ValueError, match="forget_bias: expected 0 for kind 'gru'"):
        cells.init("gru", 3, 4, rng, forget_bias=1.0)
    assert "activation" not in cells.init("rnn", 3, 4, rng)     # None: the call chooses


def test_optimisers_and_fit_leave_the_activation_setting_alone():
    from unrolled import optim, train
    rng = np.random.default_rng(24)
    x = rng.standard_normal((5, 2, 3))
    for opt in (optim.SGD(lr=0.1, momentum=0.5), optim.Adagrad(lr=0.1), optim.Adam(lr=0.1)):
        p = cells.init("rnn", 3, 4, rng, activation="relu")
        before = {k: v.copy() for k, v in cells.arrays(p).items()}
        hs, cache = sequence.forward("rnn", x, p)
        _, _, grads = sequence.backward(np.ones_like(hs), cache)
        assert set(grads) == set(before)
        opt.step(p, grads)
        assert p["activation"] == "relu"
        assert all(not np.array_equal(p[k], before[k]) for k in before)
    p = cells.init("rnn", 3, 4, rng, activation="relu")

    def loss_and_grads(q, batch):
        hs, cache = sequence.forward("rnn", batch, q)
        return float(np.sum(hs)), sequence.backward(np.ones_like(hs), cache)[2]

    history = train.fit(loss_and_grads, p, optim.SGD(lr=0.01), lambda r: r.standard_normal((5, 2, 3)),
                        steps=3, progress=False)
    assert len(history.loss) == 3 and p["activation"] == "relu"
