"""Explorer: the unrolled graph of a short sequence, and where a state's gradient comes from.

Pick a step k. The state h_k can only influence the losses L_k, ..., L_T, so its
gradient dL/dh_k collects exactly those, each through the chain of Jacobians
dh_t/dh_k (:func:`unrolled.bptt.loss_contributions`). The figure draws the
unrolled network with those paths lit up, and a bar per loss: how large its
contribution is and what share of dL/dh_k it makes. The recurrent scale is the
spectral radius of W_hh (a random matrix rescaled to it exactly), so the reader
sees contributions from far losses fade (small scale) or stay large (scale near
or above 1).
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgba

from unrolled import bptt
from unrolled.plots import COLORS

from .base import Explorer, View, draw_view, number

N_IN, N_HIDDEN = 4, 6
MAX_T = 12
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(name, t):
    """'h', 3 -> 'h₃': plain text, because mathtext would cost most of the update time."""
    return f"{name}{str(t).translate(_SUB)}"


def compute(step=3, T=8, scale=1.0, seed=0) -> dict:
    """What the figure shows, for state h_step (1-based) of a T-step sequence.

    Returns ``T``, ``step``, ``norms`` (T,) = |dL_t/dh_t dh_t/dh_step| for each
    loss t (zero before ``step``), ``shares`` (T,) = each part's projection on
    dL/dh_step (they sum to 1), ``fraction_later`` = the shares of L_{step+1} ... L_T
    summed (the same quantity as the bar labels), ``total_norm`` and a ``readout`` line; or a
    ``message`` when the settings cannot be computed.
    """
    if not 2 <= T <= MAX_T:
        return {"message": f"choose a sequence length between 2 and {MAX_T} (got {T})", "T": T}
    if not 1 <= step <= T:
        return {"message": f"choose a step between 1 and T = {T} (got {step})", "T": T}
    if not 0.0 <= scale <= 5.0:
        return {"message": f"choose a recurrent scale between 0 and 5 (got {scale})", "T": T}
    rng = np.random.default_rng(seed)
    params = bptt.init_lm(N_IN, N_HIDDEN, N_IN, rng, scale=1.0, bias=0.1)
    # W_hh with spectral radius exactly `scale`: a random matrix, rescaled
    radius = np.max(np.abs(np.linalg.eigvals(params["W_hh"])))
    params["W_hh"] = params["W_hh"] * (scale / radius)
    tokens = rng.integers(0, N_IN, (T + 1, 1))
    x, targets = np.eye(N_IN)[tokens[:-1]], tokens[1:]          # predict the next token
    _, cache = bptt.lm_forward(x, targets, params)
    r = bptt.loss_contributions(cache, step - 1)
    total_norm = float(np.linalg.norm(r["total"]))
    norms, shares = r["norms"], r["shares"]
    # the same quantity as the bar labels: each loss's share of dL/dh_step (projections, summing to 1)
    fraction_later = float(shares[step:].sum())
    readout = (f"dL/dh_{step} collects L_{step} ... L_{T} ({T - step + 1} loss{'es' if T > step else ''}); "
               f"|dL/dh_{step}| = {total_norm:.3g}; later losses' share of it: "
               f"{number(100 * fraction_later, '.0f')}% (the sum of the labels right of L_{step})")
    return {"T": T, "step": step, "scale": scale, "norms": norms, "shares": shares,
            "total_norm": total_norm, "fraction_later": fraction_later, "readout": readout}


def _edges(T, k, weight):
    """The arrows of the unrolled graph: ``(starts, ends, colors, widths)`` for x→h, h→L and h→h.

    Paths that reach back to h_k are hot, their width and opacity growing with
    the size of what each loss sends; the rest are grey.
    """
    hot, cold = np.array(to_rgba(COLORS["approx"])), np.array(to_rgba("#bbbbbb"))
    starts, ends, colors, widths = [], [], [], []
    for t in range(1, T + 1):                       # x_t -> h_t, h_t -> L_t, h_{t-1} -> h_t
        reaches = t >= k
        starts += [(t, 0), (t, 1)]
        ends += [(t, 1), (t, 2)]
        colors += [cold, hot * [1, 1, 1, 0.3 + 0.7 * weight[t - 1]] if reaches else cold]
        widths += [0.5, 0.5 + 2.5 * weight[t - 1] if reaches else 0.5]
        if t > 1:
            starts.append((t - 1, 1))
            ends.append((t, 1))
            colors.append(hot if t - 1 >= k else cold)
            widths.append(1.5 if t - 1 >= k else 0.5)
    return np.array(starts, float), np.array(ends, float), np.array(colors), widths


class GraphView(View):
    """Top: the unrolled graph, paths into h_step highlighted. Bottom: one bar per loss.

    Everything is built for the longest sequence (:data:`MAX_T`); an update
    moves, recolours and hides. Only the arrows are redrawn (one quiver).
    """

    def build(self, fig) -> None:
        self.top, self.bottom = fig.subplots(2, 1, gridspec_kw={
            "height_ratios": [1.25, 1], "left": 0.08, "right": 0.98, "bottom": 0.07, "top": 0.93, "hspace": 0.3})
        self.hot, self.cold = np.array(to_rgba(COLORS["approx"])), np.array(to_rgba("#bbbbbb"))
        ts = np.arange(1, MAX_T + 1)
        white = np.ones(4)
        top = self.top
        self.arrows = None
        self.x_nodes = top.scatter(ts, np.zeros(MAX_T), s=260, marker="s", c=[white], edgecolors=[self.cold],
                                   zorder=3)
        self.h_nodes = top.scatter(ts, np.ones(MAX_T), s=320, c=[white], edgecolors=[self.cold],
                                   linewidths=1.5, zorder=3)
        self.l_nodes = top.scatter(ts, 2 * np.ones(MAX_T), s=260, marker="s", c=[white],
                                   edgecolors=[self.cold], zorder=3)
        self.labels = [[top.text(t, row, _sub(name, t), ha="center", va="center", fontsize=9, zorder=4)
                        for t in ts] for row, name in enumerate("xhL")]
        top.set_ylim(-0.5, 2.5)
        top.axis("off")
        self.bars = self.bottom.bar(ts, np.zeros(MAX_T), color=[self.cold])
        self.shares = [self.bottom.text(t, 0, "", ha="center", va="bottom", fontsize=8) for t in ts]

    def update(self, result: dict) -> None:
        T, k = result["T"], result["step"]
        norms, shares = result["norms"], result["shares"]
        hot, cold, white = self.hot, self.cold, np.ones(4)
        biggest = norms.max() if norms.max() > 0 else 1.0
        weight = norms / biggest
        ts = np.arange(1, T + 1)
        reaches = ts >= k
        top = self.top
        if self.arrows is not None:
            self.arrows.remove()
        starts, ends, colors, widths = _edges(T, k, weight)
        gap = 0.2                                   # arrows stop this short of both nodes
        direction = ends - starts
        unit = direction / np.linalg.norm(direction, axis=1, keepdims=True)
        tail = starts + gap * unit
        self.arrows = top.quiver(tail[:, 0], tail[:, 1], *(direction - 2 * gap * unit).T, color=colors,
                                 angles="xy", scale_units="xy", scale=1, width=0.0025, headwidth=4,
                                 linewidths=widths, edgecolors=colors)
        edges = [hot if r else cold for r in reaches]
        self.x_nodes.set_offsets(np.column_stack([ts, np.zeros(T)]))
        self.h_nodes.set_offsets(np.column_stack([ts, np.ones(T)]))
        self.h_nodes.set_facecolors([hot if t == k else white for t in ts])
        self.h_nodes.set_edgecolors(edges)
        self.l_nodes.set_offsets(np.column_stack([ts, 2 * np.ones(T)]))
        self.l_nodes.set_facecolors([hot * [1, 1, 1, 0.15 + 0.85 * w] if r else white
                                     for r, w in zip(reaches, weight)])
        self.l_nodes.set_edgecolors(edges)
        for row in self.labels:
            for t, label in enumerate(row, start=1):
                label.set_visible(t <= T)
        for t, label in enumerate(self.labels[1], start=1):
            label.set_color("white" if t == k else "black")
        for t, label in enumerate(self.labels[2], start=1):     # a loss node's fill darkens with its weight
            label.set_color("white" if k <= t <= T and 0.15 + 0.85 * weight[t - 1] > 0.55 else "black")
        top.set_xlim(0.4, T + 0.6)
        top.set_title(f"unrolled RNN: the gradient at {_sub('h', k)} collects {_sub('L', k)} … "
                      f"{_sub('L', T)}, flowing back against the red arrows")
        bottom = self.bottom
        for t, (bar, share) in enumerate(zip(self.bars, self.shares), start=1):
            shown = t <= T
            bar.set_visible(shown)
            share.set_visible(shown and t >= k)
            if shown:
                bar.set_height(norms[t - 1])
                bar.set_color(hot if t >= k else cold)
                share.set_position((t, norms[t - 1]))
                share.set_text(f"{number(100 * shares[t - 1], '.0f')}%")
        bottom.set_xticks(ts, [_sub("L", t) for t in ts])
        bottom.set_xlim(0.4, T + 0.6)
        bottom.set_ylim(0, 1.25 * biggest)
        bottom.set_ylabel(f"size sent to {_sub('h', k)}")
        bottom.set_title(f"what each loss sends to {_sub('h', k)}: |∂Lₜ/∂hₜ · ∂hₜ/∂{_sub('h', k)}|"
                         f"  (label: its share of ∂L/∂{_sub('h', k)})", fontsize=10)


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`GraphView`)."""
    draw_view(GraphView(), result, fig)


def explorer(step=3, T=8, scale=1.0, seed=0) -> Explorer:
    """The widget: sliders for the step, the sequence length and W_hh's spectral radius."""
    controls = {
        "step": widgets.IntSlider(value=step, min=1, max=max(T, step), description="step k"),
        "T": widgets.IntSlider(value=T, min=2, max=MAX_T, description="length T"),
        "scale": widgets.FloatSlider(value=scale, min=0.0, max=3.0, step=0.1,
                                     description="radius of W_hh"),
        "seed": widgets.IntSlider(value=seed, min=0, max=9, description="seed"),
    }
    return Explorer("Which losses does a state's gradient collect?", controls, compute, GraphView(),
                    figsize=(9, 5), follow=_step_follows_length)


def _step_follows_length(controls) -> None:
    """The step slider ends at T: a step beyond the sequence does not exist."""
    controls["step"].max = controls["T"].value
