# Set up, serve and test Kirab. Every target installs what it needs first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app kirab
POSTGRES_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
CATALOGUES := $(wildcard kirab/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: install run test test-pg bench bench-feeds lint format translations extract-messages clean

install: $(STAMP) $(COMPILED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --input-file $< --output-file $@

## Serve the demo on http://127.0.0.1:5000 with the embedded SQLite database, and the worker
## that sends the mails of changes beside it (to a debugging SMTP server on 127.0.0.1:8025 that
## prints them, unless KIRAB_MAIL_URL is set). Ctrl-C stops both.
run: install
	$(FLASK) init-db
	$(FLASK) seed-demo
	KIRAB_ENV=development $(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	KIRAB_ENV=development $(FLASK) run --host 127.0.0.1 --port 5000

## The whole suite on SQLite, browser journeys included (skipped, and said so, without Chromium).
test: install
	$(BIN)/ruff check kirab tests
	$(BIN)/pytest
	@test -n "$$CI$$KIRAB_TEST_DATABASE_URL" || echo "Note: the PostgreSQL pass is 'make test-pg' (needs a server at $(POSTGRES_TEST_URL))."

## The suite again on PostgreSQL with Redis for the rate limits (browser journeys run in 'make test').
test-pg: install
	KIRAB_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) KIRAB_TEST_RATELIMIT_STORAGE_URI=$(REDIS_TEST_URL) \
		$(BIN)/pytest -m "not browser"

## The national HTTP benchmark: the national data set in PostgreSQL (built, or reused when
## loaded) served by gunicorn with the shipped settings; every public page, API list and feed
## warm, cold and at 8 clients against GET /login and a static file, the attendance page, the
## relay export against COPY, a 50,000-row import. Prints a table and "N of M goals met".
## KIRAB_BENCH_DATABASE_URL, KIRAB_BENCH_REDIS_URL, KIRAB_BENCH_SCALE (or BENCH_ARGS=--scale 0.1).
bench: install
	$(BIN)/python -m tests.benchmarks.national $(BENCH_ARGS)

## The calendar feeds' own benchmark (13,000 events, scratch SQLite, one process): build
## times against plain icalendar builds, serving against a static file.
bench-feeds: install
	$(BIN)/python -m tests.benchmarks.feeds

## ruff, no repeated blocks of code (pylint), no function above complexity C (radon).
lint: install
	$(BIN)/ruff check kirab tests
	$(BIN)/ruff format --check kirab tests
	$(BIN)/pylint --disable=all --enable=duplicate-code --ignore=migrations --score=n kirab
	@test -z "$$($(BIN)/radon cc -n D kirab)" || { $(BIN)/radon cc -n D kirab; exit 1; }

format: install
	$(BIN)/ruff format kirab tests
	$(BIN)/ruff check --fix kirab tests

## Refresh the message catalogues after interface text changed.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location --sort-output \
		--project=kirab -o kirab/translations/messages.pot .
	$(BIN)/pybabel update -i kirab/translations/messages.pot -d kirab/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find kirab -name '*.mo' -delete
