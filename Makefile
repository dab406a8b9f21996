# Every target bootstraps .venv from a bare Python 3.11 itself; nothing needs
# installing by hand. The stamp re-installs when pyproject.toml changes.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
# compat: a .pth pointing at the checkout (the policies and templates are read
# from it, scanner/paths.py) instead of setuptools' import-hook finder, which
# policies/ and report_templates/ (mapped into the package) would need. Every
# editable mode prints a notice about itself; the one for compat, chosen here
# on purpose, is filtered by its exact text so an install prints nothing.
PIP_INSTALL := PYTHONWARNINGS="ignore:Compat editable installs" \
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
	--config-settings editable_mode=compat
# The suites that need no moto server, subprocess CLI or browser (tests/conftest.py
# marks the rest); a quick loop while editing, `make test` stays the gate.
FAST_MARKERS := not server and not browser and not slow
# Folders whose every test is `server`: not even imported (moto, Playwright).
FAST_IGNORE := $(foreach d,e2e demo reliability security collect,--ignore=tests/$(d))
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: help venv test test-fast lint typecheck pytest demo bench clean browser

help:
	@echo "make demo   - scan an embedded sample Aurora estate and write every report"
	@echo "make test   - lint, type-check and run the whole test suite"
	@echo "make test-fast - the tests that need no moto server or browser (seconds)"
	@echo "make bench  - run the benchmarks in benchmarks/ and print their tables"

# Tests, lint and types: everything (the dev extra). The demo needs only the
# runtime and moto (the demo extra): no ruff, mypy, Playwright or Hypothesis.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[dev,demo]'
	touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[demo]'
	touch $(DEMO_STAMP)

venv: $(STAMP)

# The browser tests drive Debian's Chromium (Playwright cannot download its own
# browser here). Install it when missing and we are allowed to.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium install failed; browser tests will be skipped" >&2; \
	  else echo "chromium missing and not root; browser tests will be skipped" >&2; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

test: lint typecheck pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "$(FAST_MARKERS)" $(FAST_IGNORE) $(PYTEST_ARGS)

demo: $(DEMO_STAMP)
	$(BIN)/aurora-scan demo --output-dir demo-output

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
