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
from unrolled.explorers.base import Explorer, View, draw_view, top_set

#: a longer sentence teaches nothing more, and each word adds six numbers to draw
MAX_WORDS = 8
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
    # the most probable tags at each step, ties within rounding included: a flat posterior
    # has no single winner, and two filters that both say "tie" agree
    exact_top = [top_set(p) for p in exact]
    approx_top = [top_set(p) for p in approx]
    agree = sum(a == b for a, b in zip(exact_top, approx_top))
    ties = sum(len(a) > 1 for a in exact_top)
    tied = f"; {ties} of the exact filter's steps are ties (tags joined by /)" if ties else ""
    paths = best_path_count(L["initial"], A, E, obs)
    pick = f" (one of {paths} equally likely paths)" if paths > 1 else ""
    readout = (f"Viterbi{pick}: {' '.join(tags[path])} | exact filter: {_tags(exact_top)} "
               f"(mean top probability {exact.max(axis=1).mean():.2f}) | approximate RNN: "
               f"{_tags(approx_top)} (mean top probability {approx.max(axis=1).mean():.2f}); "
               f"the filters agree at {agree}/{len(words)} steps{tied}")
    return {"words": words, "exact": exact, "approx": approx, "viterbi": path,
            "A": A, "E": E, "exact_top": exact_top, "approx_top": approx_top, "agree": agree, "paths": paths,
            "readout": readout}


def best_path_count(initial, A, E, obs, rel: float = 1e-9) -> int:
    """How many tag sequences share the Viterbi score (within rounding): 1 unless there are ties.

    The Viterbi recursion with every maximiser kept, counting paths:
    ``n_1[j] = 1`` and ``n_t[j] = sum of n_{t-1}[i]`` over the ``i`` whose score
    ``v_{t-1}[i] + ln A[i, j]`` is the maximum, up to ``rel`` times its size.
    With flat probabilities every path ties and :func:`unrolled.hmm.viterbi`'s
    answer is one arbitrary pick among them.
    """
    v, _ = hmm.viterbi_trellis(initial, A, E, obs)
    with np.errstate(divide="ignore"):
        logA = np.log(np.asarray(A, dtype=float))

    def tied(scores, axis):
        best = np.max(scores, axis=axis, keepdims=True)
        return np.isfinite(scores) & (scores >= best - rel * np.maximum(np.abs(best), 1.0))

    count = np.isfinite(v[0]).astype(float)
    for t in range(1, len(v)):
        with np.errstate(invalid="ignore"):                      # -inf + -inf stays -inf
            scores = v[t - 1][:, None] + logA                    # (i, j)
        count = (tied(scores, 0) * count[:, None]).sum(axis=0)
    return int((tied(v[-1], 0) * count).sum())


def _tags(tops) -> str:
    """``[{1}, {0, 2}]`` -> ``"N D/V"``: each step's most probable tag(s)."""
    return " ".join("/".join(hmm.TAGS[j] for j in sorted(top)) for top in tops)


class FilterView(View):
    """Two heatmaps (exact filter with the Viterbi path outlined, lecture's RNN).

    Cells, numbers and boxes are built for the longest sentence
    (:data:`MAX_WORDS`); an update replaces the images' data and hides what a
    shorter sentence does not use.
    """

    def build(self, fig) -> None:
        from matplotlib.patches import Rectangle

        self.axes = fig.subplots(1, 2, sharey=True)
        n = len(hmm.TAGS)
        titles = ("exact filter P(Y_t | x_1..x_t), Viterbi path boxed", "lecture's RNN  softmax(U h + W x)")
        self.images, self.numbers = [], []
        for ax, title in zip(self.axes, titles):
            self.images.append(ax.imshow(np.zeros((n, 1)), vmin=0, vmax=1, cmap="Blues", aspect="auto"))
            ax.grid(False)
            self.numbers.append([[ax.text(t, j, "", ha="center", va="center", fontsize=8) for j in range(n)]
                                 for t in range(MAX_WORDS)])
            ax.set_yticks(range(n), hmm.TAGS)
            ax.tick_params(axis="y", length=0)         # a tick mark next to "0.02" reads as a minus sign
            ax.set_title(title)
            ax.set_xlabel("word, in reading order (step t = 1, 2, ...)")
        self.axes[0].set_ylabel("tag (shade: probability)")
        fig.subplots_adjust(bottom=0.24, left=0.1, right=0.98, wspace=0.08)
        self.boxes = [self.axes[0].add_patch(Rectangle((t - 0.45, 0), 0.9, 0.9, fill=False, lw=2, ec="#d62728"))
                      for t in range(MAX_WORDS)]

    def update(self, result: dict) -> None:
        T, n = len(result["words"]), len(hmm.TAGS)
        for ax, image, numbers, P in zip(self.axes, self.images, self.numbers, (result["exact"], result["approx"])):
            image.set_data(P.T)
            image.set_extent((-0.5, T - 0.5, n - 0.5, -0.5))
            for t, column in enumerate(numbers):
                for j, label in enumerate(column):
                    label.set_visible(t < T)
                    if t < T:
                        label.set_text(f"{P[t, j]:.2f}")
                        label.set_color("white" if P[t, j] > 0.6 else "black")
            ax.set_xticks(range(T), result["words"], rotation=30 if T > 6 else 0)
            ax.set_xlim(-0.5, T - 0.5)
        self.axes[0].set_ylim(n - 0.5, -0.5)
        path = result["viterbi"]
        for t, box in enumerate(self.boxes):
            box.set_visible(t < T)
            if t < T:
                box.set_y(path[t] - 0.45)


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`FilterView`)."""
    draw_view(FilterView(), result, fig)


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
                    controls, compute, FilterView(), figsize=(9, 3.4),
                    extremes={"words": [[], ["John"], [*DEFAULT_SENTENCE, *DEFAULT_SENTENCE][:MAX_WORDS],
                                        [*DEFAULT_SENTENCE] * 3]})
