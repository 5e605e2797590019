"""`make html` in Chromium, offline: the static site (tools/site.py) built once, every page opened.

Part of ``make test-exports`` (not ``make test-browser``). Every request that is
not for a file on disk is aborted and counted, so a page that reaches for a CDN
fails here as it would in a classroom without a network. The site is built into
a temporary folder and then moved, so its addresses must be relative.

On every page: no request blocked, no local file missing, no console error;
the equations typeset by MathJax and no raw ``$`` left in the rendered prose
(code may hold a ``$``); every image loaded; every stored widget drawn, an
explorer with its readout and the figure stored under it; no solution or answer
cell and no "correct" verdict; the links resolve, and previous / course map /
next lead through the notebooks in order. Screenshots go to build/browser/site/.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.browser import harness
from tests.browser.conftest import REQUIRE, missing_browser

ROOT = harness.ROOT
NOTEBOOKS = ROOT / "notebooks"
SCREENSHOTS = ROOT / "build" / "browser" / "site"

NOTEBOOK_FILES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
PAGES = ["index.html"] + [f"notebooks/{name[:-len('.ipynb')]}.html" for name in NOTEBOOK_FILES]

# MathJax has started (its start-up typesets the page) and nothing is left in its queue
# (the template queues one more typeset). Polled: a promise on its hooks may never settle.
MATHJAX_DONE = """() => !!window.MathJax && MathJax.isReady === true && !!MathJax.Hub
  && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running"""

# Every stored widget view has been drawn by the widget manager (it adds a .widget-subarea).
WIDGETS_DRAWN = """() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  return [...views].every(s => s.parentElement.querySelector('.widget-subarea > *'));
}"""

INSPECT = """() => {
  const text = el => { const c = el.cloneNode(true);
    c.querySelectorAll('code, pre, script, .MJX_Assistive_MathML').forEach(x => x.remove()); return c.textContent; };
  const raw = [];
  for (const el of document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedHTMLCommon')) {
    const t = text(el); const i = t.indexOf('$');
    if (i >= 0) raw.push(t.slice(Math.max(0, i - 50), i + 50));
  }
  return {
    math: document.querySelectorAll('.MathJax_CHTML, mjx-container').length,
    mathErrors: document.querySelectorAll('.MathJax_Error, merror, .mjx-merror').length,
    raw,
    images: [...document.images].map(i => ({src: i.getAttribute('src').slice(0, 80),
                                            ok: i.complete && i.naturalWidth > 0})),
    views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
    panels: [...document.querySelectorAll('.unrolled-static-widget')].map(p => ({
      explorer: !!p.querySelector('.unrolled-explorer'),
      readout: (p.querySelector('.unrolled-readout') || {textContent: ''}).textContent.trim(),
      figure: (() => { const o = p.closest('.jp-OutputArea-child'); const n = o && o.nextElementSibling;
                       const img = n && n.querySelector('img'); return !!img && img.naturalWidth > 0; })(),
    })),
    tagged: [...document.querySelectorAll('.celltag_solution, .celltag_answer')].length,
    inputs: [...document.querySelectorAll('.jp-InputArea-editor')].map(e => e.textContent.trim().split('\\n')[0]),
    outputs: [...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.textContent).join('\\n'),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    nav: [...document.querySelectorAll('nav.unrolled-nav')].map(n => ({
      prev: (n.querySelector('a.unrolled-prev') || {}).href || null,
      home: (n.querySelector('a.unrolled-home') || {}).href || null,
      next: (n.querySelector('a.unrolled-next') || {}).href || null})),
  };
}"""


def site_tool():
    """tools/site.py as a module (for its :func:`external_urls`)."""
    spec = importlib.util.spec_from_file_location("site_tool", ROOT / "tools" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stored_explorers(name: str) -> int:
    """How many explorer panels the notebook stored (a widget view whose text fallback says so)."""
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return sum("the figure below is the one stored" in "".join(o.get("data", {}).get("text/plain", ""))
               for c in nb["cells"] if not {"solution", "answer"} & set(c["metadata"].get("tags", []))
               for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    reason = missing_browser()
    if reason:
        (pytest.fail if REQUIRE else pytest.skip)(f"the site's browser test needs Chromium and playwright: {reason}")
    tmp = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "site.py"), str(NOTEBOOKS), str(tmp / "built")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"tools/site.py failed (is build/vendor there? python tools/vendor.py):\n" \
                                 f"{done.stdout}\n{done.stderr}"
    moved = tmp / "elsewhere" / "course-site"
    moved.parent.mkdir()
    (tmp / "built").rename(moved)  # relative addresses only: the site works wherever it lies
    return moved


@pytest.fixture(scope="module")
def browser_page(built_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, context = harness.offline_context(p, {"width": 1280, "height": 900}, ("file://",))
        log = {"blocked": context.blocked, "failed": [], "errors": []}
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.on("requestfailed", lambda r: log["failed"].append(f"{r.url}: {r.failure}"))
        page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        yield page, log
        browser.close()


def open_page(page, log, site: Path, rel: str) -> dict:
    for key in log:
        log[key].clear()
    page.goto((site / rel).as_uri(), wait_until="load")
    page.wait_for_function(MATHJAX_DONE)
    page.wait_for_function(WIDGETS_DRAWN)
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    info = page.evaluate(INSPECT)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / (Path(rel).stem + ".png")))
    explorer = page.locator(".unrolled-static-widget")
    if explorer.count():  # the first explorer with the figure stored under it: its cell's output area
        area = explorer.first.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' jp-OutputArea ')][1]")
        area.screenshot(path=str(SCREENSHOTS / (Path(rel).stem + "_explorer.png")))
    return info


def local_file(page_file: Path, href: str) -> Path | None:
    """The file a relative link on ``page_file`` leads to (None for an address elsewhere or an anchor)."""
    parsed = urlparse(href)
    if parsed.scheme or href.startswith("#"):
        return None
    return (page_file.parent / unquote(parsed.path)).resolve()


def check_common(site: Path, rel: str, info: dict, log: dict) -> None:
    assert log["blocked"] == [], f"{rel}: requests that would leave the machine: {log['blocked']}"
    assert log["failed"] == [], f"{rel}: local files that did not load: {log['failed']}"
    assert log["errors"] == [], f"{rel}: console errors: {log['errors']}"
    assert info["raw"] == [], f"{rel}: raw $ left in the rendered text: {info['raw'][:5]}"
    assert info["mathErrors"] == 0, f"{rel}: MathJax could not typeset {info['mathErrors']} formulas"
    assert all(i["ok"] for i in info["images"]), f"{rel}: images that did not load: " \
        f"{[i['src'] for i in info['images'] if not i['ok']]}"
    for href in info["links"]:
        target = local_file(site / rel, href)
        if target is not None:
            assert target.is_file(), f"{rel}: the link {href} leads nowhere"
            assert site.resolve() in target.parents, f"{rel}: the link {href} leaves the site"


def test_the_site_builds_without_naming_a_web_address(built_site):
    pages = [built_site / p for p in PAGES] + [built_site / "_static" / "site.css"]
    for path in pages:
        urls = site_tool().external_urls(path.read_text(encoding="utf-8"))
        assert urls == [], f"{path.relative_to(built_site)} names {urls}"


def test_index_links_every_notebook(built_site, browser_page):
    page, log = browser_page
    info = open_page(page, log, built_site, "index.html")
    check_common(built_site, "index.html", info, log)
    for rel in PAGES[1:]:
        assert rel in info["links"], f"the course map does not link {rel}"


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_notebook_page(built_site, browser_page, name):
    page, log = browser_page
    index = NOTEBOOK_FILES.index(name)
    rel = PAGES[index + 1]
    info = open_page(page, log, built_site, rel)
    check_common(built_site, rel, info, log)

    assert info["math"] > 0, f"{rel}: no formula typeset by MathJax"
    assert info["images"], f"{rel}: no figure at all"

    # solutions: neither the cells nor what they printed
    assert info["tagged"] == 0
    assert not [line for line in info["inputs"] if line.startswith("# Solution")]
    assert not re.search(r"^\[[^\]]+\] correct", info["outputs"], flags=re.M), f"{rel}: a 'correct' verdict shows"

    # stored widgets: every view drawn; every explorer with its readout and its stored figure under it
    panels = info["panels"]
    assert len(panels) == stored_explorers(name), f"{rel}: explorers drawn {len(panels)}"
    assert info["views"] >= len(panels)
    for panel in panels:
        assert panel["explorer"] and panel["readout"], f"{rel}: an explorer without its readout: {panel}"
        assert panel["figure"], f"{rel}: an explorer without its stored figure"

    # previous / course map / next, at the top and the bottom
    assert len(info["nav"]) == 2
    expected = {
        "prev": (built_site / PAGES[index]).as_uri() if index > 0 else None,
        "home": (built_site / "index.html").as_uri(),
        "next": (built_site / PAGES[index + 2]).as_uri() if index + 2 < len(PAGES) else None,
    }
    for nav in info["nav"]:
        assert nav == expected, f"{rel}: navigation {nav}, expected {expected}"


def test_next_link_is_followed(built_site, browser_page):
    """One click on "next" from the first notebook opens the second."""
    page, log = browser_page
    page.goto((built_site / PAGES[1]).as_uri(), wait_until="load")
    page.locator("nav.unrolled-nav-top a.unrolled-next").click()
    page.wait_for_load_state("load")
    assert page.url == (built_site / PAGES[2]).as_uri()
    assert log["blocked"] == []

