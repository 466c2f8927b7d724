# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := APP_CONFIG=development $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-quick test-dates install install-dev vendor system-packages lint db demo clean

run: install vendor  ## Serve the app on http://127.0.0.1:5000 with demo data on first run
	$(FLASK) db upgrade
	$(FLASK) demo-data
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The suite runs in parallel (pytest-xdist): each worker has its own SQLite files and its own
# database on the run's one PostgreSQL cluster (tests/conftest.py). A worker per core ("auto"):
# on a busy 2-core machine a third worker made the browser tests slower, not faster.
# `make test WORKERS=3` chooses; `WORKERS=0` runs in one process. loadgroup: the tests of an
# xdist_group (tests/test_servers.py's two gunicorn servers) run on one worker.
WORKERS ?= auto
PARALLEL := -n $(WORKERS) --dist loadgroup

test: install-dev vendor system-packages  ## The whole suite: SQLite, PostgreSQL and Chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS)

# For the edit loop: SQLite only, no browser, in parallel. `make test` is still the one to pass.
test-quick: install-dev vendor system-packages
	$(BIN)/python -m pytest $(PARALLEL) --databases=sqlite -m "not browser" $(PYTEST_ARGS)

# The whole suite again with the machine's clock moved (Debian's faketime): a year and three
# years ahead, the nights British Summer Time starts and ends (the clocks change a few minutes
# into the run), a leap day, and a summer night when the school's date is a day ahead of UTC's.
# The tests that need a known date freeze their own clock (tests/support/clock.py); the rest
# must hold on any. FAKETIME_DONT_RESET: a process the run starts (a test's gunicorn) carries
# on the run's clock; without it, it would start again at the "@" time, minutes behind.
CLOCKS := +400d +1095d "@2027-03-28 00:55:00" "@2027-10-31 00:55:00" "@2028-02-29 08:00:00" \
	"@2027-07-01 23:30:00"
test-dates: install-dev vendor system-packages
	@for clock in $(CLOCKS); do \
		echo "== make test with the clock at $$clock"; \
		FAKETIME_DONT_RESET=1 faketime -f "$$clock" $(BIN)/python -m pytest -q $(PARALLEL) $(PYTEST_ARGS) || exit 1; \
	done

$(VENV)/.stamp-app: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-app requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.stamp-app
install-dev: $(VENV)/.stamp-dev

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end libraries are served from our own origin, copied from node_modules. axe-core is
# for the accessibility browser test only: no page of the app loads it.
static/vendor/.stamp: node_modules/.stamp
	rm -rf static/vendor && mkdir -p static/vendor
	cp -r node_modules/bootstrap/dist static/vendor/bootstrap
	cp -r node_modules/signature_pad/dist static/vendor/signature_pad
	cp -r node_modules/barcode-detector/dist static/vendor/barcode-detector
	cp -r node_modules/zxing-wasm/dist static/vendor/zxing-wasm
	mkdir -p static/vendor/axe-core && cp node_modules/axe-core/axe.min.js static/vendor/axe-core/
	touch $@

vendor: static/vendor/.stamp

# Debian packages the tests drive: Chromium (browser tests), poppler (PDF rendering),
# faketime (make test-dates) and wrk (benchmarks/http.py and its smoke test).
# PostgreSQL 15's initdb and pg_ctl come with the machine.
system-packages:
	@if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null \
			|| ! command -v faketime >/dev/null || ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium poppler-utils faketime wrk >/dev/null; \
		else sudo apt-get update -qq \
			&& sudo apt-get install -y -qq chromium poppler-utils faketime wrk; fi; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
