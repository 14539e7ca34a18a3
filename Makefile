# Golden Thread: every set-up step a newcomer or CI needs is here.
# `make run` serves the API with demo data on SQLite; `make test` runs the whole suite.

SHELL := /bin/bash
PORT ?= 8000
HOST ?= 127.0.0.1
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
# Installed packages come with their bytecode: where PYTHONDONTWRITEBYTECODE is set (CI, the
# image) Python would otherwise compile them afresh in every process, seconds each start.
export UV_COMPILE_BYTECODE := 1
PYTHON ?= python3
TOOLS := .tools
# uv from PATH when there is one; otherwise it is bootstrapped into .tools with pip.
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= sqlite+aiosqlite:///./var/golden_thread_demo.db
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
# Parallelism is chosen here, not in pytest's addopts, so `pytest tests/x.py` runs plainly (and
# under pdb). `make test PYTEST_WORKERS=0` runs in one process; loadfile keeps a module together.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?= -q -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: install run test test-sqlite test-postgres lint format openapi migrate bench clean

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv>=0.5"

# The stamp is a file of our own: .venv/bin/python is a symlink, and touching it would touch
# the system Python, making every checkout on the machine look installed.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced ## Create .venv with the locked dependencies

run: install ## Migrate and serve on http://$(HOST):$(PORT) with the demo council
	@mkdir -p var
	GT_DATABASE_URL=$(DEMO_DB) $(BIN)/alembic upgrade head
	GT_DATABASE_URL=$(DEMO_DB) GT_DEMO_DATA=1 GT_LOG_JSON=0 \
		$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-access-log

migrate: install ## Upgrade the database named by GT_DATABASE_URL
	$(BIN)/alembic upgrade head

# The suite runs on SQLite, then on PostgreSQL when GT_TEST_POSTGRES_URL is set or a server
# answers on 127.0.0.1:5432. GT_TEST_REQUIRE_POSTGRES=1 makes a missing PostgreSQL a failure.
test: install
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	GT_TEST_DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	@url="$${GT_TEST_POSTGRES_URL:-$(PG_TEST_URL)}"; \
	if $(BIN)/python -m tests.pg_available "$$url"; then \
		echo "== tests on PostgreSQL =="; \
		GT_TEST_DATABASE_URL="$$url" $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$${GT_TEST_REQUIRE_POSTGRES:-0}" = "1" ]; then \
		echo "PostgreSQL is required (GT_TEST_REQUIRE_POSTGRES=1) but does not answer at $$url" >&2; \
		exit 1; \
	else \
		echo "== PostgreSQL not reachable at $$url: skipped (set GT_TEST_REQUIRE_POSTGRES=1 to fail) =="; \
	fi

lint: install ## ruff (format check and lint) and mypy
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install ## Regenerate openapi/openapi.json from the app
	$(BIN)/python -m app.cli openapi --output openapi/openapi.json

bench: install ## Benchmarks: print figures (see bench/README.md)
	$(BIN)/python -m bench.scorecard
	$(BIN)/python -m bench.outturn
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
