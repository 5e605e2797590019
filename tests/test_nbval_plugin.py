"""The notebooks pass stock nbval; tests/nbval_budget.py only adds reports, and
tools/other_blas.py really runs them with another BLAS kernel.

A trailing ``;`` silences a cell's value in Jupyter but not under stock nbval
(which runs cells with ``store_history=False``): a notebook stored from Jupyter
then fails an instructor's ``pytest --nbval``. Cells assign instead (``_ = ...``).
"""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import other_blas  # noqa: E402


def code(source, count, outputs=()):
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "source": source,
            "outputs": list(outputs)}


def notebook(path, cells):
    nb = {"cells": cells,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def nbval(paths, *plugin):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", *plugin,
         "-p", "no:cacheprovider", "-q", "-rf", *map(str, paths)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=180)


FOUR = {"output_type": "execute_result", "execution_count": 2, "metadata": {}, "data": {"text/plain": "4"}}


@pytest.mark.parametrize("plugin", [(), ("-p", "tests.nbval_budget")], ids=["stock nbval", "with the plugin"])
def test_underscore_passes_and_a_trailing_semicolon_fails(tmp_path, plugin):
    # Both stored as Jupyter shows them: no value for the first cell. Stock nbval sees "2" after
    # "1 + 1;", and so must a run with the plugin: it may not hide what an instructor's run reports.
    assigned = notebook(tmp_path / "assigned.ipynb", [code("_ = 1 + 1", 1), code("2 + 2", 2, [FOUR])])
    silenced = notebook(tmp_path / "silenced.ipynb", [code("1 + 1;", 1), code("2 + 2", 2, [FOUR])])
    result = nbval([assigned, silenced], *plugin)
    assert "1 failed, 3 passed" in result.stdout, result.stdout[-2000:]
    assert "silenced.ipynb::Cell 0" in result.stdout and "assigned.ipynb::" not in result.stdout, result.stdout[-2000:]
    if plugin:  # the add-on's report: each notebook against its budget
        assert "notebook runtimes (budget)" in result.stdout
        assert "assigned.ipynb" in result.stdout and "(45 s)" in result.stdout and "(300 s)" in result.stdout


def test_no_notebook_relies_on_a_trailing_semicolon():
    offenders = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            lines = cell.source.rstrip().splitlines() if cell.cell_type == "code" else []
            if lines and lines[-1].split("#")[0].rstrip().endswith(";"):
                offenders.append(f"{path.name} cell {index}: {lines[-1].strip()}")
    assert not offenders, ("a trailing ';' hides a value only in Jupyter, not under stock nbval; "
                           "assign it (_ = ...) or end with plt.show():\n  " + "\n  ".join(offenders))


def test_other_blas_runs_another_kernel_with_one_thread():
    env, default, other = other_blas.other_environment()
    kernels = {arch for _, arch, _ in default["blas"]}
    assert other["blas"] and {arch for _, arch, _ in other["blas"]}.isdisjoint(kernels)
    assert all(threads == 1 for _, _, threads in other["blas"])
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["OPENBLAS_CORETYPE"] in other_blas.CANDIDATES
    # ... and the command it starts really sees that configuration
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "other_blas.py"), "--", sys.executable, "-c",
                             "import threadpoolctl, numpy; print([i['architecture'] for i in "
                             "threadpoolctl.threadpool_info() if i['user_api'] == 'blas'])"],
                            capture_output=True, text=True, check=True, timeout=120)
    assert repr([arch for _, arch, _ in other["blas"]]) in result.stdout


def test_other_blas_fails_loudly_when_no_kernel_differs(monkeypatch):
    monkeypatch.setattr(other_blas, "CANDIDATES", ("NoSuchKernel",))
    with pytest.raises(SystemExit, match="no OPENBLAS_CORETYPE changes the kernel"):
        other_blas.other_environment()
