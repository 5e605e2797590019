"""Checkers for notebook 06 (the GRU).

Each checker runs the reader's function on at least two cases of different
sizes, on copies of the inputs (a function that writes into its inputs is
told so), compares with the library (:mod:`unrolled.cells`,
:mod:`unrolled.gru_forms`) and, when the answer is wrong, tries the usual
mistakes one by one so the message can name the term that is off. Whatever
the reader's function returns (None, a string, a dict, complex numbers, NaN,
the wrong shape), the checker answers with a verdict and does not raise.
"""
from __future__ import annotations

import numpy as np

from .. import cells, gru_forms
from ..activations import _sigmoid as sigmoid
from .base import CORRECT, Verdict, attempt, report

WRONG = "wrong"


def _numeric(exercise, what, got, shape) -> tuple[np.ndarray | None, Verdict | None]:
    """``got`` as a real float array of ``shape``, or a verdict saying why it is not one. Never raises."""
    if isinstance(got, (str, bytes, dict)):
        return None, Verdict(exercise, WRONG, f"{what}: expected an array of shape {shape}, "
                                              f"got a {type(got).__name__}")
    try:
        arr = np.asarray(got)
    except Exception:                                    # ragged lists and the like
        return None, Verdict(exercise, WRONG, f"{what}: expected an array of shape {shape}, "
                                              f"got {type(got).__name__}")
    if np.iscomplexobj(arr):
        return None, Verdict(exercise, WRONG, f"{what}: expected real numbers, got complex ones")
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError):
        return None, Verdict(exercise, WRONG, f"{what}: expected numbers, got {arr.dtype}")
    if arr.shape != tuple(shape):
        return None, Verdict(exercise, WRONG, f"{what}: expected shape {tuple(shape)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        return None, Verdict(exercise, WRONG, f"{what}: contains NaN or inf")
    return arr, None


def _mutated(originals, copies) -> str | None:
    for name, a in originals.items():
        if not np.array_equal(a, copies[name]):
            return name
    return None


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------
# 06.1 one GRU step, reset before the product (Cho; the notes), the library's z
# --------------------------------------------------------------------------

def _step_case(seed, B, D, H):
    rng = np.random.default_rng(seed)
    p = cells.init("gru", D, H, rng, reset_after=False)
    p["b"] = p["b"] + rng.normal(0, 0.5, 3 * H)               # biases away from zero on purpose
    p["W_h"] = p["W_h"] + rng.normal(0, 0.5, (3 * H, H))      # not symmetric: W and W^T differ
    return rng.normal(size=(B, D)), rng.normal(size=(B, H)), p


STEP_CASES = [(61, 2, 3, 4), (62, 3, 5, 2)]


def _step_variants(x, h, p):
    """What the usual mistakes compute, named."""
    H = h.shape[1]
    ax = x @ p["W_x"].T + p["b"]

    def run(order="rzn", transpose=True, reset="before", swap=False):
        W_h = {k: p["W_h"][i * H:(i + 1) * H] for i, k in enumerate(order)}
        a = {k: ax[:, i * H:(i + 1) * H] for i, k in enumerate(order)}
        rec = (lambda v, k: v @ W_h[k].T) if transpose else (lambda v, k: v @ W_h[k])
        r = sigmoid(a["r"] + rec(h, "r"))
        z = sigmoid(a["z"] + rec(h, "z"))
        if reset == "before":
            n = np.tanh(a["n"] + rec(r * h, "n"))
        elif reset == "after":
            n = np.tanh(a["n"] + r * rec(h, "n"))
        else:
            n = np.tanh(a["n"] + rec(h, "n"))
        return z * n + (1 - z) * h if swap else (1 - z) * n + z * h

    return [
        (run(swap=True), "z and 1 - z are swapped: the library's z is the fraction of the old state "
                         "that is kept, not of the candidate that is taken (that is the notes' u)"),
        (run(reset="after"), "the reset gate is applied after the recurrent product (PyTorch's "
                             "convention); this exercise asks for Cho's, where r multiplies h_prev "
                             "before it meets the candidate's recurrent weights"),
        (run(reset="none"), "the reset gate is missing from the candidate"),
        (run(transpose=False), "a missing transpose: the recurrent weights are stored (rows, H) as in the "
                               "equations, so a batch of row vectors meets them transposed"),
        (run(order="zrn"), "the blocks r and z are swapped: the stacked order is r, z, n (PyTorch's)"),
        (run(swap=True, reset="after"), "two mistakes: z and 1 - z are swapped, and the reset gate is "
                                        "applied after the recurrent product instead of before it"),
    ]


def check_gru_step(fn) -> Verdict:
    """Exercise 06.1: ``fn(x, h_prev, p) -> h``, one GRU step with the reset before the product.

    ``x`` (B, D), ``h_prev`` (B, H), ``p`` = {"W_x" (3H, D), "W_h" (3H, H), "b" (3H,)}, blocks r, z, n.
    """
    name = "06.1 one GRU step"
    for seed, B, D, H in STEP_CASES:
        x, h, p = _step_case(seed, B, D, H)
        originals = {"x": x, "h_prev": h, **{f"p[{k!r}]": v for k, v in p.items()}}
        copies = {k: v.copy() for k, v in originals.items()}
        p_copy = {k: copies[f"p[{k!r}]"] for k in p}
        got, verdict = attempt(name, fn, copies["x"], copies["h_prev"], p_copy)
        if verdict is not None:
            return report(verdict)
        changed = _mutated(originals, copies)
        if changed is not None:
            return report(Verdict(name, WRONG, f"your function changed its input {changed}; "
                                               "compute new arrays instead"))
        got, verdict = _numeric(name, "h", got, (B, H))
        if verdict is not None:
            return report(verdict)
        expected = cells.gru_step(x, h, p)[0]
        if _close(got, expected):
            continue
        for candidate, message in _step_variants(x, h, p):
            if _close(got, candidate):
                return report(Verdict(name, WRONG, message))
        return report(Verdict(name, WRONG, f"for B={B}, D={D}, H={H} h differs from the library's by up to "
                                           f"{np.max(np.abs(got - expected)):.3g}; check each gate on its own"))
    return report(Verdict(name, CORRECT, f"matches cells.gru_step on {len(STEP_CASES)} cases of different sizes"))


# --------------------------------------------------------------------------
# 06.2 the gradient through the interpolation h = (1 - z) n + z h_prev
# --------------------------------------------------------------------------

INTERP_CASES = [(71, 2, 3), (72, 4, 5)]


def interpolation_backward(dh, h_prev, z, n):
    """The reference: dL/dz, dL/dn and dL/dh_prev through this line only."""
    return dh * (h_prev - n), dh * (1 - z), dh * z


def check_interpolation_backward(fn) -> Verdict:
    """Exercise 06.2: ``fn(dh, h_prev, z, n) -> (dz, dn, dh_prev)`` for ``h = (1 - z) * n + z * h_prev``."""
    name = "06.2 gradient through the interpolation"
    for seed, B, H in INTERP_CASES:
        rng = np.random.default_rng(seed)
        dh, h, n = rng.normal(size=(B, H)), rng.normal(size=(B, H)), np.tanh(rng.normal(size=(B, H)))
        z = sigmoid(rng.normal(size=(B, H)))
        originals = {"dh": dh, "h_prev": h, "z": z, "n": n}
        copies = {k: v.copy() for k, v in originals.items()}
        got, verdict = attempt(name, fn, *copies.values())
        if verdict is not None:
            return report(verdict)
        changed = _mutated(originals, copies)
        if changed is not None:
            return report(Verdict(name, WRONG, f"your function changed its input {changed}"))
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return report(Verdict(name, WRONG, "expected three arrays (dz, dn, dh_prev), got "
                                               + (f"{len(got)} items" if isinstance(got, (tuple, list))
                                                  else f"a {type(got).__name__}")))
        parts = []
        for what, g in zip(("dz", "dn", "dh_prev"), got):
            arr, verdict = _numeric(name, what, g, (B, H))
            if verdict is not None:
                return report(verdict)
            parts.append(arr)
        dz, dn, dhp = parts
        e_dz, e_dn, e_dhp = interpolation_backward(dh, h, z, n)
        if _close(dz, e_dz) and _close(dn, e_dn) and _close(dhp, e_dhp):
            continue
        if _close(dn, dh * z) and _close(dhp, dh * (1 - z)):
            return report(Verdict(name, WRONG, "dn and dh_prev have z and 1 - z swapped: the library's z "
                                               "weighs the old state"))
        if _close(dz, -e_dz):
            return report(Verdict(name, WRONG, "dz has the wrong sign: ask which of h_prev and n "
                                               "gains weight in h when z grows"))
        if _close(dz, dh * z * (1 - z) * (h - n)):
            return report(Verdict(name, WRONG, "dz includes the sigmoid's derivative: this exercise asks for "
                                               "the gradient at z itself, not at its pre-activation"))
        for what, g, e in (("dz", dz, e_dz), ("dn", dn, e_dn), ("dh_prev", dhp, e_dhp)):
            if not _close(g, e):
                if _close(g, e / np.where(dh == 0, 1, dh)):
                    return report(Verdict(name, WRONG, f"{what} is missing the factor dh coming from above"))
                return report(Verdict(name, WRONG, f"{what} is wrong for B={B}, H={H} "
                                                   f"(off by up to {np.max(np.abs(g - e)):.3g})"))
    return report(Verdict(name, CORRECT, f"dz, dn and dh_prev right on {len(INTERP_CASES)} cases"))


# --------------------------------------------------------------------------
# 06.3 parameter count of a GRU layer, both conventions
# --------------------------------------------------------------------------

COUNT_CASES = [(3, 4), (10, 7), (1, 1), (128, 256)]


def check_gru_param_count(fn) -> Verdict:
    """Exercise 06.3: ``fn(D, H, reset_after) -> int``, the parameters of one GRU layer."""
    name = "06.3 GRU parameter count"
    for D, H in COUNT_CASES:
        for after in (False, True):
            got, verdict = attempt(name, fn, D, H, after)
            if verdict is not None:
                return report(verdict)
            if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer, float, np.floating)):
                return report(Verdict(name, WRONG, f"expected a whole number, got {type(got).__name__}"))
            if not np.isfinite(got) or got != int(got):
                return report(Verdict(name, WRONG, f"expected a whole number, got {got!r}"))
            got = int(got)
            expected = gru_forms.closed_form_count("gru", D, H, reset_after=after)
            if got == expected:
                continue
            conv = "reset after (PyTorch)" if after else "reset before (Cho)"
            mistakes = [
                (4 * H * (D + H + 1 + after), "that is an LSTM's count: a GRU has three blocks (r, z, n), "
                                              "not four"),
                (3 * H * (D + H), "the biases are missing"),
                (3 * H * (D + H + 1), "PyTorch's convention keeps two bias vectors (one inside the reset, "
                                      "one outside), not one"),
                (3 * H * (D + H + 2), "Cho's convention has one bias vector per block; the second one "
                                      "belongs to the reset-after convention"),
                (3 * H * (D + 1 + after) + H * H, "the recurrent weights are counted once; each of the three "
                                                  "blocks has its own H x H matrix"),
                (3 * H * (D + 1 + after), "the recurrent weights are missing"),
                (3 * (D * H + H * H + (1 + after) * H) // 3, "each block has its own weights: "
                                                             "count one block and multiply"),
            ]
            for value, message in mistakes:
                if got == value:
                    return report(Verdict(name, WRONG, f"{conv}, D={D}, H={H}: {message}"))
            return report(Verdict(name, WRONG, f"{conv}, D={D}, H={H}: you gave {got}, which is not the "
                                               "count; add up the shapes of W_x, W_h and the bias(es)"))
    return report(Verdict(name, CORRECT, f"right for both conventions on {len(COUNT_CASES)} sizes"))
