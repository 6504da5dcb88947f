# Seamline. Needs only python3 (3.11 or newer), make and git.
#
#   make demo           install, build the demo network, serve it at http://127.0.0.1:8000
#                       with the escalation worker beside it
#   make test           install with test extras, lint, type-check, check migrations, run the tests
#   make test-browser   end-to-end tests in Debian's Chromium (/usr/bin/chromium)
#   make test-source    the gate's tests with its modules run from source, not compiled
#   make compile        compile the rota gate's hot modules with mypyc (the targets above do)
#   make lint           ruff and mypy
#
# DATABASE_URL (sqlite:///path or postgres://...) selects the database for every target.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check --no-input
# Stamps: a second run skips the install while pyproject.toml is unchanged.
INSTALLED := $(VENV)/.installed
INSTALLED_TEST := $(VENV)/.installed-test
CHROMIUM ?= /usr/bin/chromium
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help demo serve test test-source test-browser lint install install-test compile clean

help:
	@sed -n 's/^#   //p' Makefile

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Seamline needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	@echo "Installing Seamline into $(VENV) ..."
	$(PIP) install -e '.[compile]'
	@touch $@

$(INSTALLED_TEST): pyproject.toml | $(BIN)/python
	@echo "Installing Seamline with its test tools into $(VENV) ..."
	$(PIP) install -e '.[test,compile]'
	@touch $@ $(INSTALLED)

# The rota gate's hot modules compiled to C (ADR 0016), again whenever one of them changes.
# A machine without a C compiler runs them from source (COMPILE_FLAGS= makes that an error).
COMPILE_FLAGS ?= --allow-failure
COMPILED := build/compiled/.stamp
# The sources of `MODULES` in seamline/compiled.py (a test holds the two lists equal).
COMPILED_SOURCES := seamline/workforce/authorization.py seamline/rota/rules.py \
	seamline/rota/gate.py seamline/rota/loading.py seamline/rota/validation.py

$(COMPILED): $(COMPILED_SOURCES) seamline/compiled.py seamline/compile.py | $(INSTALLED)
	$(BIN)/python -m seamline.compile build $(COMPILE_FLAGS)
	@mkdir -p $(dir $@) && touch $@

compile: $(COMPILED)

install: $(INSTALLED)

install-test: $(INSTALLED_TEST) $(COMPILED)

# The escalation worker runs beside the web server and stops with it (Ctrl-C stops both); what
# it does, and the e-mails it sends (printed, in the demo), go to .seamline/worker.log.
demo: $(INSTALLED) $(COMPILED)
	$(BIN)/seamline demo
	@mkdir -p .seamline
	$(BIN)/seamline worker --interval 30 >> .seamline/worker.log 2>&1 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/seamline serve --host 127.0.0.1 --port 8000

serve: $(INSTALLED) $(COMPILED)
	$(BIN)/seamline serve --host 127.0.0.1 --port 8000

test: $(INSTALLED_TEST) $(COMPILED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy seamline
	$(BIN)/pytest -n $(PYTEST_WORKERS) seamline

# The gate's suites again with its modules run from source (the compiled ones turned off).
test-source: $(INSTALLED_TEST)
	SEAMLINE_COMPILED=0 $(BIN)/pytest -n $(PYTEST_WORKERS) seamline/rota seamline/workforce

test-browser: $(INSTALLED_TEST) $(COMPILED)
	@test -x $(CHROMIUM) || { echo "Chromium is not at $(CHROMIUM): install Debian's chromium package (apt-get install chromium)." >&2; exit 1; }
	SEAMLINE_CHROMIUM=$(CHROMIUM) $(BIN)/pytest tests_browser -p no:django -p no:xdist -W ignore::pytest.PytestConfigWarning

lint: $(INSTALLED_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy seamline

clean:
	rm -rf staticfiles .mypy_cache .ruff_cache test-results
