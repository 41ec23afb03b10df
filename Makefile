# The two set-up commands (README): `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo demo-empty test fuzz lint format lock bench bench-pages serve clean messages

$(STAMP): requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

## make demo: SQLite, tasks in process, demo data, prints the logins, serves :8000
demo: $(STAMP)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo
	@echo "Serving the portal on http://127.0.0.1:8000  (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:8000

## make demo-empty: the same on a new SQLite file with no demo data (demo-empty.sqlite3):
## only the CX leader's login, so the overview shows the guided start
demo-empty: $(STAMP)
	DATABASE_URL=sqlite:///demo-empty.sqlite3 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///demo-empty.sqlite3 $(PY) manage.py demo --empty
	@echo "Serving the empty portal on http://127.0.0.1:8000  (Ctrl-C to stop)"
	DATABASE_URL=sqlite:///demo-empty.sqlite3 $(PY) manage.py runserver 127.0.0.1:8000

## make test: lint (ruff, the import-linter contracts in pyproject.toml), then the whole suite on a throwaway PostgreSQL + Redis, then the demo smoke test
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	scripts/ensure-system-packages.sh
	scripts/with-services.sh scripts/run-tests.sh

## make fuzz: the schemathesis run of make test, longer: FUZZ_EXAMPLES examples per operation
## and role (default 100) plus, with FUZZ_COVERAGE=1 (the default), schemathesis's coverage
## phase (every boundary case the schema defines), on a throwaway PostgreSQL + Redis; prints
## the operations, cases and requests it ran (tests/api/test_schemathesis.py's tally)
FUZZ_EXAMPLES ?= 100
FUZZ_COVERAGE ?= 1
fuzz: $(STAMP)
	@tally=$$(mktemp); \
	scripts/with-services.sh env SCHEMATHESIS_EXAMPLES=$(FUZZ_EXAMPLES) SCHEMATHESIS_COVERAGE=$(FUZZ_COVERAGE) \
		SCHEMATHESIS_TALLY=$$tally \
		$(PY) -m pytest tests/api/test_schemathesis.py -n $(PYTEST_WORKERS) --create-db -p no:cacheprovider -q; \
	status=$$?; \
	awk -F'\t' '{ops++; cases+=$$2; requests+=$$3} END {printf "make fuzz: %d operations x 2 roles, %d cases, %d requests\n", ops, cases, requests}' $$tally; \
	rm -f $$tally; exit $$status

## make bench: the roll-up and ingest bars (DESIGN §10) on a throwaway PostgreSQL + Redis;
## SIZE=small (default, seconds) or SIZE=large (the bars: ≈ 5 million rows, ≈ 20 minutes)
SIZE ?= small
bench: $(STAMP)
	$(PY) -m pip install --quiet -r bench/requirements.txt
	scripts/with-services.sh env DJANGO_SETTINGS_MODULE=config.settings.test bash -c \
		'$(PY) manage.py migrate --noinput -v0 && $(PY) bench/run.py --size $(SIZE)'

## make bench-pages: the pages bar (DESIGN §10, issue 22): the enterprise of SIZE with plans,
## committees and users, rolled up, served by gunicorn (2 workers, production settings) on
## loopback; p50/p95/p99 per page with one client, req/s with 8, SQL queries and size.
## SIZE=large only under the bench lock: flock /tmp/bench.lock make bench-pages SIZE=large
bench-pages: $(STAMP)
	scripts/with-services.sh env DJANGO_SETTINGS_MODULE=config.settings.test bash -c \
		'$(PY) manage.py migrate --noinput -v0 && $(PY) bench/pages.py --size $(SIZE)'

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	cd apps && ../$(PY) ../manage.py makemessages -l es --ignore '*/migrations/*'
	$(PY) manage.py makemessages -l es --ignore '.venv/*' --ignore 'apps/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv'

lock:
	$(VENV)/bin/pip install --quiet uv
	$(VENV)/bin/uv pip compile -q requirements.in -o requirements.lock --python-version 3.11 --no-header
	$(VENV)/bin/uv pip compile -q requirements-dev.in -o requirements-dev.lock --python-version 3.11 --no-header

clean:
	rm -rf $(VENV) db.sqlite3 demo-empty.sqlite3 staticfiles .pytest_cache
