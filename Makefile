# reisroute — the two commands a newcomer needs:
#   make demo   installs and runs the service on SQLite with demo users and simulated phones (127.0.0.1:8000)
#   make test   installs everything and runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export REISROUTE_DATA_DIR ?= $(CURDIR)/data

.PHONY: demo test install system-deps lint typecheck bench clean postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

system-deps:
	bash scripts/system-deps.sh

demo: install
	$(BIN)/reisroute serve --demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy legal_basis store extractor/records.py extractor/timestamps.py extractor/artifacts/spec.py

postgres:
	bash scripts/start-postgres.sh

test: system-deps install postgres
	$(BIN)/ruff check .
	REISROUTE_TEST_PG=$${REISROUTE_TEST_PG-1} $(BIN)/pytest -q -p no:cacheprovider

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache test-artifacts
