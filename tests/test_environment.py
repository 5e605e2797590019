"""The environment check: judges what is installed (never where), and says what to do.

Every case runs on fake version tables, so the verdicts are tested for machines
this one is not: another Python, conda's or a hub's packages, a missing package.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from unrolled import environment

ROOT = Path(__file__).resolve().parent.parent

# what each fake package requires (the course's two packages pull in jinja2; pytest in pluggy)
NEEDS = {"numpy": set(), "ipywidgets": {"Jinja2"}, "jinja2": {"markupsafe"}, "markupsafe": set(),
         "pytest": {"pluggy"}, "pluggy": set(), "zipp": set()}
AS_PINNED = {"numpy": "2.4.6", "ipywidgets": "8.1.9", "jinja2": "3.1.6", "markupsafe": "3.0.4"}


def make_repo(tmp_path):
    """A repository with three pin files shaped like the real ones."""
    (tmp_path / "requirements.txt").write_text(
        "# comment\n-c constraints.txt\nnumpy==2.4.6\nipywidgets==8.1.9  # widgets\n-e .\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest==9.2.0\n")
    (tmp_path / "constraints.txt").write_text(
        "# freeze\nnumpy==2.4.6\nipywidgets==8.1.9\npytest==9.2.0\nJinja2==3.1.6\nMarkupSafe==3.0.4\n"
        "pluggy==1.7.0\nzipp==3.23.0\n")
    return tmp_path


def check(tmp_path, installed, python=(3, 11)):
    return environment.check(make_repo(tmp_path), installed, python, NEEDS)


def test_read_pins_normalises_names_and_ignores_other_lines(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("-r other.txt\n-e .\n# x==1\nJinja2==3.1.6\nfoo_bar.baz[extra]==1.0 ; python_version>'3'\n")
    assert environment.read_pins(path) == {"jinja2": "3.1.6", "foo-bar-baz": "1.0"}


def test_dependencies_follow_requirements_transitively():
    needs = {"a": {"b"}, "b": {"c", "not-installed"}, "c": {"a"}, "d": set()}
    assert environment.dependencies(["a"], needs) == {"b", "c"}


def test_as_pinned_is_ok_and_the_text_is_the_same_with_or_without_the_test_tools(tmp_path):
    learner = check(tmp_path, AS_PINNED)
    maintainer = check(tmp_path, {**AS_PINNED, "pytest": "9.2.0", "pluggy": "1.7.0", "zipp": "3.23.0"})
    assert learner.ok and maintainer.ok and learner.works
    assert learner.text() == maintainer.text()
    text = learner.text()
    assert "Everything is as the course was tested" in text and "What to do" not in text
    assert "pytest" not in text and "test tools" not in text


def test_the_text_does_not_depend_on_where_the_environment_lives(tmp_path, monkeypatch):
    """A .venv, a conda prefix, a hub's Python: the same versions give the same report."""
    texts = set()
    for prefix in (tmp_path / ".venv", Path("/opt/conda/envs/rnn"), Path("/srv/hub/user")):
        monkeypatch.setattr(sys, "prefix", str(prefix))
        monkeypatch.setattr(sys, "executable", str(prefix / "bin" / "python"))
        texts.add(check(tmp_path, AS_PINNED).text())
    assert len(texts) == 1


def test_a_newer_python_with_everything_installed_is_untested_not_broken(tmp_path):
    report = check(tmp_path, AS_PINNED, python=(3, 12))
    assert report.works and not report.ok and report.blockers == []
    assert report.differences == ["Python 3.12; the course was tested with Python 3.11"]
    text = report.text()
    assert "newer (untested)" in text and "The course should run" in text
    assert "Nothing needs doing" in text and "rm -rf .venv" not in text


def test_an_older_python_will_not_work(tmp_path):
    report = check(tmp_path, AS_PINNED, python=(3, 10))
    assert not report.works
    assert report.blockers == ["Python 3.10 is older than the course needs (3.11 or newer)"]
    assert "This will not work" in report.text() and "Install Python 3.11" in report.text()


def test_a_differing_course_package_is_named_with_the_fix_for_any_environment(tmp_path):
    report = check(tmp_path, {**AS_PINNED, "numpy": "2.0.0"})
    assert report.works and not report.ok
    assert report.differences == ["numpy 2.0.0; the course was tested with 2.4.6"]
    text = report.text()
    assert "numpy                   2.4.6      2.0.0  differs" in text
    assert "rm -rf .venv" in text and "make lab" in text              # the course's own .venv
    assert "pip install -r requirements.txt" in text and "conda" in text  # anywhere else


def test_a_missing_course_package_will_not_work(tmp_path):
    installed = {k: v for k, v in AS_PINNED.items() if k != "ipywidgets"}
    report = check(tmp_path, installed)
    assert not report.works
    assert report.blockers == ["ipywidgets is not installed; the course imports it"]
    assert "MISSING" in report.text() and "This will not work" in report.text()


def test_jupyterlab_in_another_environment_than_the_kernel_is_not_a_blocker(tmp_path):
    """On a hub or with conda kernels the server's JupyterLab lives elsewhere: the kernel runs the course."""
    (tmp_path / "requirements.txt").write_text("numpy==2.4.6\njupyterlab==4.6.6\n")
    (tmp_path / "constraints.txt").write_text("numpy==2.4.6\njupyterlab==4.6.6\n")
    report = environment.check(tmp_path, {"numpy": "2.4.6"}, (3, 11), {"numpy": set()})
    assert report.works and not report.ok and not report.blockers
    assert "not here" in report.text() and "MISSING" not in report.text()
    assert any("jupyterlab is not in this kernel's environment" in d for d in report.differences)
    # numpy missing is still a blocker
    report = environment.check(tmp_path, {"jupyterlab": "4.6.6"}, (3, 11), {"jupyterlab": set()})
    assert not report.works and report.blockers == ["numpy is not installed; the course imports it"]


def test_a_dependency_that_differs_is_reported_but_test_tools_never_are(tmp_path):
    report = check(tmp_path, {**AS_PINNED, "markupsafe": "2.0.0", "pytest": "8.0.0", "pluggy": "0.1"})
    assert report.differences == ["markupsafe 2.0.0; the course was tested with 3.0.4"]
    text = report.text()
    assert "packages these use: 1 differ" in text and "pluggy" not in text and "pytest" not in text


def test_without_pin_files_it_degrades_to_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = environment.check(tmp_path, {"numpy": "2.4.6"}, (3, 11), {})
    assert not report.ok and not report.pins_found
    text = report.text()
    assert "pin files" in text and "make lab" in text
    assert "numpy                       -      2.4.6" in text
    assert "matplotlib                  -    missing" in text


def test_the_pins_are_found_from_the_notebooks_folder_when_the_package_lives_elsewhere(monkeypatch):
    monkeypatch.setattr(environment, "__file__", "/nowhere/site-packages/unrolled/environment.py")
    monkeypatch.chdir(ROOT / "notebooks")
    assert environment.repository_root() == ROOT


def test_the_package_finds_the_repository_pins():
    assert environment.repository_root() == ROOT
    assert "numpy" in environment.read_pins(ROOT / "requirements.txt")


@pytest.mark.parametrize("python", [(3, 11), (3, 13)])
def test_the_command_line_exit_status(tmp_path, python, monkeypatch):
    report = check(tmp_path, AS_PINNED, python)
    monkeypatch.setattr(environment, "check", lambda: report)
    assert environment.main() == (0 if python == (3, 11) else 2)


def test_this_environment_runs_the_check_as_a_module():
    out = subprocess.run([sys.executable, "-m", "unrolled.environment"], capture_output=True, text=True)
    assert "tested with" in out.stdout and out.returncode in (0, 1, 2)


def test_notebook_00_stores_what_any_correctly_pinned_environment_prints():
    """nbval compares the stored report: it must be the text of an environment with exactly the pins."""
    import json

    pins = environment.read_pins(ROOT / "constraints.txt") | environment.read_pins(ROOT / "requirements.txt")
    expected = environment.check(ROOT, pins, environment.PYTHON).text()
    notebook = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text())
    [cell] = [c for c in notebook["cells"] if "environment.check()" in "".join(c["source"])]
    assert "nbval-ignore-output" not in cell["metadata"].get("tags", [])
    stored = "".join(out.get("text", "") for out in cell["outputs"])
    assert stored == expected + "\n"
