"""The layers around a recurrent cell: an affine readout and a word embedding.

``affine``: y_t = W_yh h_t + b_y (001), applied to every time step at once;
with a softmax on top it is the language model's output p_t = softmax(W^o s_t)
(000 eq 5). ``embedding``: e_t = E x_t for a one-hot x_t (003), i.e. a column
of E picked by the word's index.
"""
import numpy as np

from . import _checks


def affine_forward(h, W, b):
    """y = h W^T + b over the last axis: h (..., H), W (K, H), b (K,) -> y (..., K)."""
    h = _checks.array("h", h)
    W = _checks.array("W", W, ndim=2)
    b = _checks.array("b", b, ndim=1)
    if h.ndim < 1 or h.shape[-1] != W.shape[1]:
        raise ValueError(f"h: expected last dimension {W.shape[1]} to match W of shape {W.shape}, got {h.shape}")
    _checks.shape("b", b, (W.shape[0],))
    return h @ W.T + b, (h, W)


def _affine_forward(h, W, b):
    # affine_forward without the checks, for a training loop's own arrays (checked once
    # per run, one dtype): the same numbers, from a contiguous copy of W^T (through the
    # transposed view, the product of a (T, B, H) array ran about 1.5x slower here), b added in place.
    y = h @ np.ascontiguousarray(W.T)
    y += b
    return y, (h, W)


def affine_backward(dy, cache):
    """Gradients of :func:`affine_forward`: (dh, dW, db); dW and db summed over every leading axis."""
    h, W = cache
    dy = _checks.array("dy", dy)
    if dy.shape != h.shape[:-1] + (W.shape[0],):
        raise ValueError(f"dy: expected shape {h.shape[:-1] + (W.shape[0],)}, got {dy.shape}")
    return _affine_backward(dy, cache)


def _affine_backward(dy, cache):
    # affine_backward without the checks, for a training loop's own arrays.
    h, W = cache
    dy2 = dy.reshape(-1, W.shape[0])
    dW = dy2.T @ h.reshape(-1, W.shape[1])
    return dy @ W, dW, dy2.sum(axis=0)


def embedding_forward(ids, E):
    """e = E x for one-hot x: ids (...) of ints in [0, V), E (D, V) -> e (..., D)."""
    E = _checks.array("E", E, ndim=2)
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"ids: expected integer word indices, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= E.shape[1]):
        raise ValueError(f"ids: expected indices in [0, {E.shape[1]}), got values from {ids.min()} to {ids.max()}")
    return E.T[ids], (ids, E.shape)


def embedding_backward(de, cache):
    """dE: each word's column collects the gradients of every place it was used."""
    ids, shape = cache
    de = _checks.array("de", de)
    _checks.shape("de", de, ids.shape + (shape[0],))
    dE_T = np.zeros((shape[1], shape[0]), dtype=de.dtype)
    np.add.at(dE_T, ids.reshape(-1), de.reshape(-1, shape[0]))
    return dE_T.T
