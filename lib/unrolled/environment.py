"""Can this Python run the course, and is it what the course was tested with? Say what to do if not.

The pins live in the repository next to the package: ``requirements.txt``
(what a learner needs) and ``constraints.txt`` (everything those pull in, and
the test tools). :func:`check` compares each package the course needs, and
each installed package those depend on, with its pin, and returns a
:class:`Report` that tells three things apart:

* **as tested**: every version equals its pin, on the Python the pins were made
  with: the notebooks print what their stored outputs show;
* **differs from what was tested**: another version or a newer Python. The
  course most likely runs, but a figure or a widget may look different, and
  the notebooks' tests (``make test``) may not pass;
* **will not work**: a package the course imports is missing, or Python is
  older than the course requires. (JupyterLab missing from the kernel's
  environment is only a difference: on a hub, or with conda kernels, the
  server runs from another environment.)

The report judges what is installed, never where: the course's ``.venv``, a
clone in CI, Binder, JupyterHub and conda with the pinned versions all print
the same text (notebook 00 stores it and nbval compares it). The test tools
(``requirements-dev.txt``) are left out: a learner does not need them.

``python -m unrolled.environment`` prints the report (exit status 1 when
something will not work, 2 when something differs from what was tested).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: The Python the pins were made with (constraints.txt is a freeze on this version).
PYTHON = (3, 11)

#: The oldest Python the course runs on (pyproject.toml's requires-python).
MIN_PYTHON = (3, 11)

#: Pinned packages that run the notebook server, not the kernel: on a JupyterHub or with conda
#: kernels, JupyterLab often lives in another environment than the kernel's, and the course runs.
SERVER_SIDE = frozenset({"jupyterlab"})

#: The packages shown when there are no pin files to compare with.
MAIN_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "jupyterlab", "ipykernel", "tqdm")

#: How to install the pinned versions, wherever the course runs. (``make lab`` alone
#: reinstalls only when a pin file is newer than .venv.)
REINSTALL = ("with make lab, remove the .venv folder (rm -rf .venv) and run make lab again; "
             "in another environment (conda, JupyterHub, Binder), run python -m pip install -r requirements.txt "
             "there, from the course's folder, then restart the kernel.")

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")
_REQUIRES = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    """A distribution name as pip compares it (PEP 503): lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """``name == version`` lines of a requirements or constraints file (other lines ignored)."""
    pins = {}
    for line in Path(path).read_text().splitlines():
        match = _PIN.match(line)
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def installed_versions() -> dict[str, str]:
    """Every distribution visible to this Python, by normalised name."""
    versions = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(normalise(name), dist.version)
    return versions


def installed_requirements() -> dict[str, set[str]]:
    """For each installed distribution, the names it requires (requirements needed only by extras left out)."""
    needs = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        names = set()
        for req in dist.requires or ():
            match = _REQUIRES.match(req)
            if match and "extra" not in req.partition(";")[2]:
                names.add(normalise(match.group(1)))
        needs.setdefault(normalise(name), names)
    return needs


def dependencies(roots, needs: dict[str, set[str]]) -> set[str]:
    """Every installed package that ``roots`` need, directly or through others (``roots`` excluded)."""
    seen, todo = set(), [r for r in roots if r in needs]
    while todo:
        for dep in needs.get(todo.pop(), ()):
            if dep not in seen and dep in needs:
                seen.add(dep)
                todo.append(dep)
    return seen - set(roots)


def _is_course(root: Path) -> bool:
    project = root / "pyproject.toml"
    return ((root / "requirements.txt").is_file() and project.is_file()
            and 'name = "unrolled"' in project.read_text())


def repository_root() -> Path | None:
    """The folder holding the pin files: next to this package, else the working folder or its parent.

    The second place finds the pins when the package was installed without its
    sources (``pip install .`` on a hub): a notebook's kernel runs in notebooks/.
    """
    here = Path(__file__).resolve().parent.parent.parent
    for root in (here, Path.cwd(), Path.cwd().parent):
        if _is_course(root):
            return root
    return None


@dataclass(frozen=True)
class Row:
    """One pinned package: ``status`` is "ok", "missing" or "differs".

    ``group`` is "course" (requirements.txt: the course needs it) or "other"
    (a package those need, pinned in constraints.txt). A missing package of
    :data:`SERVER_SIDE` is not a blocker: the kernel does not import it.
    """
    name: str
    group: str
    pinned: str
    installed: str | None

    @property
    def status(self) -> str:
        if self.installed is None:
            return "missing"
        return "ok" if self.installed == self.pinned else "differs"


@dataclass
class Report:
    """The comparison; :meth:`text` is what notebook 00 prints."""
    python: tuple[int, int]
    rows: list[Row]
    pins_found: bool = True
    unpinned: dict[str, str] | None = None

    @property
    def blockers(self) -> list[str]:
        """What will not work, one line each."""
        found = []
        if self.python < MIN_PYTHON:
            found.append(f"Python {_v(self.python)} is older than the course needs ({_v(MIN_PYTHON)} or newer)")
        found += [f"{r.name} is not installed; the course imports it"
                  for r in self.rows if r.group == "course" and r.status == "missing"
                  and r.name not in SERVER_SIDE]
        return found

    @property
    def differences(self) -> list[str]:
        """What differs from what the course was tested with, one line each (it most likely runs)."""
        found = []
        if self.python != PYTHON and self.python >= MIN_PYTHON:
            found.append(f"Python {_v(self.python)}; the course was tested with Python {_v(PYTHON)}")
        found += [f"{r.name} {r.installed}; the course was tested with {r.pinned}"
                  for r in self.rows if r.status == "differs"]
        found += [f"{r.name} is not in this kernel's environment: fine when JupyterLab runs from another "
                  "one (a hub, conda's base)"
                  for r in self.rows if r.group == "course" and r.status == "missing" and r.name in SERVER_SIDE]
        return found

    @property
    def works(self) -> bool:
        """Nothing is known to stop the course from running."""
        return self.pins_found and not self.blockers

    @property
    def ok(self) -> bool:
        """Everything as the course was tested: the notebooks print what they have stored."""
        return self.works and not self.differences

    def advice(self) -> list[str]:
        """What to do, most important first (empty when everything is as tested)."""
        if not self.pins_found:
            return ["The pin files (requirements.txt, constraints.txt) were not found next to this package "
                    "or in the folders around this notebook, so there is nothing to compare with. Run the "
                    "notebooks from the course's folder, after installing it: make lab, or "
                    "python -m pip install -r requirements.txt."]
        todo = []
        packages = [r for r in self.rows if r.status != "ok" and not (r.group == "other" and r.installed is None)]
        if self.python < MIN_PYTHON:
            todo.append(f"Install Python {_v(PYTHON)} (the version the course was tested with) and create "
                        "the environment with it: make lab, or python -m pip install -r requirements.txt.")
        if packages:
            todo.append(f"To install the tested versions: {REINSTALL}")
            if self.works:
                todo.append("Or carry on: the course most likely runs as it is, but a figure or a widget may "
                            "look different, and a number's last digits may differ from the stored notebook.")
        elif self.python != PYTHON and self.works:
            todo.append(f"Nothing needs doing. For exactly the tested set-up, use Python {_v(PYTHON)} "
                        "(make lab uses python3.11 when it is installed).")
        return todo

    def text(self) -> str:
        """The report: a small table of the packages the course needs, then the verdict and what to do."""
        def line(name, pinned, installed, status=""):
            return f"{name:16s} {pinned:>12s} {installed:>10s}  {status}".rstrip()

        lines = [line("", "tested with", "installed"),
                 line("Python", _v(PYTHON), _v(self.python),
                      "ok" if self.python == PYTHON else
                      "too old" if self.python < MIN_PYTHON else "newer (untested)")]
        if not self.pins_found:
            lines += [line(name, "-", version) for name, version in (self.unpinned or {}).items()]
        for r in self.rows:
            if r.group == "course":
                missing = "not here" if r.name in SERVER_SIDE else "MISSING"
                lines.append(line(r.name, r.pinned, r.installed or "-",
                                  {"ok": "ok", "differs": "differs", "missing": missing}[r.status]))
        if self.pins_found:
            differ = [r for r in self.rows if r.group == "other" and r.status == "differs"]
            lines.append("packages these use: " + ("as tested" if not differ else f"{len(differ)} differ"))
            lines += [line("  " + r.name, r.pinned, r.installed, "differs") for r in differ]
        lines.append("")
        if not self.pins_found:
            lines.append("Nothing to compare with: the pin files were not found.")
        elif self.ok:
            lines.append("Everything is as the course was tested: the notebooks will print what they show.")
        elif self.works:
            lines.append("The course should run; some versions differ from what it was tested with:")
            lines += [f"  - {d}" for d in self.differences]
        else:
            lines.append("This will not work:")
            lines += [f"  - {b}" for b in self.blockers]
            lines += [f"  - also: {d}" for d in self.differences]
        lines += [f"What to do: {a}" for a in self.advice()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle):
        p.text(self.text())


def _v(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def check(root: Path | None = None, installed: dict[str, str] | None = None,
          python: tuple[int, int] | None = None, needs: dict[str, set[str]] | None = None) -> Report:
    """Compare the pins in ``root`` (default: :func:`repository_root`) with what is installed.

    ``installed`` (name -> version), ``python`` and ``needs`` (name -> the names
    it requires, see :func:`installed_requirements`) default to this
    interpreter's; tests pass their own. The packages compared are those of
    requirements.txt and every installed package they need, directly or not,
    that constraints.txt pins: never the test tools, whether installed or not.
    """
    root = repository_root() if root is None else Path(root)
    installed = installed_versions() if installed is None else {normalise(k): v for k, v in installed.items()}
    python = tuple(sys.version_info[:2]) if python is None else tuple(python)

    if root is None or not (root / "requirements.txt").is_file():
        unpinned = {name: installed.get(name, "missing") for name in MAIN_PACKAGES}
        return Report(python, [], pins_found=False, unpinned=unpinned)

    course = read_pins(root / "requirements.txt")
    constraints = root / "constraints.txt"
    pinned = read_pins(constraints) if constraints.is_file() else {}
    if needs is None:
        needs = installed_requirements()
    else:
        needs = {normalise(k): {normalise(d) for d in v} for k, v in needs.items()}
    used = dependencies(course, needs)
    rows = [Row(name, "course", version, installed.get(name)) for name, version in course.items()]
    rows += [Row(name, "other", pinned[name], installed.get(name))
             for name in sorted(used) if name in pinned and name not in course and name in installed]
    return Report(python, rows)


def main() -> int:
    report = check()
    print(report.text())
    return 0 if report.ok else (2 if report.works else 1)


if __name__ == "__main__":
    sys.exit(main())
