# The README's two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt seed reindex sync bench frontend messages clean
# The interface's Welsh (and any other language's) text, compiled for gettext at install.
CATALOGUES := $(wildcard directory/translations/*/LC_MESSAGES/messages.po)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed $(CATALOGUES:.po=.mo) ## Create .venv, install the project and its test tools, compile the Welsh text

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

run: install ## Set up the database and index under instance/, then serve http://127.0.0.1:5000
	$(BIN)/flask geo build
	$(BIN)/flask db upgrade
	$(BIN)/flask seed load
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# One pytest worker per core; TEST_WORKERS=0 runs the suite in this process (as a debugger wants).
TEST_WORKERS ?= auto

test: install ## Run the whole test suite (set TEST_DATABASE_URL to run it on PostgreSQL)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install ## Check style (ruff), the import graph (import-linter) and types (mypy)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

fmt: install ## Format and fix style with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

seed: install ## Load seed_data/ into the database (idempotent) and rebuild the index
	$(BIN)/flask geo build
	$(BIN)/flask db upgrade
	$(BIN)/flask seed load

reindex: install ## Rebuild the search index from the database
	$(BIN)/flask search rebuild

sync: install ## Apply listing changes from the outbox to the index, and keep following
	$(BIN)/flask search sync --follow

bench: install ## Measure search latency and write the figures into the README
	$(BIN)/python bench/search_latency.py --write-readme

frontend: ## Rebuild directory/static/govuk/ from govuk-frontend (needs npm)
	cd frontend && npm install --no-audit --no-fund --no-package-lock && npm run build

messages: install ## Find new interface strings in the code and templates, add them to each catalogue
	mkdir -p instance
	$(BIN)/pybabel extract -F babel.cfg -k _l -o instance/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i instance/messages.pot -d directory/translations --no-fuzzy-matching --ignore-obsolete --width 100

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) instance
