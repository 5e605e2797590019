"""Write the student copies of the notebooks: every cell tagged ``solution`` or ``answer`` removed (`make student`).

    python tools/student.py notebooks build/student

A ``solution`` cell holds an exercise's solution; an ``answer`` cell, placed
after its exercise, shows the library function that answers it. Everything else
is kept as it is: the exercise stubs, the checker calls and their stored
outputs, every other cell, the notebook's metadata. Only the standard library
is used, so this runs in any Python.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TAGS = ("solution", "answer")


def is_solution(cell: dict) -> bool:
    """Whether a student copy drops this cell: a solution, or a cell that shows an exercise's answer."""
    return any(tag in cell.get("metadata", {}).get("tags", []) for tag in TAGS)


def strip(notebook: dict) -> tuple[dict, int]:
    """A copy of ``notebook`` (nbformat 4 JSON) without its solution and answer cells, and how many were removed."""
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ValueError(f"notebook: expected nbformat 4 JSON with a 'cells' list, got keys {sorted(notebook)}")
    kept = [cell for cell in cells if not is_solution(cell)]
    return {**notebook, "cells": kept}, len(cells) - len(kept)


def write_student_copies(source: Path, outdir: Path) -> list[tuple[Path, int]]:
    """Strip every ``*.ipynb`` in ``source`` (a folder or one notebook) into ``outdir``."""
    source = Path(source)
    paths = sorted(source.glob("*.ipynb")) if source.is_dir() else [source]
    if not paths or not all(p.is_file() for p in paths):
        raise FileNotFoundError(f"source: expected a notebook or a folder of notebooks, got {source}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    done = []
    for path in paths:
        copy, removed = strip(json.loads(path.read_text(encoding="utf-8")))
        target = outdir / path.name
        # the same layout as tools/execute_notebooks.py writes, so the two diff cleanly
        target.write_text(json.dumps(copy, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        done.append((target, removed))
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a folder of notebooks (or one notebook)")
    parser.add_argument("outdir", type=Path, help="where the student copies go, e.g. build/student")
    args = parser.parse_args(argv)
    try:
        done = write_student_copies(args.source, args.outdir)
    except (FileNotFoundError, ValueError, json.JSONDecodeError) as exc:
        print(f"student: {exc}", file=sys.stderr)
        return 2
    for target, removed in done:
        print(f"{target}: {removed} solution or answer cell{'s' if removed != 1 else ''} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
