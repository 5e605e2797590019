"""Speed of the numpy cells: forward + backward over a sequence, next to PyTorch.

    python benchmarks/run.py                 # the table of the README (make bench)
    python benchmarks/run.py --repeats 51    # more repeats on a noisy machine

For each cell (rnn, lstm, gru) and each shape below it times one
``sequence.forward`` + ``sequence.backward`` (all parameter and input gradients)
and reports the median over ``--repeats`` runs and the tokens (T * B time steps
of one sequence element) per second. Where torch is installed, ``torch.nn.RNN /
LSTM / GRU`` on the CPU run the same computation in the same process: same
shape, same dtype, the same parameters (copied through ``unrolled.interop``),
forward and backward with the same upstream gradient, input gradient included.
The two are timed alternately, one run each in turn, so that load from other
processes on a shared machine falls on both. Before timing, the two forward
passes are checked to agree, so the table never compares different functions.

Goals: at H = 128 float32 at most 1.5x PyTorch's time; at the two smaller
shapes faster than PyTorch (ratio < 1).

Threads: the table is measured twice, with each library's default thread
count (one per core) and with one thread for both (``--threads``). On a
machine shared with other work, threads that wait for each other can dominate
the times of both libraries; one thread each is the steadier comparison.

The table is printed as Markdown and written to ``build/bench.md``.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from unrolled import cells, interop, sequence

KINDS = ("rnn", "lstm", "gru")

#: (T, B, D, H, dtype, goal): goal is the largest acceptable ours/torch time ratio.
SHAPES = (
    (100, 32, 64, 128, "float32", 1.5),
    (100, 32, 16, 32, "float64", 1.0),
    (25, 1, 65, 100, "float64", 1.0),
)

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------- the cases

def numpy_case(kind, T, B, D, H, dtype, seed=0):
    """Ours: returns ``(run, params, x, dhs)``; ``run()`` does forward + backward once."""
    rng = np.random.default_rng(seed)
    params = cells.init(kind, D, H, rng, dtype=dtype)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)

    def run():
        hs, cache = sequence.forward(kind, x, params)
        return hs, sequence.backward(dhs, cache)

    return run, params, x, dhs


def torch_case(torch, kind, params, x, dhs):
    """PyTorch's CPU module with our parameters: ``run()`` does forward + backward once."""
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    T, B, D = x.shape
    H = dhs.shape[2]
    net = module(D, H).to(getattr(torch, str(x.dtype)))
    net.load_state_dict({k: torch.from_numpy(v) for k, v in interop.to_torch(kind, params).items()})
    xt = torch.from_numpy(x).requires_grad_()
    dhst = torch.from_numpy(dhs)

    def run():
        net.zero_grad(set_to_none=True)
        xt.grad = None
        hs, _ = net(xt)
        hs.backward(dhst)
        return hs

    return run


def median_times(runs, repeats, warmup=3):
    """Time each callable ``repeats`` times, interleaved; return the medians in seconds."""
    for run in runs:
        for _ in range(warmup):
            run()
    times = [[] for _ in runs]
    for _ in range(repeats):
        for run, ts in zip(runs, times):
            start = time.perf_counter()
            run()
            ts.append(time.perf_counter() - start)
    return [statistics.median(ts) for ts in times]


def measure(shapes=SHAPES, kinds=KINDS, repeats=31, use_torch=True, warmup=3):
    """Every (shape, kind): a row dict with medians, tokens/s and the ratio to torch."""
    torch = _import_torch() if use_torch else None
    rows = []
    for T, B, D, H, dtype, goal in shapes:
        for kind in kinds:
            run, params, x, dhs = numpy_case(kind, T, B, D, H, np.dtype(dtype))
            runs = [run]
            if torch is not None:
                trun = torch_case(torch, kind, params, x, dhs)
                ours, theirs = run()[0], trun().detach().numpy()
                tol = 1e-4 if dtype == "float32" else 1e-10
                if not np.allclose(ours, theirs, rtol=tol, atol=tol):
                    raise AssertionError(f"{kind} {T, B, D, H} {dtype}: ours and torch's forward "
                                         f"differ by {np.abs(ours - theirs).max():.3g}")
                runs.append(trun)
            medians = median_times(runs, repeats, warmup)
            row = {"kind": kind, "T": T, "B": B, "D": D, "H": H, "dtype": dtype, "goal": goal,
                   "ours_s": medians[0], "ours_tok": T * B / medians[0],
                   "torch_s": None, "torch_tok": None, "ratio": None}
            if torch is not None:
                row.update(torch_s=medians[1], torch_tok=T * B / medians[1],
                           ratio=medians[0] / medians[1])
            rows.append(row)
    return rows


# ----------------------------------------------------------------- reporting

def markdown(rows, env, repeats):
    """The results as a Markdown table, with the conditions they were measured under."""
    lines = [
        f"Forward + backward over one batch of sequences, median of {repeats} runs "
        f"(ours and PyTorch's alternated in one process); tokens/s = T * B / median.",
        "",
        "| cell | T, B, D, H | dtype | ours (ms) | ours (tokens/s) | PyTorch (ms) "
        "| PyTorch (tokens/s) | ours / PyTorch | goal | met |",
        "|---|---|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for r in rows:
        shape = f"{r['T']}, {r['B']}, {r['D']}, {r['H']}"
        goal = f"<= {r['goal']:.1f}x" if r["goal"] > 1 else "< 1x"
        if r["ratio"] is None:
            torch_ms = torch_tok = ratio = met = "n/a"
        else:
            torch_ms, torch_tok = f"{1e3 * r['torch_s']:.2f}", f"{r['torch_tok']:,.0f}"
            ratio = f"{r['ratio']:.2f}x"
            ok = r["ratio"] <= r["goal"] if r["goal"] > 1 else r["ratio"] < 1
            met = "yes" if ok else "**no**"
        lines.append(f"| {r['kind']} | {shape} | {r['dtype']} | {1e3 * r['ours_s']:.2f} "
                     f"| {r['ours_tok']:,.0f} | {torch_ms} | {torch_tok} | {ratio} | {goal} | {met} |")
    lines += ["", "Measured on: " + "; ".join(f"{k} {v}" for k, v in env.items()) + "."]
    return "\n".join(lines) + "\n"


def environment(torch=None):
    """What the numbers depend on: CPU, BLAS and its kernel, thread counts, versions."""
    env = {"CPU": _cpu_name(), "Python": platform.python_version(), "numpy": np.__version__}
    env.update(blas_info())
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS"):
        env[var] = os.environ.get(var, "unset")
    if torch is not None:
        env["torch"] = torch.__version__
        env["torch threads"] = torch.get_num_threads()
    else:
        env["torch"] = "not installed"
    return env


def blas_info():
    """numpy's BLAS: library, the kernel it chose at run time, and its thread count."""
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        for lib in threadpoolctl.threadpool_info():
            if lib.get("user_api") == "blas":
                return {"BLAS": f"{lib.get('internal_api')} {lib.get('version')}",
                        "BLAS kernel": lib.get("architecture", "unknown"),
                        "BLAS threads": lib.get("num_threads")}
    return _openblas_via_ctypes()


def set_blas_threads(n):
    """Set numpy's BLAS thread count (threadpoolctl if installed, else OpenBLAS directly)."""
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        threadpoolctl.threadpool_limits(n, user_api="blas")
        return True
    for lib in _openblas_libraries():
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(ctypes.c_int(n))
                return True
    return False


def _openblas_libraries():
    """The OpenBLAS libraries loaded into this process (Linux: from /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    libs = []
    for path in sorted(paths):
        try:
            libs.append(ctypes.CDLL(path))
        except OSError:
            pass
    return libs


def _openblas_via_ctypes():
    """OpenBLAS's own answer (the library numpy loaded), without threadpoolctl."""
    info = {"BLAS": "unknown", "BLAS kernel": "unknown", "BLAS threads": "unknown"}
    for lib in _openblas_libraries():
        for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""),
                               ("openblas_", "64_"), ("openblas_", "")):
            get_core = getattr(lib, f"{prefix}get_corename{suffix}", None)
            get_threads = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
            get_config = getattr(lib, f"{prefix}get_config{suffix}", None)
            if get_core is None:
                continue
            get_core.restype = ctypes.c_char_p
            info["BLAS kernel"] = get_core().decode()
            if get_config is not None:
                get_config.restype = ctypes.c_char_p
                info["BLAS"] = get_config().decode().strip()
            if get_threads is not None:
                info["BLAS threads"] = get_threads()
            return info
    return info


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()} x {os.cpu_count()}"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()} x {os.cpu_count()}"


def _import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def blas_threads():
    """numpy's BLAS thread count now (None if it cannot be read)."""
    threads = blas_info()["BLAS threads"]
    return threads if isinstance(threads, int) else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=31, help="timed runs per case (median)")
    parser.add_argument("--no-torch", action="store_true", help="ours only")
    parser.add_argument("--threads", default="default,1",
                        help="comma-separated thread counts, each given to numpy's BLAS and to "
                             "torch alike; 'default' leaves each library's own (default: default,1)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench.md")
    args = parser.parse_args(argv)
    torch = None if args.no_torch else _import_torch()
    try:
        settings = [None if t.strip() == "default" else int(t) for t in args.threads.split(",")]
    except ValueError:
        parser.error(f"--threads: expected 'default' or integers separated by commas, got {args.threads!r}")
    own = (blas_threads(), torch.get_num_threads() if torch is not None else None)
    tables = []
    for threads in settings:
        blas, torch_threads = own if threads is None else (threads, threads)
        if blas is not None and not set_blas_threads(blas):
            parser.error("--threads: could not set numpy's BLAS thread count")
        if torch is not None:
            torch.set_num_threads(torch_threads)
        rows = measure(SHAPES, repeats=args.repeats, use_torch=torch is not None)
        heading = "Each library's default thread count" if threads is None else \
            f"{threads} thread{'s' if threads > 1 else ''} for numpy's BLAS and for PyTorch"
        tables.append(f"#### {heading}\n\n" + markdown(rows, environment(torch), args.repeats))
        print(tables[-1])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(tables))
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
