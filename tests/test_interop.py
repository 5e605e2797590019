"""interop: our parameters <-> PyTorch's state_dict layout, without torch.

The torch-free part: key names, shapes, dtypes, the bias split, refusals, and
the meaning of the relabelling against PyTorch's documented equations written
out in numpy (so it is checked even where torch is not installed; where it is,
test_torch_crosscheck.py checks against torch itself).
"""
import numpy as np
import pytest
from unrolled import cells, interop, sequence

KINDS = {"rnn": 1, "lstm": 4, "gru": 3}


def make_params(kind, D, H, rng, dtype=np.float64):
    """Parameters of ``kind`` with the keys and shapes of CONTRIBUTING.md's table."""
    G = KINDS[kind]
    def r(*shape):
        return rng.standard_normal(shape).astype(dtype)
    if kind == "rnn":
        return {"W_hx": r(H, D), "W_hh": r(H, H), "b_h": r(H)}
    if kind == "lstm":
        return {"W_x": r(G * H, D), "W_h": r(G * H, H), "b": r(G * H)}
    return {"W_x": r(G * H, D), "W_h": r(G * H, H), "b_x": r(G * H), "b_h": r(G * H)}


def make_state_dict(kind, D, H, rng, dtype=np.float64):
    G = KINDS[kind]
    def r(*shape):
        return rng.standard_normal(shape).astype(dtype)
    return {"weight_ih_l0": r(G * H, D), "weight_hh_l0": r(G * H, H),
            "bias_ih_l0": r(G * H), "bias_hh_l0": r(G * H)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_ours_torch_ours_is_exact(kind, dtype):
    rng = np.random.default_rng(0)
    params = make_params(kind, 5, 3, rng, dtype)
    sd = interop.to_torch(kind, params)
    G = KINDS[kind]
    assert set(sd) == {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}
    assert sd["weight_ih_l0"].shape == (G * 3, 5)
    assert sd["weight_hh_l0"].shape == (G * 3, 3)
    assert sd["bias_ih_l0"].shape == sd["bias_hh_l0"].shape == (G * 3,)
    back = interop.from_torch(kind, sd)
    assert set(back) == set(params)
    for key in params:
        assert back[key].dtype == dtype
        np.testing.assert_array_equal(back[key], params[key])


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_single_bias_goes_to_bias_ih_and_comes_back_as_the_sum(kind):
    rng = np.random.default_rng(1)
    params = make_params(kind, 4, 2, rng)
    bias = "b_h" if kind == "rnn" else "b"
    sd = interop.to_torch(kind, params)
    np.testing.assert_array_equal(sd["bias_ih_l0"], params[bias])
    np.testing.assert_array_equal(sd["bias_hh_l0"], np.zeros_like(params[bias]))
    theirs = make_state_dict(kind, 4, 2, rng)
    ours = interop.from_torch(kind, theirs)
    np.testing.assert_array_equal(ours[bias], theirs["bias_ih_l0"] + theirs["bias_hh_l0"])


def test_gru_keeps_both_biases_apart():
    rng = np.random.default_rng(2)
    theirs = make_state_dict("gru", 4, 3, rng)
    ours = interop.from_torch("gru", theirs)
    np.testing.assert_array_equal(ours["b_x"], theirs["bias_ih_l0"])
    np.testing.assert_array_equal(ours["b_h"], theirs["bias_hh_l0"])
    again = interop.to_torch("gru", ours)
    for key in theirs:
        np.testing.assert_array_equal(again[key], theirs[key])


def test_results_are_copies():
    rng = np.random.default_rng(3)
    params = make_params("lstm", 3, 2, rng)
    saved = {k: v.copy() for k, v in params.items()}
    sd = interop.to_torch("lstm", params)
    for value in sd.values():
        value += 1.0
    back = interop.from_torch("lstm", interop.to_torch("lstm", params))
    for value in back.values():
        value += 1.0
    for key in params:
        np.testing.assert_array_equal(params[key], saved[key])


def test_cho_gru_is_refused_saying_why():
    rng = np.random.default_rng(4)
    cho = {"W_x": rng.standard_normal((6, 3)), "W_h": rng.standard_normal((6, 2)),
           "b": rng.standard_normal(6)}
    with pytest.raises(ValueError) as err:
        interop.to_torch("gru", cho)
    message = str(err.value)
    assert message.startswith("params:")
    assert "Cho" in message and "after the recurrent product" in message
    assert "reset_after=True" in message


def test_gated_cell_has_no_torch_module():
    with pytest.raises(ValueError, match=r"^kind: 'gated'.*no PyTorch module"):
        interop.to_torch("gated", {})
    with pytest.raises(ValueError, match=r"^kind: 'gated'"):
        interop.from_torch("gated", {})


def test_layer_and_direction_keys():
    rng = np.random.default_rng(5)
    params = make_params("gru", 3, 2, rng)
    sd = interop.to_torch("gru", params, layer=1, reverse=True)
    assert set(sd) == {"weight_ih_l1_reverse", "weight_hh_l1_reverse",
                       "bias_ih_l1_reverse", "bias_hh_l1_reverse"}
    # A two-layer bidirectional state_dict: each (layer, direction) is read on its own.
    full = {**interop.to_torch("gru", make_params("gru", 3, 2, rng)), **sd}
    back = interop.from_torch("gru", full, layer=1, reverse=True)
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])


def test_module_without_bias_gives_zero_biases():
    rng = np.random.default_rng(6)
    sd = make_state_dict("lstm", 3, 2, rng, np.float32)
    del sd["bias_ih_l0"], sd["bias_hh_l0"]
    ours = interop.from_torch("lstm", sd)
    assert ours["b"].dtype == np.float32
    np.testing.assert_array_equal(ours["b"], np.zeros(8, np.float32))


class FakeTensor:
    """Quacks like a torch tensor that requires grad: only .detach().cpu().numpy()."""

    def __init__(self, array):
        self.array = array

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.array


def test_accepts_tensor_like_values():
    rng = np.random.default_rng(7)
    sd = make_state_dict("rnn", 3, 4, rng, np.float32)
    ours = interop.from_torch("rnn", {k: FakeTensor(v) for k, v in sd.items()})
    np.testing.assert_array_equal(ours["W_hh"], sd["weight_hh_l0"])
    assert ours["b_h"].dtype == np.float32


# --------------------------------------------------------------- bad input

def bad(fn, *args, exc=ValueError, names, **kwargs):
    """Call ``fn``; it must raise ``exc`` whose message starts with the argument's name."""
    with pytest.raises(exc) as err:
        fn(*args, **kwargs)
    message = str(err.value)
    assert message.startswith(names), message
    assert "expected" in message and "got" in message, message
    return message


def test_bad_kind():
    params = make_params("rnn", 2, 2, np.random.default_rng(0))
    bad(interop.to_torch, "lsmt", params, names="kind")
    bad(interop.to_torch, 3, params, exc=TypeError, names="kind")
    bad(interop.from_torch, "Gru", {}, names="kind")


def test_bad_params():
    rng = np.random.default_rng(8)
    p = make_params("lstm", 3, 2, rng)
    bad(interop.to_torch, "lstm", [p["W_x"]], exc=TypeError, names="params")
    bad(interop.to_torch, "lstm", {**p, "extra": p["b"]}, names="params")
    bad(interop.to_torch, "rnn", p, names="params")        # LSTM keys given for an RNN
    msg = bad(interop.to_torch, "lstm", {**p, "W_h": p["W_h"][:6]}, names="params['W_h']")
    assert "(6, 2)" in msg
    bad(interop.to_torch, "lstm", {**p, "W_x": p["W_x"][:6]}, names="params['W_x']")
    bad(interop.to_torch, "lstm", {**p, "b": p["b"][:-1]}, names="params['b']")
    bad(interop.to_torch, "lstm", {**p, "b": p["b"][None]}, names="params['b']")
    bad(interop.to_torch, "lstm", {**p, "W_x": p["W_x"].tolist()}, exc=TypeError,
        names="params['W_x']")
    bad(interop.to_torch, "lstm", {**p, "W_h": p["W_h"].astype(np.float32)}, exc=TypeError,
        names="params['W_h']")
    bad(interop.to_torch, "lstm", {**p, "b": p["b"].astype(np.int64)}, exc=TypeError,
        names="params['b']")
    for value in (np.nan, np.inf, -np.inf):
        W = p["W_h"].copy()
        W[1, 1] = value
        bad(interop.to_torch, "lstm", {**p, "W_h": W}, names="params['W_h']")


def test_bad_state_dict():
    rng = np.random.default_rng(9)
    sd = make_state_dict("gru", 3, 2, rng)
    bad(interop.from_torch, "gru", list(sd.values()), exc=TypeError, names="state_dict")
    missing = dict(sd)
    del missing["weight_hh_l0"]
    msg = bad(interop.from_torch, "gru", missing, names="state_dict")
    assert "weight_hh_l0" in msg
    half = dict(sd)
    del half["bias_hh_l0"]
    bad(interop.from_torch, "gru", half, names="state_dict")
    bad(interop.from_torch, "lstm", sd, names="state_dict['weight_hh_l0']")   # 3H rows, not 4H
    bad(interop.from_torch, "gru", {**sd, "bias_ih_l0": sd["bias_ih_l0"][:4]},
        names="state_dict['bias_ih_l0']")
    bad(interop.from_torch, "gru", {**sd, "weight_ih_l0": sd["weight_ih_l0"][0]},
        names="state_dict['weight_ih_l0']")
    nan = sd["bias_hh_l0"].copy()
    nan[0] = np.nan
    bad(interop.from_torch, "gru", {**sd, "bias_hh_l0": nan}, names="state_dict['bias_hh_l0']")
    proj = make_state_dict("lstm", 3, 2, rng)
    proj["weight_hr_l0"] = rng.standard_normal((1, 2))
    bad(interop.from_torch, "lstm", proj, names="state_dict")
    bad(interop.from_torch, "gru", sd, layer=-1, names="layer")
    bad(interop.from_torch, "gru", sd, layer=1.0, names="layer")
    bad(interop.from_torch, "gru", sd, reverse="yes", exc=TypeError, names="reverse")


# ------------------------------------- meaning: PyTorch's documented equations

def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def torch_equations(kind, sd, x, h0, nonlinearity="tanh"):
    """torch.nn.RNN / LSTM / GRU as their documentation writes them, in numpy, from a state_dict.

    W_ih, W_hh, b_ih, b_hh stacked in torch's gate order; returns the hidden states (T, B, H).
    """
    W_ih, W_hh, b_ih, b_hh = (sd[k] for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    H = W_hh.shape[1]
    h, c, hs = h0, np.zeros_like(h0), []
    for x_t in x:
        gi = x_t @ W_ih.T + b_ih                      # the input's part, every gate
        gh = h @ W_hh.T + b_hh                        # the state's part, every gate
        if kind == "rnn":
            h = np.tanh(gi + gh) if nonlinearity == "tanh" else np.maximum(gi + gh, 0.0)
        elif kind == "lstm":
            i, f, g, o = np.split(gi + gh, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
        else:
            r = _sigmoid(gi[:, :H] + gh[:, :H])
            z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
            n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])   # r multiplies W_hn h + b_hn
            h = (1 - z) * n + z * h
        hs.append(h)
    return np.array(hs)


@pytest.mark.parametrize("kind", KINDS)
def test_from_torch_computes_what_torch_documents(kind):
    """Torch's parameters (two distinct biases), run by our cells = torch's equations."""
    rng = np.random.default_rng(10)
    T, B, D, H = 6, 3, 4, 5
    sd = make_state_dict(kind, D, H, rng)
    x = rng.standard_normal((T, B, D))
    ours, _ = sequence.forward(kind, x, interop.from_torch(kind, sd))
    np.testing.assert_allclose(ours, torch_equations(kind, sd, x, np.zeros((B, H))), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_to_torch_computes_what_we_compute(kind):
    rng = np.random.default_rng(11)
    T, B, D, H = 6, 3, 4, 5
    params = cells.init(kind, D, H, rng)
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H))
    state0 = (h0, np.zeros((B, H))) if kind == "lstm" else h0
    ours, _ = sequence.forward(kind, x, params, state0)
    theirs = torch_equations(kind, interop.to_torch(kind, params), x, h0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


# ------------------------------- the RNN's nonlinearity: carried, passed on, refused

def test_relu_rnn_goes_to_torch_with_its_nonlinearity():
    """Parameters made with activation="relu": nn.RNN(nonlinearity="relu") computes what we do."""
    rng = np.random.default_rng(12)
    T, B, D, H = 6, 3, 4, 5
    params = cells.init("rnn", D, H, rng, activation="relu")
    assert interop.nonlinearity(params) == "relu"
    assert interop.nonlinearity(cells.init("rnn", D, H, rng)) == "tanh"      # carries none: runs tanh
    sd = interop.to_torch("rnn", params)
    assert set(sd) == set(interop.torch_keys())                               # the setting is no tensor
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H))
    ours, _ = sequence.forward("rnn", x, params, h0)
    np.testing.assert_allclose(ours, torch_equations("rnn", sd, x, h0, "relu"), rtol=1e-12, atol=1e-12)
    assert not np.allclose(ours, torch_equations("rnn", sd, x, h0, "tanh"))
    back = interop.from_torch("rnn", sd, nonlinearity=interop.nonlinearity(params))
    assert back["activation"] == "relu"
    assert all(np.array_equal(back[k], params[k]) for k in cells.arrays(params))


def test_from_torch_stores_the_modules_nonlinearity():
    rng = np.random.default_rng(13)
    T, B, D, H = 5, 2, 3, 4
    sd = make_state_dict("rnn", D, H, rng)
    x = rng.standard_normal((T, B, D))
    ours, _ = sequence.forward("rnn", x, interop.from_torch("rnn", sd, nonlinearity="relu"))
    np.testing.assert_allclose(ours, torch_equations("rnn", sd, x, np.zeros((B, H)), "relu"),
                               rtol=1e-12, atol=1e-12)
    assert "activation" not in interop.from_torch("rnn", sd)
    with pytest.raises(ValueError, match=r"nonlinearity: expected one of \['tanh', 'relu'\]"):
        interop.from_torch("rnn", sd, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity: expected None for kind 'lstm'"):
        interop.from_torch("lstm", make_state_dict("lstm", D, H, rng), nonlinearity="tanh")


@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_an_activation_torch_does_not_offer_is_refused_saying_why(activation):
    params = cells.init("rnn", 3, 4, np.random.default_rng(14), activation=activation)
    why = rf"params: expected .*'tanh' or 'relu'.*got params\['activation'\] = '{activation}'"
    for fn in (lambda: interop.to_torch("rnn", params), lambda: interop.nonlinearity(params)):
        with pytest.raises(ValueError, match=why):
            fn()
