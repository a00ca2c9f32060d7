# summit_lessons — every target installs what it needs first, so on a fresh machine
# `make handouts` and `make test` are the only two commands anyone has to know.
PYTHON ?= python3
# The system's Python, resolved now: PATH below puts the venv first, whose python has no pip.
SYSPYTHON := $(shell command -v $(PYTHON) 2>/dev/null || echo $(PYTHON))
VENV   := .venv
BIN    := $(VENV)/bin
# Each set of extras has its own stamp, so a target installs only what it needs: handouts need
# no JupyterLab, Playwright or test tools. uv (from PyPI, pinned in constraints.txt, installed
# into the venv with pip) installs in seconds; `make INSTALLER=pip ...` uses plain pip, same pins.
INSTALLER ?= uv
ifeq ($(INSTALLER),pip)
INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
else
INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt
endif
STAMP  := $(VENV)/.stamp-base
# Two workers, one notebook per worker (plain -n splits a notebook's cells across workers).
XDIST  := -n 2 --dist loadfile
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg
# Kernels started by nbval, nbclient and JupyterLab run `python`: make it the virtual env's.
export PATH := $(abspath $(BIN)):$(PATH)
# JupyterLab refuses to start as root unless told; root is normal in containers and CI.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
# configurable-http-proxy for the hub, from npm, pinned by deploy/jupyterhub/package-lock.json.
CHP    := deploy/jupyterhub/node_modules/.bin/configurable-http-proxy

.PHONY: setup test unit lab execute handouts pdf bundle bench browser validate clean hub site site-zip pages lite-tools student-env bundle-student

$(VENV)/.stamp-installer: constraints.txt
ifeq ($(INSTALLER),pip)
	$(SYSPYTHON) -m venv $(VENV)
else
	@# No pip in the venv (ensurepip alone takes 5 s): the system's pip puts the pinned uv in;
	@# a pip too old for --python takes the slower route through ensurepip.
	$(SYSPYTHON) -m venv --without-pip $(VENV)
	$(SYSPYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check -c constraints.txt uv \
	  || { $(BIN)/python -m ensurepip --default-pip >/dev/null && \
	       $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt uv; }
endif
	touch $@

$(STAMP): pyproject.toml constraints.txt $(VENV)/.stamp-installer
	$(INSTALL) -e .
	touch $@

# .venv/.stamp-lab, -test, -bench, -hub, -pdf, -wheel: the package with that extra.
$(VENV)/.stamp-%: pyproject.toml constraints.txt $(STAMP)
	$(INSTALL) -e '.[$*]'
	touch $@

$(CHP): deploy/jupyterhub/package.json deploy/jupyterhub/package-lock.json
	@command -v npm >/dev/null || { echo "npm missing: install Node.js 20 or later (configurable-http-proxy needs it)"; exit 1; }
	npm ci --prefix deploy/jupyterhub --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP)  ## create .venv with the package alone, from the pinned constraints

validate: setup  ## check the data folder
	$(BIN)/summit-lessons validate data

unit: setup $(VENV)/.stamp-test $(VENV)/.stamp-hub $(CHP)  ## unit tests only (no notebooks, no browser, no JupyterLite site)
	$(BIN)/pytest $(XDIST) -m "not browser and not lite" tests

test: setup $(VENV)/.stamp-test $(VENV)/.stamp-hub $(CHP) browser lite-tools  ## everything CI runs: data check, unit tests, strict nbval (lessons and their student edition), browser, JupyterLite and JupyterHub checks
	$(BIN)/summit-lessons validate data
	rm -rf build/student-notebooks
	$(BIN)/summit-lessons notebooks build/student-notebooks --edition student
	$(BIN)/pytest $(XDIST) $(NBVAL) tests notebooks
	$(BIN)/pytest $(XDIST) --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize-student.cfg \
	  build/student-notebooks

execute: setup  ## refresh the stored outputs of every notebook (after a data or helper change)
	$(BIN)/python -m summit_lessons.publish.execute notebooks/[0-9][0-9]_*.ipynb

handouts: setup  ## student + teacher HTML handouts of every lesson, and index.html, in build/handouts/
	$(BIN)/summit-lessons handouts --out build/handouts

pdf: $(VENV)/.stamp-pdf browser  ## the handouts with a PDF beside every page, student.pdf, teacher.pdf and key/index.pdf
	$(BIN)/summit-lessons handouts --out build/handouts --pdf

bundle: $(VENV)/.stamp-wheel  ## one zip for an offline classroom (teacher edition: handouts, key, notebooks, data)
	$(BIN)/summit-lessons bundle --out build/summit_lessons-offline.zip

bundle-student: $(VENV)/.stamp-wheel lite-tools  ## the student bundle: student handouts, notebooks and site, no answers
	$(BIN)/summit-lessons bundle --edition student --out build/summit_lessons-offline-student.zip

lab: $(VENV)/.stamp-lab  ## JupyterLab on the lesson notebooks (as root too)
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks

# The students' single-user servers run from their own venv: the student wheel (no solution text),
# JupyterLab and jupyterhub-singleuser, pinned, readable by all (summit_lessons/classroom/hubenv.py).
# Rebuilt only when its inputs change (hubenv keeps a key file in it).
STUDENT_ENV := build/student-env
student-env: $(VENV)/.stamp-wheel  ## the student servers' Python environment in build/student-env
	$(BIN)/python -m summit_lessons.classroom.hubenv $(STUDENT_ENV)

# The hub builds its servers' environments itself, in its state folder (outside this checkout,
# which it closes to other accounts): summit_lessons/classroom/hubsetup.py.
hub: $(VENV)/.stamp-hub $(CHP)  ## a JupyterHub classroom on http://127.0.0.1:8000, run as root: an account per user (deploy/jupyterhub/)
	cd deploy/jupyterhub && $(abspath $(BIN))/jupyterhub -f jupyterhub_config.py

clean:
	rm -rf build .handouts-cache deploy/jupyterhub/state

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

site: $(VENV)/.stamp-wheel lite-tools  ## the lessons as a JupyterLite site (runs in any browser, offline) in build/site/
	$(BIN)/summit-lessons site --out build/site

# What .github/workflows/pages.yml publishes on a public URL: the student site and the student
# handouts under handouts/, no teacher edition and no key. Put together from two builds, so each
# keeps its own up-to-date check; the folder is replaced only when an earlier `make pages` made it.
PAGES ?= build/pages
pages: $(VENV)/.stamp-wheel lite-tools  ## the public GitHub Pages folder: the student site with the student handouts under handouts/, in build/pages/
	$(BIN)/summit-lessons site --out build/site
	$(BIN)/summit-lessons handouts --edition student --out build/handouts-student
	@if [ -e "$(PAGES)" ] && [ ! -e "$(PAGES)/.made-by-make-pages" ]; then \
	  echo "error: will not replace $(PAGES): it was not made by make pages; nothing was changed" >&2; exit 2; fi
	rm -rf "$(PAGES).partial" && mkdir -p "$(PAGES).partial"
	cp -R build/site/. "$(PAGES).partial/" && cp -R build/handouts-student "$(PAGES).partial/handouts"
	touch "$(PAGES).partial/.made-by-make-pages" && rm -rf "$(PAGES)" && mv "$(PAGES).partial" "$(PAGES)"

site-zip: $(VENV)/.stamp-wheel lite-tools  ## the site as one zip to copy to a USB stick or an intranet server
	$(BIN)/summit-lessons site --out build/site --zip build/summit_lessons-site.zip

# Debian's chromium for the browser checks and the PDFs, poppler-utils' pdftoppm for PDF page images: installed with apt-get when missing and apt-get
# can be used (never a browser download: they cannot work here). Without it the browser
# tests skip locally and fail on CI.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then echo "chromium: $$(command -v chromium)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium (and poppler-utils, for PDF page images) with apt-get"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core poppler-utils >/dev/null; \
	else echo "chromium missing and apt-get unusable: browser tests will skip (CI fails them)"; fi

bench: setup $(VENV)/.stamp-bench $(VENV)/.stamp-hub $(CHP) lite-tools  ## measure against the performance targets; writes build/bench.json
	$(BIN)/python benchmarks/run.py
