"""Start JupyterLab on the course, on this machine only, with token authentication on.

`make lab` runs this. The token is generated here, so it can be printed in one
clear line; JupyterLab refuses every request that does not carry it.
"""
import argparse
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--no-browser", action="store_true", help="do not try to open a browser")
    args = parser.parse_args()

    token = os.environ.get("UNROLLED_TOKEN") or secrets.token_hex(24)
    first = "notebooks/00_start_here.ipynb"
    print(f"\nUnrolled: open http://127.0.0.1:{args.port}/lab/tree/{first}?token={token}\n", flush=True)
    argv = [
        sys.executable, "-m", "jupyter", "lab", first,
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={args.port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if args.no_browser or not (os.environ.get("DISPLAY") or sys.platform == "darwin"):
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # JupyterLab refuses to start as root without it
    os.chdir(ROOT)
    os.execv(sys.executable, argv)


if __name__ == "__main__":
    main()
