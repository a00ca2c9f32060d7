# summit_lessons — every target installs what it needs first, so on a fresh machine
# `make handouts` and `make test` are the only two commands anyone has to know.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Two workers, one notebook per worker (plain -n splits a notebook's cells across workers).
XDIST  := -n 2 --dist loadfile
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg
# Kernels started by nbval, nbclient and JupyterLab run `python`: make it the virtual env's.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup test unit lab execute handouts bundle bench browser validate clean site site-zip lite-tools

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,lab,bench]'
	touch $@

setup: $(STAMP)  ## create .venv from the pinned constraints

validate: setup  ## check the data folder
	$(BIN)/summit-lessons validate data

unit: setup  ## unit tests only (no notebooks, no browser)
	$(BIN)/pytest $(XDIST) -m "not browser and not lite" tests

test: setup browser lite-tools  ## everything CI runs: data check, unit tests, strict nbval, browser checks
	$(BIN)/summit-lessons validate data
	$(BIN)/pytest $(XDIST) $(NBVAL) tests notebooks

execute: setup  ## refresh the stored outputs of every notebook (after a data or helper change)
	$(BIN)/python -m summit_lessons.execute notebooks/[0-9][0-9]_*.ipynb

handouts: setup  ## student + teacher HTML handouts of every lesson, and index.html, in build/handouts/
	$(BIN)/summit-lessons handouts --out build/handouts

bundle: setup  ## one zip for an offline classroom: handouts, notebooks, data
	$(BIN)/summit-lessons bundle --out build/summit_lessons-offline.zip

lab: setup  ## JupyterLab on the lesson notebooks
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf build .handouts-cache

# JupyterLite's build tools live in their own env: their pins (jupyterlab_widgets 3.0.16 for
# jupyterlite-core 0.6.4) differ from the desktop's. Every file is checked by pip against its hash.
LITE_VENV  := .venv-lite
LITE_STAMP := $(LITE_VENV)/.installed-stamp
$(LITE_STAMP): deploy/jupyterlite/build-tools.txt
	$(PYTHON) -m venv $(LITE_VENV)
	$(LITE_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
	  -r deploy/jupyterlite/build-tools.txt
	touch $@

lite-tools: $(LITE_STAMP)  ## the JupyterLite build tools (hash-pinned) in .venv-lite

site: setup lite-tools  ## the lessons as a JupyterLite site (runs in any browser, offline) in build/site/
	$(BIN)/summit-lessons site --out build/site

site-zip: setup lite-tools  ## the site as one zip to copy to a USB stick or an intranet server
	$(BIN)/summit-lessons site --out build/site --zip build/summit_lessons-site.zip

# Debian's chromium for the browser checks: installed with apt-get when missing and apt-get
# can be used (never a browser download: they cannot work here). Without it the browser
# tests skip locally and fail on CI.
browser:
	@if command -v chromium >/dev/null 2>&1; then echo "chromium: $$(command -v chromium)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium with apt-get"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	else echo "chromium missing and apt-get unusable: browser tests will skip (CI fails them)"; fi

bench: setup  ## measure against the performance targets; writes build/bench.json
	$(BIN)/python benchmarks/run.py
