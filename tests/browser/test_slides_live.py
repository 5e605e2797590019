"""Every notebook as a live slideshow in JupyterLab (jupyterlab-rise), stepped through to the end.

The test JupyterLab (tests/browser/conftest.py) serves jupyterlab-rise's slideshow
page, ``/rise/<notebook>``: the page an instructor gets from View > Render as
Reveal Slideshow (Alt-R). For each notebook: the slideshow opens; it has as many slides as
the tags give (tools/slides.py); the space bar steps through every slide to the
last; each slide, when shown, fits a 1280x720 screen; no request leaves the
machine; no console error except the known ones below. A few screenshots per deck
go to build/browser/slides/live/. No cell is executed.

Known errors: jupyterlab-rise 0.43.1 is the newest release, and its slideshow page
is built on JupyterLab 4.3 packages. Inside JupyterLab 4.6 that page cannot load
the ipywidgets manager (an explorer's controls are not drawn in live slides; the
stored figure is) and its toolbar components overflow the stack once per cell.
The slides themselves work. RISE also asks for optional per-notebook
stylesheets (``rise.css``, ``<notebook>.css``), and the browser logs their 404 as
an error. These messages, and only these, are counted and printed instead of
failing; any other console error fails.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.browser import harness

ROOT = harness.ROOT
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHOTS = ROOT / "build" / "browser" / "slides" / "live"
SCREEN = {"width": 1280, "height": 720}
KNOWN = (
    # RISE looks for optional stylesheets next to the notebook (rise.css, <notebook>.css); the course has none.
    re.compile(r"^Refused to apply style from 'http://127\.0\.0\.1:\d+/files/notebooks/[\w.-]+\.css' because its MIME"),
    re.compile(r"^Error: Shared module @jupyterlab/console doesn't exist in shared scope default"),
    re.compile(r"^RangeError: Maximum call stack size exceeded$"),
)
# The course's settings for the slideshow (tools/jupyter-config sets the theme for make lab);
# no transition, so a step is shown at once.
RISE_SETTINGS = {"theme": "white", "transition": "none"}

spec = importlib.util.spec_from_file_location("slides_tool", ROOT / "tools" / "slides.py")
slides_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(slides_tool)

_known_seen: dict[str, int] = {}

# The slide shown now (the innermost section marked present), its size, and the deck's leaves.
JS_NOW = """() => {
  const present = Array.from(document.querySelectorAll('.reveal .slides section.present'))
    .filter(s => !s.querySelector('section.present'));
  const leaves = Array.from(document.querySelectorAll('.reveal .slides section'))
    .filter(s => !s.querySelector('section'));
  const s = present[0];
  return {index: s ? leaves.indexOf(s) : -1, total: leaves.length,
          height: s ? s.scrollHeight : null, hash: location.hash};
}"""


@pytest.fixture(scope="module")
def rise(lab_server):
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)  # this run's screenshots only
    settings = Path(lab_server.env["JUPYTERLAB_SETTINGS_DIR"]) / "jupyterlab-rise" / "plugin.jupyterlab-settings"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps(RISE_SETTINGS))
    with sync_playwright() as p:
        browser, context = harness.offline_context(p, SCREEN, (lab_server.base, "data:", "blob:"))
        yield lab_server, context
        browser.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_live_slideshow(rise, notebook):
    server, context = rise
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    _, expected = slides_tool.deck_sizes(nb)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    blocked = len(context.blocked)
    try:
        start = time.monotonic()
        page.goto(f"{server.base}/rise/notebooks/{notebook.name}?token={server.token}")
        page.wait_for_function("() => document.querySelector('.reveal .slides section.present')", timeout=60_000)
        # RISE moves the cells into the slides once the notebook is rendered; wait until the deck is complete.
        page.wait_for_function(f"() => ({JS_NOW})().total === {expected}", timeout=30_000)
        opened = time.monotonic() - start
        seen, tall = [], []
        now = page.evaluate(JS_NOW)
        shots = {0, expected // 2, expected - 1}
        for _ in range(3 * expected + 5):
            if not seen or seen[-1] != now["index"]:
                seen.append(now["index"])
                if now["height"] > SCREEN["height"]:
                    tall.append(f"slide {now['index'] + 1} ({now['hash']}): {now['height']} px")
                if now["index"] in shots:
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SHOTS / f"{notebook.stem}-{now['index'] + 1}.png"))
            if now["index"] == expected - 1:
                break
            page.keyboard.press("Space")
            page.wait_for_function(f"(i) => ({JS_NOW})().index !== i", arg=now["index"], timeout=5_000)
            now = page.evaluate(JS_NOW)
        assert seen == list(range(expected)), f"stepped through {seen}, expected slides 1..{expected}"
        assert not tall, f"slides taller than the screen: {tall}"
        print(f"\n{notebook.stem}: {expected} slides, opened in {opened:.1f} s, "
              f"all in {time.monotonic() - start:.1f} s; known errors: "
              + ", ".join(f"{sum(bool(k.search(e)) for e in errors)} x {k.pattern[:40]}" for k in KNOWN))
    finally:
        page.close()
        server.shutdown_kernels()
    assert len(context.blocked) == blocked, f"requests that would leave the machine: {context.blocked[blocked:]}"
    unknown = []
    for e in errors:
        known = next((k.pattern for k in KNOWN if k.search(e)), None)
        if known:
            _known_seen[known] = _known_seen.get(known, 0) + 1
        else:
            unknown.append(e[:300])
    assert not unknown, f"console errors: {unknown}"
