"""Truncated BPTT: time per step against the sequence length T (it should be flat).

BPTT(k2; k1) backpropagates each chunk of k1 losses at most k2 steps, so one
pass over T steps costs O(T k2 / k1) and the time *per step* should not grow
with T. This script times ``sequence.truncated_backward`` (the forward pass is
done once, outside the timing) for T = 250 ... 8000, for k1 = 1 and k1 = k2,
and prints the median and the worst of the rounds, per step, in microseconds,
plus the ratio of the longest sequence's median to the shortest's.

Run: ``python benchmarks/truncated_bptt.py`` (also part of ``make bench``).
Timings are measurements, not tests: nothing here is asserted in the suite.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import numpy as np
from unrolled import cells, sequence

LENGTHS = (250, 500, 1000, 2000, 4000, 8000)
K2 = 10
SETTINGS = ((1, K2), (K2, K2))           # (k1, k2): one update per step, and one per chunk


def case(kind, T, B, D, H, seed=0):
    """A cache from one forward pass and the loss gradients ``dhs`` for it."""
    rng = np.random.default_rng(seed)
    params = cells.init(kind, D, H, rng)
    _, cache = sequence.forward(kind, rng.standard_normal((T, B, D)), params)
    return cache, rng.standard_normal((T, B, H))


def _runner(cache, dhs, k1, k2, min_seconds):
    """A callable timing one batch of runs, each batch at least ``min_seconds`` long; seconds per step."""
    T = dhs.shape[0]
    start = time.perf_counter()
    sequence.truncated_backward(dhs, cache, k1, k2)          # warm-up, and a first estimate
    n = max(1, math.ceil(min_seconds / (time.perf_counter() - start)))

    def run():
        start = time.perf_counter()
        for _ in range(n):
            sequence.truncated_backward(dhs, cache, k1, k2)
        return (time.perf_counter() - start) / (n * T)

    return run


def measure(lengths=LENGTHS, settings=SETTINGS, kind="rnn", B=4, D=8, H=32, rounds=15,
            min_seconds=0.02):
    """One row per (k1, k2, T): median and worst microseconds per step over ``rounds``.

    Every round times every case once (a batch of runs lasting at least
    ``min_seconds``), so a burst of load on a shared machine hits all lengths
    alike instead of making one of them look slow.
    """
    cases = []
    for T in lengths:
        cache, dhs = case(kind, T, B, D, H)
        for k1, k2 in settings:
            cases.append(((k1, k2, T), _runner(cache, dhs, k1, k2, min_seconds)))
    times = {key: [] for key, _ in cases}
    for _ in range(rounds):
        for key, run in cases:
            times[key].append(run())
    return [{"k1": k1, "k2": k2, "T": T, "median_us": 1e6 * statistics.median(ts),
             "worst_us": 1e6 * max(ts), "runs": len(ts)} for (k1, k2, T), ts in times.items()]


def one_blas_thread():
    """Limit numpy's BLAS to one thread (threadpoolctl, if installed); return a description.

    The products here are small (B x H times H x H), where extra BLAS threads
    only add synchronisation, and on a shared machine they make the timings noisy.
    """
    try:
        import threadpoolctl
    except ImportError:
        return "BLAS threads: the library's default (threadpoolctl is not installed)"
    threadpoolctl.threadpool_limits(1, user_api="blas")
    return "BLAS threads: 1"


def markdown(rows, kind, B, D, H):
    """The table (one line per T, two columns per setting) and the flatness ratio per setting."""
    settings = sorted({(r["k1"], r["k2"]) for r in rows})
    lengths = sorted({r["T"] for r in rows})
    cell = {(r["k1"], r["k2"], r["T"]): r for r in rows}
    head = " | ".join(f"k1 = {k1}, k2 = {k2}: median | worst" for k1, k2 in settings)
    lines = [f"`sequence.truncated_backward`, {kind}, B = {B}, D = {D}, H = {H}: microseconds per "
             f"time step, median and worst of {rows[0]['runs']} rounds (each case once per round, "
             f"every length in every round).", "",
             f"| T | {head} |", "|--:|" + "--:|--:|" * len(settings)]
    for T in lengths:
        parts = [f"{cell[k1, k2, T]['median_us']:.1f} | {cell[k1, k2, T]['worst_us']:.1f}"
                 for k1, k2 in settings]
        lines.append(f"| {T} | " + " | ".join(parts) + " |")
    lines.append("")
    for k1, k2 in settings:
        ratio = cell[k1, k2, lengths[-1]]["median_us"] / cell[k1, k2, lengths[0]]["median_us"]
        lines.append(f"k1 = {k1}, k2 = {k2}: median per step at T = {lengths[-1]} over "
                     f"T = {lengths[0]}: {ratio:.2f}x (flat: near 1)")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds over every case")
    parser.add_argument("--kind", default="rnn", choices=cells.KINDS)
    parser.add_argument("--lengths", default=",".join(map(str, LENGTHS)),
                        help="comma-separated sequence lengths T")
    args = parser.parse_args(argv)
    try:
        lengths = tuple(int(t) for t in args.lengths.split(","))
    except ValueError:
        parser.error(f"--lengths: expected integers separated by commas, got {args.lengths!r}")
    B, D, H = 4, 8, 32
    print(one_blas_thread())
    rows = measure(lengths, SETTINGS, args.kind, B, D, H, args.rounds)
    print(markdown(rows, args.kind, B, D, H))
    return 0


if __name__ == "__main__":
    sys.exit(main())
