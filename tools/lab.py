"""Start JupyterLab on the course, on this machine only, with token authentication on.

`make lab` runs this. The token is generated here, so the address can be
printed in one clear line; JupyterLab refuses every request that does not
carry it. The line is printed once the server answers (a click on it before
then would only meet "connection refused"). JupyterLab runs as a child in the
foreground: its messages appear as usual and Ctrl-C stops it as usual.

If the port asked for (``make lab PORT=...``, default 8888) is taken, the next
free one of the following :data:`TRIES` is used, and the script says so; the
address printed is always the one that answers.

JupyterLab's news pop-up and update check are off by default: the folder
``tools/jupyter-config`` is put first on ``JUPYTER_CONFIG_PATH``, and its
``labconfig/default_setting_overrides.json`` changes those two defaults. It
writes nothing: the learner's own settings, if any, still win.
"""
import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = "notebooks/00_start_here.ipynb"
SLOW_START = 60.0  # seconds before saying that the server is still starting
TRIES = 20         # ports tried, from the one asked for upwards
CONFIG = ROOT / "tools" / "jupyter-config"


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:``port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port(wanted: int, tries: int = TRIES) -> int | None:
    """``wanted`` if it is free, else the next free port of the ``tries`` from it, else None."""
    for port in range(wanted, min(wanted + tries, 65536)):
        if port_is_free(port):
            return port
    return None


def answers(port: int, token: str) -> bool:
    """Whether the server on ``port`` answers an authenticated API request."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_for_server(proc: subprocess.Popen, port: int, token: str) -> bool:
    """Poll until the server answers (True) or its process ends (False)."""
    start, told = time.monotonic(), False
    while proc.poll() is None:
        try:
            if answers(port, token):
                return True
            if not told and time.monotonic() - start > SLOW_START:
                print(f"\nUnrolled: JupyterLab has not answered on port {port} after {SLOW_START:.0f} s; "
                      "still waiting (its messages are above)\n", flush=True)
                told = True
            time.sleep(0.2)
        except KeyboardInterrupt:
            continue  # JupyterLab got the Ctrl-C as well: it asks, stops or carries on
    return False


def wait_ignoring_ctrl_c(proc: subprocess.Popen) -> int:
    """Wait for JupyterLab to end. Ctrl-C reaches it directly (same terminal), so it decides."""
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--no-browser", action="store_true", help="do not try to open a browser")
    args = parser.parse_args()

    port = choose_port(args.port)
    if port is None:
        print(f"\nUnrolled: ports {args.port} to {args.port + TRIES - 1} are all in use. "
              f"Stop another JupyterLab, or choose a port yourself: make lab PORT=9000\n",
              file=sys.stderr, flush=True)
        return 1
    if port != args.port:
        print(f"\nUnrolled: port {args.port} is in use (another JupyterLab?); using port {port}. "
              f"To choose one yourself: make lab PORT=...\n", flush=True)
    args.port = port

    token = os.environ.get("UNROLLED_TOKEN") or secrets.token_hex(24)
    argv = [
        sys.executable, "-m", "jupyter", "lab", FIRST,
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

    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(CONFIG), env.get("JUPYTER_CONFIG_PATH")) if p)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env)
    # A polite stop of this script (kill, a closed terminal) stops the server too.
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda *_: proc.terminate())
    if not wait_for_server(proc, args.port, token):
        code = wait_ignoring_ctrl_c(proc)
        print(f"\nUnrolled: JupyterLab stopped (exit code {code}) before it answered on port {args.port}. "
              "Its messages above say why; if another program took the port meanwhile, run make lab again "
              f"(or choose a port: make lab PORT={args.port + 1})\n",
              file=sys.stderr, flush=True)
        return code or 1
    print(f"\nUnrolled: open http://127.0.0.1:{args.port}/lab/tree/{FIRST}?token={token}\n", flush=True)
    return wait_ignoring_ctrl_c(proc)


if __name__ == "__main__":
    sys.exit(main())
