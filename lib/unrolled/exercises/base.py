"""What every exercise checker shares: calling the reader's code safely and reporting."""
from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

NOT_ATTEMPTED = "not attempted"
CORRECT = "correct"


@dataclass(frozen=True)
class Verdict:
    """The checker's answer: ``status`` is "not attempted", "correct" or "wrong"."""
    exercise: str
    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        head = f"[{self.exercise}] {self.status}"
        return f"{head}: {self.message}" if self.message else head

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def attempt(exercise: str, fn: Callable, *args, **kwargs):
    """Call the reader's ``fn``; return ``(value, None)`` or ``(None, Verdict)``.

    A stub that raises ``NotImplementedError`` or returns ``None`` is "not
    attempted"; any other exception is reported with its last line, so the
    reader sees their own error rather than the checker's.
    """
    try:
        value = fn(*args, **kwargs)
    except NotImplementedError:
        return None, Verdict(exercise, NOT_ATTEMPTED, "replace the `raise NotImplementedError` with your code")
    except Exception as exc:  # the reader's code failed: say how
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return None, Verdict(exercise, "wrong", f"your function raised {last}")
    if value is None:
        return None, Verdict(exercise, NOT_ATTEMPTED, "your function returned None")
    return value, None


def compare(exercise: str, name: str, got, expected, rtol=1e-7, atol=1e-10) -> Verdict | None:
    """None when ``got`` matches ``expected``; otherwise a Verdict saying how it differs."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return Verdict(exercise, "wrong", f"{name} has shape {got.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        return Verdict(exercise, "wrong", f"{name} contains NaN or inf")
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - expected))
        return Verdict(exercise, "wrong", f"{name} differs from the correct value by up to {err:.3g}")
    return None


def diagnose(exercise: str, got, mistakes, rtol=1e-7, atol=1e-10) -> Verdict | None:
    """The first known mistake that ``got`` reproduces, as a "wrong" Verdict that names it.

    ``mistakes`` is a list of ``(what that mistake computes, the message naming it)``;
    None when ``got`` matches none of them.
    """
    for candidate, message in mistakes:
        if np.shape(candidate) == np.shape(got) and np.allclose(got, candidate, rtol=rtol, atol=atol):
            return Verdict(exercise, "wrong", message)
    return None


def report(verdict: Verdict) -> Verdict:
    """Print the verdict in one line and return it (so a cell can assert on it)."""
    print(verdict)
    return verdict
