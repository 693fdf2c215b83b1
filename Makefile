# riskreg — the README's commands. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-quick e2e lint format system-deps install migrate demo bench cluster-test clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "需要 Python 3.11（$(PY)）"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP)

# Pango (WeasyPrint) and a CJK font (PDFs) come from apt when we are root; otherwise say how.
system-deps:
	@bash scripts/system-deps.sh

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py load_demo

# The background worker (long reports, django-tasks) runs beside the web server and stops with it.
run: demo
	DEBUG=1 $(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)


# Prints how long the run took. `make test-quick`: the same without the browser journeys.
test: install
	@start=$$(date +%s); $(BIN)/python -m pytest; rc=$$?; \
	echo "测试用时 $$(( $$(date +%s) - start )) 秒"; exit $$rc

test-quick: install
	@start=$$(date +%s); $(BIN)/python -m pytest -m "not e2e"; rc=$$?; \
	echo "测试用时 $$(( $$(date +%s) - start )) 秒"; exit $$rc

# Every benchmark; writes docs/benchmarks.md and docs/benchmarks.json (PostgreSQL by default,
# BENCH_DATABASE_URL to change; BENCH_ARGS=--quick for a small run).
bench: install
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The whole production topology on this machine (PostgreSQL primary + replica, PgBouncer,
# SeaweedFS S3, two gunicorn servers, two workers, nginx), one round and four failure drills
# through nginx; everything runs in a temporary folder on ports 17xxx and is stopped at the end.
cluster-test: install
	$(BIN)/python scripts/cluster_test.py

# The browser journeys alone (also part of `make test` when /usr/bin/chromium exists).
e2e: install
	$(BIN)/python -m pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .


clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
