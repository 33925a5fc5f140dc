# corpusflow: `make demo` builds the bundled sample, `make test` runs the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= data/corpus
# Prefect's home (its SQLite database and persisted task results) for runs started from here.
export PREFECT_HOME ?= $(CURDIR)/data/.prefect

.PHONY: install demo test lint eval train bench bench-scale clean

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
	$(BIN)/mypy --strict tasks schemas flows/stage_tasks.py flows/caching.py flows/fitting.py flows/train_titles.py flows/train_comment_headers.py flows/body_check.py flows/scramble.py flows/evaluate.py flows/eval_report.py flows/comment_check.py
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check flows tasks schemas tests bench
	$(BIN)/mypy --strict tasks schemas flows/stage_tasks.py flows/caching.py flows/fitting.py flows/train_titles.py flows/train_comment_headers.py flows/body_check.py flows/scramble.py flows/evaluate.py flows/eval_report.py flows/comment_check.py

# The text path's title ranker (tasks/extract/models/title_ranker.json) and comment-header classifier
# (tasks/extract/models/comment_headers.json) from corpus-dev and the open four fifths of corpus-train; each prints
# its in-sample and site-grouped cross-validated figures. Deterministic. The comment headers come first: the
# title ranker's training reads the body windows, which start above the comments.
train: install
	$(BIN)/python -m flows.train_comment_headers
	$(BIN)/python -m flows.train_titles

eval: install
	$(BIN)/corpus eval ../shared/corpus-dev
	$(BIN)/corpus eval --html ../shared/corpus-dev

# Each benchmark measures ours and a baseline on the same data in the same run and prints the ratio.
# 10,000 pages (the low end of the sizes the pipeline is judged at); the baseline runs on the first
# BENCH_BASELINE_PAGES of them (about 30 pages per CPU s).
BENCH_PAGES ?= 10000
BENCH_BASELINE_PAGES ?= 2000
bench: install
	$(BIN)/python -m bench.bench_langid
	$(BIN)/python -m bench.bench_dedup --scale 0
	$(BIN)/python -m bench.bench_html
	$(BIN)/python -m bench.bench_pipeline --pages $(BENCH_PAGES) --baseline-pages $(BENCH_BASELINE_PAGES)

bench-scale: install  # dedup at 1,000,000 articles (about 15 minutes, 3 GB of disk)
	$(BIN)/python -m bench.bench_dedup --scale 1000000

clean:
	rm -rf $(OUT) data/.prefect
