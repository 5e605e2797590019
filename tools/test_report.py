"""Where the time of `make test` went: a closing summary of every stage.

Each stage of `make test` writes a JUnit XML report (pytest's own
``--junitxml``, so the stock nbval run needs no plugin for it) to
build/test-report/. This prints, from those files:

* each stage's wall time against its budget;
* each notebook's time in each stage (nbval, the second-BLAS run, the browser);
* the slowest tests of the whole run.

The budgets are for the whole course, ten notebooks, on a 2-core machine
(CONTRIBUTING.md, "Test budgets"): `make test` from a fresh clone within
25 minutes (20 before the site, the slides and the nbgrader stages came), of which
about 4 go to installing the two environments (.venv, .venv-nbgrader). As for the
notebooks, a stage over its budget is reported, and only one over twice its
budget fails the run: the machine may be shared and noisy.

    python tools/test_report.py build/test-report
"""
import argparse
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

INSTALL_ALLOWANCE = 240.0  # seconds of the 25 minutes left for pip on a fresh clone (two environments)
TOTAL_BUDGET = 1500.0
# (file stem, what it is, budget in seconds)
STAGES = (
    ("unit", "library, tools and exercise tests", 120.0),
    ("student", "student copies, top to bottom", 300.0),
    ("notebooks", "notebooks under nbval (+ budget plugin)", 300.0),
    ("notebooks-other-blas", "notebooks, stock nbval, other BLAS", 300.0),
    ("browser", "notebooks in JupyterLab (browser)", 300.0),
    # make test-exports: the static site (tests/browser/test_site.py, build included) and the slides
    ("exports", "static site and slides, offline (browser)", 240.0),
    ("assignments", "nbgrader: release and autograde", 360.0),
)
NOTEBOOK = re.compile(r"([^/.\[\]]+\.ipynb)")


def read(path: Path) -> tuple[float, list[tuple[str, float]]]:
    """(the suite's wall time, [(test id, seconds)]) from one JUnit XML file."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    wall = sum(float(s.get("time", 0)) for s in suites)
    tests = [(f"{c.get('classname', '')}::{c.get('name', '')}".strip(":"), float(c.get("time", 0)))
             for s in suites for c in s.iter("testcase")]
    return wall, tests


def notebook_of(test_id: str) -> str | None:
    match = NOTEBOOK.search(test_id)
    return match.group(1) if match else None


def report(folder: Path, slowest: int = 8) -> tuple[list[str], list[str]]:
    """(lines to print, stages over twice their budget)."""
    lines, failing = ["", "== where the time of make test went (budgets for ten notebooks, 2 cores) =="], []
    per_notebook: dict[str, dict[str, float]] = defaultdict(dict)
    everything: list[tuple[float, str, str]] = []
    total = 0.0
    for stem, label, budget in STAGES:
        path = folder / f"{stem}.xml"
        if not path.exists():
            lines.append(f"{label:42s}   (not run)")
            continue
        wall, tests = read(path)
        total += wall
        flag = "  OVER BUDGET" if wall > budget else ""
        if wall > 2 * budget:
            failing.append(label)
        lines.append(f"{label:42s} {wall:7.1f} s  (budget {budget:.0f} s){flag}")
        for test_id, seconds in tests:
            everything.append((seconds, stem, test_id))
            name = notebook_of(test_id) if stem != "unit" else None
            if name:
                per_notebook[name][stem] = per_notebook[name].get(stem, 0.0) + seconds
    budget = TOTAL_BUDGET - INSTALL_ALLOWANCE
    flag = "  OVER BUDGET" if total > budget else ""
    if total > 2 * budget:
        failing.append("the whole run")
    lines.append(f"{'all stages':42s} {total:7.1f} s  (budget {budget:.0f} s: {TOTAL_BUDGET / 60:.0f} min less "
                 f"{INSTALL_ALLOWANCE / 60:.0f} for installing){flag}")
    if per_notebook:
        stems = [s for s, _, _ in STAGES if s != "unit"]
        short = {"student": "student", "notebooks": "nbval", "notebooks-other-blas": "other BLAS", "browser": "browser",
                 "exports": "exports", "assignments": "nbgrader"}
        lines.append("")
        lines.append(f"{'per notebook (s)':42s} " + " ".join(f"{short.get(s, s):>11s}" for s in stems))
        for name in sorted(per_notebook):
            cells = [per_notebook[name].get(s) for s in stems]
            lines.append(f"{name:42s} " + " ".join(f"{'-' if c is None else f'{c:.1f}':>11s}" for c in cells))
    if everything:
        lines.append("")
        lines.append(f"slowest {slowest} tests:")
        for seconds, stem, test_id in sorted(everything, reverse=True)[:slowest]:
            lines.append(f"  {seconds:6.1f} s  [{stem}] {test_id}")
    return lines, failing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    lines, failing = report(args.folder)
    print("\n".join(lines))
    if failing:
        print(f"\nFAILED: more than twice the time budget: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
