"""tests/nbval_budget.py makes nbval run cells as Jupyter does: a trailing ``;`` silences a result."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def code(source, count, outputs=()):
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "source": source,
            "outputs": list(outputs)}


def test_semicolon_silences_the_result_under_nbval(tmp_path):
    four = {"output_type": "execute_result", "execution_count": 2, "metadata": {},
            "data": {"text/plain": "4"}}
    nb = {"cells": [code("1 + 1;", 1), code("2 + 2", 2, [four])],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "semicolon.ipynb"
    path.write_text(json.dumps(nb))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "tests.nbval_budget",
         "-p", "no:cacheprovider", "-q", str(path)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "2 passed" in result.stdout
