"""Exercises do not hand out their answers: every course notebook and every student copy is scanned.

The rules are those of unrolled.exercises.rules; the synthetic notebooks below show that
the scan fails when a defect is put back.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from unrolled.exercises import SOLUTION_FIRST_LINE, rules

ROOT = Path(__file__).resolve().parent.parent
COURSE = sorted((ROOT / "notebooks").glob("*.ipynb"))


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", COURSE, ids=[p.stem for p in COURSE])
def test_course_notebook_keeps_its_answers_closed(path):
    assert rules.problems(read(path)) == []


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "student.py"), str(ROOT / "notebooks"), str(out)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("path", COURSE, ids=[p.stem for p in COURSE])
def test_student_copy_has_no_solution_and_no_answer(student_copies, path):
    copy = read(student_copies / path.name)
    assert rules.problems(copy, student=True) == []
    solutions = [c["source"] for c in read(path)["cells"] if "solution" in c.get("metadata", {}).get("tags", [])]
    kept = [c["source"] for c in copy["cells"]]
    assert not any(s in kept for s in solutions)


def code(source, tags=(), outputs=(), hidden=None):
    meta = {"tags": list(tags)} if tags else {}
    if hidden is not None:
        meta["jupyter"] = hidden
    return {"cell_type": "code", "metadata": meta, "source": source, "outputs": list(outputs),
            "execution_count": None}


def printed(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


CLOSED = {"source_hidden": True, "outputs_hidden": True}
STUB = code("def forward_step(b, A, E, x):\n    raise NotImplementedError\n\n\nnb02.check_forward_step(forward_step)")
SOLUTION = code(f"{SOLUTION_FIRST_LINE}\ndef forward_step(b, A, E, x):\n    ...\n\n\n"
                "assert nb02.check_forward_step(forward_step).correct", tags=["solution"], hidden=CLOSED,
                outputs=[printed("[forward step] correct: right on all 5 cases\n")])
SHOW_AFTER = code("show(hmm.forward_step)", tags=["answer"])


def nb(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_a_compliant_exercise_passes():
    assert rules.problems(nb(code("show(hmm.filter_step_plot)"), STUB, SOLUTION, SHOW_AFTER)) == []


@pytest.mark.parametrize("notebook, words", [
    (nb(code("show(hmm.forward_step)"), STUB, SOLUTION), "comes before its exercise"),
    (nb(code("x = 1\nshow(hmm.backtrace, hmm.forward_step)"), STUB, SOLUTION), "comes before its exercise"),
    (nb(STUB, SOLUTION, code("show(hmm.forward_step)")), "tag the cell 'answer'"),
    (nb(STUB, dict(SOLUTION, metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}})),
     "outputs_hidden"),
    (nb(STUB, dict(SOLUTION, source="# Solution: normalise (belief @ A) * E[:, x]\n...\nnb02.check_forward_step(f)")),
     "first line"),
    (nb(STUB, dict(SOLUTION, outputs=[printed("[forward step] correct: (belief @ A) * E[:, x], normalised\n")])),
     "an output contains"),
    (nb(code("# hint: belief @ A, then weigh"), STUB, SOLUTION), "appears before the exercise"),
    (nb(STUB), "has no cell tagged 'solution'"),
])
def test_the_scan_finds_each_defect(notebook, words):
    found = rules.problems(notebook)
    assert any(words in line for line in found), found


@pytest.mark.parametrize("notebook, words", [
    (nb(STUB, SOLUTION), "keeps a cell tagged"),
    (nb(STUB, SHOW_AFTER), "shows hmm.forward_step"),
    (nb(STUB, code("nb02.check_forward_step(f)", outputs=[printed("[forward step] correct: right\n")])),
     "'correct' verdict"),
])
def test_the_scan_finds_each_defect_of_a_student_copy(notebook, words):
    found = rules.problems(notebook, student=True)
    assert any(words in line for line in found), found


def test_notation_show_is_not_a_show_of_an_answer():
    assert rules.shown(code("notation.show(('002',))\nshow(a.b, c.d)")) == ["a.b", "c.d"]
