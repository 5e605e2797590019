"""Explorer for notebook 09: what a character-level LM predicts after a prefix you type.

Type a prefix and choose a temperature. The model (:mod:`unrolled.charlm`) reads
the prefix from a zero state; the bars show its distribution over the next
character at that temperature (the outline: at temperature 1, the model's own),
and the text below is a continuation sampled one character at a time at that
temperature (the same seed at every setting, so only the temperature and the
prefix change it). An empty prefix starts after a line break.

Without ``params`` the model is a freshly initialised one (seeded): the
explorer works, but its predictions mean nothing until it is trained.
"""
from __future__ import annotations

import textwrap

import ipywidgets as widgets
import numpy as np

from unrolled import charlm, data, plots
from unrolled.activations import softmax
from unrolled.explorers.base import Explorer, View, draw_view

TOP = 12            # bars: the most likely characters
SAMPLE_LEN = 160    # characters sampled after the prefix
MAX_PREFIX = 200    # longer prefixes are refused (the update must stay fast)
START = "\n"        # what an empty prefix reads


def _default():
    text = data.python_docs_text()
    vocab = data.CharVocabulary(text)
    return "lstm", charlm.init("lstm", len(vocab), 32, np.random.default_rng(0)), vocab


def _show(ch: str) -> str:
    return {"\n": "\\n", " ": "space"}.get(ch, ch)


def make_compute(kind, params, vocab: data.CharVocabulary, seed: int = 0):
    """``compute(temperature, prefix)`` for one trained model and its vocabulary (pure)."""

    def compute(temperature: float = 1.0, prefix: str = "The ") -> dict:
        if not isinstance(prefix, str):
            return {"message": f"Type a prefix (got {type(prefix).__name__})."}
        if len(prefix) > MAX_PREFIX:
            return {"message": f"Type at most {MAX_PREFIX} characters (got {len(prefix)})."}
        missing = vocab.unknown(prefix)
        if missing:
            return {"message": "The model has never seen " + ", ".join(repr(c) for c in missing)
                    + ": type only characters of its vocabulary."}
        if not (isinstance(temperature, (int, float)) and 0 < temperature <= 5):
            return {"message": f"Choose a temperature above 0 (got {temperature!r})."}
        read = prefix or START
        _, z = charlm.read(kind, params, vocab.encode(read))
        p_model = softmax(z)
        p = softmax(z / temperature)
        top = np.argsort(-p, kind="stable")[:TOP]
        ids = charlm.sample(kind, params, vocab.encode(read), SAMPLE_LEN, np.random.default_rng(seed), temperature)
        continuation = vocab.decode(ids)
        entropy = float(-(p * np.log2(np.where(p > 0, p, 1.0))).sum())
        best = int(top[0])
        readout = (f"after {len(prefix)} characters, at temperature {temperature:.2f}: most likely next "
                   f"<b>{_show(vocab.chars[best])}</b> (p = {p[best]:.2f}), entropy of the next character "
                   f"{entropy:.2f} bits")
        return {"labels": [_show(vocab.chars[i]) for i in top], "p": p[top], "p_model": p_model[top],
                "prefix": prefix, "continuation": continuation, "temperature": float(temperature),
                "entropy": entropy, "readout": readout}

    return compute


class SamplerView(View):
    """Top: the next character's distribution (bars at the temperature, outline at 1). Bottom: the sample."""

    def build(self, fig) -> None:
        plots.use_style()
        self.ax_p = fig.add_axes([0.07, 0.55, 0.9, 0.36])
        self.ax_t = fig.add_axes([0.01, 0.0, 0.98, 0.42])
        self.ax_t.set_axis_off()
        x = np.arange(TOP)
        self.bars = self.ax_p.bar(x, np.zeros(TOP), color=plots.COLORS["lstm"], label="at this temperature")
        self.outline = self.ax_p.bar(x, np.zeros(TOP), fill=False, edgecolor="black", linewidth=1.0,
                                     label="the model's own (temperature 1)")
        self.ax_p.set_xticks(x)
        self.ax_p.set_xticklabels([""] * TOP)
        self.ax_p.set_ylim(0, 1)
        self.ax_p.set_ylabel("P(next)")
        self.ax_p.legend(loc="upper right", fontsize=8)
        self.title = self.ax_p.set_title("")
        self.text = self.ax_t.text(0.0, 1.0, "", family="monospace", fontsize=8, va="top", ha="left",
                                   transform=self.ax_t.transAxes)

    def update(self, result: dict) -> None:
        n = len(result["labels"])                   # fewer than TOP when the vocabulary is small
        for i, (bar, line) in enumerate(zip(self.bars, self.outline)):
            bar.set_height(result["p"][i] if i < n else 0.0)
            line.set_height(result["p_model"][i] if i < n else 0.0)
        self.ax_p.set_xticklabels(list(result["labels"]) + [""] * (TOP - n))
        self.title.set_text(f"the next character after the prefix, temperature {result['temperature']:.2f}")
        shown = (result["prefix"][-60:] + "|" + result["continuation"]).replace("\n", " \u21b5 ")
        self.text.set_text("\n".join(textwrap.wrap(shown, 110)[:5]))


def draw(result: dict, fig) -> None:
    draw_view(SamplerView(), result, fig)


def explorer(kind=None, params=None, vocab: data.CharVocabulary | None = None, prefix: str = "The ",
             temperature: float = 1.0) -> Explorer:
    """A temperature slider and a prefix box."""
    if params is None:
        kind, params, vocab = _default()
    if vocab is None or kind is None:
        raise ValueError("kind, vocab: expected the model's kind and vocabulary with params")
    compute = make_compute(kind, params, vocab)
    controls = {
        "temperature": widgets.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.05,
                                           description="temperature", continuous_update=False),
        "prefix": widgets.Text(value=prefix, description="prefix", continuous_update=False,
                               layout=widgets.Layout(width="520px")),
    }
    extremes = {"prefix": ["", "The ", "x" * MAX_PREFIX, "x" * (MAX_PREFIX + 1), "caf\u00e9"]}
    return Explorer("A character-level LM continues your prefix", controls, compute, SamplerView(),
                    figsize=(9, 4.2), extremes=extremes)
