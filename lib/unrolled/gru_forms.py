r"""The GRU as the notes write it, next to the library's GRU (notebook 06).

The library (:mod:`unrolled.cells`) stores a GRU the way PyTorch does: blocks
``r, z, n`` stacked in ``W_x`` (3H, D), ``W_h`` (3H, H) and a bias, and ``z``
is the fraction of the old state *kept*, ``h = (1 - z) n + z h_prev``.
Note 004 (eqs 11a-11d, 12, 13a-13g; the same as 003 and Cho et al. 2014)
writes the update gate ``u`` as the fraction of the new candidate *taken*,

    u_t = sigmoid(w_u [h_{t-1}; x_t] + b_u)                (11a)
    r_t = sigmoid(w_r [h_{t-1}; x_t] + b_r)                (11b)
    z_t = tanh(w_z [r_t * h_{t-1}; x_t] + b_z)             (11c)  (004's z_t is the candidate)
    h_t = (1 - u_t) * h_{t-1} + u_t * z_t                  (11d)

with each ``w_k`` of shape (H, H + D) acting on the stacked column ``[h; x]``.
Since ``1 - sigmoid(a) = sigmoid(-a)``, the notes' ``u`` is the library's ``z``
with its weights and bias negated: :func:`to_notes` and :func:`from_notes`
convert exactly, and the same weights give the same ``h`` in both forms.

:func:`notes_backward` runs 004's backward equations over a sequence, either
as printed or completed (``eq12=``, ``eq13f=``), so a notebook can set each
printed line against finite differences:

* eq 12 as printed multiplies the gradient arriving from the layer above
  (or from the loss at step t) by ``(1 - u_{t+1})``; only the path through the
  next step's interpolation carries that factor;
* eq 13f as printed pairs every ``delta k_t`` with ``[h_{t-1}; x_t]``; the
  candidate's weight ``w_z`` multiplies ``[r_t * h_{t-1}; x_t]``, so its
  gradient must too.

Also here: the closed-form parameter counts (:func:`closed_form_count`), the
coupled-gate LSTM that a GRU with its reset gate open equals
(:func:`coupled_lstm_forward`), and the gradient norm ``||dL/dh_t||`` against
the lag for any cell (:func:`state_gradient_norms`), and one step drawn as a
data-flow diagram in either convention (:func:`step_diagram`).
"""
from __future__ import annotations

import numpy as np

from . import _checks, cells
from .activations import _sigmoid as sigmoid

#: the notes' names for the three blocks: library block -> (notes' gate, sign)
NOTES_KEYS = ("w_u", "w_r", "w_z", "b_u", "b_r", "b_z")


def _cho(p, name="p"):
    D, H = cells.check_params("gru", p, name=name)
    if "b_x" in p:
        raise ValueError(f"{name}: expected a GRU with the reset gate before the product (Cho et al. 2014; "
                         "keys W_x, W_h, b), got PyTorch's convention (b_x, b_h): the notes' equations are Cho's")
    return D, H


def to_notes(p) -> dict:
    """Library GRU (Cho convention) -> 004's parameters ``w_u, w_r, w_z`` (H, H + D) and ``b_u, b_r, b_z``.

    ``u = 1 - z``: the update block is negated. ``w_z`` and ``b_z`` are the
    candidate's (the library's block ``n``).
    """
    D, H = _cho(p)
    blocks = {k: slice(i * H, (i + 1) * H) for i, k in enumerate("rzn")}

    def w(block):
        return np.concatenate([p["W_h"][blocks[block]], p["W_x"][blocks[block]]], axis=1)

    return {"w_u": -w("z"), "w_r": w("r"), "w_z": w("n"),
            "b_u": -p["b"][blocks["z"]], "b_r": p["b"][blocks["r"]].copy(), "b_z": p["b"][blocks["n"]].copy()}


def from_notes(w) -> dict:
    """004's parameters (or their gradients) -> the library's ``W_x, W_h, b`` (Cho), the inverse of :func:`to_notes`."""
    _check_notes(w)
    H = w["w_r"].shape[0]
    order = (w["w_r"], -w["w_u"], w["w_z"])
    return {"W_x": np.concatenate([m[:, H:] for m in order], axis=0),
            "W_h": np.concatenate([m[:, :H] for m in order], axis=0),
            "b": np.concatenate([w["b_r"], -w["b_u"], w["b_z"]])}


def _check_notes(w, name="w") -> tuple[int, int]:
    """Validate 004-style parameters; return (D, H)."""
    if not isinstance(w, dict) or set(w) != set(NOTES_KEYS):
        raise TypeError(f"{name}: expected a dict with keys {list(NOTES_KEYS)}, got {type(w).__name__}"
                        + (f" with keys {sorted(w)}" if isinstance(w, dict) else ""))
    for k in NOTES_KEYS:
        _checks.array(f"{name}[{k!r}]", w[k], ndim=2 if k.startswith("w") else 1)
    H = w["w_r"].shape[0]
    D = w["w_r"].shape[1] - H
    if D < 1:
        raise ValueError(f"{name}['w_r']: expected shape (H, H + D) with D >= 1, got {w['w_r'].shape}")
    for k in NOTES_KEYS:
        _checks.shape(f"{name}[{k!r}]", w[k], (H, H + D) if k.startswith("w") else (H,))
    return D, H


def _check_input(x, h, D, H, x_name="x", h_name="h_prev"):
    x = _checks.array(x_name, x, ndim=2)
    h = _checks.array(h_name, h, ndim=2)
    _checks.shape(x_name, x, (x.shape[0], D))
    _checks.shape(h_name, h, (x.shape[0], H))
    return x, h


def notes_step(x, h_prev, w):
    """004 eqs 11a-11d, one step, batch of rows: ``x`` (B, D), ``h_prev`` (B, H). Returns (h, cache)."""
    x, h_prev = _check_input(x, h_prev, *_check_notes(w))
    hx = np.concatenate([h_prev, x], axis=1)                     # [h_{t-1}; x_t] as rows
    u = sigmoid(hx @ w["w_u"].T + w["b_u"])                      # 11a
    r = sigmoid(hx @ w["w_r"].T + w["b_r"])                      # 11b
    rhx = np.concatenate([r * h_prev, x], axis=1)                # [r_t * h_{t-1}; x_t]
    z = np.tanh(rhx @ w["w_z"].T + w["b_z"])                     # 11c (the candidate)
    h = (1 - u) * h_prev + u * z                                 # 11d
    return h, (hx, rhx, h_prev, u, r, z)


def notes_forward(x, w, h0=None):
    """Eqs 11a-11d over a sequence ``x`` (T, B, D); returns ``hs`` (T, B, H) and the per-step caches."""
    D, H = _check_notes(w)
    x = _checks.array("x", x, ndim=3)
    if x.shape[0] < 1:
        raise ValueError(f"x: expected at least one time step, got shape {x.shape}")
    h = np.zeros((x.shape[1], H)) if h0 is None else _check_input(x[0], h0, D, H, "x", "h0")[1]
    hs, caches = [], []
    for x_t in x:
        h, c = notes_step(x_t, h, w)
        hs.append(h)
        caches.append(c)
    return np.stack(hs), caches


def notes_backward(dhs, caches, w, eq12="complete", eq13f="complete"):
    """004's backward pass (eqs 12, 13a-13g) for ``L`` with ``dL/dh_t`` = ``dhs[t]`` from outside the recurrence.

    ``dhs`` (T, B, H) is what 004 calls ``delta x^{l+1}_t``: the gradient arriving at
    ``h_t`` from the layer above (or from the loss at step t).

    ``eq12="printed"``: ``delta h_t = (1 - u_{t+1}) (delta x^{l+1}_t + delta h_{t+1}) + ...`` as in 004;
    ``"complete"``: ``delta h_t = delta x^{l+1}_t + (1 - u_{t+1}) delta h_{t+1} + ...``.
    ``eq13f="printed"``: ``delta w_z`` from ``[h_{t-1}; x_t]`` as in 004;
    ``"complete"``: from ``[r_t * h_{t-1}; x_t]``, what ``w_z`` multiplies in eq 11c.

    Returns ``(dx, dh0, grads)``: ``dx`` (T, B, D), ``dh0`` (B, H), ``grads`` keyed like ``w``.
    """
    for name, value, options in (("eq12", eq12, ("printed", "complete")),
                                 ("eq13f", eq13f, ("printed", "complete"))):
        _checks.choice(name, value, options)
    _, H = _check_notes(w)
    if not isinstance(caches, list) or not caches:
        raise TypeError(f"caches: expected the non-empty list from notes_forward, got {type(caches).__name__}")
    dhs = _checks.array("dhs", dhs, ndim=3)
    B = caches[0][2].shape[0]
    _checks.shape("dhs", dhs, (len(caches), B, H))
    grads = {k: np.zeros_like(v) for k, v in w.items()}
    dx = []
    carry = None            # the t+1 terms of eq 12: ((1 - u_{t+1}), recurrent part), None at t = T
    for t in range(len(caches) - 1, -1, -1):
        hx, rhx, h_prev, u, r, z = caches[t]
        if carry is None:
            dh = dhs[t].copy()                                   # delta h_T = delta x^{l+1}_T
        else:
            keep, dh_next, through_gates = carry
            if eq12 == "printed":
                dh = keep * (dhs[t] + dh_next) + through_gates    # 004 eq 12 as printed
            else:
                dh = dhs[t] + keep * dh_next + through_gates      # the complete eq 12
        dz = (1 - z * z) * u * dh                                # 13a  (pre-activation of the candidate)
        du = u * (1 - u) * (z - h_prev) * dh                     # 13b
        drh = dz @ w["w_z"][:, :H]                               # M_h w_z^T delta z_t: dL/d(r * h_prev)
        dr = r * (1 - r) * h_prev * drh                          # 13c (004 prints w_s for w_z)
        dx.append(du @ w["w_u"][:, H:] + dr @ w["w_r"][:, H:] + dz @ w["w_z"][:, H:])   # 13e
        through = du @ w["w_u"][:, :H] + dr @ w["w_r"][:, :H] + r * drh     # the gate and reset terms of eq 12
        carry = (1 - u, dh, through)
        for k, d in (("u", du), ("r", dr)):
            grads[f"w_{k}"] += d.T @ hx                           # 13f
            grads[f"b_{k}"] += d.sum(axis=0)                      # 13g
        grads["w_z"] += dz.T @ (hx if eq13f == "printed" else rhx)
        grads["b_z"] += dz.sum(axis=0)
    keep, dh_next, through = carry
    dh0 = keep * dh_next + through                               # h_0 feeds only step 1
    return np.stack(dx[::-1]), dh0, grads


def one_step_both_ways(x, h_prev, p):
    """One step of a Cho-convention GRU computed by the library (``z`` kept) and by 004 (``u`` taken).

    Returns ``{"h_library", "h_notes", "z", "u"}``; ``u = 1 - z`` and the two ``h`` agree to rounding.
    """
    h_lib, cache = cells.gru_step(x, h_prev, p)
    h_notes, (_, _, _, u, _, _) = notes_step(x, h_prev, to_notes(p))
    _, _, _, core = cache
    return {"h_library": h_lib, "h_notes": h_notes, "z": core[2], "u": u}


def cho_from_after(p) -> dict:
    """The same weights, reset moved before the product: PyTorch-convention GRU -> Cho-convention GRU.

    ``W_x`` and ``W_h`` are kept; the two biases are added (``b = b_x + b_h``).
    The two GRUs then differ only in the candidate's pre-activation,
    ``W_hn (r * h) + b_hn`` (Cho) against ``r * (W_hn h + b_hn)`` (PyTorch), and agree
    exactly where ``r = 1``.
    """
    cells.check_params("gru", p, name="p")
    if "b_x" not in p:
        raise ValueError("p: expected a GRU in PyTorch's convention (keys W_x, W_h, b_x, b_h), got Cho's (b)")
    return {"W_x": p["W_x"].copy(), "W_h": p["W_h"].copy(), "b": p["b_x"] + p["b_h"]}


def closed_form_count(kind: str, D: int, H: int, reset_after: bool = True) -> int:
    """Number of parameters of one layer, from the shapes in the equations.

    rnn: H(D + H + 1); gated: 2H(D + H + 1); lstm: 4H(D + H + 1) (one bias, the library's);
    gru: 3H(D + H + 1) with reset before the product (Cho), 3H(D + H + 2) with it after
    (PyTorch's two bias vectors).
    """
    _checks.choice("kind", kind, cells.KINDS)
    D, H = _checks.positive_int("D", D), _checks.positive_int("H", H)
    biases = 2 if (kind == "gru" and reset_after) else 1
    return cells.BLOCKS[kind] * H * (D + H + biases)


def coupled_lstm_forward(x, p, h0=None):
    """An LSTM with coupled gates (i = 1 - f) and no output gate or output tanh (h = c), written with a GRU's weights.

    ``p`` is a Cho-convention GRU; its blocks serve as: forget gate ``f = sigmoid(z-block)``,
    candidate ``g = tanh(W_xn x + W_hn h + b_n)`` (no reset gate), and

        c_t = f_t * c_{t-1} + (1 - f_t) * g_t,     h_t = c_t.

    This equals the GRU with its reset gate held open (r = 1). Returns ``hs`` (T, B, H).
    """
    D, H = _cho(p)
    x = _checks.array("x", x, ndim=3)
    _checks.shape("x", x, (x.shape[0], x.shape[1], D))
    c = np.zeros((x.shape[1], H)) if h0 is None else _check_input(x[0], h0, D, H, "x", "h0")[1]
    hs = []
    for x_t in x:
        a = x_t @ p["W_x"].T + c @ p["W_h"].T + p["b"]          # the reset block a[:, :H] is not used
        f = sigmoid(a[:, H:2 * H])
        g = np.tanh(a[:, 2 * H:])
        c = f * c + (1 - f) * g                                 # i = 1 - f
        hs.append(c)                                            # no output gate, no tanh: h = c
    return np.stack(hs)


def state_gradient_norms(kind, x, p, dh_last, state0=None):
    """``||dL/dh_t||`` for ``L = <dh_last, h_T>``, at every lag ``k = T - t`` from 0 to T (t = T ... 0).

    ``x`` (T, B, D); ``dh_last`` (B, H). For the LSTM, ``dL/dh_t`` is the part of the
    gradient on ``h_t`` (with ``dL/dc_T = 0``); the cell ``c`` carries the rest.
    Uses :func:`unrolled.cells.step` and :func:`unrolled.cells.step_backward`.
    """
    x = _checks.array("x", x, ndim=3)
    _, H = cells.check_params(kind, p, n_in=x.shape[2], name="p")
    dh_last = _checks.array("dh_last", dh_last, ndim=2)
    _checks.shape("dh_last", dh_last, (x.shape[1], H))
    state = cells.zero_state(kind, x.shape[1], H) if state0 is None else state0
    caches = []
    for x_t in x:
        state, c = cells.step(kind, x_t, state, p)
        caches.append(c)
    dstate = (dh_last, np.zeros_like(dh_last)) if kind == "lstm" else dh_last
    norms = [np.linalg.norm(dh_last)]
    for c in reversed(caches):
        _, dstate, _ = cells.step_backward(dstate, c)
        norms.append(np.linalg.norm(dstate[0] if kind == "lstm" else dstate))
    return np.array(norms)



def step_diagram(ax, reset_after: bool = False):
    r"""Draw one GRU step as a data-flow diagram into ``ax`` and return it.

    Along the top, the additive path ``h_{t-1} -> (z ⊙) -> (+) -> h_t``; below it
    the reset gate, the candidate and the update gate, each fed by ``x_t`` and
    ``h_{t-1}``; the candidate enters the sum through ``(1 - z) ⊙``. The reset
    gate's ``⊙`` comes before the candidate's recurrent weight ``W_{hn}`` (Cho et
    al. 2014, the notes) or, with ``reset_after``, after it (cuDNN, PyTorch).
    """
    from .plots import _arrow, _box
    if not isinstance(reset_after, (bool, np.bool_)):
        raise TypeError(f"reset_after: expected True or False, got {type(reset_after).__name__}")
    state, gate, cand, node = "#cfe2f3", "#fde5cc", "#e2f0d9", "white"
    top, mid, row, bottom = 4.4, 3.3, 2.2, 0.6
    xr, xreset, xn, xz, xplus = 2.5, 4.2, 5.9, 9.2, 10.7
    _box(ax, 0.0, top, "$h_{t-1}$", state)
    _box(ax, 0.0, bottom, "$x_t$", "#eeeeee")
    _box(ax, xr, row, r"$r = \sigma(\cdot)$", gate, w=1.3, fontsize=10)
    _box(ax, xn, row, r"$n = \tanh(\cdot)$", cand, w=1.5, fontsize=10)
    _box(ax, xz, row, r"$z = \sigma(\cdot)$", gate, w=1.3, fontsize=10)
    for x, y in ((xreset, mid), (xz, top), (xplus, mid)):
        _box(ax, x, y, r"$\odot$", node, w=0.5, h=0.5)
    _box(ax, xplus, top, "$+$", node, w=0.5, h=0.5)
    _box(ax, 12.2, top, "$h_t$", state)
    # the additive path
    _arrow(ax, (0.45, top), (xz - 0.25, top))
    ax.text(6.2, top + 0.3, r"$h_{t-1}$ to $h_t$: times $z$, no weight, no squashing", ha="center",
            fontsize=9, color="#444444")
    _arrow(ax, (xz + 0.25, top), (xplus - 0.25, top))
    _arrow(ax, (xplus + 0.25, top), (12.2 - 0.45, top))
    # h_{t-1} into the gates and the reset
    _arrow(ax, (xr, top), (xr, row + 0.31))
    _arrow(ax, (xz - 0.45, top), (xz - 0.45, row + 0.31))
    _arrow(ax, (xreset, top), (xreset, mid + 0.25), r"$W_{hn}$" if reset_after else None, (-0.35, 0))
    _arrow(ax, (xr + 0.65, row + 0.1), (xreset - 0.25, mid - 0.05), "$r$", (0.15, -0.2))
    _arrow(ax, (xreset + 0.2, mid - 0.2), (xn - 0.3, row + 0.31), None if reset_after else r"$W_{hn}$", (0.35, 0.1))
    if reset_after:
        ax.text(xreset + 0.35, mid + 0.2, r"$r \odot (W_{hn} h_{t-1} + b_{hn})$", fontsize=8, color="#444444")
    else:
        ax.text(xreset - 0.15, mid + 0.45, r"$W_{hn} (r \odot h_{t-1})$", ha="right", fontsize=8, color="#444444")
    # the update gate: z keeps the old state, 1 - z takes the candidate
    _arrow(ax, (xz + 0.2, row + 0.31), (xz + 0.2, top - 0.25))
    ax.text(xz + 0.35, top - 0.6, "$z$", fontsize=9, color="#444444")
    _arrow(ax, (xz + 0.65, row), (xplus - 0.1, mid - 0.25), "$1 - z$", (0.45, -0.05))
    _arrow(ax, (xn + 0.75, row + 0.15), (xplus - 0.25, mid), connectionstyle="arc3,rad=-0.15")
    ax.text(xn + 1.0, row + 0.45, "$n$", fontsize=9, color="#444444")
    _arrow(ax, (xplus, mid + 0.25), (xplus, top - 0.25))
    # x_t into every block
    for x in (xr, xn, xz):
        _arrow(ax, (0.45, bottom), (x, row - 0.31))
    ax.set_xlim(-0.6, 12.8)
    ax.set_ylim(bottom - 0.45, top + 0.65)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("reset after the product (cuDNN, PyTorch)" if reset_after
                 else "reset before the product (Cho et al. 2014, notes 003 and 004)", fontsize=10)
    return ax
