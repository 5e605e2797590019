"""tools/slides.py: every notebook carries the slide types its rules give, and only those.

The browser tests (tests/browser/test_slides*.py) check the decks on screen; here
the rules themselves, on small notebooks, and the committed notebooks against them.
"""
import base64
import importlib.util
import json
import struct
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("slides", ROOT / "tools" / "slides.py")
slides = importlib.util.module_from_spec(spec)
sys.modules["slides"] = slides
spec.loader.exec_module(slides)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def png(width: int, height: int) -> str:
    """A real (blank) PNG of that size, base64, as a notebook stores it."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"".join(b"\0" + b"\xff" * width for _ in range(height)))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


def md(source, cell_id, **metadata):
    return {"cell_type": "markdown", "id": cell_id, "metadata": dict(metadata), "source": source}


def code(source, cell_id, outputs=(), **metadata):
    return {"cell_type": "code", "id": cell_id, "metadata": dict(metadata), "source": source,
            "execution_count": 1, "outputs": list(outputs)}


def stream(lines: int) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": "".join(f"line {i}\n" for i in range(lines))}


def figure(width: int, height: int) -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": png(width, height), "text/plain": "<Figure>"}}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def types(nb, name="99_test.ipynb"):
    return slides.slide_types(nb, name)


def test_headings_start_slides_and_subslides():
    nb = notebook(md("# Title\n\nWhy.", "a"), md("Text.", "b"), md("## Section", "c"),
                  code("x = 1\nprint(x)", "d", [stream(1)]), md("### Part", "e"), md("#### Small heading", "f"))
    assert types(nb) == ["slide", "-", "slide", "-", "subslide", "subslide"]


def test_solutions_answers_setup_and_empty_cells_are_skipped():
    nb = notebook(md("# Title", "a"),
                  code("import numpy as np\nfrom unrolled import cells\nSEED = 3\n", "b"),
                  code("def f(x):\n    raise NotImplementedError", "c"),
                  code("# Solution\ndef f(x):\n    return x", "d", tags=["solution"]),
                  code("show(f)", "e", [stream(2)], tags=["answer"]),
                  md("   ", "f"))
    assert types(nb) == ["slide", "skip", "-", "skip", "skip", "skip"]


def test_an_import_cell_that_shows_something_is_not_setup():
    nb = notebook(md("# Title", "a"), code("import numpy as np\nprint(np.pi)", "b", [stream(1)]))
    assert types(nb)[1] == "-"


def test_code_walls_are_skipped():
    wall = "\n".join(f"x{i} = {i}" for i in range(slides.CODE_WALL + 1)) + "\nprint(x0)"
    short = "\n".join(f"x{i} = {i}" for i in range(slides.CODE_WALL - 2)) + "\nprint(x0)"
    nb = notebook(md("# Title", "a"), code(wall, "b", [stream(1)]), code(short, "c", [stream(1)]))
    assert types(nb)[:2] == ["slide", "skip"] and types(nb)[2] in ("-", "subslide")


def test_a_slide_that_would_overflow_continues_on_a_subslide():
    # A figure cell is about 355 px high: one fits under the heading, two do not.
    nb = notebook(md("## Figures", "a"), *(code("plot()", f"f{i}", [figure(800, 300)]) for i in range(3)))
    assert types(nb) == ["slide", "-", "subslide", "subslide"]
    # A figure taller than the screen's budget alone cannot be shown: skipped.
    tall = notebook(md("## Figures", "a"), code("plot()", "b", [figure(800, 900)]))
    assert types(tall) == ["slide", "skip"]


def test_a_wide_figure_is_shrunk_to_the_width_before_its_height_counts():
    wide = slides.output_px(figure(3 * slides.TEXT_WIDTH, 900))
    assert wide == pytest.approx(300 + slides.IMAGE_MARGIN_PX)


def test_a_tall_heading_cell_goes_to_notes_and_hands_its_slide_on():
    prose = "A sentence that goes on for a while. " * 40
    tall = "## Section\n\n" + "\n\n".join([prose] * 6)
    nb = notebook(md("# Title", "a"), md(tall, "b"), md("Short text.", "c"), md("More.", "d"))
    assert slides.estimate(nb["cells"][1]) > slides.ALONE
    assert types(nb) == ["slide", "notes", "slide", "-"]


def test_overrides_win_and_must_name_existing_cells(monkeypatch):
    nb = notebook(md("# Title", "a"), md("Text.", "b"))
    monkeypatch.setitem(slides.OVERRIDES, "99_test.ipynb", {"b": "fragment"})
    assert types(nb) == ["slide", "fragment"]
    monkeypatch.setitem(slides.OVERRIDES, "99_test.ipynb", {"zz": "skip"})
    with pytest.raises(ValueError, match="zz"):
        types(nb)
    monkeypatch.setitem(slides.OVERRIDES, "99_test.ipynb", {"b": "sideways"})
    with pytest.raises(ValueError, match="sideways"):
        types(nb)


def test_widget_boxes_are_measured_by_their_rows():
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_t", "IPY_MODEL_s", "IPY_MODEL_r"]}},
        "t": {"model_name": "HTMLModel", "state": {}},
        "s": {"model_name": "FloatSliderModel", "state": {}},
        "r": {"model_name": "HTMLModel", "state": {}},
    }
    view = {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "box", "version_major": 2}}}
    assert slides.output_px(view, state) == 10 + 3 * slides.WIDGET_ROW_PX


def test_apply_writes_only_the_slideshow_metadata_and_is_idempotent(tmp_path):
    nb = notebook(md("# Title", "a", tags=["keep"]), code("print(1)", "b", [stream(1)], jupyter={"x": 1}))
    path = tmp_path / "99_test.ipynb"
    path.write_text(slides.dump(nb))
    assert slides.apply(path, check=True)  # untagged: differs, and --check changes nothing
    assert json.loads(path.read_text()) == nb
    assert slides.apply(path)
    tagged = json.loads(path.read_text())
    for cell in tagged["cells"]:
        assert set(cell["metadata"]) - set(nb["cells"][tagged["cells"].index(cell)]["metadata"]) == {"slideshow"}
        cell["metadata"].pop("slideshow")
    assert tagged == nb
    before = path.read_text()
    assert slides.apply(path) == [] and path.read_text() == before
    assert slides.main(["--check", str(path)]) == 0


def test_check_fails_on_a_changed_tag(tmp_path):
    path = tmp_path / "99_test.ipynb"
    path.write_text(slides.dump(notebook(md("# Title", "a"), md("Text.", "b"))))
    slides.apply(path)
    nb = json.loads(path.read_text())
    nb["cells"][1]["metadata"]["slideshow"]["slide_type"] = "skip"
    path.write_text(slides.dump(nb))
    assert slides.main(["--check", str(path)]) == 1


def test_deck_size_counts_slides_and_subslides():
    nb = notebook(md("x", "a", slideshow={"slide_type": "skip"}), md("y", "b", slideshow={"slide_type": "subslide"}),
                  md("z", "c", slideshow={"slide_type": "-"}), md("w", "d", slideshow={"slide_type": "slide"}),
                  md("v", "e", slideshow={"slide_type": "subslide"}), md("n", "f", slideshow={"slide_type": "notes"}))
    assert slides.deck_sizes(nb) == (2, 3)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_tagged_by_the_rules(path):
    differ = slides.apply(path, check=True)
    assert not differ, f"run python tools/slides.py: {differ[:5]}"
    nb = json.loads(path.read_text(encoding="utf-8"))
    kinds = [c["metadata"]["slideshow"]["slide_type"] for c in nb["cells"]]
    for cell, kind in zip(nb["cells"], kinds):
        if {"solution", "answer"} & set(cell["metadata"].get("tags", [])):
            assert kind == "skip", f"cell {cell['id']}: a solution or answer on a slide"
    slides_, total = slides.deck_sizes(nb)
    assert 3 <= slides_ and total <= 60, f"{path.name}: {slides_} slides, {total} with subslides"
    hidden = [c["id"] for c, kind in zip(nb["cells"], kinds) if kind == "notes" and c["cell_type"] == "markdown"]
    assert not hidden, f"{path.name}: text too tall for a slide, only in the speaker notes (split the cell): {hidden}"
    assert kinds[next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown")] == "slide", \
        f"{path.name}: the deck does not open on the notebook's title"


def test_execute_notebooks_keeps_the_slide_types(tmp_path):
    """tools/execute_notebooks.py re-runs a notebook; the slide types it stores survive."""
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "tools" / "execute_notebooks.py")
    execute_notebooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(execute_notebooks)
    path = tmp_path / "99_test.ipynb"
    path.write_text(slides.dump(notebook(md("# Title", "a"), code("print(6 * 7)", "b"))))
    slides.apply(path)
    execute_notebooks.execute(path, timeout=60)
    nb = json.loads(path.read_text())
    assert nb["cells"][1]["outputs"][0]["text"] == "42\n"  # it did run
    assert [c["metadata"]["slideshow"]["slide_type"] for c in nb["cells"]] == ["slide", "-"]


def test_the_slideshow_theme_loads_no_web_fonts():
    """make lab's settings give the live slideshow a theme whose CSS stays on this machine.

    jupyterlab-rise's default theme ("simple") imports fonts from Google; so does every
    reveal.js theme but black and white. The live test (test_slides_live.py) uses the same theme.
    """
    overrides = json.loads((ROOT / "tools" / "jupyter-config" / "labconfig" / "default_setting_overrides.json")
                           .read_text())
    theme = overrides["jupyterlab-rise:plugin"]["theme"]
    assert theme in ("white", "black")
    live = (ROOT / "tests" / "browser" / "test_slides_live.py").read_text()
    assert f'"theme": "{theme}"' in live
    assert '"--SlidesExporter.reveal_theme=white"' in (ROOT / "tools" / "slides.py").read_text()


def test_figure_links_point_at_the_copy_beside_the_deck():
    html = ('<p><img alt="An RNN" src="../figures/unrolled_rnn.png"/> <img src="data:image/png;base64,AA"/>'
            ' <a href="../figures/x.png">../figures/x.png</a></p>')
    assert slides.link_figures(html) == html.replace('src="../figures/', 'src="figures/')
    assert (ROOT / "figures" / "unrolled_rnn.png").is_file()  # what export() copies to <out>/figures
