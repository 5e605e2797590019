"""Gradient checking: compare a backward pass with centred finite differences.

    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)     error O(eps^2)

Run it in float64. The step eps = 1e-5 balances the two errors: the centred
difference's truncation error grows like eps^2 (about 1e-10), the rounding
error of a loss L like 1e-16 |L| / eps (about 1e-11 |L|); both stay well below
the 1e-8 tolerance of the tests. In float32 rounding would dominate.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _checks


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Centred differences of the scalar ``f()`` w.r.t. every entry of ``x``.

    ``x`` is perturbed in place (and restored), so ``f`` must read it: pass a
    closure over the array, e.g. ``numerical_gradient(lambda: loss(params), params["W_hh"])``.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x: expected a numpy array (perturbed in place), got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"x: gradient checks need float64 (float32 rounding swamps the differences), got {x.dtype}")
    if not callable(f):
        raise TypeError(f"f: expected a function of no arguments returning the loss, got {type(f).__name__}")
    _checks.array("x", x)
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a small positive number, got {eps!r}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = float(f())
        x[i] = old - eps
        f_minus = float(f())
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _pair(a, b):
    """``a`` and ``b`` as finite float64 arrays of any (their common) shape."""
    return _checks.array("a", a).astype(np.float64), _checks.array("b", b).astype(np.float64)


def relative_error(a, b) -> float:
    """Norm-wise relative error ||a - b|| / (||a|| + ||b||); 0 when both are zero."""
    a, b = _pair(a, b)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} like a, got {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def max_relative_error(a, b, floor: float = 1e-8) -> float:
    """Worst element: max |a_i - b_i| / max(|a_i| + |b_i|, floor)."""
    a, b = _pair(a, b)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} like a, got {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def check_gradients(loss_fn: Callable[[dict], float], params: dict, grads: dict,
                    eps: float = 1e-5) -> dict[str, dict[str, float]]:
    """Check every analytic gradient in ``grads`` against finite differences of ``loss_fn(params)``.

    Returns ``{name: {"norm": relative_error, "max": max_relative_error}}`` for every
    array of ``params`` (an RNN's ``"activation"`` setting is not one: skipped).
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn: expected a function of params returning the loss, got {type(loss_fn).__name__}")
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError(f"params, grads: expected dicts of arrays, got {type(params).__name__}, {type(grads).__name__}")
    arrays = _checks.arrays(params)
    if set(arrays) != set(grads):
        raise ValueError(f"grads: expected the keys of params {sorted(arrays)}, got {sorted(grads)}")
    for name in arrays:
        _checks.array(f"params[{name!r}]", params[name])
        _checks.array(f"grads[{name!r}]", grads[name])
    report = {}
    for name, x in arrays.items():
        _checks.shape(f"grads[{name!r}]", np.asarray(grads[name]), x.shape)
        num = numerical_gradient(lambda: loss_fn(params), x, eps)
        report[name] = {"norm": relative_error(grads[name], num), "max": max_relative_error(grads[name], num)}
    return report
