"""Run a command under another OpenBLAS kernel and one thread (`make test-notebooks-other-blas`).

The stored outputs must not depend on the machine: a number whose digits change
with the order of a floating-point sum differs between CPUs, because OpenBLAS
picks its kernel (and numpy its SIMD loops) for the CPU it finds. Running the
notebooks again with another kernel and one thread shows such a number on this
machine, before a learner's laptop does.

The kernel is chosen with ``OPENBLAS_CORETYPE``: the first of ``CANDIDATES``
that differs from the one OpenBLAS picks here by default. Both are read with
threadpoolctl in fresh interpreters, so a setting OpenBLAS ignores (an unknown
name, a library built without DYNAMIC_ARCH) is caught: if no candidate
changes the kernel, this fails instead of running the same configuration twice.
numpy's own AVX-512 loops are switched off too (``NPY_DISABLE_CPU_FEATURES``),
where this CPU has them, so that another SIMD path of the element-wise
functions is used as well.

    python tools/other_blas.py [--show] -- COMMAND ...
"""
import argparse
import json
import os
import subprocess
import sys

# Older first: a kernel this old runs on every x86-64 CPU (Prescott is reported as Katmai);
# ARMV8 is the generic kernel of 64-bit ARM. A name this OpenBLAS does not know changes nothing.
CANDIDATES = ("Prescott", "Nehalem", "Haswell", "ARMV8")
# numpy's AVX-512 dispatch targets (numpy >= 2.4 names); absent ones are skipped.
NUMPY_FEATURES_OFF = ("AVX512_SPR", "AVX512_ICL", "X86_V4")

PROBE = """
import json, numpy, threadpoolctl
blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
features = numpy._core._multiarray_umath.__cpu_features__
print(json.dumps({"blas": [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in blas],
                  "simd": sorted(f for f in FEATURES if features.get(f))}))
""".replace("FEATURES", repr(NUMPY_FEATURES_OFF))


def probe(env: dict) -> dict:
    """The BLAS libraries (api, kernel, threads) and numpy's AVX-512 targets in use under ``env``."""
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    if result.returncode != 0:
        raise SystemExit(f"other_blas: cannot read the BLAS configuration:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def other_environment() -> tuple[dict, dict, dict]:
    """(environment, default configuration, other configuration); exits when none differs."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                         "NPY_DISABLE_CPU_FEATURES")}
    default = probe(base)
    if not default["blas"] or any(api != "openblas" for api, _, _ in default["blas"]):
        raise SystemExit(f"other_blas: numpy does not use OpenBLAS here ({default['blas']}); "
                         "OPENBLAS_CORETYPE cannot choose another kernel")
    kernels = {arch for _, arch, _ in default["blas"]}
    simd_off = [f for f in NUMPY_FEATURES_OFF if f in default["simd"]]
    tried = []
    for core in CANDIDATES:
        env = dict(base, OPENBLAS_CORETYPE=core, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        if simd_off:
            env["NPY_DISABLE_CPU_FEATURES"] = " ".join(simd_off)
        other = probe(env)
        arch = {a for _, a, _ in other["blas"]}
        tried.append(f"{core} -> {', '.join(sorted(map(str, arch)))}")
        if arch.isdisjoint(kernels) and all(n == 1 for _, _, n in other["blas"]):
            return env, default, other
    raise SystemExit(f"other_blas: no OPENBLAS_CORETYPE changes the kernel here (default "
                     f"{', '.join(sorted(map(str, kernels)))}; tried {'; '.join(tried)}); "
                     "the second notebook run would repeat the first")


def describe(config: dict) -> str:
    blas = ", ".join(f"{arch} kernel, {threads} thread{'s' * (threads != 1)}" for _, arch, threads in config["blas"])
    return f"OpenBLAS {blas}; numpy AVX-512 loops {'on' if config['simd'] else 'off'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="only print the two configurations")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    env, default, other = other_environment()
    settings = " ".join(f"{k}={env[k]!r}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS",
                                                  "NPY_DISABLE_CPU_FEATURES") if k in env)
    print(f"default configuration: {describe(default)}", flush=True)
    print(f"this run:              {describe(other)}  ({settings})", flush=True)
    if args.show or not command:
        return 0
    return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
