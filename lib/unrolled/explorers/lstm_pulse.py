"""Explorer for notebook 05: does a one-unit LSTM remember a pulse, and does the gradient survive?

One LSTM unit reads a single pulse ``x_t = 1`` at step :data:`PULSE` and zeros
otherwise. The pulse opens the input gate (input weight 6) and writes the
candidate ``tanh(2 + ...)`` into the cell. The three sliders set the gate biases:
the forget bias decides how much of the cell survives each step, the input bias
how much the gate lets in when there is no pulse, the output bias how much of
the cell the state shows. Small recurrent weights (0.5) make it a real LSTM:
the gates also read ``h_{t-1}``.

Top panel: the cell ``c_t`` and the state ``h_t``. Bottom panel: the gradient of
``L = h_T`` with respect to ``c_t`` and ``h_t`` at every step (log scale), computed
by :func:`unrolled.gates.state_gradients`: what reaches the pulse's step is what a
learning rule would see of it.
"""
from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import gates, plots
from .base import Explorer, View, draw_view, number

PULSE = 5
#: input weights of the blocks i, f, g, o: the pulse opens the input gate and writes 2 into the candidate
W_X = np.array([6.0, 0.0, 2.0, 0.0])
W_H = np.full(4, 0.5)
#: slider ranges (biases)
RANGES = {"forget_bias": (-4.0, 8.0), "input_bias": (-6.0, 2.0), "output_bias": (-4.0, 6.0), "T": (10, 80)}


def params(forget_bias: float, input_bias: float, output_bias: float) -> dict:
    """The one-unit LSTM's parameters (blocks i, f, g, o) with the given gate biases."""
    return {"W_x": W_X[:, None].copy(), "W_h": W_H[:, None].copy(),
            "b": np.array([input_bias, forget_bias, 0.0, output_bias])}


def compute(forget_bias: float = 2.0, input_bias: float = -3.0, output_bias: float = 2.0, T: int = 40) -> dict:
    """Cell, state and gradients for one setting. Pure: same settings, same numbers.

    Returns ``t`` (1..T), ``c``, ``h``, ``f`` (the forget gate at every step),
    ``log_dc``, ``log_dh`` (log10 |dL/dc_t|, |dL/dh_t| for L = h_T), ``kept`` (c_T
    over the cell right after the pulse), ``readout`` and, when the gradient
    underflows (a tiny forget gate, or a cell so large that tanh is flat), ``message``.
    """
    for name in ("forget_bias", "input_bias", "output_bias"):
        value = locals()[name]
        lo, hi = RANGES[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
                or not lo <= value <= hi:
            raise ValueError(f"{name}: expected a number in [{lo}, {hi}], got {value!r}")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or not RANGES["T"][0] <= T <= RANGES["T"][1]:
        raise ValueError(f"T: expected an integer in {list(RANGES['T'])}, got {T!r}")
    p = params(forget_bias, input_bias, output_bias)
    x = np.zeros((T, 1, 1))
    x[PULSE - 1] = 1.0
    trace = gates.gate_trace(p, x[:, 0])
    grads = gates.state_gradients("lstm", x, p, np.ones((1, 1)))
    dc, dh = np.abs(grads["dc"][:, 0, 0]), np.abs(grads["dh"][:, 0, 0])
    t = np.arange(1, T + 1)
    c = trace["c"][:, 0]
    result = {"t": t, "c": c, "h": trace["h"][:, 0], "f": trace["f"][:, 0], "pulse": PULSE,
              "settings": {"forget_bias": forget_bias, "input_bias": input_bias,
                           "output_bias": output_bias, "T": T}}
    kept = c[-1] / c[PULSE - 1] if abs(c[PULSE - 1]) > 1e-12 else 0.0
    result["kept"] = float(kept)
    if np.min(dc) < 1e-280 or np.min(dh) < 1e-280:
        result["log_dc"] = np.full(T, np.nan)
        result["log_dh"] = np.full(T, np.nan)
        big = float(np.max(np.abs(c)))
        why = (f"the cell has grown to |c| = {big:.0f}, where tanh is flat (its slope is about "
               f"10^{np.log10(4) - 2 * big / np.log(10):.0f}), so almost nothing enters the cell from h_T"
               if big > 10 else "a forget gate this small erases the cell at every step")
        result["message"] = (f"The gradient from h_T underflows (below 1e-280) on its way back: {why}. "
                             + ("Lower the input bias." if big > 10 else "Raise the forget bias."))
        return result
    result["log_dc"], result["log_dh"] = np.log10(dc), np.log10(dh)
    f_rest = 1 / (1 + np.exp(-forget_bias))
    result["readout"] = (f"forget gate at rest sigma({forget_bias:.1f}) = {f_rest:.3f}; "
                         f"after {T - PULSE} more steps the cell holds {number(kept, '.2f')} times what it held "
                         f"right after the pulse; |dL/dc| at the pulse = "
                         f"10^{number(result['log_dc'][PULSE - 1], '.1f')}")
    return result


class PulseView(View):
    """Top: c_t and h_t with the pulse marked. Bottom: log10 |dL/dc_t| and |dL/dh_t|.

    A message (the gradient underflows) is drawn over the bottom panel
    (``handles_message``): the cell and the state above still mean something.
    """

    handles_message = True

    def build(self, fig) -> None:
        plots.use_style()
        ax, ax_g = fig.subplots(2, 1, sharex=True, gridspec_kw={"left": 0.09, "right": 0.98, "bottom": 0.12,
                                                                 "top": 0.92, "hspace": 0.12})
        self.ax, self.ax_g = ax, ax_g
        self.pulse = [a.axvline(PULSE, color="#bbb", lw=6, zorder=0) for a in (ax, ax_g)]
        (self.c,) = ax.plot([], [], color=plots.COLORS["lstm"], lw=2, label="cell c_t")
        (self.h,) = ax.plot([], [], "--", color=plots.COLORS["rnn"], lw=1.5, label="state h_t")
        ax.set_ylabel("value")
        ax.legend(loc="lower right")             # the cell is written positive: the lower half is free
        (self.dc,) = ax_g.plot([], [], color=plots.COLORS["lstm"], lw=2, label="log₁₀ |∂L/∂c_t|")
        (self.dh,) = ax_g.plot([], [], "--", color=plots.COLORS["rnn"], lw=1.5, label="log₁₀ |∂L/∂h_t|")
        self.legend_g = ax_g.legend(loc="lower right")
        self.message = ax_g.text(0.5, 0.5, "", transform=ax_g.transAxes, ha="center", va="center",
                                 fontsize=9, color="#a00")
        # few, fixed ticks: creating tick artists is most of the drawing time
        for axis in (ax.yaxis, ax_g.yaxis, ax_g.xaxis):
            axis.set_major_locator(MaxNLocator(4))
        ax_g.set_xlabel("step t   (the loss is L = h_T, at the right edge)")
        ax_g.set_ylabel("gradient")

    def update(self, result: dict) -> None:
        t = result["t"]
        self.c.set_data(t, result["c"])
        self.h.set_data(t, result["h"])
        top = max(1.0, float(np.max(np.abs(result["c"]))) * 1.1)
        self.ax.set_ylim(-top, top)
        s = result["settings"]
        self.ax.set_title(f"pulse at t = {result['pulse']} (grey); biases: forget {s['forget_bias']:.1f}, "
                          f"input {s['input_bias']:.1f}, output {s['output_bias']:.1f}")
        message = result.get("message")
        for artist in (self.dc, self.dh, self.legend_g, self.pulse[1]):
            artist.set_visible(not message)
        self.message.set_visible(bool(message))
        self.message.set_text(textwrap.fill(message, 90) if message else "")
        if message:
            self.ax_g.set_ylim(-3.0, 0.5)
            self.ax_g.set_yticks([])
        else:
            self.dc.set_data(t, result["log_dc"])
            self.dh.set_data(t, result["log_dh"])
            lo = float(min(np.min(result["log_dc"]), np.min(result["log_dh"])))
            self.ax_g.set_ylim(min(-3.0, lo - 0.5), 0.5)
            self.ax_g.yaxis.set_major_locator(MaxNLocator(4))
        self.ax_g.set_xlim(1, t[-1])


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`PulseView`)."""
    draw_view(PulseView(), result, fig)


def explorer(forget_bias: float = 2.0, input_bias: float = -3.0, output_bias: float = 2.0,
             T: int = 40) -> Explorer:
    """The widget: a slider per gate bias and one for the length."""
    import ipywidgets as widgets

    def slider(name, value, description):
        lo, hi = RANGES[name]
        return widgets.FloatSlider(value=value, min=lo, max=hi, step=0.5, description=description,
                                   continuous_update=False)

    controls = {
        "forget_bias": slider("forget_bias", forget_bias, "forget bias"),
        "input_bias": slider("input_bias", input_bias, "input bias"),
        "output_bias": slider("output_bias", output_bias, "output bias"),
        "T": widgets.IntSlider(value=T, min=RANGES["T"][0], max=RANGES["T"][1], step=5, description="length T",
                               continuous_update=False),
    }
    return Explorer("One LSTM unit and a pulse: memory above, gradient from the last step below",
                    controls, compute, PulseView(), figsize=(9, 5))
