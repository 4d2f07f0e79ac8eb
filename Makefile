# Serverless CRM. `make run` starts everything locally; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The /docs page's viewer, from npm at install time (git-ignored; never a CDN at run time).
SWAGGER_UI_VERSION := 5.35.0
DOCS_DIR := .local/docs
DOCS_STAMP := $(DOCS_DIR)/.installed-$(SWAGGER_UI_VERSION)
SERVICES := contacts pipeline service_desk loyalty campaigns
SERVICE ?= contacts
STAGE ?= dev
ROLE ?= admin
PORT ?= 8000
EMULATOR_PORT ?= 4566
EMULATOR ?= moto  # or localstack (host mode, installed into .local/localstack on first use)
export PYTHONPATH := $(CURDIR):$(CURDIR)/services/contacts:$(CURDIR)/services/pipeline:$(CURDIR)/services/service_desk:$(CURDIR)/services/loyalty:$(CURDIR)/services/campaigns

.PHONY: install localstack run test unit e2e lint typecheck token reset demo package package-all schemas bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "pip>=23,<26.3"  # chalice 1.34 requires pip<26.3
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

# Without npm (or the registry) /docs says how to get the viewer; nothing else needs it.
$(DOCS_STAMP):
	@if command -v npm >/dev/null && npm install --prefix $(DOCS_DIR) --no-audit --no-fund --no-package-lock \
		--silent swagger-ui-dist@$(SWAGGER_UI_VERSION); then touch $@; \
	else echo "note: swagger-ui-dist@$(SWAGGER_UI_VERSION) not installed (npm missing or unreachable): /docs says how"; fi

install: $(STAMP) $(DOCS_STAMP) ## create .venv with every pinned dependency, and the /docs viewer

run: install ## start the whole CRM locally (Ctrl-C stops it)
	$(PY) -m infra.local.stack --port $(PORT) --emulator-port $(EMULATOR_PORT) --stage $(STAGE) --emulator $(EMULATOR)

# LocalStack's own venv and DynamoDB Local (git-ignored, once): for EMULATOR=localstack and
# the tests' LocalStack leg (tests/test_localstack.py).
localstack: install ## install LocalStack in host mode into .local/localstack
	$(PY) -m infra.local.localstack

test: install localstack ## every test: lint, types, unit, integration, end-to-end (moto and LocalStack)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared services infra
	$(PY) -m pytest -n 2 --dist loadfile -q  # a module's own stack starts on one worker only

unit: install
	$(PY) -m pytest -q -m "not e2e"

e2e: install
	$(PY) -m pytest -q -m e2e

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy shared services infra

token: install ## a dev JWT: make token ROLE=sales [SUB=<rep id>]
	@$(PY) -m infra.local.token $(ROLE) $(if $(SUB),--subject $(SUB))

reset: ## wipe the local stack's saved state
	rm -rf .local/state

demo: install ## load demo data through the public API of a running `make run`
	$(PY) -m infra.local.demo --url http://127.0.0.1:$(PORT)

schemas: install ## regenerate the committed event JSON Schemas, AsyncAPI and OpenAPI documents
	$(PY) -m infra.schemas write
	$(PY) -m infra.openapi write

package: install ## make package SERVICE=contacts STAGE=dev
	$(PY) -m infra.package $(SERVICE) --stage $(STAGE)

package-all: install
	for s in $(SERVICES); do $(PY) -m infra.package $$s --stage $(STAGE) || exit 1; done

bench: install ## cold-init ratios and lead-flow latency, printed as a table
	$(PY) -m infra.bench

clean:
	rm -rf build .mypy_cache .ruff_cache
