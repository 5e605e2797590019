"""Recurrent cells: one time step forward, one time step backward.

Four kinds, each written as the equations of the lecture notes:

``rnn``    h_t = f(W_hx x_t + W_hh h_{t-1} + b_h)                       (001; 000 eq 5)
``gated``  g_t = sigmoid(W_gx x_t + W_gh h_{t-1} + b_g)                 (000 eq 23)
           h_t = (1 - g_t) * h_{t-1} + g_t * tanh(W_hx x_t + W_hh h_{t-1} + b_h)   (000 eq 24)
``lstm``   [i f g o] = W_x x_t + W_h h_{t-1} + b, blocks in PyTorch's order
           c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)             (001; 003; 004 eq 6a)
           h_t = sigmoid(o) * tanh(c_t)                                   (004 eq 6b)
``gru``    [r z n] blocks, PyTorch's order; z is the fraction of the old state kept:
           h_t = (1 - z_t) * n_t + z_t * h_{t-1}
           reset after the product (PyTorch, cuDNN):
               n_t = tanh(W_xn x_t + b_xn + r_t * (W_hn h_{t-1} + b_hn))
           reset before the product (Cho et al. 2014; 003; 004 eq 11c):
               n_t = tanh(W_xn x_t + W_hn (r_t * h_{t-1}) + b_n)
           The notes' update gate is u_t = 1 - z_t.

Each step is split into two parts, so that a sequence can do the input half
for all time steps in one matrix product (``sequence.forward``):

* ``project(x, p)``: the input's contribution ``ax = x W_x^T + b``, no recurrence;
* ``core(ax, state, p)``: everything that needs the previous state.

The textbook step functions ``rnn_step`` ... ``gru_step`` are exactly
``core(project(x, p), state, _prepared(p))``, where ``_prepared`` adds what the
time loop reuses at every step (contiguous ``W.T`` copies, the LSTM's gate
constants) so it is made once per sequence, not once per step; and ``*_step_backward`` returns
``(dx, dstate_prev, grads)`` with ``grads`` keyed like ``p``.

Shapes: ``x`` is ``(B, D)``, a state ``h`` is ``(B, H)`` (the LSTM's state is the
pair ``(h, c)``), weights are ``(rows, D)`` / ``(rows, H)`` as in the equations.

What the parameters carry besides weights. A GRU's convention is read off its
keys (``b_x``, ``b_h``: reset after; ``b``: Cho). An RNN's activation f is
carried the same way, by the parameters, when it is chosen at
``init("rnn", ..., activation="relu")``: the dict then holds the setting
``p["activation"] = "relu"`` (a string, the only entry that is not an array),
and every function that runs the cell (``step``, ``rnn_step``,
``sequence.forward`` and its stacked and bidirectional wrappers, the backward
passes through the cache, ``interop.to_torch``) runs that f; an explicit
``activation=`` argument that names another f is a ValueError. Parameters
without the entry (``init`` without ``activation``, or a dict written by hand)
leave the choice to the call: ``activation=`` there, tanh by default.
Gradients have no entry for the setting: ``grads`` has the keys of the arrays
(:func:`arrays`), and ``optim``, ``gradcheck`` and :func:`count_params` skip it.
Code that loops over a parameter dict and needs arrays loops over
``cells.arrays(p)``; a copy ``{**p}`` keeps the setting.
"""
from __future__ import annotations

import numpy as np

from . import _checks
from .activations import _derivative, _in_place
from .activations import _sigmoid as sigmoid

KINDS = ("rnn", "gated", "lstm", "gru")
ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")
#: The one setting a parameter dict may carry besides arrays (RNN only); see the module docstring.
SETTING = _checks.SETTING
SCHEMES = ("uniform", "orthogonal", "identity")
BLOCKS = {"rnn": 1, "gated": 2, "lstm": 4, "gru": 3}


def _prepared(p, cell):
    """``p`` plus what the time loop reuses at every step, made once per sequence.

    * ``"W.T"``: a C-contiguous copy of each recurrent weight's transpose. The
      loop computes ``h_prev @ W.T`` once per step, and BLAS runs that product
      markedly faster (about 1.7x at B = 32, H = 128) from a contiguous ``W.T``
      than through a transposed view.
    * for the LSTM, the per-column constants of :func:`lstm_core` and
      :func:`lstm_core_backward` (rows of length 4H, blocks i, f, g, o).

    The core functions read these keys; the gradients keep the keys of ``p``.
    """
    q = {**p, **{f"{k}.T": np.ascontiguousarray(p[k].T) for k in cell.recurrent}}
    if cell.kind == "lstm":
        H, dtype = p["W_h"].shape[1], p["W_h"].dtype
        sigmoid_block = np.ones(4 * H, dtype=bool)
        sigmoid_block[2 * H:3 * H] = False                      # g is the tanh block
        q["lstm.half"] = np.where(sigmoid_block, 0.5, 1.0).astype(dtype)
        q["lstm.shift"] = np.where(sigmoid_block, 0.5, 0.0).astype(dtype)
        q["lstm.v"] = sigmoid_block.astype(dtype)
        q["lstm.u"] = 1 - q["lstm.v"]
    return q


# --------------------------------------------------------------------------
# Vanilla RNN
# --------------------------------------------------------------------------

def rnn_project(x, p):
    """ax = x W_hx^T + b_h  (B, H)."""
    return x @ p["W_hx"].T + p["b_h"]


def rnn_core(ax, h_prev, p, activation="tanh", out=None):
    """h = f(ax + h_prev W_hh^T). ``out``: optional ``(h,)``, a (B, H) array to write h into (see lstm_core)."""
    a = np.matmul(h_prev, p["W_hh.T"], out=None if out is None else out[0])
    a += ax
    h = _in_place(activation, a)       # f over this step's own array a
    return h, (h_prev, h, p, activation)


def rnn_core_backward(dh, core):
    """Returns (dax, dah, dh_prev): da = dh * f'(a), dh_prev = da W_hh."""
    h_prev, h, p, activation = core
    da = dh * _derivative(activation, h)
    return da, da, da @ p["W_hh"]


def rnn_param_grads(x, dax, dah, rec):
    """dW_hx = sum da^T x, dW_hh = sum da^T h_prev, db_h = sum da (shared weights: sum over steps)."""
    return {"W_hx": dax.T @ x, "W_hh": dah.T @ rec, "b_h": dax.sum(axis=0)}


# --------------------------------------------------------------------------
# Gated RNN (000 eqs 21-25)
# --------------------------------------------------------------------------

def gated_project(x, p):
    """ax = [x W_gx^T + b_g, x W_hx^T + b_h]  (B, 2H)."""
    return np.concatenate([x @ p["W_gx"].T + p["b_g"], x @ p["W_hx"].T + p["b_h"]], axis=1)


def gated_core(ax, h_prev, p):
    """g = sigmoid(.), c = tanh(.), h = (1 - g) * h_prev + g * c."""
    H = h_prev.shape[1]
    g = sigmoid(ax[:, :H] + h_prev @ p["W_gh.T"])
    c = np.tanh(ax[:, H:] + h_prev @ p["W_hh.T"])
    h = (1 - g) * h_prev + g * c
    return h, (h_prev, g, c, p)


def gated_core_backward(dh, core):
    h_prev, g, c, p = core
    dg = dh * (c - h_prev)
    dc = dh * g
    dag = dg * g * (1 - g)
    dac = dc * (1 - c * c)
    dh_prev = dh * (1 - g) + dag @ p["W_gh"] + dac @ p["W_hh"]
    da = np.concatenate([dag, dac], axis=1)
    return da, da, dh_prev


def gated_param_grads(x, dax, dah, rec):
    H = dax.shape[1] // 2
    dag, dac = dax[:, :H], dax[:, H:]
    return {"W_gx": dag.T @ x, "W_gh": dag.T @ rec, "b_g": dag.sum(axis=0),
            "W_hx": dac.T @ x, "W_hh": dac.T @ rec, "b_h": dac.sum(axis=0)}


# --------------------------------------------------------------------------
# LSTM (blocks i, f, g, o)
# --------------------------------------------------------------------------

def lstm_project(x, p):
    """ax = x W_x^T + b  (B, 4H)."""
    ax = x @ p["W_x"].T
    ax += p["b"]
    return ax


def lstm_core(ax, state, p, out=None):
    """The LSTM equations, given the input's contribution ``ax`` (B, 4H).

    sigmoid(a) = (1 + tanh(a/2)) / 2, so one tanh over the whole (B, 4H) array
    serves all four blocks: the sigmoid blocks i, f, o are halved before it and
    mapped t -> (1 + t)/2 after it, the tanh block g is left alone
    (``p["lstm.half"]`` is 1/2 on i, f, o and 1 on g; ``p["lstm.shift"]`` is
    1/2 on i, f, o and 0 on g). Whole-array passes are much cheaper than passes
    over strided blocks, and the gates end up in one array that the cache keeps.

    ``out``: optional arrays ``(gates, c, tanh_c, h)`` of shapes (B, 4H), (B, H),
    (B, H), (B, H) to write the results into. ``sequence.forward`` passes step t's
    slices of four arrays it allocates once per sequence: allocating the cache as
    hundreds of small arrays made the memory allocator return it to the system
    and take it back on every call, which cost more than the arithmetic.
    """
    h_prev, c_prev = state
    H = h_prev.shape[1]
    a, c, tc, h = (None, None, None, None) if out is None else out
    a = np.matmul(h_prev, p["W_h.T"], out=a)  # W_h h_{t-1}, (B, 4H)
    a += ax                            # a = W_x x_t + b + W_h h_{t-1}; blocks i, f, g, o
    a *= p["lstm.half"]
    np.tanh(a, out=a)
    a *= p["lstm.half"]
    a += p["lstm.shift"]               # gates: i, f, o = sigmoid(a_.), g = tanh(a_g)
    i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    c = np.multiply(f, c_prev, out=c)  # memory cell: additive update
    c += i * g                         # c = f * c_prev + i * g
    tc = np.tanh(c, out=tc)
    h = np.multiply(o, tc, out=h)      # h = o * tanh(c)
    return (h, c), (h_prev, c_prev, a, tc, p)


def lstm_core_backward(dstate, core):
    """004 eqs 10a-10f: from (dL/dh_t, dL/dc_t) to the gate pre-activations and the previous state.

    Returns ``(da, da, (dh_prev, dc_prev))``, ``da`` = dL/da (B, 4H) in blocks i, f, g, o.
    """
    dh, dc_next = dstate
    h_prev, c_prev, gates, tc, p = core
    H = h_prev.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    da = np.empty_like(gates)
    di, df, dg, do = da[:, :H], da[:, H:2 * H], da[:, 2 * H:3 * H], da[:, 3 * H:]
    dc = 1 - tc * tc
    dc *= dh * o
    dc += dc_next                               # 10a: dc = dc_next + dh * o * (1 - tanh(c)^2)
    np.multiply(dc, g, out=di)                  # 10d: dL/di
    np.multiply(dc, c_prev, out=df)             # 10c: dL/df
    np.multiply(dc, i, out=dg)                  # 10e: dL/dg
    np.multiply(dh, tc, out=do)                 # dL/do
    dc *= f                                     # dc_prev = dc * f: the constant error carousel
    # Back through the nonlinearities, all blocks at once: s (1 - s) for the sigmoids
    # i, f, o and 1 - g^2 for the tanh g, i.e. gates * (v - gates) + u with
    # v = 1 on i, f, o and 0 on g, u = 0 on i, f, o and 1 on g.
    slope = p["lstm.v"] - gates
    slope *= gates
    slope += p["lstm.u"]
    da *= slope
    return da, da, (da @ p["W_h"], dc)          # 10b: dh_prev = da W_h


def lstm_param_grads(x, dax, dah, rec):
    """004 eqs 10h-10i: sum over time of delta times the inputs."""
    return {"W_x": dax.T @ x, "W_h": dah.T @ rec, "b": dax.sum(axis=0)}


# --------------------------------------------------------------------------
# GRU, reset after the product (PyTorch): parameters W_x, W_h, b_x, b_h
# --------------------------------------------------------------------------

def gru_project(x, p):
    """ax = x W_x^T + b_x (reset after) or + b (Cho)  (B, 3H)."""
    return x @ p["W_x"].T + (p["b_x"] if "b_x" in p else p["b"])


def gru_after_core(ax, h_prev, p):
    """The GRU step with the reset after the recurrent product (cuDNN, PyTorch), given ``ax`` (B, 3H).

    ``ah = W_h h_{t-1} + b_h`` (one product for all three blocks); ``r, z = sigmoid(ax_. + ah_.)``;
    ``n = tanh(ax_n + r * ah_n)``; ``h = (1 - z) n + z h_{t-1}``. ``h_prev`` (B, H).
    Returns ``(h, core)``.
    """
    H = h_prev.shape[1]
    ah = h_prev @ p["W_h.T"]
    ah += p["b_h"]
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    h = (1 - z) * n + z * h_prev
    return h, (h_prev, r, z, n, ah[:, 2 * H:], p)


def gru_after_core_backward(dh, core):
    """Backward of :func:`gru_after_core`: ``dh`` (B, H) -> ``(dax, dah, dh_prev)``.

    ``dax`` (B, 3H) is dL/d(input pre-activations) in blocks r, z, n; ``dah`` (B, 3H)
    is dL/d(W_h h_{t-1} + b_h), which differs from it in block n by the factor r.
    """
    h_prev, r, z, n, ahn, p = core
    dn = dh * (1 - z)
    dz = dh * (h_prev - n)
    dan = dn * (1 - n * n)
    dar = dan * ahn * r * (1 - r)
    daz = dz * z * (1 - z)
    dax = np.concatenate([dar, daz, dan], axis=1)
    dah = np.concatenate([dar, daz, dan * r], axis=1)
    dh_prev = dh * z + dah @ p["W_h"]
    return dax, dah, dh_prev


def gru_after_param_grads(x, dax, dah, rec):
    """One step's parameter gradients: dW_x = dax^T x, dW_h = dah^T h_{t-1}, db_x, db_h summed over the batch."""
    return {"W_x": dax.T @ x, "W_h": dah.T @ rec, "b_x": dax.sum(axis=0), "b_h": dah.sum(axis=0)}


# --------------------------------------------------------------------------
# GRU, reset before the product (Cho et al. 2014, the notes): W_x, W_h, b
# --------------------------------------------------------------------------

def gru_cho_core(ax, h_prev, p):
    """The GRU step with the reset before the recurrent product (Cho et al. 2014; 004 eqs 11a-11d with u = 1 - z).

    Given ``ax = W_x x_t + b`` (B, 3H) and ``h_prev`` (B, H): ``r, z`` from the first two
    blocks with ``W_h`` acting on ``h_{t-1}``; the candidate's block acts on ``r * h_{t-1}``,
    so a second product follows the first. Returns ``(h, core)``.
    """
    H = h_prev.shape[1]
    W_hT = p["W_h.T"]
    a_rz = ax[:, :2 * H] + h_prev @ W_hT[:, :2 * H]
    r = sigmoid(a_rz[:, :H])
    z = sigmoid(a_rz[:, H:])
    rh = r * h_prev
    n = np.tanh(ax[:, 2 * H:] + rh @ W_hT[:, 2 * H:])
    h = (1 - z) * n + z * h_prev
    return h, (h_prev, r, z, n, rh, p)


def gru_cho_core_backward(dh, core):
    """Backward of :func:`gru_cho_core` (notebook 06, section 2): ``dh`` (B, H) -> ``(da, da, dh_prev)``.

    ``da`` (B, 3H) is dL/d(pre-activations) in blocks r, z, n; ``dh_prev`` has four parts:
    the interpolation, the reset path and the two gates' recurrent weights.
    """
    h_prev, r, z, n, rh, p = core
    H = h_prev.shape[1]
    W_h = p["W_h"]
    dn = dh * (1 - z)
    dz = dh * (h_prev - n)
    dan = dn * (1 - n * n)
    drh = dan @ W_h[2 * H:]
    dar = drh * h_prev * r * (1 - r)
    daz = dz * z * (1 - z)
    da = np.concatenate([dar, daz, dan], axis=1)
    dh_prev = dh * z + drh * r + da[:, :2 * H] @ W_h[:2 * H]
    return da, da, dh_prev


def gru_cho_param_grads(x, dax, dah, rec):
    """One step's parameter gradients; the candidate's recurrent block pairs with r * h_{t-1}, not h_{t-1}."""
    h_prev, rh = rec
    H = h_prev.shape[1]
    W_h = np.concatenate([dah[:, :2 * H].T @ h_prev, dah[:, 2 * H:].T @ rh], axis=0)
    return {"W_x": dax.T @ x, "W_h": W_h, "b": dax.sum(axis=0)}


# --------------------------------------------------------------------------
# One table for the sequence code: kind -> its parts
# --------------------------------------------------------------------------

class Cell:
    """The parts of one kind of cell, as used by :mod:`unrolled.sequence`."""

    def __init__(self, kind, keys, project, core, core_backward, param_grads, input_grad, rec_input,
                 out_widths=None):
        self.kind, self.keys = kind, keys
        # widths (in units of H) of the arrays ``core(..., out=...)`` writes into, h last;
        # None for a core that allocates its own results
        self.out_widths = out_widths
        self.recurrent = tuple(k for k in keys if k in ("W_hh", "W_gh", "W_h"))
        self.project, self.core, self.core_backward = project, core, core_backward
        self.param_grads, self.input_grad, self.rec_input = param_grads, input_grad, rec_input


def _dx_single(W):
    return lambda dax, p: dax @ p[W]


def _dx_gated(dax, p):
    H = p["W_gh"].shape[0]
    return dax[:, :H] @ p["W_gx"] + dax[:, H:] @ p["W_hx"]


CELLS = {
    "rnn": Cell("rnn", ("W_hx", "W_hh", "b_h"), rnn_project, rnn_core, rnn_core_backward,
                rnn_param_grads, _dx_single("W_hx"), lambda core: core[0], out_widths=(1,)),
    "gated": Cell("gated", ("W_gx", "W_gh", "b_g", "W_hx", "W_hh", "b_h"), gated_project, gated_core,
                  gated_core_backward, gated_param_grads, _dx_gated, lambda core: core[0]),
    "lstm": Cell("lstm", ("W_x", "W_h", "b"), lstm_project, lstm_core, lstm_core_backward,
                 lstm_param_grads, _dx_single("W_x"), lambda core: core[0], out_widths=(4, 1, 1, 1)),
    "gru_after": Cell("gru", ("W_x", "W_h", "b_x", "b_h"), gru_project, gru_after_core,
                      gru_after_core_backward, gru_after_param_grads, _dx_single("W_x"),
                      lambda core: core[0]),
    "gru_cho": Cell("gru", ("W_x", "W_h", "b"), gru_project, gru_cho_core, gru_cho_core_backward,
                    gru_cho_param_grads, _dx_single("W_x"), lambda core: (core[0], core[4])),
}


def _cell(kind, p) -> Cell:
    # The building blocks for a valid ``kind``; a GRU's convention is read off its parameters.
    if kind == "gru":
        return CELLS["gru_after" if "b_x" in p else "gru_cho"]
    return CELLS[kind]


def cell_for(kind: str, p, name: str = "p") -> Cell:
    """The :class:`Cell` for ``kind`` and the parameters ``p`` (checked first)."""
    check_params(kind, p, name=name)
    return _cell(kind, p)


def reset_after(p) -> bool:
    """True for a GRU whose reset gate acts after the recurrent product (PyTorch's convention)."""
    check_params("gru", p, name="p")
    return "b_x" in p


def hidden_size(kind: str, p) -> int:
    """H, the number of hidden units of a cell of ``kind`` with parameters ``p``."""
    return check_params(kind, p, name="p")[1]


def check_params(kind: str, p, n_in: int | None = None, name: str = "p") -> tuple[int, int]:
    """Validate a parameter dict for ``kind``; return (D, H). ``name``: the argument, for messages."""
    _checks.choice("kind", kind, KINDS)
    if not isinstance(p, dict):
        raise TypeError(f"{name}: expected a dict of arrays, got {type(p).__name__}")
    cell = _cell(kind, p)
    _checks.params(name, p, cell.keys + ((SETTING,) if SETTING in p else ()))
    if SETTING in p:
        if kind != "rnn":
            raise ValueError(f"{name}[{SETTING!r}]: expected no activation entry for kind {kind!r} "
                             f"(its gates fix its nonlinearities), got {p[SETTING]!r}")
        if not isinstance(p[SETTING], str) or p[SETTING] not in ACTIVATIONS:
            raise ValueError(f"{name}[{SETTING!r}]: expected one of {list(ACTIVATIONS)}, "
                             f"got {p[SETTING]!r}")
    for k in cell.keys:
        p_k = p[k]
        if not isinstance(p_k, np.ndarray) or p_k.dtype not in _checks.FLOATS:
            raise TypeError(f"{name}[{k!r}]: expected a float32 or float64 numpy array, got "
                            f"{type(p_k).__name__}{'' if not isinstance(p_k, np.ndarray) else ' of ' + str(p_k.dtype)}")
    dtype = p[cell.keys[0]].dtype
    for k in cell.keys:
        if p[k].dtype != dtype:
            raise TypeError(f"{name}[{k!r}]: expected dtype {dtype} like {name}[{cell.keys[0]!r}], "
                            f"got {p[k].dtype}")
    W_rec = "W_hh" if kind in ("rnn", "gated") else "W_h"
    if p[W_rec].ndim != 2:
        raise ValueError(f"{name}[{W_rec!r}]: expected a 2-d array (rows, H), got shape {p[W_rec].shape}")
    H = p[W_rec].shape[1]
    rows = BLOCKS[kind] * H if kind in ("lstm", "gru") else H
    W_in = "W_x" if kind in ("lstm", "gru") else "W_hx"
    if p[W_in].ndim != 2:
        raise ValueError(f"{name}[{W_in!r}]: expected a 2-d array (rows, D), got shape {p[W_in].shape}")
    D = p[W_in].shape[1]
    for k in cell.keys:
        if k.startswith("b"):
            _checks.shape(f"{name}[{k!r}]", p[k], (rows,))
        elif k in ("W_x", "W_hx", "W_gx"):
            _checks.shape(f"{name}[{k!r}]", p[k], (rows, D))
        else:
            _checks.shape(f"{name}[{k!r}]", p[k], (rows, H))
        if not np.all(np.isfinite(p[k])):
            raise ValueError(f"{name}[{k!r}]: expected finite values, got NaN or inf")
    if n_in is not None and D != n_in:
        raise ValueError(f"x: expected {D} input features to match {name}[{W_in!r}] of shape "
                         f"{p[W_in].shape}, got {n_in}")
    return D, H


# --------------------------------------------------------------------------
# Textbook step functions: step and step_backward for every kind
# --------------------------------------------------------------------------

def _core_args(kind, p, activation=None, name="p") -> dict:
    """The keyword arguments of ``kind``'s core: ``{"activation": f}`` for the RNN, ``{}`` otherwise.

    f is the activation the parameters carry (``p["activation"]``), else the
    ``activation`` argument, else tanh. An argument that contradicts the
    parameters, or any activation for a gated kind, is a ValueError.
    """
    if activation is not None:
        _checks.choice("activation", activation, ACTIVATIONS)
        if kind != "rnn":
            raise ValueError(f"activation: expected None for kind {kind!r} (only the 'rnn' cell has "
                             f"a choice of activation; the gates fix the others'), got {activation!r}")
    if kind != "rnn":
        return {}
    carried = p.get(SETTING)
    if carried is not None and activation is not None and activation != carried:
        raise ValueError(f"activation: expected {carried!r}, the activation {name} was made with "
                         f"({name}[{SETTING!r}]), or no activation argument; got {activation!r}")
    return {"activation": carried or activation or "tanh"}


def arrays(p) -> dict:
    """The arrays of a parameter dict: ``p`` without an RNN's ``"activation"`` setting.

    Loop over these, not over ``p``, where every entry must be an array:
    ``for k, W in cells.arrays(p).items(): W -= lr * grads[k]``.
    """
    if not isinstance(p, dict):
        raise TypeError(f"p: expected a dict of arrays, got {type(p).__name__}")
    if SETTING in p and not (isinstance(p[SETTING], str) and p[SETTING] in ACTIVATIONS):
        raise ValueError(f"p[{SETTING!r}]: expected one of {list(ACTIVATIONS)}, got {p[SETTING]!r}")
    return _checks.arrays(p)


def step(kind, x, state, p, activation=None):
    """One time step: ``(state, cache)``. ``state`` is ``h`` (B, H), or ``(h, c)`` for the LSTM.

    ``activation``: the RNN's f when ``p`` does not carry one (tanh if None);
    it must agree with ``p["activation"]`` when ``p`` does.
    """
    return _step(kind, x, state, p, activation, "state")


def _step(kind, x, state, p, activation, state_name):
    D, H = check_params(kind, p, name="p")
    x = _checks.array("x", x, ndim=2)
    if x.shape[1] != D:
        raise ValueError(f"x: expected {D} input features to match p's input weight, got shape {x.shape}")
    _check_state(kind, state, x.shape[0], H, name=state_name)
    core_args = _core_args(kind, p, activation)
    cell = _cell(kind, p)
    state, core = cell.core(cell.project(x, p), state, _prepared(p, cell), **core_args)
    return state, (cell, x, p, core)


def step_backward(dstate, cache):
    """Backward of :func:`step`: ``(dx, dstate_prev, grads)``, grads keyed like the parameters."""
    cell, x, p, core = cache
    _check_state(cell.kind, dstate, x.shape[0], _hidden(cell, p), name="dstate")
    dax, dah, dstate_prev = cell.core_backward(dstate, core)
    grads = cell.param_grads(x, dax, dah, cell.rec_input(core))
    return cell.input_grad(dax, p), dstate_prev, grads


def _hidden(cell, p):
    return p["W_hh"].shape[1] if cell.kind in ("rnn", "gated") else p["W_h"].shape[1]


def rnn_step(x, h_prev, p, activation=None):
    """h_t = f(W_hx x_t + W_hh h_{t-1} + b_h); returns (h, cache). f: ``p["activation"]``, else
    ``activation``, else tanh."""
    return _step("rnn", x, h_prev, p, activation, "h_prev")


def gated_step(x, h_prev, p):
    """000 eqs 23-24; returns (h, cache)."""
    return _step("gated", x, h_prev, p, None, "h_prev")


def lstm_step(x, state, p):
    """``state = (h_prev, c_prev)``; returns ((h, c), cache)."""
    return _step("lstm", x, state, p, None, "state")


def gru_step(x, h_prev, p):
    """Either GRU convention, read off ``p``; returns (h, cache)."""
    return _step("gru", x, h_prev, p, None, "h_prev")


rnn_step_backward = gated_step_backward = lstm_step_backward = gru_step_backward = step_backward


def _check_state(kind, state, B, H, name="state"):
    if kind == "lstm":
        if not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError(f"{name}: expected the pair (h, c) for an LSTM, got {type(state).__name__}")
        for part, a in zip("hc", state):
            a = _checks.array(f"{name}[{'hc'.index(part)}] ({part})", a, ndim=2)
            _checks.shape(f"{name}[{'hc'.index(part)}] ({part})", a, (B, H))
    else:
        a = _checks.array(name, state, ndim=2)
        _checks.shape(name, a, (B, H))


def zero_state(kind, B, H, dtype=np.float64):
    """The all-zero initial state: ``h`` (B, H), or the pair ``(h, c)`` for the LSTM."""
    _checks.choice("kind", kind, KINDS)
    B, H = _checks.positive_int("B", B), _checks.positive_int("H", H)
    if np.dtype(dtype) not in _checks.FLOATS:
        raise TypeError(f"dtype: expected float32 or float64, got {np.dtype(dtype)}")
    h = np.zeros((B, H), dtype=dtype)
    return (h, h.copy()) if kind == "lstm" else h


# --------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------

def orthogonal(n, rng, dtype=np.float64):
    """A random n x n orthogonal matrix (QR of a Gaussian matrix, signs fixed so it is uniform)."""
    n = _checks.positive_int("n", n)
    _check_rng(rng)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.sign(np.diag(r))).astype(dtype)


def scale_to_radius(W, radius):
    """W rescaled so that its spectral radius max |eig(W)| equals ``radius``."""
    W = _checks.array("W", W, ndim=2)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W: expected a square matrix, got shape {W.shape}")
    if isinstance(radius, bool) or not isinstance(radius, (int, float, np.integer, np.floating)) \
            or not (np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius: expected a positive finite number, got {radius!r}")
    rho = np.max(np.abs(np.linalg.eigvals(W)))
    if rho == 0:
        raise ValueError("radius: cannot rescale a matrix whose eigenvalues are all zero")
    return (W * (radius / rho)).astype(W.dtype)


def init(kind, n_in, n_hidden, rng, *, scheme="uniform", radius=None, forget_bias=0.0,
         reset_after=None, activation=None, dtype=np.float64):
    """Parameters for a cell of ``kind`` with ``n_in`` inputs and ``n_hidden`` units.

    scheme
        ``"uniform"``: every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default.
        ``"orthogonal"``: each recurrent H x H block a random orthogonal matrix, biases zero.
        ``"identity"``: each recurrent block the identity (Le et al. 2015, for ReLU RNNs), biases zero.
        Input weights are uniform in every scheme.
    radius
        If given, each recurrent H x H block is rescaled to this spectral radius.
    forget_bias
        Added to the LSTM's forget-gate bias (1.0 is a common choice: remember by default).
    reset_after
        GRU only: True (the default) for PyTorch's convention (two bias vectors),
        False for Cho et al. 2014 (one).
    activation
        RNN only: ``"tanh"``, ``"sigmoid"``, ``"relu"`` or ``"linear"``, stored as
        ``p["activation"]`` and run by every function that runs the cell (see the
        module docstring). None (the default) stores nothing: the call that runs
        the cell chooses (tanh unless it says otherwise).

    Options that mean nothing for ``kind`` (``forget_bias`` without an LSTM,
    ``reset_after`` without a GRU, ``activation`` without an RNN) are refused.
    """
    _checks.choice("kind", kind, KINDS)
    D = _checks.positive_int("n_in", n_in)
    H = _checks.positive_int("n_hidden", n_hidden)
    _check_rng(rng)
    _checks.choice("scheme", scheme, SCHEMES)
    if activation is not None:
        _checks.choice("activation", activation, ACTIVATIONS)
        if kind != "rnn":
            raise ValueError(f"activation: expected None for kind {kind!r} (only the 'rnn' cell has "
                             f"a choice of activation), got {activation!r}")
    if reset_after is not None:
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after: expected True or False, got {reset_after!r}")
        if kind != "gru":
            raise ValueError(f"reset_after: expected None for kind {kind!r} (a GRU convention), "
                             f"got {reset_after!r}")
    if np.dtype(dtype) not in _checks.FLOATS:
        raise TypeError(f"dtype: expected float32 or float64, got {np.dtype(dtype)}")
    if radius is not None:
        _checks.positive_number("radius", radius)
    if isinstance(forget_bias, bool) or not isinstance(forget_bias, (int, float, np.integer, np.floating)) \
            or not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias: expected a finite number, got {forget_bias!r}")
    if kind != "lstm" and forget_bias != 0.0:
        raise ValueError(f"forget_bias: expected 0 for kind {kind!r} (only an LSTM has a forget gate), "
                         f"got {forget_bias}")
    k = 1.0 / np.sqrt(H)

    def uniform(*shape):
        return rng.uniform(-k, k, size=shape)

    def recurrent():
        if scheme == "orthogonal":
            W = orthogonal(H, rng)
        elif scheme == "identity":
            W = np.eye(H)
        else:
            W = uniform(H, H)
        return W if radius is None else scale_to_radius(W, radius)

    def bias(n):
        return uniform(n) if scheme == "uniform" else np.zeros(n)

    n_blocks = BLOCKS[kind]
    if kind == "rnn":
        p = {"W_hx": uniform(H, D), "W_hh": recurrent(), "b_h": bias(H)}
    elif kind == "gated":
        p = {"W_gx": uniform(H, D), "W_gh": recurrent(), "b_g": bias(H),
             "W_hx": uniform(H, D), "W_hh": recurrent(), "b_h": bias(H)}
    else:
        p = {"W_x": uniform(n_blocks * H, D),
             "W_h": np.concatenate([recurrent() for _ in range(n_blocks)], axis=0)}
        if kind == "gru" and reset_after is not False:
            p["b_x"], p["b_h"] = bias(n_blocks * H), bias(n_blocks * H)
        else:
            p["b"] = bias(n_blocks * H)
        if kind == "lstm":
            p["b"][H:2 * H] += forget_bias
    p = {name: np.ascontiguousarray(a, dtype=dtype) for name, a in p.items()}
    if activation is not None:
        p[SETTING] = activation
    return p


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")


def count_params(p) -> int:
    """Number of scalar parameters in a parameter dict (the ``"activation"`` setting is not one)."""
    if not isinstance(p, dict) or not all(isinstance(a, np.ndarray) for a in _checks.arrays(p).values()):
        raise TypeError(f"p: expected a dict of numpy arrays, got {type(p).__name__}"
                        + (f" holding {sorted({type(a).__name__ for a in p.values()})}" if isinstance(p, dict) else ""))
    return int(sum(a.size for a in _checks.arrays(p).values()))


# --------------------------------------------------------------------------
# The LSTM step as the notes write it: one line per gate, the cell, the state
# --------------------------------------------------------------------------

def lstm_blocks(p):
    """The stacked LSTM parameters split into their four blocks, in the library's order i, f, g, o.

    Returns ``{"i": (W_xi, W_hi, b_i), "f": ..., "g": ..., "o": ...}`` with ``W_x*`` (H, D),
    ``W_h*`` (H, H) and ``b_*`` (H,): views, not copies.
    """
    check_params("lstm", p, name="p")
    H = p["W_h"].shape[1]
    return {name: (p["W_x"][k * H:(k + 1) * H], p["W_h"][k * H:(k + 1) * H], p["b"][k * H:(k + 1) * H])
            for k, name in enumerate("ifgo")}


def lstm_step_textbook(x, state, p):
    """One LSTM step written line by line as 001 and 004 eqs 5-6 write it; returns ((h, c), cache).

    ``x`` (B, D), ``state = (h_prev, c_prev)`` each (B, H). Rows are examples, so
    ``W x_t`` is ``x @ W.T``. Equal (to rounding) to :func:`lstm_step` and to the fast
    :func:`lstm_core` that :func:`unrolled.sequence.forward` runs.
    """
    _step("lstm", x, state, p, None, "state")                 # validates every argument
    h_prev, c_prev = state
    (W_xi, W_hi, b_i), (W_xf, W_hf, b_f), (W_xg, W_hg, b_g), (W_xo, W_ho, b_o) = lstm_blocks(p).values()
    i = sigmoid(x @ W_xi.T + h_prev @ W_hi.T + b_i)           # input gate        (004 eq 6d)
    f = sigmoid(x @ W_xf.T + h_prev @ W_hf.T + b_f)           # forget gate       (004 eq 6c)
    g = np.tanh(x @ W_xg.T + h_prev @ W_hg.T + b_g)           # candidate (004's z_t, eq 5)
    o = sigmoid(x @ W_xo.T + h_prev @ W_ho.T + b_o)           # output gate       (004 eq 6e)
    c = f * c_prev + i * g                                    # memory cell       (004 eq 6a)
    h = o * np.tanh(c)                                        # hidden state      (004 eq 6b)
    return (h, c), (x, h_prev, c_prev, i, f, g, o, c, p)


def lstm_step_textbook_backward(dstate, cache):
    """Backward of :func:`lstm_step_textbook`, line by line as 004 eqs 10a-10i.

    ``dstate = (dh, dc)``: dL/dh_t (everything that reaches h_t) and the part of dL/dc_t
    that comes from step t+1 (``f_{t+1} * delta c_{t+1}``). Returns
    ``(dx, (dh_prev, dc_prev), grads)`` with ``grads`` keyed like ``p`` (this step's share).
    """
    x, h_prev, c_prev, i, f, g, o, c, p = cache
    _check_state("lstm", dstate, *h_prev.shape, name="dstate")
    dh, dc_next = dstate
    (W_xi, W_hi, _), (W_xf, W_hf, _), (W_xg, W_hg, _), (W_xo, W_ho, _) = lstm_blocks(p).values()
    tanh_c = np.tanh(c)
    dc = dc_next + dh * o * (1 - tanh_c ** 2)                 # 10a: delta c_t
    da_f = dc * c_prev * f * (1 - f)                          # 10c: delta f_t (at the pre-activation)
    da_i = dc * g * i * (1 - i)                               # 10d: delta i_t
    da_g = dc * i * (1 - g ** 2)                              # 10e: delta z_t (our g)
    da_o = dh * tanh_c * o * (1 - o)                          # 10f: delta o_t
    dc_prev = dc * f                                          # the f_{t+1} * delta c_{t+1} of 10a, one step down
    dh_prev = da_i @ W_hi + da_f @ W_hf + da_g @ W_hg + da_o @ W_ho   # 10b: M_h [sum_k w_k^T delta k]
    dx = da_i @ W_xi + da_f @ W_xf + da_g @ W_xg + da_o @ W_xo        # 10g: M_x [sum_k w_k^T delta k]
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)     # blocks i, f, g, o
    grads = {"W_x": da.T @ x,                                 # 10h, the x part: sum over examples
             "W_h": da.T @ h_prev,                            # 10h, the h part
             "b": da.sum(axis=0)}                             # 10i
    return dx, (dh_prev, dc_prev), grads
