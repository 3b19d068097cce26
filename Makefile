# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SEED := $(wildcard graph/seed/*.json)
PATHWAYS_STORE ?= sqlite:///./pathways.db
export PATHWAYS_STORE

.PHONY: run test install api bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

## make run: install, load the seed graph into the default store when it is empty, serve.
run: $(STAMP)
	$(BIN)/pathways load --if-empty $(SEED)
	$(BIN)/pathways serve

## make test: install what the tests need and run the whole suite.
test: $(TEST_STAMP)
	$(BIN)/python -m pytest

## make api: regenerate the published contract in api/.
api: $(STAMP)
	$(BIN)/python -m pathways.service.contract api

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) pathways.db pathways.db-wal pathways.db-shm
