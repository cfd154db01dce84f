# The two commands: `make run` (Lucien locally) and `make test` (the suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean lambda-bundle

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python -m compileall -q lucien functions
	touch $(STAMP)

run: install
	$(BIN)/lucien migrate
	$(BIN)/lucien serve

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lucien voice lint
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy lucien functions tests

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench

# What template.yaml deploys (CodeUri): code, dependencies, alembic.ini and migrations.
lambda-bundle: install
	rm -rf build/lambda
	$(BIN)/pip install --quiet . -t build/lambda
	cp -r alembic.ini migrations build/lambda/

clean:
	rm -rf $(VENV) .pytest_cache lucien.db build
