"""Explorer for notebook 08: an encoder-decoder reverses a sequence, token by token.

Pick a source sequence and a decoder step. Left: the encoder's states h^enc_1 ..
h^enc_S as columns (one row per unit); the last column is the summary c the
decoder starts from. Right: the decoder's distribution over the next token at
the chosen step (greedy decoding: it feeds back its own choices), the three most
likely candidates named in the readout, and the output so far in the title.

Without ``params`` the model is a freshly initialised one (seeded): the explorer
works, but its outputs mean nothing until it is trained (notebook 08 passes its
trained model).
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from unrolled import data, plots, seq2seq
from unrolled.explorers.base import Explorer, View, draw_view

N_SYMBOLS = 6
TASK = "reverse"
KIND = "gru"


def token_names(n_symbols: int = N_SYMBOLS) -> list[str]:
    """The target vocabulary's names: ``<end>``, ``<go>``, then the symbols ``A``, ``B`` ..."""
    return ["<end>", "<go>"] + [chr(ord("A") + k) for k in range(n_symbols)]


def default_sources(n_symbols: int = N_SYMBOLS) -> list[str]:
    """Source sequences of lengths 1 to 10, seeded (the menu's choices)."""
    rng = np.random.default_rng(8)
    names = token_names(n_symbols)[2:]
    return [" ".join(names[i] for i in rng.integers(0, n_symbols, L)) for L in (1, 3, 4, 5, 6, 8, 10)]


def make_compute(params, n_symbols: int = N_SYMBOLS, kind: str = KIND, task: str = TASK):
    """``compute(source, step)`` for one trained model (pure)."""
    names = token_names(n_symbols)
    index = {w: i for i, w in enumerate(names[2:])}

    def compute(source: str = "A B C", step: int = 1) -> dict:
        words = source.split() if isinstance(source, str) else []
        if not words or any(w not in index for w in words):
            return {"message": f"Type symbols from {names[2]} to {names[-1]} separated by spaces (got {source!r})."}
        S = len(words)
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 1 <= step <= S + 1:
            return {"message": f"This source has {S} symbols; the decoder runs {S + 1} steps "
                               f"(the symbols and <end>): pick a step from 1 to {S + 1} (got {step!r})."}
        src = np.array([[index[w]] for w in words])
        ids, probs, hs = seq2seq.translate(kind, src, params, data.SEQ2SEQ_GO, S + 1)
        want = {"copy": words, "reverse": words[::-1], "sort": sorted(words)}[task] + ["<end>"]
        p = probs[step - 1, 0]
        top = np.argsort(-p, kind="stable")[:3]
        out = [names[i] for i in ids[:step, 0]]
        right = sum(a == b for a, b in zip(out, want[:step]))
        readout = (f"step {step}: the decoder outputs <b>{out[-1]}</b> (right: {want[step - 1]}); "
                   "top candidates " + ", ".join(f"{names[i]} ({p[i]:.2f})" for i in top)
                   + f"; {right} of {step} outputs right so far")
        return {"hs": hs[:, 0], "p": p, "choice": int(ids[step - 1, 0]), "step": step, "out": out,
                "source": words, "names": names, "readout": readout}

    return compute


class Seq2SeqView(View):
    """Left: the encoder's states (units by source steps). Right: the decoder's next-token distribution."""

    def __init__(self, H: int, names, longest: int):
        self.H, self.names, self.longest = H, list(names), longest

    def build(self, fig) -> None:
        plots.use_style()
        self.ax_h, self.ax_p = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3], "left": 0.06,
                                                               "right": 0.99, "bottom": 0.18, "top": 0.86,
                                                               "wspace": 0.15})
        blank = np.ma.masked_array(np.zeros((self.H, self.longest)), mask=True)
        self.image = self.ax_h.imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto",
                                      interpolation="nearest")
        self.ax_h.set_yticks([])
        self.ax_h.set_ylabel(f"{self.H} encoder units")
        self.ax_h.set_xticks([])
        self.ax_h.grid(False)
        # one label per source position, made once; an update only changes their text
        self.labels = [self.ax_h.text(s, self.H - 0.5 + 0.08 * self.H, "", ha="center", va="top", fontsize=9)
                       for s in range(self.longest)]
        self.ax_h.set_title("encoder states (last column: the summary c)", fontsize=10)
        V = len(self.names)
        self.bars = self.ax_p.bar(range(V), np.zeros(V), color=plots.COLORS["rnn"])
        self.ax_p.set_ylim(0, 1)
        self.ax_p.set_xlim(-0.6, V - 0.4)
        self.ax_p.set_xticks(range(V))
        self.ax_p.set_xticklabels(self.names, fontsize=9)
        self.p_title = self.ax_p.set_title("", fontsize=10)

    def update(self, result: dict) -> None:
        shown = np.ma.masked_array(np.zeros((self.H, self.longest)), mask=True)
        S = len(result["source"])
        shown[:, :S] = result["hs"].T
        self.image.set_data(shown)
        for label, text in zip(self.labels, result["source"] + [""] * (self.longest - S)):
            label.set_text(text)
        for i, bar in enumerate(self.bars):
            bar.set_height(result["p"][i])
            bar.set_color("#d62728" if i == result["choice"] else plots.COLORS["rnn"])
        self.p_title.set_text(f"step {result['step']}: p(next token), chosen in red; output so far: "
                              + " ".join(result["out"]))


def draw(result: dict, fig) -> None:
    draw_view(Seq2SeqView(result["hs"].shape[1], result["names"], 10), result, fig)


def explorer(params=None, sources=None, source: str | None = None, step: int = 1) -> Explorer:
    """A menu of source sequences (pass your own as ``sources``) and a decoder-step slider that follows its length."""
    if params is None:
        params = seq2seq.init(KIND, N_SYMBOLS, N_SYMBOLS + 2, 24, np.random.default_rng(0))
    sources = default_sources() if sources is None else list(sources)
    longest = max(len(s.split()) for s in sources)
    compute = make_compute(params)
    source = sources[2] if source is None else source
    controls = {
        "source": widgets.Dropdown(options=sources, value=source, description="source"),
        "step": widgets.IntSlider(value=step, min=1, max=len(source.split()) + 1, description="decoder step"),
    }

    def follow(c):
        c["step"].max = len(c["source"].value.split()) + 1

    return Explorer("An encoder-decoder reverses a sequence: the encoder's states and the decoder's next token",
                    controls, compute, Seq2SeqView(params["W_y"].shape[1], token_names(), longest),
                    figsize=(9, 3.6), follow=follow)
