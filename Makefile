# ladder-bot developer entry points. Every target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint demo bench bench-instructions clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

# One pytest worker per core (pytest-xdist): every test has its own files, ports and, on
# PostgreSQL, its own schema. An idle worker steals queued tests, so a few long ones do not
# leave the other core waiting at the end. PYTEST_ARGS="-n 0" runs in one process.
test: $(STAMP)
	$(BIN)/pytest -n auto --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot
	$(BIN)/mypy

demo: $(STAMP)
	$(BIN)/python -m bot.demo

bench: $(STAMP)
	$(BIN)/python benchmarks/fakelab_bench.py
	$(BIN)/python benchmarks/sync_bench.py
	$(BIN)/python benchmarks/rules_bench.py
	$(BIN)/python benchmarks/rederive_bench.py
	$(BIN)/python benchmarks/digest_bench.py

bench-instructions: $(STAMP)
	$(BIN)/python benchmarks/rules_instructions.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
