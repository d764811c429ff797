# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
# PostgreSQL for the test suite (every test runs on SQLite and on PostgreSQL).
PORTAL_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export PORTAL_TEST_POSTGRES_URL

.PHONY: run test test-fast bench setup clean

$(BIN)/.installed: pyproject.toml
	./scripts/system-deps.sh run
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

portal/translations/%/LC_MESSAGES/messages.mo: portal/translations/%/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ -l $*

setup: $(BIN)/.installed portal/translations/zh/LC_MESSAGES/messages.mo

run: setup
	$(BIN)/portal setup
	$(BIN)/portal sync --by demo .
	@echo
	@echo "演示门户 / demo portal: http://$(HOST):$(PORT)/"
	@$(BIN)/portal create-admin --remember instance/demo-logins.txt
	@$(BIN)/portal demo-users --remember instance/demo-logins.txt
	@$(BIN)/portal demo-cases --if-empty
	@echo
	@# the web server, and beside it one worker for the background jobs (batch printing,
	@# exports) on the embedded queue (instance/queue.db); stopping the server stops it
	$(BIN)/portal worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PORTAL_BIND=$(HOST):$(PORT) $(BIN)/gunicorn --config python:portal.gunicorn_conf --preload 'portal:create_app()'

# axe-core, which the browser tests run in Chromium on the public pages
tests/a11y/node_modules/.installed: tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund --silent
	touch $@

# Every test, on SQLite and PostgreSQL, with the browser tests in Chromium; one worker per CPU.
test: setup
	./scripts/system-deps.sh test
	$(MAKE) tests/a11y/node_modules/.installed
	$(BIN)/pytest -n auto

# While developing: no browser, no fuzzing, SQLite only.
test-fast: setup
	$(BIN)/pytest -n auto -m "not browser and not fuzz and not bench" --databases sqlite

bench: setup
	$(BIN)/python bench/check_large_site.py
	$(BIN)/python bench/case_list.py
	$(BIN)/python bench/growth.py
	$(BIN)/python bench/export_memory.py
	$(BIN)/python bench/worker_start.py
	$(BIN)/python bench/cli_start.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/form_validation.py
	$(BIN)/python bench/due_dates.py
	$(BIN)/python bench/worklist.py
	$(BIN)/python bench/network.py
	$(BIN)/python bench/certificates.py
	$(BIN)/python bench/assessment.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/hall.py

clean:
	rm -rf $(VENV) instance .pytest_cache .benchmarks tests/a11y/node_modules
