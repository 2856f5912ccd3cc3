# govdoc — two commands do all set-up on a fresh Debian 12 machine:
#   make demo   converts samples/ into out/
#   make test   runs the test suite
# Both create .venv, install the package and the Debian packages the renderers need.

PY       ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
OUT      ?= out
PYTEST_ARGS ?= -n auto   # pytest-xdist: one worker per core
BENCH_ARGS ?=

.PHONY: all setup system system-test demo test test-slow test-all hypothesis bench bench-scale clean

all: test

# --- set-up -----------------------------------------------------------------
$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip   # the system pip fails on lxml extras

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

system:
	@bash scripts/install-system-deps.sh

system-test:   # LibreOffice renders the Word edition; chromium loads index.html
	@bash scripts/install-system-deps.sh --with-libreoffice --with-chromium

setup: $(STAMP) system

# --- the main job -------------------------------------------------------------
demo: $(STAMP) system
	$(BIN)/govdoc convert samples -o $(OUT)
	$(BIN)/govdoc check $(OUT)
	rm -rf $(OUT)-bag
	$(BIN)/govdoc package $(OUT) -o $(OUT)-bag
	$(BIN)/govdoc verify $(OUT)-bag
	@echo "demo: records in $(OUT)/ (open $(OUT)/index.html), archive package in $(OUT)-bag/"

# --- tests --------------------------------------------------------------------
test: $(STAMP) system-test
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP) system-test
	$(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

# property-based tests, thorough: 2 000 generated pages extracted and 2 000 fully converted
hypothesis: $(STAMP) system-test
	HYPOTHESIS_PROFILE=thorough GOVDOC_RENDER_EXAMPLES=2000 \
	  $(BIN)/python -m pytest -q -p no:cacheprovider --hypothesis-show-statistics tests/test_generated.py

test-all: $(STAMP) system-test
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# --- benchmarks (bench/README.md) -----------------------------------------------
bench: $(STAMP)
	@bash scripts/install-system-deps.sh --with-libreoffice --with-pandoc --with-chromium
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# the scale stage alone: 5 000 pages --jobs 2, memory, re-run, the report in Chromium
# (smaller: make bench-scale BENCH_ARGS="--pages 1000 --checkpoint 200 --records 5000")
bench-scale: $(STAMP)
	@bash scripts/install-system-deps.sh --with-chromium
	$(BIN)/python bench/run.py --skip extraction,docx,pdf,pipeline $(BENCH_ARGS)

clean:
	rm -rf $(OUT) $(OUT)-bag .pytest_cache .hypothesis build *.egg-info
