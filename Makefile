# The course's commands. Quick start on a fresh clone: `make demo`, then `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader runs `alembic` from PATH when it creates gradebook.db: the venv comes first.
export PATH := $(BIN):$(PATH)

.PHONY: help install system-deps release check-release autograde demo test lint selfcheck clean

help:
	@echo "make demo      build release/, autograde a demo class with nbgrader, print the grades"
	@echo "make test      the whole test suite (installs what it needs)"
	@echo "make release   regenerate release/ from source/ and solutions/"
	@echo "make autograde A=04_sequence_batching   (instructors: the class in submitted/)"
	@echo "make selfcheck NB=release/04_sequence_batching/04_sequence_batching.ipynb"
	@echo "make lint      ruff"

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed system-deps

# bubblewrap is the grader's sandbox; as root we can install it, otherwise say how.
system-deps:
	@command -v bwrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; \
	  else echo "note: bubblewrap is not installed (sudo apt-get install bubblewrap); grading falls back to resource limits only"; fi; }

release: install
	$(BIN)/python -m rnncourse.build release

check-release: install
	$(BIN)/python -m rnncourse.build check

# Instructors: autograde one assignment of the class in submitted/ (A=04_sequence_batching)
autograde: install
	-$(BIN)/python -m rnncourse.grading.intake $(A)
	$(BIN)/nbgrader autograde $(A)

demo: install release
	$(BIN)/python -m rnncourse.demo

selfcheck: install
	$(BIN)/python -m rnncourse.selfcheck $(NB)

lint: install
	$(BIN)/ruff check rnncourse autograder solutions tests

test: install lint
	$(BIN)/python -m pytest tests

clean:
	rm -rf submitted autograded feedback gradebook.db grades.csv build
