"""`make lab` (tools/lab.py): JupyterLab on 127.0.0.1 only, and nothing without the token.

Starts the real command on a free port with a known UNROLLED_TOKEN; Jupyter's
own files (runtime, settings, workspaces) go to a temporary directory, so the
repository and the user's set-up are untouched. No browser is started.
"""
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.browser.harness import ROOT, free_port, jupyter_env, wait_http

FIRST = "notebooks/00_start_here.ipynb"


def status(url: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not (ROOT / FIRST).exists():
        pytest.fail(f"make lab opens {FIRST}, which is missing: JupyterLab refuses to start without it")
    tmp_path = tmp_path_factory.mktemp("lab")
    port, token = free_port(), secrets.token_hex(16)
    env = jupyter_env(tmp_path)
    env["UNROLLED_TOKEN"] = token
    with open(tmp_path / "lab.log", "wb") as log:  # the server keeps its own copy of the handle
        proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "lab.py"), "--port", str(port),
                                 "--no-browser"], env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/api/status?token={token}", 90, proc)
        yield base, token, port, tmp_path / "lab.log"
    except (RuntimeError, TimeoutError) as e:
        pytest.fail(f"{e}\n{(tmp_path / 'lab.log').read_text(errors='replace')[-3000:]}")
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_lab_needs_the_token(lab):
    base, token, *_ = lab
    assert status(f"{base}/api/contents") == 403
    assert status(f"{base}/api/contents?token=wrong{token}") == 403
    assert status(f"{base}/api/contents", {"Authorization": f"token {token}"}) == 200
    assert status(f"{base}/api/contents/notebooks?token={token}") == 200


def test_lab_serves_the_first_notebook(lab):
    base, token, _, log = lab
    url = f"{base}/lab/tree/{FIRST}?token={token}"
    assert f"Unrolled: open {url}" in log.read_text(), "make lab prints the address to open, token included"
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        page = r.read().decode()
    assert "jupyter-config-data" in page and "JupyterLab" in page


def test_lab_listens_on_loopback_only(lab):
    _, _, port, _ = lab
    # 127.0.1.1 reaches this machine too, but a server bound to 127.0.0.1 alone
    # does not answer there (one bound to every address would).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.1.1", port)) != 0
