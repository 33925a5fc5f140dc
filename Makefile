# corpusflow: `make demo` builds the bundled sample, `make test` runs the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= data/corpus
# Prefect's home (its SQLite database and persisted task results) for runs started from here.
export PREFECT_HOME ?= $(CURDIR)/data/.prefect

.PHONY: install demo test lint eval bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

demo: install
	$(BIN)/corpus build data/sample/pages --manifest data/sample/manifest.csv --out $(OUT)

test: install
	$(BIN)/ruff check flows tasks schemas tests bench
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check flows tasks schemas tests bench

eval: install
	$(BIN)/corpus eval ../shared/corpus-dev
	$(BIN)/corpus eval --html ../shared/corpus-dev

bench: install
	$(BIN)/python -m bench.bench_langid
	$(BIN)/python -m bench.bench_dedup

clean:
	rm -rf $(OUT) data/.prefect
