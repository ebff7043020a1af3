# Two entry points for a newcomer: `make demo` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit schemas bench browser clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m evalctl.demo

test: $(STAMP) browser lint typecheck unit

# The HTML report test renders in headless Chromium. Install Debian's package when we can (root,
# apt); without it that one test is skipped with its reason, everything else still runs.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq chromium >/dev/null 2>&1) \
		&& echo "installed chromium for the report rendering test"; } || echo "chromium not available: the HTML rendering test will be skipped"

lint: $(STAMP)
	$(BIN)/ruff check evalctl components tests bench __main__.py
	$(BIN)/ruff format --check evalctl components __main__.py

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --cov=evalctl --cov=components --cov-report=term:skip-covered

schemas: $(STAMP)
	$(BIN)/evalctl schema --write

bench: $(STAMP)
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/reconcile.py
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/run_wait.py
	$(BIN)/python bench/fuzz.py
	$(BIN)/python bench/fuzz_emulator.py --count 6000 --seed 1
	$(BIN)/python bench/datasets.py
	$(BIN)/python bench/insights.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage reports
