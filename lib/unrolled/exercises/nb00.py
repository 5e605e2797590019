"""Checker for notebook 00: a first exercise that shows how every checker answers.

The exercise: the slope f'(a) of tanh written in terms of its output y = tanh(a).
A backward pass has y in its cache (it computed it on the way forward), which is
why the library writes derivatives this way (``activations.derivative(name, y)``).
"""
from __future__ import annotations

import numpy as np

from .. import activations
from .base import Exercise, Mistake


def tanh_slope_answer(y):
    """f'(a) for f = tanh, from the output y = tanh(a), elementwise (any shape)."""
    return activations.derivative("tanh", y)


def _cases(seed):
    rng = np.random.default_rng(seed)
    return [(np.tanh(rng.normal(0.0, 1.5, size=shape)),) for shape in ((4, 3), (2, 5), (7,))]


check_tanh_slope = Exercise(
    "00.1 tanh slope from its output", ("y",), _cases, tanh_slope_answer,
    mistakes=[
        Mistake(lambda y: 1.0 - np.tanh(y) ** 2,
                "you applied tanh again: y already is tanh(a), the output, so work with y itself"),
        Mistake(lambda y: 1.0 - y,
                "close: a power of y is missing (your slope is a straight line in y)"),
        Mistake(lambda y: y * (1.0 - y),
                "that is the slope of the sigmoid written in its output; tanh's is another function of y"),
        Mistake(lambda y: -2.0 * y,
                "you differentiated once too often: that is the derivative of the slope, not the slope"),
        Mistake(lambda y: y ** 2 - 1.0,
                "the sign is flipped: tanh is increasing, so its slope is positive everywhere"),
        Mistake(lambda y: 1.0 + y ** 2,
                "your slope grows as |y| nears 1, but tanh flattens out there: its slope should shrink"),
        Mistake(lambda y: 2.0 * (1.0 - y ** 2),
                "the right curve, but twice too large: at a = 0 (y = 0) the slope of tanh is exactly 1"),
        Mistake(lambda y: (1.0 - y) ** 2,
                "your slope differs at y and -y, but tanh is odd, so its slope is the same at a and -a"),
        Mistake(lambda y: 1.0 - np.abs(y),
                "close: your slope has a corner at y = 0 where tanh's is smooth; a power of y is missing"),
    ],
    forbidden=["1 - y**2", "1 - y ** 2", "1-y**2", "1 - y*y", "1 - y * y"],
    returns=" (return the slope at every entry of y, an array of the shape of y)",
    answered_by=('activations.derivative',),
)
