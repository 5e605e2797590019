"""The rules that keep a notebook's exercises from handing out their answers.

:func:`problems` reads a notebook (nbformat 4 JSON as a dict) and lists every
place where it breaks one of them; ``tests/test_exercise_cells.py`` runs it on
every course notebook and on every student copy.

In a notebook:

1. **No answer before its exercise.** No cell before an exercise ``show()``s a
   library function that answers it (``Exercise.answered_by``), and no cell up
   to and including the exercise contains a string of its ``forbidden`` list.
2. **Solutions stay closed.** A cell tagged ``solution`` has its input and its
   output collapsed (``"jupyter": {"source_hidden": true, "outputs_hidden":
   true}``; JupyterLab then shows only the cell's first line, and hides the
   outputs with the input) and its first line is exactly
   :data:`~unrolled.exercises.SOLUTION_FIRST_LINE`, which says what is inside
   and nothing more. No output anywhere contains a ``forbidden`` string.
3. **Answers shown after the exercise are tagged.** A cell that ``show()``s an
   answering function carries the tag ``answer``, so ``make student`` can drop it.

In a student copy (``student=True``) there is no cell tagged ``solution`` or
``answer``, no ``show()`` of an answering function at all, and no verdict
"correct" in a stored output.
"""
from __future__ import annotations

import re

from . import SOLUTION_FIRST_LINE, SOLUTION_TAG, _source, checkers, exercise_cells

ANSWER_TAG = "answer"
_SHOW = re.compile(r"(?<![\w.])show\(([^)]*)\)")


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _text_outputs(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        text = o.get("text", "")
        out.append("".join(text) if isinstance(text, list) else text)
        for mime in ("text/plain", "text/markdown"):
            data = o.get("data", {}).get(mime, "")
            out.append("".join(data) if isinstance(data, list) else data)
    return "".join(out)


def shown(cell) -> list[str]:
    """The names passed to a bare ``show(...)`` in a code cell (``notation.show`` is not one)."""
    if cell.get("cell_type") != "code":
        return []
    names = []
    for args in _SHOW.findall(_source(cell)):
        names += [a.strip() for a in args.split(",") if a.strip()]
    return names


def problems(notebook: dict, student: bool = False) -> list[str]:
    """Every break of the rules above in ``notebook``, as readable lines (empty when it complies)."""
    cells = notebook.get("cells", [])
    found = []
    everything = checkers()
    answering = {name: key for key, check in everything.items() for name in check.answered_by}

    for i, cell in enumerate(cells):
        tags = _tags(cell)
        if student and (SOLUTION_TAG in tags or ANSWER_TAG in tags):
            found.append(f"cell {i}: a student copy keeps a cell tagged {tags}")
        if SOLUTION_TAG in tags:
            meta = cell.get("metadata", {}).get("jupyter", {})
            if not meta.get("source_hidden") or not meta.get("outputs_hidden"):
                found.append(f"cell {i}: a solution cell must have source_hidden and outputs_hidden, has {meta}")
            first_line = _source(cell).split("\n", 1)[0]
            if first_line != SOLUTION_FIRST_LINE:
                found.append(f"cell {i}: a solution cell's first line (visible when collapsed) must be "
                             f"{SOLUTION_FIRST_LINE!r}, is {first_line!r}")
        for name in shown(cell):
            if name in answering:
                if student:
                    found.append(f"cell {i}: a student copy shows {name}, the answer of {answering[name]}")
                elif ANSWER_TAG not in tags:
                    found.append(f"cell {i}: show({name}) reveals the answer of {answering[name]}; "
                                 f"tag the cell {ANSWER_TAG!r}")
        if student and re.search(r"^\[[^\]]+\] correct", _text_outputs(cell), flags=re.M):
            found.append(f"cell {i}: a student copy stores a 'correct' verdict")

    for key, check in everything.items():
        where = exercise_cells(cells, key)
        if where is None:
            continue
        exercise, solution = where
        if student and solution is not None:
            found.append(f"cell {solution}: a student copy keeps the solution of {key}")
        if not student and solution is None:
            found.append(f"{key}: the exercise at cell {exercise} has no cell tagged {SOLUTION_TAG!r} after it")
        for i, cell in enumerate(cells[:exercise]):
            for name in shown(cell):
                if name in check.answered_by:
                    found.append(f"cell {i}: show({name}) comes before its exercise {key} (cell {exercise})")
        for i, cell in enumerate(cells):
            outputs = "" if ANSWER_TAG in _tags(cell) else _text_outputs(cell)
            source = _source(cell) if i <= exercise else ""
            for text in check.forbidden:
                if text in outputs:
                    found.append(f"cell {i}: an output contains {text!r}, the answer of {key}")
                if text in source:
                    found.append(f"cell {i}: {text!r}, the answer of {key}, appears before the exercise")
    return found
