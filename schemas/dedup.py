"""Intermediate frames of the dedup stage (``_work/dedup`` and ``OUT/_index/dedup``).

``DEDUP_KEYS``: one row per page of this run, made per shard by ``tasks.dedup.keys.add_dedup_keys``.
``DUPLICATE_CLUSTERS``: one row per page of this run, the global decision of the partitioned
dedup steps (``tasks.dedup.clusters.rank_touched``, ``describe_touched``, ``shard_clusters``). ``DEDUP_INDEX``:
the persistent index of every page an earlier run has seen, so a later run deduplicates against it
(``tasks.dedup.clusters.update_index``).
``COMMENT_KEYS``: the persistent keys of the comments written so far (``tasks.dedup.comments.comment_keys``).
``DedupIndexMeta``: the dedup index's ``meta.json`` (partitions, next ord, signature and LSH settings).

Signatures are one-permutation MinHash (``num_perm`` bins); their length and the settings
that made them are recorded in ``minhash_config``, so signatures of other settings are never compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from schemas.common import UTC_TIMESTAMP, field
from schemas.tagged import MERGED_COMMENTS, TAGGED_COMMENTS

SIGNATURE = pa.list_(pa.uint32())
"""A MinHash signature: ``num_perm`` unsigned 32-bit values (null for short bodies)."""

DEDUP_KEYS = pa.schema(
    [
        field("page_id", pa.string(), "Input record the article was parsed from.", nullable=False),
        field("article_id", pa.string(), "xxh3-64 hex of the page text (the article's id if it ships).",
              nullable=False),
        field("site", pa.string(), "Site of the page."),
        field("url_key", pa.string(),
              "URL without scheme, 'www.', fragment, tracking parameters and trailing slash: "
              "the re-scrape key (null when the URL is unknown)."),
        field("fetched_at", UTC_TIMESTAMP, "When the page was fetched (UTC), when known."),
        field("ingested_at", UTC_TIMESTAMP, "When the run read the page (UTC)."),
        field("body_len", pa.int32(), "Characters of the normalised body.", nullable=False),
        field("n_tokens", pa.int32(), "Words of the normalised body.", nullable=False),
        field("content_hash", pa.string(), "xxh3-64 hex of the normalised body, the exact-duplicate key.",
              nullable=False),
        field("signature", SIGNATURE,
              "One-permutation MinHash of the body's word shingles; null when the body is no evidence of "
              "sameness (fewer than min_tokens words, or is_suspect): such bodies are matched exactly only."),
        field("minhash_config", pa.string(), "Settings that made signature, e.g. 'oph1;k=5;p=128;seed=0'.",
              nullable=False),
        field("title_hash", pa.string(),
              "What a body without signature must match besides itself: xxh3-64 hex of its URL key (an AMP "
              "alias as the page it renders) and normalised title, or of the whole page (article_id) when the "
              "URL is unknown; for signed bodies the hash of the normalised title (null without title)."),
    ]
)

DUPLICATE_CLUSTERS = pa.schema(
    [
        field("page_id", pa.string(), "Page of this run.", nullable=False),
        field("article_id", pa.string(), "article_id of the page.", nullable=False),
        field("cluster_id", pa.string(),
              "Duplicate cluster: the article_id of its canonical article (stable across runs).",
              nullable=False),
        field("canonical_article_id", pa.string(), "Article the page folds into (its own id when canonical).",
              nullable=False),
        field("is_duplicate", pa.bool_(), "True when the page folds into another article.", nullable=False),
        field("duplicate_kind", pa.string(),
              "rescrape (a page ranked before it in the cluster has the same URL), exact (same normalised "
              "body as the canonical) or near; null when canonical."),
        field("similarity", pa.float64(),
              "Estimated Jaccard similarity to the canonical body (1.0 for the same normalised body); "
              "null when canonical."),
    ]
)

DEDUP_INDEX = pa.schema(
    [
        field("page_id", pa.string(), "Page an earlier run has seen.", nullable=False),
        field("article_id", pa.string(), "article_id of the page.", nullable=False),
        field("site", pa.string(), "Site of the page."),
        field("url_key", pa.string(), "Re-scrape key of the page (see DEDUP_KEYS)."),
        field("fetched_at", UTC_TIMESTAMP, "When the page was fetched (UTC), when known."),
        field("body_len", pa.int32(), "Characters of the normalised body.", nullable=False),
        field("content_hash", pa.string(), "xxh3-64 hex of the normalised body.", nullable=False),
        field("signature", SIGNATURE,
              "MinHash signature; null for short bodies and for pages whose body equals their canonical's "
              "(the canonical row carries it)."),
        field("minhash_config", pa.string(), "Settings that made signature.", nullable=False),
        field("cluster_id", pa.string(), "Duplicate cluster of the page.", nullable=False),
        field("canonical_article_id", pa.string(), "Article the page was folded into (or its own id).",
              nullable=False),
        field("is_canonical", pa.bool_(), "True when the page was written as an article.", nullable=False),
        field("duplicate_kind", pa.string(), "duplicate_kind decided for the page (null when canonical)."),
        field("similarity", pa.float64(), "similarity decided for the page (null when canonical)."),
        field("title_hash", pa.string(), "xxh3-64 hex of the normalised title (see DEDUP_KEYS)."),
    ]
)

COMMENT_KEYS = pa.schema(
    [
        field("comment_id", pa.string(), "comment_id of a comment written by an earlier run.", nullable=False),
        field("article_id", pa.string(), "Article the comment belongs to.", nullable=False),
        field("text_hash", pa.string(), "xxh3-64 hex of the comment's normalised text.", nullable=False),
    ]
)

# ------------------------------------------------------------------------------------------------
# The partitioned global steps (``tasks.dedup``, "Phase 2, partitioned"): every node of the dedup
# graph has an ``ord`` (earlier runs' pages first, then this run's in shard and row order), and its
# lookup keys are spread over P partitions by a stable hash of the key, so each global step holds
# 1/P of the keys. The dedup index and the comment keys are kept the same way in ``OUT/_state``.
# ------------------------------------------------------------------------------------------------

ORD = field("ord", pa.int64(),
            "Position of the page in the dedup graph: pages of earlier runs first, then this run's pages "
            "in shard and row order (base + shard number * 2**26 + row).", nullable=False)

DEDUP_ROWS = pa.schema(
    [
        field("kind", pa.int8(), "0: exact key, 1: URL key, 2: LSH band key.", nullable=False),
        field("band", pa.int16(), "LSH band (band rows only)."),
        field("bkey", pa.int64(), "Band key (band rows only); its low bits choose the partition."),
        field("key", pa.string(),
              "Exact rows: content_hash and the short-body title key; URL rows: url_key; null for band rows."),
        field("body", pa.uint64(),
              "Band rows: the normalised body hash (content_hash) as a number; one representative per body."),
        ORD,
        field("node_part", pa.int32(), "Partition of the page's row in the dedup index (null for this run's pages)."),
    ]
)
"""The lookup keys of pages, one file per partition: a later run reads only the rows of its own keys."""

DEDUP_NODES = pa.schema([*DEDUP_INDEX, ORD])
"""The dedup index, partitioned by a hash of ``cluster_id`` (all pages of a cluster in one file)."""

DEDUP_EDGES = pa.schema(
    [
        field("a", pa.int64(), "ord of one page.", nullable=False),
        field("b", pa.int64(), "ord of the other page.", nullable=False),
        field("a_part", pa.int32(), "Index partition of page a when it is from an earlier run."),
        field("b_part", pa.int32(), "Index partition of page b when it is from an earlier run."),
    ]
)
"""Verified links of one partition, each touching a page of this run."""

_COMMENT_ROW = field("comment_row", pa.int64(), "Order of the comment in the run (shard number * 2**32 + row).",
                     nullable=False)

COMMENT_ROWS = pa.schema(
    [
        _COMMENT_ROW,
        *TAGGED_COMMENTS,
        *(MERGED_COMMENTS.field(name) for name in ("site", "source_path", "crawl_month")),
        field("own_shard", pa.string(), "Shard of the page the comment was read on.", nullable=False),
        field("canonical_article_id", pa.string(), "Article the page folds into."),
        field("page_is_duplicate", pa.bool_(), "The page folds into another article."),
    ]
)
"""This run's comments, one file per partition of ``hash(canonical article id)``: a thread is in one file."""

ARTICLE_REFS = pa.schema(
    [
        field("article_id", pa.string(), "A canonical article of this run (the article its comments ship with).",
              nullable=False),
        ORD,
        field("shard_id", pa.string(), "Shard of the canonical page."),
        field("language", pa.string(), "Language of the canonical page's article."),
    ]
)
"""Canonical articles of this run, per partition of ``hash(article_id)``."""

MERGED_COMMENT_PARTS = pa.schema(
    [
        _COMMENT_ROW,
        *(f for f in MERGED_COMMENTS if f.name not in ("repeat_count", "is_repeated")),
        COMMENT_KEYS.field("text_hash"),
    ]
)
"""Merged comments of one partition, before the repeat counts of the whole corpus are added."""

TEXT_COUNTS = pa.schema(
    [
        field("text_hash", pa.string(), "xxh3-64 hex of a normalised comment text.", nullable=False),
        field("repeat_count", pa.int64(), "Distinct comments with this text.", nullable=False),
        field("n_articles", pa.int64(), "Articles with a comment of this text.", nullable=False),
    ]
)
"""Comment text counts of one partition, or summed over all partitions for the texts of this run."""

DECISIONS = pa.schema([*DUPLICATE_CLUSTERS, ORD])
"""``DUPLICATE_CLUSTERS`` of this run's linked pages, one file per shard (every other page is its own canonical)."""


INDEX_META_NAME = "meta.json"
"""The file of :class:`DedupIndexMeta` in the dedup index folder (beside ``nodes/`` and ``rows/``)."""


@dataclass(frozen=True)
class DedupIndexMeta:
    """The dedup index's settings and extent (``_state/dedup_index/meta.json``): what a later run needs to
    add its pages to the index. Read and written only by ``tasks.io.read_index_meta`` / ``write_index_meta``."""

    partitions: int
    """Partitions of the index's ``nodes/`` and ``rows/`` and of the comment keys, fixed by the first build."""
    next_ord: int
    """The first ``ord`` free for the next run's pages (``ord`` numbers every page the index holds)."""
    minhash_configs: tuple[str, ...]
    """The ``minhash_config`` of the index's signatures (at most one: others cannot be compared)."""
    bands: int
    """LSH bands of the index's band keys (``DEDUP_ROWS``); a run must use the same."""
    rows: int
    """Rows per LSH band of the index's band keys; a run must use the same."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``meta.json``."""
        return {**asdict(self), "minhash_configs": list(self.minhash_configs)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> DedupIndexMeta:
        """From the JSON object of ``meta.json``; raises ``KeyError`` on a missing field."""
        return cls(partitions=int(raw["partitions"]), next_ord=int(raw["next_ord"]),
                   minhash_configs=tuple(str(c) for c in raw["minhash_configs"]), bands=int(raw["bands"]),
                   rows=int(raw["rows"]))
