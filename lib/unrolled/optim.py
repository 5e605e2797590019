"""Optimisers and gradient clipping, on parameter dicts updated in place.

    SGD       theta <- theta - lr * g                      (momentum optional)
    Adagrad   G <- G + g^2;  theta <- theta - lr * g / (sqrt(G) + eps)
    Adam      m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
              theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)   (bias-corrected)

Clipping (notebook 04): by global norm rescales every gradient by the same
factor, so the update keeps its direction; elementwise clipping cuts each
entry separately and so changes the direction.

``params`` may hold an RNN's ``"activation"`` setting (a string, see
:mod:`unrolled.cells`): it is not a parameter, has no gradient and is left alone.
"""
from __future__ import annotations

import numpy as np

from . import _checks


def _check_dict(name, d):
    """``d`` must be a dict of finite numeric arrays (any shapes)."""
    if not isinstance(d, dict):
        raise TypeError(f"{name}: expected a dict of arrays, got {type(d).__name__}")
    for k, v in d.items():
        _checks.array(f"{name}[{k!r}]", v)


def _check(params, grads):
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
    params = _checks.arrays(params)                  # without the RNN's activation setting
    _check_dict("params", params)
    if not isinstance(grads, dict):
        raise TypeError(f"grads: expected a dict of arrays, got {type(grads).__name__}")
    if set(params) != set(grads):
        raise ValueError(f"grads: expected the keys of params {sorted(params)}, got {sorted(grads)}")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(f"grads[{k!r}]: expected shape {np.shape(params[k])}, got {np.shape(grads[k])}")
    _check_dict("grads", grads)


def _fraction(name, value):
    """A number in [0, 1) (momentum, Adam's betas)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 <= value < 1:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}")
    return float(value)


class _Optimizer:
    """``step(params, grads)`` checks its arguments, then ``_update`` changes ``params`` in place.

    A training loop that checked the parameters once and made the gradients itself
    (same keys, shapes and dtypes, finite) may call ``_update`` directly.
    """

    def step(self, params, grads):
        _check(params, grads)
        self._update(params, grads)


class SGD(_Optimizer):
    def __init__(self, lr=0.1, momentum=0.0):
        self.lr = _checks.positive_number("lr", lr)
        self.momentum, self.velocity = _fraction("momentum", momentum), {}

    def _update(self, params, grads):
        for k, g in grads.items():
            if self.momentum:
                v = self.velocity.setdefault(k, np.zeros_like(g))
                v *= self.momentum
                v += g
                g = v
            params[k] -= (self.lr * g).astype(params[k].dtype, copy=False)


class Adagrad(_Optimizer):
    def __init__(self, lr=0.1, eps=1e-8):
        self.lr, self.eps = _checks.positive_number("lr", lr), _checks.positive_number("eps", eps)
        self.G, self._buffer = {}, {}

    def _update(self, params, grads):
        for k, g in grads.items():
            G = self.G.setdefault(k, np.zeros_like(g))
            step = self._buffer.setdefault(k, np.empty_like(g))    # lr * g / (sqrt(G) + eps), in one buffer
            g2 = np.multiply(g, g, out=step)
            G += g2
            np.sqrt(G, out=step)
            step += self.eps
            np.divide(self.lr * g, step, out=step)
            params[k] -= step.astype(params[k].dtype, copy=False)


class Adam(_Optimizer):
    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.eps = _checks.positive_number("lr", lr), _checks.positive_number("eps", eps)
        beta1, beta2 = _fraction("beta1", beta1), _fraction("beta2", beta2)
        self.beta1, self.beta2, self.t, self.m, self.v = beta1, beta2, 0, {}, {}

    def _update(self, params, grads):
        self.t += 1
        c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            v = self.v.setdefault(k, np.zeros_like(g))
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            params[k] -= (self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)).astype(params[k].dtype, copy=False)


def global_norm(grads) -> float:
    """sqrt of the sum of squares of every entry of every gradient."""
    _check_dict("grads", grads)
    return _global_norm(grads)


def _global_norm(grads) -> float:
    # The sum without the check, for a training loop's own gradients.
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())))


def clip_global_norm(grads, max_norm):
    """Rescale all gradients by min(1, max_norm / ||g||): same direction, bounded length.

    Returns ``(clipped, norm)``, ``norm`` being the norm before clipping. New arrays; ``grads`` is untouched.
    """
    _check_dict("grads", grads)
    max_norm = _checks.positive_number("max_norm", max_norm)
    norm = global_norm(grads)
    if not np.isfinite(norm):
        raise ValueError("grads: expected finite gradients, got NaN or inf (clipping cannot repair them)")
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * np.asarray(scale, dtype=np.asarray(g).dtype) for k, g in grads.items()}, norm


def _finite_norm(grads) -> float:
    # The global norm of a training loop's own gradients (unchecked), refusing NaN or inf.
    norm = _global_norm(grads)
    if not np.isfinite(norm):
        raise ValueError("grads: expected finite gradients, got NaN or inf (clipping cannot repair them)")
    return norm


def _clip_global_norm_in_place(grads, max_norm) -> float:
    """:func:`clip_global_norm` on a training loop's own gradients: unchecked, each array scaled
    in place (the same numbers). Returns the norm before clipping."""
    norm = _finite_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    if scale != 1.0:
        for g in grads.values():
            g *= np.asarray(scale, dtype=g.dtype)
    return norm


def clip_elementwise(grads, value):
    """Clip every entry to [-value, value]: bounded, but the direction changes."""
    _check_dict("grads", grads)
    value = _checks.positive_number("value", value)
    return {k: np.clip(g, -value, value) for k, g in grads.items()}
