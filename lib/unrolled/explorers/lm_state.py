"""Explorer for notebook 01: read a sentence word by word with an RNN language model.

Pick a sentence and a step. The RNN LM (:func:`unrolled.lm.rnn_step`) has read
the words before that step, starting from ``<end>``; the left panel shows its
state h_1 .. h_t as columns (one row per unit), the right panel its
distribution p_t over the next word, with the sentence's real next word in
red. With the trained model of notebook 01, watch the state change when the
subject is read and the verb's number follow the subject across the phrase in between.

Without ``params`` the model is a freshly initialised one (seeded): the
explorer works, but its predictions mean nothing until it is trained.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from unrolled import data, lm, plots
from unrolled.explorers.base import Explorer, View, draw_view


def _default():
    vocab = data.agreement_vocabulary()
    sentences = data.agreement_sentences()
    chosen = [sentences[i] for i in (0, len(sentences) - 1, 17, 200)]
    return lm.init_rnn(len(vocab), 8, 16, np.random.default_rng(0)), vocab, chosen


def make_compute(params, vocab: data.Vocabulary, sentences):
    """``compute(sentence, step)`` for one model, vocabulary and list of sentences (pure)."""
    lm.is_rnn(params)
    encoded = {s: vocab.encode(s) for s in sentences}
    longest = max(len(ids) for ids in encoded.values())

    def compute(sentence: str = sentences[0], step: int = 1) -> dict:
        """After reading ``step`` inputs (``<end>`` and step - 1 words): states, p_t, the true next word."""
        if sentence not in encoded:
            return {"message": f"Pick one of the listed sentences (got {sentence!r})."}
        ids = encoded[sentence]
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 1 <= step <= len(ids):
            return {"message": f"This sentence has {len(ids)} steps (its words and <end>): "
                               f"pick a step from 1 to {len(ids)} (got {step!r})."}
        inputs, targets = data.lm_pairs(ids)
        h = np.zeros((1, params["W_hh"].shape[0]))
        hs = []
        for t in range(step):
            h, p = lm.rnn_step(inputs[t:t + 1], h, params)
            hs.append(h[0])
        p = p[0]
        target = int(targets[step - 1])
        read = " ".join(vocab.words[i] for i in inputs[:step])
        top = np.argsort(-p, kind="stable")[:3]
        readout = (f"read: <i>{read}</i> &rarr; the real next word <b>{vocab.words[target]}</b> gets "
                   f"p = {p[target]:.2f}; most likely: "
                   + ", ".join(f"{vocab.words[i]} ({p[i]:.2f})" for i in top))
        return {"hs": np.array(hs), "p": p, "target": target, "step": step, "longest": longest,
                "words": list(vocab.words), "read": [vocab.words[i] for i in inputs[:step]], "readout": readout}

    return compute


class StateView(View):
    """Left: the states so far as a heatmap (units by steps). Right: p_t over the vocabulary."""

    def __init__(self, H: int, words, longest: int):
        self.H, self.words, self.longest = H, list(words), longest
        self.V = len(self.words)

    def build(self, fig) -> None:
        plots.use_style()
        self.ax_h, self.ax_p = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6], "left": 0.06,
                                                               "right": 0.99, "bottom": 0.3, "top": 0.88,
                                                               "wspace": 0.15})
        blank = np.ma.masked_array(np.zeros((self.H, self.longest)), mask=True)
        self.image = self.ax_h.imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto",
                                      interpolation="nearest")
        self.ax_h.set_yticks([])
        self.ax_h.set_ylabel(f"{self.H} state units (blue < 0 < red)")
        self.ax_h.set_xticks(range(self.longest))
        self.ax_h.grid(False)
        self.h_title = self.ax_h.set_title("")
        self.bars = self.ax_p.bar(range(self.V), np.zeros(self.V), color=plots.COLORS["rnn"])
        self.ax_p.set_ylim(0, 1)
        self.ax_p.set_xlim(-0.6, self.V - 0.4)
        self.ax_p.set_xticks(range(self.V))
        self.ax_p.set_xticklabels(self.words, rotation=90, fontsize=8)      # the vocabulary: fixed
        self.p_title = self.ax_p.set_title("")

    def update(self, result: dict) -> None:
        shown = np.ma.masked_array(np.zeros((self.H, self.longest)), mask=True)
        shown[:, :result["step"]] = result["hs"].T
        self.image.set_data(shown)
        labels = result["read"] + [""] * (self.longest - len(result["read"]))
        self.ax_h.set_xticklabels(labels, rotation=90, fontsize=8)
        self.h_title.set_text(f"states h_1 .. h_{result['step']} (input below each)")
        for i, bar in enumerate(self.bars):
            bar.set_height(result["p"][i])
            bar.set_color("#d62728" if i == result["target"] else plots.COLORS["rnn"])
        self.p_title.set_text(f"p_{result['step']}: the next word (the real one in red)")


def draw(result: dict, fig) -> None:
    draw_view(StateView(result["hs"].shape[1], result["words"], result["longest"]), result, fig)


def explorer(params=None, vocab: data.Vocabulary | None = None, sentences=None, sentence: str | None = None,
             step: int = 1) -> Explorer:
    """A menu of sentences and a step slider whose maximum follows the sentence's length."""
    if params is None:
        params, vocab, sentences = _default()
    if vocab is None or not sentences:
        raise ValueError("vocab, sentences: expected a vocabulary and a list of sentences with params")
    compute = make_compute(params, vocab, sentences)
    lengths = {s: len(vocab.encode(s)) for s in sentences}
    sentence = sentences[0] if sentence is None else sentence
    controls = {
        "sentence": widgets.Dropdown(options=list(sentences), value=sentence, description="sentence",
                                     layout=widgets.Layout(width="520px")),
        "step": widgets.IntSlider(value=step, min=1, max=lengths[sentence], description="step t",
                                  continuous_update=True),
    }

    def follow(c):
        c["step"].max = lengths[c["sentence"].value]

    return Explorer("An RNN language model reads a sentence: its state and its next-word distribution",
                    controls, compute, StateView(params["W_hh"].shape[0], vocab.words, max(lengths.values())),
                    figsize=(9, 3.8), follow=follow)
