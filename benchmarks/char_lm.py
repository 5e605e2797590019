"""Character-level LM training throughput: min-char-rnn's loop against the batched library.

The reference is a loop of min-char-rnn's shape (a vanilla RNN with hidden size
100, 25 steps per update, Adagrad with lr 0.1 and elementwise clipping at 5),
written here as that loop is written: one sequence, column vectors, one
character at a time in Python dictionaries. The library trains the same
model with :func:`unrolled.charlm.train` (its clipping is by the global norm,
at 5): B sequences side by side (time-major arrays), each step's input half
looked up by the character's index (:func:`unrolled.sequence.forward_ids`), the
state carried between chunks. Both read the corpus of notebook 09 (Python's
documentation).

Throughput is characters of training text per second (B x 25 per update for the
library, 25 for the loop), the median over ``--rounds`` rounds, each round timing
every case once (so a burst of load hits them alike). One BLAS thread, and the
time is the process's CPU time (``time.process_time``): with one thread that is
the wall time on an idle core, and on a shared machine it does not count the
time other processes held the core (it still counts what their use of the
shared caches costs this one).

Run: ``python benchmarks/char_lm.py`` (also part of ``make bench``); ``--stages``
adds a table of where one training step's time goes (cProfile). Nothing here is
asserted in the test suite; the goal (the library at least 10x the loop at the
same hidden size) is read off the table, whose last line says, per precision,
whether it is met (the README has the table measured on the machine the course
was built on). The loop runs in float64 (numpy's default, min-char-rnn's); the
library in float64 for every B of ``BATCHES`` and in float32 for ``BATCHES_FLOAT32``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from unrolled import charlm, data, optim

H, T, LR = 100, 25, 1e-1
BATCHES = (1, 16, 32, 128)
BATCHES_FLOAT32 = (16, 32)


def min_char_rnn(ids, vocab_size, updates, seed=0):
    """``updates`` updates of min-char-rnn's loop on ``ids``; returns the characters read."""
    rng = np.random.default_rng(seed)
    Wxh = rng.standard_normal((H, vocab_size)) * 0.01
    Whh = rng.standard_normal((H, H)) * 0.01
    Why = rng.standard_normal((vocab_size, H)) * 0.01
    bh, by = np.zeros((H, 1)), np.zeros((vocab_size, 1))
    mWxh, mWhh, mWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    mbh, mby = np.zeros_like(bh), np.zeros_like(by)

    def lossFun(inputs, targets, hprev):
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros((vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys[t] = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
            np.clip(dparam, -5, 5, out=dparam)
        return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

    p, hprev = 0, np.zeros((H, 1))
    for _ in range(updates):
        if p + T + 1 >= len(ids):
            hprev, p = np.zeros((H, 1)), 0
        inputs, targets = ids[p:p + T], ids[p + 1:p + T + 1]
        loss, dWxh, dWhh, dWhy, dbh, dby, hprev = lossFun(inputs, targets, hprev)
        for param, dparam, mem in zip([Wxh, Whh, Why, bh, by], [dWxh, dWhh, dWhy, dbh, dby],
                                      [mWxh, mWhh, mWhy, mbh, mby]):
            mem += dparam * dparam
            param += -LR * dparam / np.sqrt(mem + 1e-8)
        p += T
    return updates * T


def library(ids, vocab_size, updates, B, seed=0, dtype=np.float64):
    """``updates`` updates of :func:`unrolled.charlm.train` (vanilla RNN, H = 100, T = 25, Adagrad) on B streams."""
    params = charlm.init("rnn", vocab_size, H, np.random.default_rng(seed), dtype=dtype)
    charlm.train("rnn", params, data.streams(ids, B), T, updates, optim.Adagrad(LR), clip_norm=5.0)
    return updates * B * T


def measure(rounds=5, chars=40_000, text=None):
    """One row per case: median and worst characters per second over ``rounds`` rounds."""
    text = data.python_docs_text() if text is None else text
    vocab = data.CharVocabulary(text)
    ids = vocab.encode(text)
    cases = [("min-char-rnn loop (1 sequence)", lambda: min_char_rnn(ids, len(vocab), max(2, chars // T)))]
    for B in BATCHES:
        cases.append((f"unrolled.charlm.train, B = {B}",
                      lambda B=B: library(ids, len(vocab), max(2, chars // (B * T)), B)))
    for B in BATCHES_FLOAT32:
        cases.append((f"unrolled.charlm.train, B = {B}, float32",
                      lambda B=B: library(ids, len(vocab), max(2, chars // (B * T)), B, dtype=np.float32)))
    for _, fn in cases:
        fn()                                          # warm-up
    rates = {name: [] for name, _ in cases}
    for _ in range(rounds):
        for name, fn in cases:
            start = time.process_time()
            n = fn()
            rates[name].append(n / (time.process_time() - start))
    base = statistics.median(rates[cases[0][0]])
    return [{"case": name, "median": statistics.median(r), "worst": min(r),
             "speedup": statistics.median(r) / base, "rounds": len(r)} for name, r in rates.items()]


def markdown(rows):
    lines = [f"Character-level LM training, vanilla RNN, H = {H}, {T} steps per update, Adagrad: "
             f"characters per CPU second (one thread), median and worst of {rows[0]['rounds']} rounds.", "",
             "| case | chars/s (median) | chars/s (worst) | vs the loop |", "|:--|--:|--:|--:|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['median']:,.0f} | {r['worst']:,.0f} | {r['speedup']:.1f}x |")
    lines += ["", goal(rows)]
    return "\n".join(lines) + "\n"


def goal(rows, factor=10.0):
    """The goal's verdict, per precision: the best library row against ``factor`` times the loop.

    The loop runs in float64 (min-char-rnn's precision), so the float64 rows are the like-for-like
    comparison; the float32 row also halves the bytes every matrix product moves.
    """
    verdicts = []
    for label, rows_p in (("float64 (the loop's precision)", [r for r in rows[1:] if "float32" not in r["case"]]),
                          ("float32", [r for r in rows[1:] if "float32" in r["case"]])):
        if rows_p:
            best = max(rows_p, key=lambda r: r["speedup"])
            met = "met" if best["speedup"] >= factor else "NOT met"
            verdicts.append(f"{label}: {met}, best {best['speedup']:.1f}x ({best['case']})")
    return f"Goal, the library at least {factor:g}x the loop at the same hidden size: " + "; ".join(verdicts) + "."


#: the stages of one training step, each the cumulative time of the library function that runs it
STAGES = (("the recurrent loop forward (and the input lookup)", "sequence.py", "_forward_ids"),
          ("readout forward: logits = h W_yh^T + b_y", "layers.py", "_affine_forward"),
          ("softmax cross-entropy and its gradient", "losses.py", "_mean_softmax_cross_entropy_in_place"),
          ("readout backward: dW_yh, db_y, dh", "layers.py", "_affine_backward"),
          ("the recurrent loop backward", "sequence.py", "_backward_steps"),
          ("weight gradients of the cell (dW_hh; dW_hx by scatter-add)", "sequence.py", "_gradients"),
          ("clipping by the global norm", "optim.py", "_clip_global_norm_in_place"),
          ("Adagrad's update", "optim.py", "_update"))


def stages(B=32, dtype=np.float64, chars=40_000, text=None):
    """Where one case's time goes: ``(stage, share of the training time)`` from cProfile, plus the rest.

    Each stage is the cumulative time of one library function (:data:`STAGES`); they do not
    overlap. The profiler adds a little to every call, most to the per-step functions.
    """
    import cProfile
    import pstats
    text = data.python_docs_text() if text is None else text
    vocab = data.CharVocabulary(text)
    ids = vocab.encode(text)
    updates = max(2, chars // (B * T))
    library(ids, len(vocab), 2, B, dtype=dtype)                   # warm-up
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(library, ids, len(vocab), updates, B, dtype=dtype)
    table = pstats.Stats(profiler).stats
    total = max(ct for (_, _, name), (_, _, _, ct, _) in table.items() if name == "train")
    rows = []
    for label, file, name in STAGES:
        rows.append((label, sum(ct for (f, _, n), (_, _, _, ct, _) in table.items()
                                if n == name and f.endswith(file)) / total))
    rows.append(("the rest (Python, the checks once per run, slicing the chunk)", 1 - sum(share for _, share in rows)))
    return rows, total / (updates * B * T)


def stages_markdown(B=32, dtypes=(np.float64, np.float32), **kwargs):
    results = [stages(B, dtype, **kwargs) for dtype in dtypes]
    names = [np.dtype(d).name for d in dtypes]
    lines = [f"Where the time of `unrolled.charlm.train` goes (B = {B}, cProfile, CPU time):", "",
             "| stage | " + " | ".join(names) + " |", "|:--|" + "--:|" * len(names)]
    for i, (label, _) in enumerate(results[0][0]):
        lines.append(f"| {label} | " + " | ".join(f"{r[0][i][1]:.0%}" for r in results) + " |")
    lines.append("| microseconds per character (under the profiler) | "
                 + " | ".join(f"{1e6 * r[1]:.2f}" for r in results) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chars", type=int, default=40_000, help="training characters per case per round")
    parser.add_argument("--stages", action="store_true", help="also profile where one training step's time goes")
    args = parser.parse_args(argv)
    from truncated_bptt import one_blas_thread
    print(one_blas_thread())
    print(markdown(measure(args.rounds, args.chars)))
    if args.stages:
        print(stages_markdown(chars=args.chars))
    return 0


if __name__ == "__main__":
    sys.exit(main())
