# The README's two commands: `make run` (set up, open the app on the sample
# workspace) and `make test` (set up, run every test). Both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test test-fast chromium bench lint lock

# constraints.txt pins every package to the versions the tests passed with (the SQL editor
# calls a private function of streamlit-code-editor: an unpinned upgrade could break it unseen).
$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/workbench ui

chromium:
	@bash .ci/install-chromium

test: setup chromium
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not e2e"

lint: setup
	$(BIN)/ruff check workbench pages tests benchmarks streamlit_app.py

bench: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/ingest.py

# Refresh constraints.txt from the newest versions: a fresh venv, installed unpinned, then frozen.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev,bench]'
	{ head -n 2 constraints.txt; .venv-lock/bin/pip freeze --exclude-editable | grep -v '^workbench'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-lock
