"""The course map as data: every notebook, what it teaches, and how long it may run.

:data:`NOTEBOOKS` is the one list that notebook 00, the README and the runtime
check in ``tests/nbval_budget.py`` agree on (``tests/test_course.py`` checks it).

A notebook is found by its number prefix (``03_*.ipynb``), not by an exact
name, so the map notices a notebook as soon as its file exists, whatever its
final name. Which notebooks exist is read from the file system each time, never
stored here: the map marks the ones not written yet.

``python -m unrolled.course`` prints the map; ``python -m unrolled.course
--update-readme`` rewrites the map in README.md between its two markers.
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

#: Seconds the whole series may take on the 2-core CI machine.
SERIES_BUDGET = 300.0


@dataclass(frozen=True)
class Notebook:
    """One notebook of the course.

    ``planned`` is the file name the notebook is meant to have; the file that
    really exists (see :func:`find`) only has to share the number prefix.
    ``budget`` is the runtime budget in seconds on the 2-core CI machine.
    """
    number: int
    title: str
    teaches: str
    notes: tuple[str, ...]
    budget: float
    planned: str

    @property
    def prefix(self) -> str:
        return f"{self.number:02d}_"


NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook(0, "Start here",
             "the course map, how to work through it, an environment check, "
             "and the notation every notebook uses",
             ("000", "001", "002", "003", "004"), 45, "00_start_here.ipynb"),
    Notebook(1, "Sequences and language models",
             "why sequences need memory; from a feed-forward next-word model to the "
             "RNN language model; embeddings; training and sampling a tiny RNN LM",
             ("000", "001", "003", "004"), 45, "01_sequences_and_language_models.ipynb"),
    Notebook(2, "The HMM as an RNN",
             "the forward algorithm and Viterbi; log-domain filtering as a recurrence; "
             "the lecture's part-of-speech example checked against the exact filter",
             ("002",), 45, "02_hmm_as_rnn.ipynb"),
    Notebook(3, "Backpropagation through time",
             "the backward recursion three ways; shared weights sum their gradients; "
             "gradient checks; truncated BPTT and its bias",
             ("000", "001", "002", "003", "004"), 45, "03_bptt.ipynb"),
    Notebook(4, "Vanishing and exploding gradients",
             "products of Jacobians; spectral radius and the activation bound; "
             "non-normal growth; clipping, initialisation and skip connections",
             ("000", "001", "002", "003", "004"), 45, "04_vanishing_exploding.ipynb"),
    Notebook(5, "Gates and the LSTM",
             "leaky and gated units; the LSTM as four notes write it, forward and backward; "
             "the constant error carousel; why the forget gate",
             ("000", "001", "002", "003", "004"), 45, "05_gates_and_lstm.ipynb"),
    Notebook(6, "The GRU",
             "update and reset gates; the two reset conventions; "
             "parameter counts against the RNN and the LSTM",
             ("001", "003", "004"), 45, "06_gru.ipynb"),
    Notebook(7, "Long-term memory, measured",
             "the adding problem across growing gaps: RNN, gated RNN, LSTM and GRU "
             "side by side, with and without clipping",
             ("000", "001", "003", "004"), 90, "07_long_term_memory.ipynb"),
    Notebook(8, "Deep, bidirectional, sequence-to-sequence",
             "stacked and bidirectional RNNs; the encoder-decoder; "
             "conditioning the initial state",
             ("001", "003", "004"), 45, "08_deep_bidirectional_seq2seq.ipynb"),
    Notebook(9, "A character-level language model",
             "a character-level RNN, LSTM and GRU on offline text; sampling with a "
             "temperature; bits per character against n-gram baselines",
             ("001", "004"), 90, "09_char_language_model.ipynb"),
)


def repository_root() -> Path | None:
    """The course's repository when this package is used from it (editable install), else None."""
    package = Path(__file__).resolve().parent
    root = package.parent.parent
    is_repo = (root / "pyproject.toml").is_file() and (root / "lib" / "unrolled") == package
    return root if is_repo else None


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


def markdown_table(folder: Path | None = None, status: bool = True) -> str:
    """The course map as a Markdown table.

    With ``status`` (notebook 00), notebooks not written yet are marked and
    have no link; without it (the README), every row links to its planned file.
    """
    head = "| notebook | what it teaches | lecture notes | runtime budget |"
    rule = "|---|---|---|---|"
    if status:
        head, rule = head + " status |", rule + "---|"
    lines = [head, rule]
    for row in course_map(folder):
        name = f"{row['number']:02d} {row['title']}"
        if not status:
            cell = f"[{name}](notebooks/{row['file']})"
        else:
            cell = f"[{name}]({row['file']})" if row["written"] else name
        line = (f"| {cell} | {row['teaches']} | {', '.join(row['notes'])} "
                f"| {row['budget']:.0f} s |")
        if status:
            line += " ready |" if row["written"] else " not written yet |"
        lines.append(line)
    return "\n".join(lines)


README_START = "<!-- course map: generated by `python -m unrolled.course --update-readme` -->"
README_END = "<!-- end of course map -->"
_BLOCK = re.compile(re.escape(README_START) + r"\n.*?\n" + re.escape(README_END), re.DOTALL)


def notes_table() -> str:
    """The lecture notes, by number, as a Markdown table."""
    rows = [f"| {number} | {what} |" for number, what in NOTES.items()]
    return "\n".join(["| note | what it is |", "|---|---|", *rows])


def readme_block() -> str:
    """The README's course map and list of notes, markers included."""
    return (f"{README_START}\n{markdown_table(status=False)}\n\n"
            f"The lecture notes, cited by number:\n\n{notes_table()}\n{README_END}")


def update_readme(path: Path) -> bool:
    """Rewrite the course map in the README at ``path``; return True if it changed."""
    text = path.read_text()
    if not _BLOCK.search(text):
        raise ValueError(f"path: expected a README containing the line {README_START!r}, "
                         f"got {path} without it")
    new = _BLOCK.sub(lambda _: readme_block(), text)
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
