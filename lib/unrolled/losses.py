"""Losses with their gradients, returned together: ``loss, dscores = f(scores, targets)``.

Both average over the positions that count (``mask``) by default, so a loss
reads as nats per token (or squared error per value) whatever the sequence
length; ``reduction="sum"`` gives the notes' total loss L = sum_t L_t (001).
"""
import numpy as np

from . import _checks
from .activations import _logsumexp


def _weights(name, mask, shape, dtype):
    if mask is None:
        return np.ones(shape, dtype=dtype)
    mask = _checks.array(name, mask)
    if mask.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {mask.shape}")
    return mask.astype(dtype)


def softmax_cross_entropy(logits, targets, mask=None, reduction="mean"):
    """-log softmax(logits)[target], and its gradient softmax(logits) - onehot(target).

    logits (..., V); targets (...) integers in [0, V); mask (...) of 0/1 weights.
    Returns ``(loss, dlogits)``; stable for any finite logits (log-sum-exp).
    """
    logits = _checks.array("logits", logits)
    if logits.ndim < 1:
        raise ValueError(f"logits: expected at least 1 dimension (..., V), got shape {logits.shape}")
    targets = np.asarray(targets)
    if targets.dtype.kind not in "iu":
        raise TypeError(f"targets: expected integer class indices, got dtype {targets.dtype}")
    if targets.shape != logits.shape[:-1]:
        raise ValueError(f"targets: expected shape {logits.shape[:-1]} to match logits {logits.shape}, "
                         f"got {targets.shape}")
    V = logits.shape[-1]
    if targets.size and (targets.min() < 0 or targets.max() >= V):
        raise ValueError(f"targets: expected indices in [0, {V}), got values from {targets.min()} to {targets.max()}")
    _checks.choice("reduction", reduction, ("mean", "sum"))
    w = None if mask is None else _weights("mask", mask, targets.shape, logits.dtype)
    if w is not None and reduction == "mean" and w.sum() == 0:
        raise ValueError("mask: expected at least one position to count, got an all-zero mask")
    return _softmax_cross_entropy(logits, targets, w, reduction)


def _softmax_cross_entropy(logits, targets, w=None, reduction="mean"):
    """:func:`softmax_cross_entropy` without the argument checks, ``w`` the mask as weights (or None).

    For callers whose logits and targets are checked already (a training loop's own
    logits, targets checked once for the whole run). The same numbers as before the
    checks were split off, bit for bit, with one buffer for log p and then dlogits:

        log p = logits - logsumexp(logits)          (activations.log_softmax)
        nll   = -log p[target]
        dlogits = (exp(log p) - onehot(target)) / n
    """
    V = logits.shape[-1]
    flat = targets.reshape(-1) + V * np.arange(targets.size)   # the targets' places in logits.ravel()
    with np.errstate(over="ignore"):    # below -1.8e308 the log-probability rounds to -inf
        d = logits - _logsumexp(logits, axis=-1, keepdims=True)    # log p
        nll = -d.reshape(-1)[flat].reshape(targets.shape)
        np.exp(d, out=d)                                        # p
    d.reshape(-1)[flat] -= 1                                    # p - onehot(target)
    if w is None:                                   # every position counts: weights of 1, the same numbers
        n = logits.dtype.type(nll.size if reduction == "mean" else 1)
        d *= logits.dtype.type(1) / n
        return float(nll.sum() / n), d
    n = w.sum() if reduction == "mean" else 1.0
    loss = float((nll * w).sum() / n)
    d *= (w / n)[..., None]
    return loss, d


def _mean_softmax_cross_entropy_in_place(logits, targets):
    """The mean loss over every position, and dlogits written over ``logits`` (unchecked).

    For a training loop's own logits, which it does not need afterwards. One exp per
    entry (:func:`softmax_cross_entropy` takes two), and the gradient's 1/n folded into
    the normalisation; equal to it up to rounding. With m the row's maximum and
    s = sum_v exp(a_v - m):

        nll  = log s - (a_target - m)
        dlogits = exp(a - m) / (n s) - onehot(target) / n
    """
    V = logits.shape[-1]
    z = logits.reshape(-1, V)                                   # a view of the buffer (C-ordered logits)
    n = len(z)
    flat = targets.reshape(-1) + V * np.arange(n)               # the targets' places in z.ravel()
    m = z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):    # a - m < -1.8e308 rounds to -inf, and exp(-inf) = 0 is right
        z -= m
        picked = z.reshape(-1)[flat]                            # a_target - m
        np.exp(z, out=z)
        s = z.sum(axis=1, keepdims=True)
        loss = float((np.log(s[:, 0]) - picked).sum() / n)
    z *= 1 / (n * s)
    z.reshape(-1)[flat] -= logits.dtype.type(1 / n)
    return loss, z.reshape(logits.shape)


def mse(pred, target, mask=None, reduction="mean"):
    """Mean (or sum) of squared errors (pred - target)^2, and its gradient 2 (pred - target) / n.

    ``mask`` weights the leading positions ``pred.shape[:-1]``; the mean is over
    every counted value.
    """
    pred = _checks.array("pred", pred)
    target = _checks.array("target", target)
    if target.shape != pred.shape:
        raise ValueError(f"target: expected shape {pred.shape} like pred, got {target.shape}")
    _checks.choice("reduction", reduction, ("mean", "sum"))
    lead = pred.shape[:-1] if pred.ndim else ()
    w = _weights("mask", mask, lead, pred.dtype)
    w = w[..., None] if pred.ndim else w
    diff = pred - target
    n = (w * np.ones_like(pred)).sum() if reduction == "mean" else 1.0
    if n == 0:
        raise ValueError("mask: expected at least one position to count, got an all-zero mask")
    return float((w * diff * diff).sum() / n), 2 * w * diff / n
