"""The course's exercises as nbgrader assignments, generated from the notebooks (`make assignments`).

    python tools/assignments.py notebooks build/nbgrader

writes, for every notebook of ``notebooks/`` that has exercises, the nbgrader
source notebook ``build/nbgrader/source/NN_topic/NN_topic.ipynb`` (with the
data files its code reads), and ``build/nbgrader/nbgrader_config.py`` if there
is none yet. The source notebooks are never edited by hand: change the course
notebook, or a rule here, and generate again.

The rules, applied to whatever the notebook contains (nothing here knows a cell
by its position):

1. **An exercise** is a checker of ``unrolled.exercises`` that the notebook
   calls. Its *exercise cell* is the first code cell calling it, its *solution*
   the first cell tagged ``solution`` calling it (``exercises.exercise_cells``).
   The *stub* is the function that the exercise cell passes to the checker,
   defined (``def``, with ``raise NotImplementedError``) in the exercise cell
   itself or in a code cell before it.
2. **Autograded answer cell** (nbgrader ``solution``, editable): the stub's
   cell up to the end of the function, with the stub's body (after its
   docstring and the comments that open it) replaced by the solution's body
   between ``### BEGIN SOLUTION`` and ``### END SOLUTION``. The comments above
   the solution's ``def``, what the solution cell defines before it (imports,
   constants, helpers) and any import or helper after it open that region.
   nbgrader's release replaces the region with ``raise NotImplementedError()``
   (after ``# YOUR CODE HERE``): the student gets the stub back.
3. **Autograder test cell** (nbgrader ``grade``, locked, worth ``points(key)``):
   what follows the function in the stub's cell, or the exercise cell when the
   stub has a cell of its own, with the checker called ``strict=True`` (a wrong
   or missing answer raises, and the cell scores zero).
4. What else the solution cell runs (an assertion that the function agrees with
   a result of the notebook) becomes a locked cell after the test cell; its
   checker calls and assertions on their verdicts are dropped.
5. Cells tagged ``solution`` or ``answer`` are dropped (as in ``make
   student``); every other cell is copied **locked** (read-only), with its
   outputs cleared. Locked cells keep their course cell id in their grade id.
6. Files under ``notebooks/`` whose path the notebook's code names (such as
   ``data/charlm/long_run.json``), or whose folder it names as a whole string
   (``"data/charlm"``), are copied next to it.

**Points** are set in one place, :data:`POINTS` below; an exercise it does not
name is worth :data:`DEFAULT_POINTS`.

Only ``unrolled.exercises`` (to find the checkers) and the standard library are
used, so this runs in the course's environment; nbgrader itself is needed only
to release and grade (``.venv-nbgrader``, see the README).
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import re
import shutil
import sys
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "lib") not in sys.path:
    sys.path.insert(0, str(ROOT / "lib"))

from unrolled.exercises import SOLUTION_TAG, checkers, exercise_cells  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
from student import attach_figures  # noqa: E402  (figures travel inside the notebook, as in make student)

#: Points of each exercise, keyed as the notebook calls its checker. The one place they are set.
POINTS: dict[str, int] = {
    "nb00.check_tanh_slope": 1,
    "nb01.check_sentence_log_prob": 1,
    "nb01.check_rnn_lm_step": 2,
    "nb01.check_rnn_lm_param_count": 1,
    "nb02.check_forward_step": 2,
    "nb02.check_backtrace": 2,
    "nb03.check_delta_step": 2,
    "nb03.check_grad_W_hh": 2,
    "nb03.check_reach": 2,
    "nb04.check_single_neuron_bound": 1,
    "nb04.check_jacobian_product": 2,
    "nb04.check_pascanu_verdict": 1,
    "nb04.check_clip_global_norm": 1,
    "nb05.check_lstm_step": 2,
    "nb05.check_dc_prev": 2,
    "nb05.check_weight_grads": 2,
    "nb06.check_gru_step": 2,
    "nb06.check_interpolation_backward": 1,
    "nb06.check_gru_param_count": 1,
    "nb07.check_adding_sequence": 1,
    "nb07.check_baseline_mse": 1,
    "nb07.check_longest_solved": 1,
    "nb08.check_bidirectional_states": 1,
    "nb08.check_decoder_inputs": 1,
    "nb08.check_conditioning_gradient": 2,
    "nb09.check_bits_per_char": 1,
    "nb09.check_add_k": 2,
    "nb09.check_temperature": 1,
}
#: Points of an exercise that POINTS does not name (a new one).
DEFAULT_POINTS = 1

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ANSWER_TAG = "answer"
SCHEMA_VERSION = 3

CONFIG = '''\
# nbgrader's settings for the Unrolled assignments (written once by `make assignments`;
# edit freely, it is not overwritten). See the README, "Grading the exercises".
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "unrolled"
# Autograding runs each notebook top to bottom; 07 and 09 train small models. A cell that
# takes longer than this (seconds) is stopped and the notebook graded as it stands.
c.Execute.timeout = 300
'''


def points(key: str) -> int:
    """The points an exercise (``"nb02.check_forward_step"``) is worth."""
    return POINTS.get(key, DEFAULT_POINTS)


class GenerateError(ValueError):
    """A notebook whose exercise the rules cannot turn into an assignment (the message says where and why)."""


# ----------------------------------------------------------------------- reading cells

def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _parse(source: str, where: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as exc:
        raise GenerateError(f"{where}: cannot parse the cell ({exc.msg}, line {exc.lineno})") from None


def _checker_calls(tree: ast.AST, key: str) -> list[ast.Call]:
    """Every call ``nbNN.check_x(...)`` of the checker ``key`` in ``tree``."""
    module, name = key.split(".")
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == name and isinstance(node.func.value, ast.Name) and node.func.value.id == module]


def _calls_any_checker(node: ast.AST, keys) -> bool:
    return any(_checker_calls(node, key) for key in keys)


def _is_verdict_assertion(node: ast.stmt) -> bool:
    """``assert _.correct`` (or any ``assert name.correct``): an assertion on a checker's verdict."""
    return (isinstance(node, ast.Assert) and isinstance(node.test, ast.Attribute)
            and node.test.attr == "correct" and isinstance(node.test.value, ast.Name))


def _header_end(lines: list[str], node: ast.FunctionDef) -> int:
    """The (1-based) line on which ``def ...:`` ends: the first ``:`` outside brackets after ``def``."""
    text = "\n".join(lines[node.lineno - 1:node.end_lineno]) + "\n"
    depth = 0
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.OP:
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
            elif tok.string == ":" and depth == 0:
                return node.lineno + tok.start[0] - 1
    raise GenerateError(f"cannot find the end of the header of {node.name}()")   # pragma: no cover


def _has_docstring(node: ast.FunctionDef) -> bool:
    first = node.body[0]
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    return found[-1] if found else None


def _raises_not_implemented(node: ast.FunctionDef) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Raise) and sub.exc is not None:
            exc = sub.exc.func if isinstance(sub.exc, ast.Call) else sub.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def _lines(node: ast.stmt, lines: list[str]) -> list[str]:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return lines[start - 1:node.end_lineno]


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


# ----------------------------------------------------------------------- one exercise

@dataclass
class Exercise:
    key: str            # "nb02.check_forward_step"
    function: str       # the stub's name, "forward_step"
    stub: int           # index of the cell that defines the stub
    call: int           # index of the exercise cell (the first call of the checker)
    solution: int       # index of the solution cell


def find_exercises(cells: list[dict], where: str = "notebook") -> list[Exercise]:
    """The exercises of a notebook's cells, in the order of their cells (rule 1)."""
    found = []
    for key in checkers():
        located = exercise_cells(cells, key)
        if located is None:
            continue
        call, solution = located
        if solution is None:
            raise GenerateError(f"{where}: {key} (cell {call}) has no cell tagged {SOLUTION_TAG!r} after it")
        calls = _checker_calls(_parse(_source(cells[call]), f"{where}, cell {call}"), key)
        if not calls or not calls[0].args or not isinstance(calls[0].args[0], ast.Name):
            raise GenerateError(f"{where}, cell {call}: {key} is not called with the reader's function by name")
        function = calls[0].args[0].id
        stub = None
        for i in range(call, -1, -1):
            cell = cells[i]
            if cell.get("cell_type") != "code" or SOLUTION_TAG in _tags(cell):
                continue
            try:
                node = _function(_parse(_source(cell), f"{where}, cell {i}"), function)
            except GenerateError:       # a cell with IPython magics is not a stub
                continue
            if node is not None and _raises_not_implemented(node):
                stub = i
                break
        if stub is None:
            raise GenerateError(f"{where}: no cell up to cell {call} defines the stub {function}() "
                                "with `raise NotImplementedError`")
        found.append(Exercise(key, function, stub, call, solution))
    return sorted(found, key=lambda e: e.call)


def _solution_parts(source: str, ex: Exercise, where: str) -> tuple[list[str], list[str]]:
    """From the solution cell: (the lines of the solution region, the lines of the locked cell after the test)."""
    lines = source.split("\n")
    tree = _parse(source, where)
    node = _function(tree, ex.function)
    if node is None:
        raise GenerateError(f"{where}: the solution cell does not define {ex.function}()")
    keys = list(checkers())
    header = _header_end(lines, node)
    body = lines[header:node.end_lineno]
    if _has_docstring(node):
        doc = node.body[0]
        body = lines[header:doc.lineno - 1] + lines[doc.end_lineno:node.end_lineno]
    body = textwrap.dedent("\n".join(body)).split("\n")

    # comments between "# Solution" and the def belong to the solution (they may state it)
    first_line = lines[0].strip()
    start = 1 if first_line.startswith("#") else 0
    preface = [ln.strip() for ln in lines[start:node.lineno - 1] if ln.strip().startswith("#")]
    helpers, after = [], []
    for stmt in tree.body:
        if stmt is node:
            continue
        if _calls_any_checker(stmt, keys) or _is_verdict_assertion(stmt):
            continue
        if stmt.lineno < node.lineno and not isinstance(
                stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign)):
            raise GenerateError(f"{where}: the solution cell runs code before {ex.function}() "
                                f"(line {stmt.lineno}); only imports and definitions may come first")
        if stmt.lineno < node.lineno or isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            helpers += textwrap.dedent("\n".join(_lines(stmt, lines))).split("\n")
        else:
            after += _lines(stmt, lines)
    region = preface + helpers + _strip_blank(body)
    return region, _strip_blank(after)


def _answer_source(stub_source: str, ex: Exercise, region: list[str], where: str) -> tuple[str, list[str]]:
    """(the answer cell's source, the stub cell's lines after the function) for rule 2."""
    lines = stub_source.split("\n")
    node = _function(_parse(stub_source, where), ex.function)
    statements = node.body[1:] if _has_docstring(node) and len(node.body) > 1 else node.body
    first = statements[0]
    indent = re.match(r"\s*", lines[first.lineno - 1]).group(0)
    answer = lines[:first.lineno - 1] + [indent + BEGIN] + [
        (indent + ln) if ln.strip() else "" for ln in region] + [indent + END]
    return "\n".join(_strip_blank(answer)), lines[node.end_lineno:]


def _strict(source: str, key: str, where: str) -> str:
    """``source`` with every call of the checker ``key`` given ``strict=True``."""
    tree = _parse(source, where)
    calls = [c for c in _checker_calls(tree, key) if not any(k.arg == "strict" for k in c.keywords)]
    if not _checker_calls(tree, key):
        raise GenerateError(f"{where}: the test cell does not call {key}")
    lines = source.split("\n")
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln) + 1)
    # insert from the end, so earlier positions stay valid
    for call in sorted(calls, key=lambda c: (c.end_lineno, c.end_col_offset), reverse=True):
        end = offsets[call.end_lineno - 1] + len(lines[call.end_lineno - 1].encode()[:call.end_col_offset].decode())
        close = source.rindex(")", 0, end)
        comma = source[:close].rstrip().endswith(",") or not (call.args or call.keywords)
        source = source[:close] + (" strict=True" if comma else ", strict=True") + source[close:]
    return source


# ----------------------------------------------------------------------- the notebook

def _meta(cell_type: str, grade_id: str, *, grade=False, solution=False, locked=False, pts=None) -> dict:
    meta = {"cell_type": cell_type, "grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": SCHEMA_VERSION, "solution": solution, "task": False}
    if grade:
        meta["points"] = pts
    return meta


def _grade_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _cell(cell_type: str, source: str, cell_id: str, metadata: dict, nbgrader: dict) -> dict:
    out = {"cell_type": cell_type, "id": cell_id[:64],
           "metadata": {**{k: v for k, v in metadata.items() if k not in ("jupyter", "collapsed", "scrolled")},
                        "nbgrader": nbgrader},
           "source": source}
    if cell_type == "code":
        out.update(execution_count=None, outputs=[])
    return out


def convert(notebook: dict, where: str = "notebook") -> tuple[dict, list[dict]] | None:
    """The nbgrader source notebook for a course notebook (nbformat 4 JSON), and its exercises.

    Returns ``(notebook, [{"key", "function", "points", "answer", "test"}])``
    (the grade ids of each exercise's two cells), or None when the notebook has
    no exercise. Raises :class:`GenerateError` naming the cell a rule cannot handle.
    """
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise GenerateError(f"{where}: expected nbformat 4 JSON with a 'cells' list")
    exercises = find_exercises(cells, where)
    if not exercises:
        return None
    by_stub = {ex.stub: ex for ex in exercises}
    by_call = {ex.call: ex for ex in exercises}
    if len(by_stub) != len(exercises):
        raise GenerateError(f"{where}: two exercises share the stub cell {sorted(by_stub)}")
    out, summary, used_ids = [], [], set()

    def add(cell_type, source, cell_id, metadata, nbgrader):
        cell_id = _grade_id(cell_id)
        while cell_id in used_ids:
            cell_id += "_"
        used_ids.add(cell_id)
        out.append(_cell(cell_type, source, cell_id, metadata, nbgrader))

    def add_test(ex: Exercise, lines: list[str], cell_id: str, where: str):
        test = _strict("\n".join(_strip_blank(lines)), ex.key, where)
        stem = ex.key.replace(".", "_")
        add("code", test, f"{cell_id}-test", {},
            _meta("code", f"{stem}_test", grade=True, locked=True, pts=points(ex.key)))
        _, after = _solution_parts(_source(cells[ex.solution]), ex, f"{where.split(',')[0]}, cell {ex.solution}")
        if after:
            add("code", "\n".join(after), f"{cell_id}-check", {}, _meta("code", f"{stem}_check", locked=True))
        summary.append({"key": ex.key, "function": ex.function, "points": points(ex.key),
                        "answer": f"{stem}_answer", "test": f"{stem}_test"})

    for i, cell in enumerate(cells):
        kind = cell.get("cell_type", "code")
        if SOLUTION_TAG in _tags(cell) or ANSWER_TAG in _tags(cell) or kind not in ("code", "markdown", "raw"):
            continue
        cell_id = str(cell.get("id") or f"cell{i}")
        metadata = cell.get("metadata", {})
        cell_where = f"{where}, cell {i}"
        if i in by_stub:
            ex = by_stub[i]
            region, _ = _solution_parts(_source(cells[ex.solution]), ex, f"{where}, cell {ex.solution}")
            answer, rest = _answer_source(_source(cell), ex, region, cell_where)
            add("code", answer, f"{cell_id}-answer", metadata,
                _meta("code", f"{ex.key.replace('.', '_')}_answer", solution=True))
            rest = _strip_blank(rest)
            if ex.call == i:
                add_test(ex, rest, cell_id, cell_where)
            elif rest:
                raise GenerateError(f"{cell_where}: code after {ex.function}() in its cell, "
                                    f"but the exercise's checker is called in cell {ex.call}")
        elif i in by_call:
            add_test(by_call[i], _source(cell).split("\n"), cell_id, cell_where)
        else:
            add(kind, _source(cell), cell_id, metadata, _meta(kind, _grade_id(f"locked_{cell_id}"), locked=True))

    meta = {k: v for k, v in notebook.get("metadata", {}).items() if k != "widgets"}
    return {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}, summary


def data_files(notebook: dict, folder: Path) -> list[Path]:
    """Files under ``folder`` (notebooks/) that the notebook's code names, by path or by folder (rule 6)."""
    code = "\n".join(_source(c) for c in notebook.get("cells", []) if c.get("cell_type") == "code")
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix == ".ipynb" or ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(folder)
        folders = [p.as_posix() + end for p in rel.parents if p != Path(".") for end in ("", "/")]
        if rel.as_posix() in code or any(f"{q}{f}{q}" in code for f in folders for q in "\"'"):
            found.append(rel)
    return found


def write_assignments(notebooks: Path, course: Path) -> list[tuple[Path, list[dict]]]:
    """Rules 1-6 over every ``NN_*.ipynb`` in ``notebooks``, into ``course``/source; returns what was written."""
    notebooks, course = Path(notebooks), Path(course)
    paths = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"notebooks: no NN_topic.ipynb in {notebooks}")
    source = course / "source"
    written = []
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        converted = convert(notebook, path.name)
        target = source / path.stem
        if target.exists():
            shutil.rmtree(target)
        if converted is None:
            continue
        nb, summary = converted
        attach_figures(nb, notebooks.resolve().parent / "figures")
        target.mkdir(parents=True)
        out = target / path.name
        out.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        for rel in data_files(notebook, notebooks):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(notebooks / rel, target / rel)
        written.append((out, summary))
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", type=Path, help="the course's notebooks/ folder")
    parser.add_argument("course", type=Path, help="the nbgrader course folder, e.g. build/nbgrader")
    args = parser.parse_args(argv)
    try:
        written = write_assignments(args.notebooks, args.course)
    except (FileNotFoundError, GenerateError, json.JSONDecodeError) as exc:
        print(f"assignments: {exc}", file=sys.stderr)
        return 2
    total = 0
    for path, summary in written:
        pts = sum(s["points"] for s in summary)
        total += pts
        print(f"{path}: {len(summary)} exercise{'s' if len(summary) != 1 else ''}, {pts} points")
    print(f"{len(written)} assignments, {total} points in all (points: POINTS in tools/assignments.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
