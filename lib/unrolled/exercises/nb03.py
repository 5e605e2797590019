"""Checkers for notebook 03 (backpropagation through time).

* :data:`check_delta_step`: one step of the delta recursion (000 eq 11 with eq 14;
  the library's :func:`unrolled.bptt.delta_recursion`).
* :data:`check_grad_W_hh`: the gradient of the shared W_hh (000 eq 16;
  :func:`unrolled.bptt.shared_weight_gradients`).
* :data:`check_reach`: which losses reach a state under truncated BPTT
  (:func:`unrolled.bptt.truncation_reach`).

All three follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import numpy as np

from .base import Exercise, Mistake


def _delta_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for B, H in ((3, 5), (2, 4), (1, 6)):
        W_hh = rng.normal(0, 0.6, (H, H))            # not symmetric, so W and W^T differ
        h_t, h_prev = np.tanh(rng.normal(size=(2, B, H)))
        cases.append((rng.normal(size=(B, H)), rng.normal(size=(B, H)), h_t, h_prev, W_hh))
    return cases


def delta_step_answer(dl_t, delta_t, h_t, h_prev, W_hh):
    """000 eq 11 with eq 14: delta_{t-1} = J_t^T (eps_t + delta_t), J_t = diag(1 - h_t^2) W_hh; (B, H).

    ``h_prev`` (h_{t-1}) is given but not needed: the Jacobian J_t = dh_t/dh_{t-1}
    holds the derivative of tanh at step t.
    """
    return ((dl_t + delta_t) * (1.0 - h_t ** 2)) @ W_hh


check_delta_step = Exercise(
    "03.1 delta recursion, one step", ("dl_t", "delta_t", "h_t", "h_prev", "W_hh"), _delta_cases,
    delta_step_answer,
    mistakes=[
        Mistake(lambda dl, d, h, hp, W: (d * (1 - h ** 2)) @ W,
                "you left out the present loss: h_{t-1} reaches L_t through h_t too"),
        Mistake(lambda dl, d, h, hp, W: (dl * (1 - h ** 2)) @ W,
                "you left out delta_t: the losses after step t also reach h_{t-1} through h_t"),
        Mistake(lambda dl, d, h, hp, W: (dl + d) @ W,
                "the tanh derivative is missing (000 eq 14): h_{t-1} reaches h_t through the pre-activation a_t, "
                "then through tanh"),
        Mistake(lambda dl, d, h, hp, W: ((dl + d) * (1 - hp ** 2)) @ W,
                "the tanh derivative is taken at h_{t-1}; the tanh that h_{t-1} passes through is the one that "
                "makes h_t (000 eq 14)"),
        Mistake(lambda dl, d, h, hp, W: ((dl + d) * (1 - h ** 2)) @ W.T,
                "W_hh is transposed: check which index of W_hh the sum runs over, "
                "and remember that the code multiplies row vectors"),
        Mistake(lambda dl, d, h, hp, W: ((dl + d) @ W) * (1 - h ** 2),
                "the tanh derivative is applied after the matrix product; it belongs to the units of h_t, "
                "so it comes first"),
        Mistake(lambda dl, d, h, hp, W: ((dl + d) @ W) * (1 - hp ** 2),
                "the tanh derivative is taken at h_{t-1} and applied after the matrix product: that is one step "
                "of a different recursion (the gradient at the pre-activation); here the derivative belongs to h_t"),
        Mistake(lambda dl, d, h, hp, W: ((dl + d) * (1 - h)) @ W,
                "the derivative of tanh is wrong: a square is missing"),
        Mistake(lambda dl, d, h, hp, W: ((dl + d) * h * (1 - h)) @ W,
                "that is the derivative of the sigmoid; this RNN uses tanh (notebook 00's exercise)"),
        Mistake(lambda dl, d, h, hp, W: -((dl + d) * (1 - h ** 2)) @ W,
                "the sign is flipped: nothing in the chain rule here is negative"),
        Mistake(lambda dl, d, h, hp, W: ((dl + d) * (1 - h ** 2)) @ W / len(h),
                "divided by the batch size: each row is its own sequence and gets its own gradient; "
                "nothing is averaged here"),
        Mistake(lambda dl, d, h, hp, W: np.broadcast_to((((dl + d) * (1 - h ** 2)) @ W).mean(axis=0), h.shape),
                "every row is the batch average: each sequence of the batch has its own delta, "
                "keep the rows apart"),
    ],
    forbidden=["(1 - h_t**2)) @ W_hh", "@ W_hh`", "(dl_t + delta_t) *", "1 - h_t**2", "1 - h**2"],
    returns=" (return delta_{t-1}, an array of shape (B, H))",
    answered_by=('bptt.delta_recursion',),
)


def _grad_cases(seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(T, B, H)), np.tanh(rng.normal(size=(T, B, H))), np.tanh(rng.normal(size=(B, H))))
            for T, B, H in ((4, 3, 5), (3, 2, 4), (5, 1, 3))]


def _prev(hs, h0):
    return np.concatenate([h0[None], hs[:-1]])


def grad_W_hh_answer(dh, hs, h0):
    """000 eq 16: dL/dW_hh = sum_t ((dL/dh_t) * (1 - h_t^2))^T h_{t-1}, shape (H, H)."""
    return np.einsum("tbj,tbi->ji", dh * (1.0 - hs ** 2), _prev(hs, h0))


check_grad_W_hh = Exercise(
    "03.2 gradient of the shared W_hh", ("dh", "hs", "h0"), _grad_cases, grad_W_hh_answer,
    mistakes=[
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh * (1 - hs ** 2), hs),
                "you used the state of the same step where 000 eq 16 has the previous one: "
                "W_hh multiplies the state that came before"),
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ij", dh * (1 - hs ** 2), _prev(hs, h0)),
                "the result is transposed: entry [j, i] belongs to the weight from unit i to unit j"),
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh, _prev(hs, h0)),
                "the tanh derivative is missing"),
        Mistake(lambda dh, hs, h0: np.einsum("bj,bi->ji", (dh * (1 - hs ** 2))[-1], _prev(hs, h0)[-1]),
                "only the last step is there: W_hh is shared by every step, so every step contributes"),
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ji", (dh * (1 - hs ** 2))[1:], hs[:-1]),
                "the first step is missing: it uses W_hh too, with h0 as its previous state"),
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh * (1 - hs ** 2), _prev(hs, h0)) / len(hs),
                "the steps' contributions are averaged; the loss is a sum over steps, so they are summed"),
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh * (1 - hs ** 2), _prev(hs, h0)) / hs.shape[1],
                "divided by the batch size: dh already carries whatever averaging the loss does"),
        Mistake(lambda dh, hs, h0: -np.einsum("tbj,tbi->ji", dh * (1 - hs ** 2), _prev(hs, h0)),
                "the sign is flipped: nothing in the chain rule here is negative"),
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh * (1 - _prev(hs, h0) ** 2), _prev(hs, h0)),
                "the tanh derivative is taken at h_{t-1}; W_hh acts inside the tanh that makes h_t"),
        Mistake(lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh * hs * (1 - hs), _prev(hs, h0)),
                "that is the derivative of the sigmoid; this RNN uses tanh"),
    ],
    forbidden=["(dh_t * (1 - h_t**2)).T", "1 - h_t**2", "1 - hs**2", "@ h_{t-1}"],
    returns=" (return dL/dW_hh, an array of shape (H, H))",
    answered_by=('bptt.immediate_gradients', 'bptt.shared_weight_gradients', 'bptt.gradients'),
)


def _reach_window(t, T, k1, k2, chunk_offset=0):
    out = []
    for s in range(t, T):
        end = min((s // k1 + 1) * k1 - 1 + chunk_offset, T - 1)
        if t >= end - k2 + 1:
            out.append(s)
    return out


def reach_answer(t, T, k1, k2):
    """Losses L_s whose gradient reaches h_t under BPTT(k2; k1): s >= t, and t in the window of s's chunk."""
    return _reach_window(t, T, k1, k2)


def _reach_cases(seed):
    rng = np.random.default_rng(seed)
    cases = [(t, T, k1, k2) for T, k1, k2 in [(12, 1, 3), (12, 3, 3), (12, 4, 6), (10, 2, 10), (9, 4, 5)]
             for t in range(T)]
    rng.shuffle(cases)
    return cases


check_reach = Exercise(
    "03.3 which losses reach a state under truncation", ("t", "T", "k1", "k2"), _reach_cases, reach_answer,
    mistakes=[
        Mistake(lambda t, T, k1, k2: list(range(t, T)),
                "that is full BPTT: under truncation a loss only reaches back to the start of its window"),
        Mistake(lambda t, T, k1, k2: list(range(t, min(t + k2, T))),
                "the window hangs from the END of a chunk (every k1 steps), not from each loss"),
        Mistake(lambda t, T, k1, k2: list(range(t + 1, T)),
                "the loss at step t itself is missing: L_t depends on h_t directly"),
        Mistake(lambda t, T, k1, k2: _reach_window(t, T, k1, k2 - 1),
                "off by one: your window holds one state too few; k2 counts the states in the window, "
                "the chunk's last state included"),
        Mistake(lambda t, T, k1, k2: _reach_window(t, T, k1, k2 + 1),
                "off by one: your window holds one state too many; k2 counts the states in the window, "
                "the chunk's last state included"),
        Mistake(lambda t, T, k1, k2: [s + 1 for s in reach_answer(t, T, k1, k2)],
                "your steps are 1-based: the exercise asks for code indices 0 ... T-1"),
        Mistake(lambda t, T, k1, k2: _reach_window(t, T, k1, k2, chunk_offset=1),
                "your chunks end one step late: the first chunk is steps 0 ... k1-1"),
    ],
    returns=" (return a list of step indices s, 0-based)",
    answered_by=('bptt.truncation_reach',),
)
