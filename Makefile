# The README's two commands: `make run` and `make test`. Both create the virtual
# environment and install everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
CASE   ?= evals/cases/bad_news/en-credit-denied.yaml

PORT   ?= 8501

.PHONY: run draft test check bench browser model clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the app on http://localhost:$(PORT) (built-in offline drafter unless a model is configured)
	$(PY) -m streamlit run app.py --server.port $(PORT)

draft: $(STAMP)  ## draft one case from the command line
	$(VENV)/bin/tactful draft $(CASE)

browser:  ## Debian's Chromium for the browser tests (installed when missing; needs root, as in CI)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

test: $(STAMP) browser  ## the whole test suite, browser tests included
	$(PY) -m pytest

model: $(STAMP)  ## rebuild the meaning models (guardrails/model/) from guardrails/teach/ and the language packs
	$(PY) -m tactful.guardrails.teach

check: $(STAMP)  ## lint and type-check
	$(VENV)/bin/ruff check tactful tests bench app.py app_pages
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)  ## benchmarks (by hand; figures go in the README)
	$(PY) bench/check_speed.py
	$(PY) bench/check_scaling.py
	$(PY) bench/startup.py
	$(PY) bench/corpus_quality.py --split dev
	$(PY) bench/corpus_quality.py --split heldout
	$(PY) bench/draft_overhead.py
	$(PY) bench/eval_throughput.py
	$(PY) bench/promptfoo_throughput.py
	$(PY) bench/app_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
