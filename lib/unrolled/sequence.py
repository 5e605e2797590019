"""Unrolling a cell over time, and backpropagation through time (BPTT).

Forward: ``hs, cache = forward(kind, x, params, state0)`` runs the cell of
:mod:`unrolled.cells` over ``x`` of shape ``(T, B, D)`` and returns every
hidden state ``hs`` ``(T, B, H)``. The input's contribution ``x W_x^T + b`` is
computed for all time steps in one matrix product; only the recurrent part
runs step by step. For one-hot inputs given by their indices (a character or
word model), ``forward_ids(kind, ids, params, state0)`` looks that input half
up instead of multiplying by mostly zeros: the same numbers.

Backward: ``dx, dstate0, grads = backward(dhs, cache)`` takes ``dhs[t] =
dL/dh_t`` from whatever sits on top of the states (the direct, "immediate"
part of the gradient) and runs the recursion of 000 eqs 7-11 / 002 backwards
in time: the gradient reaching ``h_t`` is its own ``dhs[t]`` plus what flows
back from ``h_{t+1}``. The weights are shared by every step, so their gradient
is the sum over steps of each step's immediate gradient (000 eq 16; 003; 004
"Delta w_rec = sum_t Delta w_t"); that sum is computed as one matrix product
over all steps.

Also here: truncated BPTT (Williams & Peng's BPTT(k2; k1), 001's k1, k2),
stacked (deep) RNNs (004 eqs 3-4) and bidirectional RNNs (001, 003).
"""
from __future__ import annotations

import numpy as np

from . import _checks
from .cells import BLOCKS, _cell, _check_state, _core_args, _prepared, check_params, zero_state


def _flat(a):
    return a.reshape(-1, a.shape[-1])


def forward(kind, x, params, state0=None, activation=None):
    """Run a cell of ``kind`` over the sequence ``x``.

    Parameters
    ----------
    kind : "rnn", "gated", "lstm" or "gru"
    x : array (T, B, D)
    params : dict from :func:`unrolled.cells.init`
    state0 : initial state, (B, H) or for the LSTM the pair (h0, c0); zeros if None
    activation : the RNN's nonlinearity ("tanh", "sigmoid", "relu", "linear") when
        ``params`` carry none (tanh if None); it must agree with ``params["activation"]``
        when they do (see :mod:`unrolled.cells`). Only the RNN has this choice.

    Returns
    -------
    hs : array (T, B, H), the hidden state after every step
    cache : what :func:`backward` needs
    """
    x = _checks.array("x", x, ndim=3)
    T, B, D = x.shape
    if T < 1 or B < 1:
        raise ValueError(f"x: expected at least one time step and one sequence, got shape {x.shape}")
    _, H = check_params(kind, params, n_in=D, name="params")
    cell = _cell(kind, params)
    dtype = params[cell.keys[0]].dtype
    if x.dtype != dtype:
        raise TypeError(f"x: expected dtype {dtype} like the parameters, got {x.dtype}")
    core_args = _core_args(kind, params, activation, name="params")
    if state0 is None:
        state0 = zero_state(kind, B, H, dtype)
    else:
        _check_state(kind, state0, B, H, name="state0")

    ax = cell.project(_flat(x), params).reshape(T, B, -1)   # input half of every step, at once
    hs, cache = _unroll(kind, cell, ax, params, state0, core_args)
    cache["x"] = x
    return hs, cache


def _unroll(kind, cell, ax, params, state0, core_args):
    """The recurrent half, step by step, given every step's input half ``ax`` (T, B, width)."""
    T, B = ax.shape[:2]
    H = (state0[0] if kind == "lstm" else state0).shape[1]
    dtype = ax.dtype
    hs = np.empty((T, B, H), dtype=dtype)
    cores = []
    state = state0
    p = _prepared(params, cell)
    # Where the cell can write into given arrays, its cache for all steps is a few
    # (T, B, width) arrays allocated here once, h's being hs itself.
    out = None if cell.out_widths is None else \
        [np.empty((T, B, w * H), dtype=dtype) for w in cell.out_widths[:-1]] + [hs]
    for t in range(T):
        if out is None:
            state, core = cell.core(ax[t], state, p, **core_args)
            hs[t] = state[0] if kind == "lstm" else state
        else:
            state, core = cell.core(ax[t], state, p, out=tuple(buf[t] for buf in out), **core_args)
        cores.append(core)
    cache = {"kind": kind, "cell": cell, "params": params, "state0": state0, "cores": cores, "last": state}
    return hs, cache


#: the kinds :func:`forward_ids` runs (see there why not the gated cell)
ID_KINDS = ("rnn", "lstm", "gru")


def forward_ids(kind, ids, params, state0=None, activation=None):
    """:func:`forward` for one-hot inputs x_t = phi(ids_t), given by their indices ``ids`` (T, B).

    The input half of a step, ``project(phi(v)) = W_x phi(v) + b``, takes only V
    values, one per symbol v: the rows of ``table = project(I)``, I the V x V
    identity (row v of I is phi(v)). So every step's input half is a row lookup,
    ``ax = table[ids]``, the same numbers as ``forward(kind, one_hot(ids), ...)``
    to the last bit (a product with a one-hot row adds exact zeros), without the
    (T B, V) times (V, width) product of mostly zeros.

    :func:`backward` with this cache returns ``dx = None`` (indices have no
    gradient) and gets the input weight's gradient backwards through the
    lookup: each symbol's row of the table collects the ``dax`` of every step
    that read it (a scatter-add), then ``project``'s own gradient with input I.

    ``kind``: "rnn", "lstm" or "gru" (``ID_KINDS``), the cells whose recurrent
    weights' gradients read ``dah``; the gated cell's read ``dax``, which this
    path replaces by the table's gradient. ``D``, the number of symbols, is the
    input weight's number of columns. Returns ``(hs, cache)`` like :func:`forward`.
    """
    _checks.choice("kind", kind, ID_KINDS)
    D, H = check_params(kind, params, name="params")
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"ids: expected integer symbol indices, got dtype {ids.dtype}")
    if ids.ndim != 2 or ids.shape[0] < 1 or ids.shape[1] < 1:
        raise ValueError(f"ids: expected shape (T, B) with T, B >= 1, got {ids.shape}")
    if ids.min() < 0 or ids.max() >= D:
        raise ValueError(f"ids: expected indices in [0, {D}) (the input weight's columns), "
                         f"got {ids.min()} to {ids.max()}")
    core_args = _core_args(kind, params, activation, name="params")
    if state0 is not None:
        _check_state(kind, state0, ids.shape[1], H, name="state0")
    return _forward_ids(kind, ids, params, state0, core_args)


def _forward_ids(kind, ids, params, state0, core_args):
    """:func:`forward_ids` without the argument checks, for a training loop that checked them once.

    ``core_args``: the cell's keyword arguments (``cells._core_args``).
    """
    cell = _cell(kind, params)
    dtype = params[cell.keys[0]].dtype
    if state0 is None:
        W_rec = params[cell.recurrent[0]]
        state0 = zero_state(kind, ids.shape[1], W_rec.shape[1], dtype)
    D = params[cell.keys[0]].shape[1]
    identity = np.eye(D, dtype=dtype)                        # row v: phi(v)
    # table = project(I), row v the input half when v is read, without the product by I:
    # I W_x^T is W_x^T exactly (each entry one product by 1, plus zeros), and project(0) = b.
    W_x = params[cell.keys[0]]                               # the input weight (width, D)
    table = W_x.T + cell.project(np.zeros((1, D), dtype=dtype), params)
    hs, cache = _unroll(kind, cell, table[ids], params, state0, core_args)
    cache["ids"], cache["identity"] = ids, identity
    return hs, cache


def last_state(cache):
    """The final state h_T (or (h_T, c_T)): the initial state of the next chunk."""
    return cache["last"]


def _add_dh(kind, dstate, dh):
    if kind == "lstm":
        return (dstate[0] + dh, dstate[1])
    return dstate + dh


def _dtype(cache):
    return cache["params"][cache["cell"].keys[0]].dtype


def _zero_dstate(cache):
    B, H = cache["cores"][0][0].shape                        # h_0, every cell's first cache entry
    return zero_state(cache["kind"], B, H, _dtype(cache))


def _check_dhs(dhs, cache):
    dhs = _checks.array("dhs", dhs, ndim=3)
    _checks.shape("dhs", dhs, (len(cache["cores"]),) + cache["cores"][0][0].shape)
    return dhs.astype(_dtype(cache), copy=False)


def _backward_steps(dhs, cache, t_end, t_stop, dstate, dax, dah, t_losses=0):
    """Run the backward recursion from step t_end - 1 down to t_stop, adding into dax, dah.

    The losses ``dhs[t]`` enter only at steps ``t >= t_losses``; the steps before
    carry the gradient further back without adding a loss of their own (a
    truncated window reaching back past its chunk).
    """
    kind, cell, cores = cache["kind"], cache["cell"], cache["cores"]
    for t in range(t_end - 1, t_stop - 1, -1):
        if t >= t_losses:
            dstate = _add_dh(kind, dstate, dhs[t])             # immediate + from the future
        dax_t, dah_t, dstate = cell.core_backward(dstate, cores[t])
        dax[t] += dax_t
        if dah is not dax:
            dah[t] += dah_t
    return dstate


def _gradients(cache, dax, dah):
    """Parameter and input gradients from the per-step pre-activation gradients."""
    cell, params, cores = cache["cell"], cache["params"], cache["cores"]
    rec = [cell.rec_input(core) for core in cores]
    if isinstance(rec[0], tuple):
        rec = tuple(_flat(np.stack(parts)) for parts in zip(*rec))
    else:
        rec = _flat(np.stack(rec))
    if "ids" in cache:                                       # forward_ids: the input half was a lookup
        return None, cell.param_grads(cache["identity"], _table_grad(dax, cache["ids"], len(cache["identity"])),
                                      _flat(dah), rec)
    x = cache["x"]
    grads = cell.param_grads(_flat(x), _flat(dax), _flat(dah), rec)
    dx = cell.input_grad(_flat(dax), params).reshape(x.shape)
    return dx, grads


def _table_grad(dax, ids, V):
    """dL/d table (V, width) of :func:`forward_ids`: row v sums ``dax`` over the steps that read v.

    A scatter-add ``dtable[ids[n]] += dax[n]``, written as a sort and a segment sum
    (``np.add.at`` gives the same sums, several times slower).
    """
    ids, dax = ids.reshape(-1), _flat(dax)
    order = np.argsort(ids, kind="stable")                   # the steps grouped by symbol, in time order
    read = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], read[1:] != read[:-1])))
    dtable = np.zeros((V, dax.shape[1]), dtype=dax.dtype)
    dtable[read[starts]] = np.add.reduceat(dax[order], starts, axis=0)
    return dtable


def _same_dah(cache):
    # For every cell but the reset-after GRU, the gradient w.r.t. the recurrent
    # product equals the one w.r.t. the input projection, so one buffer serves both.
    return cache["cell"].keys != ("W_x", "W_h", "b_x", "b_h")


def backward(dhs, cache, dstate_last=None):
    """Full BPTT.

    Parameters
    ----------
    dhs : array (T, B, H), dL/dh_t from the layers above (zero where no loss)
    cache : from :func:`forward`
    dstate_last : optional gradient arriving at the final state from later
        chunks or a decoder (the pair (dh, dc) for the LSTM)

    Returns
    -------
    dx : (T, B, D) (None after :func:`forward_ids`), dstate0 : like state0, grads : dict keyed like params
    """
    dhs = _check_dhs(dhs, cache)
    T, B, H = dhs.shape
    if dstate_last is not None:
        _check_state(cache["kind"], dstate_last, B, H, name="dstate_last")
    return _backward(dhs, cache, dstate_last)


def _backward(dhs, cache, dstate_last=None):
    """:func:`backward` without the argument checks, for a training loop's own ``dhs`` (T, B, H)."""
    T = dhs.shape[0]
    dstate = _zero_dstate(cache) if dstate_last is None else dstate_last
    dax = np.zeros((T,) + cache["cores"][0][0].shape[:1] + (_width(cache),), dtype=dhs.dtype)
    dah = dax if _same_dah(cache) else np.zeros_like(dax)
    dstate0 = _backward_steps(dhs, cache, T, 0, dstate, dax, dah)
    dx, grads = _gradients(cache, dax, dah)
    return dx, dstate0, grads


def _width(cache):
    """Columns of the pre-activations: H per block (1 RNN, 2 gated, 4 LSTM, 3 GRU)."""
    return BLOCKS[cache["kind"]] * cache["cores"][0][0].shape[1]


def truncated_backward(dhs, cache, k1, k2):
    """Truncated BPTT, BPTT(k2; k1) of Williams & Peng (001's k1, k2).

    Every ``k1`` steps (at the last step ``e`` of each chunk of k1 steps), the
    losses of that chunk are backpropagated through the last ``k2`` states,
    h_{e-k2+1} ... h_e (``k2 - 1`` Jacobian steps back); the state before that
    window is treated as a constant. The gradients of all chunks are summed.
    ``k2`` counts states: the longest input-to-loss lag a window sees is
    ``k2 - 1`` steps, so a dependency of ``k2`` steps or more cannot be seen
    (notebook 03, section 6.3). With ``k2 >= T`` this equals :func:`backward`.

    Requires ``k2 >= k1``, so that every chunk's own losses are inside its window.
    Returns ``(dx, dstate0, grads)`` like :func:`backward` (``dstate0`` is zero
    unless a window reaches step 0).

    Cost: each chunk runs at most ``k2`` backward steps and allocates nothing
    that grows with T, so the whole pass is O(T k2 / k1) steps (plus the O(T)
    parameter gradients shared with :func:`backward`).
    """
    k1 = _checks.positive_int("k1", k1)
    k2 = _checks.positive_int("k2", k2)
    if k2 < k1:
        raise ValueError(f"k2: expected k2 >= k1 so each chunk's own losses are backpropagated, got k1={k1}, k2={k2}")
    dhs = _check_dhs(dhs, cache)
    T = dhs.shape[0]
    dax = np.zeros((T, dhs.shape[1], _width(cache)), dtype=dhs.dtype)
    dah = dax if _same_dah(cache) else np.zeros_like(dax)
    dstate0 = _zero_dstate(cache)
    for begin in range(0, T, k1):                          # chunks [begin, end) of k1 steps
        end = min(begin + k1, T)
        start = max(0, end - k2)                           # how far back this chunk's update reaches
        # steps start..end-1, but only this chunk's losses (steps begin..end-1) enter
        dstate = _backward_steps(dhs, cache, end, start, _zero_dstate(cache), dax, dah, t_losses=begin)
        if start == 0:
            dstate0 = _add_state(dstate0, dstate)
    dx, grads = _gradients(cache, dax, dah)
    return dx, dstate0, grads


def _add_state(a, b):
    return tuple(u + v for u, v in zip(a, b)) if isinstance(a, tuple) else a + b


# --------------------------------------------------------------------------
# Stacked (deep) RNNs: 004 eq 3, h_t^l = f(W_fw^{l-1} h_t^{l-1} + W_rec^l h_{t-1}^l)
# --------------------------------------------------------------------------

def stacked_forward(layers, x, states0=None, activation=None):
    """Run layers one on top of the other; layer l's inputs are layer l-1's states.

    ``layers`` is a list of ``(kind, params)``; returns the top layer's states
    ``(T, B, H_top)`` and a cache. ``states0`` is None or a list of initial states.
    ``activation``: for the ``"rnn"`` layers whose parameters carry none (each
    layer that carries one runs its own; a contradiction is a ValueError); it
    needs at least one ``"rnn"`` layer.
    """
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"layers: expected a non-empty list of (kind, params), got {layers!r:.60}")
    if states0 is not None and len(states0) != len(layers):
        raise ValueError(f"states0: expected {len(layers)} initial states (one per layer), got {len(states0)}")
    for i, layer in enumerate(layers):
        if not (isinstance(layer, (tuple, list)) and len(layer) == 2):
            raise ValueError(f"layers[{i}]: expected a pair (kind, params), got {type(layer).__name__}")
    if activation is not None and all(kind != "rnn" for kind, _ in layers):
        raise ValueError(f"activation: expected None for a stack without an 'rnn' layer "
                         f"(kinds {[kind for kind, _ in layers]}), got {activation!r}")
    caches, inputs = [], x
    for i, (kind, params) in enumerate(layers):
        inputs, cache = forward(kind, inputs, params, None if states0 is None else states0[i],
                                activation if kind == "rnn" else None)
        caches.append(cache)
    return inputs, caches


def stacked_backward(dhs_top, caches):
    """Backward through a stack: errors flow down the feed-forward pathway and back in time
    along each layer's recurrent pathway (004 eqs 4a-4b).

    Returns ``(dx, dstates0, grads)`` with one entry per layer in ``dstates0`` and ``grads``.
    """
    if not isinstance(caches, (list, tuple)) or not caches:
        raise TypeError(f"caches: expected the list of caches from stacked_forward, got {type(caches).__name__}")
    d = _checks.array("dhs_top", dhs_top, ndim=3)
    top = caches[-1]
    _checks.shape("dhs_top", d, top["x"].shape[:2] + (top["cores"][0][0].shape[1],))
    dstates0, grads = [None] * len(caches), [None] * len(caches)
    for i in range(len(caches) - 1, -1, -1):                 # top layer first
        d, dstates0[i], grads[i] = backward(d, caches[i])
    return d, dstates0, grads


# --------------------------------------------------------------------------
# Bidirectional RNNs: one cell reads left to right, another right to left
# --------------------------------------------------------------------------

def bidirectional_forward(kind, x, params_fwd, params_bwd, activation=None):
    """Concatenate a forward-in-time and a backward-in-time RNN: ``hs`` is (T, B, 2H).

    ``hs[t, :, :H]`` has read x_1..x_t, ``hs[t, :, H:]`` has read x_T..x_t: together
    they see the whole sequence around step t (001; 003). ``activation`` as in
    :func:`forward`, for both directions (each may carry its own instead).
    """
    x = _checks.array("x", x, ndim=3)
    check_params(kind, params_fwd, n_in=x.shape[2], name="params_fwd")
    check_params(kind, params_bwd, n_in=x.shape[2], name="params_bwd")
    _core_args(kind, params_fwd, activation, name="params_fwd")
    _core_args(kind, params_bwd, activation, name="params_bwd")
    hf, cf = forward(kind, x, params_fwd, activation=activation)
    hb, cb = forward(kind, np.ascontiguousarray(x[::-1]), params_bwd, activation=activation)
    return np.concatenate([hf, hb[::-1]], axis=2), (cf, cb, hf.shape[2])


def bidirectional_backward(dhs, cache):
    """Backward of :func:`bidirectional_forward`: ``(dx, (dstate0_fwd, dstate0_bwd), (grads_fwd, grads_bwd))``."""
    cf, cb, H = cache
    dhs = _checks.array("dhs", dhs, ndim=3)
    if dhs.shape[2] != 2 * H:
        raise ValueError(f"dhs: expected last dimension {2 * H} (forward and backward states), got {dhs.shape}")
    dxf, dsf, gf = backward(dhs[:, :, :H], cf)
    dxb, dsb, gb = backward(np.ascontiguousarray(dhs[::-1, :, H:]), cb)
    return dxf + dxb[::-1], (dsf, dsb), (gf, gb)
