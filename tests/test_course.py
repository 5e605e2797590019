"""The course map: complete, consistent with the runtime check and the README, read from the file system."""
from pathlib import Path

import pytest
from unrolled import course

from tests import nbval_budget

ROOT = Path(__file__).resolve().parent.parent


def test_ten_notebooks_numbered_in_order_with_matching_file_names():
    assert [nb.number for nb in course.NOTEBOOKS] == list(range(10))
    for nb in course.NOTEBOOKS:
        assert nb.planned.startswith(nb.prefix) and nb.planned.endswith(".ipynb")
        assert nb.title and nb.teaches


def test_every_notebook_follows_known_notes_and_every_note_is_followed():
    followed = set()
    for nb in course.NOTEBOOKS:
        assert nb.notes and set(nb.notes) <= set(course.NOTES), nb
        followed |= set(nb.notes)
    assert followed == set(course.NOTES)


def test_budgets_agree_with_the_runtime_check_of_make_test():
    for nb in course.NOTEBOOKS:
        assert nb.budget == nbval_budget.budget(nb.planned), nb.planned
    assert course.SERIES_BUDGET == nbval_budget.SERIES_BUDGET


def test_written_notebooks_are_found_by_their_number_prefix(tmp_path):
    (tmp_path / "00_start_here.ipynb").write_text("{}")
    (tmp_path / "03_a_name_nobody_planned.ipynb").write_text("{}")
    rows = {row["number"]: row for row in course.course_map(tmp_path)}
    assert rows[0]["written"] and rows[3]["written"]
    assert rows[3]["file"] == "03_a_name_nobody_planned.ipynb"
    assert not rows[1]["written"] and rows[1]["file"] == course.NOTEBOOKS[1].planned
    table = course.markdown_table(tmp_path, link="notebooks/")
    assert "| [03 Backpropagation through time](notebooks/03_a_name_nobody_planned.ipynb) |" in table
    assert "| 01 Sequences and language models |" in table  # no link to a file that does not exist
    assert "(notebooks/01_" not in table
    assert table.count("not written yet |") == 8 and table.count(" ready |") == 2


def test_study_times_add_up_in_the_summary(tmp_path):
    for name in ("00_start_here.ipynb", "03_bptt.ipynb"):
        (tmp_path / name).write_text("{}")
    line = course.study_summary(tmp_path)
    minutes = course.NOTEBOOKS[0].study + course.NOTEBOOKS[3].study
    total = sum(nb.study for nb in course.NOTEBOOKS)
    assert line.startswith("2 of 10 notebooks are ready")
    assert f"about {course.hours(minutes)} ({course.NOTEBOOKS[0].study} + {course.NOTEBOOKS[3].study} min)" in line
    assert line.endswith(f"the whole course about {course.hours(total)}.")
    assert all(nb.study % 30 == 0 and 30 <= nb.study <= 120 for nb in course.NOTEBOOKS)


@pytest.mark.parametrize("minutes, text", [(30, "30 min"), (60, "1 h"), (90, "1.5 h"), (840, "14 h")])
def test_hours(minutes, text):
    assert course.hours(minutes) == text


def test_every_notebook_says_what_to_know_first_and_skips_point_backwards():
    for nb in course.NOTEBOOKS:
        assert nb.before, nb.title
        # "know first" names only earlier notebooks
        for number in __import__("re").findall(r"\b(0\d)\b", nb.before):
            assert int(number) < nb.number, (nb.title, number)
    assert "02 The HMM as an RNN" in course.skippable()


def test_next_leads_to_the_next_notebook_that_exists(tmp_path):
    for name in ("00_start_here.ipynb", "02_hmm_as_rnn.ipynb"):
        (tmp_path / name).write_text("{}")
    assert course.next_notebook(0, tmp_path) == (
        "Next: **[02 The HMM as an RNN](02_hmm_as_rnn.ipynb)** (01 not written yet).")
    assert course.next_notebook(2, tmp_path) == "This is the last notebook written so far."
    assert course.next_notebook(9, tmp_path) == "This is the last notebook of the course."


def test_every_note_has_a_full_reference_and_002_its_licence():
    assert set(course.REFERENCES) == set(course.NOTES)
    for number, text in course.REFERENCES.items():
        assert "licen" in text.lower() and any(str(y) in text for y in range(2015, 2023)) or number == "003", number
    assert "CC-BY 4.0" in course.REFERENCES["002"] and "Hasegawa-Johnson" in course.REFERENCES["002"]


def test_readme_carries_the_references_and_the_licence_exists():
    readme = (ROOT / "README.md").read_text()
    assert course.references_block() in readme, (
        "README.md's references differ from unrolled/course.py: "
        "run `.venv/bin/python -m unrolled.course --update-readme`")
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_missing_folder_means_nothing_written(tmp_path):
    rows = course.course_map(tmp_path / "absent")
    assert not any(row["written"] for row in rows)


def test_the_repository_is_found_from_the_package():
    assert course.repository_root() == ROOT
    assert course.notebooks_dir() == ROOT / "notebooks"
    assert course.find(course.NOTEBOOKS[0]) == ROOT / "notebooks" / "00_start_here.ipynb"


def test_readme_carries_the_current_course_map():
    readme = (ROOT / "README.md").read_text()
    assert course.readme_block() in readme, (
        "README.md's course map differs from unrolled/course.py: "
        "run `.venv/bin/python -m unrolled.course --update-readme`")


def test_update_readme_rewrites_only_the_map(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{course.README_START}\nold map\n{course.README_END}\n\nAfter.\n")
    assert course.update_readme(readme)
    text = readme.read_text()
    assert text.startswith("# Title\n\n") and text.endswith("\n\nAfter.\n")
    assert course.readme_block() in text and "old map" not in text
    assert not course.update_readme(readme)  # second run: nothing to change


def test_update_readme_rewrites_the_references_between_their_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"{course.README_START}\nold map\n{course.README_END}\n\n"
                      f"{course.REFERENCES_START}\nold references\n{course.REFERENCES_END}\n\nAfter.\n")
    assert course.update_readme(readme)
    text = readme.read_text()
    assert course.references_block() in text and "old references" not in text
    assert text.endswith(f"{course.REFERENCES_END}\n\nAfter.\n")


def test_update_readme_refuses_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no map here\n")
    with pytest.raises(ValueError, match="path"):
        course.update_readme(readme)


def test_notebooks_present_have_their_planned_names():
    """The README links to the planned file names: a notebook saved under another name breaks its link."""
    for nb in course.NOTEBOOKS:
        path = course.find(nb)
        if path is not None:
            assert path.name == nb.planned, (
                f"{path.name}: the course map plans {nb.planned}; rename the file, or change `planned` "
                "in lib/unrolled/course.py and run `.venv/bin/python -m unrolled.course --update-readme`")


def test_the_notebooks_are_found_from_their_folder_when_the_package_lives_elsewhere(monkeypatch):
    monkeypatch.setattr(course, "__file__", "/nowhere/site-packages/unrolled/course.py")
    monkeypatch.chdir(ROOT / "notebooks")
    assert course.repository_root() == ROOT
    assert course.find(course.NOTEBOOKS[0]) == ROOT / "notebooks" / "00_start_here.ipynb"
