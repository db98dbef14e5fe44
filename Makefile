# Two commands on a fresh machine: `make run` (the portal with demo data, embedded profile)
# and `make test` (the test suite). See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REQUIREMENTS_STAMP := $(VENV)/.requirements-installed
MANAGE := $(BIN)/python manage.py
# The embedded profile: SQLite and a file-system broker, no services needed.
EMBEDDED := DEBUG=true

# Production-style values for `make check-deploy`; the secret key is fresh on every run.
DEPLOY_ENV := DEBUG=false \
    SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    ALLOWED_HOSTS=portal.example.com \
    CSRF_TRUSTED_ORIGINS=https://portal.example.com \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vendorportal \
    REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: help venv run test lint format check-deploy security migrations-check api-schema-check

help:
	@echo "make run               start the portal with demo data on http://127.0.0.1:$${PORT:-8000}/"
	@echo "make test              run the test suite (PYTEST_ARGS='-k name' to pass options)"
	@echo "make lint              ruff check and ruff format --check"
	@echo "make check-deploy      Django's deployment checks with production-style settings"
	@echo "make security          ruff's security rules, pip-audit of the pinned requirements, check-deploy"
	@echo "make migrations-check  fail if a model change has no migration"
	@echo "make api-schema-check  build the OpenAPI schema and fail on any error or warning"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed since the last install.
$(REQUIREMENTS_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The local development profile for plain `python manage.py …` calls in this checkout; the
# environment still wins over it, and production never runs make.
.env:
	printf '# Local development profile written by make (see .env.example); the environment overrides it.\nDEBUG=true\n' > $@

venv: $(REQUIREMENTS_STAMP) .env

run: venv
	$(EMBEDDED) $(MANAGE) migrate --noinput
	$(EMBEDDED) $(MANAGE) seed_demo
	$(EMBEDDED) $(MANAGE) evaluate_slas
	$(EMBEDDED) $(MANAGE) collectstatic --noinput --verbosity 0
	$(EMBEDDED) PORTAL_URL=$(or $(PORTAL_URL),http://127.0.0.1:$(or $(PORT),8000)) $(MANAGE) run_portal

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: venv
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING

# Ruff's flake8-bandit (S) rules on their own (the command line's --select drops pyproject's ignore
# list, hence the same two ignores here), the pinned requirements against the advisory databases
# (pip-audit needs to reach PyPI), and Django's deployment checks.
security: venv
	$(BIN)/ruff check --select S --ignore S101,S311 .
	$(BIN)/pip-audit --requirement requirements-dev.txt --no-deps --disable-pip --progress-spinner off
	$(MAKE) check-deploy

migrations-check: venv
	$(EMBEDDED) $(MANAGE) makemigrations --check --dry-run

api-schema-check: venv
	$(EMBEDDED) $(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
