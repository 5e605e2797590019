"""The course as a static web site, readable without a kernel and without a network (`make html`).

    python tools/site.py notebooks build/html

writes::

    build/html/index.html             the course map (unrolled.course), a link to every notebook
    build/html/notebooks/NN_*.html    every notebook with its stored outputs and widget state
    build/html/figures/*.png          the figures the notebooks' markdown shows (../figures/NAME.png)
    build/html/_static/               MathJax, require.js, the widget manager, site.css

Every address in the pages is relative, so the folder can be moved, zipped or
served from anywhere, and opened straight from disk. Nothing is loaded from the
network: MathJax (2.7, CommonHTML output), require.js and the ipywidgets HTML
manager are copied from build/vendor (``tools/vendor.py`` fetches them once),
and the template (``tools/site_template``, nbconvert's ``lab`` template
extended) drops the mermaid loader, the only other CDN address in it. After
writing, the build refuses to finish if a page it wrote names an http(s)
address anywhere but in a link of the prose (:func:`external_urls`).

What a page holds:

* the notebook as it was executed and committed: every stored output, and the
  stored widget state, which the widget manager draws (an explorer shows its
  controls, its readout and, under them, the figure stored when it ran; a note
  says that the controls need a kernel to change it);
* no exercise solutions: cells tagged ``solution`` or ``answer`` are dropped,
  by the same rule as ``make student`` (``tools/student.py``). A reader of the
  site has no kernel to try an exercise with, so a solution one click away
  would be read before the exercise is tried; the exercise, its checker's
  stored "not attempted" and the diagnosis examples stay, and the solutions
  remain in the notebooks themselves;
* links to other notebooks (``NN_*.ipynb``) rewritten to their pages, and
  previous / course map / next at the top and the bottom.
"""
from __future__ import annotations

import argparse
import functools
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import student  # noqa: E402  (tools/student.py: the rule for which cells are solutions)

TEMPLATE = HERE / "site_template"
VENDOR = ROOT / "build" / "vendor"
STATIC = "_static"
PAGES = "notebooks"
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"

#: What the pages load from build/vendor, copied to _static/<folder>/: (vendor folder, paths inside it).
#: MathJax: the loader, the one configuration the template asks for, the TeX input, the
#: CommonHTML output with its TeX web fonts, and the extensions the configuration loads on demand.
VENDORED = {
    "mathjax": ["MathJax.js", f"config/{MATHJAX_CONFIG.split(',')[0]}.js", "config/Safe.js", "config/local",
                "extensions", "jax/input/TeX", "jax/element", "jax/output/CommonHTML",
                "fonts/HTML-CSS/TeX/woff", "fonts/HTML-CSS/TeX/otf", "localization/en"],
    "requirejs": ["require.js"],
    # embed-amd.js loads its icon fonts from its own folder; the source maps are left out.
    "html-manager": ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot",
                     "dist/*.svg", "css/output.css"],
}

# An http(s) address in a written file.
URL = re.compile(r"https?://[^\s\"'<>()\\]+")
# A link the reader may follow, <a href="http...">...</a>: not something the page loads.
ANCHOR = re.compile(r"<a\s[^>]*href=\"https?://[^\"]+\"[^>]*>.*?</a>", re.IGNORECASE | re.DOTALL)
# A style sheet in the page, and a comment in it.
STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.IGNORECASE | re.DOTALL)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
# A relative link to a notebook, in an href attribute.
NOTEBOOK_HREF = re.compile(r"href=\"(?![a-z][a-z0-9+.-]*:|/|#)([^\"#?]*?)([^\"/#?]+)\.ipynb((?:#[^\"]*)?)\"")
IMG_SRC = re.compile(r"<img\s[^>]*?src=\"([^\"]+)\"", re.IGNORECASE)


# ---------------------------------------------------------------- pure parts

def keep_cell(cell: dict) -> bool:
    """Whether a cell goes into the site: every cell but solutions and answers (``tools/student.py``)."""
    return not student.is_solution(cell)


def site_cells(notebook: dict) -> tuple[dict, int]:
    """``notebook`` (nbformat 4, as a dict) without the cells the site leaves out, and how many were dropped."""
    return student.strip(notebook)


def page_name(notebook_file: str) -> str:
    """The page a notebook becomes: ``03_bptt.ipynb`` -> ``03_bptt.html``."""
    if not notebook_file.endswith(".ipynb"):
        raise ValueError(f"notebook_file: expected a name ending in .ipynb, got {notebook_file!r}")
    return notebook_file[: -len(".ipynb")] + ".html"


def link_pages(text: str, pages: set[str]) -> str:
    """Rewrite every relative ``href`` to a notebook of the course (in ``pages``, as .html names) to its page.

    ``href="03_bptt.ipynb#truncated"`` becomes ``href="03_bptt.html#truncated"``;
    the folder part is kept (``notebooks/03_bptt.ipynb`` from the index). A link
    to a notebook that has no page is left alone (and the build reports it).
    """
    def swap(match: re.Match) -> str:
        folder, stem, anchor = match.groups()
        if stem + ".html" not in pages:
            return match.group(0)
        return f'href="{folder}{stem}.html{anchor}"'
    return NOTEBOOK_HREF.sub(swap, text)


def external_urls(text: str) -> list[str]:
    """Every http(s) address in ``text`` that is not the target of an ``<a href>`` (a link in prose).

    What a page loads (a script, a style sheet, a font, an image) or names in
    code that may load it is found; a link the reader can click is not.
    """
    links = [match.span() for match in ANCHOR.finditer(text)]
    return [m.group(0) for m in URL.finditer(text)
            if not any(start <= m.start() and m.end() <= end for start, end in links)]


def strip_css_comments(text: str) -> str:
    """``text`` with the comments removed from its ``<style>`` blocks.

    The style sheets nbconvert inlines (JupyterLab's theme) credit their sources
    in comments with web addresses; nothing loads them, and without them every
    address left in a page is one a reader can click or a bug.
    """
    return STYLE.sub(lambda m: m.group(1) + CSS_COMMENT.sub("", m.group(2)) + m.group(3), text)


def local_images(text: str) -> list[str]:
    """The ``src`` of every ``<img>`` that is a relative path (not data:, not an address)."""
    return [src for src in IMG_SRC.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) and not src.startswith("/")]


def navigation(files: list[str], prefix: str = "") -> list[dict]:
    """For each notebook file in course order: the previous and next page (None at the ends) and the index.

    ``prefix`` goes in front of the index's address (``"../"`` from notebooks/).
    Titles come from the course map, by the notebook's number.
    """
    titles = course_titles()

    def entry(j: int) -> dict | None:
        if 0 <= j < len(files):
            return {"href": page_name(files[j]), "title": titles.get(files[j][:2], files[j])}
        return None

    return [{"prev": entry(i - 1), "next": entry(i + 1), "index": f"{prefix}index.html"}
            for i in range(len(files))]


def course_titles() -> dict[str, str]:
    """``{"03": "03 Backpropagation through time", ...}`` from the course map."""
    from unrolled import course
    return {f"{nb.number:02d}": f"{nb.number:02d} {nb.title}" for nb in course.NOTEBOOKS}


def index_markdown(folder: Path) -> str:
    """The index page's Markdown: the course map (``unrolled.course``), what to skip, the notes, the references.

    The map's links point at ``notebooks/NN_*.ipynb``; :func:`link_pages`
    turns them into the pages' addresses after rendering.
    """
    from unrolled import course
    return "\n\n".join([
        "# Unrolled: recurrent neural networks, derived, implemented, checked",
        "The course's notebooks as they were executed, to read without a kernel: every "
        "output and figure is the stored one. An explorer shows its controls and the figure "
        "stored when it ran; to move them, and to try the exercises, run the course in "
        "JupyterLab (`make lab`). The exercises are here, their solutions are not: they are "
        "in the notebooks.",
        "## The course map",
        "Read the notebooks in order: each uses the library functions and the notation the "
        "earlier ones introduced.",
        course.markdown_table(folder, link=f"{PAGES}/"),
        course.study_summary(folder),
        "Who can skip what:",
        course.skippable(),
        "## The lecture notes",
        course.notes_table(),
        course.references(),
    ])


# ---------------------------------------------------------------- writing

def copy_vendored(site: Path, vendor: Path = VENDOR) -> int:
    """Copy what the pages load from ``vendor`` into ``site/_static``; return the number of files."""
    count = 0
    for folder, patterns in VENDORED.items():
        source = vendor / folder
        if not source.is_dir():
            raise FileNotFoundError(f"{source} is missing: run python tools/vendor.py first")
        for pattern in patterns:
            matches = sorted(source.glob(pattern))
            if not matches:
                raise FileNotFoundError(f"{source}/{pattern}: nothing there (is build/vendor complete?)")
            for path in matches:
                files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
                for file in files:
                    target = site / STATIC / folder / file.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(file, target)
                    count += 1
    shutil.copyfile(TEMPLATE / "site.css", site / STATIC / "site.css")
    return count + 1


@functools.cache
def exporter(depth: int):
    """An nbconvert HTMLExporter for a page ``depth`` folders below the site's root (one per depth)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    up = "../" * depth
    config = Config()
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATE.parent)]
    config.HTMLExporter.template_name = TEMPLATE.name
    config.HTMLExporter.mathjax_url = f"{up}{STATIC}/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    config.HTMLExporter.require_js_url = f"{up}{STATIC}/requirejs/require.js"
    config.HTMLExporter.widget_renderer_url = f"{up}{STATIC}/html-manager/dist/embed-amd.js"
    config.HTMLExporter.jupyter_widgets_base_url = f"{up}{STATIC}/"
    config.HTMLExporter.embed_images = False
    return HTMLExporter(config=config)


def render(notebook: dict, title: str, depth: int, nav: dict | None) -> str:
    import nbformat

    nb = nbformat.from_dict(notebook)
    resources = {
        "metadata": {"name": title},
        "site": {"static": "../" * depth + STATIC + "/", "nav": nav is not None, **(nav or {})},
    }
    body, _ = exporter(depth).from_notebook_node(nb, resources=resources)
    return body


def build(source: Path, site: Path, vendor: Path = VENDOR) -> list[str]:
    """Write the whole site from the notebooks in ``source`` into ``site`` (emptied first); return report lines."""
    import json

    import nbformat

    paths = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"source: expected numbered notebooks (NN_*.ipynb) in {source}, found none")
    if site.exists():
        shutil.rmtree(site)
    (site / PAGES).mkdir(parents=True)
    lines = [f"{copy_vendored(site, vendor)} files of MathJax, require.js and the widget manager "
             f"in {site / STATIC}"]
    files = [p.name for p in paths]
    pages = {page_name(f) for f in files}
    titles = course_titles()
    problems = []
    written = []
    for path, nav in zip(paths, navigation(files, prefix="../")):
        notebook, dropped = site_cells(json.loads(path.read_text(encoding="utf-8")))
        nbformat.validate(nbformat.from_dict(notebook))
        title = titles.get(path.name[:2], path.stem)
        text = strip_css_comments(link_pages(render(notebook, f"{title} · Unrolled", 1, nav), pages))
        for src in local_images(text):
            figure = (path.parent / src).resolve()
            target = (site / PAGES / src).resolve()
            if site.resolve() not in target.parents:
                problems.append(f"{path.name}: image {src} lies outside the site")
            elif not figure.is_file():
                problems.append(f"{path.name}: image {src} not found ({figure.relative_to(ROOT)})")
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(figure, target)
        page = site / PAGES / page_name(path.name)
        page.write_text(text, encoding="utf-8")
        written.append(page)
        lines.append(f"{page}: {dropped} solution or answer cell{'s' if dropped != 1 else ''} left out")

    index = nbformat.v4.new_notebook()
    index.cells = [nbformat.v4.new_markdown_cell(index_markdown(source))]
    text = strip_css_comments(link_pages(render(index, "Unrolled: the course map", 0, None), pages))
    (site / "index.html").write_text(text, encoding="utf-8")
    written.append(site / "index.html")
    lines.append(f"{site / 'index.html'}: the course map, {len(files)} notebooks")

    for page in written + [site / STATIC / "site.css"]:
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.relative_to(site)}: names {url}" for url in external_urls(text)]
        problems += [f"{page.relative_to(site)}: links to a notebook without a page: {m.group(0)}"
                     for m in re.finditer(r"href=\"[^\":]*\.ipynb[^\"]*\"", text)]
    if problems:
        raise ValueError("the site is not complete and offline:\n  " + "\n  ".join(problems))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="the folder of notebooks, e.g. notebooks")
    parser.add_argument("site", type=Path, help="where the site goes, e.g. build/html (emptied first)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        lines = build(args.source, args.site)
    except (FileNotFoundError, ValueError) as exc:
        print(f"site: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    print(f"site written to {args.site} in {time.perf_counter() - start:.1f} s; open {args.site / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
