"""Update time of every explorer at every control's extremes, against the 100 ms goal.

    python benchmarks/explorers.py            # part of make bench
    python benchmarks/explorers.py --repeats 7 gradient_flow
    python benchmarks/explorers.py --corners  # every combination of the extremes
    python benchmarks/explorers.py --cold-text  # every string drawn as if for the first time

Every module in ``unrolled/explorers/`` that has ``explorer(**initial)`` is
found automatically, and so are its controls: the explorer is built with its
initial settings and swept through ``Explorer.sweep()``, the default settings
and then each control moved alone to each of its extremes (sliders to min and
max, menus through every option, see ``base.control_extremes``; with
``--corners``, every combination of those extremes). One update is
what moving a control triggers: ``compute``, then drawing the result and
encoding the PNG; the two parts are timed separately.

The sweep is run ``--repeats`` times after one warm-up pass (each update
therefore follows a different setting, as when a reader moves a control), and
each setting's time is the median of its repeats. Per explorer the table gives
the median over settings and the worst setting, for the whole update and for
each part, and the CPU time of the update (less sensitive to other work on
the machine than the wall clock). Text is drawn from a cache of glyph bitmaps
(``unrolled.explorers.base``), which the warm-up fills: ``--cold-text`` empties
it before every update, the upper bound for a setting whose strings (a new
number in a title, new tick labels) were never drawn. The table is printed as Markdown and written to
``build/bench_explorers.md``.
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


def time_sweep(explorer, repeats, corners=False, cold_text=False):
    """``[(settings, compute_s, draw_s, cpu_s)]`` per setting of the sweep, medians of ``repeats`` passes.

    ``cpu_s`` is the CPU time of the whole update (this thread's): on a busy
    machine the wall-clock times grow with the load, the CPU time much less.
    With ``cold_text``, the cache of drawn text is emptied before every update
    (the upper bound: every string drawn as if for the first time).
    """
    from unrolled.explorers import base

    settings = explorer.sweep(corners)
    times = [([], [], []) for _ in settings]
    for rep in range(repeats + 1):                       # pass 0 is the warm-up
        for s, (computes, draws, cpus) in zip(settings, times):
            if cold_text:
                base._text_cache.clear()
            cpu = time.thread_time()
            start = time.perf_counter()
            result = explorer.run_compute(**s)
            middle = time.perf_counter()
            explorer.render(result)
            end = time.perf_counter()
            if rep:
                computes.append(middle - start)
                draws.append(end - middle)
                cpus.append(time.thread_time() - cpu)
    return [(s, *map(statistics.median, t)) for s, t in zip(settings, times)]


def describe(settings, default):
    """The one control that differs from the default, as ``name=value`` (or ``default``)."""
    moved = [f"{k}={v!r}" for k, v in settings.items() if v != default[k]]
    return ", ".join(moved) if moved else "default"


def measure(repeats=5, modules=None, corners=False, cold_text=False):
    """One row per explorer: median and worst update over the sweep (ms), compute and draw parts."""
    modules = discover() if modules is None else modules
    rows = []
    for name, module in sorted(modules.items()):
        explorer = module.explorer()
        default = explorer.settings()
        timed = time_sweep(explorer, repeats, corners, cold_text)
        total = [1e3 * (c + d) for _, c, d, _ in timed]
        computes = [1e3 * c for _, c, _, _ in timed]
        draws = [1e3 * d for _, _, d, _ in timed]
        cpus = [1e3 * u for *_, u in timed]
        worst = max(range(len(timed)), key=total.__getitem__)
        rows.append({"explorer": name, "settings": len(timed),
                     "median_ms": statistics.median(total), "max_ms": total[worst],
                     "worst_setting": describe(timed[worst][0], default),
                     "compute_median_ms": statistics.median(computes), "compute_max_ms": max(computes),
                     "draw_median_ms": statistics.median(draws), "draw_max_ms": max(draws),
                     "cpu_median_ms": statistics.median(cpus), "cpu_max_ms": max(cpus),
                     "met": total[worst] <= GOAL_MS})
    return rows


def markdown(rows, repeats, corners=False, cold_text=False):
    swept = "every combination of the controls' extremes" if corners else "every control's extremes, one at a time"
    if cold_text:
        swept += ", every string drawn as if for the first time (text cache emptied before each update)"
    lines = [f"Explorer update (compute + draw + PNG) over the default and {swept}, "
             f"each setting the median of {repeats} passes; goal: at most {GOAL_MS:.0f} ms at every setting.",
             "",
             "| explorer | settings | update median (ms) | update worst (ms) | worst at | "
             "compute median / worst (ms) | draw median / worst (ms) | CPU time median / worst (ms) | goal met |",
             "|---|--:|--:|--:|---|--:|--:|--:|---|"]
    for r in rows:
        lines.append(f"| {r['explorer']} | {r['settings']} | {r['median_ms']:.1f} | {r['max_ms']:.1f} | "
                     f"{r['worst_setting']} | {r['compute_median_ms']:.1f} / {r['compute_max_ms']:.1f} | "
                     f"{r['draw_median_ms']:.1f} / {r['draw_max_ms']:.1f} | "
                     f"{r['cpu_median_ms']:.1f} / {r['cpu_max_ms']:.1f} | {'yes' if r['met'] else '**no**'} |")
    if not rows:
        lines.append("| (no explorers found) | | | | | | | | |")
    lines += ["", "Wall-clock times; the goal is judged on the worst one. On a busy machine they grow with "
              "the load: the CPU time column (compute + draw, this thread only) shows what the update "
              "itself costs."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench_explorers.md")
    parser.add_argument("--corners", action="store_true",
                        help="every combination of the controls' extremes, not one control at a time")
    parser.add_argument("--cold-text", action="store_true",
                        help="empty the cache of drawn text before every update (the upper bound)")
    parser.add_argument("names", nargs="*", help="only these explorers (module names)")
    args = parser.parse_args(argv)
    found = discover()
    unknown = set(args.names) - set(found)
    if unknown:
        parser.error(f"unknown explorer(s) {sorted(unknown)}; found {sorted(found)}")
    modules = {n: found[n] for n in args.names} if args.names else found
    rows = measure(args.repeats, modules, args.corners, args.cold_text)
    table = markdown(rows, args.repeats, args.corners, args.cold_text)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
