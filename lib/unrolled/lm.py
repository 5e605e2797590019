"""Next-word language models: the feed-forward LM of 000 eq 4 and the RNN LM of 000 eq 5.

Both models read a sentence one word at a time (inputs y_{t-1}, targets y_t,
see :func:`unrolled.data.lm_pairs`) and output a distribution p_t over the V
words of the vocabulary, ``<end>`` included. In the course notation (column
vectors in the equations, row vectors ``x @ W.T`` in the code):

Feed-forward, on the k previous words (000 eq 4 for k = 1, its extension for k = 2, 3)::

    x_t = [phi(y_{t-1}); ...; phi(y_{t-k})]      one-hot vectors stacked, (kV,)
    h_t = tanh(W_hx x_t + b_h)                    (H,)
    p_t = softmax(W_yh h_t + b_y)                 (V,)

RNN, with a word embedding (000 eq 5; biases as in 001, the embedding as in 003)::

    e_t = E phi(y_{t-1})                          a column of E (D x V), (D,)
    h_t = tanh(W_hx e_t + W_hh h_{t-1} + b_h)     (H,),   h_0 = 0
    p_t = softmax(W_yh h_t + b_y)                 (V,)

The loss is the cross-entropy -log p_t[y_t] averaged over the words that
count (the mask of padded batches), i.e. nats per word. Every forward has a
backward that takes the gradient at the logits and the forward's cache.
A parameter dict is a feed-forward model if it has no ``W_hh``.
"""
from __future__ import annotations

import numpy as np

from . import _checks, data, layers, losses
from .activations import log_softmax, softmax
from .train import sample as sample_index

FFW_KEYS = ("W_hx", "b_h", "W_yh", "b_y")
RNN_KEYS = ("E", "W_hx", "W_hh", "b_h", "W_yh", "b_y")


def _rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected np.random.Generator, got {type(rng).__name__}")


def is_rnn(params) -> bool:
    """True for an RNN LM's parameters, False for a feed-forward LM's; checks the keys and shapes."""
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
    rnn = "W_hh" in params
    _checks.params("params", params, RNN_KEYS if rnn else FFW_KEYS)
    V, H = params["W_yh"].shape
    shapes = {"b_h": (H,), "b_y": (V,)}
    if rnn:
        D = params["E"].shape[0]
        shapes.update(E=(D, V), W_hx=(H, D), W_hh=(H, H))
    elif params["W_hx"].ndim != 2 or params["W_hx"].shape[0] != H or params["W_hx"].shape[1] % V:
        raise ValueError(f"params['W_hx']: expected shape ({H}, k*{V}), got {params['W_hx'].shape}")
    for key, shape in shapes.items():
        _checks.shape(f"params[{key!r}]", np.asarray(params[key]), shape)
    return rnn


def vocabulary_size(params) -> int:
    is_rnn(params)
    return params["W_yh"].shape[0]


def context_size(params) -> int:
    """k, the number of previous words a feed-forward LM reads (None for an RNN)."""
    if is_rnn(params):
        return None
    return params["W_hx"].shape[1] // params["W_yh"].shape[0]


# --------------------------------------------------------------------- feed-forward LM (000 eq 4)

def init_ffw(V: int, H: int, rng: np.random.Generator, context: int = 1, bias: float = 0.1) -> dict:
    """Feed-forward LM on the ``context`` previous words: W_hx (H, context*V), b_h, W_yh (V, H), b_y.

    Weights N(0, 1/fan-in) (one-hot inputs: fan-in = context); biases N(0, bias^2), non-zero.
    """
    V, H, context = (_checks.positive_int(n, v) for n, v in (("V", V), ("H", H), ("context", context)))
    _rng(rng)
    return {"W_hx": rng.normal(0, 1 / np.sqrt(context), (H, context * V)), "b_h": rng.normal(0, bias, H),
            "W_yh": rng.normal(0, 1 / np.sqrt(H), (V, H)), "b_y": rng.normal(0, bias, V)}


def ffw_forward(windows, params):
    """000 eq 4 at every step: windows (T, B, k) word indices -> logits (T, B, V), cache.

    ``windows[t, b, j]`` = y_{t-1-j} (:func:`unrolled.data.context_windows`).
    """
    if is_rnn(params):
        raise ValueError("params: expected a feed-forward LM (no W_hh), got an RNN LM")
    V, k = vocabulary_size(params), context_size(params)
    windows = np.asarray(windows)
    if windows.ndim != 3 or windows.shape[-1] != k:
        raise ValueError(f"windows: expected shape (T, B, {k}) for a model on {k} previous words, "
                         f"got {windows.shape}")
    T, B, _ = windows.shape
    x = data.one_hot(windows, V).reshape(T, B, k * V)         # x_t: k one-hot vectors stacked
    h = np.tanh(x @ params["W_hx"].T + params["b_h"])          # h_t = tanh(W_hx x_t + b_h)
    logits, readout = layers.affine_forward(h, params["W_yh"], params["b_y"])   # W_yh h_t + b_y
    return logits, {"x": x, "h": h, "readout": readout, "params": params}


def ffw_backward(dlogits, cache) -> dict:
    """Gradients of every parameter of :func:`ffw_forward` from dL/dlogits (T, B, V)."""
    dh, dW_yh, db_y = layers.affine_backward(dlogits, cache["readout"])
    da = dh * (1 - cache["h"] ** 2)                             # through tanh
    x2 = cache["x"].reshape(-1, cache["x"].shape[-1])
    da2 = da.reshape(-1, da.shape[-1])
    return {"W_hx": da2.T @ x2, "b_h": da2.sum(0), "W_yh": dW_yh, "b_y": db_y}


# --------------------------------------------------------------------- RNN LM (000 eq 5, 001, 003)

def init_rnn(V: int, D: int, H: int, rng: np.random.Generator, bias: float = 0.1, scale: float = 1.0) -> dict:
    """RNN LM with an embedding: E (D, V), W_hx (H, D), W_hh (H, H), b_h, W_yh (V, H), b_y.

    E ~ N(0, 1); W_hx, W_yh ~ N(0, 1/fan-in); W_hh ~ N(0, scale^2/H) (spectral
    radius about ``scale``); biases N(0, bias^2), non-zero so gradient checks test them.
    """
    V, D, H = (_checks.positive_int(n, v) for n, v in (("V", V), ("D", D), ("H", H)))
    _rng(rng)
    return {"E": rng.normal(0, 1, (D, V)), "W_hx": rng.normal(0, 1 / np.sqrt(D), (H, D)),
            "W_hh": rng.normal(0, scale / np.sqrt(H), (H, H)), "b_h": rng.normal(0, bias, H),
            "W_yh": rng.normal(0, 1 / np.sqrt(H), (V, H)), "b_y": rng.normal(0, bias, V)}


def rnn_step(ids, h_prev, params):
    """One step of the RNN LM: ids (B,) = y_{t-1}, h_prev (B, H) -> (h_t (B, H), p_t (B, V)).

    e_t = E phi(y_{t-1}); h_t = tanh(W_hx e_t + W_hh h_{t-1} + b_h); p_t = softmax(W_yh h_t + b_y).
    """
    if not is_rnn(params):
        raise ValueError("params: expected an RNN LM (with W_hh), got a feed-forward LM")
    h_prev = _checks.array("h_prev", h_prev, ndim=2)
    ids = np.asarray(ids)
    _checks.shape("h_prev", h_prev, (ids.shape[0] if ids.ndim == 1 else None, params["W_hh"].shape[0]))
    e, _ = layers.embedding_forward(ids, params["E"])                                    # e_t = E x_t
    h = np.tanh(e @ params["W_hx"].T + h_prev @ params["W_hh"].T + params["b_h"])       # h_t
    p = softmax(h @ params["W_yh"].T + params["b_y"])                                    # p_t
    return h, p


def rnn_forward(inputs, params, h0=None):
    """The RNN LM over a batch: inputs (T, B) word indices y_{t-1} -> logits (T, B, V), cache.

    The cache keeps the embeddings ``e`` (T, B, D) and the states ``hs`` (T, B, H), h_0 = ``h0`` or zeros.
    """
    if not is_rnn(params):
        raise ValueError("params: expected an RNN LM (with W_hh), got a feed-forward LM")
    inputs = np.asarray(inputs)
    if inputs.ndim != 2:
        raise ValueError(f"inputs: expected a (T, B) array of word indices, got shape {inputs.shape}")
    T, B = inputs.shape
    H = params["W_hh"].shape[0]
    h = np.zeros((B, H)) if h0 is None else _checks.array("h0", h0, ndim=2)
    _checks.shape("h0", h, (B, H))
    e, embed = layers.embedding_forward(inputs, params["E"])          # e_t = E x_t, (T, B, D)
    ax = e @ params["W_hx"].T + params["b_h"]                         # W_hx e_t + b_h, every step at once
    hs = np.empty((T, B, H))
    h_start = h
    for t in range(T):
        h = np.tanh(ax[t] + h @ params["W_hh"].T)                     # h_t = tanh(... + W_hh h_{t-1})
        hs[t] = h
    logits, readout = layers.affine_forward(hs, params["W_yh"], params["b_y"])
    return logits, {"e": e, "embed": embed, "hs": hs, "h0": h_start, "readout": readout, "params": params}


def rnn_backward(dlogits, cache) -> dict:
    """Backpropagation through time for :func:`rnn_forward`: every parameter's gradient from dL/dlogits."""
    p, hs, e = cache["params"], cache["hs"], cache["e"]
    dhs, dW_yh, db_y = layers.affine_backward(dlogits, cache["readout"])
    T = hs.shape[0]
    grads = {"W_hx": np.zeros_like(p["W_hx"]), "W_hh": np.zeros_like(p["W_hh"]), "b_h": np.zeros_like(p["b_h"])}
    de = np.zeros_like(e)
    dnext = np.zeros_like(cache["h0"])                  # dL/dh_t arriving from step t + 1
    for t in reversed(range(T)):
        h_prev = hs[t - 1] if t > 0 else cache["h0"]
        da = (dhs[t] + dnext) * (1 - hs[t] ** 2)        # dL/da_t: present and future losses, through tanh
        grads["W_hx"] += da.T @ e[t]
        grads["W_hh"] += da.T @ h_prev
        grads["b_h"] += da.sum(0)
        de[t] = da @ p["W_hx"]
        dnext = da @ p["W_hh"]
    grads["E"] = layers.embedding_backward(de, cache["embed"])
    grads.update(W_yh=dW_yh, b_y=db_y)
    return {k: grads[k] for k in RNN_KEYS}


# --------------------------------------------------------------------- both models

def logits(params, inputs):
    """The logits (T, B, V) of either model for inputs (T, B) = y_{t-1}."""
    if is_rnn(params):
        return rnn_forward(inputs, params)[0]
    return ffw_forward(data.context_windows(inputs, context_size(params)), params)[0]


def loss_and_grads(params, batch):
    """``(loss, grads)`` for ``train.fit``: batch = (inputs, targets, mask) from :func:`unrolled.data.pad_batch`.

    loss = mean over counted words of -log p_t[y_t] (nats per word).
    """
    inputs, targets, mask = batch
    if is_rnn(params):
        out, cache = rnn_forward(inputs, params)
        loss, dlogits = losses.softmax_cross_entropy(out, targets, mask)
        return loss, rnn_backward(dlogits, cache)
    out, cache = ffw_forward(data.context_windows(inputs, context_size(params)), params)
    loss, dlogits = losses.softmax_cross_entropy(out, targets, mask)
    return loss, ffw_backward(dlogits, cache)


def chain_rule_log_prob(ps, ids) -> float:
    """log P(y_1 .. y_n) = sum_t log P(y_t | y_<t) = sum_t log ps[t, y_t] (000 eq 2, in logs).

    ps (n, V): row t is the model's distribution for word t (given what came before); ids (n,).
    """
    ps = _checks.array("ps", ps, ndim=2)
    ids = np.asarray(ids)
    _checks.shape("ids", ids, (ps.shape[0],))
    return float(np.sum(np.log(ps[np.arange(len(ids)), ids])))


def sentence_log_prob(params, ids) -> float:
    """log P(sentence) under either model: ids (n,) ending in ``<end>``; the chain rule of 000 eq 2."""
    inputs, targets = data.lm_pairs(ids)
    logp = log_softmax(logits(params, inputs[:, None]))[:, 0]
    return float(logp[np.arange(len(targets)), targets].sum())


def evaluate(params, sentences, vocab: data.Vocabulary) -> dict:
    """Held-out numbers: ``cross_entropy`` (nats per word) and ``agreement`` (see below).

    At the verb of every sentence (the position where the corpus's long-range
    dependency is due), ``agreement`` is the fraction of sentences where the
    model gives the verbs of the subject's number more probability than those of
    the other number; ``verb_share`` is the mean share of the right number in the
    probability given to all verbs (0.5 = no idea, 1 = sure).
    """
    inputs, targets, mask = data.pad_batch(sentences)
    out = logits(params, inputs)
    loss, _ = losses.softmax_cross_entropy(out, targets, mask)
    p = softmax(out)
    singular = [vocab.index[w] for w in data.VERBS["singular"]]
    plural = [vocab.index[w] for w in data.VERBS["plural"]]
    right, share = [], []
    for b, s in enumerate(sentences):
        t = len(s) - 2                                   # the verb is the last word before <end>
        number = data.verb_number(vocab.words[s[t]])
        good, bad = (singular, plural) if number == "singular" else (plural, singular)
        p_good, p_bad = p[t, b, good].sum(), p[t, b, bad].sum()
        right.append(p_good > p_bad)
        share.append(p_good / (p_good + p_bad))
    return {"cross_entropy": loss, "agreement": float(np.mean(right)), "verb_share": float(np.mean(share))}


def sample(params, rng: np.random.Generator, temperature: float = 1.0, max_len: int = 30) -> list[int]:
    """Generate a sentence word by word until ``<end>`` (index 0) or ``max_len`` words.

    Starts from y_0 = ``<end>`` (and h_0 = 0); each word is drawn from p_t at the
    given temperature (:func:`unrolled.train.sample`) and fed back as the next input.
    """
    _rng(rng)
    max_len = _checks.positive_int("max_len", max_len)
    words = [0]
    rnn = is_rnn(params)
    h = np.zeros((1, params["W_hh"].shape[0])) if rnn else None
    for _ in range(max_len):
        if rnn:
            h, p = rnn_step(np.array(words[-1:]), h, params)
            z = np.log(p[0])
        else:
            window = data.context_windows(np.array(words)[:, None], context_size(params))[-1:]
            z = ffw_forward(window, params)[0][0, 0]
        words.append(int(sample_index(z, rng, temperature)))
        if words[-1] == 0:
            break
    return words[1:]


# --------------------------------------------------------------------- counting parameters

def count_params(params) -> int:
    """The number of numbers in a parameter dict."""
    is_rnn(params)
    return int(sum(np.asarray(v).size for v in params.values()))


def table_params(V: int, t: int) -> int:
    """Free numbers in a table of P(y_t | y_1 .. y_{t-1}): one distribution (V - 1 free) per history (000).

    ``V**(t-1)`` histories times ``V - 1``; Python integers, so nothing overflows.
    """
    V, t = _checks.positive_int("V", V), _checks.positive_int("t", t)
    return (V - 1) * V ** (t - 1)
