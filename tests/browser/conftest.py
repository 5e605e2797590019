"""Fixtures for the browser tests: one JupyterLab server and one Chromium for all of them.

The tests need Chromium (Debian's package, found on PATH as ``chromium``; no
browser is downloaded) and the Python package playwright (requirements-dev.txt).
Without them every test here is skipped and the run says so in one line;
with ``UNROLLED_REQUIRE_BROWSER=1`` (set by .ci/run) any skip here fails.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.browser import harness

REQUIRE = os.environ.get("UNROLLED_REQUIRE_BROWSER") == "1"
NOTEBOOKS = harness.ROOT / "notebooks"
SCREENSHOTS = harness.ROOT / "build" / "browser"

# The whole browser session's budget, for the course's ten notebooks on 2 cores: the
# series in JupyterLab plus at most 8 s a notebook (README, "Running the tests").
# As for the notebooks (tests/nbval_budget.py), going over it is reported and only
# twice it fails: the machine is shared and noisy.
BUDGET = 300.0

_reports: list[harness.Report] = []
_span: list[float] = []  # when the server started, when the last notebook finished


def browser_seconds() -> float:
    return _span[-1] - _span[0] if len(_span) > 1 else 0.0


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if shutil.which("chromium") is None:
        return "chromium is not on PATH (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, but UNROLLED_REQUIRE_BROWSER=1 makes a skip a failure: {reason}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tr = terminalreporter
    reason = missing_browser()
    if reason:
        verdict = "FAILED" if REQUIRE else "SKIPPED"
        tr.write_line(f"browser tests {verdict}: {reason}", red=REQUIRE, yellow=not REQUIRE, bold=True)
        return
    if not _reports:
        return
    tr.section("browser: notebooks in JupyterLab")
    for r in _reports:
        moved = sum(e.startswith("ok") for e in r.explorers)
        slowest = [int(m) for e in r.explorers for m in re.findall(r"slowest update (\d+) ms", e)]
        update = f", slowest update {max(slowest)} ms" if slowest else ""
        tr.write_line(f"{r.notebook:48s} {r.seconds:6.1f} s  explorers that answered: {moved}/{len(r.explorers)}"
                      f"{update}")
        tr.write_line(f"{'':48s} " + ", ".join(f"{k} {v:.1f} s" for k, v in r.phases.items()))
    total = browser_seconds()
    flag = "  OVER BUDGET" if total > BUDGET else ""
    tr.write_line(f"{'all browser tests (from the server start)':48s} {total:6.1f} s  (budget {BUDGET:.0f} s){flag}")
    tr.write_line(f"screenshots: {SCREENSHOTS.relative_to(harness.ROOT)}/")


def pytest_sessionfinish(session, exitstatus):
    total = browser_seconds()
    if total > 2 * BUDGET and exitstatus == 0:
        session.exitstatus = 1
        print(f"\nFAILED: the browser tests took {total:.0f} s, more than twice their budget of {BUDGET:.0f} s")


@pytest.fixture(scope="package")
def lab_server(tmp_path_factory):
    reason = missing_browser()
    if reason:
        (pytest.fail if REQUIRE else pytest.skip)(f"browser tests need Chromium and playwright: {reason}")
    _span.append(time.monotonic())
    server = harness.LabServer(tmp_path_factory.mktemp("jupyterlab"), NOTEBOOKS)
    server.start()
    yield server
    server.stop()


class Lab:
    """The page a test drives; reloaded when a previous test left it in a bad state."""

    def __init__(self, server: harness.LabServer, browser):
        self.server = server
        self.browser = browser
        self.page = None
        self.watcher = None

    def fresh_page(self):
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = context.new_page()
        self.page.set_default_timeout(30_000)
        self.watcher = harness.open_lab(self.page, self.server)

    def healthy(self) -> bool:
        from playwright.sync_api import Error

        try:
            return bool(self.page.evaluate(
                "() => !!window.jupyterapp && !document.querySelector('.jp-Dialog')"))
        except Error:
            return False

    def run(self, path: str, **options) -> harness.Report:
        if self.page is None or not self.healthy():
            self.fresh_page()
        try:
            report = harness.run_notebook(self.page, self.watcher, self.server, path, **options)
        except Exception:
            from playwright.sync_api import Error

            _span.append(time.monotonic())
            # Keep what the page showed, then start the next test on a new page.
            shot = options.get("screenshot") or SCREENSHOTS / "failed.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.page.screenshot(path=str(shot))
                self.page.context.close()
            except Error:
                pass  # the page itself is gone; the original error says why
            self.page = None
            self.server.shutdown_kernels()
            raise
        harness.close_notebook(self.page, self.server, path)
        _reports.append(report)
        _span.append(time.monotonic())
        return report


@pytest.fixture(scope="package")
def lab(lab_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=harness.CHROMIUM_ARGS)
        try:
            yield Lab(lab_server, browser)
        finally:
            browser.close()
