"""Count-based character n-gram models: the baselines of notebook 09.

An n-gram model predicts a character from the n - 1 characters before it,
h = y_{t-n+1} .. y_{t-1}, by counting in the training text how often each
character followed h. With C(.) a count in the training text and V the size
of the vocabulary:

maximum likelihood     P(c | h) = C(h c) / C(h)        (0/0 for an unseen h: useless)

add-k (Laplace for k = 1)
                       P(c | h) = (C(h c) + k) / (C(h) + k V)

interpolated, Witten-Bell: mix the counts of h with the model of the shorter
context h' (h without its oldest character), weighted by how many distinct
characters T(h) have followed h::

    P(c | h) = (C(h c) + T(h) P(c | h')) / (C(h) + T(h)),     P(c | empty h') = 1 / V at the bottom

An unseen context (C(h) = 0) falls back entirely to the shorter one, so every
character keeps a non-zero probability. The loss is the cross-entropy in bits
per character, -(1/N) sum_t log2 P(y_t | h_t), over a held-out text.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from . import _checks

SMOOTHINGS = ("add-k", "witten-bell")


class NGram:
    """An n-gram model counted on ``text``, for a vocabulary of ``V`` characters.

    ``counts[m]`` (m = 1..n) is a Counter of every m-character string of the
    text; ``context_counts[m]`` counts the (m-1)-character contexts followed by
    something; ``followers[m]`` the number of distinct characters after each.
    """

    def __init__(self, text: str, n: int, V: int, smoothing: str = "witten-bell", k: float = 1.0):
        if not isinstance(text, str) or not text:
            raise TypeError("text: expected a non-empty str")
        self.n = _checks.positive_int("n", n)
        self.V = _checks.positive_int("V", V)
        if len(set(text)) > self.V:
            raise ValueError(f"V: expected at least the {len(set(text))} distinct characters of text, got {V}")
        _checks.choice("smoothing", smoothing, SMOOTHINGS)
        self.smoothing = smoothing
        self.k = _checks.positive_number("k", k)
        self.counts, self.context_counts, self.followers = {}, {}, {}
        for m in range(1, self.n + 1):
            grams = Counter(text[i:i + m] for i in range(len(text) - m + 1))
            contexts, kinds = Counter(), Counter()
            for g, c in grams.items():
                contexts[g[:-1]] += c
                kinds[g[:-1]] += 1
            self.counts[m], self.context_counts[m], self.followers[m] = grams, contexts, kinds

    def prob(self, context: str, char: str) -> float:
        """P(char | the last n - 1 characters of context) under the model's smoothing."""
        if not isinstance(context, str) or not isinstance(char, str) or len(char) != 1:
            raise TypeError("context, char: expected a str and a single character")
        h = context[len(context) - (self.n - 1):] if self.n > 1 else ""
        if self.smoothing == "add-k":
            m = len(h) + 1
            return (self.counts[m][h + char] + self.k) / (self.context_counts[m][h] + self.k * self.V)
        p = 1.0 / self.V                                  # below the unigram: uniform
        for m in range(1, len(h) + 2):                    # from the shortest context up to h
            hm = h[len(h) - (m - 1):] if m > 1 else ""
            total, kinds = self.context_counts[m][hm], self.followers[m][hm]
            if total:
                p = (self.counts[m][hm + char] + kinds * p) / (total + kinds)
        return p

    def bits_per_char(self, text: str) -> float:
        """-(1/N) sum_t log2 P(y_t | y_{t-n+1} .. y_{t-1}) over t = 1 .. len(text) - 1.

        The first character is only read (as the other models do), and a
        character near the start sees only the characters before it in ``text``.
        """
        if not isinstance(text, str) or len(text) < 2:
            raise ValueError("text: expected a str of at least 2 characters")
        logs = [np.log2(self.prob(text[max(0, t - self.n + 1):t], text[t])) for t in range(1, len(text))]
        return float(-np.mean(logs))


def add_k(count_hc: int, count_h: int, V: int, k: float = 1.0) -> float:
    """The add-k estimate of one probability: (C(h c) + k) / (C(h) + k V)."""
    if count_hc < 0 or count_h < count_hc:
        raise ValueError(f"count_hc, count_h: expected 0 <= C(h c) <= C(h), got {count_hc}, {count_h}")
    V = _checks.positive_int("V", V)
    k = _checks.positive_number("k", k)
    return (count_hc + k) / (count_h + k * V)


# --------------------------------------------------------------------- a source whose entropy is known

def stationary(P) -> np.ndarray:
    """The stationary distribution over histories (V,)*order of the Markov chain P (V,)*order + (V,).

    A history (y_{t-order} .. y_{t-1}) moves to (y_{t-order+1} .. y_t); pi is the left
    eigenvector of that transition matrix for eigenvalue 1 (found by power iteration).
    """
    P = np.asarray(P, dtype=float)
    order, V = P.ndim - 1, P.shape[-1]
    if order < 1 or P.shape != (V,) * (order + 1) or not np.allclose(P.sum(-1), 1):
        raise ValueError(f"P: expected a (V,)*(order+1) array of distributions over V, got shape {P.shape}")
    S = V ** order
    M = np.zeros((S, S))
    flat = P.reshape(S, V)
    for s in range(S):
        M[s, (s * V) % S + np.arange(V)] = flat[s]     # drop the oldest symbol, append the new one
    pi = np.full(S, 1.0 / S)
    for _ in range(10_000):
        new = pi @ M
        if np.abs(new - pi).max() < 1e-15:
            break
        pi = new
    return new.reshape((V,) * order)


def entropy_rate(P) -> float:
    """H = -sum_h pi(h) sum_c P(c | h) log2 P(c | h), bits per symbol: no model can do better on average."""
    P = np.asarray(P, dtype=float)
    pi = stationary(P)
    with np.errstate(divide="ignore", invalid="ignore"):
        h_rows = -np.where(P > 0, P * np.log2(P), 0.0).sum(-1)
    return float((pi * h_rows).sum())


def source_bits_per_char(P, ids) -> float:
    """The true source's own loss on a sample, -(1/N) sum_t log2 P(y_t | its history), over t >= order."""
    P = np.asarray(P, dtype=float)
    ids = np.asarray(ids)
    order = P.ndim - 1
    idx = tuple(ids[order - j - 1:len(ids) - j - 1] for j in reversed(range(order))) + (ids[order:],)
    return float(-np.mean(np.log2(P[idx])))
