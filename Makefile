# PLM Workflow — the two commands of the README, and a few for developers.
# Needs only Python >= 3.11 (with venv) and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup lint format checks messages benchmark clean

# Set up (once), migrate, import the ISTAT registry, serve on $(HOST):$(PORT), with the deadline
# sweep at start and every $(SWEEP_EVERY) seconds beside the server (its e-mails on the console).
SWEEP_EVERY ?= 60
run: $(VENV)/.installed-app
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_comuni
	$(BIN)/python manage.py seed_demo
	@$(BIN)/python manage.py welcome --url http://$(HOST):$(PORT)/
	@# The e-mails' and the calendar's links lead to this server, unless PLM_SITE_URL says otherwise.
	PLM_SITE_URL="$${PLM_SITE_URL:-http://$(HOST):$(PORT)}" \
	  $(BIN)/python scripts/run_with_sweep.py $(HOST):$(PORT) --every $(SWEEP_EVERY)

# Install what the tests need (once) and run the whole suite.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed-app

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PLM Workflow needs Python >= 3.11; $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# A stamp per install: a second run reuses the virtualenv unless pyproject.toml changed.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[demo]"
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,demo]"
	@touch $@ $(VENV)/.installed-app

# Inbox and queue at national scale against viewflow's stock queue (not part of the tests).
PLANS ?= 7896
benchmark: $(VENV)/.installed-app
	$(BIN)/python -m benchmarks.task_lists --plans $(PLANS)

# What one click costs: tasks completed over HTTP, in time and queries (not part of the tests).
COMPLETIONS ?= 200
.PHONY: benchmark-completions
benchmark-completions: $(VENV)/.installed-app
	$(BIN)/python -m benchmarks.completions --completions $(COMPLETIONS)

# The audit log's exports (time, peak memory) and timeline pages at 500,000 events (not tests).
AUDIT_EVENTS ?= 500000
.PHONY: benchmark-audit
benchmark-audit: $(VENV)/.installed-app
	$(BIN)/python -m benchmarks.audit_exports --events $(AUDIT_EVENTS)

# One deadline sweep over 8,000 open tasks with 100,000 past alert rows (not part of the tests).
.PHONY: benchmark-alerts
benchmark-alerts: $(VENV)/.installed-app
	$(BIN)/python -m benchmarks.alert_sweep

# The checks CI runs besides the tests.
checks: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/catalogue.py check

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the Italian catalogue (needs GNU gettext for makemessages), then compile it in Python.
messages: $(VENV)/.installed-test
	$(BIN)/python manage.py makemessages --locale it --ignore '.venv/*' --ignore 'locale_viewflow/*' --ignore 'tests/*' --ignore 'scripts/*'
	$(BIN)/python scripts/catalogue.py compile

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles benchmarks/.cache

# The production deployment on a throwaway PostgreSQL database: migrate, import, collectstatic,
# a plan launched, gunicorn serving the login, inbox, plan page and health probes.
.PHONY: deploy-check
deploy-check: $(VENV)/.installed-app
	scripts/deploy_check.sh
