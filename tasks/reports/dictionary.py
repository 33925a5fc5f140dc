"""The data dictionary of the published datasets, rendered from ``schemas/``.

``docs/DATA_DICTIONARY.md`` is this module's output; regenerate it after a schema change with
``.venv/bin/python -m tasks.reports.dictionary > docs/DATA_DICTIONARY.md``. Field names, types,
nullability and descriptions come from the arrow schemas; the only thing kept here is one
example value per field name (``FIELD_EXAMPLES``), checked against the field's type by the tests.
"""

from __future__ import annotations

import datetime as dt
import inspect
import sys
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from schemas import (
    ARTICLES,
    ARTICLES_PARTITION,
    COMMENTS,
    COMMENTS_PARTITION,
    DUPLICATES,
    DUPLICATES_PARTITION,
    REJECTS,
    REJECTS_PARTITION,
    SCHEMA_VERSION,
)
from schemas import articles as _articles
from schemas import comments as _comments
from schemas import duplicates as _duplicates
from schemas import rejects as _rejects

REGENERATE = ".venv/bin/python -m tasks.reports.dictionary > docs/DATA_DICTIONARY.md"


@dataclass(frozen=True)
class Dataset:
    """One published dataset: its folder under the output, schema, hive keys and module docstring."""

    name: str
    schema: pa.Schema
    partition: pa.Schema
    doc: str


DATASETS: tuple[Dataset, ...] = (
    Dataset("articles", ARTICLES, ARTICLES_PARTITION, inspect.getdoc(_articles) or ""),
    Dataset("comments", COMMENTS, COMMENTS_PARTITION, inspect.getdoc(_comments) or ""),
    Dataset("duplicates", DUPLICATES, DUPLICATES_PARTITION, inspect.getdoc(_duplicates) or ""),
    Dataset("rejects", REJECTS, REJECTS_PARTITION, inspect.getdoc(_rejects) or ""),
)

_FETCHED = dt.datetime(2024, 5, 3, 14, 20, 5, tzinfo=dt.UTC)
_INGESTED = dt.datetime(2024, 6, 1, 9, 0, 0, tzinfo=dt.UTC)

FIELD_EXAMPLES: dict[str, Any] = {
    "page_id": "594d21e9ca9b1347",
    "article_id": "d383b8b69d670ccf",
    "comment_id": "a470afae31bfe5b2",
    "cluster_id": "d383b8b69d670ccf",
    "duplicate_of": "d383b8b69d670ccf",
    "content_hash": "aef77f01cbf2423f",
    "site": "example-news.org",
    "site_source": "url",
    "url": "https://www.example-news.org/politics/2024/05/budget-vote",
    "source_path": "pages/example-news-org-budget-vote.txt",
    "record": 0,
    "input_format": "txt",
    "fetched_at": _FETCHED,
    "fetched_at_source": "manifest",
    "published_at": dt.datetime(2024, 5, 3, 6, 30, tzinfo=dt.UTC),
    "ingested_at": _INGESTED,
    "language": "en",
    "language_score": 0.9999,
    "language_inferred": "en",
    "crawl_month": "2024-05",
    "title": "Council passes the 2025 budget after a late-night vote",
    "body": "The city council approved the budget on Thursday.\n\nThe vote was 7 to 4.",
    "n_comments": 18,
    "n_comments_stated": 18,
    "n_lines_stripped": 65,
    "stripped_by_rule": [{"rule": "nav", "n_lines": 12}, {"rule": "share", "n_lines": 6}],
    "has_replacement_chars": False,
    "parse_confidence": 1.0,
    "is_suspect": False,
    "position": 3,
    "parent_position": 1,
    "author": "jsmith",
    "author_id": "3f9c2a71d0b4e85c6a12f0de",
    "pii_kinds": ["email"],
    "signals": {"n_words": 16, "mean_word_length": 4.5, "upper_share": 0.0625, "symbol_share": 0.046875,
                "dup_line_share": 0.0, "n_urls": 0, "stopword_share": 0.4375},
    "text": "Finally some sense on the housing budget.",
    "posted_at_text": "3 May 2024 at 16:05",
    "posted_at": dt.datetime(2024, 5, 3, 16, 5, tzinfo=dt.UTC),
    "repeat_count": 1,
    "is_repeated": False,
    "similarity": 0.93,
    "kind": "near",
    "reason": "no_article",
    "detail": "no paragraph of prose long enough to be an article body",
    "stage": "parse",
}
"""One example value per field name (a Python value of the field's arrow type). A name means the same
thing in every dataset, so one example serves all; ``DATASET_EXAMPLES`` holds the few exceptions."""

DATASET_EXAMPLES: dict[str, dict[str, Any]] = {
    "duplicates": {"page_id": "4562c67c9b8cadfa", "article_id": "6a14079bb2135242"},
}
"""Per-dataset examples where the shared one would mislead (a folded page has its own ids)."""


def dataset_examples(dataset: Dataset) -> dict[str, Any]:
    """The example row of a dataset: one value per field that has an example, in schema order."""
    own = DATASET_EXAMPLES.get(dataset.name, {})
    return {n: own.get(n, FIELD_EXAMPLES.get(n)) for n in dataset.schema.names if n in own or n in FIELD_EXAMPLES}


EXAMPLES: dict[str, dict[str, Any]] = {d.name: dataset_examples(d) for d in DATASETS}
"""The example row of each dataset, by dataset name."""


def format_example(value: Any) -> str:
    """Render one example value the way a reader would see it in a table cell."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f'"{shown}"'.replace("\n", "\\n")
    if isinstance(value, list):
        return "[" + ", ".join(format_example(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_example(v)}" for k, v in value.items()) + "}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _description(f: pa.Field) -> str:
    return str((f.metadata or {}).get(b"description", b"").decode())


def render_dataset(dataset: Dataset) -> str:
    """Render one dataset's section: where it lives, its hive keys and a table of its fields."""
    keys = dataset.partition.names
    folders = "/".join(f"{k}=…" for k in keys)
    lines = [
        f"## `{dataset.name}`",
        "",
        dataset.doc.split("\n\n")[0].replace("\n", " ").replace("``", "`"),
        "",
        f"Files: `OUT/{dataset.name}/{folders}/part-*.parquet`. Hive partition keys: "
        + ", ".join(f"`{k}`" for k in keys)
        + " (read them as strings, e.g. `hive_schema={"
        + ", ".join(f'"{k}": pl.String' for k in keys)
        + "}`; they come last, as in the table).",
        "",
        "| field | type | nullable | description | example |",
        "|---|---|---|---|---|",
    ]
    examples = dataset_examples(dataset)
    for f in dataset.schema:
        name = f"`{f.name}`" + (" (partition)" if f.name in keys else "")
        lines.append(
            f"| {name} | `{_cell(str(f.type))}` | {'yes' if f.nullable else 'no'} "
            f"| {_cell(_description(f))} | `{_cell(format_example(examples[f.name])) if f.name in examples else '?'}` |"
        )
    for f in dataset.schema:  # struct columns: their fields, one row each
        if pa.types.is_struct(f.type):
            lines += ["", f"Fields of `{f.name}`:", "", "| field | type | nullable | description |",
                      "|---|---|---|---|"]
            lines += [f"| {f.name} . `{sub.name}` | `{_cell(str(sub.type))}` | {'yes' if sub.nullable else 'no'} "
                      f"| {_cell(_description(sub))} |" for sub in f.type]
    return "\n".join(lines)


def render_data_dictionary() -> str:
    """Render the whole data dictionary (Markdown) of the four published datasets."""
    head = [
        "# Data dictionary",
        "",
        "<!-- Generated from schemas/ by tasks/reports/dictionary.py; do not edit by hand. Regenerate with:",
        f"     {REGENERATE} -->",
        "",
        f"Schema version {SCHEMA_VERSION} (stored as `corpusflow.schema_version` in every Parquet file's "
        "key-value metadata). Timestamps are UTC microseconds; ids are 16-hex-digit xxh3-64 digests. "
        "Join comments to articles on `article_id`; a duplicate's `duplicate_of` is the `article_id` "
        "of the article it was folded into.",
        "",
    ]
    body = "\n\n".join(render_dataset(d) for d in DATASETS)
    return "\n".join(head) + "\n" + body + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_data_dictionary())
