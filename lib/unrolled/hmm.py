"""The hidden Markov model, its inference algorithms, and the HMM written as an RNN.

Lecture note 002 (Hasegawa-Johnson, Lecture 25) derives a recurrent network
from belief propagation in an HMM. This module holds every formula that
derivation uses, in two notations:

* **Library convention** (every function whose arguments are ``initial, A, E``):
  ``A[i, j] = P(Y_t = j | Y_{t-1} = i)`` is row-stochastic,
  ``E[j, k] = P(X_t = k | Y_t = j)``, ``initial[j] = P(Y_1 = j)``,
  ``obs`` is a sequence of word indices of shape ``(T,)`` or a batch ``(T, B)``.
* **Lecture convention** (the ``rnn_*`` functions, arguments ``U, W``):
  ``u_ji = P(Y_t = j | Y_{t-1} = i)`` so ``U = A.T`` is column-stochastic, and
  ``w_jk = P(X_t = k | Y_t = j)`` so ``W = E``. Inputs are one-hot ``x_t`` and,
  as everywhere in the library, a matrix is applied as ``h @ U.T`` (which is
  ``U h`` for a column vector ``h``).

Everything that runs over time is stable for sequences of any length: the
linear-domain filter rescales at every step, the log-domain filter never leaves
the log domain. Only :func:`forward_joint`, the literal recursion of the
lecture, underflows; it is kept to show why the others exist.
"""
from __future__ import annotations

import itertools

import numpy as np

from . import _checks

# --------------------------------------------------------------------------
# The lecture's example: "John hit the ball" (note 002, POS toy example)
# --------------------------------------------------------------------------

TAGS = ("Det", "Noun", "Verb")
WORDS = ("ball", "hit", "John", "the")
SENTENCE = ("John", "hit", "the", "ball")

#: U of note 002, u_ji = P(Y_t = j | Y_{t-1} = i): each *column* sums to 1.
LECTURE_U = np.array([[1, 1, 8],
                      [8, 1, 1],
                      [1, 8, 1]], dtype=float) / 10
#: W of note 002, w_jk = P(X_t = k | Y_t = j): each *row* sums to 1.
LECTURE_W = np.array([[1, 1, 1, 97],
                      [49, 1, 49, 1],
                      [1, 97, 1, 1]], dtype=float) / 100


def lecture_hmm() -> dict:
    """The lecture's HMM in both conventions.

    Returns a dict with ``U`` (3, 3), ``W`` (3, 4) (lecture), ``A = U.T``,
    ``E = W``, ``initial`` (uniform: the lecture's ``h_0 = 0`` carries no
    preference), ``obs`` (the word indices of "John hit the ball"), ``xs`` the
    one-hot inputs (4, 4), and the names ``tags``, ``words``, ``sentence``.
    """
    obs = encode(SENTENCE)
    return {
        "U": LECTURE_U.copy(), "W": LECTURE_W.copy(),
        "A": LECTURE_U.T.copy(), "E": LECTURE_W.copy(),
        "initial": np.full(len(TAGS), 1 / len(TAGS)),
        "obs": obs, "xs": one_hot(obs, len(WORDS)),
        "tags": TAGS, "words": WORDS, "sentence": SENTENCE,
    }


def encode(words, vocabulary=WORDS) -> np.ndarray:
    """Word strings -> indices into ``vocabulary`` (ValueError for an unknown word)."""
    vocabulary = _words("vocabulary", vocabulary)
    if len(set(vocabulary)) != len(vocabulary):
        twice = sorted({w for w in vocabulary if vocabulary.count(w) > 1})
        raise ValueError(f"vocabulary: expected distinct words, got {twice} more than once")
    words = _words("words", words)
    index = {w: k for k, w in enumerate(vocabulary)}
    unknown = [w for w in words if w not in index]
    if unknown:
        raise ValueError(f"words: expected words from {tuple(vocabulary)}, got unknown {unknown}")
    return np.array([index[w] for w in words], dtype=int)


def _words(name, words) -> list:
    """A non-empty list or tuple of strings, as a list."""
    if not isinstance(words, (list, tuple)):
        raise TypeError(f"{name}: expected a list of words (strings), got {type(words).__name__}")
    if not words:
        raise ValueError(f"{name}: expected at least one word, got an empty {type(words).__name__}")
    odd = [w for w in words if not isinstance(w, str)]
    if odd:
        raise TypeError(f"{name}: expected words as strings, got {odd[0]!r} ({type(odd[0]).__name__})")
    return list(words)


def one_hot(obs, V: int) -> np.ndarray:
    """Indices of shape ``(T,)`` or ``(T, B)`` -> one-hot vectors ``(..., V)``."""
    V = _checks.positive_int("V", V)
    return np.eye(V)[_indices("obs", obs, V)]


def tempered(P, beta: float, axis: int = 1) -> np.ndarray:
    """Sharpen (``beta > 1``) or flatten (``beta < 1``) a stochastic matrix.

    Each distribution along ``axis`` is raised to the power ``beta`` and
    renormalised: ``beta = 1`` leaves ``P`` unchanged, ``beta = 0`` makes every
    distribution uniform, ``beta -> inf`` puts all mass on the most likely
    entry. Computed in the log domain, so large ``beta`` does not overflow.
    Zero entries stay zero for ``beta > 0``.
    """
    if isinstance(axis, bool) or axis not in (0, 1):
        raise ValueError(f"axis: expected 0 (columns are distributions) or 1 (rows), got {axis!r}")
    P = _stochastic("P", P, axis=axis)
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)) \
            or not np.isfinite(beta) or beta < 0:
        raise ValueError(f"beta: expected a finite number >= 0, got {beta!r}")
    with np.errstate(divide="ignore"):
        logP = np.log(P)
    if beta == 0:
        logits = np.zeros_like(P)
    else:
        logits = beta * logP
    return _softmax(logits, axis=axis)


# --------------------------------------------------------------------------
# Checking arguments
# --------------------------------------------------------------------------

def _stochastic(name: str, P, axis: int, ndim: int = 2) -> np.ndarray:
    P = np.asarray(P)
    if not np.issubdtype(P.dtype, np.number):
        raise TypeError(f"{name}: expected a numeric array, got dtype {P.dtype}")
    P = P.astype(float)
    if P.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {P.shape}")
    if P.size == 0:
        raise ValueError(f"{name}: expected at least one state, got shape {P.shape}")
    if not np.all(np.isfinite(P)) or np.any(P < 0):
        raise ValueError(f"{name}: expected finite non-negative probabilities, got "
                         f"{'NaN or inf' if not np.all(np.isfinite(P)) else 'a negative entry'}")
    sums = P.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=1e-6):
        what = "sum to 1" if ndim == 1 else ("columns" if axis == 0 else "rows") + " each summing to 1"
        raise ValueError(f"{name}: expected {what}, got sums {np.round(sums, 6).tolist()}")
    return P


def _check(initial, A, E, obs):
    """Validate an HMM and observations; return arrays, obs as (T, B), and whether it was 1-d."""
    A = _stochastic("A", A, axis=1)
    E = _stochastic("E", E, axis=1)
    initial = _stochastic("initial", initial, axis=0, ndim=1)
    N, V = E.shape
    if A.shape != (N, N):
        raise ValueError(f"A: expected shape ({N}, {N}) to match E's {N} states, got {A.shape}")
    if initial.shape != (N,):
        raise ValueError(f"initial: expected shape ({N},), got {initial.shape}")
    obs = _indices("obs", obs, V)
    single = obs.ndim == 1
    return initial, A, E, (obs[:, None] if single else obs), single


def _indices(name, obs, V, ndim=(1, 2)):
    """Word indices in [0, V): a sequence ``(T,)`` or a batch ``(T, B)``, not empty."""
    if not isinstance(obs, (np.ndarray, list, tuple, int, np.integer)) or isinstance(obs, bool):
        raise TypeError(f"{name}: expected integer word indices, got {type(obs).__name__}")
    obs = np.asarray(obs)
    shapes = " or ".join({0: "()", 1: "(T,)", 2: "(T, B)"}[n] for n in ndim)
    if obs.ndim not in ndim:
        raise ValueError(f"{name}: expected word indices of shape {shapes}, got shape {obs.shape}")
    if obs.ndim and obs.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one observation (T >= 1), got an empty "
                         f"sequence of shape {obs.shape}")
    if obs.ndim == 2 and obs.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one sequence (B >= 1), got shape {obs.shape}")
    if obs.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer word indices, got dtype {obs.dtype}")
    if obs.min() < 0 or obs.max() >= V:
        raise ValueError(f"{name}: expected indices in [0, {V}), got values in [{obs.min()}, {obs.max()}]")
    return obs


def _impossible(t: int):
    raise ValueError(f"obs: expected observations this HMM can produce, got a sequence of probability zero "
                     f"under this HMM (first at t={t + 1})")


def _log(P):
    with np.errstate(divide="ignore"):
        return np.log(P)


# HMM probabilities may be exactly 0, so their logarithms may be -inf. activations.softmax and
# activations.logsumexp are written for finite input; these two also accept -inf entries and
# rows that are entirely -inf (an impossible state gets probability 0, never NaN).
def _softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(z - m)
    return e / e.sum(axis=axis, keepdims=True)


def _logsumexp(z, axis=-1):
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis) + np.log(np.sum(np.exp(z - m), axis=axis))


# --------------------------------------------------------------------------
# Inference: filtering, smoothing, Viterbi
# --------------------------------------------------------------------------

def forward_joint(initial, A, E, obs) -> np.ndarray:
    """The literal recursion of note 002: ``h_{j,t} = P(Y_t = j, x_1..x_t)``, unnormalised.

    ``h_1 = initial * E[:, x_1]``; ``h_t = (h_{t-1} @ A) * E[:, x_t]``
    (multiply, then add over ``i``: the belief-propagation slide of note 002).
    Returns ``(T, N)`` (or ``(T, B, N)``). Every step multiplies by
    probabilities below 1, so the entries shrink geometrically and underflow
    to 0 after a few hundred steps: use :func:`filter` for real work.
    """
    initial, A, E, obs, single = _check(initial, A, E, obs)
    T = obs.shape[0]
    h = np.empty((T, obs.shape[1], A.shape[0]))
    h[0] = initial * E[:, obs[0]].T
    for t in range(1, T):
        h[t] = (h[t - 1] @ A) * E[:, obs[t]].T
    return h[:, 0] if single else h


def forward_step(belief, A, E, x: int | np.ndarray):
    """One step of the normalised forward algorithm (note 002, belief propagation).

    ``predicted = belief @ A`` (add over the previous tag ``i``),
    ``joint = predicted * E[:, x]`` (multiply by the emission),
    ``c = sum(joint)`` = P(x_t | x_1..x_{t-1}), ``belief_new = joint / c``.

    belief: ``(N,)`` or ``(B, N)``, P(Y_{t-1} | x_1..x_{t-1}); x: word index (or ``(B,)``).
    Returns ``(belief_new, c)``.
    """
    belief, A, E, x = _check_step(belief, A, E, x)
    joint = (belief @ A) * E[:, x].T
    c = joint.sum(axis=-1)
    if np.any(c <= 0):
        raise ValueError("x: expected a word of probability > 0 after the given belief, got probability zero")
    return joint / c[..., None], c


def _check_step(belief, A, E, x, name="belief", x_name="x", stochastic=True):
    """One step's arguments: a belief (N,) or (B, N), the HMM, a word (or (B,) words).

    With ``stochastic=False`` (a backward message) the vector must be finite and
    non-negative with a positive sum, but need not sum to 1.
    """
    A = _stochastic("A", A, axis=1)
    E = _stochastic("E", E, axis=1)
    N, V = E.shape
    if A.shape != (N, N):
        raise ValueError(f"A: expected shape ({N}, {N}) to match E's {N} states, got {A.shape}")
    if stochastic:
        belief = _distributions(name, belief, N)
    else:
        belief = _checks.array(name, belief, ndim=(1, 2))
        if belief.shape[-1] != N or belief.shape[0] == 0:
            raise ValueError(f"{name}: expected shape ({N},) or (B, {N}) for {N} states, got {belief.shape}")
        if np.any(belief < 0) or np.any(belief.sum(axis=-1) <= 0):
            raise ValueError(f"{name}: expected non-negative entries with a positive sum, got {belief.tolist()}")
    x = _indices(x_name, x, V, ndim=(belief.ndim - 1,))
    if belief.ndim == 2 and x.shape != belief.shape[:1]:
        raise ValueError(f"{x_name}: expected one word per {name}, shape ({belief.shape[0]},), got {x.shape}")
    return belief, A, E, x


def _distributions(name, p, N):
    """``p`` of shape (N,) or (B, N): finite, non-negative, each summing to 1."""
    p = _checks.array(name, p, ndim=(1, 2))
    if p.shape[-1] != N or p.shape[0] == 0:
        want = f"({N},) or (B, {N})"
        raise ValueError(f"{name}: expected shape {want} for {N} states, got {p.shape}")
    return _stochastic(name, p, axis=-1, ndim=p.ndim)


def filter(initial, A, E, obs, domain: str = "linear"):
    """Filtering: ``P(Y_t | x_1..x_t)`` for every t, and ``ln P(x_1..x_T)``.

    domain="linear": the forward algorithm with rescaling. With
    ``alpha_1 = initial * E[:, x_1]`` and ``alpha_t = (alphahat_{t-1} @ A) * E[:, x_t]``,
    ``c_t = sum_j alpha_t[j]``, ``alphahat_t = alpha_t / c_t``; then
    ``ln P(x_1..x_T) = sum_t ln c_t``.

    domain="log": the same recursion on logarithms (log belief propagation, note 002):
    ``l_t[j] = logsumexp_i(l_{t-1}[i] + ln A[i, j]) + ln E[j, x_t]``;
    posteriors ``softmax(l_t)``, ``ln P(x_1..x_T) = logsumexp_j l_T[j]``.

    Returns ``(posteriors, log_likelihood)``: ``(T, N)`` and a float for
    ``obs`` of shape ``(T,)``; ``(T, B, N)`` and ``(B,)`` for ``(T, B)``.
    """
    initial, A, E, obs, single = _check(initial, A, E, obs)
    if domain not in ("linear", "log"):
        raise ValueError(f"domain: expected 'linear' or 'log', got {domain!r}")
    T, B = obs.shape
    post = np.empty((T, B, A.shape[0]))
    if domain == "linear":
        loglik = np.zeros(B)
        belief = np.broadcast_to(initial, (B, A.shape[0]))
        for t in range(T):
            predicted = belief @ A if t > 0 else belief
            joint = predicted * E[:, obs[t]].T
            c = joint.sum(axis=1)
            if np.any(c <= 0):
                _impossible(t)
            belief = joint / c[:, None]
            loglik += np.log(c)
            post[t] = belief
    else:
        logA, logE = _log(A), _log(E)
        log_alpha = np.broadcast_to(_log(initial), (B, A.shape[0])) + logE[:, obs[0]].T
        for t in range(T):
            if t > 0:
                log_alpha = _logsumexp(log_alpha[:, :, None] + logA[None], axis=1) + logE[:, obs[t]].T
            if np.any(np.all(np.isneginf(log_alpha), axis=1)):
                _impossible(t)
            post[t] = _softmax(log_alpha, axis=1)
        loglik = _logsumexp(log_alpha, axis=1)
    if single:
        return post[:, 0], float(loglik[0])
    return post, loglik


def log_likelihood(initial, A, E, obs, domain: str = "linear"):
    """``ln P(x_1..x_T)`` under the HMM (a float, or ``(B,)`` for a batch)."""
    return filter(initial, A, E, obs, domain=domain)[1]


def backward_messages(initial, A, E, obs) -> np.ndarray:
    """Scaled backward messages ``betahat_t[i]`` proportional to ``P(x_{t+1}..x_T | Y_t = i)``.

    ``beta_T = 1``; ``beta_t[i] = sum_j A[i, j] E[j, x_{t+1}] beta_{t+1}[j]``,
    rescaled to sum to 1 at every step (the scale cancels in :func:`smooth`).
    Returns ``(T, N)`` or ``(T, B, N)``. The messages do not depend on
    ``initial``; it is taken (and checked against ``A`` and ``E``) so that every
    inference function has the same arguments, and :func:`smooth` combines them
    with the filter, which does use it.
    """
    initial, A, E, obs, single = _check(initial, A, E, obs)
    T, B = obs.shape
    beta = np.empty((T, B, A.shape[0]))
    beta[-1] = 1.0 / A.shape[0]
    for t in range(T - 2, -1, -1):
        b = (E[:, obs[t + 1]].T * beta[t + 1]) @ A.T       # as in backward_step
        s = b.sum(axis=1)
        if np.any(s <= 0):
            _impossible(t + 1)
        beta[t] = b / s[:, None]
    return beta[:, 0] if single else beta


def smooth(initial, A, E, obs) -> np.ndarray:
    """Smoothing: ``P(Y_t | x_1..x_T)`` for every t (forward-backward).

    ``P(Y_t = j | x_1..x_T)`` is proportional to ``alphahat_t[j] * betahat_t[j]``:
    the filtered belief times how well each tag explains the future words.
    Returns ``(T, N)`` or ``(T, B, N)``; equals the filter at ``t = T``.
    """
    post, _ = filter(initial, A, E, obs)
    beta = backward_messages(initial, A, E, obs)
    g = post * beta
    return g / g.sum(axis=-1, keepdims=True)


def backward_step(beta_next, A, E, x_next):
    """One step of the backward recursion (smoothing), the mirror image of :func:`forward_step`.

    ``b[i] = sum_j A[i, j] E[j, x_{t+1}] beta_{t+1}[j]`` (multiply by the next
    word's emission, then add over the next tag ``j``), rescaled to sum to 1:
    ``beta_t[i]`` is proportional to ``P(x_{t+1}..x_T | Y_t = i)``.
    beta_next: ``(N,)`` or ``(B, N)``; x_next: the word index at ``t + 1`` (or ``(B,)``).
    Returns ``beta_t`` of the shape of ``beta_next``.
    """
    beta_next, A, E, x_next = _check_step(beta_next, A, E, x_next, name="beta_next", x_name="x_next",
                                          stochastic=False)
    b = (E[:, x_next].T * beta_next) @ A.T
    s = b.sum(axis=-1)
    if np.any(s <= 0):
        raise ValueError("x_next: expected a word of probability > 0 under the given message, got probability zero")
    return b / s[..., None]


def posterior_by_query(initial, A, E, obs, query: int) -> np.ndarray:
    """``P(Y_query | x_1..x_T)`` by note 002's rule: belief propagation that keeps the query variable.

    Run the forward algorithm, but at the step after ``query`` do not add over
    ``Y_query``: carry the table ``m_t[q, j]`` proportional to
    ``P(Y_query = q, Y_t = j, x_1..x_t)`` (shape ``(N, N)``), multiplying and adding
    over the other tags as usual; at the end add over ``Y_T``. This is the
    slide's "add unless Y_{t-1} is the query", carried out. It costs ``O(T N^3)``
    for one query, where :func:`smooth` answers every ``t`` in ``O(T N^2)``.
    ``obs`` must be 1-d; ``query`` is a 0-based step in ``[0, T)``. Returns ``(N,)``.
    """
    shape = np.shape(obs)
    initial, A, E, obs, single = _check(initial, A, E, obs)
    if not single:
        raise ValueError(f"obs: expected one sequence of shape (T,), got {shape}")
    obs = obs[:, 0]
    T = len(obs)
    if isinstance(query, bool) or not isinstance(query, (int, np.integer)) or not 0 <= query < T:
        raise ValueError(f"query: expected a step index in [0, {T}), got {query!r}")
    h = initial * E[:, obs[0]]
    for t in range(1, query + 1):                       # the ordinary forward algorithm up to the query
        h = (h @ A) * E[:, obs[t]]
        h = h / h.sum()
    m = np.diag(h)                                      # m[q, j]: Y_query = q and Y_query = j (the same)
    for t in range(query + 1, T):
        m = (m @ A) * E[:, obs[t]]                      # add over Y_{t-1} within each row q: never over q
        total = m.sum()
        if total <= 0:
            _impossible(t)
        m = m / total
    p = m.sum(axis=1)                                   # add over Y_T at the end
    if p.sum() <= 0:
        _impossible(query)
    return p / p.sum()


def estimate(tags, words, n_tags: int, n_words: int, pseudocount: float = 1.0):
    """An HMM estimated by counting tagged sentences (maximum likelihood with add-``pseudocount`` smoothing).

    ``initial[j]`` is the share of sentences that start with tag ``j``, ``A[i, j]``
    the share of tag ``i`` followed by tag ``j``, ``E[j, k]`` the share of tag ``j``
    that says word ``k``; each count gets ``pseudocount`` added first, so that no
    probability is zero. tags, words: integer arrays ``(T, B)`` (or ``(T,)``), as
    :func:`sample` returns them. Returns ``(initial, A, E)`` in the library convention.
    """
    n_tags, n_words = _checks.positive_int("n_tags", n_tags), _checks.positive_int("n_words", n_words)
    tags = _indices("tags", tags, n_tags)
    words = _indices("words", words, n_words)
    if tags.shape != words.shape:
        raise ValueError(f"tags, words: expected the same shape, got {tags.shape} and {words.shape}")
    if isinstance(pseudocount, bool) or not isinstance(pseudocount, (int, float, np.integer, np.floating)) \
            or not np.isfinite(pseudocount) or pseudocount <= 0:
        raise ValueError(f"pseudocount: expected a finite number > 0, got {pseudocount!r}")
    if tags.ndim == 1:
        tags, words = tags[:, None], words[:, None]
    first = np.bincount(tags[0], minlength=n_tags) + pseudocount
    pairs = np.zeros((n_tags, n_tags))
    np.add.at(pairs, (tags[:-1].ravel(), tags[1:].ravel()), 1)
    emitted = np.zeros((n_tags, n_words))
    np.add.at(emitted, (tags.ravel(), words.ravel()), 1)
    pairs += pseudocount
    emitted += pseudocount
    return (first / first.sum(), pairs / pairs.sum(axis=1, keepdims=True),
            emitted / emitted.sum(axis=1, keepdims=True))


def viterbi_trellis(initial, A, E, obs):
    """The forward pass of Viterbi: scores ``v`` and back-pointers for every step.

    ``v_1[j] = ln initial[j] + ln E[j, x_1]``;
    ``v_t[j] = max_i (v_{t-1}[i] + ln A[i, j]) + ln E[j, x_t]`` (note 002's Viterbi
    slide, multiply -> add in the log domain), ``back_t[j] = argmax_i (...)``
    (ties to the lowest index; ``back_1`` is 0 and unused).
    Returns ``(v, back)``, both ``(T, N)`` (or ``(T, B, N)``).
    """
    initial, A, E, obs, single = _check(initial, A, E, obs)
    T, B = obs.shape
    N = A.shape[0]
    logA, logE = _log(A), _log(E)
    v = np.empty((T, B, N))
    back = np.zeros((T, B, N), dtype=int)
    v[0] = _log(initial)[None, :] + logE[:, obs[0]].T
    for t in range(1, T):
        scores = v[t - 1][:, :, None] + logA[None]             # (B, i, j)
        back[t] = np.argmax(scores, axis=1)
        v[t] = np.max(scores, axis=1) + logE[:, obs[t]].T
    if np.any(np.all(np.isneginf(v[-1]), axis=1)):
        _impossible(T - 1)
    return (v[:, 0], back[:, 0]) if single else (v, back)


def viterbi(initial, A, E, obs):
    """Decoding: the single most probable tag sequence, ``argmax_y P(y, x_1..x_T)``.

    :func:`viterbi_trellis` computes the best score of any path ending in each
    tag (multiply/max instead of the filter's multiply/add) and remembers which
    previous tag won; :func:`backtrace` reads the path backwards from the best
    final tag. (Note 002's slide gives only the forward pass; without the
    back-pointers the path could not be recovered.)

    Returns ``(path, log_prob)``: ``(T,)`` ints and ``ln P(path, x_1..x_T)``;
    ``(T, B)`` and ``(B,)`` for a batch.
    """
    v, back = viterbi_trellis(initial, A, E, obs)
    path = backtrace(back, v[-1])
    if path.ndim == 1:
        return path, float(v[-1, path[-1]])
    return path, v[-1, np.arange(path.shape[1]), path[-1]]


def backtrace(back, v_last) -> np.ndarray:
    """Read the Viterbi path backwards from the back-pointers.

    back: ``(T, N)`` (or ``(T, B, N)``) ints, ``back[t, j]`` = the best previous
    tag when tag ``j`` is at step ``t`` (``back[0]`` is unused); v_last: ``(N,)``
    (or ``(B, N)``), the final Viterbi scores. ``y_T = argmax_j v_last[j]``,
    then ``y_{t-1} = back[t, y_t]`` for ``t = T..2``. Returns ``(T,)`` (or ``(T, B)``).
    """
    back, v_last = _check_backtrace(back, v_last)
    single = back.ndim == 2
    if single:
        back, v_last = back[:, None], v_last[None]
    T, B, _ = back.shape
    path = np.empty((T, B), dtype=int)
    path[-1] = np.argmax(v_last, axis=1)
    for t in range(T - 1, 0, -1):
        path[t - 1] = back[t, np.arange(B), path[t]]
    return path[:, 0] if single else path


def _check_backtrace(back, v_last):
    """Back-pointers: integers in [0, N), (T, N) or (T, B, N); scores: no NaN, no +inf, one finite."""
    if not isinstance(back, (np.ndarray, list, tuple)):
        raise TypeError(f"back: expected an integer array of back-pointers, got {type(back).__name__}")
    back = np.asarray(back)
    if back.ndim not in (2, 3) or 0 in back.shape:
        raise ValueError(f"back: expected a non-empty array of shape (T, N) or (T, B, N), got {back.shape}")
    if back.dtype.kind not in "iu":
        raise TypeError(f"back: expected integer back-pointers, got dtype {back.dtype}")
    v_last = _checks.array("v_last", v_last, ndim=(1, 2), finite=False)
    if v_last.shape != back.shape[1:]:
        raise ValueError(f"back, v_last: expected shapes (T, N) and (N,) or (T, B, N) and (B, N), "
                         f"got {back.shape} and {v_last.shape}")
    N = back.shape[-1]
    if back.min() < 0 or back.max() >= N:
        raise ValueError(f"back: expected back-pointers in [0, {N}) (one of the N = {N} tags), "
                         f"got values in [{back.min()}, {back.max()}]")
    if np.any(np.isnan(v_last)) or np.any(v_last == np.inf):
        raise ValueError("v_last: expected log-probabilities (finite or -inf), got NaN or +inf")
    if np.any(np.all(np.isneginf(v_last), axis=-1)):
        raise ValueError("v_last: expected at least one finite score per sequence, got only -inf "
                         "(no path is possible)")
    return back, v_last


def enumerate_paths(initial, A, E, obs):
    """Every tag sequence with its joint log-probability, by brute force.

    ``ln P(y, x) = ln initial[y_1] + ln E[y_1, x_1] + sum_t (ln A[y_{t-1}, y_t] + ln E[y_t, x_t])``
    for all ``N**T`` sequences ``y`` (the definition of the Bayesian network,
    note 002). Exponential in T: for checking the real algorithms on small
    examples only. ``obs`` must be 1-d. Returns ``(paths (N**T, T), log_joint (N**T,))``.
    """
    shape = np.shape(obs)
    initial, A, E, obs, single = _check(initial, A, E, obs)
    if not single:
        raise ValueError(f"obs: expected one sequence of shape (T,), got {shape}")
    obs = obs[:, 0]
    N, T = A.shape[0], len(obs)
    if N ** T > 2_000_000:
        raise ValueError(f"obs: {N}**{T} tag sequences are too many to enumerate")
    paths = np.array(list(itertools.product(range(N), repeat=T)), dtype=int).reshape(-1, T)
    logA, logE, logi = _log(A), _log(E), _log(initial)
    lj = logi[paths[:, 0]] + logE[paths, obs].sum(axis=1)
    lj = lj + logA[paths[:, :-1], paths[:, 1:]].sum(axis=1)
    return paths, lj


def sample(initial, A, E, T: int, rng: np.random.Generator, batch: int = 1):
    """Draw ``batch`` tagged sequences of length ``T`` from the HMM.

    ``y_1 ~ initial``, ``y_t ~ A[y_{t-1}]``, ``x_t ~ E[y_t]``.
    Returns ``(tags, words)``, both integer arrays ``(T, batch)``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected np.random.Generator, got {type(rng).__name__}")
    T, batch = _checks.positive_int("T", T), _checks.positive_int("batch", batch)
    initial, A, E, _, _ = _check(initial, A, E, np.zeros(1, dtype=int))

    def draw(P):  # one categorical draw per row of P (batch, K)
        u = rng.random(P.shape[0])[:, None]
        return np.minimum((np.cumsum(P, axis=1) < u).sum(axis=1), P.shape[1] - 1)

    tags = np.empty((T, batch), dtype=int)
    words = np.empty((T, batch), dtype=int)
    tags[0] = draw(np.broadcast_to(initial, (batch, len(initial))))
    words[0] = draw(E[tags[0]])
    for t in range(1, T):
        tags[t] = draw(A[tags[t - 1]])
        words[t] = draw(E[tags[t]])
    return tags, words


# --------------------------------------------------------------------------
# The HMM as an RNN (note 002, "Log belief propagation" and the POS example)
# --------------------------------------------------------------------------

def _check_UW(U, W, xs, name="xs", ndim=(2, 3)):
    """The lecture's ``U`` (columns sum to 1), ``W`` (rows sum to 1) and one-hot inputs ``xs``."""
    U = _stochastic("U", U, axis=0)
    W = _stochastic("W", W, axis=1)
    N, V = W.shape
    if U.shape != (N, N):
        raise ValueError(f"U: expected shape ({N}, {N}) to match W's {N} tags, got {U.shape}")
    return U, W, _one_hot_rows(name, xs, V, ndim)


def _one_hot_rows(name, xs, V, ndim):
    """Inputs whose every row is a one-hot word vector of length V (one 1, the rest 0)."""
    xs = _checks.array(name, xs, ndim=ndim)
    lead = {1: "", 2: "(T, ", 3: "(T, B, "}
    shapes = " or ".join(f"{lead[n]}{V})" if n > 1 else f"({V},)" for n in ndim)
    if xs.shape[-1] != V or 0 in xs.shape:
        raise ValueError(f"{name}: expected one-hot inputs of shape {shapes}, got {xs.shape}")
    if not (np.all((xs == 0) | (xs == 1)) and np.all(xs.sum(axis=-1) == 1)):
        sums = xs.sum(axis=-1)
        bad = np.argwhere((sums != 1) | np.any((xs != 0) & (xs != 1), axis=-1))[0]
        raise ValueError(f"{name}: expected one-hot rows (a single 1, the rest 0), got "
                         f"{xs[tuple(bad)].tolist()} at index {tuple(int(i) for i in bad)}")
    return xs


def _check_state_step(h_prev, U, W, x, distribution=False):
    """A step's state ``(N,)`` or ``(B, N)`` (finite; a distribution if asked) and one-hot ``x``."""
    h_name = "h_prev"
    U = _stochastic("U", U, axis=0)
    W = _stochastic("W", W, axis=1)
    N, V = W.shape
    if U.shape != (N, N):
        raise ValueError(f"U: expected shape ({N}, {N}) to match W's {N} tags, got {U.shape}")
    h_prev = _checks.array(h_name, h_prev, ndim=(1, 2))
    if h_prev.shape[-1] != N or h_prev.shape[0] == 0:
        raise ValueError(f"{h_name}: expected shape ({N},) or (B, {N}) for {N} tags, got {h_prev.shape}")
    if distribution:
        _distributions(h_name, h_prev, N)
    x = _one_hot_rows("x", x, V, ndim=(h_prev.ndim,))
    if x.shape[:-1] != h_prev.shape[:-1]:
        raise ValueError(f"x: expected one input per state, shape {h_prev.shape[:-1] + (V,)}, got {x.shape}")
    return h_prev, U, W, x


def g_lecture(xi) -> np.ndarray:
    """The lecture's output nonlinearity ``g(xi) = softmax(xi - 1)`` (note 002).

    Softmax ignores a constant added to every entry, so this equals
    ``softmax(xi)``: the "-1" is the constant left over from ``ln z ~ z - 1``.
    """
    xi = _checks.array("xi", xi)
    if xi.ndim == 0 or xi.shape[-1] == 0:
        raise ValueError(f"xi: expected at least one entry along the last axis, got shape {xi.shape}")
    return _softmax(xi - 1.0, axis=-1)


def rnn_lecture_step(h_prev, U, W, x) -> np.ndarray:
    """The lecture's approximate RNN step ``h_t = g(U h_{t-1} + W x_t)``, g = softmax(. - 1).

    This is log belief propagation ``ln h_t = ln(U h_{t-1}) + ln(W x_t) + const``
    with ``ln z ~ z - 1`` applied to both terms (the constants are absorbed by
    the softmax). h_prev: ``(N,)`` or ``(B, N)``; x: ``(V,)`` or ``(B, V)``.
    """
    h_prev, U, W, x = _check_state_step(h_prev, U, W, x)
    return g_lecture(h_prev @ U.T + x @ W.T)


def rnn_lecture(U, W, xs, h0=None) -> np.ndarray:
    """Run :func:`rnn_lecture_step` over one-hot inputs ``xs`` ``(T, V)`` or ``(T, B, V)``.

    ``h0`` defaults to zeros, as in the lecture. Returns ``hs`` ``(T, N)`` or ``(T, B, N)``.
    """
    U, W, xs = _check_UW(U, W, xs)
    shape = xs.shape[1:-1] + (U.shape[0],)
    h = np.zeros(shape) if h0 is None else _checks.array("h0", h0)
    if h.shape != shape:
        raise ValueError(f"h0: expected shape {shape} (one state per sequence of xs), got {h.shape}")
    hs = []
    for x in xs:
        h = rnn_lecture_step(h, U, W, x)
        hs.append(h)
    return np.stack(hs)


def rnn_exact_step(h_prev, U, W, x) -> np.ndarray:
    """The exact HMM-as-RNN step (log belief propagation, note 002):

    ``ln h_t = ln(U h_{t-1}) + ln(W x_t) - ln Z_t``, i.e. ``h_t = softmax(ln(U h_{t-1}) + ln(W x_t))``.

    The state ``h_t`` is the filtered posterior ``P(Y_t | x_1..x_t)``; the
    normaliser ``Z_t`` (the softmax's denominator) is ``P(x_t | x_1..x_{t-1})``.
    Note the logarithm of the product ``U h``, not ``(ln U) h``.
    h_prev: ``(N,)`` or ``(B, N)``, a distribution over tags; x: one-hot ``(V,)`` or ``(B, V)``.
    """
    h_prev, U, W, x = _check_state_step(h_prev, U, W, x, distribution=True)
    logits = _log(h_prev @ U.T) + _log(x @ W.T)
    _check_possible("x", logits)
    return _softmax(logits, axis=-1)


def _check_possible(name, logits):
    """Refuse a row whose every entry is ln 0: the word is impossible, its softmax would be NaN."""
    if np.any(np.all(np.isneginf(logits), axis=-1)):
        raise ValueError(f"{name}: expected a word of probability > 0 under the previous state, "
                         f"got probability zero for every tag")


def rnn_exact(U, W, xs, prior=None) -> np.ndarray:
    """Run :func:`rnn_exact_step` over ``xs`` ``(T, V)`` or ``(T, B, V)``: the filter, as an RNN.

    At ``t = 1`` there is no previous state: ``U h_0`` is replaced by the prior
    ``P(Y_1)`` (default uniform, which is what the lecture's ``h_0 = 0``
    amounts to, since ``U 0 = 0`` favours no tag). Returns ``(T, N)`` or ``(T, B, N)``.
    """
    U, W, xs = _check_UW(U, W, xs)
    N = U.shape[0]
    prior = np.full(N, 1 / N) if prior is None else _prior(prior, N)
    hs = []
    for t, x in enumerate(xs):
        predicted = prior if t == 0 else hs[-1] @ U.T         # U h_{t-1}; the prior at t = 1
        logits = _log(predicted) + _log(x @ W.T)               # as in rnn_exact_step
        _check_possible("xs", logits)
        hs.append(_softmax(logits, axis=-1))
    return np.stack(hs)


def _prior(prior, N):
    prior = _stochastic("prior", prior, axis=0, ndim=1)
    if prior.shape != (N,):
        raise ValueError(f"prior: expected shape ({N},) for {N} tags, got {prior.shape}")
    return prior


def rnn_loglinear(U, W, xs, prior=None) -> np.ndarray:
    """The other reading of the slide's ``exp(ln U h_{t-1} + ln W x_t)``: ``softmax((ln U) h_{t-1} + (ln W) x_t)``.

    Here the logarithm is taken of the matrices, so the pre-activation is linear
    in ``h`` and this is an ordinary RNN with weights ``ln U``, ``ln W`` and a
    softmax output. For one-hot ``x_t``, ``(ln W) x_t = ln(W x_t)`` exactly; but
    ``(ln U) h <= ln(U h)`` (Jensen: ln is concave, h sums to 1), with equality
    when ``h`` is one-hot. So it is exact when the previous belief is certain
    and close to the filter when it is nearly so. Needs every ``u_ji > 0``.
    """
    U, W, xs = _check_UW(U, W, xs)
    if np.any(U <= 0):
        raise ValueError("U: expected every entry > 0 (ln U must be finite), got a zero")
    N = U.shape[0]
    prior = np.full(N, 1 / N) if prior is None else _prior(prior, N)
    logU = np.log(U)
    # (ln W) x_t picks column x_t of ln W; written ln(W x_t) so a zero in W is no 0 * inf
    hs = []
    for t, x in enumerate(xs):
        logits = (_log(prior) if t == 0 else hs[-1] @ logU.T) + _log(x @ W.T)
        _check_possible("xs", logits)
        hs.append(_softmax(logits, axis=-1))
    return np.stack(hs)
