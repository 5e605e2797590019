"""The course map as data: every notebook, what it teaches, how long it takes to study.

:data:`NOTEBOOKS` is the one list that notebook 00, the README and the runtime
check in ``tests/nbval_budget.py`` agree on (``tests/test_course.py`` checks it).
For a learner: ``study`` (minutes to work through a notebook, exercises
included), ``before`` (what to know first) and ``skip`` (who can leave it out).
For the tests: ``budget``, the seconds a notebook may take to run.

A notebook is found by its number prefix (``03_*.ipynb``), not by an exact
name, so the map notices a notebook as soon as its file exists, whatever its
final name. Which notebooks exist is read from the file system each time, never
stored here: the map marks the ones not written yet.

``python -m unrolled.course`` prints the map; ``python -m unrolled.course
--update-readme`` rewrites the map and the references in README.md, each
between its two markers.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: The lecture notes the course follows, by the number the course cites them with.
NOTES = {
    "000": "MIT 6.036 (2018), week 10 notes: RNN language models, BPTT with deltas, gated RNN, LSTM",
    "001": "Yehoshua (2018), slides 'Recurrent Neural Networks': task types, BPTT, truncated BPTT, "
           "LSTM, GRU, bidirectional, seq2seq, captioning",
    "002": "Hasegawa-Johnson (2022), Lecture 25: the HMM as an RNN, BPTT in dL/dh form, "
           "exponential forgetting, a simplified LSTM",
    "003": "CS224n lecture 7 seminar notes: RNN LM with embeddings, vanishing gradients by norms, "
           "LSTM, GRU, skip connections",
    "004": "Cheng (2019/20), Artificial Neural Networks ch. 12: why sequences, deep RNNs, "
           "LSTM and GRU forward and backward",
}

#: Full citations of the notes: author, title, where and when, and what the note says about reuse.
#: A link is given only where the note itself names a public address.
REFERENCES = {
    "000": ("MIT 6.036 Introduction to Machine Learning course staff (author not named in the notes), "
            "*6.036 Spring 2018: Week 10*, section 11 \"Recurrent Neural networks\", lecture notes, "
            "Massachusetts Institute of Technology, 5 April 2018. No licence stated."),
    "001": ("Roi Yehoshua, *Recurrent Neural Networks (RNNs)*, lecture slides, Bar-Ilan University, 2018 "
            "(the author's page named on the last slide: <http://www.cs.biu.ac.il/~yehoshhr1/>). "
            "No licence stated."),
    "002": ("Mark Hasegawa-Johnson, *Lecture 25: Recurrent Neural Networks*, lecture slides, University of "
            "Illinois at Urbana-Champaign, March 2022. Licensed CC-BY 4.0 (\"copy at will, but cite the "
            "source\"), <https://creativecommons.org/licenses/by/4.0/> (its exponential-decay figure is "
            "credited \"CC-SA-4.0, Svjo, 2017\")."),
    "003": ("Kang Changgu, *CS224n Lecture 7: RNN / LSTM / GRU*, seminar notes on Stanford's CS224n lecture 7 "
            "(Vanishing gradients and fancy RNNs), UOS STAT NLP seminar, University of Seoul; "
            "no date given. No licence stated."),
    "004": ("Sen Cheng, *Artificial Neural Networks Lecture Notes*, chapter 12 \"Recurrent neural "
            "networks\", Ruhr University Bochum, winter semester 2019/20. No licence stated for the text "
            "(its figure 1 is a photograph under CC BY-SA 3.0)."),
}

#: Seconds the whole series may take on the 2-core CI machine.
SERIES_BUDGET = 300.0


@dataclass(frozen=True)
class Notebook:
    """One notebook of the course.

    ``planned`` is the file name the notebook is meant to have; the file that
    really exists (see :func:`find`) only has to share the number prefix.
    ``budget`` is the runtime budget in seconds on the 2-core CI machine;
    ``study`` the minutes a learner needs to work through it (reading, running,
    the exercises and a few settings of each explorer); ``before`` what to know
    first; ``skip`` who can leave it out ("" if nobody should).
    """
    number: int
    title: str
    teaches: str
    notes: tuple[str, ...]
    budget: float
    planned: str
    study: int = 60
    before: str = ""
    skip: str = ""

    @property
    def prefix(self) -> str:
        return f"{self.number:02d}_"


NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook(0, "Start here",
             "the course map, how to work through it, an environment check, "
             "and the notation every notebook uses",
             ("000", "001", "002", "003", "004"), 45, "00_start_here.ipynb",
             study=30, before="Python and numpy; what a neural network and backpropagation are"),
    Notebook(1, "Sequences and language models",
             "why sequences need memory; from a feed-forward next-word model to the "
             "RNN language model; embeddings; training and sampling a tiny RNN LM",
             ("000", "001", "003", "004"), 45, "01_sequences_and_language_models.ipynb",
             study=90, before="00; softmax and cross-entropy",
             skip="skim it if you have trained an RNN language model before"),
    Notebook(2, "The HMM as an RNN",
             "the forward algorithm and Viterbi; log-domain filtering as a recurrence; "
             "the lecture's part-of-speech example checked against the exact filter",
             ("002",), 45, "02_hmm_as_rnn.ipynb",
             study=90, before="01; conditional probability and Bayes' rule",
             skip="skip it if you only need neural models: no later notebook builds on it"),
    Notebook(3, "Backpropagation through time",
             "the backward recursion three ways; shared weights sum their gradients; "
             "gradient checks; truncated BPTT and its bias",
             ("000", "001", "002", "003", "004"), 45, "03_bptt.ipynb",
             study=120, before="01; the chain rule for vectors (Jacobians)"),
    Notebook(4, "Vanishing and exploding gradients",
             "products of Jacobians; spectral radius and the activation bound; "
             "non-normal growth; clipping, initialisation and skip connections",
             ("000", "001", "002", "003", "004"), 45, "04_vanishing_exploding.ipynb",
             study=90, before="03; eigenvalues and singular values"),
    Notebook(5, "Gates and the LSTM",
             "leaky and gated units; the LSTM as four notes write it, forward and backward; "
             "the constant error carousel; why the forget gate",
             ("000", "001", "002", "003", "004"), 45, "05_gates_and_lstm.ipynb",
             study=120, before="03 and 04"),
    Notebook(6, "The GRU",
             "update and reset gates; the two reset conventions; "
             "parameter counts against the RNN and the LSTM",
             ("001", "003", "004"), 45, "06_gru.ipynb",
             study=60, before="05"),
    Notebook(7, "Long-term memory, measured",
             "the adding problem across growing gaps: RNN, gated RNN, LSTM and GRU "
             "side by side, with and without clipping",
             ("000", "001", "003", "004"), 90, "07_long_term_memory.ipynb",
             study=60, before="05 and 06"),
    Notebook(8, "Deep, bidirectional, sequence-to-sequence",
             "stacked and bidirectional RNNs; the encoder-decoder; "
             "conditioning the initial state",
             ("001", "003", "004"), 45, "08_deep_bidirectional_seq2seq.ipynb",
             study=90, before="05 and 06 (its taggers and encoder-decoders are GRUs)",
             skip="skip it if you only need language models (09 does not build on it)"),
    Notebook(9, "A character-level language model",
             "a character-level RNN, LSTM and GRU on offline text; sampling with a "
             "temperature; bits per character against n-gram baselines",
             ("001", "004"), 90, "09_char_language_model.ipynb",
             study=90, before="01 and 05 (06 for the GRU)"),
)


def repository_root() -> Path | None:
    """The course's repository: around this package (editable install), else the working folder or its parent.

    The second place finds the course when the package was installed on its own
    (``pip install .`` on a hub) and a notebook's kernel runs in notebooks/.
    """
    package = Path(__file__).resolve().parent
    root = package.parent.parent
    if (root / "pyproject.toml").is_file() and (root / "lib" / "unrolled") == package:
        return root
    for root in (Path.cwd(), Path.cwd().parent):
        if (root / "lib" / "unrolled").is_dir() and (root / "notebooks").is_dir():
            return root
    return None


def notebooks_dir() -> Path | None:
    """The folder holding the notebooks, or None when the package was installed on its own."""
    root = repository_root()
    return root / "notebooks" if root else None


def find(notebook: Notebook, folder: Path | None = None) -> Path | None:
    """The notebook's file in ``folder`` (default: the course's notebooks/), or None if not written yet."""
    folder = notebooks_dir() if folder is None else Path(folder)
    if folder is None or not folder.is_dir():
        return None
    matches = sorted(folder.glob(f"{notebook.prefix}*.ipynb"))
    return matches[0] if matches else None


def course_map(folder: Path | None = None) -> list[dict]:
    """One row per notebook: its fields, the file it has (or is planned to have), and whether it exists."""
    rows = []
    for nb in NOTEBOOKS:
        path = find(nb, folder)
        rows.append({
            "number": nb.number, "title": nb.title, "teaches": nb.teaches,
            "notes": nb.notes, "budget": nb.budget,
            "file": path.name if path else nb.planned, "written": path is not None,
        })
    return rows


def hours(minutes: float) -> str:
    """Minutes as a learner reads them: "45 min", "1.5 h", "13 h"."""
    if minutes < 60:
        return f"{minutes:.0f} min"
    h = minutes / 60
    return f"{h:.0f} h" if h == round(h) else f"{h:.1f} h"


def markdown_table(folder: Path | None = None, link: str = "") -> str:
    """The course map as a Markdown table, built from the files in ``folder``.

    A notebook links to its file only when the file exists (``link`` is put in
    front of the file name: "notebooks/" in the README); the others are marked
    "not written yet", so no link leads nowhere.
    """
    lines = ["| notebook | what you will learn | know first | study time | notes | status |",
             "|---|---|---|---|---|---|"]
    for nb, row in zip(NOTEBOOKS, course_map(folder)):
        name = f"{row['number']:02d} {row['title']}"
        cell = f"[{name}]({link}{row['file']})" if row["written"] else name
        lines.append(f"| {cell} | {row['teaches']} | {nb.before} | {hours(nb.study)} | "
                     f"{', '.join(row['notes'])} | {'ready' if row['written'] else 'not written yet'} |")
    return "\n".join(lines)


def study_summary(folder: Path | None = None) -> str:
    """One line that adds up: notebooks written, their study time, and the whole course's."""
    rows = course_map(folder)
    ready = [nb for nb, row in zip(NOTEBOOKS, rows) if row["written"]]
    total = sum(nb.study for nb in NOTEBOOKS)
    return (f"{len(ready)} of {len(NOTEBOOKS)} notebooks are ready; studying them takes about "
            f"{hours(sum(nb.study for nb in ready))} ({' + '.join(str(nb.study) for nb in ready)} min), "
            f"the whole course about {hours(total)}.")


def skippable() -> str:
    """Who can leave out which notebook, as a Markdown list."""
    return "\n".join(f"- **{nb.number:02d} {nb.title}**: {nb.skip}." for nb in NOTEBOOKS if nb.skip)


def next_notebook(number: int, folder: Path | None = None, link: str = "") -> str:
    """Markdown for what to read after notebook ``number``: the next one that exists, linked."""
    later = [(nb, row) for nb, row in zip(NOTEBOOKS, course_map(folder)) if nb.number > number]
    for nb, row in later:
        if row["written"]:
            skipped = [f"{o.number:02d}" for o, r in later if o.number < nb.number]
            note = f" ({', '.join(skipped)} not written yet)" if skipped else ""
            return f"Next: **[{nb.number:02d} {nb.title}]({link}{row['file']})**{note}."
    return "This is the last notebook written so far." if later else "This is the last notebook of the course."


README_START = "<!-- course map: generated by `python -m unrolled.course --update-readme` -->"
README_END = "<!-- end of course map -->"
_BLOCK = re.compile(re.escape(README_START) + r"\n.*?\n" + re.escape(README_END), re.DOTALL)
REFERENCES_START = "<!-- references: generated by `python -m unrolled.course --update-readme` -->"
REFERENCES_END = "<!-- end of references -->"
_REFERENCES_BLOCK = re.compile(re.escape(REFERENCES_START) + r"\n.*?\n" + re.escape(REFERENCES_END), re.DOTALL)


def notes_table() -> str:
    """The lecture notes, by number, as a Markdown table."""
    rows = [f"| {number} | {what} |" for number, what in NOTES.items()]
    return "\n".join(["| note | what it is |", "|---|---|", *rows])


def references() -> str:
    """The notes' full citations as a Markdown list, by the number the course cites them with."""
    return "\n".join(f"- **{number}**: {REFERENCES[number]}" for number in NOTES)


def readme_block() -> str:
    """The README's course map and list of notes, markers included."""
    return (f"{README_START}\n{markdown_table(link='notebooks/')}\n\n{study_summary()}\n\n"
            f"Who can skip what:\n\n{skippable()}\n\n"
            f"The lecture notes, cited by number:\n\n{notes_table()}\n{README_END}")


def references_block() -> str:
    """The README's list of full references, markers included."""
    return f"{REFERENCES_START}\n{references()}\n{REFERENCES_END}"


def update_readme(path: Path) -> bool:
    """Rewrite the course map (and the references, where the README has their markers) at ``path``.

    Returns True if the file changed.
    """
    text = path.read_text()
    if not _BLOCK.search(text):
        raise ValueError(f"path: expected a README containing the line {README_START!r}, "
                         f"got {path} without it")
    new = _BLOCK.sub(lambda _: readme_block(), text)
    new = _REFERENCES_BLOCK.sub(lambda _: references_block(), new)
    path.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update-readme", action="store_true",
                        help="rewrite the course map in README.md at the repository's root")
    args = parser.parse_args(argv)
    if args.update_readme:
        root = repository_root()
        if root is None:
            print("The course's repository was not found next to this package: nothing to update.")
            return 1
        changed = update_readme(root / "README.md")
        print("README.md updated." if changed else "README.md already up to date.")
        return 0
    print(markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
