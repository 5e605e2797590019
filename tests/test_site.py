"""`make html` (tools/site.py): which cells the site leaves out, its links, and that no page loads from the web."""
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("site_tool", ROOT / "tools" / "site.py")
site = importlib.util.module_from_spec(SPEC)
sys.modules["site_tool"] = site
SPEC.loader.exec_module(site)


def cell(kind, source, tags=(), outputs=()):
    c = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {}, "source": source}
    if kind == "code":
        c["outputs"] = list(outputs)
        c["execution_count"] = 1
    return c


def notebook(*cells):
    cells = [{**c, "id": f"cell-{i}"} for i, c in enumerate(cells)]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


# ---------------------------------------------------------------- which cells go

def test_solution_and_answer_cells_are_left_out_and_nothing_else():
    nb = notebook(
        cell("markdown", "Exercise: write f."),
        cell("code", "def f(): raise NotImplementedError\n_ = check(f)", outputs=[stream("not attempted\n")]),
        cell("code", "# Solution\ndef f(): return 1", tags=["solution"], outputs=[stream("correct\n")]),
        cell("code", "show(lib.f)", tags=["answer", "nbval-ignore-output"]),
        cell("code", "x = 1", tags=["nbval-ignore-output"]),
        cell("markdown", "Summary"),
    )
    kept, dropped = site.site_cells(nb)
    assert dropped == 2
    assert [c["source"] for c in kept["cells"]] == [
        "Exercise: write f.", nb["cells"][1]["source"], "x = 1", "Summary"]
    assert kept["metadata"] == nb["metadata"]
    assert len(nb["cells"]) == 6, "the notebook given is not modified"
    assert not site.keep_cell(nb["cells"][2]) and not site.keep_cell(nb["cells"][3])
    assert site.keep_cell(nb["cells"][4])


def test_every_course_notebook_loses_exactly_its_tagged_cells():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        kept, dropped = site.site_cells(nb)
        tagged = [c for c in nb["cells"] if {"solution", "answer"} & set(c["metadata"].get("tags", []))]
        assert dropped == len(tagged) > 0, path.name
        assert not any(c["source"] and "".join(c["source"]).startswith("# Solution") for c in kept["cells"])


# ---------------------------------------------------------------- links

def test_page_name():
    assert site.page_name("03_bptt.ipynb") == "03_bptt.html"
    with pytest.raises(ValueError, match="notebook_file"):
        site.page_name("03_bptt.py")


def test_links_to_notebooks_become_links_to_pages():
    pages = {"01_a.html", "02_b.html"}
    text = ('<a href="01_a.ipynb">x</a> <a href="notebooks/02_b.ipynb#sec-2">y</a> '
            '<a href="09_missing.ipynb">z</a> <a href="https://example.org/01_a.ipynb">w</a> '
            '<a href="#01_a.ipynb">v</a>')
    out = site.link_pages(text, pages)
    assert 'href="01_a.html"' in out
    assert 'href="notebooks/02_b.html#sec-2"' in out
    assert 'href="09_missing.ipynb"' in out, "a notebook without a page is left for the build to report"
    assert 'href="https://example.org/01_a.ipynb"' in out
    assert 'href="#01_a.ipynb"' in out


def test_navigation_previous_index_next():
    files = ["00_start_here.ipynb", "01_sequences_and_language_models.ipynb", "02_hmm_as_rnn.ipynb"]
    nav = site.navigation(files, prefix="../")
    assert nav[0]["prev"] is None and nav[-1]["next"] is None
    assert nav[0]["next"] == {"href": "01_sequences_and_language_models.html",
                              "title": "01 Sequences and language models"}
    assert nav[2]["prev"]["href"] == "01_sequences_and_language_models.html"
    assert {n["index"] for n in nav} == {"../index.html"}


def test_index_markdown_is_the_course_map_with_every_written_notebook_linked():
    text = site.index_markdown(ROOT / "notebooks")
    from unrolled import course
    assert course.markdown_table(ROOT / "notebooks", link="notebooks/") in text
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"(notebooks/{path.name})" in text


# ---------------------------------------------------------------- nothing from the web

def test_external_urls_finds_what_a_page_would_load_but_not_links_in_prose():
    text = ('<script src="https://cdn.example.org/mathjax.js"></script>'
            '<link href="http://fonts.example.org/a.css">'
            '<p>See <a href="https://creativecommons.org/licenses/by/4.0/">'
            'https://creativecommons.org/licenses/by/4.0/</a>.</p>'
            '<style>@import url(https://x.example.org/y.css);</style>'
            'var cdn = "https://unpkg.com/";')
    assert site.external_urls(text) == ["https://cdn.example.org/mathjax.js", "http://fonts.example.org/a.css",
                                        "https://x.example.org/y.css", "https://unpkg.com/"]
    assert site.external_urls('<a href="_static/x.js">local</a>') == []


def test_css_comments_go_and_the_rules_stay():
    text = "<style type='text/css'>/* from https://example.org/colors */ a { color: red; }</style><p>/* prose */</p>"
    out = site.strip_css_comments(text)
    assert "example.org" not in out and "a { color: red; }" in out and "<p>/* prose */</p>" in out


def test_local_images():
    text = ('<img src="../figures/a.png" alt="a"><img alt="b" src="data:image/png;base64,xx">'
            '<img src="https://example.org/c.png"><IMG SRC="figures/d.png">')
    assert site.local_images(text) == ["../figures/a.png", "figures/d.png"]


# ---------------------------------------------------------------- a small site, built

def fake_vendor(folder: Path) -> Path:
    """A build/vendor with one file where every pattern of site.VENDORED expects something."""
    for name, patterns in site.VENDORED.items():
        for pattern in patterns:
            path = folder / name / pattern.replace("*", "x")
            if "." in path.name:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("// vendored\n")
            else:
                path.mkdir(parents=True, exist_ok=True)
                (path / "part.js").write_text("// vendored\n")
    return folder


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    notebooks = tmp / "notebooks"
    notebooks.mkdir()
    (tmp / "figures").mkdir()
    shutil.copyfile(ROOT / "figures" / "unrolled_rnn.png", tmp / "figures" / "unrolled_rnn.png")
    first = notebook(
        cell("markdown", "# 00\n\nThe state $h_t$ and ![an RNN](../figures/unrolled_rnn.png).\n\n"
                         "Next: [01](01_sequences_and_language_models.ipynb)."),
        cell("code", "# Solution\nSECRET = 42", tags=["solution"], outputs=[stream("[00.1] correct\n")]),
        cell("code", "show(answer_function)", tags=["answer"]),
        cell("code", "print(1)", outputs=[stream("1\n")]),
    )
    second = notebook(cell("markdown", "# 01\n\nBack to [00](00_start_here.ipynb)."))
    (notebooks / "00_start_here.ipynb").write_text(json.dumps(first))
    (notebooks / "01_sequences_and_language_models.ipynb").write_text(json.dumps(second))
    out = tmp / "html"
    site.build(notebooks, out, vendor=fake_vendor(tmp / "vendor"))
    return out


def test_small_site_has_its_pages_figures_and_static_files(small_site):
    assert (small_site / "index.html").is_file()
    assert (small_site / "notebooks" / "00_start_here.html").is_file()
    figure = (ROOT / "figures" / "unrolled_rnn.png").read_bytes()
    assert (small_site / "figures" / "unrolled_rnn.png").read_bytes() == figure
    assert (small_site / "_static" / "mathjax" / "MathJax.js").is_file()
    assert (small_site / "_static" / "site.css").is_file()


def test_small_site_leaves_out_the_solution(small_site):
    page = (small_site / "notebooks" / "00_start_here.html").read_text()
    assert "SECRET" not in page and "correct" not in page and "answer_function" not in page
    assert "print" in page


def test_small_site_links_and_navigation_resolve(small_site):
    for page in [small_site / "index.html", *sorted((small_site / "notebooks").glob("*.html"))]:
        text = page.read_text()
        targets = re.findall(r'(?:href|src)="([^"#?]+)', text)
        local = [t for t in targets if not re.match(r"[a-z]+:", t)]
        assert local, page
        for target in local:
            assert (page.parent / target).exists(), f"{page.name}: {target}"
    first = (small_site / "notebooks" / "00_start_here.html").read_text()
    assert 'href="01_sequences_and_language_models.html"' in first
    assert 'href="../index.html"' in first
    index = (small_site / "index.html").read_text()
    assert 'href="notebooks/00_start_here.html"' in index
    assert 'href="notebooks/01_sequences_and_language_models.html"' in index
    assert index.count('href="notebooks/') == 2, "only the notebooks written are linked"


def test_no_page_of_the_small_site_names_a_web_address_it_would_load(small_site):
    written = [p for p in small_site.rglob("*") if p.is_file() and p.suffix in (".html", ".css")
               and "_static/mathjax" not in p.as_posix()]
    assert len(written) >= 4
    for path in written:
        assert site.external_urls(path.read_text()) == [], path


def test_a_missing_figure_stops_the_build(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = notebook(cell("markdown", "![gone](../figures/not_there.png)"))
    (notebooks / "00_start_here.ipynb").write_text(json.dumps(nb))
    with pytest.raises(ValueError, match="not_there.png"):
        site.build(notebooks, tmp_path / "html", vendor=fake_vendor(tmp_path / "vendor"))

