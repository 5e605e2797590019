"""Explorer for notebook 00: an activation function f next to its slope f'.

Choose the activation and a range of its input, the pre-activation a; the
figure shows f and f' on that range and the readout gives the largest slope
there, max |f'|. Over all inputs
that is 1 for tanh, ReLU and the identity and 1/4 for the sigmoid: the factor
``gamma`` that notebook 04 multiplies once per time step when it bounds how fast
a gradient can shrink on its way back through an RNN.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from unrolled import activations as act
from unrolled.explorers.base import Explorer, View, draw_view

NAMES = act.NAMES

#: max |f'| over all inputs (the library's ``activations.GAMMA``)
GAMMA = act.GAMMA

#: inputs beyond this are not interesting (every f' here is flat or 0) and the slider stops there
LIMIT = 20.0
POINTS = 401


def values(activation: str, a):
    """``(f(a), f'(a))`` for one of :data:`NAMES`, from the library's activations.

    The slope comes from the output, as in a backward pass; ReLU's slope at 0 is 0.
    Squares of tiny numbers may underflow to 0, which is the right answer here.
    """
    a = np.asarray(a, dtype=float)
    with np.errstate(under="ignore"):
        y = act.get(activation)(a)
        return y, act.derivative(activation, y)


def compute(activation: str = "tanh", x_range=(-5.0, 5.0)) -> dict:
    """f and f' on ``x_range`` and the largest slope there.

    Returns ``x``, ``f``, ``df`` (arrays of :data:`POINTS` values), ``max_df``
    (exact, not read off the grid: every f' here is largest at the point of the
    range nearest to 0), ``at`` (where), ``gamma`` (max |f'| over all inputs)
    and ``readout``; or ``{"message": ...}`` when the range is empty or too wide.
    """
    if activation not in NAMES:
        raise ValueError(f"activation: expected one of {list(NAMES)}, got {activation!r}")
    lo, hi = (float(v) for v in x_range)
    if not (np.isfinite(lo) and np.isfinite(hi)) or max(abs(lo), abs(hi)) > LIMIT:
        return {"message": f"Choose inputs between -{LIMIT:g} and {LIMIT:g} (got [{lo:g}, {hi:g}])."}
    if hi <= lo:
        return {"message": f"The input range [{lo:g}, {hi:g}] is empty: move the two ends apart."}

    x = np.linspace(lo, hi, POINTS)
    f, df = values(activation, x)
    if activation == "relu":
        # slope 1 anywhere right of 0; 0 on a range that never goes right of 0
        at = max(lo, 0.0) if hi > 0 else hi
        max_df = 1.0 if hi > 0 else 0.0
        where = "for every a > 0" if hi > 0 else "everywhere on this range"
    elif activation == "linear":
        at, max_df, where = lo, 1.0, "everywhere"
    else:
        at = float(np.clip(0.0, lo, hi))
        max_df = float(values(activation, at)[1])
        where = f"at a = {at:g}"
    gamma = GAMMA[activation]
    readout = (f"{activation} on [{lo:g}, {hi:g}]: max |f'| = {max_df:.4g} {where} "
               f"(over all a: {gamma:g}; through 10 steps at most {gamma:g}^10 = {gamma ** 10:.3g})")
    return {"activation": activation, "x": x, "f": f, "df": df, "max_df": max_df, "at": at,
            "gamma": gamma, "readout": readout}


class ActivationView(View):
    """Left f(a), right f'(a) with its maximum on the range marked and the all-inputs bound dashed."""

    def build(self, fig) -> None:
        from unrolled.plots import COLORS

        self.left, self.right = fig.subplots(1, 2)
        (self.f,) = self.left.plot([], [], color=COLORS["rnn"], lw=2)
        self.left.set_xlabel("pre-activation a")
        (self.df,) = self.right.plot([], [], color=COLORS["rnn"], lw=2, label="f'(a)")
        self.bound = self.right.axhline(1.0, color=COLORS["theory"], ls="--", lw=1, label="max over all a")
        (self.peak,) = self.right.plot([], [], "o", color=COLORS["approx"], label="max on this range")
        self.right.set_ylim(-0.05, 1.15)
        self.right.set_title("slope f'(a)")
        self.right.set_xlabel("pre-activation a")
        self.legend = self.right.legend(loc="center right")
        self.legend_texts = self.legend.get_texts()

    def update(self, result: dict) -> None:
        x, f = result["x"], result["f"]
        self.f.set_data(x, f)
        self.left.set_title(f"f(a) = {result['activation']}(a)")
        self.left.set_xlim(x[0], x[-1])
        lo, hi = float(np.min(f)), float(np.max(f))
        pad = 0.05 * (hi - lo) if hi > lo else max(0.05 * abs(hi), 0.05)
        self.left.set_ylim(lo - pad, hi + pad)
        self.df.set_data(x, result["df"])
        self.right.set_xlim(x[0], x[-1])
        self.bound.set_ydata([result["gamma"], result["gamma"]])
        self.peak.set_data([result["at"]], [result["max_df"]])
        self.legend_texts[1].set_text(f"max over all a = {result['gamma']:g}")
        self.legend_texts[2].set_text(f"max on this range = {result['max_df']:.3g}")


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`ActivationView`)."""
    draw_view(ActivationView(), result, fig)


def explorer(activation: str = "tanh", x_range=(-5.0, 5.0)) -> Explorer:
    """The widget: an activation menu and an input-range slider."""
    controls = {
        "activation": widgets.Dropdown(options=list(NAMES), value=activation, description="activation"),
        # one decimal and a wider slider, so the readout "-5.0 – 5.0" is not clipped
        "x_range": widgets.FloatRangeSlider(value=tuple(x_range), min=-LIMIT, max=LIMIT, step=0.5,
                                            description="range of a", continuous_update=False,
                                            readout_format=".1f", layout=widgets.Layout(width="480px")),
    }
    return Explorer("An activation and its slope", controls, compute, ActivationView(), figsize=(9, 3.2))
