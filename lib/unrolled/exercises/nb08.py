"""Checkers for notebook 08: the bidirectional states, the decoder's inputs, the conditioning gradient."""
from __future__ import annotations

import numpy as np

from .base import Exercise, Mistake

# ----------------------------------------------------------------- 08.1 bidirectional states

def bidirectional_states_answer(h_fwd, h_bwd_reversed):
    """(T, B, 2H): at step t the forward state of step t beside the backward state of step t.

    ``h_bwd_reversed[s]`` is the backward RNN's state after reading x_T .. x_{T-s}
    (it ran over the reversed sequence), i.e. the state that belongs to step T-1-s.
    """
    return np.concatenate([h_fwd, h_bwd_reversed[::-1]], axis=2)


def _bi_cases(seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(T, B, H)), rng.normal(size=(T, B, H))) for T, B, H in ((4, 2, 3), (6, 1, 2))]


check_bidirectional_states = Exercise(
    "08.1 bidirectional states", ("h_fwd", "h_bwd_reversed"), _bi_cases, bidirectional_states_answer,
    mistakes=[
        Mistake(lambda f, b: np.concatenate([f, b], axis=2),
                "the backward states are still in the order they were computed (x_T first): at step t you "
                "put the state that has read the sequence's end down to step T-1-t"),
        Mistake(lambda f, b: np.concatenate([b[::-1], f], axis=2),
                "the two halves are swapped: the forward states come first in the concatenation"),
        Mistake(lambda f, b: np.concatenate([f, np.roll(b[::-1], -1, axis=0)], axis=2),
                "off by one step: at step t the backward state must have read x_t as well (x_T down to "
                "x_t), so it is row T-1-t of h_bwd_reversed, not row T-2-t"),
        Mistake(lambda f, b: np.concatenate([f, np.roll(b[::-1], 1, axis=0)], axis=2),
                "off by one step: at step t the backward state must have read x_T down to x_t and no "
                "further, so it is row T-1-t of h_bwd_reversed, not row T-t"),
    ],
    forbidden=["[::-1]", "flip"],
    returns=" (return the states, an array of shape (T, B, 2H))",
    answered_by=("sequence.bidirectional_forward",),
)


# ----------------------------------------------------------------- 08.2 teacher forcing

def decoder_inputs_answer(tgt_out, go):
    """The teacher-forced decoder inputs: ``<go>``, then each target token but the last, (T, B)."""
    return np.concatenate([np.full((1, tgt_out.shape[1]), go), tgt_out[:-1]])


def _tf_cases(seed):
    rng = np.random.default_rng(seed)
    out = []
    for T, B, go in ((4, 3, 1), (6, 2, 7)):
        tgt = rng.integers(2, 7, size=(T, B))
        tgt[-1] = 0
        out.append((tgt, go))
    return out


check_decoder_inputs = Exercise(
    "08.2 teacher-forced decoder inputs", ("tgt_out", "go"), _tf_cases, decoder_inputs_answer,
    mistakes=[
        Mistake(lambda t, go: t.copy(),
                "the decoder would read the very token it has to predict at that step: its input "
                "must lag one step behind its target"),
        Mistake(lambda t, go: np.concatenate([t[1:], np.full((1, t.shape[1]), go)]),
                "you shifted the wrong way: the decoder reads the past, so its inputs lag behind the targets"),
        Mistake(lambda t, go: np.concatenate([np.zeros((1, t.shape[1]), dtype=int), t[:-1]]),
                "the first input is not <go>: use the go token you are given, it is not always 0"),
        Mistake(lambda t, go: np.concatenate([np.ones((1, t.shape[1]), dtype=int), t[:-1]]),
                "the first input is not <go>: use the go token you are given, it is not always 1"),
        Mistake(lambda t, go: np.concatenate([np.full((1, t.shape[1]), go), t[1:]]),
                "you dropped the first target instead of the last: after <go> the decoder reads "
                "tgt_out[0], tgt_out[1], ...; only the last target (<end>) is never read"),
    ],
    forbidden=["[:-1]"],
    returns=" (return integer token ids, an array of shape (T, B) like tgt_out)",
    answered_by=("data.seq2seq_batch",),
)


# ----------------------------------------------------------------- 08.3 the conditioning gradient

def conditioning_gradient_answer(dh0, h0, features):
    """dL/dW_hf for h0 = tanh(W_hf f + b_f): (H, F), summed over the batch."""
    return (dh0 * (1 - h0 * h0)).T @ features


def _cond_cases(seed):
    rng = np.random.default_rng(seed)
    out = []
    for B, H, F in ((3, 4, 2), (5, 2, 3)):
        h0 = np.tanh(rng.normal(size=(B, H)))
        out.append((rng.normal(size=(B, H)), h0, rng.normal(size=(B, F))))
    return out


check_conditioning_gradient = Exercise(
    "08.3 gradient of the conditioning weights", ("dh0", "h0", "features"), _cond_cases,
    conditioning_gradient_answer,
    mistakes=[
        Mistake(lambda d, h, f: d.T @ f,
                "the tanh's slope is missing: the gradient passes through h0 = tanh(a) before it reaches W_hf"),
        Mistake(lambda d, h, f: (d * (1 - np.tanh(h) ** 2)).T @ f,
                "you applied tanh to h0 again: h0 already is the tanh's output"),
        Mistake(lambda d, h, f: (d * h * (1 - h)).T @ f,
                "that is the sigmoid's slope written in its output; h0 comes from a tanh"),
        Mistake(lambda d, h, f: (d * (1 - h * h)).T @ f / d.shape[0],
                "you averaged over the batch: the loss already has its averaging in dh0, so sum"),
        Mistake(lambda d, h, f: -(d * (1 - h * h)).T @ f,
                "the sign is flipped: dh0 is already dL/dh0, nothing in the chain rule here negates it"),
        Mistake(lambda d, h, f: np.outer(d[0] * (1 - h[0] * h[0]), f[0]),
                "only the first example: W_hf is shared by the whole batch, so sum the outer products "
                "over every row"),
    ],
    forbidden=["1 - h0", "1-h0"],
    returns=" (return dL/dW_hf, an array of shape (H, F))",
    answered_by=("seq2seq.condition_backward",),
)
