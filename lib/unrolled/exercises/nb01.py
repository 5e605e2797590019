"""Checkers for notebook 01 (sequences and language models).

* :data:`check_sentence_log_prob`: the chain rule in logs, log P(y_1..y_n) from
  the model's per-step distributions (000 eqs 2-3; :func:`unrolled.lm.chain_rule_log_prob`).
* :data:`check_rnn_lm_step`: one step of the RNN LM with an embedding (000 eq 5,
  001's biases, 003's e = E x; :func:`unrolled.lm.rnn_step`).
* :data:`check_rnn_lm_param_count`: how many numbers an RNN LM has
  (:func:`unrolled.lm.count_params` of :func:`unrolled.lm.init_rnn`).

All three follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import numpy as np

from .. import lm
from ..activations import softmax
from .base import Exercise, Mistake

# ----------------------------------------------------------------- 01.1 the chain rule in logs

def _chain_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, V in ((5, 6), (3, 4), (7, 9)):
        ps = rng.dirichlet(np.ones(V), size=n)
        cases.append((ps, rng.integers(0, V, n)))
    return cases


def _rows(ps, ids):
    return ps[np.arange(len(ids)), ids]


check_sentence_log_prob = Exercise(
    "01.1 the log-probability of a sentence", ("ps", "ids"), _chain_cases,
    lambda ps, ids: lm.chain_rule_log_prob(ps, ids),
    mistakes=[
        Mistake(lambda ps, ids: float(np.prod(_rows(ps, ids))),
                "that is the probability itself; the exercise asks for its logarithm "
                "(a product of many small numbers underflows, a sum of logs does not)"),
        Mistake(lambda ps, ids: float(np.sum(np.log(_rows(ps, ids)[:-1]))),
                "the last factor is missing: predicting <end> is part of the sentence's probability"),
        Mistake(lambda ps, ids: float(np.sum(np.log(_rows(ps, ids)[1:]))),
                "the first factor, P(y_1), is missing"),
        Mistake(lambda ps, ids: float(np.mean(np.log(_rows(ps, ids)))),
                "you averaged over the words; the chain rule multiplies the factors, so their logs add up"),
        Mistake(lambda ps, ids: float(-np.sum(np.log(_rows(ps, ids)))),
                "the sign is flipped: that is the loss (the negative log-probability), not the log-probability"),
        Mistake(lambda ps, ids: float(np.sum(np.log(ps.max(axis=1)))),
                "you took each row's most probable word; the sentence's own word y_t is the one that counts"),
        Mistake(lambda ps, ids: float(np.sum(np.log(ps[np.arange(1, len(ids)), ids[:-1]]))),
                "off by one: row t is the distribution of word t itself, not of the word after it"),
        Mistake(lambda ps, ids: float(np.sum(np.log10(_rows(ps, ids)))),
                "that logarithm has base 10; the log-probabilities of this course are natural logarithms"),
        Mistake(lambda ps, ids: float(np.sum(np.log2(_rows(ps, ids)))),
                "that logarithm has base 2 (bits); the log-probabilities of this course are natural "
                "logarithms (nats)"),
    ],
    forbidden=["ps[np.arange(len(ids)), ids]", "np.log(ps[np.arange"],
    returns=" (return one number, the log-probability)",
    answered_by=("lm.chain_rule_log_prob", "lm.sentence_log_prob"),
)


# ----------------------------------------------------------------- 01.2 one step of the RNN LM

def _step_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for B, V, D, H in ((3, 7, 4, 5), (2, 5, 3, 4), (4, 6, 2, 3)):
        params = lm.init_rnn(V, D, H, rng, bias=0.5)
        params["W_hh"] = rng.normal(0, 0.8, (H, H))             # not symmetric, so a transpose shows
        cases.append((rng.integers(0, V, B), np.tanh(rng.normal(size=(B, H))), params))
    return cases


def _step(ids, h_prev, p, *, bias=True, out_bias=True, recurrent="right", act=np.tanh, normalise=True,
          softmax_axis=-1, readout_from_prev=False, log=False):
    e = p["E"].T[ids]
    rec = {"right": h_prev @ p["W_hh"].T, "transposed": h_prev @ p["W_hh"], "none": 0.0}[recurrent]
    h = act(e @ p["W_hx"].T + rec + (p["b_h"] if bias else 0.0))
    y = (h_prev if readout_from_prev else h) @ p["W_yh"].T + (p["b_y"] if out_bias else 0.0)
    out = softmax(y, axis=softmax_axis) if normalise else y
    return {"h": h, "p": np.log(out) if log else out}


def rnn_lm_step_answer(ids, h_prev, params):
    """000 eq 5 with biases and an embedding: {"h": h_t (B, H), "p": p_t (B, V)}."""
    h, p = lm.rnn_step(ids, h_prev, params)
    return {"h": h, "p": p}


check_rnn_lm_step = Exercise(
    "01.2 one step of the RNN language model", ("ids", "h_prev", "params"), _step_cases, rnn_lm_step_answer,
    mistakes=[
        Mistake(lambda i, h, p: _step(i, h, p, recurrent="none"),
                "the previous state is not used: without it this is the feed-forward model of 000 eq 4"),
        Mistake(lambda i, h, p: _step(i, h, p, recurrent="transposed"),
                "W_hh is transposed: row j of W_hh holds the weights INTO unit j, and the code multiplies "
                "row vectors"),
        Mistake(lambda i, h, p: _step(i, h, p, bias=False),
                "the state's bias b_h is missing"),
        Mistake(lambda i, h, p: _step(i, h, p, out_bias=False),
                "the readout's bias b_y is missing"),
        Mistake(lambda i, h, p: _step(i, h, p, act=lambda a: a),
                "the state is not squashed: the activation of the state update is missing"),
        Mistake(lambda i, h, p: _step(i, h, p, normalise=False),
                "p is not a distribution: these are the logits, the softmax is missing"),
        Mistake(lambda i, h, p: _step(i, h, p, act=lambda a: 1 / (1 + np.exp(-a))),
                "that is the sigmoid; this RNN uses tanh, as 000 eq 5 does"),
        Mistake(lambda i, h, p: _step(i, h, p, act=lambda a: np.maximum(a, 0.0)),
                "that is the ReLU; this RNN uses tanh, as 000 eq 5 does"),
        Mistake(lambda i, h, p: _step(i, h, p, softmax_axis=0),
                "the softmax normalises over the wrong axis: each row of p (one example) must sum to one, "
                "not each column"),
        Mistake(lambda i, h, p: _step(i, h, p, readout_from_prev=True),
                "p is read out from the previous state h_{t-1}; it comes from the new state h_t"),
        Mistake(lambda i, h, p: _step(i, h, p, log=True),
                "p holds log-probabilities; the exercise asks for the probabilities themselves"),
    ],
    forbidden=['h_prev @ params["W_hh"].T', "h_prev @ W_hh.T"],
    returns=' (return a dict {"h": array (B, H), "p": array (B, V)})',
    answered_by=("lm.rnn_step", "lm.rnn_forward"),
)


# ----------------------------------------------------------------- 01.3 counting an RNN LM's parameters

def rnn_lm_param_count_answer(V, D, H):
    """The numbers in E, W_hx, W_hh, b_h, W_yh and b_y (:func:`unrolled.lm.init_rnn`)."""
    return float(lm.count_params(lm.init_rnn(V, D, H, np.random.default_rng(0))))


def _count_cases(seed):
    rng = np.random.default_rng(seed)
    cases = [(7, 3, 5), (24, 16, 32), (10000, 100, 100)]
    cases.append((int(rng.integers(20, 60)), int(rng.integers(4, 12)), int(rng.integers(13, 30))))
    return cases


check_rnn_lm_param_count = Exercise(
    "01.3 the parameters of an RNN LM", ("V", "D", "H"), _count_cases, rnn_lm_param_count_answer,
    mistakes=[
        Mistake(lambda V, D, H: float(D * V + H * D + H * H + V * H),
                "the biases are missing (one per state unit, one per word)"),
        Mistake(lambda V, D, H: float(D * V + H * D + H * H + H + V * H),
                "the readout's bias is missing (one per word of the vocabulary)"),
        Mistake(lambda V, D, H: float(D * V + H * D + H * H + V * H + V),
                "the state's bias is missing (one per state unit)"),
        Mistake(lambda V, D, H: float(H * V + H * H + H + V * H + V),
                "that is an RNN that reads the one-hot vector directly: the embedding E and W_hx are "
                "two matrices here"),
        Mistake(lambda V, D, H: float(D * V + H * D + H + H + V * H + V),
                "W_hh connects every state unit to every state unit: it is a square matrix"),
        Mistake(lambda V, D, H: float(H * D + H * H + H + V * H + V),
                "the embedding matrix E is missing: it is learned too, one vector per word"),
        Mistake(lambda V, D, H: float(D * V + H * D + H * H + H),
                "the readout (W_yh and b_y) is missing: p_t needs one score per word"),
        Mistake(lambda V, D, H: float(D * V + H * D + H * H + 2 * H + V * H + V),
                "one bias vector too many: PyTorch's nn.RNN keeps two (b_ih and b_hh, which only ever "
                "appear as their sum), the model of section 5 has one b_h"),
    ],
    forbidden=["D * V + H * D", "V * D + D * H"],
    returns=" (return one number)",
)
