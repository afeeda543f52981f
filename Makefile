# Two commands: `make run` serves the product on embedded defaults, `make test` runs the
# whole suite against real PostgreSQL, Redis, a Celery worker and Chromium.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs in two pytest workers (pytest-xdist), each taking the next test as it frees.
PYTEST_ARGS ?= -n 2 --dist worksteal

.PHONY: run test install lint bank-check serve clean-var

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when the lock file changes, so a second run reuses the first's work.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	touch $@

install: $(VENV)/.installed

# Links in emails and exports point where this server answers, unless SITE_URL says else.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_bank
	$(BIN)/python manage.py load_examples
	@echo "Demo accounts:"
	@$(BIN)/python manage.py create_demo_accounts
	@echo "Serving Mockloop on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) \
		--loop uvloop --http httptools --ws websockets-sansio \
		--ws-per-message-deflate false

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/python scripts/test_services.py run -- $(BIN)/python -m pytest $(PYTEST_ARGS)

bank-check: install
	$(BIN)/python -m companies.bank_schema
