"""Explorer for notebook 01: ripples in a linear recurrent state (004's picture of short-term memory).

A single linear unit ``h_t = w h_{t-1} + x_t`` (h_0 = 0) receives a drop
``x_t = 1`` at step :data:`FIRST` and, if asked, a second one at :data:`SECOND`;
the input is zero everywhere else. Unrolled, ``h_t = sum_s w^(t-s) x_s``: the
state is the sum of every drop's ripple, each shrunk by ``w`` per step since
it fell. The slider sets the recurrent weight ``w``: below 1 the ripples fade
(short-term memory, a half-life of ``ln 2 / -ln w`` steps), at 1 they never
fade, above 1 they grow. Notebook 04 shows that a gradient travelling back in
time obeys the same powers.
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from unrolled import plots
from unrolled.explorers.base import Explorer, View, draw_view

T = 40
FIRST, SECOND = 5, 15
W_RANGE = (-1.0, 1.2)



def _share(x: float) -> str:
    """A share for the readout: two digits, or a bound once it is below a millionth."""
    return f"{x:.2g}" if x == 0 or x >= 1e-6 else "less than 1e-6"

def compute(w: float = 0.8, second_drop: bool = True) -> dict:
    """The state and each drop's ripple for one weight. Pure.

    Returns ``t`` (1..T), ``h`` (T,), ``ripples`` (2, T) (the second is zero
    without a second drop), ``drops``, ``left`` = w^(T-FIRST), the share of the
    first drop still in the state at the end, ``half_life`` (steps, or None) and ``readout``.
    """
    if isinstance(w, bool) or not isinstance(w, (int, float, np.floating, np.integer)) \
            or not W_RANGE[0] <= w <= W_RANGE[1]:
        return {"message": f"The recurrent weight must be a number in [{W_RANGE[0]}, {W_RANGE[1]}] (got {w!r})."}
    w = float(w)
    t = np.arange(1, T + 1)
    drops = [FIRST, SECOND] if second_drop else [FIRST]
    x = np.zeros(T)
    x[np.array(drops) - 1] = 1.0
    h = np.zeros(T)
    prev = 0.0
    for i in range(T):                       # h_t = w h_{t-1} + x_t
        prev = w * prev + x[i]
        h[i] = prev
    ripples = np.zeros((2, T))
    for k, s in enumerate(drops):            # the drop at s contributes w^(t-s) from t = s on
        after = t >= s
        ripples[k, after] = w ** (t[after] - s)
    left = w ** (T - FIRST)
    if 0 < abs(w) < 1:
        half_life = math.log(2) / -math.log(abs(w))
        memory = f"a ripple halves every {half_life:.1f} steps"
    elif w == 0:
        half_life = 0.0
        memory = "no memory at all: the state is the present input"
    else:
        half_life = None
        memory = "ripples never fade" if abs(w) == 1 else "ripples grow: the state explodes"
    readout = (f"w = {w:.2f}: {memory}; {T - FIRST} steps after the first drop, "
               f"|w|^{T - FIRST} = {_share(abs(left))} of it is left in the state")
    return {"t": t, "h": h, "ripples": ripples, "drops": drops, "w": w, "left": left,
            "half_life": half_life, "readout": readout}


class RippleView(View):
    """The state h_t (solid), each drop's ripple (dashed), the drops marked on the time axis."""

    def build(self, fig) -> None:
        plots.use_style()
        self.ax = fig.add_subplot()
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.88)
        t = np.arange(1, T + 1)
        self.marks = [self.ax.axvline(s, color="#bbb", lw=5, zorder=0) for s in (FIRST, SECOND)]
        self.ripple_lines = [self.ax.plot(t, np.zeros(T), "--", lw=1.3, color=c, label=f"ripple of drop {k + 1}")[0]
                             for k, c in enumerate((plots.COLORS["gru"], plots.COLORS["lstm"]))]
        (self.state,) = self.ax.plot(t, np.zeros(T), color=plots.COLORS["rnn"], lw=2.2, label="state h_t")
        self.ax.axhline(0, color="#888", lw=0.8)
        self.ax.set_xlim(1, T)
        self.ax.set_xlabel("step t (drops of x_t = 1 at the grey bars)")
        self.ax.set_ylabel("h_t")
        self.ax.legend(loc="upper right")
        self.title = self.ax.set_title("")

    def update(self, result: dict) -> None:
        self.marks[1].set_visible(len(result["drops"]) > 1)
        for k, line in enumerate(self.ripple_lines):
            line.set_ydata(result["ripples"][k])
            line.set_visible(k < len(result["drops"]))
        self.state.set_ydata(result["h"])
        lo, hi = float(min(result["h"].min(), 0.0)), float(max(result["h"].max(), 1.0))
        pad = 0.08 * (hi - lo)
        self.ax.set_ylim(lo - pad, hi + pad)
        self.title.set_text(f"h_t = w h_(t-1) + x_t with w = {result['w']:.2f}: the state is the sum of the ripples")


def draw(result: dict, fig) -> None:
    draw_view(RippleView(), result, fig)


def explorer(w: float = 0.8, second_drop: bool = True) -> Explorer:
    """A slider for the recurrent weight w, a checkbox for the second drop."""
    controls = {
        "w": widgets.FloatSlider(value=w, min=W_RANGE[0], max=W_RANGE[1], step=0.05, description="weight w",
                                 continuous_update=True),
        "second_drop": widgets.Checkbox(value=second_drop, description="second drop"),
    }
    return Explorer("Ripples: what a linear recurrent state remembers of two drops", controls, compute,
                    RippleView(), figsize=(9, 3.4))
