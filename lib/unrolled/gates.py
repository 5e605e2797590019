"""Gates: from the leaky unit to the LSTM, and the LSTM as each lecture note writes it.

* The **leaky unit** (003) keeps a fixed fraction of its state: with a fixed
  ``a`` in (0, 1), ``h_t = (1 - a) h_{t-1} + a tanh(W_hx x_t + W_hh h_{t-1} + b_h)``
  (003's self-loop weight is ``alpha = 1 - a``). It is 000's gated RNN (eqs 21-25)
  with the gate pinned to ``a``: :func:`leaky_params` builds exactly that.
* :func:`state_gradients`: ``dL/dh_t`` (and for the LSTM ``dL/dc_t``) at every step
  for a loss at the last step, the curves of "gradient norm against lag".
* The LSTM four ways, one model: :func:`to_note` maps the library's stacked
  parameters (blocks i, f, g, o) onto the names each note uses, and
  :func:`note_forward` runs that note's equations literally, one example at a
  time with column vectors (000 without offsets; 001 with biases; 003's stacked
  affine ``[i; f; o; g] = W [h; x] + b``; 004 eqs 5-6 with ``w_k`` on ``[h; x]``).
* :func:`slide_001_forward`: the cell update as printed on 001's "Training LSTMs"
  slide, ``c = f c_prev + i c_prev tanh(...)``, a different model.
* :func:`simplified_forward`: 002's simplified LSTM, ``c_t = f_t c_{t-1} + i_t x_t``,
  ``h_t = o_t c_t`` (no candidate, no tanh; needs D = H).
* :func:`no_forget_forward`: the LSTM of 1997, before the forget gate (f = 1).
* :func:`cell_map` and :func:`cell_jacobian`: ``c_t`` as a function of ``c_{t-1}``
  (through ``h_{t-1} = o_{t-1} tanh(c_{t-1})`` too) and its full Jacobian, to set
  next to the carousel's ``diag(f_t)``.
* :func:`hand_set_lstm` and :func:`gate_trace`: a three-unit LSTM with weights set
  by hand (a latch, a counter, a latch read on demand) and its gates over time.
"""
from __future__ import annotations

import numpy as np

from . import _checks, cells, sequence
from .activations import _sigmoid as sigmoid

NOTES = ("000", "001", "003", "004")
#: 003 stacks the blocks as [i; f; o; g]; the library (and PyTorch) as [i, f, g, o].
#: ``ORDER_003[k]`` is the library block that 003's block k holds.
ORDER_003 = (0, 1, 3, 2)


def logit(a: float) -> float:
    """The pre-activation whose sigmoid is ``a``: ``log(a / (1 - a))``, for 0 < a < 1."""
    if isinstance(a, bool) or not isinstance(a, (int, float, np.floating)) or not 0 < a < 1:
        raise ValueError(f"a: expected a number strictly between 0 and 1, got {a!r}")
    return float(np.log(a / (1 - a)))


def leaky_params(a: float, p_rnn: dict) -> dict:
    """A leaky unit as parameters of the ``gated`` cell: the gate pinned to ``a``.

    ``h_t = (1 - a) h_{t-1} + a tanh(W_hx x_t + W_hh h_{t-1} + b_h)``: the gate's
    weights are zero and its bias is ``logit(a)``, so ``g_t = a`` at every step and
    unit. ``p_rnn`` holds ``W_hx``, ``W_hh``, ``b_h`` (from ``cells.init("rnn", ...)``);
    the gated cell's candidate is a tanh, so an RNN that chose another activation
    at ``init`` is refused rather than silently turned into a tanh unit.
    """
    D, H = cells.check_params("rnn", p_rnn, name="p_rnn")
    if p_rnn.get("activation", "tanh") != "tanh":
        raise ValueError(f"p_rnn: the leaky unit's candidate is a tanh; these parameters chose "
                         f"activation={p_rnn['activation']!r} at init")
    dtype = p_rnn["W_hh"].dtype
    return {"W_gx": np.zeros((H, D), dtype), "W_gh": np.zeros((H, H), dtype),
            "b_g": np.full(H, logit(a), dtype), "W_hx": p_rnn["W_hx"].copy(),
            "W_hh": p_rnn["W_hh"].copy(), "b_h": p_rnn["b_h"].copy()}


def state_gradients(kind: str, x, params: dict, dh_last, state0=None, activation: str | None = None) -> dict:
    """Gradients of ``L = sum(dh_last * h_T)`` with respect to every state.

    Returns ``{"dh": (T, B, H), "dc": (T, B, H) or None}``, row ``t - 1`` holding
    ``dL/dh_t`` and, for the LSTM, the total ``dL/dc_t`` (004 eq 10a: through
    ``h_t`` and through ``c_{t+1}``), for t = 1..T. The lag of row ``t - 1`` is ``T - t``.
    """
    hs, cache = sequence.forward(kind, x, params, state0, activation)
    dh_last = _checks.array("dh_last", dh_last, ndim=2)
    _checks.shape("dh_last", dh_last, hs.shape[1:])
    T = hs.shape[0]
    cell, cores = cache["cell"], cache["cores"]
    dh_all, dc_all = np.zeros_like(hs), (np.zeros_like(hs) if kind == "lstm" else None)
    dstate = cells.zero_state(kind, hs.shape[1], hs.shape[2], hs.dtype)
    for t in range(T - 1, -1, -1):
        if t == T - 1:
            dstate = (dstate[0] + dh_last, dstate[1]) if kind == "lstm" else dstate + dh_last
        if kind == "lstm":
            dh, dc_future = dstate
            _, _, gates, tanh_c, _ = cores[t]
            o = gates[:, 3 * hs.shape[2]:]
            dh_all[t] = dh
            dc_all[t] = dc_future + dh * o * (1 - tanh_c ** 2)           # 004 eq 10a
        else:
            dh_all[t] = dstate
        _, _, dstate = cell.core_backward(dstate, cores[t])
    return {"dh": dh_all, "dc": dc_all}


# --------------------------------------------------------------------------
# The LSTM as each note writes it
# --------------------------------------------------------------------------

def to_note(note: str, p: dict) -> dict:
    """The library's LSTM parameters (blocks i, f, g, o) under the names of ``note``.

    * ``"000"``: ``W^{k,h}``, ``W^{k,x}`` for k = f, i, o, c, no offsets. The note
      omits them; a constant input 1 appended to ``x_t`` carries them, so
      ``W^{k,x}`` has ``D + 1`` columns, the last one the bias.
    * ``"001"``: ``W_kx``, ``W_kh``, ``b_k`` for k = f, i, o, c.
    * ``"003"``: one ``W`` (4H, H + D) acting on ``[h_{t-1}; x_t]`` and ``b`` (4H),
      blocks stacked [i; f; o; g] (:data:`ORDER_003`).
    * ``"004"``: ``w_k`` (H, H + D) on ``[h_{t-1}; x_t]`` and ``b_k`` for k = f, i, o, z.
    """
    _checks.choice("note", note, NOTES)
    blocks = cells.lstm_blocks(p)          # name -> (W_x block, W_h block, b block)
    names = {"i": "i", "f": "f", "g": "c", "o": "o"}  # the candidate is c in 000/001, z in 004
    if note == "000":
        return {f"W^{{{names[k]},{part}}}": (Wh if part == "h" else np.hstack([Wx, b[:, None]]))
                for k, (Wx, Wh, b) in blocks.items() for part in "hx"}
    if note == "001":
        q = {}
        for k, (Wx, Wh, b) in blocks.items():
            q.update({f"W_{names[k]}x": Wx.copy(), f"W_{names[k]}h": Wh.copy(), f"b_{names[k]}": b.copy()})
        return q
    order = "ifgo"
    if note == "003":
        stacked = [blocks[order[k]] for k in ORDER_003]
        return {"W": np.vstack([np.hstack([Wh, Wx]) for Wx, Wh, _ in stacked]),
                "b": np.concatenate([b for _, _, b in stacked])}
    z = {"i": "i", "f": "f", "g": "z", "o": "o"}
    q = {}
    for k, (Wx, Wh, b) in blocks.items():
        q[f"w_{z[k]}"], q[f"b_{z[k]}"] = np.hstack([Wh, Wx]), b.copy()
    return q


def note_step(note: str, x, h, c, q: dict):
    """One step of ``note``'s equations for one example, column vectors, as printed; returns ``(h, c)``.

    ``x`` (D,), ``h``, ``c`` (H,) the previous state, ``q`` from :func:`to_note`. The
    parameter names are the note's: see :func:`to_note`.
    """
    D, H = _check_note(note, q)
    x, h, c = _vector("x", x, D), _vector("h", h, H), _vector("c", c, H)
    if note == "000":                                   # 000, LSTM block (no offsets)
        x = np.append(x, 1.0)                           # the constant input that carries the biases
        f = sigmoid(q["W^{f,h}"] @ h + q["W^{f,x}"] @ x)
        i = sigmoid(q["W^{i,h}"] @ h + q["W^{i,x}"] @ x)
        o = sigmoid(q["W^{o,h}"] @ h + q["W^{o,x}"] @ x)
        c = f * c + i * np.tanh(q["W^{c,h}"] @ h + q["W^{c,x}"] @ x)
    elif note == "001":                                 # 001, "LSTM Forward Pass"
        f = sigmoid(q["W_fx"] @ x + q["W_fh"] @ h + q["b_f"])
        i = sigmoid(q["W_ix"] @ x + q["W_ih"] @ h + q["b_i"])
        o = sigmoid(q["W_ox"] @ x + q["W_oh"] @ h + q["b_o"])
        c = f * c + i * np.tanh(q["W_cx"] @ x + q["W_ch"] @ h + q["b_c"])
    elif note == "003":                                 # 003, "Matrix Affine", with the bias
        a = q["W"] @ np.concatenate([h, x]) + q["b"]
        i, f, o, g = sigmoid(a[:H]), sigmoid(a[H:2 * H]), sigmoid(a[2 * H:3 * H]), np.tanh(a[3 * H:])
        c = f * c + i * g
    else:                                               # 004, eqs 5 and 6a-6e
        hx = np.concatenate([h, x])
        z = np.tanh(q["w_z"] @ hx + q["b_z"])
        f = sigmoid(q["w_f"] @ hx + q["b_f"])
        i = sigmoid(q["w_i"] @ hx + q["b_i"])
        o = sigmoid(q["w_o"] @ hx + q["b_o"])
        c = f * c + i * z
    return o * np.tanh(c), c


def note_forward(note: str, x, q: dict, h0=None, c0=None):
    """Run ``note``'s LSTM equations over ``x`` (T, D), one example; returns ``(hs, cs)`` (T, H) each."""
    D, H = _check_note(note, q)
    x, h, c = _sequence_and_state(x, D, H, h0, c0)
    hs, cs = np.empty((x.shape[0], H)), np.empty((x.shape[0], H))
    for t, x_t in enumerate(x):
        h, c = note_step(note, x_t, h, c, q)
        hs[t], cs[t] = h, c
    return hs, cs


def _note_keys(note):
    """The parameter names of ``note`` (as :func:`to_note` makes them), each with its shape in H and D."""
    if note == "000":
        return {f"W^{{{k},{part}}}": ("H", "H" if part == "h" else "D+1") for k in "ifco" for part in "hx"}
    if note == "001":
        return {name: shape for k in "ifco"
                for name, shape in ((f"W_{k}x", ("H", "D")), (f"W_{k}h", ("H", "H")), (f"b_{k}", ("H",)))}
    if note == "003":
        return {"W": ("4H", "H+D"), "b": ("4H",)}
    return {name: shape for k in "ifzo" for name, shape in ((f"w_{k}", ("H", "H+D")), (f"b_{k}", ("H",)))}


def _check_note(note, q, name="q"):
    """Check ``note`` and its parameters ``q`` (from :func:`to_note`); return (D, H)."""
    _checks.choice("note", note, NOTES)
    keys = _note_keys(note)
    _checks.params(name, q, tuple(keys))
    for k in keys:
        if not isinstance(q[k], np.ndarray):
            raise TypeError(f"{name}[{k!r}]: expected a numpy array, got {type(q[k]).__name__}")
        _checks.array(f"{name}[{k!r}]", q[k], ndim=len(keys[k]))
    H = q["b"].shape[0] // 4 if note == "003" else q[next(iter(keys))].shape[0]
    wide, extra = {"000": ("W^{i,x}", 1), "001": ("W_ix", 0), "003": ("W", H), "004": ("w_i", H)}[note]
    D = q[wide].shape[1] - extra
    if H < 1 or D < 1:
        raise ValueError(f"{name}: expected at least one unit and one input feature, got H={H}, D={D}")
    sizes = {"H": H, "4H": 4 * H, "D": D, "D+1": D + 1, "H+D": H + D}
    for k, shape in keys.items():
        _checks.shape(f"{name}[{k!r}]", q[k], tuple(sizes[n] for n in shape))
    return D, H


def _vector(name, v, n):
    v = _checks.array(name, v, ndim=1)
    _checks.shape(name, v, (n,))
    return v


def _sequence_and_state(x, D, H, h0, c0):
    x = _checks.array("x", x, ndim=2)
    _checks.shape("x", x, (None, D))
    h = np.zeros(H) if h0 is None else _vector("h0", h0, H)
    c = np.zeros(H) if c0 is None else _vector("c0", c0, H)
    return x, h, c


def slide_001_forward(x, q: dict, h0=None, c0=None):
    """The cell update as printed on 001's "Training LSTMs" slide, otherwise 001's LSTM.

    ``c_t = f_t * c_{t-1} + i_t * c_{t-1} * tanh(W_cx x_t + W_ch h_{t-1} + b_c)``: the
    stray ``c_{t-1}`` makes the new content proportional to the old cell, so a cell
    that starts at zero stays at zero for ever. Returns ``(hs, cs)``.
    """
    D, H = _check_note("001", q)
    x, h, c = _sequence_and_state(x, D, H, h0, c0)
    hs, cs = np.empty((x.shape[0], H)), np.empty((x.shape[0], H))
    for t, x_t in enumerate(x):
        f = sigmoid(q["W_fx"] @ x_t + q["W_fh"] @ h + q["b_f"])
        i = sigmoid(q["W_ix"] @ x_t + q["W_ih"] @ h + q["b_i"])
        o = sigmoid(q["W_ox"] @ x_t + q["W_oh"] @ h + q["b_o"])
        c = f * c + i * c * np.tanh(q["W_cx"] @ x_t + q["W_ch"] @ h + q["b_c"])   # as printed
        h = o * np.tanh(c)
        hs[t], cs[t] = h, c
    return hs, cs


# --------------------------------------------------------------------------
# 002's simplified LSTM, and the LSTM of 1997 without a forget gate
# --------------------------------------------------------------------------

def simplified_params(p: dict) -> dict:
    """002's gate weights from the library's: ``U_k`` on ``h`` and ``W_k`` on ``x`` (k = f, i, o), no biases.

    002's candidate is the input itself, so the library's g block and all biases are
    dropped; the input must have as many features as the state (D = H).
    """
    D, H = cells.check_params("lstm", p, name="p")
    if D != H:
        raise ValueError(f"p: expected as many inputs as units (002's cell adds i_t * x_t to c_t, "
                         f"so D must equal H), got D={D}, H={H}")
    b = cells.lstm_blocks(p)
    return {f"{m}_{k}": (b[k][1] if m == "U" else b[k][0]).copy() for k in "fio" for m in "UW"}


def simplified_forward(x, q: dict, h0=None, c0=None):
    """002's simplified LSTM over ``x`` (T, H), one example; returns ``(hs, cs)``.

    f_t = sigma(U_f h_{t-1} + W_f x_t), i_t = sigma(U_i h_{t-1} + W_i x_t),
    o_t = sigma(U_o h_{t-1} + W_o x_t), c_t = f_t c_{t-1} + i_t x_t, h_t = o_t c_t.
    """
    keys = tuple(f"{m}_{k}" for k in "fio" for m in "UW")
    _checks.params("q", q, keys)
    for k in keys:
        if not isinstance(q[k], np.ndarray):
            raise TypeError(f"q[{k!r}]: expected a numpy array, got {type(q[k]).__name__}")
        _checks.array(f"q[{k!r}]", q[k], ndim=2)
    H = q["U_f"].shape[0]
    for k in keys:
        _checks.shape(f"q[{k!r}]", q[k], (H, H))
    x = _checks.array("x", x, ndim=2)
    if x.shape[1] != H:
        raise ValueError(f"x: expected as many input features as units ({H}; 002's cell adds i_t * x_t "
                         f"to c_t), got shape {x.shape}")
    _, h, c = _sequence_and_state(x, H, H, h0, c0)
    hs, cs = np.empty_like(x), np.empty_like(x)
    for t, x_t in enumerate(x):
        f = sigmoid(q["U_f"] @ h + q["W_f"] @ x_t)
        i = sigmoid(q["U_i"] @ h + q["W_i"] @ x_t)
        o = sigmoid(q["U_o"] @ h + q["W_o"] @ x_t)
        c = f * c + i * x_t
        h = o * c
        hs[t], cs[t] = h, c
    return hs, cs


def no_forget_forward(x, p: dict, state0=None):
    """The LSTM of Hochreiter and Schmidhuber (1997): no forget gate, ``c_t = c_{t-1} + i_t g_t``.

    ``x`` (T, B, D), ``p`` the library's LSTM parameters (the f block is ignored).
    Returns ``(hs, cs)``, each (T, B, H).
    """
    x = _checks.array("x", x, ndim=3)
    D, H = cells.check_params("lstm", p, n_in=x.shape[2], name="p")
    (W_xi, W_hi, b_i), _, (W_xg, W_hg, b_g), (W_xo, W_ho, b_o) = cells.lstm_blocks(p).values()
    T, B, _ = x.shape
    if state0 is not None:
        cells._check_state("lstm", state0, B, H, name="state0")
    h, c = (np.zeros((B, H)), np.zeros((B, H))) if state0 is None else state0
    hs, cs = np.empty((T, B, H)), np.empty((T, B, H))
    for t in range(T):
        i = sigmoid(x[t] @ W_xi.T + h @ W_hi.T + b_i)
        g = np.tanh(x[t] @ W_xg.T + h @ W_hg.T + b_g)
        o = sigmoid(x[t] @ W_xo.T + h @ W_ho.T + b_o)
        c = c + i * g                                  # nothing ever leaves the cell
        h = o * np.tanh(c)
        hs[t], cs[t] = h, c
    return hs, cs


# --------------------------------------------------------------------------
# The constant error carousel: dc_t / dc_{t-1}
# --------------------------------------------------------------------------

def _gates(p, x, h):
    (W_xi, W_hi, b_i), (W_xf, W_hf, b_f), (W_xg, W_hg, b_g), (W_xo, W_ho, b_o) = cells.lstm_blocks(p).values()
    return (sigmoid(W_xi @ x + W_hi @ h + b_i), sigmoid(W_xf @ x + W_hf @ h + b_f),
            np.tanh(W_xg @ x + W_hg @ h + b_g), sigmoid(W_xo @ x + W_ho @ h + b_o))


def cell_map(p: dict, x, c_prev, o_prev):
    """``c_t`` as a function of ``c_{t-1}``, one example: ``h_{t-1} = o_{t-1} tanh(c_{t-1})`` feeds the gates.

    ``x`` (D,) is ``x_t``; ``o_prev`` (H,) is the output gate of step t-1 (fixed: it
    depends on ``h_{t-2}``, not on ``c_{t-1}``).
    """
    x, c_prev, o_prev = _cell_args(p, x, c_prev, o_prev)
    h_prev = o_prev * np.tanh(c_prev)
    i, f, g, _ = _gates(p, x, h_prev)
    return f * c_prev + i * g


def _cell_args(p, x, c_prev, o_prev):
    D, H = cells.check_params("lstm", p, name="p")
    return _vector("x", x, D), _vector("c_prev", c_prev, H), _vector("o_prev", o_prev, H)


def cell_jacobian(p: dict, x, c_prev, o_prev):
    """The full Jacobian ``dc_t/dc_{t-1}`` of :func:`cell_map` (rows: c_t) and the gate ``f_t``.

        dc_t/dc_{t-1} = diag(f_t) + [diag(c_{t-1} f'_t) W_hf + diag(g_t i'_t) W_hi
                        + diag(i_t g'_t) W_hg] diag(o_{t-1} (1 - tanh^2 c_{t-1}))

    with ``f' = f (1 - f)``, ``i' = i (1 - i)``, ``g' = 1 - g^2``. The first term is the
    carousel (001's "f + ..."); the rest is the path through ``h_{t-1}`` and the gates.
    """
    x, c_prev, o_prev = _cell_args(p, x, c_prev, o_prev)
    blocks = cells.lstm_blocks(p)
    W_hi, W_hf, W_hg = blocks["i"][1], blocks["f"][1], blocks["g"][1]
    h_prev = o_prev * np.tanh(c_prev)
    i, f, g, _ = _gates(p, x, h_prev)
    dh_dc = o_prev * (1 - np.tanh(c_prev) ** 2)
    through_h = ((c_prev * f * (1 - f))[:, None] * W_hf + (g * i * (1 - i))[:, None] * W_hi
                 + (i * (1 - g ** 2))[:, None] * W_hg) * dh_dc[None, :]
    return np.diag(f) + through_h, f


# --------------------------------------------------------------------------
# A hand-set LSTM whose gates can be read
# --------------------------------------------------------------------------

#: the input channels of :func:`hand_set_lstm`
CHANNELS = ("value", "write", "erase", "read")


def hand_set_lstm(hold: float = 6.0) -> dict:
    """Three units with weights set by hand, on inputs ``[value, write, erase, read]``.

    * unit 0, a latch: on ``write`` = 1 the input gate opens and the forget gate closes,
      so the cell is overwritten with ``tanh(2 value)``; it keeps that (forget gate
      sigma(hold), 0.998 at the default 6) until ``erase`` = 1 closes the forget gate;
      output gate open. ``hold`` in [0, 10] is the latches' forget-gate bias.
    * unit 1, a counter: adds ``tanh(0.25) ~ 0.245`` on every write, never forgets.
    * unit 2, the same latch as unit 0, but its output gate opens only on ``read``.
    """
    if isinstance(hold, bool) or not isinstance(hold, (int, float, np.integer, np.floating)) \
            or not 0 <= hold <= 10:
        raise ValueError(f"hold: expected a number in [0, 10] (the latches' forget bias), got {hold!r}")
    H, D = 3, 4
    W_x = np.zeros((4 * H, D))
    b = np.zeros(4 * H)
    i_, f_, g_, o_ = (slice(k * H, (k + 1) * H) for k in range(4))
    value, write, erase, read = range(4)
    for u in (0, 2):
        W_x[i_][u, write], b[i_][u] = 12.0, -6.0          # input gate: open only on write
        W_x[f_][u, erase], b[f_][u] = -12.0, hold         # forget gate: sigma(hold), closed on erase ...
        W_x[f_][u, write] = -12.0                         # ... and on write, which overwrites
        W_x[g_][u, value] = 2.0                          # candidate: tanh(2 value)
    W_x[i_][1, write], b[i_][1] = 12.0, -6.0
    b[f_][1] = 8.0                                       # the counter never forgets
    W_x[g_][1, write] = 0.25
    b[o_][0], b[o_][1] = 6.0, 6.0                         # output gates open
    W_x[o_][2, read], b[o_][2] = 12.0, -6.0              # unit 2 shows its cell only on read
    return {"W_x": W_x, "W_h": np.zeros((4 * H, H)), "b": b}


def gate_trace(p: dict, x) -> dict:
    """Every gate, the cell and the state of an LSTM over ``x`` (T, D), one example.

    Returns ``{"i", "f", "g", "o", "c", "h"}``, each (T, H), computed with
    :func:`unrolled.sequence.forward` (the gates are read from its cache).
    """
    x = _checks.array("x", x, ndim=2)
    cells.check_params("lstm", p, n_in=x.shape[1], name="p")
    hs, cache = sequence.forward("lstm", x[:, None, :], p)
    H = hs.shape[2]
    gates = np.stack([core[2][0] for core in cache["cores"]])          # (T, 4H): i, f, g, o
    cs = np.stack([core[1][0] for core in cache["cores"][1:]] + [cache["last"][1][0]])
    return {"i": gates[:, :H], "f": gates[:, H:2 * H], "g": gates[:, 2 * H:3 * H],
            "o": gates[:, 3 * H:], "c": cs, "h": hs[:, 0]}
