# Advisory — the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# The test suite talks to the PostgreSQL and Redis that run on our machines.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test lint typecheck pytest clean

$(VENV)/.installed: requirements.lock
	@echo "==> Building the environment in $(VENV) from requirements.lock"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock 2>&1 \
		| grep -v "is ignored" || true
	@$(BIN)/python -c "import django, celery, psycopg, nh3" || (echo "install failed" >&2; exit 1)
	@touch $@

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# Embedded demo: SQLite under var/, email to files under var/mail, Celery on the filesystem broker.
demo: $(VENV)/.installed var/secret_key
	@unset DATABASE_URL REDIS_URL EMAIL_URL CELERY_BROKER_URL; \
	export SECRET_KEY="$$(cat var/secret_key)" DEBUG=0; \
	echo "==> Migrating the SQLite database in var/" && $(MANAGE) migrate --noinput && \
	echo "==> Loading demo users and content" && $(MANAGE) load_demo && \
	echo "==> Collecting static files" && $(MANAGE) collectstatic --noinput -v0 && \
	exec $(MANAGE) serve_demo --bind 127.0.0.1:8000

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "==> bandit: no finding of high severity in advisory/"
	$(BIN)/bandit --quiet --recursive advisory --severity-level high

typecheck: $(VENV)/.installed
	SECRET_KEY=typecheck $(BIN)/mypy advisory tests

pytest: $(VENV)/.installed
	SECRET_KEY=test-only DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" \
		$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) var/static var/broker

# Benchmark of the client portal (tests/benchmarks/README.md): a fresh PostgreSQL database of
# 10,000 briefs behind gunicorn, loaded with wrk. Not part of `make test`.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_portal
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/15
.PHONY: bench
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { echo "==> Installing wrk"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" BENCH_REDIS_URL="$(BENCH_REDIS_URL)" \
		$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

# Benchmark of the digest engine (tests/benchmarks/README.md): 100,000 subscribers on a fresh
# PostgreSQL database, two real Celery workers on Redis, Postfix's smtp-sink as the mail server.
BENCH_DIGESTS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_digests
BENCH_DIGESTS_REDIS_URL ?= redis://127.0.0.1:6379/12
.PHONY: bench-digests
bench-digests: $(VENV)/.installed
	@command -v smtp-sink >/dev/null || test -x /usr/sbin/smtp-sink || { \
		echo "==> Installing Postfix for its smtp-sink (Postfix itself stays unconfigured)"; \
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
	PATH="$$PATH:/usr/sbin" BENCH_DIGESTS_DATABASE_URL="$(BENCH_DIGESTS_DATABASE_URL)" \
		BENCH_DIGESTS_REDIS_URL="$(BENCH_DIGESTS_REDIS_URL)" \
		$(BIN)/python -m tests.benchmarks.digests $(BENCH_DIGESTS_ARGS)

# The whole story end to end on the production processes (tests/e2e/run.py): gunicorn, a
# Celery worker and beat on loopback, PostgreSQL and Redis databases of its own, an SMTP
# sink, Chromium. Logs, mail and screenshots of a failure under var/e2e/. Run by .ci/run.
E2E_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/e2e_advisory
E2E_REDIS_URL ?= redis://127.0.0.1:6379/7
E2E_PORT ?= 8106
.PHONY: e2e
e2e: $(VENV)/.installed
	E2E_DATABASE_URL="$(E2E_DATABASE_URL)" E2E_REDIS_URL="$(E2E_REDIS_URL)" E2E_PORT="$(E2E_PORT)" \
		$(BIN)/python -m tests.e2e.run

# Soak (tests/benchmarks/soak.py): 10 minutes of mixed portal traffic from wrk against gunicorn
# on loopback, sampling each worker's memory; figures to tests/benchmarks/README.md.
# SOAK_ARGS="--seconds 120" for a short one. Not part of `make test`.
SOAK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/soak_advisory
SOAK_REDIS_URL ?= redis://127.0.0.1:6379/8
SOAK_PORT ?= 8107
.PHONY: soak
soak: $(VENV)/.installed
	@command -v wrk >/dev/null || { echo "==> Installing wrk"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	SOAK_DATABASE_URL="$(SOAK_DATABASE_URL)" SOAK_REDIS_URL="$(SOAK_REDIS_URL)" \
		SOAK_PORT="$(SOAK_PORT)" $(BIN)/python -m tests.benchmarks.soak $(SOAK_ARGS)

# Benchmark of the entity linker (tests/benchmarks/README.md): 10,000 generated entities and
# 30,000 aliases in memory, a 1,500-word brief, and the gold set of the demo briefs.
.PHONY: bench-linker
bench-linker: $(VENV)/.installed
	SECRET_KEY=bench-only $(BIN)/python -m tests.benchmarks.linker $(BENCH_LINKER_ARGS)
