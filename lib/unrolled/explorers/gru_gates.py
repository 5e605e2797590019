"""Explorer for notebook 06: what a GRU's two gates do to the memory of one pulse.

One unit, one input. The input is a single pulse at step 1 and zeros after it.
The update gate ``z`` (the library's: the fraction of the old state kept) and
the reset gate ``r`` either are *pinned* (their weights are zero, so each is
``sigmoid(bias)`` at every step) or are *driven* by the input and the state
(the pulse opens the update gate, so the pulse is written in), with the
sliders as their biases. The toggle moves the reset gate before the recurrent
product (Cho et al. 2014, the notes) or after it (PyTorch, cuDNN), with the
same weights (:func:`unrolled.gru_forms.cho_from_after`).

Top panel: the state with the pulse, without it, and their difference (the
pulse's trace, drawn relative to its size at step 1). Bottom panel: ``log10 |dh_T/dh_t|``, the gradient back through
time from the last step: the product of the steps' local derivatives (the
library's backward of one step), added as logarithms so that it never underflows.
"""
from __future__ import annotations

import textwrap

import ipywidgets as widgets
import numpy as np

from .. import gru_forms, plots, sequence
from .base import Explorer, View, draw_view, number

#: where the reset gate acts, as the toggle shows it
CONVENTIONS = ("before (Cho)", "after (PyTorch)")
GATES = ("driven", "pinned")
#: candidate block: input weight, recurrent weight, the two biases (b_xn, b_hn)
W_XN, W_HN, B_XN, B_HN = 2.0, 0.9, 0.0, 0.4
#: driven gates: input and recurrent weights of the reset and update blocks
W_XR, W_HR, W_XZ, W_HZ = 2.0, 1.0, -8.0, 1.0
#: a trace smaller than this at step 1 is no memory worth drawing (the pulse did not get in)
NOISE = 1e-6


def params(update_bias: float, reset_bias: float, gates: str, convention: str) -> dict:
    """The one-unit GRU of the explorer, in the library's layout for the chosen convention."""
    if gates not in GATES:
        raise ValueError(f"gates: expected one of {list(GATES)}, got {gates!r}")
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {list(CONVENTIONS)}, got {convention!r}")
    driven = gates == "driven"
    p = {"W_x": np.array([[W_XR if driven else 0.0], [W_XZ if driven else 0.0], [W_XN]]),
         "W_h": np.array([[W_HR if driven else 0.0], [W_HZ if driven else 0.0], [W_HN]]),
         "b_x": np.array([0.0, 0.0, B_XN]),
         "b_h": np.array([float(reset_bias), float(update_bias), B_HN])}
    return p if convention == CONVENTIONS[1] else gru_forms.cho_from_after(p)


def compute(update_bias: float = 4.0, reset_bias: float = 0.0, gates: str = "driven",
            convention: str = CONVENTIONS[0], T: int = 60) -> dict:
    """Everything the figure shows. Pure: same settings, same numbers.

    Returns ``t`` (1..T), ``h`` (with the pulse), ``h_none`` (without), ``trace`` = their
    difference, ``grad_t`` (T..0) and ``log_grad`` = ``log10 |dh_T/dh_t|`` at those t,
    ``z_pinned``/``r_pinned`` (sigmoid of the biases), ``readout`` and, where the
    numbers mean nothing, ``message``.
    """
    if not (isinstance(T, (int, np.integer)) and 2 <= T <= 400):
        raise ValueError(f"T: expected an integer from 2 to 400, got {T!r}")
    for name, v in (("update_bias", update_bias), ("reset_bias", reset_bias)):
        if not (isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v) and abs(v) <= 20):
            raise ValueError(f"{name}: expected a number in [-20, 20], got {v!r}")
    p = params(update_bias, reset_bias, gates, convention)
    x = np.zeros((T, 1, 1))
    x[0] = 1.0
    hs, cache = sequence.forward("gru", x, p)
    h = hs[:, 0, 0]
    h_none = sequence.forward("gru", np.zeros_like(x), p)[0][:, 0, 0]
    # one unit: dh_T/dh_t is the product of the steps' local derivatives dh_s/dh_(s-1), s = t+1 .. T
    # (each the backward of one step, cells' core_backward, given dh_s = 1), summed as logarithms
    # so that no product underflows
    one = np.ones((1, 1))
    local = np.array([cache["cell"].core_backward(one, core)[2][0, 0] for core in cache["cores"]])
    if np.any(local == 0.0):
        raise ArithmeticError("a local derivative is exactly zero")      # not reachable with |bias| <= 20
    log_grad = np.concatenate([[0.0], np.cumsum(np.log10(np.abs(local[::-1])))])   # t = T .. 0
    z_pin, r_pin = 1 / (1 + np.exp(-update_bias)), 1 / (1 + np.exp(-reset_bias))
    trace = h - h_none
    result = {"t": np.arange(1, T + 1), "h": h, "h_none": h_none, "trace": trace,
              "grad_t": np.arange(T, -1, -1), "log_grad": log_grad,
              "z_pinned": z_pin, "r_pinned": r_pin,
              "settings": {"update_bias": update_bias, "reset_bias": reset_bias, "gates": gates,
                           "convention": convention, "T": T}}
    start, end = abs(trace[0]), abs(trace[-1])
    kept = end / start if start > NOISE else 0.0
    gates_text = (f"gates pinned at z = {z_pin:.4f}, r = {r_pin:.3f}" if gates == "pinned"
                  else f"gates driven by input and state (biases {update_bias:+.1f}, {reset_bias:+.1f})")
    result["kept"] = kept
    result["readout"] = (f"{gates_text}, reset {convention}: the pulse's trace is {trace[0]:+.2e} at t = 1 and "
                         f"{trace[-1]:+.2e} at t = {T} ({100 * kept:.3g}% kept); "
                         f"|dh_T/dh_1| = 10^{number(result['log_grad'][-2], '.2f')}")
    if start <= NOISE:
        result["message"] = (f"The pulse never gets in: with the update gate at z = {z_pin:.6f} the step "
                             "keeps all of the old state and takes none of the candidate. "
                             "Lower the update bias, or let the input drive the gates.")
    return result


class GateView(View):
    """Top: the state with and without the pulse, and the trace. Bottom: log10 |dh_T/dh_t|.

    Built once (axes, lines, labels, legend); an update replaces the lines' data,
    the limits and the headline. A message is drawn over the top panel
    (``handles_message``): the curves still show what happened.
    """

    handles_message = True

    def build(self, fig) -> None:
        plots.use_style()
        ax, ax_g = fig.subplots(2, 1, gridspec_kw={"left": 0.08, "right": 0.98, "bottom": 0.11,
                                                   "top": 0.9, "hspace": 0.15})
        self.ax, self.ax_g = ax, ax_g
        (self.h,) = ax.plot([], [], color=plots.COLORS["gru"], lw=2, label="h_t with the pulse")
        (self.h_none,) = ax.plot([], [], "--", color=plots.COLORS["theory"], label="h_t without it")
        (self.trace,) = ax.plot([], [], color=plots.COLORS["exact"], lw=1, label="trace / trace at t = 1")
        ax.set_ylim(-1.05, 1.05)
        ax.set_yticks([-1.0, 0.0, 1.0])
        ax.set_ylabel("state")
        ax.legend(loc="lower right", ncol=3)
        self.headline = fig.text(0.08, 0.95, "", fontsize=10)
        self.message = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=9,
                               color="#a00", bbox={"facecolor": "white", "edgecolor": "#a00"})
        (self.grad,) = ax_g.plot([], [], color=plots.COLORS["gru"], lw=2)
        ax_g.set_xlabel("step t")
        ax_g.set_ylabel("log₁₀ |∂h_T/∂h_t|")

    def update(self, result: dict) -> None:
        s, t = result["settings"], result["t"]
        xticks = np.linspace(0, s["T"], 5)
        self.h.set_data(t, result["h"])
        self.h_none.set_data(t, result["h_none"])
        first = result["trace"][0]
        self.trace.set_data(*((t, result["trace"] / first) if abs(first) > NOISE else ([], [])))
        self.ax.set_xlim(0, s["T"])
        self.ax.set_xticks(xticks, [])
        self.headline.set_text(f"one-unit GRU, {s['gates']} gates, reset {s['convention']}: "
                               f"{100 * result['kept']:.3g}% of the pulse's trace left after {s['T']} steps")
        message = result.get("message")
        self.message.set_visible(bool(message))
        self.message.set_text(textwrap.fill(message, 80) if message else "")
        lg = result["log_grad"]
        lo, hi = min(-3.0, float(np.min(lg)) - 0.5), max(0.5, float(np.max(lg)) + 0.5)
        self.grad.set_data(result["grad_t"], lg)
        self.ax_g.set_ylim(lo, hi)
        self.ax_g.set_yticks(np.unique(np.round(np.linspace(lo, hi, 4))))
        self.ax_g.set_xlim(0, s["T"])
        self.ax_g.set_xticks(xticks)


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`GateView`)."""
    draw_view(GateView(), result, fig)


def explorer(update_bias: float = 4.0, reset_bias: float = 0.0, gates: str = "driven",
             convention: str = CONVENTIONS[0], T: int = 60) -> Explorer:
    """The widget: bias sliders for both gates, pinned or driven gates, the convention, the length."""
    controls = {
        "update_bias": widgets.FloatSlider(value=update_bias, min=-6.0, max=8.0, step=0.5,
                                           description="update bias", continuous_update=False),
        "reset_bias": widgets.FloatSlider(value=reset_bias, min=-6.0, max=6.0, step=0.5,
                                          description="reset bias", continuous_update=False),
        "gates": widgets.ToggleButtons(options=list(GATES), value=gates, description="gates"),
        "convention": widgets.ToggleButtons(options=list(CONVENTIONS), value=convention,
                                            description="reset", style={"button_width": "auto"}),
        "T": widgets.IntSlider(value=T, min=10, max=200, step=10, description="length T",
                               continuous_update=False),
    }
    return Explorer("A one-unit GRU's memory of a pulse, and the gradient back through time", controls,
                    compute, GateView(), figsize=(9, 4.6))
