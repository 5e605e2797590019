# Unrolled: the two commands a newcomer needs are `make lab` and `make test`.
# Everything runs inside .venv, which is (re)built whenever it is missing or
# older than the files that pin its contents.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PINS   := requirements.txt constraints.txt pyproject.toml
LAB_STAMP := $(VENV)/.installed-lab
DEV_STAMP := $(VENV)/.installed-dev
PORT   ?= 8888
REPORT := build/test-report
# nbgrader, for instructors who grade the exercises, lives in a virtualenv of its own
# (requirements-nbgrader.txt says why); `make lab` never installs it.
NBG_VENV  := .venv-nbgrader
NBG_PY    := $(NBG_VENV)/bin/python
NBG_STAMP := $(NBG_VENV)/.installed
COURSE    ?= build/nbgrader

.PHONY: lab test test-unit test-student test-notebooks test-notebooks-other-blas test-browser test-exports test-assignments assignments constraints-nbgrader notebooks figures student html slides bench constraints lint clean help

help:
	@echo "make lab         install (first time) and open the course in JupyterLab (PORT=8888 by default)"
	@echo "make test        install, then run every test: library, explorers, notebooks (twice), browser, exports"
	@echo "make notebooks   re-execute every notebook in place and store its outputs"
	@echo "make figures     regenerate figures/ from the library"
	@echo "make student     write notebooks without solutions to build/student/"
	@echo "make assignments write the exercises as nbgrader assignments to build/nbgrader/ (COURSE=...)"
	@echo "make html        the course as a static site, offline: build/html/index.html"
	@echo "make slides      export the notebooks as reveal.js slides to build/slides/"
	@echo "make bench       speed measurements (benchmarks/)"

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(f"Unrolled needs Python 3.11 or newer; $(PYTHON) is {v[0]}.{v[1]}. Install Python 3.11, or run: make lab PYTHON=/path/to/python3.11") if v < (3, 11) else None if v == (3, 11) else print(f"note: the course was tested with Python 3.11; this is {v[0]}.{v[1]}, which should work")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==26.0.1

$(LAB_STAMP): $(VENV)/bin/python $(PINS)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): $(LAB_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(NBG_VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit("nbgrader needs Python 3.11 or newer (PYTHON=...)") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(NBG_VENV)
	$(NBG_PY) -m pip install --quiet --disable-pip-version-check pip==26.0.1

$(NBG_STAMP): $(NBG_VENV)/bin/python $(PINS) requirements-nbgrader.txt constraints-nbgrader.txt
	$(NBG_PY) -m pip install --quiet --disable-pip-version-check -r requirements-nbgrader.txt
	@touch $@

# PORT=9000 chooses the port; if it is taken, tools/lab.py says so and uses the next free one.
# JupyterLab's news pop-up is off by default (tools/jupyter-config).
lab: $(LAB_STAMP)
	$(PY) tools/lab.py --port $(PORT)

# Budgets for the whole course (ten notebooks) on a 2-core machine: make test from a
# fresh clone within 25 minutes; the notebook series within 5 minutes under nbval.
# Every stage writes $(REPORT)/<stage>.xml; tools/test_report.py closes the run
# with where the time went (per stage, per notebook, the slowest tests).
test: lint test-unit test-student test-notebooks test-notebooks-other-blas test-browser test-exports test-assignments
	@$(PY) tools/test_report.py $(REPORT)

test-unit: $(DEV_STAMP)
	$(PY) -m pytest tests --ignore=tests/browser -m "not series" -q --junitxml=$(REPORT)/unit.xml

# Every student copy (make student) run top to bottom before any exercise is
# attempted: a series run of its own, so it has its own stage and budget.
test-student: $(DEV_STAMP)
	$(PY) -m pytest tests/test_student.py -m series -q --junitxml=$(REPORT)/student.xml

# Every notebook, executed in a fresh kernel, every stored text output compared;
# the plugin adds a per-notebook runtime report against the budgets.
test-notebooks: $(DEV_STAMP)
	$(PY) -m pytest --nbval --nbval-current-env -p tests.nbval_budget notebooks -q --junitxml=$(REPORT)/notebooks.xml

# The same, as an instructor runs it (stock nbval, no plugin of ours), with another
# OpenBLAS kernel, one thread and no AVX-512 in numpy (tools/other_blas.py checks
# with threadpoolctl that the kernel really differs): a stored number whose digits
# depend on summation order or CPU fails here.
test-notebooks-other-blas: $(DEV_STAMP)
	$(PY) tools/other_blas.py -- $(PY) -m pytest --nbval --nbval-current-env notebooks -q --junitxml=$(REPORT)/notebooks-other-blas.xml

# Every notebook in a real JupyterLab driven by Chromium (tests/browser/), screenshots
# in build/browser/. Without chromium on PATH the run says in one line that it
# skipped; with UNROLLED_REQUIRE_BROWSER=1 (as in .ci/run) a skip fails.
test-browser: $(DEV_STAMP)
	$(PY) -m pytest tests/browser -q --ignore=tests/browser/test_site.py --ignore-glob='tests/browser/test_slides*' --junitxml=$(REPORT)/browser.xml

# The teaching outputs in Chromium with every request that would leave the machine
# blocked: the site (make html) built once into a temporary folder and every page
# opened (screenshots in build/browser/site/); the static decks of make slides, built
# once and stepped through; every notebook as a live slideshow in JupyterLab
# (screenshots in build/browser/slides/). Needs the local copies of MathJax, require.js,
# the widget manager and reveal.js (tools/vendor.py, fetched once).
test-exports: $(DEV_STAMP)
	$(PY) tools/vendor.py
	$(PY) -m pytest tests/browser/test_site.py tests/browser/test_slides_static.py tests/browser/test_slides_live.py -q --junitxml=$(REPORT)/exports.xml

# The exercises as nbgrader assignments, for real: generated, released by nbgrader, and
# autograded with the solutions filled in (full marks), as released (zero) and with each
# exercise's first named mistake planted (each costs exactly its own points), two
# workers in parallel, one submission per planted mistake; UNROLLED_EACH_MISTAKE=0 plants
# every mistake of a notebook in one submission instead (faster; tests/test_assignments.py).
test-assignments: $(DEV_STAMP) $(NBG_STAMP)
	$(PY) -m pytest tests/test_assignments.py -m series -q --junitxml=$(REPORT)/assignments.xml

# The nbgrader source notebooks, generated from the course notebooks (never edit them):
# $(COURSE)/source/NN_topic/. Points per exercise: POINTS in tools/assignments.py.
assignments: $(NBG_STAMP)
	$(NBG_PY) tools/assignments.py notebooks $(COURSE)

# REFRESH=1 also stores new measurements in the cells tagged volatile (timings).
notebooks: $(DEV_STAMP)
	$(PY) tools/execute_notebooks.py $(if $(REFRESH),--refresh-volatile) notebooks/*.ipynb

figures: $(LAB_STAMP)
	$(PY) -m unrolled.figures figures

student: $(DEV_STAMP)
	$(PY) tools/student.py notebooks build/student

# The course as a static site in build/html/ (index.html: the course map), offline:
# MathJax, require.js and the widget manager are local copies (tools/vendor.py).
html: $(DEV_STAMP)
	$(PY) tools/vendor.py
	$(PY) tools/site.py notebooks build/html

# One reveal.js deck per notebook, slide types as tools/slides.py tags them (it refuses
# a notebook whose tags differ from its rules); reveal.js, MathJax and require.js are
# copied from build/vendor (tools/vendor.py) into build/slides/vendor, figures/ beside them.
slides: $(DEV_STAMP)
	$(PY) tools/vendor.py
	$(PY) tools/slides.py --export build/slides

# OpenBLAS picks its kernel for the CPU it finds; OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
# would override that, so they are unset here (only here). The table says which kernel ran.
bench: $(DEV_STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/run.py
	$(PY) benchmarks/explorers.py
	$(PY) benchmarks/truncated_bptt.py
	$(PY) benchmarks/char_lm.py

lint: $(DEV_STAMP)
	$(PY) -m ruff check lib tests tools benchmarks

# Re-pin every transitive dependency after changing a direct pin.
constraints: $(VENV)/bin/python
	rm -rf build/pin-venv && $(PYTHON) -m venv build/pin-venv
	build/pin-venv/bin/pip install --quiet pip==26.0.1
	sed '/^-c /d' requirements.txt | sed 's/^-e \.$$//' > build/pin-req.txt
	sed '/^-r /d' requirements-dev.txt >> build/pin-req.txt
	build/pin-venv/bin/pip install --quiet -r build/pin-req.txt
	{ echo "# Every package the course and its tests install, pinned exactly (pip freeze of"; \
	  echo "# requirements-dev.txt on Python 3.11). Regenerate with 'make constraints'."; \
	  build/pin-venv/bin/pip freeze; } > constraints.txt

# Re-pin nbgrader's own transitive dependencies (those the course does not pin) after
# changing the nbgrader pin in requirements-nbgrader.txt.
constraints-nbgrader:
	rm -rf build/pin-nbgrader && $(PYTHON) -m venv build/pin-nbgrader
	build/pin-nbgrader/bin/pip install --quiet pip==26.0.1
	build/pin-nbgrader/bin/pip install --quiet -c constraints.txt $$(grep -hE '^[A-Za-z].*==' requirements.txt requirements-nbgrader.txt)
	{ echo "# nbgrader's transitive dependencies that the course does not already pin in"; \
	  echo "# constraints.txt (which pins the rest, unchanged). Regenerate with"; \
	  echo "# 'make constraints-nbgrader' after changing the nbgrader pin."; \
	  build/pin-nbgrader/bin/pip freeze | $(PYTHON) -c 'import re, sys; name = lambda l: re.sub(r"[-_.]+", "-", l.split("==")[0]).lower(); pinned = {name(l) for f in ("constraints.txt", "requirements-nbgrader.txt") for l in open(f) if "==" in l}; sys.stdout.writelines(sorted((l for l in sys.stdin if "==" in l and name(l) not in pinned), key=name))'; \
	} > constraints-nbgrader.txt

clean:
	rm -rf build .pytest_cache .hypothesis
