"""Checkers for the exercises, one module per notebook (``nb00``, ``nb02`` ...).

Every checker is an :class:`~unrolled.exercises.base.Exercise` and keeps the
contract written in :mod:`unrolled.exercises.base`: called with the reader's
function, it prints one line and returns a Verdict, "not attempted",
"correct" or "wrong" with a diagnosis, and never raises.

:func:`checkers` finds them all, so tests cover a new checker as soon as its
module exists; :func:`exercise_cells` locates each exercise in a notebook, for
the rules on what may come before it and on how its solution is stored.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from .base import CORRECT, NOT_ATTEMPTED, WRONG, Exercise, Mistake, Verdict, Wrong

__all__ = ["CORRECT", "NOT_ATTEMPTED", "WRONG", "Exercise", "Mistake", "Verdict", "Wrong",
           "checkers", "exercise_cells", "SOLUTION_TAG", "SOLUTION_FIRST_LINE"]

SOLUTION_TAG = "solution"
# A collapsed cell shows its first line in JupyterLab; this one tells what is inside and nothing more.
SOLUTION_FIRST_LINE = "# Solution"


def checkers() -> dict[str, Exercise]:
    """Every checker of every ``nbNN`` module, keyed ``"nbNN.check_name"`` as a notebook calls it."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not re.fullmatch(r"nb\d\d", info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, Exercise):
                found[f"{info.name}.{attr}"] = value
    return found


def exercise_cells(cells, key: str) -> tuple[int, int | None] | None:
    """Where exercise ``key`` ("nb02.check_forward_step") sits in a list of notebook cells.

    ``(i, j)``: i is the first code cell that calls the checker (the exercise),
    j the first cell tagged ``solution`` that calls it (None when there is none,
    as in a student copy). None when the notebook does not call this checker.
    """
    call = re.compile(rf"\b{re.escape(key)}\s*\(")
    first = solution = None
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or not call.search(_source(cell)):
            continue
        if first is None:
            first = i
        if solution is None and SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            solution = i
    return None if first is None else (first, solution)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source
