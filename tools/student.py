"""Write the student copies of the notebooks: every cell tagged ``solution`` or ``answer`` removed (`make student`).

    python tools/student.py notebooks build/student

A ``solution`` cell holds an exercise's solution; an ``answer`` cell, placed
after its exercise, shows the library function that answers it. Everything else
is kept as it is: the exercise stubs, the checker calls and their stored
outputs, every other cell, the notebook's metadata, with one change that makes
a copy stand on its own: a figure the course keeps in ``figures/`` (markdown
``![...](../figures/NAME.png)``) travels inside the copy as a cell attachment,
so the copy shows it wherever it is put. Only the standard library is used, so
this runs in any Python.
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import sys
from pathlib import Path

TAGS = ("solution", "answer")
FIGURE = re.compile(r"\]\(\.\./figures/([A-Za-z0-9_.-]+\.png)\)")


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


def attach_figures(notebook: dict, figures: Path) -> int:
    """Turn each ``](../figures/NAME.png)`` of a markdown cell into a cell attachment (in place).

    Returns how many links were changed; a link to a file missing from ``figures`` is an error.
    """
    changed = 0
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        names = FIGURE.findall(source)
        for name in names:
            path = Path(figures) / name
            if not path.is_file():
                raise FileNotFoundError(f"figures: a markdown cell shows ../figures/{name}, which is not in {figures}")
            cell.setdefault("attachments", {})[name] = {"image/png": base64.b64encode(path.read_bytes()).decode()}
        if names:
            cell["source"] = FIGURE.sub(lambda m: f"](attachment:{m.group(1)})", source)
            changed += len(names)
    return changed


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
        attach_figures(copy, path.resolve().parent.parent / "figures")
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
