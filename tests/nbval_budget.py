"""pytest plugin for the notebook run (`make test-notebooks`): an add-on, not a requirement.

The notebooks pass stock nbval (``pytest --nbval --nbval-current-env notebooks``,
which `make test` also runs, under a second BLAS configuration); this plugin
only adds two checks to the first run:

1. Every notebook in notebooks/ must be collected: a notebook that nbval
   silently skipped would otherwise pass unseen.
2. Each notebook's wall time is reported against its runtime budget: 45 s,
   90 s for the training notebooks 07 and 09, and 300 s (5 minutes) for the
   whole series of ten notebooks under nbval (DESIGN.md, CONTRIBUTING.md).
   This machine is shared and noisy, so going over a budget prints a warning;
   going over twice the budget fails, because that is a change in the
   notebook, not noise.

It changes nothing in how cells run: a notebook whose stored outputs need this
plugin to match (as a trailing ``;`` once did) fails the stock run.
"""
import time
from collections import defaultdict
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

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
