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

.PHONY: run test install api bench clean chromium wrk fuzz screenshots

# uv installs from the lock files in requirements/ (versions and hashes); refresh them with `make lock`.
# uv itself comes from requirements/bootstrap.txt, with its hashes (bump it in requirements/bootstrap.in).
UV := $(BIN)/uv
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --no-header --quiet

.PHONY: lock

$(UV): requirements/bootstrap.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/bootstrap.txt
	touch $@

# the install compiles the engine's hot modules (setup.py, mypyc) beside their sources: again when one changes
ENGINE := $(wildcard src/pathways/engine/*.py)

$(STAMP): $(UV) requirements/run.txt requirements/build.txt pyproject.toml setup.py $(ENGINE)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/run.txt -r requirements/build.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation --reinstall-package pathways -e .
	touch $@

$(TEST_STAMP): $(STAMP) requirements/test.txt
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/test.txt
	touch $@

## make lock: resolve pyproject.toml's ranges anew into requirements/test.txt and requirements/run.txt, and
## requirements/build.in's (what setup.py needs) into requirements/build.txt, and uv's own pin into requirements/bootstrap.txt.
lock: $(UV)
	$(UV) pip compile pyproject.toml --extra test $(LOCK_FLAGS) --upgrade -o requirements/test.txt
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -c requirements/test.txt -o requirements/run.txt
	$(UV) pip compile requirements/build.in $(LOCK_FLAGS) -c requirements/test.txt -o requirements/build.txt
	$(UV) pip compile requirements/bootstrap.in $(LOCK_FLAGS) -o requirements/bootstrap.txt

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

## make fuzz: the schemathesis run of make test, longer: FUZZ_EXAMPLES requests per operation and mode, both roles.
FUZZ_EXAMPLES ?= 200
fuzz: $(TEST_STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/service/test_schemathesis.py -k conforms -p no:cacheprovider -q -s --timeout=0

## make api: regenerate the published contract in api/.
api: $(STAMP)
	$(BIN)/python -m pathways.service.contract api

## make screenshots: the web app's pages as docs/screenshots/*.png (its browser tests, on the seed graph, save them).
screenshots: $(TEST_STAMP) $(WEB) chromium
	PATHWAYS_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/service/test_web_app.py -q -p no:cacheprovider

# Debian's wrk, the load generator of benchmarks/bench_http.py
wrk:
	command -v wrk >/dev/null || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }

## make bench: every benchmark at a small scale (python -m benchmarks.run --help for more).
bench: $(STAMP) wrk
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build pathways.db pathways.db-wal pathways.db-shm src/*.so src/pathways/engine/*.so
