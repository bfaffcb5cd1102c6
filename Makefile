# Buurtkracht: `make run` serves the demo on http://127.0.0.1:$(PORT); `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
WORKERS ?= 2
# Threads per worker (gthread): a cheap request (a page, /healthz) is not stuck behind a slow one
# (bench/load.py: /healthz p50 10 ms instead of 184 ms under the mixed load with 2 workers).
THREADS ?= 4
FLASK := $(BIN)/flask --app community
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.10.3
CHROMIUM ?= /usr/bin/chromium

.PHONY: run install test test-sqlite test-postgresql translations messages bench bench-scale clean help

help:
	@echo "make run   - set up, migrate, load the demo district and serve on http://$(HOST):$(PORT)"
	@echo "make test  - install test needs and run the whole suite on SQLite and PostgreSQL"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	@if compgen -G "community/translations/*/LC_MESSAGES/messages.po" >/dev/null; then \
	  $(BIN)/pybabel compile -d community/translations -f >/dev/null; fi

# Maintainers: collect new interface text into the catalogs after changing templates or code.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F community/translations/babel.cfg -k _l -k lazy_gettext --no-location \
	  --sort-output --project Buurtkracht -o community/translations/messages.pot .
	$(BIN)/pybabel update -i community/translations/messages.pot -d community/translations --no-fuzzy-matching

install: $(VENV)/.installed translations

run: install
	$(FLASK) db upgrade
	$(FLASK) load-demo
	@echo "Serving Buurtkracht on http://$(HOST):$(PORT) (Ctrl+C to stop)"
	$(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) --access-logfile - \
	  --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss' 'community:create_app()'

$(AXE):
	mkdir -p $(VENV)/node
	cd $(VENV)/node && npm install --silent --no-audit --no-fund --prefix . axe-core@$(AXE_VERSION) >/dev/null

$(CHROMIUM):
	@if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else echo "Browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi

test: install $(AXE) $(CHROMIUM)
	$(MAKE) test-sqlite
	$(MAKE) test-postgresql

test-sqlite: install
	$(BIN)/python -m pytest --db sqlite tests

test-postgresql: install
	$(BIN)/python -m pytest --db postgresql tests/community tests/browser

bench: install
	$(BIN)/python bench/accessibility_vs_access.py --scale city

# Every page at Flanders scale against the demo, SQLite and PostgreSQL (about 25 minutes; QUICK=1: a smoke run).
bench-scale: install
	$(BIN)/python bench/scale.py --db both $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) .pytest_cache
