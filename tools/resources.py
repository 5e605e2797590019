"""What one student costs a JupyterHub: memory and CPU time of every notebook's kernel.

An instructor who runs the course for a class sizes the hub from these numbers
(docs/jupyterhub.md quotes them). Each notebook is executed top to bottom in a
fresh kernel, as a student's "Restart Kernel and Run All" does, with one extra
cell at the end that asks the kernel itself (``resource.getrusage``) for its
peak resident memory and the CPU time it used (all its threads). A JupyterLab
server is also started and its memory read once it answers, since every
student has one.

    python tools/resources.py                 # print the table
    python tools/resources.py --update-docs   # also write it into docs/jupyterhub.md

The numbers belong to the machine that measured them (the table says which);
they are sizes to plan with, not test thresholds.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "jupyterhub.md"
BEGIN, END = "<!-- resources: begin -->", "<!-- resources: end -->"
PROBE = ("import json as _j, resource as _r\n"
         "_u = _r.getrusage(_r.RUSAGE_SELF)\n"
         "print('UNROLLED-RESOURCES', _j.dumps({'peak_mib': _u.ru_maxrss / 1024, "
         "'cpu_s': _u.ru_utime + _u.ru_stime}))")


def measure_notebook(path: Path, timeout: int = 600) -> dict:
    """Run ``path`` in a fresh kernel; return its wall time, kernel CPU time and peak memory."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    for output in nb.cells[-1].outputs:
        text = output.get("text", "")
        if "UNROLLED-RESOURCES" in text:
            usage = json.loads(text.split("UNROLLED-RESOURCES", 1)[1])
            return {"notebook": path.name, "wall_s": wall, **usage}
    raise RuntimeError(f"{path.name}: the kernel did not report its resources")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_server(timeout: float = 120) -> float:
    """Peak memory (MiB) of a JupyterLab server that has started and answered."""
    port, token = free_port(), secrets.token_hex(16)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/lab",
                                                 headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    response.read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not answer")
        status = Path(f"/proc/{proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def table(rows: list[dict], server_mib: float) -> str:
    lines = ["| notebook | kernel CPU time | kernel peak memory |",
             "|---|--:|--:|"]
    for r in rows:
        lines.append(f"| {r['notebook']} | {r['cpu_s']:.0f} s | {r['peak_mib']:.0f} MiB |")
    cpu = sum(r["cpu_s"] for r in rows)
    peak = max(r["peak_mib"] for r in rows)
    every = sum(r["peak_mib"] for r in rows)
    lines += [f"| **whole series** | {cpu:.0f} s | {peak:.0f} MiB (largest kernel) |",
              "",
              f"- JupyterLab's server, started and answering: {server_mib:.0f} MiB.",
              f"- One kernel at a time: about {peak + server_mib:.0f} MiB per student at the peak; "
              f"a student who leaves all ten kernels running holds about {every + server_mib:.0f} MiB.",
              f"- Measured with `python tools/resources.py` on {os.cpu_count()} cores "
              f"({platform.machine()}, Python {platform.python_version()}); "
              "CPU time counts every thread of the kernel."]
    return "\n".join(lines)


def update_docs(text: str, docs: Path = DOCS) -> None:
    source = docs.read_text()
    if BEGIN not in source or END not in source:
        raise SystemExit(f"{docs} has no {BEGIN} ... {END} block to fill")
    head, rest = source.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    docs.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update-docs", action="store_true", help=f"write the table into {DOCS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    rows = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        rows.append(measure_notebook(path))
    text = table(rows, measure_server())
    print(text)
    if args.update_docs:
        update_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
