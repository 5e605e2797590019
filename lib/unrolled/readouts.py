"""Readouts on the recurrent wrappers: a deep RNN with an output at every step, and a
tagger that names one position of a sequence from a left-to-right or bidirectional layer
(notebook 08, sections 1 and 2).

Deep RNN with a per-step linear readout and mean squared error (004 eq 3, our biases)::

    h^l_t = tanh(W_hx^l h^{l-1}_t + W_hh^l h^l_{t-1} + b_h^l),  h^0_t = x_t,  l = 1..L
    o_t   = W_y h^L_t + b_y,           L = mean over t, b, k of (o_t - y_t)^2

Tagger at one position per sequence (the masked-token task of ``data.masked_token_batch``)::

    h_t = [h->_t ; h<-_t]  (bidirectional)   or   h->_t  (left to right)
    z   = W_y h_{t*} + b_y,                L = mean over b of -log softmax(z)[target]

The backward passes are the wrappers' own (``sequence.stacked_backward``,
``sequence.bidirectional_backward``); what is added here is the readout and where its
gradient enters: at every step for the stack, at the one position ``t*`` for the tagger.

Parameters are one flat dict of arrays, so the optimisers and
:func:`unrolled.gradcheck.check_gradients` treat them like any other model: layer ``l``
of a stack has the keys ``"<l>.<key>"`` (keys of :func:`unrolled.cells.init`); a tagger
has ``"f.<key>"`` (the forward direction) and, when bidirectional, ``"b.<key>"``; both
have the readout ``"W_y"`` (n_out, width) and ``"b_y"`` (n_out,).
"""
from __future__ import annotations

import numpy as np

from . import _checks, cells, data, layers, losses, sequence


def _sub(params, prefix):
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def _prefixed(prefix, grads):
    return {prefix + k: v for k, v in grads.items()}


def _rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy Generator, got {type(rng).__name__}")


def _readout(n_out, width, rng):
    return {"W_y": rng.uniform(-1, 1, (n_out, width)) / np.sqrt(width), "b_y": np.zeros(n_out)}


# --------------------------------------------------------------------------- deep RNN

def stack_init(widths, n_in, n_out, rng, kind="rnn"):
    """A stack of ``len(widths)`` layers of ``kind`` (layer l has ``widths[l]`` units) and a linear readout."""
    _rng(rng)
    if not isinstance(widths, (list, tuple)) or not widths:
        raise ValueError(f"widths: expected a non-empty list of layer sizes, got {widths!r:.60}")
    widths = [_checks.positive_int(f"widths[{i}]", H) for i, H in enumerate(widths)]
    d = _checks.positive_int("n_in", n_in)
    params = {}
    for layer, H in enumerate(widths):
        params.update(_prefixed(f"{layer}.", cells.init(kind, d, H, rng)))
        d = H
    params.update(_readout(_checks.positive_int("n_out", n_out), d, rng))
    return params


def n_layers(params):
    """How many layers a stack's parameter dict holds (keys ``"0."``, ``"1."``, ...)."""
    return len({k.split(".")[0] for k in params if "." in k})


def stack_forward(params, x, kind="rnn", activation=None):
    """Outputs ``o`` (T, B, n_out) of the stack on ``x`` (T, B, n_in), and the cache for the backward pass."""
    stack = [(kind, _sub(params, f"{layer}.")) for layer in range(n_layers(params))]
    hs, caches = sequence.stacked_forward(stack, x, activation=activation)
    out, cache_y = layers.affine_forward(hs, params["W_y"], params["b_y"])
    return out, (caches, cache_y)


def stack_backward(dout, cache):
    """Gradients of every parameter of the stack, given dL/do (T, B, n_out)."""
    caches, cache_y = cache
    dhs, dW_y, db_y = layers.affine_backward(dout, cache_y)     # the readout, at every step
    _, _, grads = sequence.stacked_backward(dhs, caches)         # down the stack and back in time
    out = {"W_y": dW_y, "b_y": db_y}
    for layer, g in enumerate(grads):
        out.update(_prefixed(f"{layer}.", g))
    return out


def stack_loss_and_grads(params, batch, kind="rnn", activation=None):
    """Mean squared error of the stack's outputs against ``y``; ``batch = (x, y)``, both time-major."""
    x, y = batch
    out, cache = stack_forward(params, x, kind, activation)
    loss, dout = losses.mse(out, y)
    return loss, stack_backward(dout, cache)


# --------------------------------------------------------------------------- a tagger at one position

def tagger_init(n_in, n_out, H, rng, bidirectional, kind="gru"):
    """A tagger: one layer of ``kind`` with H units (per direction when bidirectional) and a readout."""
    _rng(rng)
    n_in, n_out, H = (_checks.positive_int(n, v) for n, v in (("n_in", n_in), ("n_out", n_out), ("H", H)))
    if not isinstance(bidirectional, (bool, np.bool_)):
        raise TypeError(f"bidirectional: expected True or False, got {bidirectional!r}")
    params = _prefixed("f.", cells.init(kind, n_in, H, rng))
    if bidirectional:
        params.update(_prefixed("b.", cells.init(kind, n_in, H, rng)))
    params.update(_readout(n_out, 2 * H if bidirectional else H, rng))
    return params


def _input_size(p):
    return (p["W_x"] if "W_x" in p else p["W_hx"]).shape[1]


def tagger_loss_and_grads(params, batch, kind="gru"):
    """Cross-entropy at one position of each sequence; returns ``(loss, grads, logits)``.

    ``batch = (x, position, target)`` as ``data.masked_token_batch`` makes it: token ids
    x (T, B), read one-hot; position (B,) where each sequence is tagged; target (B,).
    ``logits`` (B, n_out) are the scores at those positions.
    """
    x, position, target = batch
    front = _sub(params, "f.")
    X = data.one_hot(x, _input_size(front))
    B = X.shape[1]
    position = np.asarray(position)
    if position.shape != (B,) or position.dtype.kind not in "iu" or position.min() < 0 \
            or position.max() >= X.shape[0]:
        raise ValueError(f"position: expected {B} integer positions in [0, {X.shape[0]}), got {position!r:.60}")
    bidirectional = any(k.startswith("b.") for k in params)
    if bidirectional:
        hs, cache = sequence.bidirectional_forward(kind, X, front, _sub(params, "b."))
    else:
        hs, cache = sequence.forward(kind, X, front)
    rows = np.arange(B)
    logits, cache_y = layers.affine_forward(hs[position, rows], params["W_y"], params["b_y"])
    loss, dlogits = losses.softmax_cross_entropy(logits, target)
    dh_tagged, dW_y, db_y = layers.affine_backward(dlogits, cache_y)
    dhs = np.zeros_like(hs)
    dhs[position, rows] = dh_tagged                              # no loss at any other step
    grads = {"W_y": dW_y, "b_y": db_y}
    if bidirectional:
        _, _, (gf, gb) = sequence.bidirectional_backward(dhs, cache)
        grads.update(_prefixed("f.", gf) | _prefixed("b.", gb))
    else:
        grads.update(_prefixed("f.", sequence.backward(dhs, cache)[2]))
    return loss, grads, logits
