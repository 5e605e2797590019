"""Checkers for notebook 02, the HMM as an RNN.

* :func:`check_forward_step`: one step of the normalised forward algorithm,
  ``belief_new = normalise((belief @ A) * E[:, x])``.
* :func:`check_backtrace`: reading the Viterbi path backwards from the back-pointers.

Each compares the reader's function with :mod:`unrolled.hmm` on several random
cases and, when it differs, tries the usual mistakes to say which term is wrong.
"""
from __future__ import annotations

import numpy as np

from unrolled import hmm
from unrolled.exercises.base import CORRECT, Verdict, attempt, compare, report

FORWARD = "forward step"
BACKTRACE = "Viterbi backtrace"


def _random_cases(seed: int, n: int = 5):
    """Random HMMs whose transition matrices are far from symmetric, with a belief and a word."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        N, V = rng.integers(2, 5), rng.integers(2, 6)
        A = rng.dirichlet(np.full(N, 0.5), size=N)
        E = rng.dirichlet(np.full(V, 0.5), size=N)
        belief = rng.dirichlet(np.ones(N))
        x = int(rng.integers(0, V))
        yield belief, A, E, x


def _normalise(v):
    return v / v.sum()


# Mistakes a reader is likely to make, each with what to tell them.
_FORWARD_MISTAKES = [
    (lambda b, A, E, x: (b @ A) * E[:, x],
     ("the numbers are right up to a constant: divide by their sum, so the belief is a distribution "
     "(the sum is P(x_t | x_1..x_t-1))")),
    (lambda b, A, E, x: _normalise((A @ b) * E[:, x]),
     ("the transition is applied the wrong way round: A[i, j] = P(Y_t = j | Y_t-1 = i), so the "
     "prediction is belief @ A (the lecture's U h with U = A.T), not A @ belief")),
    (lambda b, A, E, x: _normalise(b @ A),
     "the emission term is missing: multiply the prediction by E[:, x], the probability of the word under each tag"),
    (lambda b, A, E, x: _normalise(b * E[:, x]),
     "the transition is missing: first predict the next tag with belief @ A, then multiply by E[:, x]"),
    (lambda b, A, E, x: _normalise((b @ A) + E[:, x]),
     "the prediction and the emission are added; they are probabilities of independent factors, so multiply them"),
]


def check_forward_step(fn, seed: int = 0) -> Verdict:
    """Check ``fn(belief, A, E, x) -> belief_new`` against :func:`unrolled.hmm.forward_step`.

    belief: ``(N,)`` = P(Y_t-1 | x_1..x_t-1); A: ``(N, N)`` row-stochastic;
    E: ``(N, V)``; x: int. Expected: P(Y_t | x_1..x_t), shape ``(N,)``.
    """
    for belief, A, E, x in _random_cases(seed):
        got, verdict = attempt(FORWARD, fn, belief.copy(), A.copy(), E.copy(), x)
        if verdict:
            return report(verdict)
        expected, _ = hmm.forward_step(belief, A, E, x)
        bad = compare(FORWARD, "belief_new", got, expected)
        if bad is None:
            continue
        got_arr = np.asarray(got, dtype=float)
        for mistake, message in _FORWARD_MISTAKES:
            wrong = mistake(belief, A, E, x)
            if got_arr.shape == wrong.shape and np.allclose(got_arr, wrong, rtol=1e-7, atol=1e-10):
                return report(Verdict(FORWARD, "wrong", message))
        return report(bad)
    return report(Verdict(FORWARD, CORRECT, "matches unrolled.hmm.forward_step on 5 random HMMs"))


def _random_trellises(seed: int, n: int = 5):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        T, N = int(rng.integers(3, 8)), int(rng.integers(3, 5))
        back = rng.integers(0, N, size=(T, N))
        back[0] = 0
        v_last = rng.normal(size=N)
        yield back, v_last


def check_backtrace(fn, seed: int = 0) -> Verdict:
    """Check ``fn(back, v_last) -> path`` against :func:`unrolled.hmm.backtrace`.

    back: ``(T, N)`` ints, ``back[t, j]`` = best previous tag if the tag at step
    t is j (``back[0]`` unused); v_last: ``(N,)`` final Viterbi scores.
    Expected: the path, ``(T,)`` ints.
    """
    for back, v_last in _random_trellises(seed):
        got, verdict = attempt(BACKTRACE, fn, back.copy(), v_last.copy())
        if verdict:
            return report(verdict)
        expected = hmm.backtrace(back, v_last)
        got = np.asarray(got)
        if got.shape != expected.shape:
            return report(Verdict(BACKTRACE, "wrong",
                                  f"path has shape {got.shape}, expected {expected.shape} (one tag per step)"))
        if np.array_equal(got, expected):
            continue
        T = len(expected)
        if got[-1] != expected[-1]:
            if got[0] == expected[-1]:
                return report(Verdict(BACKTRACE, "wrong", "the path looks reversed: you build it from the last step "
                                      "backwards, so store y_t at position t (or reverse the list at the end)"))
            return report(Verdict(BACKTRACE, "wrong", "the last tag is wrong: start from y_T = argmax of v_last"))
        shifted = np.empty(T, dtype=int)
        shifted[-1] = expected[-1]
        for t in range(T - 1, 0, -1):
            shifted[t - 1] = back[t - 1, shifted[t]]
        if np.array_equal(got, shifted):
            return report(Verdict(BACKTRACE, "wrong", "off by one step: the back-pointer that leads from y_t to "
                                  "y_t-1 is back[t, y_t], stored at step t, not back[t-1, y_t]"))
        t = int(np.flatnonzero(got != expected)[-1])
        return report(Verdict(BACKTRACE, "wrong", f"the path goes wrong at step t={t + 1} (counting from 1): "
                              f"y_t-1 = back[t, y_t] follows the pointer from the tag you chose at the next step"))
    return report(Verdict(BACKTRACE, CORRECT, "matches unrolled.hmm.backtrace on 5 random trellises"))
