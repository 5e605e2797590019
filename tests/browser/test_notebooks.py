"""Every notebook in notebooks/, as a learner meets it in JupyterLab.

For each notebook (found by glob, so new ones are tested without edits):
Restart & Run All in a real JupyterLab; no cell may show an error, the browser
console must stay free of errors, and every explorer must answer when one of
its controls moves: the readout and the figure change. A screenshot of each
notebook is saved to build/browser/.
"""
from tests.browser.conftest import SCREENSHOTS, notebook_paths

LONG = ("07_", "09_")  # the training notebooks have twice the runtime budget


def pytest_generate_tests(metafunc):
    if "notebook" in metafunc.fixturenames:
        names = [p.name for p in notebook_paths()]
        metafunc.parametrize("notebook", names, ids=names)


def test_notebook(lab, notebook):
    budget = 90.0 if notebook.startswith(LONG) else 45.0
    report = lab.run(f"notebooks/{notebook}", run_timeout=2 * budget,
                     screenshot=SCREENSHOTS / notebook.replace(".ipynb", ".png"))
    problems = (
        [f"error shown: {e}" for e in report.errors]
        + [f"browser console: {c}" for c in report.console]
        + [e for e in report.explorers if not e.startswith("ok")]
    )
    assert not problems, f"{notebook} in JupyterLab:\n  " + "\n  ".join(problems)
