"""Activation functions and their derivatives, stable for every finite input.

Derivatives are written in terms of the activation's *output* ``y = f(a)``,
which is what a backward pass has in its cache:

=========  ==================  ======================
name       f(a)                f'(a) from y
=========  ==================  ======================
tanh       tanh(a)             1 - y**2
sigmoid    1 / (1 + e^-a)      y * (1 - y)
relu       max(a, 0)           1 where y > 0, else 0
linear     a                   1
=========  ==================  ======================

``gamma`` in notebook 04 is the largest value f' can take: 1 for tanh, relu and
linear, 1/4 for sigmoid.
"""
import numpy as np

from . import _checks

NAMES = ("tanh", "sigmoid", "relu", "linear")
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}


def tanh(a):
    return np.tanh(_checks.array("a", a))


def sigmoid(a):
    """1 / (1 + exp(-a)), computed as (1 + tanh(a/2)) / 2: no overflow for any finite a."""
    return _sigmoid(_checks.array("a", a))


def relu(a):
    return np.maximum(_checks.array("a", a), 0)


def linear(a):
    return a


def _sigmoid(a):
    # The formula without the input check, for the cells' time loops (their input is checked once).
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _in_place(name, a):
    # UNCHECKED[name](a) written over ``a`` (the same operations, so the same numbers), for a
    # time loop's own pre-activations: one array per step instead of two.
    if name == "tanh":
        np.tanh(a, out=a)
    elif name == "sigmoid":
        a *= 0.5
        np.tanh(a, out=a)
        a += 1.0
        a *= 0.5
    elif name == "relu":
        np.maximum(a, 0, out=a)
    return a


FUNCTIONS = {"tanh": tanh, "sigmoid": sigmoid, "relu": relu, "linear": linear}
#: The same functions without the input check, for code that has checked its input already.
UNCHECKED = {"tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda a: np.maximum(a, 0), "linear": linear}


def _check_name(name):
    if not isinstance(name, str) or name not in FUNCTIONS:
        raise ValueError(f"name: expected an activation, one of {list(NAMES)}, got {name!r}")


def get(name: str):
    """The activation function called ``name``."""
    _check_name(name)
    return FUNCTIONS[name]


def derivative(name: str, y):
    """f'(a) for the activation ``name``, computed from its output ``y = f(a)``."""
    _check_name(name)
    y = _checks.array("y", y)
    return _derivative(name, y)


def _derivative(name, y):
    if name == "tanh":
        return 1.0 - y * y
    if name == "sigmoid":
        return y * (1.0 - y)
    if name == "relu":
        return (y > 0).astype(y.dtype)
    if name == "linear":
        return np.ones_like(y)
    raise ValueError(f"activation: expected one of {list(NAMES)}, got {name!r}")


def _at_least_1d(a):
    a = _checks.array("a", a)
    if a.ndim == 0:
        raise ValueError("a: expected an array with at least 1 dimension (the axis to normalise), "
                         "got a scalar")
    return a


def logsumexp(a, axis=-1, keepdims=False):
    """log(sum(exp(a))) along ``axis``, shifted by the maximum so nothing overflows."""
    return _logsumexp(_at_least_1d(a), axis, keepdims)


def _logsumexp(a, axis=-1, keepdims=False):
    # The formula without the input check, for callers that have checked ``a`` already.
    m = np.max(a, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):    # a - m < -1.8e308 rounds to -inf, and exp(-inf) = 0 is right
        e = a - m
        np.exp(e, out=e)                # in place: one array the size of a, not two
        out = m + np.log(np.sum(e, axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(a, axis=-1):
    """log(softmax(a)) = a - logsumexp(a), exact for any finite input."""
    return _log_softmax(_at_least_1d(a), axis)


def _log_softmax(a, axis=-1):
    # The formula without the input check (a training step's loss checks its logits once).
    with np.errstate(over="ignore"):    # below -1.8e308 the log-probability rounds to -inf
        return a - _logsumexp(a, axis=axis, keepdims=True)


def softmax(a, axis=-1):
    """exp(a) / sum(exp(a)) along ``axis``; subtracting the maximum first keeps exp in range."""
    a = _at_least_1d(a)
    with np.errstate(over="ignore"):    # a - max < -1.8e308 rounds to -inf, and exp(-inf) = 0 is right
        e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
