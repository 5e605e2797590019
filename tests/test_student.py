"""`make student`: solution and answer cells removed, everything else kept exactly."""
import base64
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "student.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("student_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cell(kind, source, tags=(), **extra):
    c = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {}, "source": source, **extra}
    if kind == "code":
        c.setdefault("outputs", [])
        c.setdefault("execution_count", None)
    return c


def notebook(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def run(*args):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True, check=False)


def test_solution_cells_go_and_everything_else_stays(tmp_path):
    stub = cell("code", "def f(x):\n    raise NotImplementedError", execution_count=3,
                outputs=[{"output_type": "stream", "name": "stdout", "text": "[ex1] not attempted\n"}])
    solution = cell("code", "def f(x):\n    return 2 * x", tags=["solution"], execution_count=4)
    solution["metadata"]["jupyter"] = {"source_hidden": True}
    other_tags = cell("code", "explorer()", tags=["nbval-ignore-output"], execution_count=5)
    answer = cell("code", "show(hmm.forward_step)", tags=["answer"], execution_count=6)
    nb = notebook(cell("markdown", "# Exercise"), stub, solution, other_tags, answer, cell("markdown", "Done."))
    src = tmp_path / "src"
    src.mkdir()
    (src / "02_x.ipynb").write_text(json.dumps(nb))
    (src / "notes.txt").write_text("not a notebook")

    result = run(src, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "02_x.ipynb: 2 solution or answer cells removed" in result.stdout
    out = json.loads((tmp_path / "out" / "02_x.ipynb").read_text())
    assert out["cells"] == [nb["cells"][i] for i in (0, 1, 3, 5)]
    assert out["metadata"] == nb["metadata"] and out["nbformat"] == 4
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["02_x.ipynb"]


def test_the_source_notebooks_are_not_touched(tmp_path):
    path = tmp_path / "01_y.ipynb"
    text = json.dumps(notebook(cell("code", "x = 1", tags=["solution"])))
    path.write_text(text)
    assert run(path, tmp_path / "out").returncode == 0
    assert path.read_text() == text
    assert json.loads((tmp_path / "out" / "01_y.ipynb").read_text())["cells"] == []


@pytest.mark.parametrize("content", [None, "{not json", json.dumps({"worksheets": []})])
def test_bad_input_is_reported_not_crashed_on(tmp_path, content):
    path = tmp_path / "bad.ipynb"
    if content is not None:
        path.write_text(content)
    result = run(path if content is not None else tmp_path / "missing", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.startswith("student: ") and "Traceback" not in result.stderr


COURSE = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.series
@pytest.mark.parametrize("path", COURSE, ids=[p.name for p in COURSE])
def test_student_copy_runs_top_to_bottom_before_any_exercise_is_attempted(tmp_path, path):
    """A student who runs the whole copy first gets no error: every checker says 'not attempted'."""
    import nbformat
    from nbclient import NotebookClient

    assert run(path.parent, tmp_path).returncode == 0
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    n_stubs = sum("NotImplementedError" in c.source for c in nb.cells if c.cell_type == "code")
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()   # raises on any error
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    verdicts = re.findall(r"^\[[^\]]+\] (not attempted|correct|wrong)", printed, flags=re.M)
    assert verdicts.count("not attempted") >= min(n_stubs, 1)
    assert "correct" not in verdicts                      # no checker passes a stub


def test_a_figure_travels_inside_the_copy_as_an_attachment(tmp_path):
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "figures").mkdir()
    png = b"\x89PNG\r\n\x1a\nfake"
    (root / "figures" / "cell.png").write_bytes(png)
    md = cell("markdown", "See ![one LSTM step](../figures/cell.png) and [a link](https://example.org).")
    (root / "notebooks" / "05_z.ipynb").write_text(json.dumps(notebook(md, cell("code", "x = 1"))))

    assert run(root / "notebooks", tmp_path / "out").returncode == 0
    out = json.loads((tmp_path / "out" / "05_z.ipynb").read_text())["cells"][0]
    assert out["source"] == "See ![one LSTM step](attachment:cell.png) and [a link](https://example.org)."
    assert base64.b64decode(out["attachments"]["cell.png"]["image/png"]) == png

    (root / "figures" / "cell.png").unlink()
    result = run(root / "notebooks", tmp_path / "out2")
    assert result.returncode == 2 and "../figures/cell.png" in result.stderr


def test_every_course_figure_link_becomes_an_attachment(tmp_path):
    student = load_tool()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        links = sum(len(student.FIGURE.findall("".join(c["source"])))
                    for c in nb["cells"] if c["cell_type"] == "markdown")
        copy, _ = student.strip(nb)
        assert student.attach_figures(copy, ROOT / "figures") == links
        assert "../figures/" not in json.dumps(copy)
