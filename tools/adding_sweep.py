"""The full sweep of notebook 07: every model at every gap T with several seeds.

    python tools/adding_sweep.py --Ts 10 50 100 200 --seeds 0 1 2 --steps 700

Two smaller files hold the runs notebook 07 adds to it, made by the same tool:

  python tools/adding_sweep.py --Ts 100 --kinds lstm --seeds 0 1 2 --steps 1500 --out data/adding/lstm_longer.json
  python tools/adding_sweep.py --Ts 50 --kinds lstm --seeds 1 2 --forget-bias 0 \
      --out data/adding/lstm_forget_bias0.json

Each finished run is appended to data/adding/sweep.json at once (so an interrupted sweep
keeps what it finished), with the command that produced it; data/adding/sweep.csv is the
summary table (one row per run). Runs already in the file are skipped, so the same
command resumes a sweep. Runs go by T, then seed, then model: the longest gaps come last. Two processes can share
the work (``--out`` another file for one of them) and ``--merge`` joins their files; every
command that contributed is kept in the file's "commands".
"""
from __future__ import annotations

import argparse
import csv
import json
import shlex
import sys
from pathlib import Path

from unrolled import memory

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, sweep: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(sweep, separators=(",", ":")) + "\n")
    tmp.replace(path)
    with open(path.with_suffix(".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "T", "seed", "steps", "mse", "relative", "solved", "grad_ratio", "seconds",
                    "cpu_seconds"])
        for r in sweep["runs"]:
            fin = r["final"]
            w.writerow([r["kind"], r["T"], r["seed"], r["steps"], fin["mse"], fin["relative"], fin["solved"],
                        fin["ratio"], r["seconds"], r["cpu_seconds"]])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--Ts", type=int, nargs="+", default=[10, 50, 100, 200])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--kinds", nargs="+", default=list(memory.KINDS))
    ap.add_argument("--steps", type=int, default=memory.DEFAULTS["steps"])
    ap.add_argument("--forget-bias", type=float, default=memory.DEFAULTS["forget_bias"],
                    help="the LSTM's forget-gate bias (the other models have none)")
    ap.add_argument("--out", default=str(ROOT / memory.SWEEP_PATH))
    ap.add_argument("--merge", nargs="*", default=[],
                    help="sweep files (of the same settings) whose runs are added to --out, then deleted")
    args = ap.parse_args(argv)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    given = sys.argv[1:] if argv is None else argv
    command = "python tools/adding_sweep.py " + " ".join(shlex.quote(a) for a in given)
    sweep = json.loads(path.read_text()) if path.exists() else {"runs": []}
    sweep["commands"] = sweep.get("commands", []) + [command]
    sweep["settings"] = {**memory.DEFAULTS, "steps": args.steps, "forget_bias": args.forget_bias}
    for other in map(Path, args.merge):
        more = json.loads(other.read_text())
        if more["settings"] != sweep.get("settings", more["settings"]):
            raise SystemExit(f"--merge: {other} has other settings than {path}")
        sweep["commands"] += more.get("commands", [])
        have = {(r["kind"], r["T"], r["seed"]) for r in sweep["runs"]}
        sweep["runs"] += [r for r in more["runs"] if (r["kind"], r["T"], r["seed"]) not in have]
    done = {(r["kind"], r["T"], r["seed"]) for r in sweep["runs"]}
    write(path, sweep)
    for other in map(Path, args.merge):
        other.unlink()
        other.with_suffix(".csv").unlink(missing_ok=True)
    for T in args.Ts:
        for seed in args.seeds:
            for kind in args.kinds:
                if (kind, T, seed) in done:
                    continue
                result = memory.run(kind, T, seed, steps=args.steps, forget_bias=args.forget_bias, progress=False)
                sweep["runs"].append(memory.compact(result))
                write(path, sweep)
                print(f"{kind:5s} T={T:<4d} seed={seed} MSE/baseline={result['final']['relative']:.3g} "
                      f"cpu={result['cpu_seconds']:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
