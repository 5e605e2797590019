"""Input validation shared by the library: clear errors before any arithmetic.

Every public function checks its arguments with these helpers, so bad input
fails at the call with a message that names the argument, what was expected
and what was given, instead of as a numpy broadcasting error three calls later.
"""
from __future__ import annotations

import numpy as np

FLOATS = (np.float32, np.float64)

#: The one entry of a parameter dict that is a setting, not an array: an RNN's
#: activation, ``p["activation"] = "relu"`` (see :mod:`unrolled.cells`). Code that
#: updates or differentiates parameters (optim, gradcheck) skips it.
SETTING = "activation"


def arrays(d) -> dict:
    """``d`` without its setting: the entries to update, differentiate or count.

    Only a string under the key ``"activation"`` is a setting; anything else
    under that key stays, so it is checked (and refused) like any other array.
    """
    return {k: v for k, v in d.items() if not (k == SETTING and isinstance(v, str))}


def array(name: str, a, ndim: int | tuple[int, ...] | None = None, finite: bool = True) -> np.ndarray:
    """Return ``a`` as a float array; check its rank and that it holds no NaN/inf."""
    if not isinstance(a, (np.ndarray, list, tuple, float, int, np.floating, np.integer)):
        raise TypeError(f"{name}: expected an array, got {type(a).__name__}")
    a = np.asarray(a)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected a numeric array, got dtype {a.dtype}")
    if a.dtype not in FLOATS:
        a = a.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if a.ndim not in allowed:
            want = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name}: expected an array with {want} dimensions, got shape {a.shape}")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: expected finite values, got NaN or inf")
    return a


def shape(name: str, a: np.ndarray, expected: tuple) -> None:
    """Check ``a.shape`` against ``expected``; ``None`` entries match any size."""
    ok = a.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, a.shape))
    if not ok:
        want = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{name}: expected shape {want}, got {a.shape}")


def positive_number(name: str, value) -> float:
    """A finite number > 0 (a learning rate, a norm, a spectral radius), as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


def choice(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{name}: expected one of {sorted(options)}, got {value!r}")


def positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def params(name: str, p, keys) -> None:
    """Check that the parameter dict ``p`` has exactly ``keys``."""
    if not isinstance(p, dict):
        raise TypeError(f"{name}: expected a dict of arrays, got {type(p).__name__}")
    missing = [k for k in keys if k not in p]
    extra = [k for k in p if k not in keys]
    if missing or extra:
        raise ValueError(f"{name}: expected keys {list(keys)}, got {list(p)}"
                         + (f" (missing {missing})" if missing else "")
                         + (f" (unexpected {extra})" if extra else ""))
