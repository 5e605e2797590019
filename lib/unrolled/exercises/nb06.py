"""Checkers for notebook 06 (the GRU).

* :data:`check_gru_step`: one GRU step with the reset gate before the
  recurrent product (Cho et al. 2014, notes 003/004), in the library's layout
  and with the library's ``z`` (the fraction of the old state kept);
  :func:`unrolled.cells.gru_step`.
* :data:`check_interpolation_backward`: the gradients through
  ``h = (1 - z) * n + z * h_prev`` alone (the first lines of
  :func:`unrolled.cells.gru_cho_core_backward`).
* :data:`check_gru_param_count`: the parameters of one GRU layer in either
  convention (:func:`unrolled.gru_forms.closed_form_count`).

All three follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import numpy as np

from .. import cells
from ..activations import _sigmoid as sigmoid
from .base import Exercise, Mistake, Wrong, _kind

# --------------------------------------------------------------------------
# 06.1 one GRU step, reset before the product (Cho; the notes), the library's z
# --------------------------------------------------------------------------

STEP_CASES = [(61, 2, 3, 4), (62, 3, 5, 2)]      # (seed, B, D, H)


def _step_case(seed, B, D, H):
    rng = np.random.default_rng(seed)
    p = cells.init("gru", D, H, rng, reset_after=False)
    p["b"] = p["b"] + rng.normal(0, 0.5, 3 * H)               # biases away from zero on purpose
    p["W_h"] = p["W_h"] + rng.normal(0, 0.5, (3 * H, H))      # not symmetric: W and W^T differ
    return rng.normal(size=(B, D)), rng.normal(size=(B, H)), p


def _step_cases(seed):
    return [_step_case(s + 1000 * seed, B, D, H) for s, B, D, H in STEP_CASES]


def _gru_step(x, h_prev, p):
    return cells.gru_step(x, h_prev, p)[0]


def _step_variant(order="rzn", transpose=True, reset="before", swap=False):
    """One GRU step with one deliberate change (the right answer is the library's), for naming mistakes."""
    def step(x, h, p):
        H = h.shape[1]
        ax = x @ p["W_x"].T + p["b"]
        W_h = {k: p["W_h"][i * H:(i + 1) * H] for i, k in enumerate(order)}
        a = {k: ax[:, i * H:(i + 1) * H] for i, k in enumerate(order)}

        def rec(v, k):
            return v @ W_h[k].T if transpose else v @ W_h[k]

        r = sigmoid(a["r"] + rec(h, "r"))
        z = sigmoid(a["z"] + rec(h, "z"))
        if reset == "before":
            n = np.tanh(a["n"] + rec(r * h, "n"))
        elif reset == "after":
            n = np.tanh(a["n"] + r * rec(h, "n"))
        else:
            n = np.tanh(a["n"] + rec(h, "n"))
        return z * n + (1 - z) * h if swap else (1 - z) * n + z * h
    return step


def _accept_step(value, args):
    """The library's ``cells.gru_step`` returns ``(h, cache)``; accept that pair too."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], np.ndarray) \
            and not isinstance(value[1], np.ndarray):
        return value[0]
    return value


def _explain_step(got, args, expected):
    x, h_prev, p = args
    if np.allclose(got, h_prev, rtol=1e-7, atol=1e-10):
        return Wrong("you return h_prev unchanged: the step must mix it with the candidate")
    off = int((~np.isclose(got, expected, rtol=1e-7, atol=1e-10)).sum())
    return Wrong(f"{off} of the {got.size} entries of h are wrong, and not by one of the usual slips; "
                 "check each line on its own: the two gates, then the candidate, then the interpolation")


check_gru_step = Exercise(
    "06.1 one GRU step", ("x", "h_prev", "p"), _step_cases, _gru_step,
    mistakes=[
        Mistake(_step_variant(swap=True),
                "z and 1 - z are swapped: the library's z is the fraction of the old state that is kept, "
                "not of the candidate that is taken (that is the notes' u)"),
        Mistake(_step_variant(reset="after"),
                "the reset gate is applied after the recurrent product (PyTorch's convention); this "
                "exercise asks for Cho's, where r multiplies h_prev before it meets the candidate's "
                "recurrent weights"),
        Mistake(_step_variant(reset="none"), "the reset gate is missing from the candidate"),
        Mistake(_step_variant(transpose=False),
                "a missing transpose: the recurrent weights are stored (rows, H) as in the equations, so a "
                "batch of row vectors meets them transposed"),
        Mistake(_step_variant(order="zrn"),
                "the blocks r and z are swapped: the stacked order is r, z, n (PyTorch's)"),
        Mistake(_step_variant(swap=True, reset="after"),
                "two mistakes: z and 1 - z are swapped, and the reset gate is applied after the recurrent "
                "product instead of before it"),
    ],
    forbidden=["(r * h_prev) @", "rh @ W_hT"],
    accept=_accept_step,
    explain=_explain_step,
    returns=" (return the new state h, an array of shape (B, H))",
    answered_by=("cells.gru_step", "cells.gru_cho_core"),
)

# --------------------------------------------------------------------------
# 06.2 the gradient through the interpolation h = (1 - z) n + z h_prev
# --------------------------------------------------------------------------

INTERP_CASES = [(71, 2, 3), (72, 4, 5)]          # (seed, B, H)
GRADS = ("dz", "dn", "dh_prev")


def _interp_cases(seed):
    cases = []
    for s, B, H in INTERP_CASES:
        rng = np.random.default_rng(s + 1000 * seed)
        dh, h_prev, n = rng.normal(size=(B, H)), rng.normal(size=(B, H)), np.tanh(rng.normal(size=(B, H)))
        cases.append((dh, h_prev, sigmoid(rng.normal(size=(B, H))), n))
    return cases


def interpolation_backward(dh, h_prev, z, n):
    """The reference: dL/dz, dL/dn and dL/dh_prev through ``h = (1 - z) n + z h_prev`` only, as a tuple."""
    return dh * (h_prev - n), dh * (1 - z), dh * z


def _as_dict(fn):
    return lambda *args: dict(zip(GRADS, fn(*args)))


def _accept_grads(value, args):
    """The reader returns the tuple ``(dz, dn, dh_prev)``; checked as the dict of the three."""
    if isinstance(value, dict):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 3:
        return dict(zip(GRADS, value))
    return Wrong(f"your answer is {_kind(value)}; return the three arrays as a tuple (dz, dn, dh_prev)")


def _explain_grads(got, args, expected):
    """Name the gradient that is off, and a missing factor dh or a flipped sign in it."""
    dh = args[0]
    for key in GRADS:
        g, e = got[key], expected[key]
        if np.allclose(g, e, rtol=1e-7, atol=1e-10):
            continue
        if np.allclose(g * dh, e, rtol=1e-7, atol=1e-10):
            return Wrong(f"{key} is missing the factor dh, the gradient arriving from above")
        if np.allclose(g, -e, rtol=1e-7, atol=1e-10):
            return Wrong(f"{key} has the wrong sign")
        return Wrong(f"{key} is wrong (the others are right): differentiate h with respect to that "
                     "variable alone, the other two held fixed")
    return None


check_interpolation_backward = Exercise(
    "06.2 gradient through the interpolation", ("dh", "h_prev", "z", "n"), _interp_cases,
    _as_dict(interpolation_backward),
    mistakes=[
        Mistake(lambda dh, h, z, n: dict(zip(GRADS, (dh * (h - n), dh * z, dh * (1 - z)))),
                "dn and dh_prev have z and 1 - z swapped: the library's z weighs the old state"),
        Mistake(lambda dh, h, z, n: dict(zip(GRADS, (dh * (n - h), dh * (1 - z), dh * z))),
                "dz has the wrong sign: ask which of h_prev and n gains weight in h when z grows"),
        Mistake(lambda dh, h, z, n: dict(zip(GRADS, (dh * z * (1 - z) * (h - n), dh * (1 - z), dh * z))),
                "dz includes the sigmoid's derivative: this exercise asks for the gradient at z itself, "
                "not at its pre-activation"),
        Mistake(lambda dh, h, z, n: dict(zip(GRADS, (h - n, 1 - z, z))),
                "all three are missing the factor dh, the gradient arriving at h from above"),
    ],
    forbidden=["dh * (h_prev - n)", "dh * (1 - z)"],
    accept=_accept_grads,
    explain=_explain_grads,
    returns=" (return the tuple (dz, dn, dh_prev), each of shape (B, H))",
    answered_by=("cells.gru_cho_core_backward", "cells.gru_after_core_backward"),
)

# --------------------------------------------------------------------------
# 06.3 parameter count of a GRU layer, both conventions
# --------------------------------------------------------------------------

COUNT_SIZES = [(3, 4), (10, 7), (1, 1), (128, 256)]      # (D, H)


def _count_cases(seed):
    return [(D, H, after) for D, H in COUNT_SIZES for after in (False, True)]


def _count_answer(D, H, reset_after):
    return cells.count_params(cells.init("gru", D, H, np.random.default_rng(0), reset_after=reset_after))


def _accept_count(value, args):
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and value != round(value):
        return Wrong(f"your answer {value!r} has a fraction; a count of parameters is a whole number")
    return value


def _explain_count(got, args, expected):
    D, H, after = args
    return Wrong(f"reset_after={after}, D={D}, H={H}: you gave {int(got)}, which is not the count; "
                 "add up the entries of W_x, W_h and the bias vector(s)")


check_gru_param_count = Exercise(
    "06.3 GRU parameter count", ("D", "H", "reset_after"), _count_cases, _count_answer,
    mistakes=[
        Mistake(lambda D, H, a: 4 * H * (D + H + 1 + a),
                "that is an LSTM's count: a GRU has three blocks (r, z, n), not four"),
        Mistake(lambda D, H, a: 3 * H * (D + H), "the biases are missing"),
        Mistake(lambda D, H, a: 3 * H * (D + H + 1),
                "right for Cho's convention, but PyTorch's (reset_after=True) keeps two bias vectors "
                "(one inside the reset, one outside), not one"),
        Mistake(lambda D, H, a: 3 * H * (D + H + 2),
                "right for PyTorch's convention, but Cho's (reset_after=False) has one bias vector per "
                "block; the second belongs to the reset-after convention"),
        Mistake(lambda D, H, a: 3 * H * (D + 1 + a) + H * H,
                "the recurrent weights are counted once; each of the three blocks has its own H x H matrix"),
        Mistake(lambda D, H, a: 3 * H * (D + 1 + a), "the recurrent weights are missing"),
        Mistake(lambda D, H, a: H * (D + H + 1 + a),
                "that is one block's count: the GRU has three blocks (r, z, n), each with its own weights"),
        Mistake(lambda D, H, a: 3 * H * (D + H) + (1 + a) * H,
                "the bias is counted once for the whole layer; each block has its own bias vector(s)"),
    ],
    forbidden=["3 * H * (D + H", "3H(D + H", "blocks * (H * D"],
    accept=_accept_count,
    explain=_explain_count,
    returns=" (return one whole number)",
    answered_by=("gru_forms.closed_form_count",),
)
