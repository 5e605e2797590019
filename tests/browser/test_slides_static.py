"""The static decks of `make slides`, opened from disk with every non-local request blocked.

One build per session (``tools/slides.py --export build/slides``, as ``make slides``);
then, for each deck: reveal.js is loaded and answers as ``Reveal``; the deck has as
many slides as the notebook's tags give; the right arrow moves to the next slide;
stepping through every slide to the end, each one fits a 1280x720 screen and shows
its equations (none blank); every equation is typeset by MathJax (none left as raw
``$...$``); every image has loaded; no solution is on a slide; no console error and no request left the machine
or failed. Screenshots of the first, a middle and the last slide go to
build/browser/slides/static/.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time

import pytest

from tests.browser import harness
from tests.browser.conftest import missing_browser

ROOT = harness.ROOT
OUT = ROOT / "build" / "slides"
SHOTS = ROOT / "build" / "browser" / "slides" / "static"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCREEN = {"width": 1280, "height": 720}

spec = importlib.util.spec_from_file_location("slides_tool", ROOT / "tools" / "slides.py")
slides_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(slides_tool)

# Every slide of the deck, visited with Reveal's own "next" (the space bar: slides,
# subslides and fragments in order), measured when shown and typeset again.
JS_WALK = """async () => {
  const settled = () => new Promise(resolve => MathJax.Hub.Queue(resolve));  // after any re-typesetting
  const out = [];
  Reveal.slide(0, 0, -1);
  for (let guard = 0; guard < 2000; guard++) {
    await settled();
    const s = Reveal.getCurrentSlide();
    const i = Reveal.getIndices();
    const last = out[out.length - 1];
    if (!last || last.h !== i.h || last.v !== i.v)
      out.push({h: i.h, v: i.v, height: s.scrollHeight, width: s.scrollWidth,
                blank: Array.from(s.querySelectorAll('.MathJax_CHTML'))
                  .filter(m => !m.offsetWidth && !m.closest('aside.notes')).length});
    if (Reveal.isLastSlide() && !Reveal.availableFragments().next) break;
    Reveal.next();
  }
  return {slides: out, total: Reveal.getTotalSlides(), last: Reveal.isLastSlide()};
}"""

# Equations: MathJax has finished, produced output, and left no raw TeX in prose.
JS_MATH = """() => {
  const hub = MathJax.Hub;
  const raw = [];
  for (const el of document.querySelectorAll('.jp-RenderedMarkdown')) {
    const clone = el.cloneNode(true);
    clone.querySelectorAll('script, .MathJax_Preview, .MathJax_CHTML, .mjx-chtml, code, pre').forEach(n => n.remove());
    const m = clone.textContent.match(/\\$[^$\\s][^$]*\\$/);
    if (m) raw.push(m[0].slice(0, 60));
  }
  return {jax: hub.getAllJax().length, rendered: document.querySelectorAll('.MathJax_CHTML').length,
          errors: document.querySelectorAll('.MathJax_Error, merror').length, raw};
}"""

JS_IMAGES = """() => Array.from(document.querySelectorAll('.slides img')).map(
  img => ({src: img.src.slice(0, 60), ok: img.complete && img.naturalWidth > 0}))"""


@pytest.fixture(scope="module")
def decks():
    reason = missing_browser()
    if reason:
        pytest.skip(f"browser tests need Chromium and playwright: {reason}")
    check = subprocess.run([sys.executable, str(ROOT / "tools" / "vendor.py"), "--check"], capture_output=True)
    if check.returncode:
        pytest.fail("build/vendor is incomplete: run python tools/vendor.py (make slides does)")
    shutil.rmtree(SHOTS, ignore_errors=True)  # this run's screenshots only
    start = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "tools" / "slides.py"), "--export", str(OUT)], check=True,
                   capture_output=True)
    print(f"\nmake slides: {time.monotonic() - start:.1f} s")
    return OUT


@pytest.fixture(scope="module")
def page(decks):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, context = harness.offline_context(p, SCREEN, ("file://", "data:"))
        page = context.new_page()
        page.errors, page.failed = [], []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: page.failed.append(f"{r.url[:120]}: {r.failure}"))
        yield page
        browser.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_static_deck(page, notebook):
    deck = OUT / f"{notebook.stem}.slides.html"
    assert deck.is_file(), f"make slides wrote no {deck.name}"
    html = deck.read_text(encoding="utf-8")
    assert "# Solution" not in html, "a solution cell is in the deck"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    _, expected = slides_tool.deck_sizes(nb)

    blocked = len(page.context.blocked)
    page.errors.clear()
    page.failed.clear()
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady && Reveal.isReady()", timeout=30_000)
    # MathJax has started (isReady) and typeset everything it was given.
    page.wait_for_function("() => window.MathJax && MathJax.isReady && MathJax.Hub.queue.pending === 0"
                           " && !MathJax.Hub.queue.running", timeout=60_000)

    # Counted before the walk: each slide change queues a re-typesetting of that slide.
    math = page.evaluate(JS_MATH)

    # The keyboard: the right arrow goes to the next horizontal slide.
    page.evaluate("() => Reveal.slide(0, 0)")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => Reveal.getIndices().h === 1", timeout=5_000)

    walk = page.evaluate(JS_WALK)
    assert walk["total"] == expected, f"{walk['total']} slides in the deck, the tags give {expected}"
    assert len(walk["slides"]) == expected and walk["last"], f"stepped through {len(walk['slides'])} of {expected}"
    tall = [f"slide {s['h']}.{s['v']}: {s['height']} px" for s in walk["slides"] if s["height"] > SCREEN["height"]]
    wide = [f"slide {s['h']}.{s['v']}: {s['width']} px" for s in walk["slides"] if s["width"] > SCREEN["width"]]
    assert not tall, f"slides taller than the screen: {tall}"
    assert not wide, f"slides wider than the screen: {wide}"
    blank = [f"slide {s['h']}.{s['v']}: {s['blank']}" for s in walk["slides"] if s["blank"]]
    assert not blank, f"equations shown blank (zero width): {blank}"

    if "$" in "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"):
        assert math["rendered"] > 0, "no equation typeset"
    assert not math["raw"], f"raw TeX left: {math['raw'][:5]}"
    assert not math["errors"], f"{math['errors']} MathJax errors"
    images = page.evaluate(JS_IMAGES)
    assert all(i["ok"] for i in images), f"images not loaded: {[i['src'] for i in images if not i['ok']]}"

    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, (h, v) in {"first": (0, 0), "middle": (walk["slides"][len(walk["slides"]) // 2]["h"],
                                                      walk["slides"][len(walk["slides"]) // 2]["v"]),
                         "last": (walk["slides"][-1]["h"], walk["slides"][-1]["v"])}.items():
        page.evaluate(f"() => Reveal.slide({h}, {v})")
        page.evaluate("() => new Promise(resolve => MathJax.Hub.Queue(resolve))")  # re-typeset first
        page.screenshot(path=str(SHOTS / f"{notebook.stem}-{name}.png"))

    assert len(page.context.blocked) == blocked, f"requests that would leave the machine: {page.context.blocked}"
    assert not page.failed, f"requests that failed: {page.failed}"
    assert not page.errors, f"console errors: {page.errors}"
