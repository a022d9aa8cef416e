# heatportal: make run (the product on this machine), make test (every test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= no
PORT ?= 3000
STAMP := $(VENV)/.installed

.PHONY: run test coverage test-fast lint format typecheck bench deploy clean setup chromium

$(STAMP): layers/shared/python/requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

chromium:
	./scripts/ensure-chromium.sh

## Start the whole product locally: embedded moto, demo data, portal and API on 127.0.0.1:$(PORT).
run: $(STAMP)
	$(PY) -m infra.local run --profile $(PROFILE) --port $(PORT)

# Tests run in parallel, one process per core (JOBS=0: all in this process); every worker
# has its own embedded stack; the end-to-end tests are one group on one worker.
JOBS ?= auto
PARALLEL := -n $(JOBS) --dist loadgroup

## Run every test: lint, types, unit, contract, integration, end-to-end and browser.
test: $(STAMP) chromium typecheck
	$(PY) -m ruff check .
	PYTHONPATH=layers/shared/python:. $(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(PARALLEL) --durations=25

## The same tests with branch coverage (coverage.xml and a summary); Python 3.11's tracer makes the
## in-process tests about twice as slow, so `make test` runs without it.
coverage: $(STAMP) chromium
	$(PY) -m pytest $(PARALLEL) --cov --cov-report=term:skip-covered --cov-report=xml

test-fast: $(STAMP)
	$(PY) -m pytest $(PARALLEL) -m "not e2e"

# Import contracts (pyproject.toml [tool.importlinter]): layers, a pure domain,
# functions that never import each other, no import circle.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/cfn-lint template.yaml
	PYTHONPATH=layers/shared/python:. $(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Each function's app.py is its own module "app" on Lambda, so each is checked on its own.
typecheck: $(STAMP)
	$(PY) -m mypy
	@for d in functions/*/; do MYPYPATH=layers/shared/python:$$d $(PY) -m mypy --no-error-summary $$d*.py || exit 1; done

bench: $(STAMP)
	PYTHONPATH=layers/shared/python $(PY) -m bench

## Build and deploy to AWS (needs the SAM CLI and credentials).
deploy:
	sam build --use-container=false
	sam deploy --guided

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage coverage.xml artifacts .aws-sam
