# Coxa: `make run` for a demo on 127.0.0.1:8000, `make test` for every check CI runs.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
COXA   := $(BIN)/coxa
STAMP  := $(VENV)/.installed
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
FUZZ_EXAMPLES ?= 15

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,analytics]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install Coxa with its development tools and the analytics extra

run: $(STAMP) pdf-libs ## Migrate the SQLite database, load demo data, serve on 127.0.0.1:8000 with a worker and the scheduler
	COXA_DEBUG=true $(COXA) migrate --no-input
	COXA_DEBUG=true $(COXA) demo
	@echo ""
	@echo "Coxa is starting on http://127.0.0.1:8000/ (staff: /staff/, patients: /portal/, API: /api/v1/docs)"
	@echo "Sign in with one of the demo logins above. Stop with Ctrl-C (it stops all three)."
	COXA_DEBUG=true $(COXA) serve 127.0.0.1:8000

lint: $(STAMP) ## Formatting and lint rules (changes nothing)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

fmt: $(STAMP) ## Format and apply safe lint fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP) ## mypy --strict with django-stubs
	$(BIN)/mypy coxa

imports: $(STAMP) ## Architecture: import-linter contracts (time flows downward, layers)
	$(BIN)/lint-imports

migrations-check: $(STAMP) ## Fail if models and migrations disagree
	COXA_DEBUG=true COXA_DATABASE_URL=sqlite://:memory: $(COXA) makemigrations --check --dry-run

browser: ## Install Debian's Chromium for the browser tests (never a browser download)
	@if [ -x /usr/bin/chromium ]; then echo "Chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else echo "Install Debian's chromium package (sudo apt-get install chromium) for browser tests"; fi

pdf-libs: ## Install Debian's Pango and HarfBuzz libraries that WeasyPrint draws PDFs with
	@if /sbin/ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset.so.0 && /sbin/ldconfig -p | grep -q libpangoft2-1.0.so.0; then echo "PDF libraries: present"; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; \
	else echo "Install Debian's libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0 and fonts-dejavu-core for PDFs (letters, recovery plans)"; fi

test-sqlite: $(STAMP) browser pdf-libs ## The whole test suite on SQLite, browser tests included
	$(BIN)/pytest -q -m "not r"

r-survival: ## Install Debian's R and its survival package for the R cross-checks
	@if Rscript -e 'library(survival)' >/dev/null 2>&1; then echo "R survival: $$(command -v Rscript)"; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends r-base-core r-cran-survival >/dev/null; \
	else echo "Install Debian's r-base-core and r-cran-survival for the R cross-checks"; fi

test-r: $(STAMP) r-survival ## Survival estimators cross-checked against R's survival package
	$(BIN)/pytest -q -m r

test-postgres: $(STAMP) pdf-libs ## The whole test suite on PostgreSQL (required on CI)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL reachable at $(PG_TEST_URL): running the suite on it"; \
		COXA_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not browser and not r"; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL): CI requires it"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL tests: nothing answers at $(PG_TEST_URL)."; \
		echo "  Start PostgreSQL there, or run: make test-postgres PG_TEST_URL=postgres://USER@HOST:PORT/DB"; \
	fi

catalogue-check: $(STAMP) ## Validate the procedure catalogue (every problem listed)
	COXA_DEBUG=true COXA_DATABASE_URL=sqlite://:memory: $(COXA) catalogue validate

test: lint typecheck imports migrations-check catalogue-check test-sqlite test-postgres test-r ## Everything CI runs

snapshots: $(STAMP) ## Rewrite committed contracts (docs/api/openapi.json, errors.md); review the diff
	COXA_DEBUG=true COXA_DATABASE_URL=sqlite://:memory: $(COXA) export_openapi_schema --api coxa.config.api.api --indent 2 --sorted > docs/api/openapi.json
	COXA_DEBUG=true COXA_DATABASE_URL=sqlite://:memory: $(COXA) catalogue schema > docs/catalogue/schema.json
	$(BIN)/python -c "import json; from coxa.decisions.domain.document import document_json_schema as s; print(json.dumps(s(), indent=2, sort_keys=True))" > docs/decisions/input.schema.json
	$(BIN)/python -c "from pathlib import Path; from coxa.core.errors import errors_table; p = Path('docs/api/errors.md'); head, rest = p.read_text().split('<!-- error-codes:start -->'); tail = rest.split('<!-- error-codes:end -->')[1]; p.write_text(head + '<!-- error-codes:start -->\n' + errors_table() + '\n\n<!-- error-codes:end -->' + tail)"

fuzz: $(STAMP) ## Fuzz the whole API from its OpenAPI as four roles, and with extreme values (minutes)
	COXA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s -m contract tests/contract/test_fuzz.py tests/contract/test_extremes.py

bench: $(STAMP) ## Benchmarks (100,000 patients; prints figures; takes minutes)
	$(BIN)/python bench/patient_pages.py
	$(BIN)/python bench/decisions.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/worklist.py
	$(BIN)/python bench/surveillance_worklist.py
	$(BIN)/python bench/refresh_readiness.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/load.py --db both
	$(BIN)/python bench/pages.py --db both --ratio

clean: ## Remove caches and build artefacts (keeps var/ and .venv)
	rm -rf .pytest_cache .mypy_cache .ruff_cache htmlcov build *.egg-info

.PHONY: help install pdf-libs run lint fmt typecheck imports migrations-check catalogue-check test-sqlite test-postgres test-r r-survival test snapshots browser fuzz bench clean
