"""The environment check: reads the pins, compares, and says what to do."""
import subprocess
import sys
from pathlib import Path

from unrolled import environment

ROOT = Path(__file__).resolve().parent.parent


def make_repo(tmp_path):
    """A repository with three pin files shaped like the real ones."""
    (tmp_path / "requirements.txt").write_text(
        "# comment\n-c constraints.txt\nnumpy==2.4.6\nipywidgets==8.1.9  # widgets\n-e .\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest==9.2.0\n")
    (tmp_path / "constraints.txt").write_text(
        "# freeze\nnumpy==2.4.6\nipywidgets==8.1.9\npytest==9.2.0\nJinja2==3.1.6\nzipp==3.23.0\n")
    return tmp_path


def test_read_pins_normalises_names_and_ignores_other_lines(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("-r other.txt\n-e .\n# x==1\nJinja2==3.1.6\nfoo_bar.baz[extra]==1.0 ; python_version>'3'\n")
    assert environment.read_pins(path) == {"jinja2": "3.1.6", "foo-bar-baz": "1.0"}


def test_everything_as_pinned_is_ok(tmp_path):
    root = make_repo(tmp_path)
    installed = {"numpy": "2.4.6", "ipywidgets": "8.1.9", "pytest": "9.2.0", "jinja2": "3.1.6"}
    report = environment.check(root, installed, (3, 11), root / ".venv")
    assert report.ok and report.problems == []
    text = report.text()
    assert "Everything matches the pins." in text and "What to do" not in text
    assert "other pinned dependencies: 1 installed, all as pinned" in text  # zipp not installed: fine
    assert "environment: the course's .venv" in text


def test_a_differing_course_package_is_named_with_the_fix(tmp_path):
    root = make_repo(tmp_path)
    installed = {"numpy": "2.0.0", "ipywidgets": "8.1.9"}
    report = environment.check(root, installed, (3, 11), root / ".venv")
    assert not report.ok
    assert report.problems == ["numpy: pinned 2.4.6, 2.0.0 installed"]
    text = report.text()
    assert "numpy                   2.4.6      2.0.0  differs" in text
    assert "What to do:" in text and "rm -rf .venv" in text and "make lab" in text


def test_missing_test_tools_are_fine_but_a_missing_course_package_is_not(tmp_path):
    root = make_repo(tmp_path)
    report = environment.check(root, {"numpy": "2.4.6", "ipywidgets": "8.1.9"}, (3, 11), root / ".venv")
    assert report.ok and "not installed (fine)" in report.text()
    report = environment.check(root, {"numpy": "2.4.6"}, (3, 11), root / ".venv")
    assert report.problems == ["ipywidgets: pinned 8.1.9, not installed"]


def test_a_transitive_dependency_that_differs_is_reported(tmp_path):
    root = make_repo(tmp_path)
    installed = {"numpy": "2.4.6", "ipywidgets": "8.1.9", "jinja2": "3.0.0"}
    report = environment.check(root, installed, (3, 11), root / ".venv")
    assert report.problems == ["jinja2: pinned 3.1.6, 3.0.0 installed"]
    assert "1 differ from the pins" in report.text()


def test_wrong_python_and_foreign_kernel_say_what_to_do(tmp_path):
    root = make_repo(tmp_path)
    installed = {"numpy": "2.4.6", "ipywidgets": "8.1.9"}
    report = environment.check(root, installed, (3, 12), tmp_path / "somewhere-else")
    assert not report.ok
    assert report.problems[:2] == ["this is Python 3.12; the pins are for Python 3.11",
                                   "this Python is not the course's .venv"]
    advice = " ".join(report.advice())
    assert "Install Python 3.11" in advice and "make lab" in advice
    assert "Python                   3.11       3.12  differs" in report.text()


def test_without_pin_files_it_degrades_to_a_clear_message(tmp_path):
    report = environment.check(tmp_path, {"numpy": "2.4.6"}, (3, 11), tmp_path)
    assert not report.ok and not report.pins_found
    text = report.text()
    assert "pin files" in text and "make lab" in text
    assert "numpy                       -      2.4.6" in text
    assert "matplotlib                  -    missing" in text


def test_the_package_finds_the_repository_pins():
    assert environment.repository_root() == ROOT
    assert "numpy" in environment.read_pins(ROOT / "requirements.txt")


def test_this_environment_matches_the_pins():
    """`make test` installs exactly the pins, so the check must agree (it is what notebook 00 shows)."""
    report = environment.check()
    assert report.ok, report.text()


def test_command_line_reports_and_sets_the_exit_status():
    result = subprocess.run([sys.executable, "-m", "unrolled.environment"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Everything matches the pins." in result.stdout
