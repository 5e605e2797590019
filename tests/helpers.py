"""A small model used by several tests: a cell, an affine readout and a softmax loss."""
import numpy as np
from unrolled import cells, layers, losses, sequence

# Every kind and convention, as (kind, init options, forward options).
VARIANTS = [
    ("rnn", {}, {"activation": "tanh"}),
    ("rnn", {}, {"activation": "sigmoid"}),
    ("rnn", {}, {"activation": "linear"}),
    ("rnn", {"activation": "relu"}, {}),           # the parameters carry it (cells.init)
    ("gated", {}, {}),
    ("lstm", {"forget_bias": 1.0}, {}),
    ("gru", {"reset_after": True}, {}),
    ("gru", {"reset_after": False}, {}),
]
IDS = ["rnn-tanh", "rnn-sigmoid", "rnn-linear", "rnn-relu-carried", "gated", "lstm", "gru-after", "gru-cho"]


def random_state(kind, B, H, rng, dtype=np.float64):
    if kind == "lstm":
        return (rng.standard_normal((B, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype))
    return rng.standard_normal((B, H)).astype(dtype)


def make_problem(kind, init_opts, seed, T=20, B=3, D=4, H=5, V=6):
    """Random parameters (non-zero biases), inputs, targets, readout and initial state."""
    rng = np.random.default_rng(seed)
    p = cells.init(kind, D, H, rng, **init_opts)
    for k in p:
        if k.startswith("b"):
            p[k] += rng.uniform(0.1, 0.5, size=p[k].shape)   # biases surely non-zero
    x = rng.standard_normal((T, B, D))
    y = rng.integers(0, V, size=(T, B))
    W_yh = rng.standard_normal((V, H))
    b_y = rng.standard_normal(V)
    state0 = random_state(kind, B, H, rng)
    return p, x, y, W_yh, b_y, state0


def loss_and_dhs(hs, y, W_yh, b_y):
    logits, cache = layers.affine_forward(hs, W_yh, b_y)
    loss, dlogits = losses.softmax_cross_entropy(logits, y, reduction="sum")
    dhs, dW, db = layers.affine_backward(dlogits, cache)
    return loss, dhs


def sequence_loss(kind, x, p, y, W_yh, b_y, state0, fwd_opts):
    hs, _ = sequence.forward(kind, x, p, state0, **fwd_opts)
    return loss_and_dhs(hs, y, W_yh, b_y)[0]
