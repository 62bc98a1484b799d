# The README's two commands: `make run` and `make test`. Both create the virtual
# environment and install everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
CASE   ?= evals/cases/bad_news/en-credit-denied.yaml

.PHONY: run test check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## draft the example case (built-in offline drafter unless a model is configured)
	$(VENV)/bin/tactful draft $(CASE)

test: $(STAMP)  ## the whole test suite
	$(PY) -m pytest

check: $(STAMP)  ## lint and type-check
	$(VENV)/bin/ruff check tactful tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)  ## benchmarks (by hand; figures go in the README)
	$(PY) bench/check_speed.py
	$(PY) bench/draft_overhead.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
