"""Data for the course's models: vocabularies, one-hot vectors, a toy corpus, batches.

Generators only: nothing here knows about a model. A sentence is a list of
vocabulary indices that ends in ``<end>`` (000 eq 1), and a language model
reads it shifted by one: the input at step t is the previous word y_{t-1},
with y_0 = ``<end>`` (the end of the previous sentence, 000's convention), and
the target is y_t. :func:`lm_pairs` builds that pair, :func:`pad_batch` stacks
sentences of different lengths time-major with a mask, and
:func:`context_windows` gives a feed-forward model its fixed window of the k
previous words.

The toy corpus (:func:`agreement_sentences`) is written so that a fixed window
is not enough: the verb agrees in number with a subject three or six words
earlier, and every word in between is the same for a singular and a plural
subject.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from . import _checks

END = "<end>"

#: the toy corpus: subject, one or two prepositional phrases, a verb that agrees with the subject
SUBJECTS = {"singular": ("cat", "dog", "bird"), "plural": ("cats", "dogs", "birds")}
PHRASES = (("on", "the", "mat"), ("near", "the", "door"), ("under", "the", "old", "tree"),
           ("by", "the", "red", "car"))
VERBS = {"singular": ("sleeps", "runs", "sings"), "plural": ("sleep", "run", "sing")}


class Vocabulary:
    """Words <-> indices; index 0 is always ``<end>``.

    ``encode("the cat sleeps")`` -> ``[i_the, i_cat, i_sleeps, 0]`` (the ``<end>`` is
    appended); ``decode(ids)`` stops at the first ``<end>`` unless ``keep_end``.
    """

    def __init__(self, words: Sequence[str]):
        if isinstance(words, str) or not all(isinstance(w, str) and w for w in words):
            raise TypeError("words: expected a sequence of non-empty strings")
        unique = [END] + sorted(set(words) - {END})
        self.words = tuple(unique)
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def end(self) -> int:
        return 0

    def encode(self, sentence: str | Sequence[str]) -> list[int]:
        """The indices of the words of ``sentence``, followed by the index of ``<end>``."""
        words = sentence.split() if isinstance(sentence, str) else list(sentence)
        unknown = [w for w in words if w not in self.index]
        if unknown:
            raise ValueError(f"sentence: expected words of the vocabulary, got unknown words {unknown}")
        ids = [self.index[w] for w in words]
        return ids if ids[-1:] == [self.end] else ids + [self.end]

    def decode(self, ids, keep_end: bool = False) -> str:
        """The words of ``ids`` joined by spaces, up to the first ``<end>`` (included if ``keep_end``)."""
        words = []
        for i in np.asarray(ids, dtype=int).ravel():
            if not 0 <= i < len(self):
                raise ValueError(f"ids: expected indices in [0, {len(self)}), got {i}")
            if i == self.end:
                if keep_end:
                    words.append(END)
                break
            words.append(self.words[i])
        return " ".join(words)


def one_hot(ids, V: int) -> np.ndarray:
    """phi(y): ids (...) of ints in [0, V) -> (..., V) float64 with a single 1 per row (000 eq 4)."""
    V = _checks.positive_int("V", V)
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"ids: expected integer word indices, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids: expected indices in [0, {V}), got values from {ids.min()} to {ids.max()}")
    return np.eye(V)[ids]


def agreement_sentences() -> list[str]:
    """Every sentence of the toy corpus, in a fixed order (without ``<end>``).

    ``the <subject> <phrase> [<phrase>] <verb>``: 6 subjects, 4 + 12 phrase
    sequences (two different phrases), 3 verbs of the subject's number: 288 sentences.
    The verb is 4 to 9 words after its subject.
    """
    out = []
    phrase_runs = [(p,) for p in PHRASES] + list(itertools.permutations(PHRASES, 2))
    for number in ("singular", "plural"):
        for subject, run, verb in itertools.product(SUBJECTS[number], phrase_runs, VERBS[number]):
            words = ["the", subject, *itertools.chain(*run), verb]
            out.append(" ".join(words))
    return out


def agreement_vocabulary() -> Vocabulary:
    """The toy corpus's vocabulary (``<end>`` first)."""
    return Vocabulary([w for s in agreement_sentences() for w in s.split()])


def verb_number(word: str) -> str | None:
    """"singular" or "plural" for a verb of the corpus, None for any other word."""
    for number, verbs in VERBS.items():
        if word in verbs:
            return number
    return None


def split(items: Sequence, fraction_held_out: float, rng: np.random.Generator) -> tuple[list, list]:
    """A seeded random split into (train, held_out): held-out items never appear in train."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected np.random.Generator, got {type(rng).__name__}")
    if not 0 < fraction_held_out < 1:
        raise ValueError(f"fraction_held_out: expected a number in (0, 1), got {fraction_held_out!r}")
    order = rng.permutation(len(items))
    n_out = max(1, int(round(fraction_held_out * len(items))))
    return [items[i] for i in sorted(order[n_out:])], [items[i] for i in sorted(order[:n_out])]


def lm_pairs(ids: Sequence[int], end: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets) of one sentence: inputs = [<end>, y_1 .. y_{n-1}], targets = [y_1 .. y_n]."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 1 or ids.dtype.kind not in "iu":
        raise ValueError(f"ids: expected a non-empty 1-D sequence of word indices, got {ids.dtype} {ids.shape}")
    if ids[-1] != end:
        raise ValueError(f"ids: expected a sentence ending in <end> (index {end}), got last index {ids[-1]}")
    return np.concatenate([[end], ids[:-1]]).astype(int), ids.astype(int)


def pad_batch(sentences: Sequence[Sequence[int]], end: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack sentences time-major: ``(inputs, targets, mask)``, each (T, B), T the longest.

    Positions after a sentence's ``<end>`` have mask 0 (they count in no loss);
    their inputs and targets are ``<end>``.
    """
    if len(sentences) < 1:
        raise ValueError("sentences: expected at least one sentence, got none")
    pairs = [lm_pairs(s, end) for s in sentences]
    T, B = max(len(t) for _, t in pairs), len(pairs)
    inputs = np.full((T, B), end, dtype=int)
    targets = np.full((T, B), end, dtype=int)
    mask = np.zeros((T, B))
    for b, (x, y) in enumerate(pairs):
        inputs[:len(x), b], targets[:len(y), b], mask[:len(y), b] = x, y, 1.0
    return inputs, targets, mask


def context_windows(inputs, k: int, end: int = 0) -> np.ndarray:
    """The k previous words at every step: inputs (T, B) -> (T, B, k), ``[..., j]`` = y_{t-1-j}.

    ``[..., 0]`` is ``inputs`` itself (y_{t-1}); words before the start of the
    sentence are ``<end>`` (the previous sentence ended there).
    """
    k = _checks.positive_int("k", k)
    inputs = np.asarray(inputs)
    if inputs.ndim != 2 or inputs.dtype.kind not in "iu":
        raise ValueError(f"inputs: expected a (T, B) array of word indices, got {inputs.dtype} {inputs.shape}")
    T, B = inputs.shape
    padded = np.concatenate([np.full((k - 1, B), end, dtype=inputs.dtype), inputs])
    return np.stack([padded[k - 1 - j:k - 1 - j + T] for j in range(k)], axis=-1)


def batches(sentences: Sequence[Sequence[int]], batch_size: int, end: int = 0):
    """A function ``rng -> (inputs, targets, mask)`` drawing ``batch_size`` sentences (for ``train.fit``)."""
    batch_size = _checks.positive_int("batch_size", batch_size)
    if len(sentences) < 1:
        raise ValueError("sentences: expected at least one sentence, got none")
    sentences = [list(s) for s in sentences]

    def draw(rng: np.random.Generator):
        chosen = rng.integers(0, len(sentences), batch_size)
        return pad_batch([sentences[i] for i in chosen], end)

    return draw


def bag_of_words(ids: Sequence[int], V: int) -> np.ndarray:
    """Word counts, (V,): the sentence with its order thrown away (004's bag of words)."""
    return one_hot(np.asarray(ids, dtype=int), V).sum(axis=0)


# --------------------------------------------------------------------------
# Toy tasks of notebook 08: sequence to sequence, a masked token, nested counts
# --------------------------------------------------------------------------

#: the target vocabulary of :func:`seq2seq_batch`: ids 0 and 1, then the symbols from 2 on
SEQ2SEQ_END, SEQ2SEQ_GO = 0, 1
SEQ2SEQ_TASKS = ("copy", "reverse", "sort")


def seq2seq_batch(task: str, length: int, batch_size: int, n_symbols: int, rng: np.random.Generator):
    """A batch of a toy sequence-to-sequence task: copy, reverse or sort symbols.

    The source is ``length`` random symbols, ids ``0 .. n_symbols - 1`` (S, B). The
    target is the copied / reversed / sorted symbols followed by ``<end>``, in the
    target vocabulary (``<end>`` = 0, ``<go>`` = 1, symbol k = k + 2; ``n_symbols + 2``
    ids): ``tgt_out`` (S + 1, B), and the decoder's teacher-forced input ``tgt_in``
    = ``<go>`` then ``tgt_out`` without its last token. Returns ``(src, tgt_in, tgt_out)``.
    """
    _checks.choice("task", task, SEQ2SEQ_TASKS)
    length = _checks.positive_int("length", length)
    batch_size = _checks.positive_int("batch_size", batch_size)
    n_symbols = _checks.positive_int("n_symbols", n_symbols)
    src = rng.integers(0, n_symbols, size=(length, batch_size))
    out = {"copy": src, "reverse": src[::-1], "sort": np.sort(src, axis=0)}[task] + 2
    tgt_out = np.concatenate([out, np.full((1, batch_size), SEQ2SEQ_END)])
    tgt_in = np.concatenate([np.full((1, batch_size), SEQ2SEQ_GO), out])
    return src, tgt_in, tgt_out


def masked_token_batch(length: int, batch_size: int, n_symbols: int, gap: int, rng: np.random.Generator):
    """A masked-token task that needs the right context.

    ``x`` (T, B): random symbols ``0 .. n_symbols - 1`` and, at one position m per
    sequence, the mask token ``n_symbols``; the masked symbol is the one ``gap``
    places to its right, ``x[m + gap]``, so nothing to the left of m says what it is.
    Returns ``(x, position (B,), target (B,))``; m is uniform over ``0 .. T - 1 - gap``.
    """
    length = _checks.positive_int("length", length)
    batch_size = _checks.positive_int("batch_size", batch_size)
    n_symbols = _checks.positive_int("n_symbols", n_symbols)
    gap = _checks.positive_int("gap", gap)
    if gap >= length:
        raise ValueError(f"gap: expected less than length = {length}, got {gap}")
    x = rng.integers(0, n_symbols, size=(length, batch_size))
    position = rng.integers(0, length - gap, size=batch_size)
    cols = np.arange(batch_size)
    target = x[position + gap, cols]
    x[position, cols] = n_symbols
    return x, position, target


# --- The adding problem (07) -------------------------------------------------------------
#
# A sequence of T steps, each step a pair (value, marker). Exactly two steps carry the
# marker 1; the target, read after the last step, depends only on the two marked values,
# so the network has to carry them across the gap to the end. Two published variants:
#
# * "hochreiter" (Hochreiter & Schmidhuber 1997, experiment 4): values uniform in [-1, 1];
#   the first marker among the first 10 steps, the second among the first T/2 - 1 steps;
#   target 0.5 + (X1 + X2) / 4, in [0, 1]; a sequence counts as solved when the absolute
#   error is below 0.04. (The paper also draws each sequence's length between T and
#   T + T/10, marks the first and last steps with -1 and sets X1 to 0 when it falls on the
#   first step; none of these changes what has to be remembered, and all are left out here:
#   every sequence has exactly T steps.)
# * "pascanu" (Pascanu, Mikolov & Bengio 2013; Le, Jaitly & Hinton 2015): values uniform
#   in [0, 1]; the two markers anywhere (two distinct steps); target X1 + X2.

ADDING_VARIANTS = ("hochreiter", "pascanu")
#: the H&S criterion: a sequence is solved when |prediction - target| < SOLVED_TOLERANCE
SOLVED_TOLERANCE = 0.04


def _adding_args(T, B, variant, rng):
    _checks.choice("variant", variant, ADDING_VARIANTS)
    T = _checks.positive_int("T", T)
    B = _checks.positive_int("B", B)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected np.random.Generator, got {type(rng).__name__}")
    low = 12 if variant == "hochreiter" else 2
    if T < low:
        raise ValueError(f"T: expected at least {low} steps for the {variant!r} variant "
                         f"(room for both markers), got {T}")
    return T, B


def adding_markers(T: int, B: int, variant: str, rng: np.random.Generator) -> np.ndarray:
    """The two marked steps of B sequences: (B, 2) ints, first marker < second marker.

    "hochreiter": one step among 0..9 and another among 0..T/2 - 2 (distinct);
    "pascanu": two distinct steps among 0..T-1. Sorted, so column 0 is the earlier.
    """
    T, B = _adding_args(T, B, variant, rng)
    if variant == "pascanu":
        first, n2 = rng.integers(0, T, size=B), T           # the second anywhere in 0 .. T-1
    else:
        first, n2 = rng.integers(0, 10, size=B), T // 2 - 1  # the second in 0 .. T/2 - 2
    second = rng.integers(0, n2 - 1, size=B)   # n2 - 1 choices, then skip the first marker
    second = second + (second >= first)
    return np.sort(np.stack([first, second], axis=1), axis=1)


def adding_problem(T: int, B: int, variant: str = "hochreiter", rng: np.random.Generator | None = None):
    """B sequences of the adding problem: ``(x, y, markers)``.

    x : (T, B, 2) float64, channel 0 the values, channel 1 the markers (0 or 1)
    y : (B, 1) float64, the target (see the variants above)
    markers : (B, 2) ints, the marked steps, earlier first
    """
    if rng is None:
        raise TypeError("rng: expected np.random.Generator (every draw is seeded), got None")
    T, B = _adding_args(T, B, variant, rng)
    pos = adding_markers(T, B, variant, rng)
    lo = -1.0 if variant == "hochreiter" else 0.0
    values = rng.uniform(lo, 1.0, size=(T, B))
    x = np.zeros((T, B, 2))
    x[:, :, 0] = values
    cols = np.arange(B)
    x[pos[:, 0], cols, 1] = 1.0
    x[pos[:, 1], cols, 1] = 1.0
    total = values[pos[:, 0], cols] + values[pos[:, 1], cols]
    y = 0.5 + total / 4 if variant == "hochreiter" else total
    return x, y[:, None], pos


def adding_targets(T: int, n: int, variant: str = "hochreiter", rng: np.random.Generator | None = None,
                   chunk: int = 10_000) -> np.ndarray:
    """The targets y (n,) of n adding-problem sequences, drawn ``chunk`` sequences at a time.

    The same draws as consecutive calls of :func:`adding_problem` with ``chunk`` sequences each
    (the last call shorter), so a large sample never holds all its T x n inputs at once: with
    n = 200 000 and T = 200 those would take about 1 GB.
    """
    n = _checks.positive_int("n", n)
    chunk = _checks.positive_int("chunk", chunk)
    parts, left = [], n
    while left:
        size = min(chunk, left)
        parts.append(adding_problem(T, size, variant, rng)[1][:, 0])
        left -= size
    return np.concatenate(parts)


def adding_target_moments(variant: str = "hochreiter") -> tuple[float, float]:
    """Mean and variance of the target, in closed form (they do not depend on T).

    A value uniform in [a, b] has mean (a + b)/2 and variance (b - a)^2 / 12, and the two
    marked values are independent: "hochreiter" 0.5 + (X1 + X2)/4 has mean 0.5 and
    variance 2 (4/12) / 16 = 1/24; "pascanu" X1 + X2 has mean 1 and variance 2/12 = 1/6.
    """
    _checks.choice("variant", variant, ADDING_VARIANTS)
    if variant == "hochreiter":
        return 0.5, 2 * (2.0 ** 2 / 12) / 4 ** 2
    return 1.0, 2 * (1.0 / 12)


def adding_baseline_mse(T: int, variant: str = "hochreiter") -> float:
    """The MSE of the trivial model that always predicts the target's mean: its variance.

    The same for every T (the markers' positions do not change the values' distribution);
    T is checked so that the call reads like the experiment's.
    """
    _checks.choice("variant", variant, ADDING_VARIANTS)
    low = 12 if variant == "hochreiter" else 2
    T = _checks.positive_int("T", T)
    if T < low:
        raise ValueError(f"T: expected at least {low} steps for the {variant!r} variant, got {T}")
    return adding_target_moments(variant)[1]


def adding_batches(T: int, B: int, variant: str = "hochreiter"):
    """A function ``rng -> (x, y, markers)`` of fresh sequences, for ``train.fit``."""
    _adding_args(T, B, variant, np.random.default_rng(0))

    def draw(rng: np.random.Generator):
        return adding_problem(T, B, variant, rng)

    return draw


# --------------------------------------------------------------------- a real text corpus (notebook 09)

#: typographic characters of the documentation and their plain-ASCII spelling
_ASCII = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2014": "-", "\u2013": "-",
          "\u2026": "...", "\u00a0": " ", "\t": " "}


def clean_text(text: str) -> str:
    """Plain prose from reStructuredText-like documentation.

    Lines indented by a space or more (code examples, grammar rules) and lines
    made only of punctuation (heading underlines such as ``*****``) are dropped;
    typographic quotes and dashes become their ASCII spelling, any other
    character outside printable ASCII is dropped; runs of blank lines become one.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    for fancy, plain in _ASCII.items():
        text = text.replace(fancy, plain)
    kept = []
    for line in text.split("\n"):
        line = line.rstrip()
        if line[:1].isspace() or (line and not any(ch.isalnum() for ch in line)):
            continue
        line = "".join(ch for ch in line if " " <= ch <= "~")
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip("\n") + "\n"


def python_docs_text() -> str:
    """The offline default corpus: the English prose of Python's own documentation, cleaned.

    ``pydoc_data.topics`` ships with every Python (the text ``help()`` shows for
    statements, operators and special methods); its topics are joined in
    alphabetical order and passed through :func:`clean_text`. Its exact size
    depends on the Python version.
    """
    from pydoc_data.topics import topics
    return clean_text("\n\n".join(topics[k] for k in sorted(topics)))


def read_text(path=None) -> str:
    """The corpus: the text file at ``path`` (UTF-8, cleaned as above), or :func:`python_docs_text` if None."""
    if path is None:
        return python_docs_text()
    from pathlib import Path
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path: expected an existing text file, got {str(path)!r}")
    text = clean_text(p.read_text(encoding="utf-8", errors="replace"))
    if len(text) < 1000:
        raise ValueError(f"path: expected a text of at least 1000 characters after cleaning, got {len(text)}")
    return text


def split_text(text: str, fraction_held_out: float = 0.1) -> tuple[str, str]:
    """(train, held_out): the last ``fraction_held_out`` of the text, cut at a line break, is held out.

    Contiguous, not shuffled: the held-out text is a stretch the model never read,
    as new text would be.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not 0 < fraction_held_out < 1:
        raise ValueError(f"fraction_held_out: expected a number in (0, 1), got {fraction_held_out!r}")
    cut = int(len(text) * (1 - fraction_held_out))
    newline = text.rfind("\n", 0, cut)
    cut = newline + 1 if newline > 0 else cut
    if cut <= 0 or cut >= len(text):
        raise ValueError(f"text: expected a text long enough to split, got {len(text)} characters")
    return text[:cut], text[cut:]


class CharVocabulary:
    """Characters <-> indices, sorted by code point: ``encode(str) -> (n,) ints``, ``decode(ids) -> str``."""

    def __init__(self, text: str):
        if not isinstance(text, str) or not text:
            raise TypeError("text: expected a non-empty str")
        self.chars = tuple(sorted(set(text)))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def unknown(self, text: str) -> list[str]:
        """The characters of ``text`` that are not in the vocabulary (sorted, each once)."""
        return sorted(set(text) - set(self.index))

    def encode(self, text: str) -> np.ndarray:
        missing = self.unknown(text)
        if missing:
            raise ValueError(f"text: expected characters of the vocabulary, got unknown {missing}")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        ids = np.asarray(ids, dtype=int).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids: expected indices in [0, {len(self)}), got {ids.min()} to {ids.max()}")
        return "".join(self.chars[i] for i in ids)


def streams(ids, B: int) -> np.ndarray:
    """Cut one long sequence into B parallel streams, time-major (L, B): column b is the b-th stretch.

    The first ``L = len(ids) // B`` characters are stream 0, the next L stream 1,
    and so on (the remainder is dropped). Walking down the rows in chunks, each
    column stays one continuous text, so a state carried from chunk to chunk
    has read what comes before (notebook 03's truncated BPTT with the state carried).
    """
    B = _checks.positive_int("B", B)
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(f"ids: expected a 1-D array of indices, got {ids.dtype} {ids.shape}")
    L = len(ids) // B
    if L < 2:
        raise ValueError(f"B: expected at most {len(ids) // 2} streams for {len(ids)} characters, got {B}")
    return ids[:L * B].reshape(B, L).T.copy()


def markov_source(V: int, order: int, rng: np.random.Generator, concentration: float = 0.3) -> np.ndarray:
    """A random Markov chain over V symbols that remembers ``order`` symbols: P (V,)*order + (V,).

    ``P[a, b, :]`` (order 2) is the distribution of the next symbol after ``a b``, each row
    drawn from a Dirichlet(concentration): small values give peaked, predictable rows.
    """
    V, order = _checks.positive_int("V", V), _checks.positive_int("order", order)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected np.random.Generator, got {type(rng).__name__}")
    concentration = _checks.positive_number("concentration", concentration)
    return rng.dirichlet(np.full(V, concentration), size=(V,) * order)


def markov_sample(P, n: int, rng: np.random.Generator) -> np.ndarray:
    """n symbols (n,) from the chain ``P`` of :func:`markov_source`, the first ``order`` uniform."""
    P = _checks.array("P", P)
    n = _checks.positive_int("n", n)
    order, V = P.ndim - 1, P.shape[-1]
    out = np.empty(n, dtype=np.int64)
    out[:order] = rng.integers(0, V, min(order, n))
    cum = np.cumsum(P, axis=-1)
    u = rng.random(n)
    for t in range(order, n):
        out[t] = min(int(np.searchsorted(cum[tuple(out[t - order:t])], u[t], side="right")), V - 1)
    return out
