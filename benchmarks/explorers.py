"""Median update time (compute + redraw) of every explorer, against the 100 ms goal.

    python benchmarks/explorers.py            # part of make bench
    python benchmarks/explorers.py --repeats 21

Every module in ``unrolled/explorers/`` that has ``explorer(**initial)`` is
found automatically; the explorer is built with its initial settings and
``.update()`` (what moving a control triggers: compute, draw, encode the PNG)
is timed ``--repeats`` times after one warm-up, and so is the pure ``compute``
part alone (the rest is drawing and PNG encoding). The table is printed as
Markdown and written to ``build/bench_explorers.md``.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import statistics
import sys
import time
from pathlib import Path

GOAL_MS = 100.0
ROOT = Path(__file__).resolve().parent.parent


def discover():
    """``{name: module}`` of every explorer module (those defining ``explorer``)."""
    import unrolled.explorers as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if callable(getattr(module, "explorer", None)):
            found[info.name] = module
    return found


def time_updates(explorer, repeats):
    """Seconds taken by each of ``repeats`` calls of ``explorer.update()``, after a warm-up."""
    explorer.update()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        explorer.update()
        times.append(time.perf_counter() - start)
    return times


def time_computes(explorer, repeats):
    """Seconds taken by the pure ``compute`` part alone (no drawing), same settings."""
    settings = explorer.settings()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        explorer.compute(**settings)
        times.append(time.perf_counter() - start)
    return times


def measure(repeats=11, modules=None):
    """One row per explorer: name, median and worst update time in ms, the compute part, goal met."""
    modules = discover() if modules is None else modules
    rows = []
    for name, module in sorted(modules.items()):
        explorer = module.explorer()
        times = time_updates(explorer, repeats)
        median_ms = 1e3 * statistics.median(times)
        rows.append({"explorer": name, "median_ms": median_ms, "max_ms": 1e3 * max(times),
                     "compute_ms": 1e3 * statistics.median(time_computes(explorer, repeats)),
                     "met": median_ms <= GOAL_MS})
    return rows


def markdown(rows, repeats):
    lines = [f"Explorer update (compute + draw + PNG), median of {repeats} updates; "
             f"goal: at most {GOAL_MS:.0f} ms.", "",
             "| explorer | update, median (ms) | slowest (ms) | of which compute (ms) | goal met |",
             "|---|--:|--:|--:|---|"]
    for r in rows:
        lines.append(f"| {r['explorer']} | {r['median_ms']:.1f} | {r['max_ms']:.1f} | "
                     f"{r['compute_ms']:.1f} | {'yes' if r['met'] else '**no**'} |")
    if not rows:
        lines.append("| (no explorers found) | | | | |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench_explorers.md")
    args = parser.parse_args(argv)
    rows = measure(args.repeats)
    table = markdown(rows, args.repeats)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
