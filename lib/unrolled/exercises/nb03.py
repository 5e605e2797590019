"""Checkers for notebook 03 (backpropagation through time).

Each checker calls the reader's function on fresh random inputs, compares with
the answer from :mod:`unrolled.bptt`, and when the answer is wrong, tries the
usual mistakes one by one so the message can name the missing or misplaced term.
"""
from __future__ import annotations

import numpy as np

from .base import CORRECT, Verdict, attempt, compare, diagnose, report

B, H = 3, 5


def _case(seed):
    rng = np.random.default_rng(seed)
    dl = rng.normal(size=(B, H))
    delta = rng.normal(size=(B, H))
    h = np.tanh(rng.normal(size=(B, H)))
    W_hh = rng.normal(0, 0.6, (H, H))            # not symmetric, so W and W^T differ
    return dl, delta, h, W_hh


def delta_step_answer(dl_t, delta_t, h_t, W_hh):
    """000 eq 11 with eq 14: delta^{h_{t-1}} = ((dl_t/dh_t + delta^{h_t}) * (1 - h_t^2)) W_hh."""
    return ((dl_t + delta_t) * (1.0 - h_t ** 2)) @ W_hh


def check_delta_step(fn, seed=0) -> Verdict:
    """Exercise 1: ``fn(dl_t, delta_t, h_t, W_hh) -> delta_{t-1}``, all (B, H) and W_hh (H, H)."""
    name = "03.1 delta recursion, one step"
    dl, delta, h, W_hh = _case(seed)
    got, verdict = attempt(name, fn, dl.copy(), delta.copy(), h.copy(), W_hh.copy())
    if verdict is not None:
        return report(verdict)
    expected = delta_step_answer(dl, delta, h, W_hh)
    wrong = compare(name, "delta_{t-1}", got, expected)
    if wrong is None:
        return report(Verdict(name, CORRECT, "delta_{t-1} = ((dl_t + delta_t) * (1 - h_t**2)) @ W_hh"))
    if np.shape(got) != expected.shape:
        return report(wrong)
    mistakes = [
        (((delta) * (1 - h ** 2)) @ W_hh,
         ("you left out the present loss: the bracket of 000 eq 11 is dL_t/dh_t + delta_t, "
         "because h_{t-1} reaches L_t through h_t too")),
        (((dl) * (1 - h ** 2)) @ W_hh,
         "you left out delta_t: the losses after step t also reach h_{t-1} through h_t"),
        ((dl + delta) @ W_hh,
         "the tanh derivative (1 - h_t**2) is missing (000 eq 14)"),
        (((dl + delta) * (1 - h ** 2)) @ W_hh.T,
         ("W_hh is transposed: the sum in 000 eq 11 runs over j, the row of W_hh[j, i], "
         "so in row-vector code it is `@ W_hh`, not `@ W_hh.T`")),
        (((dl + delta) @ W_hh) * (1 - h ** 2),
         ("the tanh derivative is applied after the matrix product; it belongs to the units "
         "of h_t, before the product with W_hh")),
        (((dl + delta) * (1 - h)) @ W_hh,
         "the derivative of tanh is 1 - h**2, not 1 - h"),
        (((dl + delta) * h * (1 - h)) @ W_hh,
         "h * (1 - h) is the derivative of the sigmoid; this RNN uses tanh: 1 - h**2"),
    ]
    mistake = diagnose(name, got, mistakes)
    if mistake is not None:
        return report(mistake)
    return report(wrong)


def grad_W_hh_answer(dh, hs, h0):
    """000 eq 16: dL/dW_hh = sum_t ((dL/dh_t) * (1 - h_t^2))^T h_{t-1}."""
    h_prev = np.concatenate([h0[None], hs[:-1]])
    return np.einsum("tbj,tbi->ji", dh * (1.0 - hs ** 2), h_prev)


def check_grad_W_hh(fn, seed=0) -> Verdict:
    """Exercise 2: ``fn(dh, hs, h0) -> dL/dW_hh``; dh and hs (T, B, H), h0 (B, H)."""
    name = "03.2 gradient of the shared W_hh"
    rng = np.random.default_rng(seed)
    T = 4
    dh = rng.normal(size=(T, B, H))
    hs = np.tanh(rng.normal(size=(T, B, H)))
    h0 = np.tanh(rng.normal(size=(B, H)))
    got, verdict = attempt(name, fn, dh.copy(), hs.copy(), h0.copy())
    if verdict is not None:
        return report(verdict)
    expected = grad_W_hh_answer(dh, hs, h0)
    wrong = compare(name, "dL/dW_hh", got, expected)
    if wrong is None:
        return report(Verdict(name, CORRECT, "the sum over steps of the immediate gradients "
                                             "(dh_t * (1 - h_t**2)).T @ h_{t-1}"))
    if np.shape(got) != expected.shape:
        return report(wrong)
    da = dh * (1 - hs ** 2)
    h_prev = np.concatenate([h0[None], hs[:-1]])
    mistakes = [
        (np.einsum("tbj,tbi->ji", da, hs),
         "you used h_t where 000 eq 16 has h_{t-1}: W_hh multiplies the previous state"),
        (np.einsum("tbj,tbi->ij", da, h_prev),
         "the result is transposed: entry [j, i] is (1 - h_{t,j}**2) dL/dh_{t,j} h_{t-1,i}"),
        (np.einsum("tbj,tbi->ji", dh, h_prev),
         "the tanh derivative (1 - h_t**2) is missing"),
        (np.einsum("bj,bi->ji", da[-1], h_prev[-1]),
         ("only the last step is there: W_hh is shared by every step, so its gradient is the "
         "sum of every step's immediate gradient")),
        (np.einsum("tbj,tbi->ji", da[1:], h_prev[1:]),
         "the first step is missing: it uses W_hh too, with h_{t-1} = h0"),
        (np.einsum("tbj,tbi->ji", da, h_prev) / T,
         "the immediate gradients are summed over steps, not averaged (the loss is a sum)"),
    ]
    mistake = diagnose(name, got, mistakes)
    if mistake is not None:
        return report(mistake)
    return report(wrong)


def check_reach(fn, seed=0) -> Verdict:
    """Exercise 3: ``fn(t, T, k1, k2) -> list`` of the (0-based) steps whose losses send
    gradient to state h_t under BPTT(k2; k1); checked on many (t, T, k1, k2)."""
    name = "03.3 which losses reach a state under truncation"
    rng = np.random.default_rng(seed)
    cases = [(t, T, k1, k2) for T, k1, k2 in [(12, 1, 3), (12, 3, 3), (12, 4, 6), (10, 2, 10),
                                              (9, 4, 5)] for t in range(T)]
    rng.shuffle(cases)
    for t, T, k1, k2 in cases:
        got, verdict = attempt(name, fn, t, T, k1, k2)
        if verdict is not None:
            return report(verdict)
        expected = reach_answer(t, T, k1, k2)
        got = sorted(int(s) for s in got)
        if got != expected:
            if got == list(range(t, T)):
                hint = "that is full BPTT: under truncation a loss only reaches back to the start of its window"
            elif expected and got == list(range(t, min(t + k2, T))):
                hint = ("the window hangs from the END of a chunk (every k1 steps), "
                        "not from each loss")
            else:
                hint = "a loss at step s reaches h_t when s >= t and t is inside the window of s's chunk"
            return report(Verdict(name, "wrong",
                                  f"for t={t}, T={T}, k1={k1}, k2={k2} expected {expected}, "
                                  f"got {got}: {hint}"))
    return report(Verdict(name, CORRECT, f"all {len(cases)} cases agree"))


def reach_answer(t, T, k1, k2):
    """Losses L_s whose gradient reaches h_t: s >= t, and t in the window of s's chunk."""
    out = []
    for s in range(t, T):
        end = min((s // k1 + 1) * k1 - 1, T - 1)
        if t >= end - k2 + 1:
            out.append(s)
    return out
