# The course's commands. Quick start on a fresh clone: `make demo`, then `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader runs `alembic` from PATH when it creates gradebook.db: the venv comes first.
export PATH := $(BIN):$(PATH)

.PHONY: help install system-deps lab formgrader release check-release autograde report demo test lint selfcheck bench bench-quick clean

help:
	@echo "make demo      build release/, autograde a demo class with nbgrader, print the grades"
	@echo "make test      the whole test suite (installs what it needs)"
	@echo "make lab       JupyterLab on release/ (learners)"
	@echo "make formgrader JupyterLab with nbgrader's formgrader in the course root (instructors)"
	@echo "make release   regenerate release/ from source/ and solutions/"
	@echo "make autograde A=04_sequence_batching   (instructors: the class in submitted/, in parallel)"
	@echo "               DASK_SCHEDULER=tcp://HOST:PORT  on a Dask cluster; FORCE=1 grades unchanged work too"
	@echo "make report A=04_sequence_batching      the class's common mistakes and a figure, from the kept records"
	@echo "make selfcheck NB=release/04_sequence_batching/04_sequence_batching.ipynb"
	@echo "make lint      ruff"
	@echo "make bench     the Anna KaRNNa CPU benchmark (quiet machine, ~30 min)"

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed system-deps

# Debian packages: bubblewrap (the grader's sandbox) and Chromium (the browser tests drive
# /usr/bin/chromium with Playwright). As root they are installed; otherwise we say how.
SYSTEM_PACKAGES := bubblewrap chromium
system-deps:
	@if ! command -v bwrap >/dev/null || ! test -x /usr/bin/chromium; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "note: please install $(SYSTEM_PACKAGES) (sudo apt-get install $(SYSTEM_PACKAGES))"; fi; fi

# Learners: JupyterLab on your copy of the course, with the course's kernel.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: install
	$(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=release

# Instructors: JupyterLab in the course root; open Nbgrader > Formgrader (or /formgrader).
formgrader: install
	$(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=. --ServerApp.default_url=/formgrader

release: install
	$(BIN)/python -m rnncourse.build release

check-release: install
	$(BIN)/python -m rnncourse.build check

# Instructors: autograde one assignment of the class in submitted/ (A=04_sequence_batching), in
# parallel on this machine's cores, or on the Dask cluster at DASK_SCHEDULER; only what changed
# since the last grading is graded again (FORCE=1: everything).
DASK_SCHEDULER ?=
autograde: install
	$(BIN)/python -m rnncourse.grading.intake $(A)
	$(BIN)/python -m rnncourse.grading.classgrade $(A) $(if $(DASK_SCHEDULER),--scheduler $(DASK_SCHEDULER)) $(if $(FORCE),--force)

# Instructors: the class's most common mistakes per function and a figure (build/report/A.png)
report: install
	$(BIN)/python -m rnncourse.grading.report $(A)

demo: install release
	$(BIN)/python -m rnncourse.demo

selfcheck: install
	$(BIN)/python -m rnncourse.selfcheck $(NB)

lint: install
	$(BIN)/ruff check rnncourse autograder solutions tests benchmarks

test: install lint
	$(BIN)/python -m pytest tests

# The project's CPU benchmark (about 30 minutes; bench-quick: 3 minutes). Timings need a quiet machine.
bench: install
	$(BIN)/python benchmarks/anna_karnna.py

bench-quick: install
	$(BIN)/python benchmarks/anna_karnna.py --quick

clean:
	rm -rf submitted autograded feedback gradebook.db grades.csv build
