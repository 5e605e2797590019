"""Backpropagation through time, written out the three ways the lecture notes write it.

This module is for reading, not for speed. The library's production BPTT is
:mod:`unrolled.sequence`; the functions here compute the same numbers the slow,
explicit way, one equation per line, so notebook 03 can put each form of the
notes next to the code that computes it and prove that all of them agree.

The model is the vanilla RNN language model of 000 eqs 4-5 (with biases, as in
001 and 003), a loss at every step, written in the course notation::

    a_t = W_hx x_t + W_hh h_{t-1} + b_h          (pre-activation)
    h_t = tanh(a_t)                               (000 eq 5)
    y_t = W_yh h_t + b_y,   p_t = softmax(y_t)    (readout: logits, distribution)
    L_t = -log p_t[y*_t],   L = sum_t L_t         (loss at every step, summed)

Notes' symbols: 000 writes s_t, W^{s,x}, W^{s,s}, W^o; 001 h^(t); 002 h_t, W, U;
003 h_t, W_xh, W_hh (and W_e, W_h, U for the LM); 004 h_t, w_fw, w_rec.

Conventions (CONTRIBUTING.md): time-major arrays, ``x`` is ``(T, B, D)``,
states ``(B, H)``; a weight has the shape of its equation and is applied as
``x @ W.T``; math step t = 1..T is code index ``t - 1``; ``h0`` is h_0. The
loss is summed over time and batch (not averaged), as in the notes.

Three quantities are easy to confuse; the names here keep them apart:

* ``dl[t]``  = dL_t/dh_t, the gradient of the *present* loss only (000 eq 15);
* ``delta[t]`` = d(sum_{s>t} L_s)/dh_t, the *future* losses only (000 eq 7);
* ``dh[t]``  = dL/dh_t (notebook 03 writes it \bar h_t), everything: present + future (002's total derivative),
  so ``dh[t] = dl[t] + delta[t]``.

Jacobians are in numerator layout: ``J_t = dh_t/dh_{t-1}`` has rows indexed by
the units of h_t and columns by the units of h_{t-1}, so for tanh
``J_t = diag(1 - h_t**2) @ W_hh``, and ``dh_t/dh_k = J_t J_{t-1} ... J_{k+1}``.
A gradient is a row vector: a gradient ``v`` at h_t goes one step back as ``v @ J_t``
(so ``dh[t-1] = dl[t-1] + dh[t] @ J_t``).
"""
from __future__ import annotations

from collections import deque

import numpy as np

from . import layers, losses, optim, sequence
from .activations import softmax

LM_KEYS = ("W_hx", "W_hh", "b_h", "W_yh", "b_y")
TWO_LAYER_KEYS = ("W_hx1", "W_hh1", "b_h1", "W_hx2", "W_hh2", "b_h2", "W_yh", "b_y")


# --------------------------------------------------------------------- checks
def _array(name, value, ndim):
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a numpy array, got {type(value).__name__}")
    if value.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} dimensions, got shape {value.shape}")
    return value


def _check_lm(x, targets, params, h0):
    _array("x", x, 3)
    _array("targets", targets, 2)
    missing = [k for k in LM_KEYS if k not in params]
    if missing:
        raise ValueError(f"params: expected keys {LM_KEYS}, missing {missing}")
    T, B, D = x.shape
    H = params["W_hh"].shape[0]
    V = params["W_yh"].shape[0]
    expected = {"W_hx": (H, D), "W_hh": (H, H), "b_h": (H,), "W_yh": (V, H), "b_y": (V,)}
    for key, shape in expected.items():
        if params[key].shape != shape:
            raise ValueError(f"params[{key!r}]: expected shape {shape}, got {params[key].shape}")
    if targets.shape != (T, B):
        raise ValueError(f"targets: expected shape {(T, B)} (time, batch), got {targets.shape}")
    if not np.issubdtype(targets.dtype, np.integer) or targets.min() < 0 or targets.max() >= V:
        raise ValueError(f"targets: expected integers in [0, {V}), got {targets.dtype} "
                         f"in [{targets.min()}, {targets.max()}]")
    if h0 is not None and h0.shape != (B, H):
        raise ValueError(f"h0: expected shape {(B, H)}, got {h0.shape}")


def _check_window(k1, k2):
    for name, k in (("k1", k1), ("k2", k2)):
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"{name}: expected a positive integer, got {k!r}")
    if k2 < k1:      # as sequence.truncated_backward: every chunk's losses inside its window
        raise ValueError(f"k2: expected k2 >= k1 so each chunk's own losses are backpropagated, "
                         f"got k1={k1}, k2={k2}")


# ---------------------------------------------------------------------- model
def init_lm(n_in, n_hidden, n_out, rng, scale=1.0, bias=0.1):
    """Parameters of the RNN LM with non-zero biases (so gradient checks test them).

    ``W_hh`` is drawn with spectral radius about ``scale`` (N(0, scale^2/H)
    entries); ``W_hx`` and ``W_yh`` with variance 1/fan-in; biases N(0, bias^2).
    """
    return {
        "W_hx": rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_hidden, n_in)),
        "W_hh": rng.normal(0.0, scale / np.sqrt(n_hidden), (n_hidden, n_hidden)),
        "b_h": rng.normal(0.0, bias, n_hidden),
        "W_yh": rng.normal(0.0, 1.0 / np.sqrt(n_hidden), (n_out, n_hidden)),
        "b_y": rng.normal(0.0, bias, n_out),
    }


def lm_forward(x, targets, params, h0=None, untied=None):
    """Run the RNN LM over a sequence and sum the per-step losses.

    x: (T, B, D) inputs; targets: (T, B) integer classes y*_t; h0: (B, H) or None (zeros).
    Returns ``(L, cache)`` with L = sum_t sum_b -log p_t[y*_t] (001: L = sum_t L^(t))
    and a cache holding everything the backward forms need: ``hs`` (T, B, H),
    ``ps`` (T, B, V), ``losses`` (T,) (each summed over the batch).

    ``untied`` = {t: {"W_hh": ...}} gives step t (code index) its own copy of some
    weights, as if they were not shared: 000's picture of the "immediate" effect
    (the parameter "specific to the t-th box"). The notebook differentiates
    the loss with respect to such a copy.
    """
    _check_lm(x, targets, params, h0)
    T, B, _ = x.shape
    _check_untied(untied, params, T)
    H = params["W_hh"].shape[0]
    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0
    cache = {"x": x, "targets": targets, "params": params, "h0": h,
             "hs": [], "ps": [], "losses": []}
    shared = params
    for t in range(T):
        params = {**shared, **untied[t]} if untied and t in untied else shared
        a = x[t] @ params["W_hx"].T + h @ params["W_hh"].T + params["b_h"]   # a_t
        h = np.tanh(a)                                                        # h_t, 000 eq 5
        p = softmax(h @ params["W_yh"].T + params["b_y"])                    # p_t
        loss = -np.log(p[np.arange(B), targets[t]]).sum()                     # L_t
        cache["hs"].append(h)
        cache["ps"].append(p)
        cache["losses"].append(loss)
    for key in ("hs", "ps", "losses"):
        cache[key] = np.array(cache[key])
    return cache["losses"].sum(), cache


def _check_untied(untied, params, T):
    """``untied``: None or {t: {key: array}} with t a step in [0, T) and keys/shapes of ``params``."""
    if untied is None:
        return
    if not isinstance(untied, dict):
        raise TypeError(f"untied: expected a dict {{t: {{key: array}}}}, got {type(untied).__name__}")
    for t, copies in untied.items():
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t < T:
            raise ValueError(f"untied: expected steps t in [0, {T}) (code indices), got {t!r}")
        if not isinstance(copies, dict):
            raise TypeError(f"untied[{t}]: expected a dict of weight copies, got {type(copies).__name__}")
        for key, value in copies.items():
            if key not in params:
                raise ValueError(f"untied[{t}]: expected keys of params {LM_KEYS}, got {key!r}")
            if np.shape(value) != params[key].shape:
                raise ValueError(f"untied[{t}][{key!r}]: expected shape {params[key].shape}, "
                                 f"got {np.shape(value)}")


def h_prev(cache, t):
    """h_{t-1} for code index t (h_0 when t == 0)."""
    return cache["h0"] if t == 0 else cache["hs"][t - 1]


# ----------------------------------------------------- the present loss, eq 15
def output_gradients(cache):
    """dL_t/dy_t = p_t - onehot(y*_t) (gradient at the logits), for every step: (T, B, V)."""
    ps, targets = cache["ps"], cache["targets"]
    T, B = ps.shape[:2]
    onehot = np.zeros_like(ps)
    onehot[np.arange(T)[:, None], np.arange(B)[None, :], targets] = 1.0
    return ps - onehot


def immediate_state_gradients(cache):
    """dL_t/dh_t: the present loss's gradient at every state, (T, B, H). 000 eq 15.

    dL_t/dh_{t,j} = -sum_k ([[k = y*_t]] - p_{t,k}) W_yh[k, j], i.e. (p_t - onehot(y*_t)) W_yh.
    """
    return output_gradients(cache) @ cache["params"]["W_yh"]


# ------------------------------------------------- one step back: eqs 12-14
def state_jacobian(cache, t):
    """J_t = dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh for code index t: (B, H, H). 000 eqs 12-14.

    Entry [b, j, i] = (1 - h_{t,j}^2) W_hh[j, i] (000 eq 14). Numerator layout;
    003 writes the transpose, W^T diag(f'), which is the same matrix read the other way.
    """
    h = cache["hs"][t]
    return (1.0 - h ** 2)[:, :, None] * cache["params"]["W_hh"][None, :, :]


def jacobian_product(cache, t, k):
    """dh_t/dh_k = J_t J_{t-1} ... J_{k+1} (code indices, k <= t): (B, H, H). 001, 003.

    The identity when t == k. ``k = -1`` means h_0.
    """
    if not -1 <= k <= t:
        raise ValueError(f"k: expected -1 <= k <= t = {t}, got {k}")
    B, H = cache["hs"].shape[1:]
    product = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    for j in range(k + 1, t + 1):                 # multiply J_{k+1}, ..., J_t on the left
        product = state_jacobian(cache, j) @ product
    return product


def jacobian_product_003(cache, t, k):
    """003's printed form: prod_{j=k+1}^{t} W_hh^T diag(f'(a_j)), taken left to right.

    With f = tanh, f'(a_j) = 1 - h_j^2 (003's "f'(j_{j-1})" is OCR damage for the
    pre-activation of step j). This is the TRANSPOSE of dh_t/dh_k in numerator
    layout: (D_t W)(...)(D_{k+1} W) transposed is (W^T D_{k+1}) ... (W^T D_t).
    Returns (B, H, H); code indices as in :func:`jacobian_product`.
    """
    if not -1 <= k <= t:
        raise ValueError(f"k: expected -1 <= k <= t = {t}, got {k}")
    B, H = cache["hs"].shape[1:]
    W_hh = cache["params"]["W_hh"]
    product = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    for j in range(k + 1, t + 1):                 # W^T diag(f'_j) multiplied on the right
        product = product @ (W_hh.T[None, :, :] * (1.0 - cache["hs"][j] ** 2)[:, None, :])
    return product


# ------------------------------------------------------ form 1: 000 eqs 7-11
def delta_recursion(cache):
    """000's delta: the gradient of the FUTURE losses at each state, (T, B, H).

    delta^{h_T} = 0 (000: no losses after the last step), and going one block back
    (000 eq 11, with eq 14 for ds_t/ds_{t-1}):

        delta_i^{h_{t-1}} = sum_j (1 - h_{t,j}^2) W_hh[j, i] [dL_t/dh_{t,j} + delta_j^{h_t}]
    """
    dl = immediate_state_gradients(cache)
    W_hh = cache["params"]["W_hh"]
    delta = np.zeros_like(cache["hs"])
    for t in range(len(delta) - 1, 0, -1):
        h = cache["hs"][t]
        delta[t - 1] = ((dl[t] + delta[t]) * (1.0 - h ** 2)) @ W_hh
    return delta


# ------------------------------------------------------------ form 2: 002
def total_derivative(cache):
    """002's dL/dh_t, present AND future losses, with the sum over j written out: (T, B, H).

        dL/dh_{i,t} = dL_t/dh_{i,t} + sum_j dL/dh_{j,t+1} dh_{j,t+1}/dh_{i,t}

    (002 prints the second term without the sum over j, the units of h_{t+1}.)
    """
    dl = immediate_state_gradients(cache)
    dh = np.zeros_like(dl)
    dh[-1] = dl[-1]                                   # no future at the last step
    for t in range(len(dh) - 2, -1, -1):
        J = state_jacobian(cache, t + 1)              # dh_{j,t+1}/dh_{i,t} = J[b, j, i]
        dh[t] = dl[t] + np.einsum("bj,bji->bi", dh[t + 1], J)
    return dh


# ------------------------------------------------------ form 3: 001 and 003
def jacobian_form(cache):
    """dL/dh_k as a sum over losses of explicit Jacobian products: (T, B, H). 001, 003.

        dL/dh_k = sum_{t >= k} dL_t/dh_t  dh_t/dh_k,   dh_t/dh_k = prod_{j=k+1}^{t} dh_j/dh_{j-1}

    Every one of the O(T^2) (loss, state) pairs gets its own product of Jacobians, built
    from scratch: O(T^3) matrix products, against O(T) for the two recursions.
    """
    dl = immediate_state_gradients(cache)
    dh = np.zeros_like(dl)
    T = len(dl)
    for k in range(T):
        for t in range(k, T):
            dh[k] += np.einsum("bj,bji->bi", dl[t], jacobian_product(cache, t, k))
    return dh


# ------------------------------------------- shared weights: 000 eq 16, 003, 004
def immediate_gradients(cache, dh, t):
    """The gradient of step t's own copy of every weight (000's "immediate" effect).

    Given dL/dh_t (``dh[t]``), with h_{t-1} held constant (000 eq 16's inner factor):

        da_t       = dL/dh_t * (1 - h_t^2)
        dW_hh[t]   = da_t^T h_{t-1}     i.e. dL/dW_hh[j, i] = (1 - h_{t,j}^2) h_{t-1,i} dL/dh_{t,j}
        dW_hx[t]   = da_t^T x_t,   db_h[t] = sum over batch of da_t
        dW_yh[t]   = (p_t - onehot(y*_t))^T h_t,   db_y[t] = sum over batch
    """
    h, dy = cache["hs"][t], output_gradients(cache)[t]
    da = dh[t] * (1.0 - h ** 2)
    return {
        "W_hx": da.T @ cache["x"][t],
        "W_hh": da.T @ h_prev(cache, t),
        "b_h": da.sum(axis=0),
        "W_yh": dy.T @ h,
        "b_y": dy.sum(axis=0),
    }


def shared_weight_gradients(cache, dh):
    """dL/dW for every shared weight = sum over steps of the immediate gradients.

    000 eq 16; 003 "the gradient w.r.t. a repeated weight is the sum of the
    gradient w.r.t. each time it appears"; 004 Delta w_rec = sum_t Delta w_t.
    """
    steps = [immediate_gradients(cache, dh, t) for t in range(len(dh))]
    return {key: sum(step[key] for step in steps) for key in LM_KEYS}


def state_gradients(cache, form):
    """dL/dh_t (T, B, H) by one of the three forms: "delta", "total" or "jacobian"."""
    if form == "delta":
        return immediate_state_gradients(cache) + delta_recursion(cache)
    if form == "total":
        return total_derivative(cache)
    if form == "jacobian":
        return jacobian_form(cache)
    raise ValueError(f"form: expected 'delta', 'total' or 'jacobian', got {form!r}")


def gradients(cache, form="total"):
    """Every parameter's gradient, dL/dh_t by ``form``, then summed immediate gradients."""
    return shared_weight_gradients(cache, state_gradients(cache, form))


def input_gradients(cache, dh):
    """dL/dx_t = (dL/dh_t * (1 - h_t^2)) W_hx, (T, B, D), and dL/dh_0, (B, H)."""
    da = dh * (1.0 - cache["hs"] ** 2)
    return da @ cache["params"]["W_hx"], da[0] @ cache["params"]["W_hh"]


# ------------------------------------------------------- what each loss sends
def loss_contributions(cache, k):
    """How much each loss contributes to dL/dh_k (code index k), for the explorer.

    part_t = dL_t/dh_t dh_t/dh_k for t >= k (zero for t < k: a state cannot
    influence earlier losses). Returns a dict with ``parts`` (T, B, H), which sum
    to dL/dh_k; ``norms`` (T,), the size of each part; ``shares`` (T,), each
    part's projection on the total, <part_t, g> / <g, g>, which sum to 1 (a
    negative share pulls against the total).
    """
    dl = immediate_state_gradients(cache)
    T = len(dl)
    if not 0 <= k < T:
        raise ValueError(f"k: expected a step in [0, {T}), got {k}")
    parts = np.zeros_like(dl)
    for t in range(k, T):
        parts[t] = np.einsum("bj,bji->bi", dl[t], jacobian_product(cache, t, k))
    total = parts.sum(axis=0)
    norms = np.sqrt((parts ** 2).sum(axis=(1, 2)))
    gg = (total ** 2).sum()
    shares = (parts * total).sum(axis=(1, 2)) / gg if gg > 0 else np.zeros(T)
    return {"parts": parts, "total": total, "norms": norms, "shares": shares}


# ------------------------------------------------------------ truncated BPTT
def truncated_gradients(cache, k1, k2):
    """BPTT(k2; k1) of Williams & Peng (1990), computed from the full cache.

    Every k1 steps (and at the last step) a chunk ends at step e. The losses of
    that chunk's steps are backpropagated through the window of the k2 states
    h_{e-k2+1} ... h_e; the state before the window is treated as a constant.
    Each step's readout gradient is counted once. With k2 >= T this is full BPTT.
    Returns the parameter gradients (the same keys as ``params``).
    """
    _check_window(k1, k2)
    dl = immediate_state_gradients(cache)
    W_hh = cache["params"]["W_hh"]
    T = len(dl)
    grads = {key: np.zeros_like(value) for key, value in cache["params"].items()}
    dy = output_gradients(cache)
    for t in range(T):                               # readout: no recurrence, no truncation
        grads["W_yh"] += dy[t].T @ cache["hs"][t]
        grads["b_y"] += dy[t].sum(axis=0)
    ends = list(range(k1 - 1, T, k1))
    if not ends or ends[-1] != T - 1:
        ends.append(T - 1)
    start = 0
    for e in ends:                                   # chunk = steps start..e
        g = np.zeros_like(dl[0])
        for s in range(e, max(e - k2 + 1, 0) - 1, -1):   # window e-k2+1 .. e
            g = g + (dl[s] if s >= start else 0.0)        # inject this chunk's losses
            da = g * (1.0 - cache["hs"][s] ** 2)
            grads["W_hx"] += da.T @ cache["x"][s]
            grads["W_hh"] += da.T @ h_prev(cache, s)
            grads["b_h"] += da.sum(axis=0)
            g = da @ W_hh                                 # to h_{s-1}; dropped at the window's edge
        start = e + 1
    return grads


def truncation_reach(T, k1, k2):
    """Which losses reach which states under BPTT(k2; k1): a (T, T) bool array.

    ``reach[s, t]`` is True when loss L_s sends gradient to state h_t (code
    indices): t <= s and t lies in the window of the chunk that holds s, i.e.
    t >= e - k2 + 1 where e is the chunk's last step. Full BPTT is the lower
    triangle t <= s; truncation cuts it to a band of staircase shape.
    """
    _check_window(k1, k2)
    s = np.arange(T)[:, None]
    t = np.arange(T)[None, :]
    end = np.minimum((s // k1 + 1) * k1 - 1, T - 1)
    return (t <= s) & (t >= end - k2 + 1)


def input_weight_gradient_by_lag(cache, k1=None, k2=None):
    """dL/dW_hx split by lag: entry [lag] collects what each loss L_t sends to step t - lag.

    dW_hx = sum_t sum_{s <= t} [dL_t/dh_t dh_t/dh_s * (1 - h_s^2)]^T x_s; the term (t, s)
    goes to lag t - s. It is the term that links the target at step t to the input
    ``lag`` steps earlier. With ``k1, k2`` given, only the terms BPTT(k2; k1) keeps
    (s inside the window of the chunk that holds t); with k1 = 1 that is every lag
    below k2, and every lag from k2 on is exactly zero. Returns (T, H, D);
    summed over lags it is the (truncated) W_hx gradient.
    """
    if (k1 is None) != (k2 is None):
        raise ValueError(f"k1, k2: expected both (truncated) or neither (full BPTT), got k1={k1!r}, k2={k2!r}")
    if k1 is not None:
        _check_window(k1, k2)
    dl = immediate_state_gradients(cache)
    W_hh, hs, x = cache["params"]["W_hh"], cache["hs"], cache["x"]
    T = len(dl)
    out = np.zeros((T,) + cache["params"]["W_hx"].shape)
    for t in range(T):
        if k1 is None:
            first = 0
        else:
            e = min((t // k1 + 1) * k1 - 1, T - 1)   # the end of t's chunk
            first = max(e - k2 + 1, 0)
        g = dl[t]
        for s in range(t, first - 1, -1):
            da = g * (1.0 - hs[s] ** 2)
            out[t - s] += da.T @ x[s]
            g = da @ W_hh
    return out


def streaming_truncated_gradients(x, targets, params, k1, k2, h0=None):
    """BPTT(k2; k1) that keeps only the last k2 steps in memory: O(k2), not O(T).

    The same numbers as :func:`truncated_gradients`, but the forward pass runs
    alongside: each step's cache goes into a queue of length k2 and the oldest
    falls out. Returns ``(L, grads)``. This is what makes truncated BPTT usable on
    a stream whose length is unknown or unbounded.
    """
    _check_lm(x, targets, params, h0)
    _check_window(k1, k2)
    T, B, _ = x.shape
    W_hx, W_hh, b_h, W_yh, b_y = (params[k] for k in LM_KEYS)
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    window = deque(maxlen=k2)                        # (x_t, h_{t-1}, h_t, dL_t/dh_t)
    h = np.zeros((B, W_hh.shape[0]), dtype=x.dtype) if h0 is None else h0
    total, in_chunk = 0.0, 0
    for t in range(T):
        h_before = h
        h = np.tanh(x[t] @ W_hx.T + h @ W_hh.T + b_h)
        p = softmax(h @ W_yh.T + b_y)
        total += -np.log(p[np.arange(B), targets[t]]).sum()
        dy = p
        dy[np.arange(B), targets[t]] -= 1.0          # p_t - onehot(y*_t), in place: p is not kept
        grads["W_yh"] += dy.T @ h
        grads["b_y"] += dy.sum(axis=0)
        window.append((x[t], h_before, h, dy @ W_yh))
        in_chunk += 1
        if in_chunk == k1 or t == T - 1:             # chunk ends: backpropagate through the window
            g = np.zeros_like(h)
            for age, (x_s, h_s_prev, h_s, dl_s) in enumerate(reversed(window)):
                g = g + (dl_s if age < in_chunk else 0.0)
                da = g * (1.0 - h_s ** 2)
                grads["W_hx"] += da.T @ x_s
                grads["W_hh"] += da.T @ h_s_prev
                grads["b_h"] += da.sum(axis=0)
                g = da @ W_hh
            in_chunk = 0
    return total, grads


def flatten(grads, keys=None):
    """Every gradient in ``keys`` (default: all, sorted) as one vector."""
    keys = sorted(grads) if keys is None else keys
    return np.concatenate([np.ravel(grads[k]) for k in keys])


def gradient_agreement(reference, other, keys=None):
    """``(cosine, relative_error)`` of two gradient dicts, flattened over ``keys``.

    cosine = <r, o> / (|r| |o|); relative error = |o - r| / |r|. The bias of a
    truncated gradient ``other`` against the full one ``reference``.
    """
    r, o = flatten(reference, keys), flatten(other, keys)
    nr, no = np.linalg.norm(r), np.linalg.norm(o)
    if nr == 0:
        raise ValueError("reference: the reference gradient is zero; cosine and relative error are undefined")
    cosine = float(r @ o / (nr * no)) if no > 0 else 0.0
    return cosine, float(np.linalg.norm(o - r) / nr)


# --------------------------------------------------- two layers: 004 eqs 3-4
def init_two_layer(n_in, n_hidden1, n_hidden2, n_out, rng, scale=1.0, bias=0.1):
    """Parameters of a two-layer RNN with a softmax readout on the top layer."""
    p1 = init_lm(n_in, n_hidden1, n_out, rng, scale, bias)
    p2 = init_lm(n_hidden1, n_hidden2, n_out, rng, scale, bias)
    return {"W_hx1": p1["W_hx"], "W_hh1": p1["W_hh"], "b_h1": p1["b_h"],
            "W_hx2": p2["W_hx"], "W_hh2": p2["W_hh"], "b_h2": p2["b_h"],
            "W_yh": p2["W_yh"], "b_y": p2["b_y"]}


def two_layer_forward(x, targets, params):
    """h^l_t = tanh(W_hx^l h^{l-1}_t + W_hh^l h^l_{t-1} + b_h^l), h^0_t = x_t. 004 eq 3.

    004's w_fw^{l-1} (weights from layer l-1 into layer l) is ``W_hx{l}`` here and
    its w_rec^l is ``W_hh{l}``. Zero initial states. Returns ``(L, cache)``.
    """
    _array("x", x, 3)
    T, B, _ = x.shape
    h1 = np.zeros((B, params["W_hh1"].shape[0]), dtype=x.dtype)
    h2 = np.zeros((B, params["W_hh2"].shape[0]), dtype=x.dtype)
    h1s, h2s, ps, total = [], [], [], 0.0
    for t in range(T):
        h1 = np.tanh(x[t] @ params["W_hx1"].T + h1 @ params["W_hh1"].T + params["b_h1"])
        h2 = np.tanh(h1 @ params["W_hx2"].T + h2 @ params["W_hh2"].T + params["b_h2"])
        p = softmax(h2 @ params["W_yh"].T + params["b_y"])
        total += -np.log(p[np.arange(B), targets[t]]).sum()
        h1s.append(h1)
        h2s.append(h2)
        ps.append(p)
    cache = {"x": x, "targets": targets, "params": params,
             "h1s": np.array(h1s), "h2s": np.array(h2s), "ps": np.array(ps)}
    return total, cache


def two_layer_backward(cache, feedforward=True, recurrent=True):
    """Errors through both pathways, 004 eqs 4a-4b, with delta^l_t = dL/da^l_t:

        delta^2_t = tanh'(a^2_t) * [dL_t/dh^2_t + W_hh2^T delta^2_{t+1}]           (4b, top layer)
        delta^1_t = tanh'(a^1_t) * [W_hx2^T delta^2_t + W_hh1^T delta^1_{t+1}]     (4a)

    the first term of 4a is the feed-forward pathway (from the layer above, same
    step), the second the recurrent one (same layer, next step). In row-vector
    code W^T delta is ``delta @ W``. Returns the gradients of every parameter.

    ``feedforward=False`` or ``recurrent=False`` drops that term of 4a (to show
    that both are needed); the defaults give the true gradient.
    """
    p, x = cache["params"], cache["x"]
    h1s, h2s = cache["h1s"], cache["h2s"]
    dy = output_gradients(cache)
    T = len(h1s)
    grads = {key: np.zeros_like(value) for key, value in p.items()}
    d1_next = np.zeros_like(h1s[0])
    d2_next = np.zeros_like(h2s[0])
    for t in range(T - 1, -1, -1):
        d2 = (1 - h2s[t] ** 2) * (dy[t] @ p["W_yh"] + d2_next @ p["W_hh2"])   # 4b
        d1 = (1 - h1s[t] ** 2) * (feedforward * (d2 @ p["W_hx2"])           # 4a: from above,
                                  + recurrent * (d1_next @ p["W_hh1"]))      #     from the next step
        h1_prev = h1s[t - 1] if t > 0 else np.zeros_like(h1s[0])
        h2_prev = h2s[t - 1] if t > 0 else np.zeros_like(h2s[0])
        grads["W_yh"] += dy[t].T @ h2s[t]
        grads["b_y"] += dy[t].sum(axis=0)
        grads["W_hx2"] += d2.T @ h1s[t]
        grads["W_hh2"] += d2.T @ h2_prev
        grads["b_h2"] += d2.sum(axis=0)
        grads["W_hx1"] += d1.T @ x[t]
        grads["W_hh1"] += d1.T @ h1_prev
        grads["b_h1"] += d1.sum(axis=0)
        d1_next, d2_next = d1, d2
    return grads


# ------------------------------------------- the production pipeline, once
def rnn_lm_step(params, x, targets, mask=None, k1=None, k2=None, h0=None, reduction="sum"):
    """Loss and gradients of the RNN LM with the production code (:mod:`unrolled.sequence`).

    ``sequence.forward`` -> affine readout -> softmax cross-entropy (over the
    positions where ``mask`` is 1), then ``sequence.backward`` (full BPTT,
    ``k1 = k2 = None``) or ``sequence.truncated_backward`` (BPTT(k2; k1)).
    ``params`` has the keys :data:`LM_KEYS`; x (T, B, D), targets (T, B).
    Returns ``(loss, grads, accuracy, hs)``: ``grads`` keyed like ``params``,
    ``accuracy`` the fraction of counted positions whose most likely class is
    the target, ``hs`` (T, B, H) the states (the last one carries on along a stream).
    """
    if (k1 is None) != (k2 is None):
        raise ValueError(f"k1, k2: expected both (truncated) or neither (full BPTT), got k1={k1!r}, k2={k2!r}")
    rnn = {key: params[key] for key in ("W_hx", "W_hh", "b_h")}
    hs, cache = sequence.forward("rnn", x, rnn, state0=h0)
    logits, readout = layers.affine_forward(hs, params["W_yh"], params["b_y"])
    loss, dlogits = losses.softmax_cross_entropy(logits, targets, mask, reduction=reduction)
    dhs, dW_yh, db_y = layers.affine_backward(dlogits, readout)
    if k1 is None:
        _, _, grads = sequence.backward(dhs, cache)
    else:
        _, _, grads = sequence.truncated_backward(dhs, cache, k1, k2)
    w = np.ones(targets.shape) if mask is None else mask
    accuracy = float(((logits.argmax(-1) == targets) * w).sum() / w.sum())
    return loss, {**grads, "W_yh": dW_yh, "b_y": db_y}, accuracy, hs


# ------------------------------------------ the three regimes on a stream
def train_stream(params, x, targets, mask, k1, k2, optimizer, reset=False, clip_norm=None):
    """Walk along B parallel streams in chunks of k1 steps, one update per chunk (``params`` in place).

    x (L, B, D), targets (L, B), mask (L, B): which positions have a target.
    The three ways truncation is used in practice:

    * ``reset=True`` (k2 must equal k1): **independent chunks**. Each chunk is
      a separate training sequence that starts from a zero state (001's split
      of a 1000-step sequence into 50 sequences of 20).
    * ``reset=False, k2 == k1``: **truncated BPTT with the state carried**.
      Each chunk starts from the state the previous chunk ended in; its losses
      are backpropagated to the start of the chunk only (min-char-rnn's way).
    * ``reset=False, k2 > k1``: **BPTT(k2; k1)**. The update's window is the
      last k2 steps, run again from the stored state before it; only the
      chunk's own k1 losses enter, so each reaches back at least k2 - k1 + 1 states.

    A loss at step s is backpropagated through the states h_{e-k2+1} ... h_s of
    its window (e = the chunk's last step): k2 counts states, so the longest
    input-to-loss lag any loss sees is k2 - 1 steps. The loss of an update is
    the mean over the chunk's targets. Returns a dict: lists ``loss`` and
    ``accuracy`` per update, and the counts ``updates`` and ``backward_steps``.
    """
    _check_window(k1, k2)
    if reset and k2 != k1:
        raise ValueError(f"k2: independent chunks backpropagate exactly their own chunk, expected k2 == k1, "
                         f"got k1={k1}, k2={k2}")
    L, B, _ = x.shape
    H = params["W_hh"].shape[0]
    stored = np.zeros((L + 1, B, H))       # stored[t] = the state after t steps, as first computed
    out = {"loss": [], "accuracy": [], "updates": 0, "backward_steps": 0}
    for begin in range(0, L, k1):
        end = min(begin + k1, L)
        start = begin if reset else max(0, end - k2)
        h_start = np.zeros((B, H)) if reset else stored[start]
        own = mask[start:end].copy()
        own[: begin - start] = 0.0         # only this chunk's own losses enter
        if own.sum() == 0:                 # nothing to learn here: just move the state on
            hs, _ = sequence.forward("rnn", x[start:end], {k: params[k] for k in ("W_hx", "W_hh", "b_h")},
                                     state0=h_start)
        else:
            loss, grads, acc, hs = rnn_lm_step(params, x[start:end], targets[start:end], own,
                                               h0=h_start, reduction="mean")
            if clip_norm is not None:
                grads, _ = optim.clip_global_norm(grads, clip_norm)
            optimizer.step(params, grads)
            out["loss"].append(loss)
            out["accuracy"].append(acc)
            out["updates"] += 1
            out["backward_steps"] += end - start
        stored[begin + 1:end + 1] = hs[begin - start:]
    return out


def stream_accuracy(params, x, targets, mask, reset_every=None):
    """Accuracy over the positions in ``mask`` of the model run along the whole streams.

    The state is carried from step to step (how the model is used), or set to
    zero every ``reset_every`` steps (how the independent-chunks regime trains).
    """
    L = len(x)
    k = L if reset_every is None else reset_every
    hits = 0.0
    for begin in range(0, L, k):
        m = mask[begin:begin + k]
        rnn = {key: params[key] for key in ("W_hx", "W_hh", "b_h")}
        hs, _ = sequence.forward("rnn", x[begin:begin + k], rnn)
        hits += ((layers.affine_forward(hs, params["W_yh"], params["b_y"])[0].argmax(-1)
                  == targets[begin:begin + k]) * m).sum()
    return float(hits / mask.sum())
