# reisroute — the two commands a newcomer needs:
#   make demo   installs and runs the service on SQLite with demo users and simulated phones (127.0.0.1:8000)
#   make test   installs everything and runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export REISROUTE_DATA_DIR ?= $(CURDIR)/data

.PHONY: demo test install web system-deps lint typecheck bench clean postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python web
	$(BIN)/pip install --quiet -e '.[test]'

# The web UI's map library and the API docs (Swagger UI, ReDoc) come from the npm registry
# (api/web/package-lock.json) and are served by the app
# from api/web/static/vendor/ (committed too, so the demo also starts on a station without npm).
WEB_VENDOR := api/web/static/vendor
web:
	@if command -v npm >/dev/null; then \
	  cd api/web && npm ci --no-audit --no-fund --loglevel=error && cd ../.. && \
	  rm -rf $(WEB_VENDOR)/leaflet && mkdir -p $(WEB_VENDOR)/leaflet && \
	  cp -R api/web/node_modules/leaflet/dist/leaflet.js api/web/node_modules/leaflet/dist/leaflet.css \
	    api/web/node_modules/leaflet/dist/images api/web/node_modules/leaflet/LICENSE \
	    api/web/node_modules/leaflet/package.json $(WEB_VENDOR)/leaflet/ && \
	  rm -rf $(WEB_VENDOR)/swagger-ui $(WEB_VENDOR)/redoc && mkdir -p $(WEB_VENDOR)/swagger-ui $(WEB_VENDOR)/redoc && \
	  cp api/web/node_modules/swagger-ui-dist/swagger-ui-bundle.js api/web/node_modules/swagger-ui-dist/swagger-ui.css \
	    api/web/node_modules/swagger-ui-dist/LICENSE api/web/node_modules/swagger-ui-dist/package.json \
	    $(WEB_VENDOR)/swagger-ui/ && \
	  cp api/web/node_modules/redoc/bundles/redoc.standalone.js api/web/node_modules/redoc/LICENSE \
	    api/web/node_modules/redoc/package.json $(WEB_VENDOR)/redoc/ ; \
	elif [ -f $(WEB_VENDOR)/leaflet/leaflet.js ]; then \
	  echo "npm not found: using the committed map library in $(WEB_VENDOR)"; \
	else \
	  echo "npm is needed to install the web UI's map library (Debian: apt-get install npm)" >&2; exit 1; \
	fi

system-deps:
	bash scripts/system-deps.sh

demo: install
	$(BIN)/reisroute serve --demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy api casework catalogue extractor routing matching legal_basis store

postgres:
	bash scripts/start-postgres.sh

test: system-deps install postgres
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy api casework catalogue extractor routing matching legal_basis store
	REISROUTE_TEST_PG=$${REISROUTE_TEST_PG-1} $(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache test-artifacts
