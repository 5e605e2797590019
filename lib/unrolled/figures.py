"""Regenerate the course's figures: ``python -m unrolled.figures OUTDIR`` (``make figures``).

Every image in ``figures/`` is drawn here from the library, so a figure can be
rebuilt rather than edited by hand. The PNGs are byte-for-byte reproducible for
a fixed matplotlib version (Agg renderer, bundled fonts, no timestamp or
software tag), which ``tests/test_figures.py`` checks against the committed files.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from unrolled import cells, hmm, plots, sequence

DPI = 100


def unrolled_rnn() -> Figure:
    """The RNN folded and unrolled over four steps (README, notebook 00)."""
    fig = Figure(figsize=(9, 3.2), dpi=DPI, layout="constrained")
    plots.unrolled_diagram(fig.add_subplot(), T=4)
    return fig


def _cell_card(draw, equations, note=None) -> Figure:
    """A cell's diagram on the left, its equations on the right."""
    fig = Figure(figsize=(11.5, 3.4), dpi=DPI, layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [10.5, 5.2]})
    draw(left)
    plots.equations_panel(right, equations, note)
    return fig


def lstm_cell() -> Figure:
    """The LSTM step, every block labelled, beside its six equations (notebook 05)."""
    return _cell_card(plots.lstm_cell, plots.LSTM_EQUATIONS)


def gru_cell() -> Figure:
    """The GRU step in the course's convention, beside its four equations (notebook 06)."""
    note = ("Reset before the product, as in Cho et al. (2014) and the notes. PyTorch and cuDNN "
            r"use $r_t \odot (W_{hn} h_{t-1} + b_{hn})$; notes 003 and 004 write $u_t = 1 - z_t$.")
    return _cell_card(plots.gru_cell, plots.GRU_EQUATIONS, note)


def forward_messages() -> dict:
    r"""The forward algorithm on notebook 02's example (note 002's HMM, "John hit the ball").

    Returns ``h`` ``(T, N)``, $h_{j,t} = P(Y_t = j, x_1..x_t)$ from :func:`unrolled.hmm.forward_joint`;
    ``flow`` ``(T - 1, N, N)``, what edge $i \to j$ into step $t$ carries,
    $h_{i,t-1} A_{ij} E_{j,x_t}$ (its sum over $i$ is $h_{j,t}$); ``share`` = ``flow / h``, each edge's
    part of the node it enters; and the example's ``words``, ``tags`` and HMM.
    """
    L = hmm.lecture_hmm()
    h = hmm.forward_joint(L["initial"], L["A"], L["E"], L["obs"])
    flow = h[:-1, :, None] * L["A"][None] * L["E"][:, L["obs"][1:]].T[:, None, :]
    return {"h": h, "flow": flow, "share": flow / h[1:, None, :], "words": L["sentence"], "tags": L["tags"],
            "hmm": L}


def hmm_trellis() -> Figure:
    """The trellis of notebook 02 with the forward messages in its nodes."""
    m = forward_messages()
    fig = Figure(figsize=(9, 3.4), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    plots.forward_trellis(ax, m["words"], m["tags"], m["h"], m["share"])
    ax.set_title(r"Forward messages $h_{j,t} = P(Y_t = j,\ x_1..x_t)$: each node adds the products along its "
                 "edges (width: share of the sum)", fontsize=10)
    return fig


#: the set-up of the gradient-against-lag figure
LAG = {"T": 60, "D": 4, "H": 32, "seeds": (0, 1, 2, 3, 4), "keep": 3.0}


def lag_gradients(keep: float = 0.0, T: int = LAG["T"], D: int = LAG["D"], H: int = LAG["H"],
                  seeds=LAG["seeds"]) -> dict:
    r"""How much of a last-step gradient reaches each earlier input, for the RNN, LSTM and GRU.

    For each seed: a cell from :func:`unrolled.cells.init` (PyTorch's uniform initialisation;
    with ``keep`` added to the bias of the LSTM's forget gate and of the GRU's update gate, so
    they start near $\sigma(\text{keep})$), ``T`` steps of standard normal input, and the loss
    $L = \langle g, h_T \rangle$ with a random unit $g$. Returns ``{kind: (S, T)}``, row ``s``
    holding $\log_{10}(\lVert \partial L / \partial x_{T-k} \rVert / \lVert \partial L / \partial x_T \rVert)$
    at lags $k = 0 .. T-1$ from :func:`unrolled.sequence.backward`, rounded to 3 decimals (a
    figure drawn from them does not depend on the last digits of the BLAS in use).
    """
    curves = {}
    for kind in ("rnn", "lstm", "gru"):
        rows = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            p = cells.init(kind, D, H, rng, **({"forget_bias": keep} if kind == "lstm" else {}))
            if kind == "gru":
                p["b_h"][H:2 * H] += keep                          # blocks r, z, n: z is the fraction kept
            x = rng.standard_normal((T, 1, D))
            g = rng.standard_normal((1, H))
            hs, cache = sequence.forward(kind, x, p)
            dhs = np.zeros_like(hs)
            dhs[-1] = g / np.linalg.norm(g)
            dx, _, _ = sequence.backward(dhs, cache)
            norms = np.linalg.norm(dx[::-1, 0], axis=1)            # lag 0 first
            rows.append(np.round(np.log10(norms / norms[0]), 3))
        curves[kind] = np.array(rows)
    return curves


def decades_lost(curves: dict, lag: int) -> dict:
    """The median (over seeds) number of decades each cell's gradient has lost at ``lag``."""
    return {kind: float(-np.median(v[:, lag])) for kind, v in curves.items()}


def gradient_vs_lag() -> Figure:
    """Gradient norm against lag for the RNN, LSTM and GRU: default initialisation, and gates biased to keep."""
    T, keep = LAG["T"], LAG["keep"]
    lags = np.arange(T)
    default, kept = lag_gradients(0.0), lag_gradients(keep)
    lost0, lost3 = decades_lost(default, T - 1), decades_lost(kept, T - 1)
    fig = Figure(figsize=(10, 3.8), dpi=DPI, layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    plots.gradient_against_lag(left, lags, default, "default initialisation:\n"
                               f"all three lose more than {int(min(lost0.values()))} decades by lag {T - 1}")
    plots.gradient_against_lag(right, lags, kept, f"forget and update gate biases +{keep:g}:\n"
                               f"LSTM and GRU lose less than {int(np.ceil(max(lost3['lstm'], lost3['gru'])))}"
                               f" decades, the RNN more than {int(lost3['rnn'])}")
    left.set_ylabel(r"$\|\partial L / \partial x_{T-k}\| \,/\, \|\partial L / \partial x_T\|$")
    left.legend(loc="lower left")
    fig.suptitle(f"How much of a gradient from step T = {T} reaches the input k steps back "
                 f"(median and range of {len(LAG['seeds'])} random cells, H = {LAG['H']})", fontsize=11)
    return fig


#: file name -> function drawing it
FIGURES: dict[str, Callable[[], Figure]] = {
    "unrolled_rnn.png": unrolled_rnn,
    "lstm_cell.png": lstm_cell,
    "gru_cell.png": gru_cell,
    "hmm_trellis.png": hmm_trellis,
    "gradient_vs_lag.png": gradient_vs_lag,
}


def generate(outdir: Path) -> list[Path]:
    """Draw every figure into ``outdir`` (created if needed); return the paths written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    with mpl.rc_context(plots.STYLE):
        for name, draw in FIGURES.items():
            path = outdir / name
            draw().savefig(path, dpi=DPI, metadata={"Software": None})
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path, help="folder to write the figures into, e.g. figures")
    args = parser.parse_args(argv)
    for path in generate(args.outdir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
