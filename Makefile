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
	$(BIN)/flask casework keys backfill-index  # and a pulled search index
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

# Benchmarks (not part of `make test`; many minutes): the pinned `bench` extra (gunicorn,
# pyinstrument) and Debian's wrk, then every database and size. BENCH_ARGS passes options,
# e.g. `make bench BENCH_ARGS=--quick`.
$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

bench: catalogues $(BIN)/.bench-installed
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && \
		(apt-get install -y -qq wrk >/dev/null 2>&1 || \
		 (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)); } || \
		{ echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info
