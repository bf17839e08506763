# channelsim: `make demo` builds .venv and runs the main job; `make test` runs the tests.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12 (Mesa 3.5 needs it): PATH first, then pyenv's 3.12 or 3.13.
PYTHON_BOOT := $(shell for c in python3.13 python3.12 python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$c; exit 0; fi; done; \
	for v in 3.12.1 3.13.0; do \
	  if PYENV_VERSION=$$v python3.12 -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "env PYENV_VERSION=$$v python3.12"; exit 0; fi; \
	  if PYENV_VERSION=$$v python3.13 -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "env PYENV_VERSION=$$v python3.13"; exit 0; fi; \
	done)

.PHONY: venv test test-slow demo lint bench clean browser

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON_BOOT)" ]; then \
	  echo "channelsim needs Python >= 3.12 (Mesa 3.5). Install python3.12 (e.g. 'pyenv install 3.12') and retry." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	# Biogeme declares pandas<3; the model is built and pinned on pandas 3 (pyproject.toml)
	$(PY) -m pip install -q --no-deps 'biogeme==3.3.5'
	-$(PY) tools/solara_assets.py
	@touch $(STAMP)

# The browser tests drive Debian's chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "install chromium (Debian package) for the browser tests" >&2; exit 1; fi; }

# The tests run on every core (pytest-xdist); the slowest are listed for the CI log.
test: $(STAMP) browser
	$(PY) -m pytest -n auto --durations=15

# Longer variants (statistical studies, hypothesis with more examples, repeated kills); CI runs
# them too, on every core.
test-slow: $(STAMP) browser
	$(PY) -m pytest -m slow -n auto --durations=15

lint: $(STAMP)
	$(VENV)/bin/ruff check .

DEMO_OUT ?= results/demo

demo: $(STAMP)
	$(VENV)/bin/channelsim compare scenarios/case_baseline.yaml scenarios/case_reform.yaml \
		scenarios/add_marketplace.yaml scenarios/cut_distributor_discount.yaml \
		scenarios/direct_takes_key_accounts.yaml scenarios/exclusive_territories.yaml \
		--out $(DEMO_OUT)
	$(VENV)/bin/channelsim report $(DEMO_OUT) --pptx

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) results
