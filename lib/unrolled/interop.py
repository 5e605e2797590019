"""Parameters to and from PyTorch's ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` layout.

Our cells store their gate blocks in PyTorch's order (LSTM: i, f, g, o;
GRU: r, z, n), so moving parameters across is a relabelling of keys, plus one
sum for the plain RNN, which PyTorch gives two bias vectors where the
equations have one:

=========  ===========================  =====================================
kind       ours                         PyTorch (``*_l0``)
=========  ===========================  =====================================
``rnn``    ``W_hx (H, D)``              ``weight_ih (H, D)``
           ``W_hh (H, H)``              ``weight_hh (H, H)``
           ``b_h (H,)``                 ``bias_ih + bias_hh`` (to torch:
                                        ``bias_ih = b_h``, ``bias_hh = 0``)
``lstm``   ``W_x (4H, D)``              ``weight_ih (4H, D)``
           ``W_h (4H, H)``              ``weight_hh (4H, H)``
           ``b (4H,)``                  ``bias_ih + bias_hh`` (to torch:
                                        ``bias_ih = b``, ``bias_hh = 0``)
``gru``    ``W_x (3H, D)``              ``weight_ih (3H, D)``
           ``W_h (3H, H)``              ``weight_hh (3H, H)``
           ``b_x (3H,)``                ``bias_ih (3H,)``
           ``b_h (3H,)``                ``bias_hh (3H,)``
=========  ===========================  =====================================

The plain RNN's nonlinearity is an argument of the module, not a tensor:
``torch.nn.RNN(D, H, nonlinearity="tanh")`` or ``"relu"``, nothing else. Our
RNN parameters carry theirs when it was chosen at ``cells.init(...,
activation=...)`` (``params["activation"]``; without it the RNN runs tanh
unless a call says otherwise). :func:`nonlinearity` gives the value to pass
to ``torch.nn.RNN``; :func:`to_torch` refuses an RNN whose activation PyTorch
does not offer (sigmoid, linear), since the module would compute a different
function; :func:`from_torch` takes the module's ``nonlinearity`` and stores it.

The GRU keeps both biases because they are not interchangeable: in
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` the reset gate multiplies
``b_hn`` but not ``b_in``. The Cho et al. (2014) GRU, with one bias ``b`` and
the reset gate applied *before* the recurrent product,
``n = tanh(W_in x + W_hn (r * h) + b_n)``, computes a different function that
no setting of ``torch.nn.GRU`` reproduces, so :func:`to_torch` refuses it.
The ``gated`` cell (lecture 000, eq. 24) has no PyTorch module either.

Everything here is numpy: no torch import. :func:`from_torch` accepts numpy
arrays or anything with a ``.detach().cpu().numpy()`` chain (a torch tensor),
so ``from_torch("lstm", module.state_dict())`` works directly. To go the other
way, ``module.load_state_dict({k: torch.from_numpy(v) for k, v in
to_torch("lstm", params).items()})``.

Arrays keep their dtype (float32 stays float32, float64 stays float64) and are
always copies: editing the result never edits the input.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import _checks, cells

#: Number of stacked gate blocks per kind, in PyTorch's order.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}

#: Our weight names for each kind: (input weight, recurrent weight).
_WEIGHTS = {"rnn": ("W_hx", "W_hh"), "lstm": ("W_x", "W_h"), "gru": ("W_x", "W_h")}

#: The activations ``torch.nn.RNN(nonlinearity=...)`` offers.
TORCH_NONLINEARITIES = ("tanh", "relu")

_CHO_REFUSAL = (
    "a GRU with the Cho et al. (2014) convention (one bias 'b', reset gate applied "
    "before the recurrent product: n = tanh(W_in x + W_hn (r * h) + b_n)) has no "
    "PyTorch equivalent: torch.nn.GRU applies the reset gate after the recurrent "
    "product, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). Make the GRU with "
    "cells.init('gru', ..., reset_after=True) (keys W_x, W_h, b_x, b_h) to use it with PyTorch"
)


def torch_keys(layer: int = 0, reverse: bool = False) -> tuple[str, str, str, str]:
    """PyTorch's state_dict keys for one layer and direction, e.g. ``weight_ih_l0``.

    Returns ``(weight_ih, weight_hh, bias_ih, bias_hh)`` key names; ``reverse``
    gives the backward direction of a bidirectional module (``..._l0_reverse``).
    """
    _check_layer(layer, reverse)
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    return tuple(name + suffix for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def to_torch(kind: str, params: Mapping, *, layer: int = 0, reverse: bool = False) -> dict:
    """Our parameters as PyTorch's state_dict for one layer, as numpy arrays.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
    params : dict of arrays
        As made by ``cells.init(kind, D, H, rng)``; see the module table.
    layer, reverse : which layer / direction's keys to write (default ``*_l0``).

    Returns
    -------
    dict ``{weight_ih_l0: (G*H, D), weight_hh_l0: (G*H, H), bias_ih_l0: (G*H,),
    bias_hh_l0: (G*H,)}`` with ``G`` = 1, 4, 3 for rnn, lstm, gru. For ``rnn``
    and ``lstm``, whose equations have one bias, ``bias_ih`` holds it and
    ``bias_hh`` is zero (PyTorch adds the two).

    For ``rnn``, build the module with ``nonlinearity=nonlinearity(params)``:
    ``torch.nn.RNN`` offers tanh and relu only, so parameters carrying
    ``"sigmoid"`` or ``"linear"`` are refused (ValueError).
    """
    _check_kind(kind)
    params = _check_params(kind, params)
    if kind == "rnn":
        nonlinearity(params)                      # refuses what torch.nn.RNN cannot run
    w_ih_key, w_hh_key, b_ih_key, b_hh_key = torch_keys(layer, reverse)
    w_in, w_rec = _WEIGHTS[kind]
    W_ih, W_hh = params[w_in], params[w_rec]
    if kind == "rnn":
        b_ih, b_hh = params["b_h"], np.zeros_like(params["b_h"])
    elif kind == "lstm":
        b_ih, b_hh = params["b"], np.zeros_like(params["b"])
    else:
        b_ih, b_hh = params["b_x"], params["b_h"]
    return {w_ih_key: W_ih.copy(), w_hh_key: W_hh.copy(),
            b_ih_key: b_ih.copy(), b_hh_key: b_hh.copy()}


def nonlinearity(params: Mapping) -> str:
    """The ``nonlinearity`` argument of ``torch.nn.RNN`` for our RNN parameters: "tanh" or "relu".

    It is ``params["activation"]`` if the parameters carry one (``cells.init("rnn",
    ..., activation="relu")``), else "tanh" (what our RNN runs by default).
    ``"sigmoid"`` and ``"linear"`` have no ``torch.nn.RNN`` equivalent: ValueError.
    """
    params = _check_params("rnn", params)
    activation = params.get(cells.SETTING, "tanh")
    if activation not in TORCH_NONLINEARITIES:
        raise ValueError(f"params: expected an RNN whose activation torch.nn.RNN offers "
                         f"(nonlinearity 'tanh' or 'relu'), got params['activation'] = {activation!r}, "
                         f"which no setting of torch.nn.RNN computes")
    return activation


def from_torch(kind: str, state_dict: Mapping, *, layer: int = 0,
               reverse: bool = False, nonlinearity: str | None = None) -> dict:
    """PyTorch's state_dict (one layer) as our parameters, as numpy arrays.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
    state_dict : mapping
        ``module.state_dict()`` of a ``torch.nn.RNN`` / ``LSTM`` / ``GRU``, or
        the output of :func:`to_torch`. Values may be numpy arrays or torch
        tensors. Keys of other layers or directions are ignored. A module made
        with ``bias=False`` (no bias keys) gives zero biases.
    layer, reverse : which layer / direction to read (default ``*_l0``).
    nonlinearity : "tanh" or "relu", ``rnn`` only
        The module's ``nonlinearity`` (not part of its state_dict): stored as
        ``params["activation"]``, so our RNN runs the same function. None stores
        nothing (our default, tanh, is also PyTorch's).

    Returns
    -------
    params : dict
        ``rnn``: ``W_hx, W_hh, b_h = bias_ih + bias_hh`` (and ``activation``);
        ``lstm``: ``W_x, W_h, b = bias_ih + bias_hh``;
        ``gru``: ``W_x, W_h, b_x = bias_ih, b_h = bias_hh`` (reset-after GRU).
    """
    _check_kind(kind)
    if nonlinearity is not None:
        if kind != "rnn":
            raise ValueError(f"nonlinearity: expected None for kind {kind!r} (an option of "
                             f"torch.nn.RNN only), got {nonlinearity!r}")
        if nonlinearity not in TORCH_NONLINEARITIES:
            raise ValueError(f"nonlinearity: expected one of {list(TORCH_NONLINEARITIES)} "
                             f"(torch.nn.RNN's options), got {nonlinearity!r}")
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict: expected a mapping of PyTorch keys to arrays "
                        f"(module.state_dict()), got {type(state_dict).__name__}")
    keys = torch_keys(layer, reverse)
    w_ih_key, w_hh_key, b_ih_key, b_hh_key = keys
    proj_key = f"weight_hr_l{layer}" + ("_reverse" if reverse else "")
    if proj_key in state_dict:
        raise ValueError(f"state_dict: expected an LSTM with proj_size=0 (ours has no "
                         f"projection), got '{proj_key}' (proj_size > 0)")
    for key in (w_ih_key, w_hh_key):
        if key not in state_dict:
            raise ValueError(f"state_dict: expected key '{key}' for {kind!r} layer {layer}"
                             f"{' (reverse)' if reverse else ''}, got keys "
                             f"{sorted(map(str, state_dict))}")
    has_bias = [key in state_dict for key in (b_ih_key, b_hh_key)]
    if any(has_bias) and not all(has_bias):
        missing = b_hh_key if has_bias[0] else b_ih_key
        raise ValueError(f"state_dict: expected both bias keys or neither, got no '{missing}'")

    W_ih = _as_array(f"state_dict['{w_ih_key}']", state_dict[w_ih_key], ndim=2)
    W_hh = _as_array(f"state_dict['{w_hh_key}']", state_dict[w_hh_key], ndim=2, dtype=W_ih.dtype)
    G = GATES[kind]
    H = W_hh.shape[1]
    _check_shape(f"state_dict['{w_hh_key}']", W_hh, (G * H, H),
                 f"({G}*H, H) with H = {H} for {kind!r}")
    _check_shape(f"state_dict['{w_ih_key}']", W_ih, (G * H, W_ih.shape[1]),
                 f"({G}*H, D) with H = {H} for {kind!r}")
    if all(has_bias):
        b_ih = _as_array(f"state_dict['{b_ih_key}']", state_dict[b_ih_key], ndim=1,
                         dtype=W_ih.dtype)
        b_hh = _as_array(f"state_dict['{b_hh_key}']", state_dict[b_hh_key], ndim=1,
                         dtype=W_ih.dtype)
        for key, b in ((b_ih_key, b_ih), (b_hh_key, b_hh)):
            _check_shape(f"state_dict['{key}']", b, (G * H,), f"({G}*H,) with H = {H}")
    else:
        b_ih = np.zeros(G * H, dtype=W_ih.dtype)
        b_hh = np.zeros(G * H, dtype=W_ih.dtype)

    w_in, w_rec = _WEIGHTS[kind]
    params = {w_in: W_ih.copy(), w_rec: W_hh.copy()}
    if kind == "rnn":
        params["b_h"] = b_ih + b_hh
        if nonlinearity is not None:
            params[cells.SETTING] = nonlinearity
    elif kind == "lstm":
        params["b"] = b_ih + b_hh
    else:
        params["b_x"], params["b_h"] = b_ih.copy(), b_hh.copy()
    return params


# ---------------------------------------------------------------- checks

def _check_kind(kind) -> None:
    if not isinstance(kind, str):
        raise TypeError(f"kind: expected one of 'rnn', 'lstm', 'gru' (a str), "
                        f"got {type(kind).__name__}")
    if kind == "gated":
        raise ValueError("kind: 'gated' (lecture 000, eq. 24) has no PyTorch module; "
                         "expected one of 'rnn', 'lstm', 'gru'")
    if kind not in GATES:
        raise ValueError(f"kind: expected one of 'rnn', 'lstm', 'gru', got {kind!r}")


def _check_layer(layer, reverse) -> None:
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or layer < 0:
        raise ValueError(f"layer: expected an integer >= 0, got {layer!r}")
    if not isinstance(reverse, (bool, np.bool_)):
        raise TypeError(f"reverse: expected True or False, got {reverse!r}")


def _check_params(kind: str, params) -> dict:
    """Validate ``params`` for ``kind`` (torch tensors become numpy arrays); return them."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a dict of arrays (cells.init({kind!r}, ...)), "
                        f"got {type(params).__name__}")
    if kind == "gru" and "b" in params and "b_x" not in params:
        raise ValueError("params: " + _CHO_REFUSAL)
    setting = {k: v for k, v in params.items() if k not in _checks.arrays(params)}
    out = {name: _as_array(f"params['{name}']", value, ndim=getattr(value, "ndim", -1))
           for name, value in _checks.arrays(params).items()}
    out.update(setting)                            # the RNN's activation, checked next
    cells.check_params(kind, out, name="params")   # keys, one dtype, shapes: the library's own rules
    return out


def _as_array(name: str, value, ndim: int, dtype=None) -> np.ndarray:
    """``value`` as a finite float32/float64 array of rank ``ndim`` (torch tensors welcome)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):      # a torch tensor
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a numpy array (or a torch tensor), "
                        f"got {type(value).__name__}")
    if value.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: expected dtype float32 or float64, got {value.dtype}")
    if dtype is not None and value.dtype != dtype:
        raise TypeError(f"{name}: expected dtype {np.dtype(dtype)} like the input weight, "
                        f"got {value.dtype}")
    if value.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {value.shape}")
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{name}: expected finite values, got "
                         f"{int(np.size(value) - np.isfinite(value).sum())} NaN or inf")
    return value


def _check_shape(name: str, value: np.ndarray, shape: tuple, described: str) -> None:
    if value.shape != shape:
        raise ValueError(f"{name}: expected shape {described} = {shape}, got {value.shape}")
