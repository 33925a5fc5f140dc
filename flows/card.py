"""``corpus card OUT``: a Markdown dataset card of a built corpus, in the sections of Hugging Face cards.

Every figure is read from the committed snapshot of ``OUT`` (one consistent read) and from the last
run's summary (``_state/last_run.json``) where the datasets do not keep it (pages filtered by
language). The privacy section states what the data holds (author names written, ids, PII tags,
placeholders), not only which options the last build was given: an output extended by several
builds can mix them, and the card says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from flows.stats import scan_dataset
from schemas import OUTPUT_DATASETS, SCHEMA_VERSION
from tasks.publish.privacy import PII_KINDS, PLACEHOLDERS
from tasks.publish.release import publish_counts
from tasks.publish.write import dataset_roots
from tasks.reports.corpus_stats import (
    articles_per_site,
    boilerplate_by_rule,
    dedup_kinds,
    language_mix,
    rejects_by_reason,
)

_COLUMNS = {
    "articles": ("site", "language", "n_comments", "fetched_at", "published_at", "stripped_by_rule", "pii_kinds"),
    "comments": ("language", "posted_at", "author_id", "pii_kinds"),
    "duplicates": ("kind", "similarity", "cluster_id"),
    "rejects": ("stage", "reason"),
}
"""The columns the card reads whole from each dataset (no text: its texts are only counted, in the scan)."""
_TEXT = {"articles": "body", "comments": "text"}
"""The text column of each dataset whose redaction placeholders the card counts."""


def read_card_data(out: Path) -> dict[str, pl.DataFrame]:
    """What the card needs from the four datasets of ``out`` (one snapshot): the ``_COLUMNS`` of each, comments'
    ``has_author`` (the name is not read into memory), and ``placeholders``: one row per dataset of ``_TEXT``
    with the count of each kind's placeholder, summed in the scan."""
    roots = dataset_roots(out, {**_COLUMNS, "comments": (*_COLUMNS["comments"], "author", "text"),
                                "articles": (*_COLUMNS["articles"], "body")})
    scans = {name: scan_dataset(roots[name], *OUTPUT_DATASETS[name]) for name in _COLUMNS}
    data = {name: scans[name].select(cols).collect() for name, cols in _COLUMNS.items()}
    data["comments"] = data["comments"].with_columns(
        scans["comments"].select(pl.col("author").is_not_null().alias("has_author")).collect().to_series())
    data["placeholders"] = pl.concat([
        scans[name].select(pl.lit(name).alias("dataset"), *[
            pl.col(column).str.count_matches(PLACEHOLDERS[kind], literal=True).sum().cast(pl.Int64).alias(kind)
            for kind in PII_KINDS]).collect()
        for name, column in _TEXT.items()])
    return data


def _count_table(counts: pl.DataFrame, key: str, *, top: int | None = None) -> list[str]:
    """A Markdown table of ``key`` and its rows (``counts``: ``key``, ``n``, largest first)."""
    rows = counts.head(top) if top else counts
    lines = [f"| {key} | rows |", "|---|---:|"] + [f"| {k} | {n:,} |" for k, n in rows.select(key, "n").iter_rows()]
    if top and counts.height > top:
        lines.append(f"| ({counts.height - top} more) | {int(counts['n'].slice(top).sum()):,} |")
    return lines


def _range(frame: pl.DataFrame, column: str) -> str:
    values = frame.get_column(column).drop_nulls()
    if values.is_empty():
        return "unknown"
    return f"{values.min():%Y-%m-%d} to {values.max():%Y-%m-%d}"


def _schema_table(schema: pa.Schema) -> list[str]:
    lines = ["| field | type | description |", "|---|---|---|"]
    for f in schema:
        description = (f.metadata or {}).get(b"description", b"").decode().replace("|", "\\|")
        kind = "struct (see the data dictionary)" if pa.types.is_struct(f.type) else str(f.type)
        lines.append(f"| `{f.name}` | `{kind}` | {description} |")
    return lines


def render_card(data: Mapping[str, pl.DataFrame], summary: Mapping[str, Any], *, name: str,
                generated_at: datetime) -> str:
    """The dataset card (Markdown with a YAML header) of the frames read by :func:`read_card_data`."""
    arts, coms, dups, rejs = data["articles"], data["comments"], data["duplicates"], data["rejects"]
    mix = language_mix(arts, coms)
    languages = sorted(set(mix["language"].to_list()) - {"und"})
    n_rows = arts.height + coms.height
    size = next(label for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                                           (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))
                if n_rows < limit) if n_rows < 10_000_000 else "n>10M"
    stripped = boilerplate_by_rule(arts)
    named = int(coms["has_author"].sum())
    counts = publish_counts(arts, coms)
    placed = {row.pop("dataset"): row for row in data["placeholders"].iter_rows(named=True)}
    filtered = summary.get("filtered_language")
    lines = [
        "---",
        "language:", *[f"- {lang}" for lang in languages],
        "size_categories:", f"- {size}",
        "task_categories:", "- text-classification", "- text-generation",
        "pretty_name: " + json.dumps(name),
        "---",
        "",
        f"# Dataset card: {name}",
        "",
        "## Dataset summary",
        "",
        f"News articles and their reader comments, built with corpusflow (schema version {SCHEMA_VERSION}) "
        f"from scraped pages: {arts.height:,} articles and {coms.height:,} comments from {arts['site'].n_unique():,} "
        f"sites. Articles fetched {_range(arts, 'fetched_at')}; published {_range(arts, 'published_at')}; "
        f"comments posted {_range(coms, 'posted_at')} (where the page states the date). "
        f"Card generated {generated_at:%Y-%m-%d %H:%M} UTC.",
        "",
        "## Languages",
        "",
        "ISO 639-1 codes from langdetect's profiles, per article (title + body) and per comment; `und` where the "
        "text is too short or too uncertain to tell.",
        "",
        "Articles:", "", *_count_table(mix.filter(pl.col("dataset") == "articles"), "language"), "",
        "Comments:", "", *_count_table(mix.filter(pl.col("dataset") == "comments"), "language"), "",
        "## Dataset structure",
        "",
        "Four Parquet datasets, hive-partitioned, joined on `article_id`: `articles/` (one row per story), "
        "`comments/` (one row per comment), `duplicates/` (pages folded into an article), `rejects/` (input that "
        "could not become an article). No splits. Every field with an example is in `docs/DATA_DICTIONARY.md`.",
        "",
        "### Data fields: articles", "", *_schema_table(OUTPUT_DATASETS["articles"][0]), "",
        "### Data fields: comments", "", *_schema_table(OUTPUT_DATASETS["comments"][0]), "",
        "## Dataset creation",
        "",
        "### Source data",
        "",
        "Sites (articles per site, top 20):", "",
        *_count_table(articles_per_site(arts, top=arts.height).rename({"n_articles": "n"}), "site", top=20), "",
        "### Processing steps",
        "",
        "1. ingest: read and decode the input files; unreadable input is rejected (counted below).",
        "2. strip boilerplate: lines of menus, share bars, footers and learned site templates are removed.",
        "3. parse: one article and its comments per page.",
        "4. detect language: per article and per comment.",
        "5. deduplicate: exact, near (MinHash LSH) and re-scrape copies fold into one article; their comment "
        "threads are merged.",
        "6. select and publish: PII tags (and redaction when asked), commenter ids, quality signals.",
        "",
        "| step | count |", "|---|---:|",
        f"| lines stripped (all rules) | {int(stripped['n_lines'].sum()) if stripped.height else 0:,} |",
        *[f"| lines stripped: {r} | {int(n):,} |" for r, n in stripped.head(10).select("rule", "n_lines").iter_rows()],
        *[f"| deduplicated: {k} | {n:,} |" for k, n in dedup_kinds(dups).sort("kind").select("kind", "n").iter_rows()],
        f"| deduplicated (all) | {dups.height:,} |",
        *[f"| rejected: {s} / {r} | {n:,} |"
          for s, r, n in rejects_by_reason(rejs).sort("stage", "reason").select("stage", "reason", "n").iter_rows()],
        f"| rejected (all) | {rejs.height:,} |",
        f"| filtered by language (last run only: not kept in the datasets) | "
        f"{'unknown' if filtered is None else f'{int(filtered):,}'} |",
        "",
        "## Personal and sensitive information",
        "",
        f"- Last build's options: pseudonymize = {summary.get('pseudonymize', 'unknown')}, redact PII = "
        f"{summary.get('redact_pii', 'unknown')}. A corpus extended by several builds may mix options; the "
        "figures below are counted in the data itself.",
        f"- Comments with an author name written: {named:,} of {coms.height:,}; with a pseudonymous `author_id` "
        f"(HMAC-SHA256 of site and name under a key kept outside the datasets): "
        f"{counts['comments_with_author_id']:,}.",
        "- Rows tagged with each kind of personal data (`pii_kinds`), and placeholders written by redaction:",
        "",
        "| kind | articles tagged | comments tagged | placeholders in articles | placeholders in comments |",
        "|---|---:|---:|---:|---:|",
        *[f"| {k} | {counts[f'pii_articles_{k}']:,} | {counts[f'pii_comments_{k}']:,} | {placed['articles'][k]:,} | "
          f"{placed['comments'][k]:,} |" for k in PII_KINDS],
        "",
        "Pseudonymization replaces names of commenters of the same thread only where written `@Name` or at the "
        "start of a reply; other names, and anything a text says about a person, stay. The PII detectors are "
        "patterns (measured precision and recall in the corpusflow README): some spans are missed. Treat the "
        "corpus as personal data.",
        "",
        "## How to load",
        "",
        "```python",
        "import polars as pl",
        'hive = {"language": pl.String, "crawl_month": pl.String}',
        'articles = pl.scan_parquet("OUT/articles/**/*.parquet", hive_partitioning=True, hive_schema=hive)',
        'comments = pl.scan_parquet("OUT/comments/**/*.parquet", hive_partitioning=True, hive_schema=hive)',
        "```",
        "",
        "```sql",
        "-- duckdb",
        "SELECT language, count(*) FROM read_parquet('OUT/comments/**/*.parquet', hive_partitioning = true,",
        "       hive_types = {'language': VARCHAR, 'crawl_month': VARCHAR}) GROUP BY ALL;",
        "```",
        "",
        "```python",
        "import pandas as pd",
        'comments = pd.read_parquet("OUT/comments", engine="pyarrow")',
        "```",
        "",
    ]
    return "\n".join(lines)


def write_card(out: Path, dest: Path | None = None) -> str:
    """The card of the corpus in ``out``; also written to ``dest`` when given."""
    if not out.is_dir():
        raise FileNotFoundError(f"no corpus folder at {out}")
    last = out / "_state" / "last_run.json"
    summary = json.loads(last.read_text(encoding="utf-8")) if last.exists() else {}
    card = render_card(read_card_data(out), summary, name=out.resolve().name, generated_at=datetime.now(UTC))
    if dest is not None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(card, encoding="utf-8")
    return card
