# River Valley: two commands do all the setup.
#   make book   build the book (executing every notebook) into _build/html
#   make test   run the library tests, its doctests, the repository and Binder tests, and
#               every notebook under nbval
# Both create .venv from the pinned requirements.txt on first use.
#
# The other gates (README, "Quality gates"): make test-html and make test-browser check the built
# book (run them after make book); make test-jupyterlab checks the notebooks in JupyterLab;
# make bench measures the performance targets.
# make assignments builds the otter-grader coursework; make test-coursework grades it.
# make test-frameworks installs PyTorch and JAX (requirements-frameworks.txt) and runs the
# adapters of rivervalley_lib.diagnostics and chapter 9's two recipes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.browser-installed
DEV_STAMP     := $(VENV)/.dev-installed
COURSEWORK_STAMP := $(VENV)/.coursework-installed
# MathJax, installed from npm and served with the book (and axe-core, which the browser gate
# injects into each page), by tools/vendor_assets.py.
VENDOR_STAMP  := _vendor/.stamp
AXE_JS        := _build/npm/node_modules/axe-core/axe.min.js
# The executed-notebook cache only knows the notebooks' code: a change to the library must clear it.
LIB_STAMP     := _build/.library-stamp
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# matplotlib's configuration and font cache live in the venv, built before any notebook runs: a
# cache that another installation left in ~/.cache cannot make a notebook print findfont
# warnings, and no notebook prints "building the font cache".
export MPLCONFIGDIR := $(CURDIR)/$(VENV)/mplconfig
MPL_STAMP     := $(MPLCONFIGDIR)/.built

.PHONY: book test lint test-lib test-notebooks test-html test-browser test-jupyterlab test-coursework test-frameworks assignments student bench mutate mutate-survivors env clean

env: $(STAMP) $(MPL_STAMP)

$(MPL_STAMP): $(STAMP)
	$(BIN)/python -c "import matplotlib.font_manager"
	@touch $@

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

$(VENDOR_STAMP): tools/assets/package.json tools/assets/package-lock.json tools/vendor_assets.py
	$(PYTHON) tools/vendor_assets.py

# axe-core stays in _build/npm: installed again when _build was removed after vendoring.
$(AXE_JS):
	$(PYTHON) tools/vendor_assets.py

$(LIB_STAMP): $(wildcard rivervalley_lib/*.py rivervalley_lib/*/*.py) tools/sphinxext/rivervalley_book.py
	rm -rf _build/.jupyter_cache _build/.doctrees _build/html
	@mkdir -p _build && touch $@

# RIVERVALLEY_ASSETS=cdn make book: load MathJax from a CDN instead (no npm).
ifeq ($(RIVERVALLEY_ASSETS),cdn)
ASSETS :=
else
ASSETS := $(VENDOR_STAMP)
endif

book: $(STAMP) $(ASSETS) $(LIB_STAMP) $(MPL_STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: lint test-lib test-notebooks

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# ruff (pinned in requirements-dev.txt, settings in pyproject.toml): lint and format check of
# the library, the tests, the tools, the benchmarks and the notebooks, lines <= 88 characters
# so that no code line is cut in the rendered book.
LINTED := rivervalley_lib tests tools bench chapters
lint: $(DEV_STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# The framework adapters' doctests need torch and jax: make test-frameworks runs them.
# PYTEST_ARGS adds options, e.g. --junitxml=lib.xml for each test's time.
test-lib: $(STAMP) $(MPL_STAMP)
	$(BIN)/python -m pytest tests/library tests/book rivervalley_lib -n 2 \
		--ignore=rivervalley_lib/diagnostics/torch.py \
		--ignore=rivervalley_lib/diagnostics/jax.py $(PYTEST_ARGS)

# PyTorch (CPU) and JAX, for the framework adapters only: kept out of requirements.txt so
# that the Binder environment stays small (about 1.1 GB more on disk).
FRAMEWORKS_STAMP := $(VENV)/.frameworks-installed
$(FRAMEWORKS_STAMP): $(STAMP) requirements-frameworks.txt
	$(BIN)/python -m pip install --quiet -r requirements-frameworks.txt
	@touch $@

# The adapters' doctests, their end-to-end check against a dense float64 Hessian, and
# chapter 9's PyTorch and JAX recipes (extracted from the notebook and run).
test-frameworks: $(FRAMEWORKS_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -n 0 tests/frameworks \
		rivervalley_lib/diagnostics/torch.py rivervalley_lib/diagnostics/jax.py

test-notebooks: $(STAMP) $(MPL_STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider \
		-n 2 --dist loadscope --durations=0 -o addopts="" chapters appendix

# The built book: launch and download buttons on every chapter page (run after `make book`).
test-html: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" tests/built

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt tools/install_browser.sh
	bash tools/install_browser.sh
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	@touch $@

# The built book in headless Chromium, offline: every page, screenshots in _build/screenshots/.
test-browser: $(BROWSER_STAMP) | $(AXE_JS)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" tests/browser

# Coursework: one otter-grader assignment per chapter in assignments/<build>/<chapter>/
# (student/, grading/, autograder/). Without SECRET (or $$RIVERVALLEY_SECRET) the build is
# the book's (assignments/book/); with it, SEED picks a variant (assignments/<id>-seed<SEED>/).
# CHAPTERS limits the build to some chapters (default: all nine).
SEED ?= 0
SECRET ?=
CHAPTERS ?=

$(COURSEWORK_STAMP): $(STAMP) requirements-coursework.txt
	$(BIN)/python -m pip install --quiet -r requirements-coursework.txt
	@touch $@

assignments: $(COURSEWORK_STAMP)
	$(BIN)/python tools/make_assignments.py --seed $(SEED) --out assignments \
		$(if $(SECRET),--secret "$(SECRET)") $(CHAPTERS)

# The old name of the student edition.
student: assignments

# The assignments graded by otter: solutions full marks, untouched or library-call answers less.
# The written answers' PDF route (otter export, Playwright with Chromium) needs the browser.
test-coursework: $(COURSEWORK_STAMP) $(MPL_STAMP) $(BROWSER_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" -n 2 --dist loadgroup --durations=5 tests/coursework

# The notebooks as Binder users and students see them: JupyterLab (with jupyterlab-myst) from .venv,
# in headless Chromium, offline. Every chapter, appendix and student (assignment) notebook renders
# with no math error, no raw MyST and no unresolved citation; one chapter runs with live widgets.
# Screenshots in _build/screenshots/jupyterlab/. Needs no built book.
test-jupyterlab: $(BROWSER_STAMP) assignments $(MPL_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" tests/jupyterlab

# Performance targets, measured as ratios side by side in one run (see appendix/performance.md).
# Once the book is built, also the kernel-less figures in Chromium (page sizes, slider response).
BUILT := $(wildcard _build/html/index.html)
bench: $(STAMP) $(if $(BUILT),$(BROWSER_STAMP))
	$(BIN)/python bench/run.py --coursework $(if $(BUILT),--static-book) $(BENCH_FLAGS)

# Mutation testing of the core (model, theory, simulation, diagnostics, check) with mutmut
# (pinned in requirements-dev.txt, settings in pyproject.toml [tool.mutmut]): every mutant
# runs only the tests that call its function, in one pytest session collected once
# (bench/mutmut_session.py). Writes the score and the survivors, less
# the reviewed equivalents of bench/mutation_equivalents.toml, to bench/MUTATION.md.
# A fresh run each time (MUTATE_KEEP=1 resumes the last one); MUTATE_JOBS children;
# MUTATE_SAMPLE=N checks a uniform random sample of N mutants (the score with its 95 %
# interval) when the full run does not fit the time available. Reviewed equivalents are
# not run again; MUTATE_RECHECK_EQUIVALENTS=1 runs them too. A full run (or its
# follow-up) fails below 95 % or with a survivor that has no reason.
MUTATE_JOBS ?= 2
mutate: $(DEV_STAMP)
	$(if $(MUTATE_KEEP),,rm -rf mutants)
	$(BIN)/python bench/mutation_report.py --run --jobs $(MUTATE_JOBS) \
		$(if $(MUTATE_SAMPLE),--sample $(MUTATE_SAMPLE))

# After tests are added: check the last run's survivors again (not the equivalent ones)
# and add the follow-up to bench/MUTATION.md; WHY says what changed.
mutate-survivors: $(DEV_STAMP)
	$(BIN)/python bench/mutation_report.py --jobs $(MUTATE_JOBS) \
		--rerun-survivors "$(or $(WHY),tests added since the run)"

clean:
	rm -rf mutants _build _vendor .pytest_cache .hypothesis assignments
