"""Checkers for notebook 04 (vanishing and exploding gradients).

Each checker calls the reader's function on several cases, compares with the
library's answer (:mod:`unrolled.dynamics`, :mod:`unrolled.optim`) and, when
the answer is wrong, tries the usual mistakes one by one so the message can
name the term that is off.
"""
from __future__ import annotations

import numpy as np

from .. import dynamics, optim
from .base import CORRECT, Verdict, attempt, compare, diagnose, report

# (activation, w_hh, w_hx, k): negative weights and odd k on purpose, where the
# note's version without |w_hx| and a signless answer part ways with the truth
BOUND_CASES = [(act, w_hh, w_hx, k)
               for act in ("tanh", "sigmoid", "relu")
               for w_hh, w_hx in ((0.9, 1.5), (-1.2, 0.7), (0.5, -2.0), (-0.8, -0.6))
               for k in (0, 1, 3, 6)]


def check_single_neuron_bound(fn) -> Verdict:
    """Exercise 1: ``fn(activation, w_hh, w_hx, k) -> float``, the sharpest bound on
    ``|dh^(t)/dx^(t-k)|`` for ``h^(t) = f(w_hh h^(t-1) + w_hx x^(t) + b)`` (001)."""
    name = "04.1 single-neuron bound"
    results = []
    for act, w_hh, w_hx, k in BOUND_CASES:
        got, verdict = attempt(name, fn, act, w_hh, w_hx, k)
        if verdict is not None:
            return report(verdict)
        try:
            got = float(got)
        except (TypeError, ValueError):
            return report(Verdict(name, "wrong", f"expected a number, got {type(got).__name__}"))
        results.append(got)
    got = np.array(results)
    expected = np.array([dynamics.single_neuron_bound(*c) for c in BOUND_CASES])
    if np.allclose(got, expected, rtol=1e-9, atol=1e-15):
        return report(Verdict(name, CORRECT, "|dh^(t)/dx^(t-k)| <= gamma^(k+1) |w_hh|^k |w_hx|, "
                                             "gamma = 1 for tanh and ReLU, 1/4 for sigmoid"))
    sigmoid = np.array([c[0] == "sigmoid" for c in BOUND_CASES])
    gamma = np.where(sigmoid, 0.25, 1.0)
    a = np.array([[abs(c[1]) ** c[3], abs(c[2]), c[2], c[1] ** c[3], c[3]] for c in BOUND_CASES])
    hh_k, abs_hx, hx, signed_hh_k, k = a.T
    mistakes = [
        (hh_k * hx * gamma ** (k + 1),
         "w_hx needs an absolute value too: 001 writes |w_hh|^k * w_hx, which is negative "
         "(and so false as a bound on a size) when w_hx < 0"),
        (hh_k * hx,
         "this is 001's statement word for word: w_hx needs an absolute value, and for the "
         "sigmoid each of the k+1 derivatives is at most 1/4"),
        (hh_k * abs_hx,
         "right for tanh and ReLU, but the sigmoid's derivative is at most 1/4, and there are "
         "k + 1 of them in the product: (1/4)^(k+1)"),
        (hh_k * abs_hx * gamma ** k,
         "count the derivatives: the chain from x^(t-k) to h^(t) passes k + 1 activations "
         "(steps t-k, ..., t) but only k recurrent weights, so gamma^(k+1), not gamma^k"),
        (np.array([abs(c[1]) ** (c[3] + 1) for c in BOUND_CASES]) * abs_hx * gamma ** (k + 1),
         "one w_hh too many: x^(t-k) enters at step t-k through w_hx, then k steps of w_hh "
         "carry it to step t"),
        (signed_hh_k * abs_hx * gamma ** (k + 1),
         "w_hh needs an absolute value: with w_hh < 0 and odd k, w_hh^k is negative"),
    ]
    mistake = diagnose(name, got, mistakes, rtol=1e-9, atol=1e-15)
    if mistake is not None:
        return report(mistake)
    worst = int(np.argmax(np.abs(got - expected)))
    act, w_hh, w_hx, kk = BOUND_CASES[worst]
    return report(Verdict(name, "wrong", f"for {act}, w_hh={w_hh}, w_hx={w_hx}, k={kk} you gave "
                                         f"{got[worst]:.6g}; the bound is {expected[worst]:.6g}"))


def _jacobian_case(seed):
    rng = np.random.default_rng(seed)
    H, T = 4, 5
    W = rng.normal(0, 0.7, (H, H))               # not symmetric: W and W^T differ
    fprimes = rng.uniform(0.1, 1.0, (T, H))      # distinct per step: the order matters
    return W, fprimes


def check_jacobian_product(fn, seed=0) -> Verdict:
    """Exercise 2: ``fn(W, fprimes) -> dh_T/dh_0``; W (H, H), fprimes (T, H) with row
    ``j-1`` = ``f'(a_j)``; the answer in numerator layout, ``J_T ... J_1``, ``J_j = diag(f'(a_j)) W``."""
    name = "04.2 dh_T/dh_0 as a product of Jacobians"
    W, fp = _jacobian_case(seed)
    got, verdict = attempt(name, fn, W.copy(), fp.copy())
    if verdict is not None:
        return report(verdict)
    expected = dynamics.jacobian_product(W, fp)
    wrong = compare(name, "dh_T/dh_0", got, expected)
    if wrong is None:
        return report(Verdict(name, CORRECT, "dh_T/dh_0 = diag(f'(a_T)) W ... diag(f'(a_1)) W"))
    if np.shape(got) != expected.shape:
        return report(wrong)

    def product(factors):
        M = np.eye(W.shape[0])
        for F in factors:
            M = M @ F
        return M

    J = [f[:, None] * W for f in fp]            # J_1 .. J_T
    shifted = np.vstack([np.ones((1, W.shape[0])), fp[:-1]])
    mistakes = [
        (expected.T,
         ("you built the transpose, W^T diag(f') ... : that is the layout of a backward pass "
          "(003 writes it so), but dh_T/dh_0 itself has row p = derivatives of h_T[p]: "
          "diag(f'(a_T)) W ... diag(f'(a_1)) W")),
        (product(J),
         ("the order is reversed: the newest Jacobian J_T multiplies from the left, "
          "dh_T/dh_0 = J_T J_(T-1) ... J_1")),
        (product(reversed([W * f[None, :] for f in fp])),
         ("diag(f') is on the wrong side: h_j = f(a_j) scales the rows of W, "
          "J_j = diag(f'(a_j)) W, not W diag(f'(a_j))")),
        (np.linalg.matrix_power(W, fp.shape[0]),
         "the activation derivatives are missing: each step contributes diag(f'(a_j)) W"),
        (product(reversed([f[:, None] * W for f in shifted])),
         ("off by one step: J_j uses f' at the pre-activation a_j of the same step, "
          "the one computed from h_(j-1) (003's garbled 'f'(j_(j-1))' invites this slip)")),
    ]
    mistake = diagnose(name, got, mistakes)
    if mistake is not None:
        return report(mistake)
    return report(wrong)


def _grads_case(seed):
    rng = np.random.default_rng(seed)
    return {"W_hh": rng.normal(0, 30, (3, 3)), "W_hx": rng.normal(0, 30, (3, 2)),
            "b_h": rng.normal(0, 30, 3)}


def check_clip_global_norm(fn, seed=0) -> Verdict:
    """Exercise 3: ``fn(grads, max_norm) -> clipped`` (a dict like ``grads``), rescaling all
    gradients together by ``min(1, max_norm / ||g||)`` with ``||g||`` over every entry of every array."""
    name = "04.3 clipping by global norm"
    for case, max_norm in ((seed, 5.0), (seed + 1, 1e6)):     # the second one must not be touched
        grads = _grads_case(case)
        got, verdict = attempt(name, fn, {k: v.copy() for k, v in grads.items()}, max_norm)
        if verdict is not None:
            return report(verdict)
        if not isinstance(got, dict) or set(got) != set(grads):
            return report(Verdict(name, "wrong", f"expected a dict with keys {sorted(grads)}, "
                                                 f"got {type(got).__name__}"
                                                 + (f" with keys {sorted(got)}" if isinstance(got, dict) else "")))
        expected, norm = optim.clip_global_norm(grads, max_norm)
        diffs = {k: compare(name, k, got[k], expected[k]) for k in grads}
        if all(d is None for d in diffs.values()):
            continue
        if any(np.shape(got[k]) != expected[k].shape for k in grads):
            return report(next(d for d in diffs.values() if d is not None))
        flat = np.concatenate([np.ravel(got[k]) for k in sorted(grads)])
        if max_norm > norm:
            return report(Verdict(name, "wrong", "a gradient already shorter than max_norm must be "
                                                 "left as it is: the factor is min(1, max_norm / ||g||)"))
        per_array = {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}
        mistakes = [
            (optim.clip_elementwise(grads, max_norm),
             "that is elementwise clipping: every entry is capped separately, which changes the direction"),
            (per_array,
             ("each array is clipped by its own norm: the arrays then shrink by different factors and "
              "the direction of the whole gradient changes; use one norm over all entries of all arrays")),
            ({k: g * (max_norm / norm ** 2) for k, g in grads.items()},
             "the factor uses ||g||^2: the global norm is the square root of the sum of squares"),
        ]
        for candidate, message in mistakes:
            if all(np.allclose(got[k], candidate[k]) for k in grads):
                return report(Verdict(name, "wrong", message))
        new = float(np.linalg.norm(flat))
        return report(Verdict(name, "wrong", f"the clipped gradient has norm {new:.4g}; expected "
                                             f"{min(norm, max_norm):.4g} in the direction of the original"))
    return report(Verdict(name, CORRECT, "g * min(1, max_norm / ||g||): the length is capped and "
                                         "the direction kept"))
