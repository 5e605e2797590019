"""pytest plugin for the notebook run (`make test-notebooks`).

1. Every notebook in notebooks/ must be collected: a notebook that nbval
   silently skipped would otherwise pass unseen.
2. Each notebook's wall time is reported against its runtime budget
   (DESIGN.md: 45 s, 90 s for the training notebooks 07 and 09, 300 s for the
   series). This machine is shared and noisy, so going over the budget prints
   a warning; going over twice the budget fails, because that is a change in
   the notebook, not noise.
3. Cells run with ``store_history=True``, as in Jupyter, so a trailing ``;``
   silences a result under nbval too (see ``_execute_like_jupyter``).
"""
import time
from collections import defaultdict
from pathlib import Path

import nbval.kernel
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _execute_like_jupyter(self, cell_input, allow_stdin=None):
    """Run a cell as Jupyter does: with ``store_history=True``.

    nbval 0.11 sends ``store_history=False``, and IPython decides whether a
    trailing ``;`` silences a cell's result by looking at the last input in the
    history; without it, ``plot(...);`` or ``check(...);`` shows a result under
    nbval that Jupyter (and the stored notebook) does not have.
    """
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)


nbval.kernel.RunningKernel.execute_cell_input = _execute_like_jupyter

LONG = ("07_", "09_")
SERIES_BUDGET = 300.0

_seconds: dict[str, float] = defaultdict(float)


def budget(name: str) -> float:
    return 90.0 if name.startswith(LONG) else 45.0


def pytest_collection_finish(session):
    collected = {Path(str(item.fspath)).name for item in session.items}
    expected = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    whole_folder = any(Path(a).resolve() == NOTEBOOKS for a in session.config.args)
    missing = sorted(expected - collected)
    if whole_folder and missing and not session.config.option.keyword:
        raise pytest.UsageError(f"notebooks not collected by nbval: {', '.join(missing)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    yield
    _seconds[Path(str(item.fspath)).name] += time.perf_counter() - start


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _seconds:
        return
    tr = terminalreporter
    tr.section("notebook runtimes (budget)")
    total = 0.0
    for name in sorted(_seconds):
        seconds, limit = _seconds[name], budget(name)
        total += seconds
        flag = "  OVER BUDGET" if seconds > limit else ""
        tr.write_line(f"{name:40s} {seconds:6.1f} s  ({limit:.0f} s){flag}")
    tr.write_line(f"{'all notebooks':40s} {total:6.1f} s  ({SERIES_BUDGET:.0f} s)")


def pytest_sessionfinish(session, exitstatus):
    over = [n for n, s in _seconds.items() if s > 2 * budget(n)]
    if sum(_seconds.values()) > 2 * SERIES_BUDGET:
        over.append("the whole series")
    if over and exitstatus == 0:
        session.exitstatus = 1
        print(f"\nFAILED: more than twice the runtime budget: {', '.join(over)}")
