# The project's commands.  A fresh machine needs only Python 3.9+ with venv: every target sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
EXT_LINK := build/dev/batchtroubleshoot
AZ := scripts/az

.PHONY: venv dev demo test lint typecheck unit wheel bench bench-stress fake-workspace clean browser

venv: $(STAMP)

$(STAMP): requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The extension, loaded straight from this checkout by the venv's az (no copy, edits take effect at once).  Its
# bytecode is written as `az extension add` (pip) writes it on install: so that az starts as fast as it does for users
# even where PYTHONDONTWRITEBYTECODE is set (compileall skips what is up to date).
dev: venv $(EXT_LINK)
	@$(BIN)/python -m compileall -q azext_batchtroubleshoot

$(EXT_LINK): setup.py azext_batchtroubleshoot/_version.py
	$(BIN)/python setup.py --quiet egg_info
	@mkdir -p build/dev && ln -sfn ../.. $(EXT_LINK)

demo: dev
	@echo "+ scripts/az ml batch-troubleshoot diagnose --log-dir samples/init-missing-module"
	@$(AZ) ml batch-troubleshoot diagnose --log-dir samples/init-missing-module

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

unit: dev
	$(BIN)/python -m pytest -q

# Headless Chromium for the HTML report's browser test (tests/test_html_report.py): Debian's package, installed
# once when missing and we are root; elsewhere the test skips and says why.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "+ apt-get install chromium (for the HTML report's browser test)"; \
		( export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null && \
		  apt-get install -y -qq chromium >/dev/null 2>&1 ) || echo "chromium could not be installed: the browser test will skip"; \
	fi

test: dev browser lint typecheck unit

wheel: venv
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps -w dist .
	@ls dist/*.whl

bench: dev
	$(BIN)/python bench/run.py

# Also a 5 GiB log file and a tree of 100,000 files (about 5.4 GB written into .bench/ once).
bench-stress: dev
	$(BIN)/python bench/run.py --stress

fake-workspace: dev
	$(BIN)/python -m tests.fake_aml

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .azure-config
