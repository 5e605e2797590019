"""The files repo2docker reads (Binder, many JupyterHubs) are there and agree with the pins."""
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# repo2docker reads the first of these it finds and may then ignore requirements.txt;
# the course is installed from requirements.txt only, so none may exist.
OVERRIDING = ["environment.yml", "environment.yaml", "Pipfile", "Pipfile.lock", "setup.py",
              "binder", ".binder", "Dockerfile", "Project.toml", "install.R", "DESCRIPTION"]


def requirement_lines(path):
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_runtime_names_the_python_the_course_is_tested_with():
    assert (ROOT / "runtime.txt").read_text() == "python-3.11\n"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    makefile = (ROOT / "Makefile").read_text()
    assert "python3.11" in makefile  # the Makefile looks for the same Python first
    assert sys.version_info[:2] >= (3, 11)


def test_requirements_pin_exactly_and_use_the_constraints():
    lines = requirement_lines(ROOT / "requirements.txt")
    assert "-c constraints.txt" in lines, "repo2docker must see the transitive pins"
    assert "-e ." in lines, "the course's library is installed from the repository"
    pins = [line for line in lines if not line.startswith("-")]
    assert pins, "requirements.txt pins nothing"
    for line in pins:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.+\-]*", line), f"not an exact pin: {line}"


def test_constraints_pin_every_requirement_at_the_same_version():
    constraints = {}
    for line in requirement_lines(ROOT / "constraints.txt"):
        name, _, version = line.partition("==")
        assert version, f"not an exact pin in constraints.txt: {line}"
        constraints[name.lower().replace("_", "-")] = version
    for line in requirement_lines(ROOT / "requirements.txt"):
        if line.startswith("-"):
            continue
        name, _, version = line.partition("==")
        key = name.lower().replace("_", "-")
        pinned = constraints.get(key)
        assert pinned == version, f"{name}: requirements.txt {version}, constraints.txt {pinned}"


def test_no_file_repo2docker_would_read_instead():
    present = [name for name in OVERRIDING if (ROOT / name).exists()]
    assert not present, f"repo2docker would use {present} instead of requirements.txt"


def test_the_badge_launches_this_repository_on_notebook_00():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    owner_repo = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", urls["Repository"]).group(1)
    readme = (ROOT / "README.md").read_text()
    badges = re.findall(r"\(https://mybinder\.org/v2/gh/([^/]+/[^/]+)/HEAD\?urlpath=lab/tree/([^)\s]+)\)", readme)
    assert badges, "the README has no Binder launch badge"
    for repo, path in badges:
        assert repo == owner_repo
        assert (ROOT / path).is_file(), f"the badge opens {path}, which does not exist"


def test_the_class_guide_is_linked_and_its_resource_table_is_filled():
    guide = ROOT / "docs" / "jupyterhub.md"
    assert "(docs/jupyterhub.md)" in (ROOT / "README.md").read_text()
    text = guide.read_text()
    block = text.split("<!-- resources: begin -->", 1)[1].split("<!-- resources: end -->", 1)[0]
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for name in notebooks:
        assert f"| {name} |" in block, f"{name} has no measured row (python tools/resources.py --update-docs)"
    assert "whole series" in block and "MiB" in block
    assert re.search(r"nbgitpuller==\d+\.\d+\.\d+`", text), "the guide must pin nbgitpuller exactly"
