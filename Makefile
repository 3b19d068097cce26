# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# npm ci writes this file: the browser pages' assets (GraphiQL, Swagger UI) are installed
WEB := web/node_modules/.package-lock.json
# apt-get needs root: sudo when we are not root
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SEED := $(wildcard graph/seed/*.json)
PATHWAYS_STORE ?= sqlite:///./pathways.db
export PATHWAYS_STORE

.PHONY: run test install api bench clean chromium wrk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# the versions web/package-lock.json pins, from the npm registry (no install scripts run)
$(WEB): web/package.json web/package-lock.json
	npm ci --prefix web --ignore-scripts --no-audit --no-fund
	touch $@

# Debian's Chromium, for the browser-page tests (tests/service/test_browser.py)
chromium:
	command -v chromium >/dev/null || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

install: $(STAMP) $(WEB)

## make run: install, load the seed graph into the default store when it is empty, serve.
run: $(STAMP) $(WEB)
	$(BIN)/pathways load --if-empty $(SEED)
	$(BIN)/pathways serve

## make test: install what the tests need and run the whole suite.
test: $(TEST_STAMP) $(WEB) chromium
	$(BIN)/python -m pytest

## make api: regenerate the published contract in api/.
api: $(STAMP)
	$(BIN)/python -m pathways.service.contract api

# Debian's wrk, the load generator of benchmarks/bench_http.py
wrk:
	command -v wrk >/dev/null || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }

## make bench: every benchmark at a small scale (python -m benchmarks.run --help for more).
bench: $(STAMP) wrk
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) pathways.db pathways.db-wal pathways.db-shm
