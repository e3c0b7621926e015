# River Valley: two commands do all the setup.
#   make book   build the book (executing every notebook) into _build/html
#   make test   run the library tests, its doctests, the student-edition and Binder tests, and
#               every notebook under nbval
# Both create .venv from the pinned requirements.txt on first use.
#
# The other gates (README, "Quality gates"): make test-html and make test-browser check the built
# book (run them after make book); make bench measures the performance targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.browser-installed
# MathJax, require.js and the widget manager, installed from npm and served with the book.
VENDOR_STAMP  := _vendor/.stamp
# The executed-notebook cache only knows the notebooks' code: a change to the library must clear it.
LIB_STAMP     := _build/.library-stamp
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test test-lib test-notebooks test-html test-browser student bench env clean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

$(VENDOR_STAMP): tools/assets/package.json tools/assets/package-lock.json tools/vendor_assets.py
	$(PYTHON) tools/vendor_assets.py

$(LIB_STAMP): $(wildcard rivervalley_lib/*.py) tools/sphinxext/rivervalley_book.py tools/sphinxext/static/rivervalley-widgets.js
	rm -rf _build/.jupyter_cache _build/.doctrees _build/html
	@mkdir -p _build && touch $@

# RIVERVALLEY_ASSETS=cdn make book: load MathJax and the widget scripts from CDNs instead (no npm).
ifeq ($(RIVERVALLEY_ASSETS),cdn)
ASSETS :=
else
ASSETS := $(VENDOR_STAMP)
endif

book: $(STAMP) $(ASSETS) $(LIB_STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: test-lib test-notebooks

test-lib: $(STAMP)
	$(BIN)/python -m pytest tests/library tests/book rivervalley_lib -n 2

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider \
		-n 2 --dist loadscope --durations=0 -o addopts="" chapters

# The built book: launch and download buttons on every chapter page (run after `make book`).
test-html: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" tests/built

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt tools/install_browser.sh
	bash tools/install_browser.sh
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	@touch $@

# The built book in headless Chromium, offline: every page, screenshots in _build/screenshots/.
test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" tests/browser

# The student edition: exercises kept, solutions replaced by "# YOUR CODE HERE" stubs.
student: $(STAMP)
	$(BIN)/python tools/make_student.py --src chapters --out student

# Performance targets, measured as ratios side by side in one run (see appendix/performance.md).
# Once the book is built, also the kernel-less figures in Chromium (page sizes, slider response).
BUILT := $(wildcard _build/html/index.html)
bench: $(STAMP) $(if $(BUILT),$(BROWSER_STAMP))
	$(BIN)/python bench/run.py $(if $(BUILT),--static-book) $(BENCH_FLAGS)

clean:
	rm -rf _build _vendor .pytest_cache .hypothesis
