"""Checkers for notebook 05 (gates and the LSTM).

Each checker runs the reader's function on two cases of different sizes (so a
hard-coded answer fails), on copies of the inputs (a function that writes into
its inputs is told so), compares with the library (:mod:`unrolled.cells`) and,
when the answer is wrong, tries the usual mistakes one by one so the message
names the term that is off. Whatever the function returns (None, a string, a
dict, complex numbers, NaN, the wrong shape), the checker answers with a
verdict and never raises.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import cells
from ..activations import _sigmoid as sigmoid
from .base import CORRECT, Verdict, attempt, report

BLOCK_ORDER = "ifgo"


def _real_array(value):
    """``value`` as a finite real float array, or a short reason why it is not one."""
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        return None, f"expected an array, got {type(value).__name__}"
    try:
        a = np.asarray(value)
    except Exception:  # ragged lists and the like
        return None, f"expected an array, got {type(value).__name__}"
    if a.dtype.kind == "c":
        return None, "the result has complex entries: expected real numbers"
    if a.dtype.kind not in "fiub":
        return None, f"expected an array of numbers, got {type(value).__name__} of dtype {a.dtype}"
    a = a.astype(float)
    if not np.all(np.isfinite(a)):
        return None, "the result contains NaN or inf"
    return a, None


def _call(name, fn, args):
    """Call ``fn`` on copies of ``args``; ``(value, None)`` or ``(None, Verdict)``. Reports mutation."""
    copies = [a.copy() for a in args]
    value, verdict = attempt(name, fn, *copies)
    if verdict is not None:
        if verdict.status == "wrong" and any(w in verdict.message for w in ("matmul", "shapes", "align")):
            verdict = Verdict(name, "wrong", verdict.message + ". The shapes of a product do not fit: "
                              "rows are examples here, so a weight acts on them transposed")
        return None, verdict
    for original, copy in zip(args, copies):
        if copy.shape != original.shape or not np.array_equal(copy, original):
            return None, Verdict(name, "wrong", "your function changed one of its input arrays in place; "
                                                "work on new arrays instead")
    return value, None


def _same(got, expected, rtol=1e-7, atol=1e-10):
    return got.shape == expected.shape and np.allclose(got, expected, rtol=rtol, atol=atol)


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


def _library_step(x, h_prev, c_prev, W_x, W_h, b):
    (h, c), _ = cells.lstm_step_textbook(x, (h_prev, c_prev), {"W_x": W_x, "W_h": W_h, "b": b})
    return h, c


def _forward_case(seed, B, D, H):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H)),
            rng.normal(0, 0.8, (4 * H, D)), rng.normal(0, 0.8, (4 * H, H)), rng.normal(0, 0.5, 4 * H))


FORWARD_CASES = ((0, 2, 3, 4), (1, 3, 5, 2))


def check_lstm_step(fn) -> Verdict:
    """Exercise 1: ``fn(x, h_prev, c_prev, W_x, W_h, b) -> (h, c)``, one LSTM step.

    Shapes ``x`` (B, D), ``h_prev``, ``c_prev`` (B, H), ``W_x`` (4H, D), ``W_h`` (4H, H),
    ``b`` (4H,), blocks stacked i, f, g, o.
    """
    name = "05.1 the LSTM step"
    for case in FORWARD_CASES:
        args = _forward_case(*case)
        value, verdict = _call(name, fn, args)
        if verdict is not None:
            return report(verdict)
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return report(Verdict(name, "wrong", f"expected the pair (h, c), got {type(value).__name__}"
                                  + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else "")))
        (h, why_h), (c, why_c) = _real_array(value[0]), _real_array(value[1])
        if h is None or c is None:
            return report(Verdict(name, "wrong", ("h: " + why_h) if h is None else ("c: " + why_c)))
        B, H = args[1].shape
        if h.shape != (B, H) or c.shape != (B, H):
            return report(Verdict(name, "wrong", f"h and c should both have shape {(B, H)} (B, H), "
                                                 f"got {h.shape} and {c.shape}"))
        h_ok, c_ok = _library_step(*args)
        if _same(h, h_ok) and _same(c, c_ok):
            continue
        return report(_diagnose_step(name, args, h, c, h_ok, c_ok))
    return report(Verdict(name, CORRECT, "h and c match the library's LSTM step on two cases"))


def _diagnose_step(name, args, h, c, h_ok, c_ok) -> Verdict:
    if _same(h, c_ok) and _same(c, h_ok):
        return Verdict(name, "wrong", "h and c are swapped: return the pair in the order (h, c)")
    mistakes = [
        (dict(out="no tanh"), "c is right but h is not: the hidden state is missing the tanh on the cell"),
        (dict(out="old cell"), "c is right but h reads the previous cell c_prev instead of the new one"),
        (dict(cell="f on candidate"), "the forget gate is applied to the candidate (and the input gate to "
                                      "the old cell): f decides what is kept of c_prev"),
        (dict(candidate=sigmoid), "the candidate g goes through a sigmoid: it is the one block with a tanh"),
        (dict(recurrent=False), "the gates ignore h_prev: every block also receives W_h h_prev"),
    ]
    for change, message in mistakes:
        h_m, c_m = _step(*args, **change)
        if _same(h, h_m) and _same(c, c_m):
            return Verdict(name, "wrong", message)
    for order in itertools.permutations(BLOCK_ORDER):
        order = "".join(order)
        if order == BLOCK_ORDER:
            continue
        for change in ({}, dict(out="no tanh")):
            h_m, c_m = _step(*args, order=order, **change)
            if _same(h, h_m) and _same(c, c_m):
                extra = " (003's stacking)" if order == "ifog" else ""
                also = "; and the hidden state is missing the tanh on the cell" if change else ""
                return Verdict(name, "wrong", f"swapped gate order: you read the blocks as "
                                              f"{', '.join(order)}{extra}, but W_x, W_h and b are stacked "
                                              f"i, f, g, o{also}")
    if _same(c, c_ok):
        return Verdict(name, "wrong", f"c is right, h differs by up to {np.max(np.abs(h - h_ok)):.3g}")
    return Verdict(name, "wrong", f"c differs by up to {np.max(np.abs(c - c_ok)):.3g} from the library's "
                                  "(check each gate's nonlinearity and which gate multiplies what)")


# ------------------------------------------------------------------ 05.2 dL/dc_{t-1}

def _cell_case(seed, B, H):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.uniform(0.05, 0.95, (B, H)),
            rng.uniform(0.05, 0.95, (B, H)), rng.normal(0, 1.2, (B, H)))


def _dc_prev(dh, dc_future, f, o, c):
    """The library's answer: the dc_prev of its textbook backward step (the other cache entries do not enter)."""
    B, H = dh.shape
    p = {"W_x": np.zeros((4 * H, 1)), "W_h": np.zeros((4 * H, H)), "b": np.zeros(4 * H)}
    zero = np.zeros((B, H))
    cache = (np.zeros((B, 1)), zero, zero, zero, f, zero, o, c, p)
    return cells.lstm_step_textbook_backward((dh, dc_future), cache)[1][1]


def check_dc_prev(fn) -> Verdict:
    """Exercise 2: ``fn(dh, dc_future, f, o, c) -> dL/dc_{t-1}``, all (B, H).

    ``dh`` = dL/dh_t (everything reaching h_t), ``dc_future`` = the part of dL/dc_t that
    arrives from step t+1, ``f`` = f_t, ``o`` = o_t, ``c`` = c_t.
    """
    name = "05.2 dL/dc_(t-1)"
    for case in ((0, 2, 3), (1, 4, 5)):
        args = _cell_case(*case)
        value, verdict = _call(name, fn, args)
        if verdict is not None:
            return report(verdict)
        got, why = _real_array(value)
        if got is None:
            return report(Verdict(name, "wrong", why))
        expected = _dc_prev(*args)
        if got.shape != expected.shape:
            return report(Verdict(name, "wrong", f"expected shape {expected.shape} (B, H), got {got.shape}"))
        if _same(got, expected):
            continue
        dh, dcf, f, o, c = args
        tc = np.tanh(c)
        mistakes = [
            (f * dcf, "the path through h_t is missing: c_t also reaches the loss through h_t"),
            (dcf + dh * o * (1 - tc ** 2), "that is dL/dc_t; the step back to c_(t-1) is missing its factor"),
            (f * (dcf + dh * o * (1 - c ** 2)), "the tanh's derivative is evaluated as if c were already "
                                                "the tanh's output: differentiate tanh at c"),
            (f * (dcf + dh * (1 - tc ** 2)), "the output gate is missing on the path through h_t"),
            (f * (dcf + dh * o), "the derivative of the tanh on the cell is missing on the path through h_t"),
            (f * (dcf + dh * o * tc), "the path through h_t multiplies by tanh(c), not by its derivative"),
            ((1 - f) * (dcf + dh * o * (1 - tc ** 2)), "the carousel keeps the fraction f of the cell: "
                                                      "1 - f is what it forgets"),
            (f * dcf + dh * o * (1 - tc ** 2), "the factor that carries the gradient to c_(t-1) multiplies "
                                               "only the part from step t+1; it belongs to all of dL/dc_t"),
        ]
        for candidate, message in mistakes:
            if _same(got, candidate):
                return report(Verdict(name, "wrong", message))
        return report(Verdict(name, "wrong", f"differs from dL/dc_(t-1) by up to "
                                             f"{np.max(np.abs(got - expected)):.3g}"))
    return report(Verdict(name, CORRECT, "matches the library's backward step on two cases"))


# ------------------------------------------------------------------ 05.3 weight gradients

def _grads_case(seed, T, B, D, H):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(T, B, 4 * H)), rng.normal(size=(T, B, D)), rng.normal(size=(T, B, H)),
            rng.normal(size=(B, H)))


def _weight_grads(da, x, hs, h0):
    """The library's answer (004 eqs 10h-10i over all steps and examples at once)."""
    h_prev = np.concatenate([h0[None], hs[:-1]])

    def flat(a):
        return a.reshape(-1, a.shape[-1])
    return cells.lstm_param_grads(flat(x), flat(da), flat(da), flat(h_prev))


def check_weight_grads(fn) -> Verdict:
    """Exercise 3: ``fn(da, x, hs, h0) -> {"W_x", "W_h", "b"}``, the LSTM's weight gradients.

    ``da`` (T, B, 4H) = dL/da_t, the gradient at the stacked pre-activations of step t;
    ``x`` (T, B, D); ``hs`` (T, B, H) the states h_1..h_T; ``h0`` (B, H).
    """
    name = "05.3 the weight gradients"
    for case in ((0, 4, 2, 3, 2), (1, 6, 3, 2, 4)):
        args = _grads_case(*case)
        value, verdict = _call(name, fn, args)
        if verdict is not None:
            return report(verdict)
        expected = _weight_grads(*args)
        if not isinstance(value, dict) or set(value) != set(expected):
            return report(Verdict(name, "wrong", f"expected a dict with keys {sorted(expected)}, got "
                                  f"{type(value).__name__}"
                                  + (f" with keys {sorted(map(str, value))}" if isinstance(value, dict) else "")))
        got = {}
        for k in expected:
            got[k], why = _real_array(value[k])
            if got[k] is None:
                return report(Verdict(name, "wrong", f"{k}: {why}"))
        wrong = [k for k in ("W_x", "W_h", "b") if not _same(got[k], expected[k])]
        if not wrong:
            continue
        k = wrong[0]
        da, x, hs, h0 = args
        if got[k].shape == expected[k].T.shape and got[k].ndim == 2 and _same(got[k], expected[k].T):
            return report(Verdict(name, "wrong", f"{k} is transposed: a missing transpose. Its gradient has "
                                                 f"the shape of {k} itself, {expected[k].shape}"))
        if got[k].shape != expected[k].shape:
            return report(Verdict(name, "wrong", f"{k} should have the shape of the parameter, "
                                                 f"{expected[k].shape}, got {got[k].shape}"))
        T, B = da.shape[:2]
        last = _weight_grads(da[-1:], x[-1:], hs[-1:], hs[-2] if T > 1 else h0)
        mistakes = {
            "W_h": [(np.einsum("tbk,tbh->kh", da, hs), "W_h multiplies the state that enters step t, "
                                                        "h_(t-1); you used h_t")],
            "b": [(da.sum(axis=(0, 1)) / B, "b is averaged over the examples; the other gradients sum, "
                                           "so b must sum too"),
                  (da.sum(axis=(0, 1)) / T, "b is averaged over time: a shared weight's gradient is the sum "
                                            "over the steps")],
        }
        mistakes["W_x"] = [(expected["W_x"] / (T * B), "W_x is averaged; the loss is a sum, so is its gradient")]
        for candidate, message in mistakes.get(k, []):
            if _same(got[k], candidate):
                return report(Verdict(name, "wrong", message))
        if _same(got[k], last[k]):
            return report(Verdict(name, "wrong", f"{k} holds the last step only: the weights are shared by "
                                                 "every step, so their gradient collects every step"))
        return report(Verdict(name, "wrong", f"{k} differs by up to {np.max(np.abs(got[k] - expected[k])):.3g}"))
    return report(Verdict(name, CORRECT, "W_x, W_h and b match the library's on two sequences"))

