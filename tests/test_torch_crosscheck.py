"""Our cells against PyTorch's, through interop: same outputs, same gradients.

Optional: torch is never a requirement of the course. Where it is installed,
parameters are copied through ``unrolled.interop`` into ``torch.nn.RNN / LSTM /
GRU`` (and back), both run the same sequence from the same initial state, and
the hidden states, final states and every gradient (input, initial state,
parameters) must agree.
"""
import numpy as np
import pytest
from unrolled import cells, interop, sequence

torch = pytest.importorskip("torch", reason="torch is not installed (optional: the cross-check "
                                            "against PyTorch runs only where it is)")

MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
TOL = {np.float64: 1e-10, np.float32: 2e-5}
T, B, D, H = 7, 3, 5, 4


def torch_module(kind, dtype, activation="tanh"):
    options = {"nonlinearity": activation} if kind == "rnn" else {}
    module = getattr(torch.nn, MODULES[kind])(D, H, **options)
    return module.to(getattr(torch, np.dtype(dtype).name))


def load(module, state_dict):
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})


def run_torch(module, kind, x, state0, dhs, dlast):
    """Forward and backward in torch; returns numpy hs, last state, dx, dstate0, param grads."""
    xt = torch.from_numpy(x).requires_grad_()
    if kind == "lstm":
        s0 = tuple(torch.from_numpy(s[None].copy()).requires_grad_() for s in state0)
    else:
        s0 = torch.from_numpy(state0[None].copy()).requires_grad_()
    hs, last = module(xt, s0)
    if kind == "lstm":
        loss = (hs * torch.from_numpy(dhs)).sum() + (last[1][0] * torch.from_numpy(dlast[1])).sum()
        last = tuple(s[0].detach().numpy() for s in last)
    else:
        loss = (hs * torch.from_numpy(dhs)).sum() + (last[0] * torch.from_numpy(dlast)).sum()
        last = last[0].detach().numpy()
    loss.backward()
    if kind == "lstm":
        dstate0 = tuple(s.grad[0].numpy() for s in s0)
    else:
        dstate0 = s0.grad[0].numpy()
    grads = {name: p.grad.numpy() for name, p in module.named_parameters()}
    return hs.detach().numpy(), last, xt.grad.numpy(), dstate0, grads


def ours_from_torch_grads(kind, grads):
    """Torch's parameter gradients in our layout.

    Not ``from_torch``: where our one bias b stands for bias_ih + bias_hh, dL/db
    equals dL/dbias_ih (and dL/dbias_hh), not their sum.
    """
    if kind == "gru":
        return interop.from_torch(kind, grads)
    W_in, W_rec, bias = ("W_hx", "W_hh", "b_h") if kind == "rnn" else ("W_x", "W_h", "b")
    assert_close(grads["bias_ih_l0"], grads["bias_hh_l0"], grads["bias_ih_l0"].dtype.type,
                 "torch's two bias gradients")
    return {W_in: grads["weight_ih_l0"], W_rec: grads["weight_hh_l0"], bias: grads["bias_ih_l0"]}


def assert_close(a, b, dtype, what):
    tol = TOL[dtype]
    scale = max(1.0, float(np.max(np.abs(b))))
    err = float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
    assert err <= tol * scale, f"{what}: max |ours - torch| = {err:.3g} > {tol * scale:.3g}"


CASES = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind,activation", CASES)
def test_ours_copied_into_torch(kind, activation, dtype):
    rng = np.random.default_rng(11)
    params = cells.init(kind, D, H, rng, dtype=dtype)
    assert all(np.any(v != 0) for k, v in params.items() if k.startswith("b"))
    x = rng.standard_normal((T, B, D)).astype(dtype)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)
    h0 = 0.5 * rng.standard_normal((B, H)).astype(dtype)
    state0 = (h0, 0.5 * rng.standard_normal((B, H)).astype(dtype)) if kind == "lstm" else h0
    dlast = (np.zeros((B, H), dtype), rng.standard_normal((B, H)).astype(dtype)) \
        if kind == "lstm" else rng.standard_normal((B, H)).astype(dtype)
    options = {"activation": activation} if activation else {}

    # The loss is <dhs, hs> + <dlast, last state>; for the LSTM dlast holds only a
    # cell part (its last h is hs[-1], whose gradient already comes through dhs).
    hs, cache = sequence.forward(kind, x, params, state0, **options)
    dx, dstate0, grads = sequence.backward(dhs, cache, dlast)

    module = torch_module(kind, dtype, activation or "tanh")
    load(module, interop.to_torch(kind, params))
    t_hs, t_last, t_dx, t_dstate0, t_grads = run_torch(module, kind, x, state0, dhs, dlast)

    assert hs.dtype == dtype and dx.dtype == dtype
    assert_close(hs, t_hs, dtype, "hs")
    last = sequence.last_state(cache)
    if kind == "lstm":
        for part, ours, theirs in zip("hc", last, t_last):
            assert_close(ours, theirs, dtype, f"last state {part}")
        for part, ours, theirs in zip("hc", dstate0, t_dstate0):
            assert_close(ours, theirs, dtype, f"d{part}0")
    else:
        assert_close(last, t_last, dtype, "last state")
        assert_close(dstate0, t_dstate0, dtype, "dh0")
    assert_close(dx, t_dx, dtype, "dx")
    theirs = ours_from_torch_grads(kind, t_grads)
    assert set(theirs) == set(grads)
    for key in grads:
        assert grads[key].dtype == dtype
        assert_close(grads[key], theirs[key], dtype, f"grads[{key!r}]")


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_torch_copied_into_ours(kind):
    """A torch module's own random parameters (two distinct biases) through from_torch."""
    torch.manual_seed(3)
    module = torch_module(kind, np.float64)
    params = interop.from_torch(kind, module.state_dict())
    x = np.random.default_rng(4).standard_normal((T, B, D))
    hs, _ = sequence.forward(kind, x, params)
    with torch.no_grad():
        t_hs, _ = module(torch.from_numpy(x))
    assert_close(hs, t_hs.numpy(), np.float64, "hs")


def test_cho_gru_differs_from_torch_which_is_why_it_is_refused():
    """Same weights, one bias: the two conventions compute different functions."""
    rng = np.random.default_rng(5)
    cho = cells.init("gru", D, H, rng, reset_after=False)
    after = {"W_x": cho["W_x"], "W_h": cho["W_h"], "b_x": cho["b"], "b_h": np.zeros_like(cho["b"])}
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H))
    module = torch_module("gru", np.float64)
    load(module, interop.to_torch("gru", after))
    with torch.no_grad():
        t_hs, _ = module(torch.from_numpy(x), torch.from_numpy(h0[None].copy()))
    hs_cho, _ = sequence.forward("gru", x, cho, h0)
    hs_after, _ = sequence.forward("gru", x, after, h0)
    assert_close(hs_after, t_hs.numpy(), np.float64, "reset-after hs")
    assert np.max(np.abs(hs_cho - t_hs.numpy())) > 1e-3
    with pytest.raises(ValueError, match="after the recurrent product"):
        interop.to_torch("gru", cho)


def test_carried_activation_runs_in_torch_with_the_nonlinearity_interop_names():
    """cells.init(..., activation="relu") -> nn.RNN(nonlinearity=interop.nonlinearity(params)),
    and back with the module's own nonlinearity: the same states both ways."""
    rng = np.random.default_rng(15)
    params = cells.init("rnn", D, H, rng, activation="relu")
    module = torch_module("rnn", np.float64, interop.nonlinearity(params))
    load(module, interop.to_torch("rnn", params))
    x = rng.standard_normal((T, B, D))
    hs, _ = sequence.forward("rnn", x, params)
    with torch.no_grad():
        t_hs, _ = module(torch.from_numpy(x))
    assert_close(hs, t_hs.numpy(), np.float64, "hs (relu)")
    back = interop.from_torch("rnn", module.state_dict(), nonlinearity=module.nonlinearity)
    assert back["activation"] == "relu"
    assert_close(sequence.forward("rnn", x, back)[0], t_hs.numpy(), np.float64, "hs (relu, back)")
