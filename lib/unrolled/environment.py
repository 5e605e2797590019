"""Does this Python have what the course was pinned against? Say what to do if not.

The pins live in the repository next to the package: ``requirements.txt``
(what a learner needs), ``requirements-dev.txt`` (test tools) and
``constraints.txt`` (every transitive dependency). :func:`check` reads them,
compares each pin with the version installed (``importlib.metadata``), and
returns a :class:`Report` whose text is a table and, when something differs,
one clear instruction.

If the package was installed without its repository (so there are no pin files
to read), the report says so and lists the versions of the main packages.

Run it on its own with ``python -m unrolled.environment`` (exit status 1 when
something needs fixing); notebook 00 prints the same report.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

#: The Python the pins were made with (constraints.txt is a freeze on this version).
PYTHON = (3, 11)

#: The packages shown when there are no pin files to compare with.
MAIN_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "jupyterlab", "ipykernel", "tqdm")

#: The one instruction that repairs a virtual environment that drifted from the pins.
#: (``make lab`` alone reinstalls only when a pin file is newer than .venv.)
REBUILD = "remove the .venv folder (rm -rf .venv) and run make lab again: it rebuilds .venv from the pins"

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


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


def repository_root() -> Path | None:
    """The folder holding the pin files, when this package is used from the course's repository."""
    root = Path(__file__).resolve().parent.parent.parent
    return root if (root / "requirements.txt").is_file() else None


@dataclass(frozen=True)
class Row:
    """One pinned package: ``status`` is "ok", "missing" or "differs"."""
    name: str
    group: str  # "course", "tests" or "other"
    pinned: str
    installed: str | None

    @property
    def status(self) -> str:
        if self.installed is None:
            return "missing"
        return "ok" if self.installed == self.pinned else "differs"

    @property
    def problem(self) -> bool:
        """Missing test tools are expected (only `make test` installs them); anything else that differs is not."""
        if self.status == "ok":
            return False
        return not (self.group in ("tests", "other") and self.status == "missing")


@dataclass
class Report:
    python: tuple[int, int]
    kernel: str  # "course", "other" or "unknown"
    rows: list[Row] = field(default_factory=list)
    pins_found: bool = True
    unpinned: dict[str, str] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        """What is wrong, one line each (empty when everything matches)."""
        found = []
        if self.python != PYTHON:
            found.append(f"this is Python {self.python[0]}.{self.python[1]}; the pins are for "
                         f"Python {PYTHON[0]}.{PYTHON[1]}")
        if self.kernel == "other":
            found.append("this Python is not the course's .venv")
        for row in self.rows:
            if row.problem:
                have = "not installed" if row.installed is None else f"{row.installed} installed"
                found.append(f"{row.name}: pinned {row.pinned}, {have}")
        return found

    @property
    def ok(self) -> bool:
        return self.pins_found and not self.problems

    def advice(self) -> list[str]:
        """What to do about the problems, most important first."""
        if not self.pins_found:
            return [("The pin files (requirements.txt, constraints.txt) are not next to this package, "
                     "so there is nothing to compare with. Run the course from its repository: "
                     "make lab installs everything it needs.")]
        todo = []
        if self.python != PYTHON:
            todo.append(f"Install Python {PYTHON[0]}.{PYTHON[1]}, then {REBUILD}.")
        if self.kernel == "other":
            todo.append("Start JupyterLab with make lab, which runs the notebooks in the course's .venv "
                        "(or choose that environment's kernel).")
        elif any(row.problem for row in self.rows):
            todo.append(f"To get the pinned versions, {REBUILD}.")
        return todo

    def text(self) -> str:
        """The report as a small fixed-width table, then the verdict and what to do."""
        def line(name, pinned, installed, status=""):
            return f"{name:18s} {pinned:>10s} {installed:>10s}  {status}".rstrip()

        py, want = ".".join(map(str, self.python)), ".".join(map(str, PYTHON))
        lines = [line("", "pinned", "installed"),
                 line("Python", want, py, "ok" if self.python == PYTHON else "differs")]
        if not self.pins_found:
            lines += [line(name, "-", version) for name, version in self.unpinned.items()]
        for group in ("course", "tests"):
            rows = [r for r in self.rows if r.group == group]
            if group == "tests" and rows:
                lines.append("test tools (only make test needs them):")
            for r in rows:
                status = r.status if r.problem or r.status == "ok" else "not installed (fine)"
                lines.append(line(r.name, r.pinned, r.installed or "-", status))
        others = [r for r in self.rows if r.group == "other" and r.installed is not None]
        if others:
            differ = [r for r in others if r.status != "ok"]
            lines.append(f"other pinned dependencies: {len(others)} installed, "
                         + ("all as pinned" if not differ else f"{len(differ)} differ from the pins"))
            lines += [line("  " + r.name, r.pinned, r.installed, "differs") for r in differ]
        lines.append("environment: " + {"course": "the course's .venv", "other": "NOT the course's .venv",
                                         "unknown": "unknown (no repository found)"}[self.kernel])
        lines.append("")
        if self.ok:
            lines.append("Everything matches the pins.")
        else:
            lines += [f"Problem: {p}" for p in self.problems]
            lines += [f"What to do: {a}" for a in self.advice()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle):
        p.text(self.text())


def check(root: Path | None = None, installed: dict[str, str] | None = None,
          python: tuple[int, int] | None = None, prefix: Path | None = None) -> Report:
    """Compare the pins in ``root`` (default: this package's repository) with what is installed.

    ``installed``, ``python`` and ``prefix`` default to this interpreter's
    distributions, version and ``sys.prefix``; tests pass their own.
    """
    root = repository_root() if root is None else Path(root)
    installed = installed_versions() if installed is None else {normalise(k): v for k, v in installed.items()}
    python = tuple(sys.version_info[:2]) if python is None else tuple(python)
    prefix = Path(sys.prefix if prefix is None else prefix)

    if root is None or not (root / "requirements.txt").is_file():
        unpinned = {name: installed.get(name, "missing") for name in MAIN_PACKAGES}
        return Report(python, "unknown", pins_found=False, unpinned=unpinned)

    venv = root / ".venv"
    kernel = "course" if prefix.resolve() == venv.resolve() else "other"
    course = read_pins(root / "requirements.txt")
    dev = root / "requirements-dev.txt"
    tests = {k: v for k, v in (read_pins(dev) if dev.is_file() else {}).items() if k not in course}
    constraints = root / "constraints.txt"
    other = {k: v for k, v in (read_pins(constraints) if constraints.is_file() else {}).items()
             if k not in course and k not in tests}
    rows = [Row(name, group, version, installed.get(name))
            for group, pins in (("course", course), ("tests", tests), ("other", other))
            for name, version in pins.items()]
    return Report(python, kernel, rows)


def main() -> int:
    report = check()
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
