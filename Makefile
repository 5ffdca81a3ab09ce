# Praxis: `make run` to try it, `make test` to check it. Nothing else by hand.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs in one process a core, two at most (pytest-xdist); tests/conftest.py keeps their
# databases, Redis and Celery workers apart. PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_XDIST ?= -n auto --maxprocesses=2 --dist loadfile

.PHONY: help install messages run serve test lint format worker beat makemessages clean bench

help:
	@echo "make run     install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test    install and run the whole suite (architecture contracts included)"
	@echo "make lint    ruff and the architecture contracts"
	@echo "make bench   speed benchmarks against their floors (bench/)"
	@echo "make worker  a Celery worker (needs CELERY_BROKER_URL)"
	@echo "make beat    the Celery beat scheduler (needs CELERY_BROKER_URL)"

# The virtual environment is rebuilt when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Praxis needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# Compiled catalogues are not committed: GNU gettext compiles them where it is installed,
# Babel (a dependency) everywhere else.
messages: install
	@if command -v msgfmt >/dev/null; then \
		$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var -v 0; \
	else \
		$(BIN)/pybabel compile --domain=django --directory=locale --statistics; \
	fi

run: install messages
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py seed_demo
	@echo "Praxis is at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Debug pages are off; a developer turns them on with: COP_DEBUG=1 make run"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install messages
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: install messages
	$(BIN)/python bench/library.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

makemessages: install
	$(BIN)/python manage.py makemessages --locale=fr --ignore=.venv --ignore=var --ignore=staticfiles --no-location

worker: install
	$(BIN)/celery --app=cop worker --loglevel=INFO

beat: install
	$(BIN)/celery --app=cop beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
