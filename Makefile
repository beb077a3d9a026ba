# Every target creates or refreshes the local virtualenv first, so a fresh machine needs only Python 3.11+ and make.
# The test environment includes the bench-only extra: the benchmarks' smoke tests keep them from rotting.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-e2e clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "Python 3.11 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/gmts start

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.fold_events
	$(BIN)/python -m bench.event_store
	$(BIN)/python -m bench.workflow_updates
	$(BIN)/python -m bench.end_to_end

# The whole service under load (about 20 minutes on a quiet 2-core machine): bench/results/end_to_end.md.
bench-e2e: $(STAMP)
	$(BIN)/python -m bench.end_to_end

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
