"""`make lab` (tools/lab.py): JupyterLab on 127.0.0.1 only, and nothing without the token.

Starts the real command on a free port with a known UNROLLED_TOKEN; Jupyter's
own files (runtime, settings, workspaces) go to a temporary directory, so the
repository and the user's set-up are untouched. No browser is started.
The address is printed only once the server answers: at the moment the line
appears, a request with the token must already succeed.
"""
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.browser.harness import ROOT, free_port, jupyter_env

FIRST = "notebooks/00_start_here.ipynb"


def status(url: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def watch_for_the_address(proc, log_path, base, token, timeout):
    """Wait for the "Unrolled: open" line; the moment it appears, ask the server. Returns its answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Unrolled: open " in log_path.read_text(errors="replace"):
            return status(f"{base}/api/status", {"Authorization": f"token {token}"})
        if proc.poll() is not None:
            raise RuntimeError(f"make lab exited with code {proc.returncode} without printing the address")
        time.sleep(0.05)
    raise TimeoutError(f"make lab printed no address within {timeout} s")



def stop(proc: subprocess.Popen) -> None:
    """End the JupyterLab started by a test: politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)

def start_lab(tmp_path, port, token):
    env = jupyter_env(tmp_path)
    env["UNROLLED_TOKEN"] = token
    with open(tmp_path / "lab.log", "wb") as log:  # the server keeps its own copy of the handle
        return subprocess.Popen([sys.executable, str(ROOT / "tools" / "lab.py"), "--port", str(port),
                                 "--no-browser"], env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not (ROOT / FIRST).exists():
        pytest.fail(f"make lab opens {FIRST}, which is missing: JupyterLab refuses to start without it")
    tmp_path = tmp_path_factory.mktemp("lab")
    port, token = free_port(), secrets.token_hex(16)
    proc = start_lab(tmp_path, port, token)
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "lab.log"
    try:
        answered_when_printed = watch_for_the_address(proc, log_path, base, token, 90)
        yield base, token, port, log_path, answered_when_printed
    except (RuntimeError, TimeoutError) as e:
        pytest.fail(f"{e}\n{log_path.read_text(errors='replace')[-3000:]}")
    finally:
        stop(proc)


def test_lab_needs_the_token(lab):
    base, token, *_ = lab
    assert status(f"{base}/api/contents") == 403
    assert status(f"{base}/api/contents?token=wrong{token}") == 403
    assert status(f"{base}/api/contents", {"Authorization": f"token {token}"}) == 200
    assert status(f"{base}/api/contents/notebooks?token={token}") == 200


def test_lab_serves_the_first_notebook(lab):
    base, token, _, log, _ = lab
    url = f"{base}/lab/tree/{FIRST}?token={token}"
    assert f"Unrolled: open {url}" in log.read_text(), "make lab prints the address to open, token included"
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        page = r.read().decode()
    assert "jupyter-config-data" in page and "JupyterLab" in page


def test_lab_listens_on_loopback_only(lab):
    _, _, port, _, _ = lab
    # 127.0.1.1 reaches this machine too, but a server bound to 127.0.0.1 alone
    # does not answer there (one bound to every address would).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.1.1", port)) != 0


def test_lab_prints_the_address_only_once_the_server_answers(lab):
    *_, answered_when_printed = lab
    assert answered_when_printed == 200, (
        f"the address was printed while the server answered {answered_when_printed}: "
        "a learner who clicks at once gets no page")


def test_lab_turns_the_news_pop_up_off(lab):
    """The default set by tools/jupyter-config reaches the server (the learner's own settings would still win)."""
    base, token, *_ = lab
    request = urllib.request.Request(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification",
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        settings = json.loads(r.read())
    defaults = {name: spec.get("default") for name, spec in settings["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
    assert "fetchNews" not in settings["settings"]  # a default, not a setting written for the learner


def test_a_taken_port_is_skipped_and_the_address_printed_answers(tmp_path):
    # Another program listens on the port asked for: make lab says so, moves on, and its address works.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        token = secrets.token_hex(16)
        proc = start_lab(tmp_path, port, token)
        log_path = tmp_path / "lab.log"
        try:
            deadline = time.monotonic() + 90
            while "Unrolled: open " not in log_path.read_text(errors="replace"):
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
                time.sleep(0.05)
            out = log_path.read_text(errors="replace")
            used = int(re.search(r"Unrolled: open http://127\.0\.0\.1:(\d+)/", out).group(1))
            answer = status(f"http://127.0.0.1:{used}/api/status", {"Authorization": f"token {token}"})
        finally:
            stop(proc)
    assert used != port and answer == 200
    assert f"port {port} is in use (another JupyterLab?); using port {used}" in out
    assert "make lab PORT=" in out


def test_choose_port_skips_taken_ports_and_gives_up_clearly():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import lab as lab_script
    finally:
        sys.path.pop(0)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not lab_script.port_is_free(port)
        assert lab_script.choose_port(port, tries=1) is None
        chosen = lab_script.choose_port(port, tries=50)
        assert chosen is not None and chosen > port and lab_script.port_is_free(chosen)
