"""Slide types for every notebook, by rules, and the static decks of `make slides`.

An instructor lectures from the running notebook with JupyterLab's slideshow
(jupyterlab-rise: View > Render as Reveal Slideshow, or Alt-R), or from the static
reveal.js decks in build/slides/. Both read each cell's
``metadata.slideshow.slide_type``; this tool sets it from the cell's content,
so the tagging is redone in one command after any notebook changes:

    python tools/slides.py                  # tag every notebook in notebooks/
    python tools/slides.py --check          # exit 1 if a notebook's tags differ from the rules
    python tools/slides.py --export build/slides   # the static decks (after tagging)

Rules, first match wins (``slide_type``):

1. the override table ``OVERRIDES`` (notebook, cell id) -> type, for exceptions;
2. a cell tagged ``solution`` or ``answer``, or an empty cell -> ``skip``
   (no solution on a slide; ``answer`` cells show the library's answer);
3. a set-up code cell (it imports something and shows no output) -> ``skip``;
4. a code cell whose source is a wall (more than ``CODE_WALL`` lines) -> ``skip``,
   its outputs too: the lecture shows the result in the next cells or says it;
5. a markdown cell that starts with a ``#`` or ``##`` heading -> ``slide``,
   ``###`` or deeper -> ``subslide``;
6. any other cell continues the current slide (``-``) while the estimated
   height of the slide stays within one screen (``SCREEN_HEIGHT`` less a margin);
   otherwise it starts a ``subslide`` of its own;
7. a cell whose estimated height alone exceeds the screen (``ALONE``): a code cell -> ``skip``
   (a tall table or figure; the notebook shows it), a markdown cell -> ``notes``
   (the lecturer's text for the slide before, in the speaker view); if it was a
   heading cell, the next visible cell starts the slide in its place.

The height of a cell is estimated from its content at 1280x720 (``estimate``):
lines of prose wrapped at the slide's width, headings, display equations, table
rows, list items, code lines, printed lines and the pixel height of stored
images (PNG headers). The browser tests (tests/browser/test_slides*.py) measure
every slide in a real browser and fail if one is taller than the screen.

Only ``metadata.slideshow`` is written; everything else in the file, outputs
included, is left byte for byte as ``tools/execute_notebooks.py`` stores it.
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
FIGURES = ROOT / "figures"
VENDOR = ROOT / "build" / "vendor"
TEMPLATE = Path(__file__).resolve().parent / "slides.html.j2"

SCREEN_WIDTH, SCREEN_HEIGHT = 1280, 720
#: Estimated pixels a slide may fill: the screen less margins, the slide number
#: and room for the estimate's error (the browser tests measure the real height).
BUDGET = 560
#: A single cell may fill more, up to this estimate (the estimate of a tall cell
#: is at most ~8% short of its measured height).
ALONE = 650
CODE_WALL = 20          # a code cell of more lines is a wall: skipped
TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")

#: Exceptions to the rules: {notebook file name: {cell id: slide type}}.
OVERRIDES: dict[str, dict[str, str]] = {}

# -- estimating a cell's height (pixels at 1280x720) ------------------------

TEXT_WIDTH = 1120        # pixels of a line of prose or code on a slide
CHAR_PX = 7.6            # average width of a character of prose
LINE_PX = 22             # a line of prose
LIST_LINE_PX = 26        # a line of a list item
CODE_LINE_PX = 18        # a line of code or printed text
PARAGRAPH_PX = 14        # space between blocks
HEADING_PX = {1: 50, 2: 42, 3: 36, 4: 30, 5: 26, 6: 26}
MATH_BLOCK_PX = 46       # a display equation
TABLE_ROW_PX = 40
CELL_PX = 16             # padding around a cell
IMAGE_MARGIN_PX = 30     # space around an image
CODE_CHARS = 120         # characters of printed text in a line before it wraps
WIDGET_ROW_PX = 50       # a row of a widget box (a control, a title, a readout)

IMPORT = re.compile(r"^(import \S|from \S+ import )")
HEADING = re.compile(r"^(#{1,6})\s")
LIST_ITEM = re.compile(r"^([-*+]|\d+\.)\s")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
FIGURE_LINK = re.compile(r'(<img\b[^>]*\bsrc=)"\.\./figures/')


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header, or None if it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def image_px(width: int, height: int) -> float:
    """Displayed height of an image of that size: natural size, shrunk to the text width, and its margin."""
    return height * min(1.0, TEXT_WIDTH / max(width, 1)) + IMAGE_MARGIN_PX


def prose_lines(text: str, width: float = TEXT_WIDTH) -> int:
    """Lines a paragraph of markdown takes once wrapped (inline math counted as its source)."""
    chars_per_line = width / CHAR_PX
    return max(1, -(-len(text) // int(chars_per_line)))


def markdown_px(source: str, folder: Path = NOTEBOOKS) -> float:
    """Estimated height of rendered markdown."""
    px = 0.0
    in_math = False
    for block in re.split(r"\n\s*\n", source.strip()):
        lines = block.splitlines()
        if not lines:
            continue
        px += PARAGRAPH_PX
        for line in lines:
            stripped = line.strip()
            if in_math:
                in_math = not stripped.endswith("$$")
                continue
            heading = HEADING.match(stripped)
            if heading:
                px += HEADING_PX[len(heading.group(1))]
            elif stripped.startswith("$$"):
                px += MATH_BLOCK_PX
                in_math = not (len(stripped) > 2 and stripped.endswith("$$"))
            elif stripped.startswith("|"):
                if not re.fullmatch(r"\|[\s:|-]+\|?", stripped):
                    px += TABLE_ROW_PX * max(1, -(-len(stripped) // 160))
            elif IMAGE.search(stripped):
                for target in IMAGE.findall(stripped):
                    size = _file_png_size(folder / target)
                    px += image_px(*size) if size else 300
            elif LIST_ITEM.match(stripped):
                px += LIST_LINE_PX * prose_lines(stripped, TEXT_WIDTH - 60)
            elif stripped:
                px += LINE_PX * prose_lines(stripped)
    return px + CELL_PX


def _file_png_size(path: Path) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as f:
            return png_size(f.read(24))
    except OSError:
        return None


def printed_lines(text: str) -> int:
    """Lines printed text takes on a slide, long lines wrapped."""
    return sum(max(1, -(-len(line) // CODE_CHARS)) for line in text.rstrip("\n").splitlines())


def widget_px(model_id: str, widgets: dict) -> float:
    """Estimated height of a displayed widget from the stored widget state: its rows."""
    model = widgets.get(model_id, {})
    name = model.get("model_name", "")
    children = model.get("state", {}).get("children", [])
    if name == "VBoxModel" or name == "BoxModel":
        return 10 + sum(widget_px(c.removeprefix("IPY_MODEL_"), widgets) for c in children)
    if name == "HBoxModel":
        # A progress bar is one row; a row of controls wraps on a slide, so it counts as a column.
        kids = [widgets.get(c.removeprefix("IPY_MODEL_"), {}).get("model_name", "") for c in children]
        if any(k.endswith("ProgressModel") for k in kids):
            return WIDGET_ROW_PX
        return sum(widget_px(c.removeprefix("IPY_MODEL_"), widgets) for c in children) or WIDGET_ROW_PX
    return WIDGET_ROW_PX


def output_px(output: dict, widgets: dict | None = None) -> float:
    """Estimated height of one stored output (``widgets``: the notebook's stored widget state)."""
    data = output.get("data", {})
    if output.get("output_type") == "stream":
        return CODE_LINE_PX * printed_lines("".join(output.get("text", ""))) + 8
    if output.get("output_type") == "error":
        return CODE_LINE_PX * 12
    if "application/vnd.jupyter.widget-view+json" in data:
        return widget_px(data["application/vnd.jupyter.widget-view+json"].get("model_id", ""), widgets or {})
    if "image/png" in data:
        raw = base64.b64decode("".join(data["image/png"])[:64])
        size = png_size(raw)
        return image_px(*size) if size else 300
    if "text/markdown" in data:
        return markdown_px("".join(data["text/markdown"]))
    if "text/html" in data:
        html = "".join(data["text/html"])
        rows = html.count("<tr")
        return TABLE_ROW_PX * rows + 20 if rows else CODE_LINE_PX * max(1, html.count("<br") + html.count("<p"))
    if "text/plain" in data:
        return CODE_LINE_PX * printed_lines("".join(data["text/plain"])) + 8
    return 0.0


def code_lines(cell: dict) -> int:
    return len("".join(cell.get("source", "")).rstrip().splitlines())


def estimate(cell: dict, folder: Path = NOTEBOOKS, widgets: dict | None = None) -> float:
    """Estimated height (pixels at 1280x720) of a cell on a slide, outputs included.

    ``folder`` is the notebook's (for images in markdown), ``widgets`` the notebook's
    stored widget state (``widget_state(nb)``).
    """
    source = "".join(cell.get("source", ""))
    if cell["cell_type"] == "markdown":
        return markdown_px(source, folder)
    if cell["cell_type"] != "code":
        return CODE_LINE_PX * len(source.splitlines()) + CELL_PX
    px = CODE_LINE_PX * code_lines(cell) + 2 * CELL_PX
    return px + sum(output_px(o, widgets) for o in cell.get("outputs", []))


def widget_state(nb: dict) -> dict:
    return nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get(
        "state", {})


# -- the rules --------------------------------------------------------------

def is_setup(cell: dict) -> bool:
    """A code cell that sets up and shows nothing: it imports, and has no output."""
    if cell["cell_type"] != "code" or cell.get("outputs"):
        return False
    lines = "".join(cell.get("source", "")).splitlines()
    return any(IMPORT.match(line) for line in lines)


def fixed_type(cell: dict) -> str | None:
    """The type rules 2-5 give, or None when the cell's type depends on the slide it joins."""
    tags = cell.get("metadata", {}).get("tags", [])
    source = "".join(cell.get("source", "")).strip()
    if "solution" in tags or "answer" in tags or not source:
        return "skip"
    if cell["cell_type"] == "code":
        if is_setup(cell) or code_lines(cell) > CODE_WALL:
            return "skip"
        return None
    if cell["cell_type"] == "markdown":
        heading = HEADING.match(source.splitlines()[0])
        if heading:
            return "slide" if len(heading.group(1)) <= 2 else "subslide"
        return None
    return "skip"  # raw cells


def slide_types(nb: dict, name: str, folder: Path = NOTEBOOKS) -> list[str]:
    """The slide type of every cell of ``nb`` (file name ``name``), by the rules above."""
    overrides = OVERRIDES.get(name, {})
    unknown = set(overrides) - {c.get("id") for c in nb["cells"]}
    if unknown:
        raise ValueError(f"{name}: OVERRIDES names cell ids not in the notebook: {sorted(unknown)}")
    types: list[str] = []
    filled = None  # estimated height of the current (sub)slide; None before the first one
    widgets = widget_state(nb)
    promote = None  # the type a too-tall heading cell handed on to the next visible cell
    for cell in nb["cells"]:
        kind = overrides.get(cell.get("id"))
        height = estimate(cell, folder, widgets)
        if kind is None:
            kind = fixed_type(cell)
            if kind not in ("skip", "notes") and height > ALONE:  # rule 7
                if kind in ("slide", "subslide"):
                    promote = kind if promote != "slide" else promote
                kind = "skip" if cell["cell_type"] == "code" else "notes"
            elif kind is None:
                if promote or filled is None:
                    kind = promote or "slide"
                elif filled + height > BUDGET:
                    kind = "subslide"
                else:
                    kind = "-"
            if kind in ("slide", "subslide"):
                promote = None
        if kind in ("slide", "subslide"):
            filled = height
        elif kind in ("-", "fragment"):
            filled = (filled or 0) + height
        if kind not in TYPES:
            raise ValueError(f"{name}: unknown slide type {kind!r} for cell {cell.get('id')}")
        types.append(kind)
    return types


def current_types(nb: dict) -> list[str | None]:
    return [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in nb["cells"]]


def dump(nb: dict) -> str:
    """The notebook as tools/execute_notebooks.py writes it."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def apply(path: Path, check: bool = False) -> list[str]:
    """Tag ``path`` by the rules (or with ``check``, only compare); return the differing cells."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    wanted = slide_types(nb, path.name, path.parent)
    differ = []
    for i, (cell, kind, have) in enumerate(zip(nb["cells"], wanted, current_types(nb))):
        if have != kind:
            differ.append(f"cell {i + 1} ({cell.get('id')}): {have} -> {kind}")
            cell["metadata"]["slideshow"] = {"slide_type": kind}
    if differ and not check:
        path.write_text(dump(nb), encoding="utf-8")
    return differ


def deck_sizes(nb: dict) -> tuple[int, int]:
    """(horizontal slides, all slides including subslides) the tags give."""
    types = [t for t in current_types(nb) if t not in ("skip", "notes")]
    slides = sum(t == "slide" for t in types)
    subslides = sum(t == "subslide" for t in types)
    if types and types[0] not in ("slide",):  # nbconvert and RISE start a slide at the first visible cell
        slides += 1
        subslides -= types[0] == "subslide"
    return slides, slides + subslides


# -- the static decks -------------------------------------------------------

#: What each deck loads, copied from build/vendor (tools/vendor.py) into ``out``:
#: {vendor folder: (folder under out, [parts])}. The widget manager goes where its
#: script looks for its icon fonts (@jupyter-widgets/html-manager/dist, and the
#: fonts once more in @jupyter-widgets/).
COPY = {
    "reveal.js": ("vendor/reveal.js", ["dist", "plugin"]),
    "requirejs": ("vendor/requirejs", ["require.js"]),
    "mathjax": ("vendor/mathjax", ["MathJax.js", "config", "extensions", "jax", "fonts"]),
    "html-manager": ("@jupyter-widgets/html-manager", ["dist"]),
}
WIDGET_FONTS = ("*.woff2", "*.woff", "*.ttf")


def copy_vendor(out: Path) -> None:
    """Copy the scripts the decks load next to them, unless the same version is there."""
    for folder, (where, parts) in COPY.items():
        source, target = VENDOR / folder, out / where
        stamp = (source / ".integrity").read_text()
        if (target / ".integrity").is_file() and (target / ".integrity").read_text() == stamp:
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for part in parts:
            if (source / part).is_dir():
                shutil.copytree(source / part, target / part,
                                ignore=shutil.ignore_patterns("*.map", "unpacked", "test", "*.eot", "*.svg", "otf"))
            else:
                shutil.copy2(source / part, target / part)
        if folder == "html-manager":
            for pattern in WIDGET_FONTS:
                for font in (target / "dist").glob(pattern):
                    shutil.copy2(font, target.parent / font.name)
        (target / ".integrity").write_text(stamp)


def link_figures(html: str) -> str:
    """Point the deck's ``<img src="../figures/...">`` at the copy of figures/ beside it."""
    return FIGURE_LINK.sub(r'\1"figures/', html)


def export(notebooks: list[Path], out: Path) -> None:
    """Write ``<out>/<notebook>.slides.html`` for every notebook; everything they load is in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(out)
    argv = [
        sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", "--output-dir", str(out),
        "--template-file", str(TEMPLATE),
        "--SlidesExporter.reveal_url_prefix=vendor/reveal.js",
        "--SlidesExporter.reveal_theme=white",  # the other themes load fonts from Google
        f"--SlidesExporter.reveal_width={SCREEN_WIDTH}",
        f"--SlidesExporter.reveal_height={SCREEN_HEIGHT}",
        "--SlidesExporter.require_js_url=vendor/requirejs/require.js",
        "--SlidesExporter.mathjax_url=vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        "--SlidesExporter.widget_renderer_url=@jupyter-widgets/html-manager/dist/embed-amd.js",
        "--log-level=WARN",
        *map(str, notebooks),
    ]
    subprocess.run(argv, check=True)
    # Markdown shows figures as ../figures/NAME.png (from notebooks/); the decks get a copy
    # of figures/ beside them and the links follow, so build/slides stands alone.
    if FIGURES.is_dir():
        shutil.copytree(FIGURES, out / "figures", dirs_exist_ok=True)
    for notebook in notebooks:
        deck = out / f"{notebook.stem}.slides.html"
        html = deck.read_text(encoding="utf-8")
        deck.write_text(link_figures(html), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook's tags differ")
    parser.add_argument("--export", type=Path, metavar="DIR", help="write the static decks to DIR")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.export:
        stale = {p.name: apply(p, check=True) for p in paths}
        stale = {name: d for name, d in stale.items() if d}
        if stale:
            print(f"slide types differ from the rules in {', '.join(stale)}: run python tools/slides.py first",
                  file=sys.stderr)
            return 1
        export(paths, args.export)
        for p in paths:
            slides, total = deck_sizes(json.loads(p.read_text(encoding="utf-8")))
            print(f"{args.export / (p.stem + '.slides.html')}: {slides} slides, {total} with subslides")
        return 0
    failed = False
    for p in paths:
        differ = apply(p, check=args.check)
        if differ:
            failed = failed or args.check
            verb = "differs from the rules" if args.check else "tagged"
            print(f"{p.name}: {len(differ)} cells {verb}" + ("".join(f"\n  {d}" for d in differ[:10])
                                                             if args.check else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
