# Klynge: the two commands a newcomer needs are `make run` and `make test`.
# Everything is installed into .venv (Python) and node_modules (front-end packages).

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
export KLYNGE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test setup lint check-migrations messages openapi lock clean-venv bench

# Stamp files make `setup` cheap when nothing changed.
$(BIN)/.installed: requirements.lock pyproject.toml
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  rm -rf $(VENV); echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed for the front-end packages: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(BIN)/.installed node_modules/.installed
	@mkdir -p "$(KLYNGE_DATA_DIR)"
	@$(PY) -m klynge.core.i18n

# `make run` is a local trial: debug mode unless told otherwise (production: docs/deploy.md).
run: export KLYNGE_DEBUG ?= true
run: setup
	$(BIN)/klynge migrate --noinput
	$(BIN)/klynge collectstatic --noinput --verbosity 0
	@$(BIN)/klynge load_demo --if-empty
	$(BIN)/klynge serve --port $(PORT)

test: setup lint check-migrations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

check-migrations: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=klynge.test_settings $(BIN)/klynge makemigrations --check --dry-run

# Regenerates docs/openapi.json from the live API (a test fails while it is stale).
openapi: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=klynge.test_settings $(BIN)/klynge export_openapi_schema --api klynge.api.api --indent 2 --output docs/openapi.json

# Extracts new strings into the catalogues (needs GNU gettext); translate them, then commit.
messages: $(BIN)/.installed
	cd src/klynge && DJANGO_SETTINGS_MODULE=klynge.test_settings ../../$(BIN)/klynge makemessages --all --no-location --no-obsolete --ignore 'conftest.py' --ignore '*/tests/*'

bench: setup
	$(PY) benchmarks/bench_pages.py
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_directory.py
	$(PY) benchmarks/bench_matchmaking.py
	$(PY) benchmarks/bench_meetings_scheduler.py

# Regenerates requirements.lock from pyproject.toml (needs the network to PyPI).
lock: $(BIN)/.installed
	$(PY) -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.12 \
	  --universal --quiet -o requirements.lock

clean-venv:
	rm -rf $(VENV) node_modules
