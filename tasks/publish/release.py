"""What a corpus may publish: PII tags and redaction, pseudonymous commenters, quality signals.

Runs in the write step on the rows that ship (after :func:`tasks.publish.select.select_outputs`), so the
datasets hold exactly what these functions return, and the earlier stages (dedup on bodies, comment
keys, language detection) see the texts as the pages gave them.

Articles: reads ``body``, ``language``; adds ``pii_kinds`` and ``signals`` (``body`` redacted with
``redact``). Comments: reads ``site``, ``article_id``, ``author``, ``text``, ``comment_id``,
``language``; adds ``author_id``, ``pii_kinds``, ``signals`` (with ``pseudonymize``: ``author``
null, thread names in texts replaced by ids, ``comment_id`` keyed; with ``redact``: ``text``
redacted). Signals are measured on the text as it ships.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tasks.publish.privacy import PII_KINDS, add_author_ids, pseudonymize_comments, redact_pii
from tasks.publish.signals import add_signals

ADDED_COLUMNS = frozenset({"pii_kinds", "signals", "author_id"})
"""Columns of ARTICLES and COMMENTS that this step adds (``select_outputs`` leaves them out)."""


@dataclass(frozen=True, slots=True)
class PublishOptions:
    """How the write step treats personal data; ``key`` is the pseudonym key's bytes."""

    key: bytes
    pseudonymize: bool = False
    redact_pii: bool = False


def publish_articles(articles: pl.DataFrame, options: PublishOptions) -> pl.DataFrame:
    """Articles that ship plus ``pii_kinds`` and ``signals`` (``body`` redacted under ``redact_pii``)."""
    return add_signals(redact_pii(articles, "body", redact=options.redact_pii), text_column="body")


def publish_comments(comments: pl.DataFrame, options: PublishOptions) -> pl.DataFrame:
    """Comments that ship plus ``author_id``, ``pii_kinds`` and ``signals`` (see the module docstring)."""
    out = add_author_ids(comments, key=options.key)
    if options.pseudonymize:
        out = pseudonymize_comments(out, key=options.key)
    return add_signals(redact_pii(out, "text", redact=options.redact_pii), text_column="text")


def publish_counts(articles: pl.DataFrame, comments: pl.DataFrame) -> dict[str, int]:
    """Rows with each PII kind (``pii_articles_<kind>``, ``pii_comments_<kind>``) and commenters with an id."""
    counts: dict[str, int] = {}
    for name, frame in (("articles", articles), ("comments", comments)):
        found = frame.select([pl.col("pii_kinds").list.contains(k).sum().alias(k) for k in PII_KINDS]).row(0)
        counts |= {f"pii_{name}_{k}": int(n or 0) for k, n in zip(PII_KINDS, found, strict=True)}
    counts["comments_with_author_id"] = int(comments.get_column("author_id").is_not_null().sum())
    return counts
