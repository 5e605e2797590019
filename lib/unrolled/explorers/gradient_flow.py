"""Explorer for notebook 04: how far back does a gradient reach?

Pick the spectral radius of the recurrent matrix ``W``, the activation, a
normal or a non-normal ``W`` (and how non-normal: the strength of its upper
triangle), the scale of the input (it decides whether tanh and the sigmoid
saturate) and the sequence length ``T``. The left panel
shows the measured ``log10 ||dh_T/dh_{T-k}||_2`` against the lag ``k``, next to
two lines: ``rho^k`` (the eigenvalue rate, exact for a linear normal ``W``)
and the bound ``(gamma * sigma_max)^k`` (Pascanu et al. 2013; never exceeded).
The right panel shows the eigenvalues of ``W`` in the complex plane with the
unit circle.

Norms are carried as logarithms (:func:`unrolled.dynamics.log_jacobian_norms`),
so an exploding gradient is drawn, not overflowed. Two settings stop the
numbers from meaning anything and return a ``"message"`` instead: the forward
states themselves blow up (radius > 1 with ReLU or a linear unit driven for
long enough), or every ReLU unit is off at some step (the gradient is then
exactly zero beyond it, and its logarithm is not a number to plot).
"""
from __future__ import annotations

import textwrap

import ipywidgets as widgets
import numpy as np

from .. import dynamics, plots
from ..activations import NAMES
from .base import Explorer, View, draw_view, number

HIDDEN = 16
#: the plot's y-range in decades; curves that leave it are clipped (and the readout says so)
Y_RANGE = (-60.0, 60.0)
#: float64 stops at about 1.8e308: a norm beyond this exists only as a logarithm
FLOAT_DECADES = 308.0
#: what gamma * sigma_max against 1 says, by dynamics.pascanu_conditions (compared with a
#: tolerance: a matrix scaled to radius 1 has sigma_max = 1.0000000000000002, the boundary)
VERDICTS = {"vanishing": "vanishing guaranteed (sigma_max < 1/gamma)",
            "undecided": "on the boundary sigma_max = 1/gamma",
            "exploding possible": "exploding possible (sigma_max > 1/gamma)"}


def compute(radius: float = 0.9, activation: str = "tanh", matrix: str = "normal",
            T: int = 100, drive: float = 0.5, seed: int = 0, coupling: float = 2.0) -> dict:
    """Everything the figure shows, for one setting. Pure: same settings, same numbers.

    ``W`` is ``(16, 16)``, built by :func:`unrolled.dynamics.matrix_with_radius`
    (``coupling``, the strength of the upper triangle, is used only for a non-normal
    ``W``); the input term ``U x_t + b`` is ``drive`` times standard normal noise. The
    result has ``lags`` (0..T), ``log_norms`` (finite, possibly cut short),
    ``rho_line`` = ``k log10(rho)``, ``bound_line`` = ``k log10(gamma sigma_max)``,
    ``eigenvalues``, ``rho``, ``sigma_max``, ``gamma``, ``slope`` (decades per
    step, fitted over the second half of the lags), ``readout`` and, when the
    numbers stop meaning anything, ``message``.
    """
    if activation not in NAMES:
        raise ValueError(f"activation: expected one of {list(NAMES)}, got {activation!r}")
    if matrix not in ("normal", "non-normal"):
        raise ValueError(f"matrix: expected 'normal' or 'non-normal', got {matrix!r}")
    if not (isinstance(T, (int, np.integer)) and T >= 2):
        raise ValueError(f"T: expected an integer >= 2, got {T!r}")
    if not (np.isfinite(drive) and drive >= 0):
        raise ValueError(f"drive: expected a finite number >= 0, got {drive!r}")
    rng = np.random.default_rng(seed)
    W = dynamics.matrix_with_radius(HIDDEN, radius, rng, matrix,
                                    coupling=float(coupling) if matrix == "non-normal" else None)
    noise = drive * rng.standard_normal((T, HIDDEN))
    lam = dynamics.eigenvalues(W)
    cond = dynamics.pascanu_conditions(W, activation)
    rho, sigma, gamma = cond["rho"], cond["sigma_max"], cond["gamma"]
    lags = np.arange(T + 1)
    result = {"lags": lags, "eigenvalues": lam, "rho": rho, "sigma_max": sigma, "gamma": gamma,
              "rho_line": lags * np.log10(rho), "bound_line": lags * np.log10(gamma * sigma),
              "settings": {"radius": radius, "activation": activation, "matrix": matrix, "T": T,
                           "drive": drive, "coupling": coupling},
              "log_norms": np.zeros(1), "slope": None}
    if activation == "linear":
        fprimes = np.ones((T, HIDDEN))                  # f' = 1: no forward pass needed
    else:
        try:
            _, fprimes = dynamics.rnn_trajectory(W, noise, activation)
        except dynamics.StatesOverflow as exc:
            result["message"] = (f"The forward pass explodes: with {activation} and radius {radius:.2f} "
                                 f"the hidden state passes {dynamics.STATE_LIMIT:.0e} at step {exc.step}. "
                                 "Nothing sensible is left to differentiate; shorten T or lower the radius.")
            return result
    ln = dynamics.log_jacobian_norms(W, fprimes)
    finite = np.isfinite(ln)
    dead = int(np.argmin(finite)) if not finite.all() else None
    result["log_norms"] = ln[finite]
    n = result["log_norms"].size
    if n >= 4:
        result["slope"] = dynamics.lag_slope(result["log_norms"], n // 2)
    peak, last = float(np.max(result["log_norms"])), float(result["log_norms"][-1])
    verdict = result["verdict"] = VERDICTS[cond["verdict"]]
    slope = "" if result["slope"] is None else f"; measured rate {10 ** result['slope']:.3f} per step"
    lo, hi = Y_RANGE
    shown = min(float(np.min(result["log_norms"])), float(result["rho_line"][-1])), \
        max(peak, float(result["rho_line"][-1]))
    clipped = (f"; the plot shows 10^{lo:.0f} to 10^{hi:.0f}, curves beyond are cut off"
               if shown[0] < lo or shown[1] > hi else "")
    result["readout"] = (f"rho = {rho:.2f}, sigma_max = {sigma:.2f}, gamma = {gamma:g}: {verdict}{slope}; "
                         f"||dh_T/dh_0|| = 10^{number(last, '.1f')}, largest 10^{number(peak, '.1f')}{clipped}")
    if dead is not None:
        step = T - dead + 1                    # the step whose Jacobian made the product zero
        why = ("every ReLU unit is off there" if not np.any(fprimes[step - 1])
               else "the ReLU units switched off along the way (f' = 0) have cut every path back")
        result["message"] = (f"dh_T/dh_t is exactly the zero matrix from lag {dead} on (step {step}): {why}. "
                             "A dead gradient, not a small number; try a larger radius or tanh.")
    elif peak > FLOAT_DECADES:
        result["message"] = (f"Exploding: ||dh_T/dh_0|| = 10^{peak:.0f} is beyond what float64 can hold "
                             "(about 10^308). It is computed here as a logarithm; a plain backward pass "
                             "would return inf.")
    return result


class FlowView(View):
    """Left: log10 gradient norm against lag with the two theory lines. Right: eigenvalues.

    A message is drawn over the plot (``handles_message``): the theory lines and
    the spectrum still hold when the measured curve stops meaning anything.
    """

    handles_message = True

    def build(self, fig) -> None:
        plots.use_style()
        # fixed margins and plain Unicode instead of mathtext: each costs tens of milliseconds
        ax, ax_eig = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.9, 1], "left": 0.07, "right": 0.98,
                                                     "bottom": 0.14, "top": 0.92, "wspace": 0.25})
        self.ax, self.ax_eig = ax, ax_eig
        (self.rho_line,) = ax.plot([], [], "--", color=plots.COLORS["theory"], label="ρᵏ (eigenvalues)")
        (self.bound_line,) = ax.plot([], [], ":", color=plots.COLORS["approx"], label="(γ·σmax)ᵏ (bound)")
        (self.measured,) = ax.plot([], [], color=plots.COLORS["rnn"], lw=2, label="measured ‖∂h_T/∂h_(T−k)‖₂")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xlabel("lag k = T - t (steps back in time)")
        ax.set_ylabel("log₁₀ gradient norm")
        ax.legend(loc="lower left")
        self.message = ax.text(0.5, 0.97, "", transform=ax.transAxes, ha="center", va="top", fontsize=8,
                               color="#a00", bbox={"facecolor": "white", "edgecolor": "#a00", "alpha": 0.9})
        self.theta = np.linspace(0, 2 * np.pi, 200)
        ax_eig.plot(np.cos(self.theta), np.sin(self.theta), color="k", lw=0.8)
        (self.rho_circle,) = ax_eig.plot([], [], "--", color=plots.COLORS["theory"], lw=0.8)
        (self.eig,) = ax_eig.plot([], [], "o", color=plots.COLORS["rnn"], ms=4)
        ax_eig.set_aspect("equal")
        ax_eig.set_xlabel("Re λ")
        ax_eig.set_ylabel("Im λ")

    def update(self, result: dict) -> None:
        lags = result["lags"]
        lo, hi = Y_RANGE
        self.rho_line.set_data(lags, np.ma.masked_outside(result["rho_line"], lo, hi))
        self.bound_line.set_data(lags, np.ma.masked_outside(result["bound_line"], lo, hi))
        ln = result["log_norms"]
        if ln.size > 1:
            self.measured.set_data(lags[:ln.size], np.ma.masked_outside(ln, lo, hi))
        else:
            self.measured.set_data([], [])
        ax = self.ax
        ymin = max(lo, min(-3.0, float(np.min(ln)) - 1, float(result["rho_line"][-1]) - 1))
        ymax = min(hi, max(3.0, float(np.max(ln)) + 1, float(result["rho_line"][-1]) + 1))
        ax.set_ylim(ymin, ymax)
        ax.set_xlim(0, lags[-1])
        s = result["settings"]
        extra = f", coupling {s['coupling']:.1f}" if s["matrix"] == "non-normal" else ""
        ax.set_title(f"{s['activation']}, {s['matrix']} W{extra}, radius {s['radius']:.2f}, "
                     f"input scale {s['drive']:.2f}, T = {s['T']}", fontsize=9)
        message = result.get("message")
        self.message.set_visible(bool(message))
        self.message.set_text(textwrap.fill(message, 70) if message else "")
        lam, rho = result["eigenvalues"], result["rho"]
        self.rho_circle.set_data(rho * np.cos(self.theta), rho * np.sin(self.theta))
        self.eig.set_data(lam.real, lam.imag)
        r = max(1.1, 1.1 * rho)
        self.ax_eig.set_xlim(-r, r)
        self.ax_eig.set_ylim(-r, r)
        self.ax_eig.set_title("eigenvalues of W (dots), unit circle,\n"
                              f"|λ| = ρ = {rho:.2f} (dashed); σmax = {result['sigma_max']:.2f}", fontsize=9)


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`FlowView`)."""
    draw_view(FlowView(), result, fig)


def explorer(radius: float = 0.9, activation: str = "tanh", matrix: str = "normal",
             T: int = 100, drive: float = 0.5, coupling: float = 2.0) -> Explorer:
    """The widget: sliders and menus for :func:`compute`, the figure from :func:`draw`."""
    controls = {
        "radius": widgets.FloatSlider(value=radius, min=0.3, max=2.0, step=0.05,
                                      description="radius ρ", continuous_update=False),
        "activation": widgets.Dropdown(options=list(NAMES), value=activation, description="activation"),
        "matrix": widgets.ToggleButtons(options=["normal", "non-normal"], value=matrix, description="W"),
        "T": widgets.IntSlider(value=T, min=10, max=600, step=10, description="length T",
                               continuous_update=False),
        "drive": widgets.FloatSlider(value=drive, min=0.0, max=3.0, step=0.05, description="input scale",
                                     continuous_update=False),
        "coupling": widgets.FloatSlider(value=coupling, min=0.0, max=4.0, step=0.25,
                                        description="non-normality", continuous_update=False),
    }

    def follow(c):
        c["coupling"].disabled = c["matrix"].value == "normal"      # a normal W has no upper triangle

    return Explorer("Gradient norm against lag, and the eigenvalues of W", controls, compute, FlowView(),
                    figsize=(10, 3.8), follow=follow)
