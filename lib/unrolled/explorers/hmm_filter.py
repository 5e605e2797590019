"""Explorer for notebook 02: exact filtering, the lecture's approximate RNN, and Viterbi.

Pick a sentence from the lecture's four-word vocabulary and make the
transition and emission probabilities sharper or flatter (each distribution
raised to a power ``beta`` and renormalised, :func:`unrolled.hmm.tempered`;
``beta = 1`` is the lecture's HMM). Two heatmaps, tags by time:

* left, the exact filtered posterior ``P(Y_t | x_1..x_t)`` (the HMM as an RNN
  with the exact log-domain update), with the Viterbi path outlined;
* right, the lecture's approximation ``h_t = softmax(U h_{t-1} + W x_t)``.

The readout gives both tag sequences, the Viterbi path, and how confident each
filter is on average.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from unrolled import hmm
from unrolled.explorers.base import Explorer, draw_message

MAX_WORDS = 12
DEFAULT_SENTENCE = ("John", "hit", "the", "ball")


def compute(words=DEFAULT_SENTENCE, transition_sharpness: float = 1.0,
            emission_sharpness: float = 1.0) -> dict:
    """Everything the figure shows, for a sentence and two sharpness exponents.

    Returns a dict with ``words``, ``exact`` and ``approx`` ``(T, 3)``,
    ``viterbi`` ``(T,)`` ints, ``A`` and ``E`` (the tempered HMM), ``readout``;
    or ``{"message": ...}`` for settings that cannot be shown.
    """
    words = tuple(words)
    if not words:
        return {"message": "Pick at least one word for the sentence."}
    if len(words) > MAX_WORDS:
        return {"message": f"At most {MAX_WORDS} words, please (got {len(words)})."}
    unknown = [w for w in words if w not in hmm.WORDS]
    if unknown:
        return {"message": f"Unknown word(s) {unknown}: the vocabulary is {', '.join(hmm.WORDS)}."}
    for name, beta in (("transition", transition_sharpness), ("emission", emission_sharpness)):
        if not np.isfinite(beta) or beta < 0 or beta > 20:
            return {"message": f"The {name} sharpness must be between 0 and 20 (got {beta})."}
    L = hmm.lecture_hmm()
    A = hmm.tempered(L["A"], transition_sharpness)
    E = hmm.tempered(L["E"], emission_sharpness)
    obs = hmm.encode(words)
    xs = hmm.one_hot(obs, len(hmm.WORDS))
    exact = hmm.rnn_exact(A.T, E, xs, prior=L["initial"])
    approx = hmm.rnn_lecture(A.T, E, xs)
    path, _ = hmm.viterbi(L["initial"], A, E, obs)
    tags = np.array(hmm.TAGS)
    agree = int(np.sum(exact.argmax(axis=1) == approx.argmax(axis=1)))
    readout = (f"Viterbi: {' '.join(tags[path])} | exact filter: {' '.join(tags[exact.argmax(axis=1)])} "
               f"(mean top probability {exact.max(axis=1).mean():.2f}) | approximate RNN: "
               f"{' '.join(tags[approx.argmax(axis=1)])} (mean top probability {approx.max(axis=1).mean():.2f}); "
               f"the filters agree at {agree}/{len(words)} steps")
    return {"words": words, "exact": exact, "approx": approx, "viterbi": path,
            "A": A, "E": E, "agree": agree, "readout": readout}


def draw(result: dict, fig) -> None:
    """Two heatmaps (exact filter with the Viterbi path outlined, lecture's RNN)."""
    if "message" in result:
        return draw_message(fig, result["message"])
    from matplotlib.patches import Rectangle

    axes = fig.subplots(1, 2, sharey=True)
    T = len(result["words"])
    panels = [("exact filter P(Y_t | x_1..x_t), Viterbi path boxed", result["exact"]),
              ("lecture's RNN  softmax(U h + W x)", result["approx"])]
    for ax, (title, P) in zip(axes, panels):
        ax.imshow(P.T, vmin=0, vmax=1, cmap="Blues", aspect="auto")
        ax.grid(False)
        for t in range(T):
            for j in range(P.shape[1]):
                ax.text(t, j, f"{P[t, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if P[t, j] > 0.6 else "black")
        ax.set_xticks(range(T), result["words"], rotation=30 if T > 6 else 0)
        ax.set_yticks(range(len(hmm.TAGS)), hmm.TAGS)
        ax.set_title(title)
    for t, j in enumerate(result["viterbi"]):
        axes[0].add_patch(Rectangle((t - 0.45, j - 0.45), 0.9, 0.9, fill=False, lw=2, ec="#d62728"))


def explorer(words=DEFAULT_SENTENCE, transition_sharpness: float = 1.0,
             emission_sharpness: float = 1.0) -> Explorer:
    """The widget: a sentence picked from the vocabulary and two sharpness sliders."""
    wide = {"description_width": "initial"}
    controls = {
        "words": widgets.TagsInput(value=list(words), allowed_tags=list(hmm.WORDS), allow_duplicates=True,
                                   description="sentence"),
        "transition_sharpness": widgets.FloatSlider(value=transition_sharpness, min=0.0, max=4.0, step=0.1,
                                                    description="transition sharpness β", style=wide,
                                                    continuous_update=False),
        "emission_sharpness": widgets.FloatSlider(value=emission_sharpness, min=0.0, max=4.0, step=0.1,
                                                  description="emission sharpness β", style=wide,
                                                  continuous_update=False),
    }
    return Explorer("Exact filter vs the lecture's RNN (sharpness 1 = the lecture's HMM)",
                    controls, compute, draw, figsize=(9, 3.4))
