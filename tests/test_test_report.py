"""tools/test_report.py: the closing summary of make test says where the time went."""
import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools" / "test_report.py"
spec = importlib.util.spec_from_file_location("test_report", TOOL)
test_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(test_report)


def junit(path: Path, wall: float, cases: list[tuple[str, str, float]]) -> None:
    body = "".join(f'<testcase classname="{c}" name="{n}" time="{t}" />' for c, n, t in cases)
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
                    f'<testsuite name="pytest" tests="{len(cases)}" time="{wall}">{body}</testsuite></testsuites>')


def test_stages_notebooks_and_slowest_tests(tmp_path):
    junit(tmp_path / "unit.xml", 50.0, [("tests.test_a", "test_slow", 7.5), ("tests.test_a", "test_fast", 0.1)])
    junit(tmp_path / "notebooks.xml", 12.0, [("notebooks.02_hmm_as_rnn.ipynb", "Cell 0", 1.0),
                                             ("notebooks.02_hmm_as_rnn.ipynb", "Cell 1", 2.5)])
    junit(tmp_path / "browser.xml", 40.0,
          [("tests.browser.test_notebooks", "test_notebook[02_hmm_as_rnn.ipynb]", 20.0)])
    lines, failing = test_report.report(tmp_path, slowest=2)
    text = "\n".join(lines)
    assert failing == []
    assert "library, tools and exercise tests             50.0 s  (budget 120 s)" in text
    assert "notebooks, stock nbval, other BLAS           (not run)" in text
    assert "all stages                                   102.0 s" in text
    row = next(line for line in lines if line.startswith("02_hmm_as_rnn.ipynb"))
    assert row.split()[1:] == ["-", "3.5", "-", "20.0", "-"]
    slow = lines[lines.index("slowest 2 tests:") + 1:]
    assert slow == ["    20.0 s  [browser] tests.browser.test_notebooks::test_notebook[02_hmm_as_rnn.ipynb]",
                    "     7.5 s  [unit] tests.test_a::test_slow"]


def test_twice_a_budget_fails(tmp_path):
    junit(tmp_path / "notebooks.xml", 301.0, [])
    lines, failing = test_report.report(tmp_path)
    assert failing == [] and any("OVER BUDGET" in line for line in lines)
    junit(tmp_path / "notebooks.xml", 601.0, [])
    assert test_report.report(tmp_path)[1] == ["notebooks under nbval (+ budget plugin)"]
