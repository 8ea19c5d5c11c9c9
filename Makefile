# Kontor: one command each for run, test and lint.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
REDIS_PORT ?= 6390
export FLASK_APP := app:create_app

.PHONY: setup run test lint format bench bench-sync services test-services clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || bash scripts/ensure-packages.sh python3-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

## setup: create .venv and install the pinned requirements with the test and lint tools
setup: $(BIN)/activate

## services: make sure redis-server exists (installs it with apt when we are root)
services:
	@bash scripts/ensure-packages.sh redis-server

## test-services: redis-server, and Debian's chromium for the browser journeys
test-services:
	@bash scripts/ensure-packages.sh redis-server chromium fonts-dejavu-core

## run: set everything up, migrate, seed the demo and start web, worker, clock, sandbox, mail sink
run: setup services
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo ""
	@echo "  Kontor läuft gleich auf http://127.0.0.1:5000"
	@echo "  Demo-Anmeldung: demo@kontor.local / kontor-demo"
	@echo "  Amazon-Sandbox: http://127.0.0.1:5001 · E-Mails: http://127.0.0.1:8026"
	@echo "  (Strg+C beendet alle Prozesse)"
	@echo ""
	REDIS_PORT=$(REDIS_PORT) REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:$(REDIS_PORT)/0} \
		PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start -f Procfile.dev

## test: run the whole suite (starts its own redis-server; DATABASE_URL=postgresql://... for PostgreSQL)
test: setup test-services
	$(BIN)/pytest

## lint: ruff check and format check, the layer contracts (import-linter), mypy on parsers/ datev/
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## bench: the performance goals (parser and EXTF writer against a bare csv pass, same run)
bench: setup
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/jobs.py
	$(BIN)/python bench/import.py

## bench-sync: 200 sandbox sellers' first sync with 1, 2 and 4 workers (DATABASE_URL=postgresql://...)
bench-sync: setup
	$(BIN)/python bench/sync.py

## format: apply ruff's formatting and safe fixes
format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
