"""Checker for notebook 00: a first exercise that shows how every checker answers.

The exercise: the slope of tanh written in terms of its output, f'(a) = 1 - y**2
with y = tanh(a). A backward pass has y in its cache (it computed it on the way
forward), which is why the library writes derivatives this way
(``activations.derivative(name, y)``).
"""
from __future__ import annotations

import numpy as np

from .base import CORRECT, Verdict, attempt, compare, diagnose, report


def tanh_slope_answer(y):
    """f'(a) for f = tanh, from the output y = tanh(a)."""
    return 1.0 - y ** 2


def check_tanh_slope(fn, seed=0) -> Verdict:
    """``fn(y) -> f'(a)`` elementwise, for y = tanh(a) of any shape."""
    name = "00.1 tanh slope from its output"
    rng = np.random.default_rng(seed)
    y = np.tanh(rng.normal(0.0, 1.5, size=(4, 3)))
    got, verdict = attempt(name, fn, y.copy())
    if verdict is not None:
        return report(verdict)
    expected = tanh_slope_answer(y)
    wrong = compare(name, "f'(a)", got, expected)
    if wrong is None:
        return report(Verdict(name, CORRECT, "f'(a) = 1 - y**2"))
    if np.shape(got) != expected.shape:
        return report(wrong)
    mistakes = [
        (1.0 - np.tanh(y) ** 2, "you applied tanh again: y is already tanh(a), so the slope is 1 - y**2"),
        (1.0 - y, "the square is missing: the slope of tanh is 1 - y**2"),
        (y * (1.0 - y), "y * (1 - y) is the slope of the sigmoid; for tanh it is 1 - y**2"),
        (1.0 / np.cosh(y) ** 2, "sech(y)**2 is the slope at the input y, but y is the output: 1 - y**2"),
        (-2.0 * y, "that is the derivative of 1 - y**2 itself, one step too far"),
    ]
    mistake = diagnose(name, got, mistakes)
    if mistake is not None:
        return report(mistake)
    return report(wrong)
