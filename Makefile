# Two entry points for a newcomer: `make demo` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit schemas bench browser clean engine engine-test interop engine-explore

DEMO_STAMP := $(VENV)/.demo-installed

# The demo needs the package, the emulator and the example agent (two extras); tests and lint need the dev
# toolchain too.
$(DEMO_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[agent,emulator]'
	@touch $(DEMO_STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/python -m evalctl.demo

test: $(STAMP) browser lint typecheck unit

# The HTML report test renders in headless Chromium. Install Debian's package when we can (root,
# apt); without it that one test is skipped with its reason, everything else still runs.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq chromium >/dev/null 2>&1) \
		&& echo "installed chromium for the report rendering test"; } || echo "chromium not available: the HTML rendering test will be skipped"

lint: $(STAMP)
	$(BIN)/ruff check evalctl components tests bench __main__.py examples
	$(BIN)/ruff format --check evalctl components __main__.py examples

# The example agent's modules import each other as scripts do, so they are checked on their own.
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy examples/support-agent/*.py

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --ignore=tests/engine --ignore=tests/interop --cov=evalctl --cov=components --cov-report=term:skip-covered

# The real Pulumi engine, built from its Go modules (engine/go.mod, go.sum); see README "The real engine".
engine: $(STAMP)
	bash engine/build.sh

# CI runs this after `make test`: without Go (or if the build fails) the tier is skipped with its reason.
engine-test: $(STAMP)
	@bash engine/build.sh || echo "engine: not built (see above); tests/engine will be skipped"
	$(BIN)/python -m pytest -p no:cacheprovider -rs tests/engine

# Longer exploration of the real-engine model test (tests/engine/test_engine_model.py): more examples,
# longer sequences of spec edits, reverts and out-of-band changes, each step a real `pulumi up`.
engine-explore: $(STAMP)
	@bash engine/build.sh
	EVALCTL_ENGINE_EXAMPLES=$${EVALCTL_ENGINE_EXAMPLES:-10} EVALCTL_ENGINE_STEPS=$${EVALCTL_ENGINE_STEPS:-10} \
		$(BIN)/python -m pytest -p no:cacheprovider -x tests/engine/test_engine_model.py

# The official AgentCore CLI (npm @aws/agentcore 0.30.0) as a client of the emulator; see README
# "The official AgentCore CLI". interop/unpack.mjs fetches the registry's tarball (integrity pinned) and
# keeps the one dependency its bundle loads; npm ci installs that from interop/package-lock.json.
INTEROP_STAMP := interop/node_modules/.installed

$(INTEROP_STAMP): interop/package.json interop/package-lock.json interop/unpack.mjs
	cd interop && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Without node and npm, or when the registry can't serve the install, the tier is skipped with its
# reason (the tests say which); a registry outage must not fail our own suite.
# unpack.mjs runs first every time (a no-op once unpacked): npm ci links the unpacked folder.
interop: $(STAMP)
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		(cd interop && node unpack.mjs && cd .. && $(MAKE) --no-print-directory $(INTEROP_STAMP)) \
		|| echo "interop: INSTALL FAILED (see above); tests/interop will be skipped"; \
	else echo "interop: node/npm not found; tests/interop will be skipped"; fi
	$(BIN)/python -m pytest -p no:cacheprovider -rsx tests/interop

schemas: $(STAMP)
	$(BIN)/evalctl schema --write

bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/reconcile.py
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/run_wait.py
	$(BIN)/python bench/fuzz.py
	$(BIN)/python bench/fuzz_emulator.py --count 6000 --seed 1
	$(BIN)/python bench/datasets.py
	$(BIN)/python bench/dataset_run.py
	$(BIN)/python bench/dataset_progress.py
	$(BIN)/python bench/s3_persistence.py
	$(BIN)/python bench/simulate.py
	$(BIN)/python bench/insights.py

clean:
	rm -rf $(VENV) .engine interop/node_modules interop/agentcore-cli interop/.cache .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage reports
