# Tenure: the only entry point for people and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
UV      := .tools/bin/uv
UV_ENV  := UV_PROJECT_ENVIRONMENT=.venv UV_PYTHON_DOWNLOADS=never
NPM     := npm --prefix frontend

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

# --- set-up -----------------------------------------------------------------------------------

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==0.13.8

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV_ENV) $(UV) sync --frozen --python python3
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

install: .venv/.synced frontend/node_modules/.installed ## Python venv and SPA dependencies (pinned)

chromium: ## Debian's Chromium for the browser tests (Playwright's own download cannot work here)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Rebuilt only when a source changed, so `make run` starts at once the second time.
SPA_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package-lock.json

frontend/dist/index.html: frontend/node_modules/.installed $(SPA_SOURCES)
	$(NPM) run build
	touch $@

spa: frontend/dist/index.html ## Build the SPA into frontend/dist (when its sources changed)

# --- the two commands ---------------------------------------------------------------------------

run: install spa ## Serve API, worker and SPA on one port with the demo organisation
	$(PY) -m scripts.run

test: install chromium lint typecheck drift-check client-check test-python test-spa e2e ## Everything CI checks

create-org: .venv/.synced ## An organisation and its admin without the demo: make create-org name="Acme" email=ops@acme.example
	$(PY) -m scripts.create_org --name "$(name)" --admin-email "$(email)"

# --- checks -------------------------------------------------------------------------------------

lint: .venv/.synced ## ruff (lint + format) and import-linter
	.venv/bin/ruff check api domain workers scripts tests migrations
	.venv/bin/ruff format --check api domain workers scripts tests migrations
	.venv/bin/lint-imports

typecheck: install ## mypy on api/domain/workers and tsc on the SPA
	.venv/bin/mypy api domain workers
	$(NPM) run typecheck

openapi: .venv/.synced frontend/node_modules/.installed ## Regenerate openapi/openapi.json and the SPA's typed client
	$(PY) -m api.openapi
	$(NPM) run gen

drift-check: install ## Fail when openapi.json or the generated client is out of date
	$(PY) -m api.openapi --check
	cd frontend && node_modules/.bin/openapi-typescript ../openapi/openapi.json -o /tmp/tenure-schema-check.d.ts >/dev/null
	@diff -q /tmp/tenure-schema-check.d.ts frontend/src/api/gen/schema.d.ts >/dev/null \
		|| { echo "frontend/src/api/gen is out of date: run 'make openapi'"; exit 1; }

# What an integrator does with openapi.json: generate a Python client (openapi-python-client) and
# type-check it strictly, so a schema that makes it warn, loses a model or shadows a name fails.
client-check: .venv/.synced ## Generate a Python client from openapi.json and type-check it (mypy --strict)
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	{ timeout 30 .venv/bin/openapi-python-client generate --path openapi/openapi.json \
		--config openapi/python-client.yaml --meta none --output-path "$$out/tenure_client" \
		--fail-on-warning >"$$out/generate.log" 2>&1 \
		|| { cat "$$out/generate.log"; echo "openapi-python-client failed or warned on openapi/openapi.json"; exit 1; }; } && \
	cd "$$out" && timeout 30 $(CURDIR)/.venv/bin/mypy --strict \
		--no-incremental tenure_client

test-python: .venv/.synced ## pytest against real PostgreSQL and Redis
	$(PY) -m pytest -q

test-spa: frontend/node_modules/.installed ## Vitest unit tests of the SPA
	$(NPM) run test:unit

e2e: install chromium spa ## Browser tests in Chromium against a real API, worker and database
	$(PY) -m scripts.e2e

fuzz: .venv/.synced ## Deep schemathesis run: boundary values and FUZZ_EXAMPLES generated requests per operation
	TENURE_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),100) TENURE_FUZZ_COVERAGE=$(or $(FUZZ_COVERAGE),100) \
		$(PY) -m pytest -q tests/api/test_fuzz.py -p no:cacheprovider

wrk: ## Debian's wrk, the load generator of the load benchmark
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: .venv/.synced wrk ## Benchmarks on generated data and a load test of the served API (prints figures)
	$(PY) -m pytest -q -s tests/benchmarks -p no:cacheprovider

fmt: .venv/.synced ## Format Python code
	.venv/bin/ruff format api domain workers scripts tests migrations
	.venv/bin/ruff check --fix api domain workers scripts tests migrations

migration: .venv/.synced ## New alembic revision: make migration name=add_things
	$(PY) -m scripts.migration "$(name)"

services-down: .venv/.synced ## Stop the embedded PostgreSQL and Redis
	$(PY) -m scripts.services down

.PHONY: help install chromium wrk spa run create-org test lint typecheck openapi drift-check client-check test-python test-spa e2e fuzz bench fmt migration services-down
