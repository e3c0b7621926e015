# River Valley: two commands do all the setup.
#   make book   build the book (executing every notebook) into _build/html
#   make test   run the library tests, its doctests, the student-edition and Binder tests, and
#               every notebook under nbval
# Both create .venv from the pinned requirements.txt on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test test-lib test-notebooks test-html student bench env clean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: test-lib test-notebooks

test-lib: $(STAMP)
	$(BIN)/python -m pytest tests rivervalley_lib -n 2

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider \
		-n 2 --dist loadscope --durations=0 -o addopts="" chapters

# The built book: launch and download buttons on every chapter page (run after `make book`).
test-html: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" tests_built

# The student edition: exercises kept, solutions replaced by "# YOUR CODE HERE" stubs.
student: $(STAMP)
	$(BIN)/python tools/make_student.py --src chapters --out student

# Performance targets, measured as ratios side by side in one run (see appendix/performance.md).
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_FLAGS)

clean:
	rm -rf _build .pytest_cache .hypothesis
