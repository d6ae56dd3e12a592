# The course's commands. Quick start on a fresh clone: `make demo`, then `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader runs `alembic` from PATH when it creates gradebook.db: the venv comes first.
export PATH := $(BIN):$(PATH)

.PHONY: help install sandbox-deps browser-deps lab learner-pack formgrader release check-release autograde report \
	collect export-canvas gradescope demo test lint selfcheck bench bench-quick clean

help:
	@echo "make demo      autograde a demo class with nbgrader in its own course (build/demo/), print the grades"
	@echo "make test      the whole test suite (installs what it needs)"
	@echo "make lab       JupyterLab on your own copy of the notebooks, work/ (learners)"
	@echo "make learner-pack [A=04_sequence_batching]   what learners download (build/learner-pack/)"
	@echo "make formgrader JupyterLab with nbgrader's formgrader in the course root (instructors)"
	@echo "make release   regenerate release/ from source/ and solutions/, register the assignments in the gradebook"
	@echo "make autograde A=04_sequence_batching   (instructors: the class in submitted/, in parallel)"
	@echo "               DASK_SCHEDULER=tcp://HOST:PORT  on a Dask cluster; FORCE=1 grades unchanged work too"
	@echo "make report A=04_sequence_batching      the class's common mistakes and a figure, from the kept records"
	@echo "make collect A=04_sequence_batching ZIP=submissions.zip ROSTER=gradebook.csv   Canvas's download into submitted/"
	@echo "make export-canvas A=04_sequence_batching ROSTER=gradebook.csv   build/canvas/A.csv for Canvas's import"
	@echo "make gradescope A=04_sequence_batching  build/gradescope/A.zip, Gradescope's autograder"
	@echo "make selfcheck NB=work/04_sequence_batching/04_sequence_batching.ipynb"
	@echo "make lint      ruff"
	@echo "make bench     the Anna KaRNNa CPU benchmark (quiet machine, ~30 min)"

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The tests' own tools (pytest-xdist, ruff, Playwright): never part of `install`, which grading uses.
$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed sandbox-deps

# A Debian package, installed when run as root; otherwise we say how.
# $(1): the command it provides, $(2): the package.
define apt-install
@if ! command -v $(1) >/dev/null; then \
  if [ "$$(id -u)" = 0 ]; then \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
  else echo "note: please install $(2) (sudo apt-get install $(2))"; fi; fi
endef

# bubblewrap: the grader's sandbox.
sandbox-deps:
	$(call apt-install,bwrap,bubblewrap)

# Chromium: the browser tests drive /usr/bin/chromium with Playwright.
browser-deps:
	$(call apt-install,/usr/bin/chromium,chromium)

# Learners: JupyterLab on your own copy of the notebooks, work/, with the course's kernel. It is
# made from release/ (which `make release` regenerates): assignments released since are added, a
# notebook already in work/ is never replaced.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: install
	$(BIN)/python -m rnncourse.workspace work
	$(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=work

# Instructors: what learners download, in build/learner-pack/: the whole course, or with
# A=<assignment> that assignment at its release date. It holds no solutions and no hidden tests.
learner-pack: install
	$(BIN)/rnncourse learner-pack $(A)

# Instructors: JupyterLab in the course root; open Nbgrader > Formgrader (or /formgrader).
formgrader: install
	$(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=. --ServerApp.default_url=/formgrader

release: install
	$(BIN)/rnncourse release

check-release: install
	$(BIN)/rnncourse check-release

# Instructors: autograde one assignment of the class in submitted/ (A=04_sequence_batching), in
# parallel on this machine's cores, or on the Dask cluster at DASK_SCHEDULER; only what changed
# since the last grading is graded again (FORCE=1: everything).
DASK_SCHEDULER ?=
autograde: install
	$(BIN)/rnncourse autograde $(A) $(if $(DASK_SCHEDULER),--scheduler $(DASK_SCHEDULER)) $(if $(FORCE),--force)

# Instructors: the class's most common mistakes per function and a figure (build/report/A.png)
report: install
	$(BIN)/rnncourse report $(A)

# Instructors: Canvas in and out. collect: Canvas's "Download submissions" zip (ZIP=) into
# submitted/, with the class's gradebook export (ROSTER=) mapping Canvas ids to students and
# DUEDATE= for late work (FORCE=1 replaces an earlier collect). export-canvas: the gradebook's
# scores as build/canvas/A.csv for Canvas's gradebook import (COLUMN='NAME (ID)' if the roster
# has no column for A).
collect: install
	$(BIN)/rnncourse collect $(A) "$(ZIP)" $(if $(ROSTER),--roster "$(ROSTER)") $(if $(DUEDATE),--duedate "$(DUEDATE)") $(if $(FORCE),--force)

export-canvas: install
	$(BIN)/rnncourse export-canvas $(A) $(if $(ROSTER),--roster "$(ROSTER)") $(if $(COLUMN),--column "$(COLUMN)")

# Instructors: the assignment's Gradescope autograder, build/gradescope/A.zip, ready to upload
# (VISIBILITY=after_due_date|after_published|hidden: when learners see the results; default visible).
# Its README.md says how to set the assignment up, the written answers' manual question included.
gradescope: install
	$(BIN)/rnncourse gradescope $(A) $(if $(VISIBILITY),--visibility $(VISIBILITY))

demo: install
	$(BIN)/rnncourse demo

selfcheck: install
	$(BIN)/rnncourse selfcheck $(NB)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check rnncourse autograder solutions tests benchmarks

test: install $(VENV)/.dev-installed browser-deps lint
	$(BIN)/python -m pytest tests --durations=40

# The project's CPU benchmark (about 30 minutes; bench-quick: 3 minutes). Timings need a quiet machine.
bench: install
	$(BIN)/python benchmarks/anna_karnna.py

bench-quick: install
	$(BIN)/python benchmarks/anna_karnna.py --quick

clean:
	rm -rf submitted autograded feedback gradebook.db grades.csv build
