"""Drive the course in a real JupyterLab, the way a learner meets it.

Two pieces, used by the browser tests (tests/test_lab.py borrows the helpers
that start a server):

* :class:`LabServer` starts JupyterLab on 127.0.0.1, on a free port, with its
  own token, in a temporary directory holding copies of the notebooks. Its
  settings, workspaces and runtime files live in that directory too, so the
  repository and the user's own Jupyter set-up are never touched. Autosave and
  the news feed are off, and the notebook renders every cell (``windowingMode``
  ``"none"``), so cells far below the fold exist in the page.
* :func:`run_notebook` opens one notebook in a Chromium page, clears the stored
  outputs, clicks "Restart the kernel and run all cells", confirms, waits until
  the kernel is idle and every cell has run, then checks that no cell shows an
  error and moves the controls of every explorer (``.unrolled-explorer``, see
  ``unrolled.explorers.base``): the first must change the readout and the
  figure, every other one at least one of them.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# User-level JupyterLab settings for the test server (one file per plugin), in
# its own JUPYTERLAB_SETTINGS_DIR. (An overrides.json would have to go into the
# application directory inside .venv, which the tests must not modify.)
SETTINGS = {
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def offline_context(playwright, viewport: dict, allowed: tuple[str, ...]):
    """Chromium and a browser context in which every request whose URL starts with none of
    ``allowed`` is aborted and recorded in ``context.blocked``: nothing leaves the machine.

    Returns ``(browser, context)``; the caller closes the browser.
    """
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
    context = browser.new_context(viewport=viewport)
    context.blocked = []

    def route(r):
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            context.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return browser, context


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_env(home: Path) -> dict[str, str]:
    """Environment for a JupyterLab server whose every writable path is under ``home``."""
    env = dict(os.environ)
    # Agg in the environment is inherited by the kernel and removes inline figures.
    env.pop("MPLBACKEND", None)
    for var, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ]:
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers 200; raise with the reason if it never does."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
                last = f"HTTP {r.status}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s ({last})")


class LabServer:
    """One JupyterLab server on a temporary copy of the course.

    ``home`` receives ``root/notebooks`` (a copy of the folder, data files
    included) and ``root/figures`` (so relative image links resolve), the
    settings and workspaces, and the server log.
    """

    def __init__(self, home: Path, notebooks: Path = ROOT / "notebooks"):
        self.home = home
        self.root = home / "root"
        self.token = secrets.token_hex(16)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = home / "jupyterlab.log"
        self.root.mkdir(parents=True)
        shutil.copytree(notebooks, self.root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        if (ROOT / "figures").is_dir():
            shutil.copytree(ROOT / "figures", self.root / "figures")
        self.env = jupyter_env(home)
        settings = Path(self.env["JUPYTERLAB_SETTINGS_DIR"])
        for plugin, values in SETTINGS.items():
            package, name = plugin.split(":")
            path = settings / package / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        for attempt in range(3):  # the free port can be taken between probe and bind
            self.port = free_port()
            argv = [
                sys.executable, "-m", "jupyter", "lab", "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                "--LabApp.expose_app_in_browser=True",
            ]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                argv.append("--allow-root")
            with open(self.log_path, "ab") as log:  # the server keeps its own copy of the handle
                self.proc = subprocess.Popen(argv, cwd=self.root, env=self.env, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_http(f"{self.base}/api/status?token={self.token}", timeout, self.proc)
                return
            except RuntimeError:
                self.stop()
                if attempt == 2:
                    raise RuntimeError(f"JupyterLab did not start; its log:\n{self.log_tail()}") from None
            except TimeoutError as e:
                self.stop()
                raise RuntimeError(f"{e}; JupyterLab's log:\n{self.log_tail()}") from None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def api(self, method: str, path: str) -> object:
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every session, so the next notebook gets the machine to itself."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@dataclass
class Report:
    """What one notebook run showed."""

    notebook: str
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    explorers: list[str] = field(default_factory=list)
    windowing: str | None = None  # the notebook's windowingMode as the page applied it
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step: where the time went

    def lap(self, phase: str, since: float) -> float:
        """Record the seconds from ``since`` as ``phase``; return now."""
        now = time.monotonic()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - since
        return now


# -- the page ---------------------------------------------------------------

# JavaScript run in the page. `window.jupyterapp` is there because the server
# runs with --LabApp.expose_app_in_browser.
_PANEL = """(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.sessionContext) return w;
  }
  return null;
}"""

JS_KERNEL_STATUS = f"""(path) => {{
  const w = ({_PANEL})(path);
  const k = w && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : null;
}}"""

# What the notebook shows now: which code cells still wait to run, which run,
# and every error output (cells tagged raises-exception are allowed one).
JS_STATE = f"""(path) => {{
  const w = ({_PANEL})(path);
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const state = {{kernel: k ? k.status : null, running: 0, pending: 0, code: 0, errors: [], broken: [],
                 unrendered: []}};
  w.content.widgets.forEach((cell, i) => {{
    const m = cell.model;
    if (m.type !== 'code') return;
    const source = m.sharedModel.getSource();
    const first = source.split('\\n')[0].slice(0, 60);
    if (source.trim()) state.code += 1;
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    if (prompt && prompt.textContent.includes('*')) state.running += 1;
    else if (source.trim() && m.executionCount === null) state.pending += 1;
    const tags = m.getMetadata('tags') || [];
    let widgets = 0;
    for (let j = 0; j < m.outputs.length; j++) {{
      const out = m.outputs.get(j).toJSON();
      if (out.output_type === 'error' && !tags.includes('raises-exception'))
        state.errors.push(`cell ${{i + 1}} (${{first}}): ${{out.ename}}: ${{out.evalue}}`);
      const view = out.data && out.data['application/vnd.jupyter.widget-view+json'];
      if (view && view.model_id) widgets += 1;
    }}
    const rendered = cell.node.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length;
    if (rendered < widgets)
      state.unrendered.push(`cell ${{i + 1}} (${{first}}): ${{widgets}} widgets displayed, ${{rendered}} rendered`);
    for (const node of cell.node.querySelectorAll('.jp-OutputArea-output')) {{
      const text = node.textContent || '';
      if (text.startsWith('Error displaying widget') || text.startsWith('Error rendering'))
        state.broken.push(`cell ${{i + 1}} (${{first}}): ${{text.slice(0, 200)}}`);
    }}
  }});
  return state;
}}"""

JS_FIGURE = """(panel) => {
  const child = panel.closest('.jp-OutputArea-child');
  const next = child && child.nextElementSibling;
  const img = next && next.querySelector('img');
  return img ? img.getAttribute('src') : null;
}"""


class NotebookFailure(AssertionError):
    pass


def kernel_message(frame: bytes | str) -> tuple[str, dict, dict, bytes | str] | None:
    """(channel, header, parent_header, raw content) of a kernel websocket frame, or None.

    JupyterLab speaks the binary protocol v1.kernel.websocket.jupyter.org (a
    count, offsets, then channel, header, parent header, metadata, content),
    or plain JSON messages.
    """
    try:
        if isinstance(frame, str):
            msg = json.loads(frame)
            return msg["channel"], msg["header"], msg.get("parent_header") or {}, json.dumps(msg.get("content"))
        n = int.from_bytes(frame[:8], "little")
        offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(n)] + [len(frame)]
        parts = [frame[offsets[i]:offsets[i + 1]] for i in range(n)]
        return parts[0].decode(), json.loads(parts[1]), json.loads(parts[2] or b"{}"), parts[4]
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        return None


class Watcher:
    """Collects console errors and follows the kernel messages of the page.

    Playwright calls these handlers inside its own event loop: they must not raise.
    """

    def __init__(self, page):
        self.console: list[str] = []
        self.last_frame = time.monotonic()
        self.pending: dict[str, str] = {}  # msg_id -> msg_type of requests without a reply yet
        self.replies: dict[str, int] = {}  # msg_type -> how many replies arrived
        self.debugger = False  # the kernel said it supports the debugger (JupyterLab then asks it)
        self.callback_errors: list[str] = []  # exceptions raised while handling a widget message
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.console.append(f"uncaught: {err}"))
        page.on("websocket", self._on_websocket)

    def _on_console(self, msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc.get("url") else ""
            self.console.append(f"{msg.text}{where}")

    def _on_websocket(self, ws) -> None:
        if "/api/kernels/" not in ws.url:
            return
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, frame) -> None:
        self.last_frame = time.monotonic()
        msg = kernel_message(frame)
        if msg and msg[1].get("msg_type", "").endswith("_request"):
            self.pending[msg[1].get("msg_id", "")] = msg[1]["msg_type"]

    def _received(self, frame) -> None:
        self.last_frame = time.monotonic()
        msg = kernel_message(frame)
        if msg and msg[1].get("msg_type") == "error" and msg[2].get("msg_type") == "comm_msg":
            # A widget callback raised: JupyterLab puts it in its log console only.
            try:
                content = json.loads(msg[3] or "{}")
                self.callback_errors.append(f"{content.get('ename')}: {content.get('evalue')}")
            except (ValueError, AttributeError):
                self.callback_errors.append("an exception (unreadable)")
        if not msg or not msg[1].get("msg_type", "").endswith("_reply"):
            return
        kind = msg[1]["msg_type"]
        self.pending.pop(msg[2].get("msg_id", ""), None)
        self.replies[kind] = self.replies.get(kind, 0) + 1
        if kind == "kernel_info_reply":
            try:
                self.debugger = bool(json.loads(msg[3] or "{}").get("debugger"))
            except (ValueError, AttributeError):
                pass

    def wait_settled(self, page, before: dict[str, int], timeout: float = 20.0, quiet: float = 1.0) -> None:
        """Wait until the frontend has finished talking to a newly started kernel.

        The kernel reports idle before JupyterLab is done with it: the widget
        manager asks for its widgets (comm_info) and then restores the widget
        state stored in the notebook, the debugger asks for its state
        (debug_request). A restart in the middle of either makes JupyterLab log
        an error. So: both answered (``before`` holds the reply counts from
        before the kernel started), no request open, and ``quiet`` seconds
        without a message.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answered = all(self.replies.get(kind, 0) > before.get(kind, 0)
                           for kind in ("comm_info_reply", *(["debug_reply"] if self.debugger else [])))
            if answered and not self.pending and time.monotonic() - self.last_frame >= quiet:
                return
            page.wait_for_timeout(100)


def open_lab(page, server: LabServer) -> Watcher:
    """Load JupyterLab in ``page`` and return the watcher of its console."""
    watcher = Watcher(page)
    page.goto(f"{server.base}/lab?token={server.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined"
                           " && document.querySelector('#jp-main-dock-panel')", timeout=60_000)
    page.evaluate("() => window.jupyterapp.restored")
    return watcher


def _no_dialog(page) -> bool:
    """True when no dialog is open; a dialog (e.g. "Select Kernel") means the notebook cannot run."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        text = " ".join(dialog.first.inner_text().split())
        raise NotebookFailure(f"JupyterLab shows a dialog: {text[:300]}")
    return True


def _wait(condition, timeout: float, what: str, page) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise NotebookFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        page.wait_for_timeout(150)


def run_notebook(page, watcher: Watcher, server: LabServer, path: str, *,
                 run_timeout: float = 90.0, explorer_timeout: float = 10.0, render_timeout: float = 10.0,
                 screenshot: Path | None = None) -> Report:
    """Open ``path`` (relative to the server root), Restart & Run All, check, move explorers.

    Returns a :class:`Report`; raises :class:`NotebookFailure` only when the
    notebook cannot be driven at all (it never opens, never finishes).
    """
    report = Report(notebook=path)
    start = time.monotonic()
    first_console = len(watcher.console)
    replies = dict(watcher.replies)
    page.evaluate("(path) => window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'})"
                  ".then(() => null)", path)
    _wait(lambda: _no_dialog(page) and page.evaluate(JS_KERNEL_STATUS, path) == "idle", 60,
          "the kernel to start", page)
    lap = report.lap("open", start)
    watcher.wait_settled(page, replies)
    lap = report.lap("settle", lap)

    # Clear the stored outputs first, so that every execution count seen later
    # comes from this run; then the learner's button: Restart & Run All.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs').then(() => null)")
    cleared = page.evaluate(JS_STATE, path)
    if cleared["running"] or cleared["errors"] or (cleared["code"] and not cleared["pending"]):
        raise NotebookFailure(f"clearing the outputs did not reset the cells: {cleared}")
    page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) [data-command="notebook:restart-run-all"]').click()
    page.locator(".jp-Dialog .jp-mod-accept").click()

    state: dict = {}
    earlier = set(watcher.pending)  # requests of an earlier kernel that will never be answered

    def finished() -> bool:
        # Done when the page shows no cell running or waiting and the kernel has answered
        # every execute request this run sent (no fixed pause: the replies say it).
        nonlocal state
        state = page.evaluate(JS_STATE, path)
        unanswered = [m for m, kind in list(watcher.pending.items()) if kind == "execute_request" and m not in earlier]
        return _no_dialog(page) and (state["kernel"] == "idle" and state["running"] == 0 and not unanswered
                                     and (state["pending"] == 0 or bool(state["errors"])))

    try:
        _wait(finished, run_timeout, "Restart & Run All to finish", page)
    except NotebookFailure as e:
        raise NotebookFailure(f"{e}; last seen: kernel {state.get('kernel')}, {state.get('running')} cells running,"
                              f" {state.get('pending')} not run, errors {state.get('errors')}") from None
    lap = report.lap("run all", lap)
    report.errors += state["errors"] + state["broken"]
    if state["pending"] and not state["errors"]:
        report.errors.append(f"{state['pending']} code cells never ran")
    # Widget views render asynchronously: give them a moment, then every widget
    # output must have become a widget in the page.
    deadline = time.monotonic() + render_timeout
    while state["unrendered"] and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        state = page.evaluate(JS_STATE, path)
    report.errors += state["unrendered"]
    lap = report.lap("widgets", lap)

    # Every explorer: move its controls; the readout and the figure must change.
    panels = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .unrolled-explorer")
    for i in range(panels.count()):
        report.explorers.append(move_explorer(page, watcher, panels.nth(i), i, explorer_timeout))
    lap = report.lap("explorers", lap)

    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        if panels.count():
            panels.first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot))
    report.windowing = page.evaluate(f"(path) => ({_PANEL})(path).content.notebookConfig.windowingMode", path)
    report.console = watcher.console[first_console:]
    report.lap("screenshot", lap)
    report.seconds = time.monotonic() - start
    return report


def move_explorer(page, watcher: Watcher, panel, index: int, timeout: float) -> str:
    """Move the controls of ``panel``; return "ok: ..." or a description of what failed.

    The first control that can be moved must change both the readout and the
    figure; every further one must change at least one of them (a control that
    changes nothing is broken), and no callback may raise. Controls a key or a
    click cannot move (text, tags) are left alone.
    """
    panel.scroll_into_view_if_needed()
    title = panel.locator(".widget-html-content").first.inner_text().strip()[:60]
    name = f"explorer {index + 1} ({title})"
    readout = panel.locator(".unrolled-readout")
    if readout.count() != 1:
        return f"{name}: expected one .unrolled-readout, found {readout.count()}"
    if not panel.evaluate(JS_FIGURE):
        return f"{name}: no figure (an image output right after the controls)"
    controls = panel.locator(CONTROLS)
    moved: list[str] = []
    slowest = 0  # the longest update the readout reported, in ms
    for i in range(controls.count()):
        before_text, before_png = readout.inner_text(), panel.evaluate(JS_FIGURE)
        raised = len(watcher.callback_errors)
        how = _move_control(page, controls.nth(i))
        if how is None:
            continue
        both = not moved  # the first control moved must change both
        deadline = time.monotonic() + timeout
        while True:
            if len(watcher.callback_errors) > raised:
                return f"{name}: after {how}, the callback raised {watcher.callback_errors[raised]}"
            text, png = readout.inner_text(), panel.evaluate(JS_FIGURE)
            changed = [text != before_text, bool(png) and png != before_png]
            if all(changed) or (any(changed) and not both):
                break
            if time.monotonic() > deadline:
                if both:
                    missing = [what for what, ok in zip(("the readout", "the figure"), changed) if not ok]
                    return f"{name}: after {how}, {' and '.join(missing)} did not change within {timeout:.0f} s"
                return (f"{name}: after {how} (control {i + 1}), neither the readout nor the figure changed"
                        f" within {timeout:.0f} s")
            page.wait_for_timeout(100)
        moved.append(how)
        match = re.search(r"updated in (\d+) ms", text)
        if match:
            slowest = max(slowest, int(match.group(1)))
    if not moved:
        return f"{name}: no control that can be moved (slider, dropdown, toggle buttons, checkbox)"
    more = f"; {len(moved) - 1} more controls moved" if len(moved) > 1 else ""
    return f"ok: {name}: {moved[0]}{more}; slowest update {slowest} ms"


CONTROLS = ", ".join(f":scope > .widget-{kind}" for kind in ("slider", "dropdown", "toggle-buttons", "checkbox"))


def _move_control(page, control) -> str | None:
    """Move one control as a learner would and say what was done; None if it cannot be moved."""
    kind = control.get_attribute("class") or ""
    if "widget-slider" in kind:
        if control.locator(".noUi-target[disabled]").count():
            return None
        h = control.locator(".noUi-handle").first
        try:
            at_top = float(h.get_attribute("aria-valuenow")) >= float(h.get_attribute("aria-valuemax"))
        except (TypeError, ValueError):
            at_top = False
        key = "ArrowLeft" if at_top else "ArrowRight"
        h.focus()
        page.keyboard.press(key)
        return f"pressing {key} on a slider"
    if "widget-dropdown" in kind:
        select = control.locator("select")
        if select.is_disabled():
            return None
        current = select.input_value()
        for value in select.locator("option").evaluate_all("(os) => os.map(o => o.value)"):
            if value != current:
                select.select_option(value=value)
                return f"choosing {value!r} in a dropdown"
        return None
    if "widget-toggle-buttons" in kind:
        buttons = control.locator("button:not(.mod-active):not([disabled])")
        if not buttons.count():
            return None
        label = buttons.first.inner_text()
        buttons.first.click()
        return f"clicking the toggle button {label!r}"
    box = control.locator("input:not([disabled])")
    if not box.count():
        return None
    box.first.click()
    return "clicking a checkbox"


def close_notebook(page, server: LabServer, path: str) -> None:
    """Close the notebook without saving and shut its kernel down."""
    page.evaluate(f"(path) => {{ const w = ({_PANEL})(path); if (w) w.dispose(); }}", path)
    server.shutdown_kernels()
