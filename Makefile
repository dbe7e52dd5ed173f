# Readiness: `make run` serves the site, `make test` runs the whole test suite.
# Both set everything up first (system packages, Python >= 3.12, virtualenv, dependencies).

VENV ?= .venv
# Local development and the test suite: debug settings (SQLite, no HTTPS redirect, a development
# key). Without this variable the settings are production's and need DJANGO_SECRET_KEY.
export DJANGO_DEBUG ?= 1
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Every published version, oldest first (the last one is the version new assessments take;
# earlier ones stay for the assessments taken on them), and the action set of each.
QUESTIONNAIRES ?= questionnaires/content/readiness-2026.1.yaml questionnaires/content/readiness-2026.2.yaml
POLICY_EXAMPLES ?= questionnaires/content/policy-examples-2026.1.yaml
ACTIONS ?= questionnaires/content/actions-2026.1.yaml questionnaires/content/actions-2026.2.yaml

.PHONY: run test setup setup-dev db bench bench-scale-out bench-national lint format lock mutation clean

setup:
	@VENV=$(VENV) bash deploy/setup.sh run

setup-dev:
	@VENV=$(VENV) bash deploy/setup.sh test

db: setup
	$(PY) manage.py migrate --noinput
	for file in $(QUESTIONNAIRES); do $(PY) manage.py load_questionnaire $$file || exit 1; done
	$(PY) manage.py load_reference_statistics
	$(PY) manage.py load_policy_examples $(POLICY_EXAMPLES)
	for file in $(ACTIONS); do $(PY) manage.py load_actions $$file || exit 1; done
	$(PY) manage.py generate_demo_data

# Demo mode: the labelled demo firms count as peers, so benchmarks show from the first visit.
run: db
	READINESS_DEMO_MODE=1 $(PY) manage.py refresh_peer_statistics
	$(PY) manage.py schedule_jobs
	@echo "==> Readiness on http://$(HOST):$(PORT)/ (Ctrl+C to stop; demo mode: demo firms count as peers)"
	@echo "==> A background worker (db_worker) runs beside it for long jobs such as the ZIP of action plans"
	@READINESS_DEMO_MODE=1 $(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  READINESS_DEMO_MODE=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: setup-dev
	$(VENV)/bin/ruff check .
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest
	@echo "==> The same suite on PostgreSQL"
	DJANGO_ALLOW_ASYNC_UNSAFE=true deploy/with-postgres.sh $(VENV)/bin/pytest -p no:cacheprovider

# Two app instances and two workers behind nginx (Debian's package, installed if missing) on one
# throwaway PostgreSQL, the mixed load through nginx: stateless scale-out shown on this machine.
bench-scale-out: setup-dev
	READINESS_PG_DURABLE=1 deploy/with-postgres.sh $(PY) bench/scale_out.py

# A national platform (1,000,000 firms, 20 agencies, a programme) on a throwaway PostgreSQL sized
# as a deployment would be, and what its operators wait for: about half an hour, not in `make bench`.
NATIONAL_PG_OPTIONS ?= -c shared_buffers=2GB -c effective_cache_size=12GB -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=16GB
bench-national: setup-dev
	READINESS_PG_OPTIONS="$(NATIONAL_PG_OPTIONS)" deploy/with-postgres.sh sh -c 'BENCH_DATABASE_URL="$$DATABASE_URL" $(PY) bench/national.py'

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# BENCH_POSTGRES=1 runs the same bench a second time on a throwaway PostgreSQL server (durable
# commits, as deployed) and prints both tables at the end.
bench: setup-dev
	$(PY) bench/run.py
ifeq ($(BENCH_POSTGRES),1)
	READINESS_PG_DURABLE=1 deploy/with-postgres.sh sh -c 'BENCH_DATABASE_URL="$$DATABASE_URL" $(PY) bench/run.py'
	$(PY) bench/run.py --tables
endif

# Mutation testing of the pure modules (scoring, recommendations, benchmark statistics): fails
# below 90 % of mutants killed. Not part of `make test`. mutmut runs from a venv of its own
# (.venv-mutation), outside the dev lock: see deploy/mutation.sh and [tool.mutmut] in pyproject.toml.
mutation: setup-dev
	@VENV=$(VENV) bash deploy/mutation.sh

# requirements.txt and requirements-dev.txt are generated from pyproject.toml's dependencies:
# every package pinned, with hashes. pip-tools runs from a throwaway venv of its own (.venv-tools),
# not from the dev extra: it is needed only when the pins change, and would otherwise bring pip,
# setuptools, wheel, build and click into every test environment's lock (see deploy/lock.sh).
lock:
	@bash deploy/lock.sh

clean:
	rm -rf $(VENV) .venv-tools .venv-mutation mutants staticfiles .pytest_cache .ruff_cache
