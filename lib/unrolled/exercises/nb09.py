"""Checkers for notebook 09 (a character-level language model on real text).

* :data:`check_bits_per_char`: the loss in bits per character from natural-log
  probabilities (:func:`unrolled.charlm.bits`).
* :data:`check_add_k`: the add-k estimate of one n-gram probability, counted in a text
  (:class:`unrolled.ngram.NGram` with ``smoothing="add-k"``).
* :data:`check_temperature`: the distribution a temperature samples from,
  softmax(z / tau) (:func:`unrolled.train.sample`).

All three follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ngram
from ..activations import softmax
from .base import Exercise, Mistake

LN2 = math.log(2)


# ----------------------------------------------------------------- 09.1 bits per character

def _bits_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for N, V in ((6, 5), (11, 8), (3, 4)):
        logp = np.log(rng.dirichlet(np.ones(V), size=N))
        cases.append((logp, rng.integers(0, V, N)))
    return cases


def _nll(logp, targets):
    return -logp[np.arange(len(targets)), targets]


def bits_per_char_answer(logp, targets):
    """The mean of -log2 p(target): -(1/N) sum_t ln p_t[y_t] / ln 2."""
    return float(np.mean(_nll(logp, targets)) / LN2)


check_bits_per_char = Exercise(
    "09.1 bits per character", ("logp", "targets"), _bits_cases, bits_per_char_answer,
    mistakes=[
        Mistake(lambda lp, y: float(np.mean(_nll(lp, y))), "that is the loss in nats (natural logs); "
                "the exercise asks for bits, i.e. logarithms to base 2"),
        Mistake(lambda lp, y: float(np.mean(_nll(lp, y)) * LN2), "the conversion goes the wrong way: "
                "a bit is larger than a nat, so the same loss is a larger number of bits"),
        Mistake(lambda lp, y: float(np.mean(_nll(lp, y)) / math.log(10)),
                "that converts to base 10 (digits), not to base 2"),
        Mistake(lambda lp, y: float(np.sum(_nll(lp, y)) / LN2), "that is the total over the characters; "
                "per character means an average"),
        Mistake(lambda lp, y: float(-np.mean(_nll(lp, y)) / LN2), "the sign is flipped: a loss is positive"),
        Mistake(lambda lp, y: float(np.exp(np.mean(_nll(lp, y)))), "that is the perplexity (2 to the power of "
                "the bits, or e to the nats), not the bits"),
        Mistake(lambda lp, y: float(np.mean(-lp.max(axis=1)) / LN2), "you used each row's most probable "
                "character; the loss is about the character that really came"),
        Mistake(lambda lp, y: float(-np.mean(lp) / LN2), "that averages every entry of logp, all V "
                "characters of every row; the loss uses one entry per row, logp[t, targets[t]]"),
        Mistake(lambda lp, y: float(np.mean(_nll(lp[:-1], y[1:])) / LN2), "the targets are shifted by one "
                "against the rows: row t of logp already predicts targets[t], no shift needed"),
    ],
    forbidden=["np.log(2)", "math.log(2)", "/ LN2"],
    returns=" (return one number, the mean loss in bits)",
    answered_by=("charlm.bits", "charlm.bits_per_char"),
)


# ----------------------------------------------------------------- 09.3 sampling with a temperature

def _temperature_cases(seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 2, V), tau) for V, tau in ((6, 0.5), (9, 2.0), (4, 0.8))]


def temperature_answer(logits, temperature):
    """softmax(logits / temperature)."""
    return softmax(np.asarray(logits) / temperature)


check_temperature = Exercise(
    "09.3 the distribution at a temperature", ("logits", "temperature"), _temperature_cases,
    temperature_answer,
    mistakes=[
        Mistake(lambda z, tau: softmax(z * tau), "the temperature multiplies the logits here; a high "
                "temperature should flatten the distribution, and this sharpens it"),
        Mistake(lambda z, tau: softmax(z), "the temperature is not used: that is the model's own distribution"),
        Mistake(lambda z, tau: softmax(z) / tau, "the probabilities are divided after the softmax: they no "
                "longer add up to 1"),
        Mistake(lambda z, tau: np.asarray(z) / tau,
                "the softmax is missing: those are scaled logits, not probabilities"),
        Mistake(lambda z, tau: np.exp(np.asarray(z) / tau), "the normalisation is missing: the numbers do "
                "not add up to 1"),
        Mistake(lambda z, tau: softmax(z) ** (1 / tau), "p ** (1 / tau) is the right shape but no longer "
                "adds up to 1: it needs normalising again"),
    ],
    forbidden=["z / tau", "logits / temperature", "/ temperature"],
    returns=" (return an array of probabilities, one per character)",
    answered_by=("train.sample",),
)


# ----------------------------------------------------------------- 09.2 the add-k estimate

def _add_k_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n_chars, alphabet, context, k in ((60, "ab ", "a", 1.0), (90, "abc", "ba", 0.5), (40, "xy", "xx", 2.0)):
        text = "".join(rng.choice(list(alphabet), n_chars)) + context + alphabet[0] + context + alphabet[0]
        cases.append((text, context, alphabet[0], len(alphabet) + 2, k))
    return cases


def add_k_answer(text, context, char, V, k):
    return ngram.NGram(text, len(context) + 1, V, smoothing="add-k", k=k).prob(context, char)


def _count(text, s):
    return sum(text.startswith(s, i) for i in range(len(text) - len(s) + 1))


def _followed(text, h):
    """Occurrences of h that have a character after them."""
    return sum(text.startswith(h, i) for i in range(len(text) - len(h)))


check_add_k = Exercise(
    "09.2 the add-k estimate of P(c | h)", ("text", "context", "char", "V", "k"), _add_k_cases, add_k_answer,
    mistakes=[
        Mistake(lambda t, h, c, V, k: _count(t, h + c) / _followed(t, h), "there is no smoothing: that is the "
                "plain relative frequency, which gives 0 to anything unseen"),
        Mistake(lambda t, h, c, V, k: (_count(t, h + c) + k) / (_followed(t, h) + k), "the denominator "
                "has too little added: every one of the V characters received k, so the total grows by more"),
        Mistake(lambda t, h, c, V, k: _count(t, h + c) / (_followed(t, h) + k * V), "k is added to the "
                "denominator only: every character's count, C(h c) included, receives k in the numerator too"),
        Mistake(lambda t, h, c, V, k: (_count(t, h + c) + k) / (_followed(t, h) + V), "the denominator adds "
                "one per character of the vocabulary, but each character received k, not 1"),
        Mistake(lambda t, h, c, V, k: (t.count(h + c) + k) / (_followed(t, h) + k * V), "C(h c) is too small: "
                "str.count skips occurrences that overlap (in 'aaa' the pair 'aa' occurs twice)"),
        Mistake(lambda t, h, c, V, k: (_count(t, h + c) + k) / (t.count(h) + k * V), "C(h) is too small: "
                "str.count skips occurrences of the context that overlap"),
        Mistake(lambda t, h, c, V, k: (_count(t, h + c) + k) / (_count(t, h) + k * V), "C(h) counts an "
                "occurrence of the context at the very end of the text, where no character follows it"),
    ],
    forbidden=["+ k * V", "k * V)"],
    returns=" (return one number, a probability)",
    answered_by=("ngram.add_k", "ngram.NGram"),
)
