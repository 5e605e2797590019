"""The exercises as nbgrader assignments (tools/assignments.py, `make assignments`).

The generator's rules are tested on small notebooks and on the course's own.
The test marked ``series`` (`make test-assignments`, a stage of its own) is
the real thing with nbgrader from ``.venv-nbgrader``: generate the source
notebooks, release them, and autograde

(a) the release with the solutions filled back in: full marks;
(b) the release as a student receives it: zero;
(c) for each exercise, a planted mistake: the first mistake its checker names,
    made by the exercise's function: exactly that exercise's points lost, and
    its test cell's error is that mistake's diagnosis.

How many runs (c) takes. Autograding runs whole notebooks (the series is about
110 s of CPU). By default each exercise gets a submission of its own, with its
mistake planted and every other exercise solved: that exercise, and only it,
must lose its points, with its own diagnosis (48 runs; 4 min 39 s on a quiet
2-core machine). ``UNROLLED_EACH_MISTAKE=0`` grades ONE submission per notebook
with every exercise's mistake planted at once instead (30 runs, about 3 min):
each test cell must still fail with its *own* mistake's diagnosis and lose
exactly its own points, but it cannot show that a mistake in exercise i leaves
a right answer to exercise j its points. A test cell calls only its own
function, so that could only break if an exercise's solution used another
exercise's function: a static check below forbids that as well (a solution or
test cell naming another exercise's function fails it).

The submissions are graded by two workers, each in a course folder and
gradebook of its own (nbgrader's sqlite gradebook takes one writer), with one
BLAS thread per kernel.
"""
from __future__ import annotations

import ast
import copy
import json
import os
import queue
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import assignments  # noqa: E402
from unrolled import exercises  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
VENV = Path(os.environ.get("UNROLLED_NBGRADER_VENV", ROOT / ".venv-nbgrader"))
WORKERS = int(os.environ.get("UNROLLED_GRADE_WORKERS", "2"))
EACH_MISTAKE = os.environ.get("UNROLLED_EACH_MISTAKE", "1") != "0"
CELL_TIMEOUT = 180          # seconds a cell may run while autograding before it counts as failed


# ----------------------------------------------------------------------- small notebooks

def cell(kind, source, tags=(), cell_id=None):
    c = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {}, "source": source}
    if cell_id:
        c["id"] = cell_id
    if kind == "code":
        c.update(outputs=[{"output_type": "stream", "name": "stdout", "text": "x\n"}], execution_count=1)
    return c


def notebook(*cells):
    return {"cells": list(cells), "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
                         "widgets": {"state": {}}}}


STUB = '''import numpy as np


def tanh_slope(y):
    """The slope of tanh from its output."""
    # y = tanh(a)
    raise NotImplementedError


_ = nb00.check_tanh_slope(tanh_slope)'''

SOLUTION = '''# Solution
# tanh'(a) = 1 - tanh(a)**2
from math import pi
ONE = 1


def tanh_slope(y):
    return 1 - y ** 2


_ = nb00.check_tanh_slope(tanh_slope)
assert _.correct
assert tanh_slope(0.0) == 1.0'''


def by_kind(nb):
    meta = [c["metadata"]["nbgrader"] for c in nb["cells"]]
    answers = [c for c, m in zip(nb["cells"], meta) if m["solution"]]
    tests = [c for c, m in zip(nb["cells"], meta) if m["grade"]]
    return answers, tests


def test_stub_solution_and_checker_become_an_answer_cell_and_a_test_cell():
    nb = notebook(cell("markdown", "# 00", cell_id="m1"), cell("code", STUB, cell_id="s1"),
                  cell("code", SOLUTION, tags=["solution"], cell_id="sol"),
                  cell("code", "show(activations.derivative)", tags=["answer"], cell_id="ans"),
                  cell("code", "print(2)", tags=["nbval-ignore-output"], cell_id="c9"))
    out, summary = assignments.convert(nb)
    answers, tests = by_kind(out)
    assert [c["source"] for c in answers] == ['''import numpy as np


def tanh_slope(y):
    """The slope of tanh from its output."""
    # y = tanh(a)
    ### BEGIN SOLUTION
    # tanh'(a) = 1 - tanh(a)**2
    from math import pi
    ONE = 1
    return 1 - y ** 2
    ### END SOLUTION''']
    assert [c["source"] for c in tests] == ["_ = nb00.check_tanh_slope(tanh_slope, strict=True)"]
    assert tests[0]["metadata"]["nbgrader"]["points"] == assignments.points("nb00.check_tanh_slope")
    # the solution's own check of a notebook result follows the test, locked; its checker call is gone
    sources = [c["source"] for c in out["cells"]]
    assert sources == ["# 00", answers[0]["source"], tests[0]["source"], "assert tanh_slope(0.0) == 1.0", "print(2)"]
    assert all("Solution" not in s and "show(" not in s for s in sources)
    assert summary == [{"key": "nb00.check_tanh_slope", "function": "tanh_slope", "points": 1,
                        "answer": "nb00_check_tanh_slope_answer", "test": "nb00_check_tanh_slope_test"}]


def test_every_cell_is_an_nbgrader_cell_locked_unless_it_is_an_answer():
    nb = notebook(cell("markdown", "# 00", cell_id="m1"), cell("code", STUB, cell_id="s1"),
                  cell("code", SOLUTION, tags=["solution"]), cell("raw", "raw", cell_id="r1"))
    out, _ = assignments.convert(nb)
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in out["cells"]]
    assert len(set(ids)) == len(ids) and len({c["id"] for c in out["cells"]}) == len(ids)
    for c in out["cells"]:
        meta = c["metadata"]["nbgrader"]
        assert meta["schema_version"] == 3 and meta["cell_type"] == c["cell_type"]
        assert meta["locked"] is (not meta["solution"])
        assert ("points" in meta) is meta["grade"]
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and c["execution_count"] is None
    assert "widgets" not in out["metadata"] and out["metadata"]["kernelspec"]["name"] == "python3"
    assert "locked_m1" in ids


def test_a_stub_in_a_cell_of_its_own_and_the_checker_in_the_next():
    stub = "def reach(t, T, k1, k2):\n    raise NotImplementedError"
    solution = ("# Solution\ndef reach(t, T, k1, k2):\n    return list(range(t, T))\n\n"
                "assert nb03.check_reach(reach).correct")
    nb = notebook(cell("code", stub), cell("code", "_ = nb03.check_reach(reach)"),
                  cell("code", solution, tags=["solution"]))
    out, _ = assignments.convert(nb)
    assert [c["source"] for c in out["cells"]] == [
        "def reach(t, T, k1, k2):\n    ### BEGIN SOLUTION\n    return list(range(t, T))\n    ### END SOLUTION",
        "_ = nb03.check_reach(reach, strict=True)"]


def test_only_the_exercise_call_is_graded_a_later_call_stays_a_plain_cell():
    slip = "def slip(y):\n    return y\n\n\n_ = nb00.check_tanh_slope(slip)"
    nb = notebook(cell("code", STUB), cell("code", SOLUTION, tags=["solution"]), cell("code", slip))
    out, _ = assignments.convert(nb)
    assert out["cells"][-1]["source"] == slip and not out["cells"][-1]["metadata"]["nbgrader"]["grade"]


def test_a_notebook_without_exercises_gives_no_assignment():
    assert assignments.convert(notebook(cell("markdown", "# 10"), cell("code", "x = 1"))) is None


@pytest.mark.parametrize("cells, words", [
    ((cell("code", STUB),), "no cell tagged 'solution'"),
    ((cell("code", "_ = nb00.check_tanh_slope(tanh_slope)"), cell("code", SOLUTION, tags=["solution"])),
     "defines the stub tanh_slope()"),
    ((cell("code", STUB), cell("code", "# Solution\nassert nb00.check_tanh_slope(f).correct", tags=["solution"])),
     "does not define tanh_slope()"),
    ((cell("code", "_ = nb00.check_tanh_slope(lambda y: y)"), cell("code", SOLUTION, tags=["solution"])),
     "by name"),
])
def test_what_the_rules_cannot_convert_is_named(cells, words):
    with pytest.raises(assignments.GenerateError, match=words.replace("(", r"\(").replace(")", r"\)")):
        assignments.convert(notebook(*cells), "00_x.ipynb")


def test_the_command_writes_the_course_folder_and_keeps_an_edited_config(tmp_path):
    src = tmp_path / "nbs"
    (src / "data" / "toy").mkdir(parents=True)
    (src / "data" / "toy" / "t.json").write_text("{}")
    (src / "data" / "other.txt").write_text("unused")
    (src / "data" / "toy" / "README.md").write_text("unused")
    (src / "data" / "whole").mkdir()
    (src / "data" / "whole" / "w.csv").write_text("1")
    reader = cell("code", 'import json\nd = json.load(open("data/toy/t.json"))\nw = Path("data/whole") / "w.csv"')
    (src / "00_x.ipynb").write_text(json.dumps(notebook(reader, cell("code", STUB),
                                                        cell("code", SOLUTION, tags=["solution"]))))
    (src / "01_y.ipynb").write_text(json.dumps(notebook(cell("markdown", "no exercise"))))
    course = tmp_path / "course"
    (course / "source" / "01_y").mkdir(parents=True)              # a stale assignment goes
    run = [sys.executable, str(ROOT / "tools" / "assignments.py"), str(src), str(course)]
    result = subprocess.run(run, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "1 exercise, 1 points" in result.stdout
    assert sorted(p.relative_to(course).as_posix() for p in course.rglob("*") if p.is_file()) == [
        "nbgrader_config.py", "source/00_x/00_x.ipynb", "source/00_x/data/toy/t.json",
        "source/00_x/data/whole/w.csv"]
    (course / "nbgrader_config.py").write_text("# mine\n")
    assert subprocess.run(run, capture_output=True, check=False).returncode == 0
    assert (course / "nbgrader_config.py").read_text() == "# mine\n"
    bad = subprocess.run(run[:2] + [str(tmp_path / "nowhere"), str(course)], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("assignments: ") and "Traceback" not in bad.stderr


COURSE = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", COURSE, ids=[p.name for p in COURSE])
def test_every_exercise_of_the_course_becomes_one_answer_and_one_test(path):
    nb = json.loads(path.read_text())
    called = [key for key in exercises.checkers() if exercises.exercise_cells(nb["cells"], key)]
    converted = assignments.convert(nb, path.name)
    if not called:
        assert converted is None
        return
    out, summary = converted
    answers, tests = by_kind(out)
    assert sorted(s["key"] for s in summary) == sorted(called)
    assert len(answers) == len(tests) == len(called)
    for ex, answer, test in zip(summary, answers, tests):
        assert ex["answer"] == answer["metadata"]["nbgrader"]["grade_id"]
        assert ex["test"] == test["metadata"]["nbgrader"]["grade_id"]
        assert test["metadata"]["nbgrader"]["points"] == assignments.points(ex["key"]) > 0
        assert f"check_{ex['key'].split('.check_')[1]}({ex['function']}, strict=True)" in test["source"]
        body = answer["source"]
        assert body.count(assignments.BEGIN) == body.count(assignments.END) == 1
        released = stub_of(body)       # what nbgrader's release leaves: must compile, and define the stub
        assert "NotImplementedError" in released and f"def {ex['function']}(" in released
        ast.parse(released)
        ast.parse(body)
    for c in out["cells"]:
        assert not {"solution", "answer"} & set(c["metadata"].get("tags", []))


def stub_of(source: str, stub: str = "raise NotImplementedError()") -> str:
    """The answer cell as nbgrader's release writes it (ClearSolutions: the region becomes the stub)."""
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        if assignments.BEGIN in line:
            inside = True
            out.append(line[:line.index("#")] + stub)
        elif assignments.END in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def test_points_name_only_exercises_that_exist():
    assert set(assignments.POINTS) <= set(exercises.checkers())
    assert all(isinstance(p, int) and p > 0 for p in assignments.POINTS.values())


# ----------------------------------------------------------------------- nbgrader, for real

def nbgrader_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"     # nbgrader runs `alembic` from PATH
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("MPLBACKEND", None)
    env.pop("PYTHONPATH", None)        # the kernel imports the course installed in .venv-nbgrader
    return env


def nbgrader(course: Path, *args: str, log: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [str(VENV / "bin" / "python"), "-m", "nbgrader", *args]
    result = subprocess.run(cmd, cwd=course, env=nbgrader_env(), capture_output=True, text=True, check=False)
    if log is not None:
        log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result


def planted_region(function_def: ast.FunctionDef, key: str) -> list[str]:
    """A function body that makes the checker's first named mistake, by calling it."""
    module, name = key.split(".")
    params = [a.arg for a in function_def.args.posonlyargs + function_def.args.args]
    return [f"from unrolled.exercises import {module} as _checkers",
            f"return _checkers.{name}.mistakes[0].compute({', '.join(params)})"]


def with_region(source: str, region: list[str]) -> str:
    """An answer cell's source with its solution region replaced by ``region`` (a student's own body)."""
    lines = source.split("\n")
    begin = next(i for i, ln in enumerate(lines) if assignments.BEGIN in ln)
    end = next(i for i, ln in enumerate(lines) if assignments.END in ln)
    indent = lines[begin][:len(lines[begin]) - len(lines[begin].lstrip())]
    return "\n".join(lines[:begin] + [indent + ln for ln in region] + lines[end + 1:])


def submissions(source_nb: dict, release_nb: dict, summary: list[dict]) -> dict[str, tuple[dict, list[dict]]]:
    """student id -> (the notebook that student submits, the exercises with a planted mistake in it).

    "solved" (every solution filled in), "blank" (the release as is) and "slips" (every
    exercise's first named mistake planted), or "slip1".."slipN" (one each) with EACH_MISTAKE.
    """
    solved_src = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source_nb["cells"]
                  if c["metadata"]["nbgrader"]["solution"]}

    def fill(planted: list[dict]):
        nb = copy.deepcopy(release_nb)
        plants = {ex["answer"]: ex for ex in planted}
        for c in nb["cells"]:
            gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in solved_src:
                c["source"] = solved_src[gid]
                if gid in plants:
                    tree = assignments._function(ast.parse(solved_src[gid]), plants[gid]["function"])
                    c["source"] = with_region(solved_src[gid], planted_region(tree, plants[gid]["key"]))
        return nb, planted

    out = {"solved": fill([]), "blank": (copy.deepcopy(release_nb), [])}
    if EACH_MISTAKE:
        for k, ex in enumerate(summary, 1):
            out[f"slip{k}"] = fill([ex])
    else:
        out["slips"] = fill(list(summary))
    return out


READ_GRADES = textwrap.dedent('''\
    import json, sys
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook("sqlite:///gradebook.db") as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    out[f"{sub.student.id}/{assignment.name}"] = {
                        g.name: [g.score, g.max_score] for g in nb.grades}
    json.dump(out, sys.stdout)
''')


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate, release, submit and autograde every assignment; the grades and autograded notebooks."""
    if not (VENV / "bin" / "nbgrader").exists():
        pytest.fail(f"nbgrader is not installed in {VENV}: run `make test-assignments`, which builds it")
    top = tmp_path_factory.mktemp("nbgrader")
    main = top / "course"
    written = assignments.write_assignments(NOTEBOOKS, main)
    (main / "nbgrader_config.py").write_text(
        assignments.CONFIG + f"c.Execute.timeout = {CELL_TIMEOUT}\nc.Autograde.create_student = True\n")
    nbgrader(main, "generate_assignment", "*", "--force", log=top / "generate.log")

    jobs = []           # (cost estimate, assignment, {student: notebook})
    plan = {}
    for path, summary in written:
        name = path.stem
        source_nb = json.loads(path.read_text())
        release_nb = json.loads((main / "release" / name / f"{name}.ipynb").read_text())
        subs = submissions(source_nb, release_nb, summary)
        plan[name] = {"summary": summary, "planted": {student: planted for student, (_, planted) in subs.items()},
                      "release": release_nb, "source": source_nb}
        weight = 3.0 if name.startswith(("07_", "09_")) else 1.0
        jobs.append((weight * len(subs), name, subs))
    jobs.sort(key=lambda j: -j[0])          # longest first, two workers pull from the queue

    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    workers = [top / f"worker{w}" for w in range(WORKERS)]
    for folder in workers:
        folder.mkdir()
        for item in ("nbgrader_config.py", "gradebook.db"):
            shutil.copy(main / item, folder / item)
        shutil.copytree(main / "source", folder / "source")
    failures, seconds = [], {}

    def work(folder: Path):
        while True:
            try:
                _, name, subs = todo.get_nowait()
            except queue.Empty:
                return
            for student, nb in subs.items():
                target = folder / "submitted" / student / name
                target.mkdir(parents=True)
                for extra in (main / "release" / name).rglob("*"):
                    if extra.is_file() and extra.suffix != ".ipynb":
                        dest = target / extra.relative_to(main / "release" / name)
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy(extra, dest)
                (target / f"{name}.ipynb").write_text(json.dumps(nb[0]))
            start = time.perf_counter()
            try:
                nbgrader(folder, "autograde", name, log=top / f"autograde-{name}.log")
            except AssertionError as exc:
                failures.append(str(exc))
            seconds[name] = time.perf_counter() - start

    threads = [threading.Thread(target=work, args=(f,)) for f in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[0]

    grades = {}
    for folder in workers:
        result = subprocess.run([str(VENV / "bin" / "python"), "-c", READ_GRADES], cwd=folder,
                                env=nbgrader_env(), capture_output=True, text=True, check=True)
        grades.update(json.loads(result.stdout))
    autograded = {}
    for folder in workers:
        for path in (folder / "autograded").glob("*/*/*.ipynb"):
            autograded[f"{path.parent.parent.name}/{path.parent.name}"] = json.loads(path.read_text())
    print("autograde seconds per assignment:", {k: round(v, 1) for k, v in sorted(seconds.items())})
    return {"plan": plan, "grades": grades, "autograded": autograded}


def cell_by_id(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def text(c: dict) -> str:
    """A cell's source: nbformat stores it as one string or as a list of lines."""
    return "".join(c["source"]) if isinstance(c["source"], list) else c["source"]


def error_text(c: dict) -> str:
    return "\n".join(f"{o.get('ename')}: {o.get('evalue')}" for o in c.get("outputs", [])
                     if o.get("output_type") == "error")


ASSIGNMENTS = [p.stem for p in COURSE]


@pytest.mark.series
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_autograding_gives_full_marks_zero_and_exactly_the_slip(graded, name):
    plan = graded["plan"].get(name)
    if plan is None:
        assert assignments.convert(json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())) is None
        return
    summary, grades = plan["summary"], graded["grades"]
    tests = {ex["test"]: ex for ex in summary}

    # the release: every answer cell is back to its stub, and no line of a solution survives
    for ex in summary:
        released = text(cell_by_id(plan["release"], ex["answer"]))
        solution = text(cell_by_id(plan["source"], ex["answer"]))
        assert "raise NotImplementedError" in released and assignments.BEGIN not in released
        region = solution.split(assignments.BEGIN)[1].split(assignments.END)[0]
        leaked = [ln.strip() for ln in region.split("\n") if ln.strip() and ln.strip() in released]
        assert not leaked, (ex["key"], leaked)

    # (a) solutions filled back in: every test cell scores its points
    solved = grades[f"solved/{name}"]
    assert set(solved) >= set(tests), "a test cell is missing from the gradebook"
    for gid, ex in tests.items():
        assert solved[gid] == [ex["points"], ex["points"]], (gid, solved[gid])

    # (b) as released: every test cell scores zero, and says the exercise was not attempted
    blank = grades[f"blank/{name}"]
    nb = graded["autograded"][f"blank/{name}"]
    for gid, ex in tests.items():
        assert blank[gid] == [0, ex["points"]], (gid, blank[gid])
        assert "not attempted" in error_text(cell_by_id(nb, gid)), (gid, error_text(cell_by_id(nb, gid)))

    # (c) planted mistakes: each costs exactly its exercise's points, with its checker's diagnosis
    checkers = exercises.checkers()
    slips = {student: planted for student, planted in plan["planted"].items() if planted}
    assert sorted(ex["key"] for planted in slips.values() for ex in planted) == sorted(ex["key"] for ex in summary)
    for student, planted in slips.items():
        got = grades[f"{student}/{name}"]
        wrong = {ex["test"] for ex in planted}
        lost = {gid: ex["points"] - got[gid][0] for gid, ex in tests.items()}
        assert lost == {gid: (ex["points"] if gid in wrong else 0) for gid, ex in tests.items()}, (student, got)
        for ex in planted:
            check = checkers[ex["key"]]
            err = error_text(cell_by_id(graded["autograded"][f"{student}/{name}"], ex["test"]))
            assert f"AssertionError: [{check.name}] wrong: {check.mistakes[0].message}" in err, (ex["key"], err)


def leaning(nb: dict, summary: list[dict]) -> list[str]:
    """Every solution or test cell that names another exercise's function (one mistake would cost twice)."""
    functions = {ex["function"]: ex["key"] for ex in summary}
    found = []
    for ex in summary:
        answer = cell_by_id(nb, ex["answer"])["source"]
        region = textwrap.dedent(answer.split(assignments.BEGIN)[1].split(assignments.END)[0])
        for what, source in (("solution", region), ("test cell", cell_by_id(nb, ex["test"])["source"])):
            names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
            for other in sorted(names & set(functions) - {ex["function"]}):
                found.append(f"{ex['key']}: its {what} uses {other}(), the function of {functions[other]}")
    return found


@pytest.mark.parametrize("path", COURSE, ids=[p.name for p in COURSE])
def test_no_exercise_leans_on_another_exercises_function(path):
    converted = assignments.convert(json.loads(path.read_text()), path.name)
    if converted is not None:
        assert leaning(*converted) == []


def test_an_exercise_that_leans_on_another_is_found():
    second = ("def tanh_twice(y):\n    raise NotImplementedError\n\n\n_ = nb00.check_tanh_slope(tanh_twice)")
    solution = "# Solution\ndef tanh_twice(y):\n    return tanh_slope(y)\n\n\n_ = nb00.check_tanh_slope(tanh_twice)"
    nb = notebook(cell("code", STUB), cell("code", SOLUTION, tags=["solution"]))
    out, summary = assignments.convert(nb)
    assert leaning(out, summary) == []
    # the same checker cannot be two exercises, so pose the second one as another checker's
    second = second.replace("nb00.check_tanh_slope", "nb09.check_temperature")
    solution = solution.replace("nb00.check_tanh_slope", "nb09.check_temperature")
    nb = notebook(cell("code", STUB), cell("code", SOLUTION, tags=["solution"]),
                  cell("code", second), cell("code", solution, tags=["solution"]))
    out, summary = assignments.convert(nb)
    assert leaning(out, summary) == [
        "nb09.check_temperature: its solution uses tanh_slope(), the function of nb00.check_tanh_slope"]


def test_the_course_figures_travel_inside_the_assignments(tmp_path):
    written = assignments.write_assignments(NOTEBOOKS, tmp_path)
    assert written
    attached = 0
    for path, _ in written:
        text = path.read_text()
        assert "../figures/" not in text, f"{path.name} points outside its assignment folder"
        nb = json.loads(text)
        attached += sum(len(c.get("attachments", {})) for c in nb["cells"])
    assert attached >= 4   # the trellis (02), gradient against lag (04), LSTM (05) and GRU (06) cells
