"""The encoder-decoder (sequence to sequence) and initial-state conditioning (001).

Encoder-decoder, trained with teacher forcing::

    h^enc_s = cell_enc(x_s, h^enc_{s-1}),   s = 1..S,  h^enc_0 = 0      (read the source)
    c       = h^enc_S                                                   (the fixed-size summary)
    h^dec_t = cell_dec(y_{t-1}, h^dec_{t-1}), t = 1..T,  h^dec_0 = c    (y_0 = <go>)
    p_t     = softmax(W_y h^dec_t + b_y)                                (the next output token)

During training the decoder reads the *true* previous token y_{t-1} (teacher
forcing); after training it reads its own previous choice (:func:`greedy`).
Tokens enter as one-hot vectors, so a cell's input weights are its embedding.

Initial-state conditioning (image captioning, 001): the decoder's first state
comes from an external feature vector f instead of an encoder::

    h^dec_0 = tanh(W_hf f + b_f)

Parameters are one flat dict of arrays, so the optimisers and
:func:`unrolled.gradcheck.check_gradients` treat them like any other model:
``"enc.<key>"`` and ``"dec.<key>"`` are the two cells' parameters (keys of
:func:`unrolled.cells.init`), ``"W_y"`` (V_out, H), ``"b_y"`` (V_out,) the readout,
and for a conditioned model ``"W_hf"`` (H, F), ``"b_f"`` (H,) instead of ``"enc.*"``.
Arrays are time-major: token ids ``(T, B)``. The cell's kind (``"rnn"``, ``"gru"``
...) is an argument, the same for encoder and decoder.

Backward: the decoder's backward pass returns the gradient reaching its
initial state, dL/dh^dec_0; that is the gradient at the encoder's final state
(``c = h^enc_S``), from where BPTT runs through the encoder
(:func:`unrolled.sequence.backward` with ``dstate_last``). The encoder gets no
other gradient: its states are used only through c.
"""
from __future__ import annotations

import numpy as np

from . import _checks, cells, layers, losses, sequence
from .activations import softmax

KINDS = ("rnn", "gated", "gru")


def _kind(kind):
    """The cells whose state is one array (the LSTM's pair (h, c) is not handled here)."""
    return _checks.choice("kind", kind, KINDS)


def _sub(params, prefix):
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def _ids(name, ids, V):
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"{name}: expected token ids of shape (T, B), got shape {ids.shape}")
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer token ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name}: expected ids in [0, {V}), got values from {ids.min()} to {ids.max()}")
    return ids


def _one_hot(ids, V, dtype):
    return np.eye(V, dtype=dtype)[ids]


def init(kind, V_in, V_out, H, rng, n_features=None):
    """Parameters of an encoder-decoder (``n_features=None``) or of a conditioned decoder.

    V_in : source vocabulary size (the encoder's inputs); V_out : target vocabulary
    (the decoder's inputs and outputs, including ``<go>`` and ``<end>``); H : state size.
    With ``n_features = F`` there is no encoder (``V_in`` is then not used): ``W_hf`` (H, F)
    and ``b_f`` (H,) map a feature vector to the decoder's first state.
    """
    _kind(kind)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
    V_in, V_out, H = (_checks.positive_int(n, v) for n, v in (("V_in", V_in), ("V_out", V_out), ("H", H)))
    params = {}
    if n_features is None:
        params.update({f"enc.{k}": v for k, v in cells.init(kind, V_in, H, rng).items()})
    else:
        F = _checks.positive_int("n_features", n_features)
        params["W_hf"] = rng.uniform(-1, 1, (H, F)) / np.sqrt(F)
        params["b_f"] = rng.uniform(-0.1, 0.1, H)
    params.update({f"dec.{k}": v for k, v in cells.init(kind, V_out, H, rng).items()})
    params["W_y"] = rng.uniform(-1, 1, (V_out, H)) / np.sqrt(H)
    params["b_y"] = rng.uniform(-0.1, 0.1, V_out)
    return params


def _sizes(params):
    W_y = params["W_y"]
    return W_y.shape[0], W_y.shape[1]


# --------------------------------------------------------------------------- the encoder

def encode(kind, src, params):
    """Run the encoder over ``src`` (S, B): returns ``(c, cache)``, c = h^enc_S (B, H), the summary."""
    c, cache, _ = _encode(kind, src, params)
    return c, cache


def _encode(kind, src, params):
    _kind(kind)
    enc = _sub(params, "enc.")
    V_in = _input_size(enc)
    src = _ids("src", src, V_in)
    if src.shape[0] < 1:
        raise ValueError(f"src: expected at least one token, got shape {src.shape}")
    hs, cache = sequence.forward(kind, _one_hot(src, V_in, params["W_y"].dtype), enc)
    return sequence.last_state(cache), cache, hs


def _input_size(p):
    return (p["W_x"] if "W_x" in p else p["W_hx"]).shape[1]


def encode_backward(dc, cache):
    """The encoder's gradients, given dL/dc arriving at its final state (and nothing else)."""
    zeros = np.zeros(cache["x"].shape[:2] + (cache["cores"][0][0].shape[1],), dtype=cache["x"].dtype)
    _, _, grads = sequence.backward(zeros, cache, dstate_last=dc)
    return {f"enc.{k}": v for k, v in grads.items()}


# --------------------------------------------------------------------------- the decoder

def decode_forward(kind, h0, tgt_in, params):
    """Teacher-forced decoder: reads ``tgt_in`` (T, B) from the state ``h0`` (B, H).

    Returns ``(logits, cache)`` with logits (T, B, V_out) = W_y h^dec_t + b_y.
    """
    _kind(kind)
    V_out, H = _sizes(params)
    tgt_in = _ids("tgt_in", tgt_in, V_out)
    dec = _sub(params, "dec.")
    hs, cache_d = sequence.forward(kind, _one_hot(tgt_in, V_out, params["W_y"].dtype), dec, state0=h0)
    logits, cache_y = layers.affine_forward(hs, params["W_y"], params["b_y"])
    return logits, (cache_d, cache_y)


def decode_backward(dlogits, cache):
    """Backward of :func:`decode_forward`: ``(dh0, grads)``, dh0 = dL/dh^dec_0 (B, H)."""
    cache_d, cache_y = cache
    dhs, dW_y, db_y = layers.affine_backward(dlogits, cache_y)
    _, dh0, grads = sequence.backward(dhs, cache_d)
    out = {f"dec.{k}": v for k, v in grads.items()}
    out.update(W_y=dW_y, b_y=db_y)
    return dh0, out


# --------------------------------------------------------------------------- the whole model

def forward(kind, src, tgt_in, params):
    """Encoder-decoder with teacher forcing: ``(logits (T, B, V_out), cache)``."""
    c, cache_e = encode(kind, src, params)
    logits, cache_dec = decode_forward(kind, c, tgt_in, params)
    return logits, (cache_e, cache_dec)


def backward(dlogits, cache):
    """Gradients of every parameter: the decoder's, then the encoder's through c = h^enc_S."""
    cache_e, cache_dec = cache
    dc, grads = decode_backward(dlogits, cache_dec)
    grads.update(encode_backward(dc, cache_e))
    return grads


def loss_and_grads(kind, params, batch):
    """Mean cross-entropy per target token and its gradients; ``batch = (src, tgt_in, tgt_out)``."""
    src, tgt_in, tgt_out = batch
    logits, cache = forward(kind, src, tgt_in, params)
    loss, dlogits = losses.softmax_cross_entropy(logits, np.asarray(tgt_out))
    return loss, backward(dlogits, cache)


# --------------------------------------------------------------------------- conditioning on a vector

def condition_state(features, params):
    """The decoder's first state from a feature vector: h^dec_0 = tanh(W_hf f + b_f), (B, H); ``features`` (B, F)."""
    features = _checks.array("features", features, ndim=2)
    _checks.shape("features", features, (features.shape[0], params["W_hf"].shape[1]))
    return np.tanh(features @ params["W_hf"].T + params["b_f"])


def condition_forward(kind, features, tgt_in, params):
    """Decoder started from h^dec_0 = tanh(W_hf f + b_f); ``features`` (B, F). ``(logits, cache)``."""
    features = _checks.array("features", features, ndim=2)
    h0 = condition_state(features, params)
    logits, cache_dec = decode_forward(kind, h0, tgt_in, params)
    return logits, (features, h0, cache_dec)


def condition_backward(dlogits, cache):
    """Gradients of a conditioned decoder: through h0 = tanh(a) into W_hf and b_f."""
    features, h0, cache_dec = cache
    dh0, grads = decode_backward(dlogits, cache_dec)
    da = dh0 * (1 - h0 * h0)
    grads.update(W_hf=da.T @ features, b_f=da.sum(axis=0))
    return grads


def condition_loss_and_grads(kind, params, batch):
    """``batch = (features, tgt_in, tgt_out)``: mean cross-entropy and gradients."""
    features, tgt_in, tgt_out = batch
    logits, cache = condition_forward(kind, features, tgt_in, params)
    loss, dlogits = losses.softmax_cross_entropy(logits, np.asarray(tgt_out))
    return loss, condition_backward(dlogits, cache)


# --------------------------------------------------------------------------- greedy decoding

def greedy(kind, h0, params, go, steps, end=None):
    """Greedy decoding from the state ``h0`` (B, H): feed back the most likely token each step.

    Returns ``(ids (steps, B), probs (steps, B, V_out), states (steps, B, H))``. After a
    sequence has produced ``end`` (if given) it keeps producing ``end``.
    """
    _kind(kind)
    V_out, H = _sizes(params)
    steps = _checks.positive_int("steps", steps)
    h0 = _checks.array("h0", h0, ndim=2)
    B = h0.shape[0]
    dec = _sub(params, "dec.")
    prev = np.full(B, go)
    _ids("go", prev[None], V_out)
    h, done = h0, np.zeros(B, dtype=bool)
    ids, probs, states = [], [], []
    for _ in range(steps):
        hs, cache = sequence.forward(kind, _one_hot(prev[None], V_out, h0.dtype), dec, state0=h)
        h = sequence.last_state(cache)
        p = softmax(hs[0] @ params["W_y"].T + params["b_y"])
        choice = np.argmax(p, axis=1)
        if end is not None:
            choice = np.where(done, end, choice)
            done |= choice == end
        ids.append(choice)
        probs.append(p)
        states.append(hs[0])
        prev = choice
    return np.array(ids), np.array(probs), np.array(states)


def translate(kind, src, params, go, steps, end=None):
    """Encode ``src`` (S, B) and decode greedily ``steps`` tokens: ``(ids, probs, encoder states)``."""
    c, _, hs = _encode(kind, src, params)
    ids, probs, _ = greedy(kind, c, params, go, steps, end)
    return ids, probs, hs
