"""Checkers for notebook 05 (gates and the LSTM).

* :data:`check_lstm_step`: one LSTM step forward, ``(h, c)`` from the equations
  (:func:`unrolled.cells.lstm_step_textbook`).
* :data:`check_dc_prev`: dL/dc_(t-1) from dL/dh_t and the part of dL/dc_t that
  comes from step t+1 (:func:`unrolled.cells.lstm_step_textbook_backward`).
* :data:`check_weight_grads`: the gradients of W_x, W_h and b summed over a
  sequence (:func:`unrolled.cells.lstm_param_grads`).

All three follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import cells
from ..activations import _sigmoid as sigmoid
from .base import Exercise, Mistake, Verdict, Wrong, agree, read
from .base import _kind as kind

BLOCK_ORDER = "ifgo"


class _ShapeHintExercise(Exercise):
    """An Exercise whose verdict on a failed matrix product adds where to look.

    The weights are (4H, D) and (4H, H), never square, so a product written without
    the transpose raises instead of returning a wrong value: the hint names it.
    """

    def _call(self, fn, args):
        value, verdict = super()._call(fn, args)
        if verdict is not None and any(w in verdict.message for w in ("matmul", "shapes", "align")):
            verdict = Verdict(self.name, verdict.status, verdict.message + ". The shapes of a product do not "
                              "fit: rows are examples here, so a weight acts on them transposed")
        return value, verdict


# ------------------------------------------------------------------ 05.1 the forward step

def _step(x, h_prev, c_prev, W_x, W_h, b, order=BLOCK_ORDER, cell="right", out="right",
          candidate=np.tanh, recurrent=True):
    """The LSTM step with one deliberate change, for naming mistakes (the right answer is the library's)."""
    H = h_prev.shape[1]
    a = x @ W_x.T + b + (h_prev @ W_h.T if recurrent else 0)
    blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
    g = candidate(blocks["g"])
    c = f * g + i * c_prev if cell == "f on candidate" else f * c_prev + i * g
    if out == "no tanh":
        h = o * c
    elif out == "old cell":
        h = o * np.tanh(c_prev)
    else:
        h = o * np.tanh(c)
    return h, c


def _no_bias_step(x, h_prev, c_prev, W_x, W_h, b):
    return _library_step(x, h_prev, c_prev, W_x, W_h, np.zeros_like(b))


def _library_step(x, h_prev, c_prev, W_x, W_h, b):
    (h, c), _ = cells.lstm_step_textbook(x, (h_prev, c_prev), {"W_x": W_x, "W_h": W_h, "b": b})
    return h, c


def _pair(h, c):
    return {"h": h, "c": c}


def _step_answer(*args):
    return _pair(*_library_step(*args))


def _forward_case(seed, B, D, H):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H)),
            rng.normal(0, 0.8, (4 * H, D)), rng.normal(0, 0.8, (4 * H, H)), rng.normal(0, 0.5, 4 * H))


FORWARD_CASES = ((0, 2, 3, 4), (1, 3, 5, 2))


def _forward_cases(seed):
    return [_forward_case(seed + s, B, D, H) for s, B, D, H in FORWARD_CASES]


def _accept_pair(value, args):
    """The reader returns the pair ``(h, c)``; the checker compares it as ``{"h": h, "c": c}``."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return Wrong(f"your answer is {kind(value)}; expected the pair (h, c), two arrays of shape (B, H)")
    if any(isinstance(v, (dict, str, bytes)) or callable(v) for v in value):
        return Wrong(f"your answer is a {type(value).__name__} of 2 items, {kind(value[0])} and "
                     f"{kind(value[1])}; expected the pair (h, c), two arrays of shape (B, H)")
    return _pair(*value)


def _explain_step(got, args, expected):
    """A block order other than i, f, g, o (with or without the tanh on the cell)."""
    for order in itertools.permutations(BLOCK_ORDER):
        order = "".join(order)
        if order in (BLOCK_ORDER, "figo"):      # figo is the 'f on candidate' mistake
            continue
        for change in ({}, dict(out="no tanh")):
            if agree(got, read(_pair(*_step(*args, order=order, **change)), expected), 1e-7, 1e-10):
                also = "; and the hidden state is missing the tanh on the cell" if change else ""
                return Wrong(f"swapped gate order: you read the blocks as {', '.join(order)}, but W_x, W_h "
                             f"and b are stacked i, f, g, o{also}")
    if agree(got["c"], expected["c"], 1e-7, 1e-10):
        return Wrong("c is right, h is not: look at how the hidden state reads the cell")
    return None


def _step_mistake(**change):
    return lambda *args: _pair(*_step(*args, **change))


check_lstm_step = _ShapeHintExercise(
    "05.1 the LSTM step", ("x", "h_prev", "c_prev", "W_x", "W_h", "b"), _forward_cases, _step_answer,
    mistakes=[
        Mistake(lambda *args: dict(zip("ch", _library_step(*args))),
                "h and c are swapped: return the pair in the order (h, c)"),
        Mistake(_step_mistake(out="no tanh"),
                "c is right but h is not: the hidden state is missing the tanh on the cell"),
        Mistake(_step_mistake(out="old cell"),
                "c is right but h reads the previous cell c_prev instead of the new one"),
        Mistake(_step_mistake(cell="f on candidate"),
                "the forget gate is applied to the candidate (and the input gate to the old cell): "
                "f decides what is kept of c_prev"),
        Mistake(_step_mistake(candidate=sigmoid),
                "the candidate g goes through a sigmoid: it is the one block with a tanh"),
        Mistake(_step_mistake(recurrent=False),
                "the gates ignore h_prev: every block also receives W_h h_prev"),
        Mistake(lambda *args: _pair(*_no_bias_step(*args)),
                "the biases are missing: every block's pre-activation also adds its part of b"),
        Mistake(_step_mistake(order="ifog"),
                "swapped gate order: you read the blocks as i, f, o, g (003's stacking), but W_x, W_h "
                "and b are stacked i, f, g, o"),
    ],
    forbidden=["f * c_prev + i * g"],
    accept=_accept_pair,
    explain=_explain_step,
    returns=" (return the pair (h, c), each of shape (B, H))",
    answered_by=("cells.lstm_step_textbook", "cells.lstm_step"),
)


# ------------------------------------------------------------------ 05.2 dL/dc_{t-1}

def _cell_case(seed, B, H):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.uniform(0.05, 0.95, (B, H)),
            rng.uniform(0.05, 0.95, (B, H)), rng.normal(0, 1.2, (B, H)))


def _cell_cases(seed):
    return [_cell_case(seed, 2, 3), _cell_case(seed + 1, 4, 5)]


def _dc_prev(dh, dc_future, f, o, c):
    """The library's answer: the dc_prev of its textbook backward step (the other cache entries do not enter)."""
    B, H = dh.shape
    p = {"W_x": np.zeros((4 * H, 1)), "W_h": np.zeros((4 * H, H)), "b": np.zeros(4 * H)}
    zero = np.zeros((B, H))
    cache = (np.zeros((B, 1)), zero, zero, zero, f, zero, o, c, p)
    return cells.lstm_step_textbook_backward((dh, dc_future), cache)[1][1]


def _dtanh(c):
    return 1 - np.tanh(c) ** 2


check_dc_prev = Exercise(
    "05.2 dL/dc_(t-1)", ("dh", "dc_future", "f", "o", "c"), _cell_cases, _dc_prev,
    mistakes=[
        Mistake(lambda dh, dcf, f, o, c: f * dcf,
                "the path through h_t is missing: c_t also reaches the loss through h_t"),
        Mistake(lambda dh, dcf, f, o, c: dcf + dh * o * _dtanh(c),
                "that is dL/dc_t; the step back to c_(t-1) is missing its factor"),
        Mistake(lambda dh, dcf, f, o, c: f * (dcf + dh * o * (1 - c ** 2)),
                "the tanh's derivative is evaluated as if c were already the tanh's output: "
                "differentiate tanh at c"),
        Mistake(lambda dh, dcf, f, o, c: f * (dcf + dh * _dtanh(c)),
                "the output gate is missing on the path through h_t"),
        Mistake(lambda dh, dcf, f, o, c: f * (dcf + dh * o),
                "the derivative of the tanh on the cell is missing on the path through h_t"),
        Mistake(lambda dh, dcf, f, o, c: f * (dcf + dh * o * np.tanh(c)),
                "the path through h_t multiplies by tanh(c), not by its derivative"),
        Mistake(lambda dh, dcf, f, o, c: (1 - f) * (dcf + dh * o * _dtanh(c)),
                "the carousel keeps the fraction f of the cell: 1 - f is what it forgets"),
        Mistake(lambda dh, dcf, f, o, c: f * (dcf + dh * o * (1 - np.tanh(c)) ** 2),
                "the square is in the wrong place in the tanh's derivative"),
        Mistake(lambda dh, dcf, f, o, c: -f * (dcf + dh * o * _dtanh(c)),
                "the sign is flipped: every factor on the way from c_t back to c_(t-1) is a plain product"),
        Mistake(lambda dh, dcf, f, o, c: f * dcf + dh * o * _dtanh(c),
                "the factor that carries the gradient to c_(t-1) multiplies only the part from step t+1; "
                "it belongs to all of dL/dc_t"),
    ],
    forbidden=["1 - np.tanh(c) ** 2", "1 - np.tanh(c)**2", "dh * o * (1 -"],
    returns=" (return dL/dc_(t-1), shape (B, H))",
    answered_by=("cells.lstm_step_textbook_backward",),
)


# ------------------------------------------------------------------ 05.3 weight gradients

def _grads_case(seed, T, B, D, H):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(T, B, 4 * H)), rng.normal(size=(T, B, D)), rng.normal(size=(T, B, H)),
            rng.normal(size=(B, H)))


def _grads_cases(seed):
    return [_grads_case(seed, 4, 2, 3, 2), _grads_case(seed + 1, 6, 3, 2, 4)]


def _weight_grads(da, x, hs, h0):
    """The library's answer (004 eqs 10h-10i over all steps and examples at once)."""
    h_prev = np.concatenate([h0[None], hs[:-1]])

    def flat(a):
        return a.reshape(-1, a.shape[-1])
    return cells.lstm_param_grads(flat(x), flat(da), flat(da), flat(h_prev))


def _accept_grads(value, args):
    """A gradient returned transposed is named before its shape is compared."""
    if isinstance(value, dict):
        expected = _weight_grads(*args)
        for k in ("W_x", "W_h"):
            got = value.get(k)
            if (isinstance(got, np.ndarray) and got.ndim == 2 and got.shape == expected[k].T.shape
                    and got.dtype.kind == "f" and np.allclose(got, expected[k].T)):
                return Wrong(f"{k} is transposed: a missing transpose. Its gradient has the shape of {k} "
                             f"itself, {expected[k].shape}")
    return value


def _last_step(da, x, hs, h0):
    return _weight_grads(da[-1:], x[-1:], hs[-1:], hs[-2:-1][0] if len(hs) > 1 else h0)


def _explain_grads(got, args, expected):
    last = _last_step(*args)
    for k in ("W_x", "W_h", "b"):
        if not agree(got[k], expected[k], 1e-7, 1e-10) and agree(got[k], last[k], 1e-7, 1e-10):
            return Wrong(f"{k} holds the last step only: the weights are shared by every step, so their "
                         "gradient collects every step")
    return None


def _grads_with(key, compute):
    return lambda *args: {**_weight_grads(*args), key: compute(*args)}


check_weight_grads = Exercise(
    "05.3 the weight gradients", ("da", "x", "hs", "h0"), _grads_cases, _weight_grads,
    mistakes=[
        Mistake(_grads_with("W_h", lambda da, x, hs, h0: np.einsum("tbk,tbh->kh", da, hs)),
                "W_h multiplies the state that enters step t, h_(t-1); you used h_t"),
        Mistake(_grads_with("b", lambda da, x, hs, h0: da.sum(axis=(0, 1)) / da.shape[1]),
                "b is averaged over the examples; the other gradients sum, so b must sum too"),
        Mistake(_grads_with("b", lambda da, x, hs, h0: da.sum(axis=(0, 1)) / da.shape[0]),
                "b is averaged over time: a shared weight's gradient is the sum over the steps"),
        Mistake(_grads_with("W_x", lambda da, x, hs, h0: _weight_grads(da, x, hs, h0)["W_x"] / da.shape[0]
                            / da.shape[1]),
                "W_x is averaged; the loss is a sum, so is its gradient"),
        Mistake(_grads_with("W_h", lambda da, x, hs, h0: np.einsum("tbk,tbh->kh", da[1:], hs[:-1])),
                "W_h misses the first step: the state that enters step 1 is h0, and it counts too"),
        Mistake(lambda *args: {k: v / args[0].shape[0] for k, v in _weight_grads(*args).items()},
                "every gradient is averaged over time: a shared weight's gradient is the sum over the steps"),
        Mistake(_grads_with("W_x", lambda *args: _last_step(*args)["W_x"]),
                "W_x holds the last step only: the weights are shared by every step, so their gradient "
                "collects every step"),
    ],
    forbidden=["da.sum(axis=(0, 1))", "tbk,tbd->kd", "tbk,tbh->kh"],
    accept=_accept_grads,
    explain=_explain_grads,
    returns=" (a gradient has the shape of the parameter)",
    answered_by=("cells.lstm_param_grads", "cells.lstm_step_textbook_backward"),
)
