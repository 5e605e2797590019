"""The notation table: well-formed Markdown, every note covered, the course's decisions stated."""
import re

import pytest
from unrolled import notation
from unrolled.course import NOTES


def cells(line):
    """The cells of one Markdown table row, as a Markdown renderer splits them."""
    line = line.strip()
    assert line.startswith("|") and line.endswith("|"), line
    return [cell.strip() for cell in line[1:-1].split("|")]


def test_both_parts_are_well_formed_narrow_markdown_tables():
    for part, columns in ((notation.compact(), 3), (notation.mapping(), 2)):
        lines = part.splitlines()
        assert len(lines) == 2 + len(notation.SYMBOLS)
        assert {len(cells(line)) for line in lines} == {columns}, "a stray | inside a cell would split it"


def test_the_notes_names_are_collapsed_under_the_compact_table():
    text = notation.table(["002", "004"])
    head, _, rest = text.partition("\n\n<details>")
    assert head == notation.compact(["002", "004"])
    assert rest.startswith("<summary>What notes 002 and 004 call each symbol")
    # blank lines around the inner table, or a Markdown renderer shows it as raw text
    assert f"</summary>\n\n{notation.mapping(['002', '004'])}\n\n</details>" in rest
    assert notation.table(["002"]).count("What note 002 calls each symbol") == 1
    assert "What all five notes call" in notation.table()


def test_compact_table_fits_a_small_window():
    """No cell of the visible table is longer than about half a 1366 px window of text."""
    for sym in notation.rows():
        for text in (sym.course, sym.meaning, sym.code):
            assert len(re.sub(r"\\[a-z]+|[{}$`]", "", text)) <= 110, text


def test_symbols_narrow_the_rows_and_unknown_ones_are_refused():
    chosen = [r"$h_t$", r"$W_{hh}$"]
    assert [sym.course for sym in notation.rows(None, chosen)] == chosen
    assert len(notation.compact(symbols=chosen).splitlines()) == 4
    with pytest.raises(ValueError, match="symbols"):
        notation.table(symbols=[r"$q_t$"])


def test_no_control_characters_from_unescaped_latex():
    # "\t" in "\times" or "\r" in "\rho" turns into a tab or carriage return in a non-raw string
    for sym in notation.SYMBOLS:
        for text in (sym.course, sym.meaning, sym.code, *sym.notes.values()):
            assert not re.search(r"[\x00-\x1f]", text), text


def test_every_note_has_symbols_and_only_known_notes_are_used():
    for note in NOTES:
        assert sum(note in sym.notes for sym in notation.SYMBOLS) >= 8, note
    for sym in notation.SYMBOLS:
        assert set(sym.notes) <= set(NOTES)


def test_the_course_decisions_are_in_the_table():
    text = notation.table()
    assert text.count("`x @ W_hx.T`") == 1               # how W_hx is applied in code
    assert r"$s_t$" in text and r"$w_{rec}$" in text     # 000's state, 004's recurrent weight
    assert "i, f, g, o" in text and "r, z, n" in text    # the library's gate blocks
    assert r"$u_t = 1 - z_t$" in text                    # the notes' update gate vs ours


def test_one_note_keeps_only_the_rows_it_uses():
    lines = notation.mapping(["002"]).splitlines()
    assert cells(lines[0]) == ["course", "note 002"]
    body = [cells(line)[-1] for line in lines[2:]]
    assert body and notation.NONE not in body and all(cell.startswith("**002**: ") for cell in body)
    assert any("$U = A^\\top$" in cell for cell in body)
    assert len(notation.rows(["002"])) == len(body) < len(notation.SYMBOLS)


@pytest.mark.parametrize("notes", [["005"], []])
def test_unknown_notes_are_refused(notes):
    with pytest.raises(ValueError, match="notes"):
        notation.table(notes)


def test_library_names_in_the_code_column_exist():
    """`module.name` in the table must be a real name in the library, so the table cannot drift from it."""
    import importlib

    found = 0
    for sym in notation.SYMBOLS:
        for module, name in re.findall(r"`(\w+)\.(\w+)", sym.code):
            if module in ("np", "x", "W_hx"):
                continue
            assert hasattr(importlib.import_module(f"unrolled.{module}"), name), f"{module}.{name}"
            found += 1
    assert found >= 3


def test_notebooks_show_the_current_table():
    """A notebook stores the table it showed; after a change here, every notebook that shows it must be re-run.

    Checked here too (nbval would also fail) to say which notebook and what to do.
    """
    import ast
    import json
    from pathlib import Path

    stale = []
    for path in sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or "notation.show(" not in source:
                continue
            python = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            calls = [node for node in ast.walk(ast.parse(python))
                     if isinstance(node, ast.Call) and ast.unparse(node.func) == "notation.show"]
            notes = ast.literal_eval(calls[0].args[0]) if calls[0].args else None
            keywords = {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords}
            shown = [out["data"]["text/markdown"] for out in cell["outputs"] if "text/markdown" in out.get("data", {})]
            if shown and "".join(shown[0]) != notation.table(notes, keywords.get("symbols"), keywords.get("notebook")):
                stale.append(path.name)
    assert not stale, f"re-execute {stale} (tools/execute_notebooks.py): they show an older notation table"


def test_each_notebook_can_show_only_the_rows_it_uses():
    from unrolled import course

    known = {sym.course for sym in notation.SYMBOLS}
    numbers = {nb.number for nb in course.NOTEBOOKS}
    for number, used in notation.USED_IN.items():
        assert number in numbers and number != 0, number
        assert set(used) <= known, set(used) - known
        assert len(set(used)) == len(used)
        nb = course.NOTEBOOKS[number]
        text = notation.table(nb.notes, notebook=number)
        assert text == notation.table(nb.notes, symbols=used)
        assert notation.compact(nb.notes, used).count("\n") == 1 + len(used)
    # the HMM's row only where the HMM is; the LSTM's rows not in the HMM notebook
    assert [n for n, used in notation.USED_IN.items() if r"$A,\ E$ (HMM)" in used] == [2]
    assert r"$c_t$" not in notation.USED_IN[2]
    # a notebook not listed shows what its notes have
    assert notation.table(["001", "004"], notebook=9) == notation.table(["001", "004"])


def test_notebook_and_symbols_are_not_both_given_and_the_number_is_an_int():
    with pytest.raises(ValueError, match="notebook"):
        notation.table(notebook=3, symbols=[r"$x_t$"])
    with pytest.raises(TypeError, match="notebook"):
        notation.table(notebook="03")
