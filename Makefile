# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test check install translations catalogues lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

# Extract every message from the code and templates, merge it into the Spanish and
# English catalogues, compile them. Then translate what tests/unit/test_translations.py
# names as missing.
translations: install
	$(BIN)/python -m casework.i18n update

# Compiled catalogues are build products, not sources: run, test and bench build them.
catalogues: install
	$(BIN)/python -m casework.i18n compile

run: catalogues
	$(BIN)/flask db upgrade
	$(BIN)/flask casework seed-demo
	$(BIN)/flask casework checkpoints rebuild  # a pulled catalogue change applies at once
	@echo "casework is serving on http://127.0.0.1:5000 (Ctrl-C stops it)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: catalogues check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static checks: ruff (with bandit's S rules), bandit (any high finding fails), and
# pip-audit --strict where its service is reachable (else it prints why it skipped).
check: install
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r casework config.py wsgi.py --severity-level high
	$(BIN)/python .ci/pip_audit.py

lint: install
	$(BIN)/ruff check .

bench: catalogues
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) *.egg-info
