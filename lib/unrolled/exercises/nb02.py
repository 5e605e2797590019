"""Checkers for notebook 02, the HMM as an RNN.

* :data:`check_forward_step`: one step of the normalised forward algorithm
  (the answer is :func:`unrolled.hmm.forward_step`).
* :data:`check_backtrace`: reading the Viterbi path backwards from the
  back-pointers (the answer is :func:`unrolled.hmm.backtrace`).

Both follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import numpy as np

from .. import hmm
from .base import Exercise, Mistake, Wrong, agree, read


def _forward_cases(seed: int, n: int = 5):
    """Random HMMs of 2 to 5 tags, transitions far from symmetric, with a belief and a word."""
    rng = np.random.default_rng(seed)
    cases = []
    for N in (3, 2, 5, 4, 3)[:n]:
        V = int(rng.integers(2, 6))
        A = rng.dirichlet(np.full(N, 0.5), size=N)
        E = rng.dirichlet(np.full(V, 0.5), size=N)
        cases.append((rng.dirichlet(np.ones(N)), A, E, int(rng.integers(0, V))))
    return cases


def _normalise(v):
    return v / v.sum()


def _softmax_of(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _explain_forward(got, args, expected):
    """A vector proportional to the answer: scaled by a constant, so not a distribution."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if np.all(expected > 0) and np.all(np.isfinite(got)):
        ratio = got / expected
        if np.allclose(ratio, ratio[0], rtol=1e-7) and not np.isclose(ratio[0], 1.0):
            return Wrong(f"your vector is the right one times a constant (its entries sum to "
                         f"{got.sum():.4g}, not 1): the new belief is a distribution, so normalise it last")
    if np.all(np.isfinite(got)) and np.allclose(got, expected[::-1]) and not np.allclose(expected, expected[::-1]):
        return Wrong("your vector is the right one in reverse order: keep the tags in the order of A and E")
    return None


def forward_step_answer(belief, A, E, x):
    """P(Y_t | x_1..x_t), shape (N,): the belief part of :func:`unrolled.hmm.forward_step`."""
    return hmm.forward_step(belief, A, E, x)[0]


def _accept_forward(value, args):
    """The library returns ``(belief, c)``; accept that too, and then check c as well."""
    if not (isinstance(value, tuple) and len(value) == 2):
        return value
    belief, c = value
    c_right = hmm.forward_step(*args)[1]
    c_read = read(c, float(c_right), "the second value c")
    if isinstance(c_read, Wrong):
        return Wrong(f"your answer is a tuple (belief, c), as unrolled.hmm.forward_step returns; then {c_read.message}")
    if not agree(c_read, float(c_right), 1e-7, 1e-12):
        right_belief = read(belief, forward_step_answer(*args))
        if not isinstance(right_belief, Wrong) and agree(right_belief, forward_step_answer(*args), 1e-7, 1e-10):
            return Wrong("the belief is right, but c is not: c is the probability of the new word "
                         "given the words before it (the number you divide by)")
    return belief


check_forward_step = Exercise(
    "forward step", ("belief", "A", "E", "x"), _forward_cases, forward_step_answer,
    mistakes=[
        Mistake(lambda b, A, E, x: (b @ A) * E[:, x],
                "the numbers are right up to a constant factor: the new belief is a distribution, "
                "so its entries must sum to 1 (normalise last)"),
        Mistake(lambda b, A, E, x: _normalise((A @ b) * E[:, x]),
                "the transition is applied the wrong way round: A[i, j] is the probability of going "
                "from tag i to tag j; check which index of A your product sums over"),
        Mistake(lambda b, A, E, x: _normalise(b @ A),
                "the word is missing: the probability of the observed word under each tag has to weigh the tags"),
        Mistake(lambda b, A, E, x: _normalise(E[:, x]),
                "the belief is not used: this is the current word alone, P(Y_t | x_t) under a uniform "
                "prior; the filter's memory is the belief, carried through the transitions"),
        Mistake(lambda b, A, E, x: _normalise(b * E[:, x]),
                "the transition is missing: the belief is about the previous tag, so predict the current "
                "tag before weighing by the word"),
        Mistake(lambda b, A, E, x: _normalise((b @ A) + E[:, x]),
                "the prediction and the emission are added; they are factors of one joint probability"),
        Mistake(lambda b, A, E, x: _softmax_of(b @ A + E[:, x]),
                "this is the lecture's approximate RNN (a softmax of the sum of two probability vectors, "
                "from ln z ~ z - 1): close in ranking, but not the filter; the exact step needs no "
                "exponential at all, only products of probabilities"),
        Mistake(lambda b, A, E, x: np.log(forward_step_answer(b, A, E, x)),
                "these are the logarithms of the right probabilities: return probabilities (entries "
                "between 0 and 1 that sum to 1), not log-probabilities"),
        Mistake(lambda b, A, E, x: np.log((b @ A) * E[:, x]),
                "these are log-probabilities, and unnormalised ones: return the probabilities themselves, "
                "normalised to sum to 1"),
    ],
    forbidden=["belief @ A", "b @ A", "E[:, x] /", "* E[:, x]"],
    accept=_accept_forward,
    explain=_explain_forward,
    returns=" (return the new belief, an array of shape (N,))",
    answered_by=('hmm.forward_step',),
)


def _trellises(seed: int, n: int = 5):
    rng = np.random.default_rng(seed)
    cases = []
    for T in (5, 3, 7, 4, 6)[:n]:
        N = int(rng.integers(3, 5))
        back = rng.integers(0, N, size=(T, N))
        back[0] = 0
        cases.append((back, rng.normal(size=N)))
    return cases


def _off_by_one(back, v_last):
    T = len(back)
    path = np.empty(T, dtype=int)
    path[-1] = int(np.argmax(v_last))
    for t in range(T - 1, 0, -1):
        path[t - 1] = back[t - 1, path[t]]
    return path


def _overwrites_last(back, v_last):
    """The loop runs one step too far, down to t = 0, and ``path[t - 1]`` at t = 0 is ``path[-1]``."""
    T = len(back)
    path = np.empty(T, dtype=int)
    path[-1] = int(np.argmax(v_last))
    for t in range(T - 1, -1, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _follows_the_last_tag(back, v_last):
    """Every step's pointer read with the final tag, ``back[t, y_T]``, instead of the tag just chosen."""
    last = int(np.argmax(v_last))
    return np.r_[np.asarray(back)[1:, last], last]


def _explain_backtrace(got, args, expected):
    back, _ = args
    if got[-1] != expected[-1]:
        return Wrong("the last tag is wrong: which final tag does the best path end in? "
                     "(look at what v_last scores)")
    t = int(np.flatnonzero(got != expected)[-1])
    return Wrong(f"the path goes wrong at step t={t + 1} (counting from 1): each tag comes from the pointer "
                 "stored with the tag you chose at the next step")


check_backtrace = Exercise(
    "Viterbi backtrace", ("back", "v_last"), _trellises, hmm.backtrace,
    mistakes=[
        Mistake(lambda back, v: hmm.backtrace(back, v)[::-1],
                "the path is reversed: you build it from the last step backwards, so store each tag at "
                "its own step (or reverse the list at the end)"),
        Mistake(_off_by_one,
                "off by one step: the pointer that leads from the tag at step t to step t-1 is stored "
                "at step t (read the description of back again)"),
        Mistake(_overwrites_last,
                "every tag is right but the last: your loop runs one step too far (down to t = 0), and at "
                "t = 0 the index t - 1 is -1, which in Python is the last element; back[0] is unused, so "
                "stop the loop before t = 0"),
        Mistake(_follows_the_last_tag,
                "you read every pointer in the column of the final tag: the pointer at step t belongs to "
                "the tag you chose at step t, so look it up with that tag, one step at a time"),
    ],
    forbidden=["back[t, path[t]]", "back[t, y_t]", "argmax(v_last)"],
    explain=_explain_backtrace,
    returns=" (return the path, an array of T tag indices)",
    answered_by=('hmm.backtrace', 'hmm.viterbi'),
)
