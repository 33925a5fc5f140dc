"""Intermediate frames of the dedup stage (``_work/dedup`` and ``OUT/_index/dedup``).

``DEDUP_KEYS``: one row per page of this run, made per shard by ``tasks.dedup.add_dedup_keys``.
``DUPLICATE_CLUSTERS``: one row per page of this run, the global decision of
``tasks.dedup.find_duplicate_clusters``. ``DEDUP_INDEX``: the persistent index of every page
an earlier run has seen, so a later run deduplicates against it (``tasks.dedup.update_index``).
``COMMENT_KEYS``: the persistent keys of the comments written so far (``tasks.dedup.comment_keys``).

Signatures are one-permutation MinHash (``num_perm`` bins); their length and the settings
that made them are recorded in ``minhash_config``, so signatures of other settings are never compared.
"""

import pyarrow as pa

from schemas.common import UTC_TIMESTAMP, field

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
              "One-permutation MinHash of the body's word shingles; null when the body has fewer than "
              "min_tokens words (such bodies are matched exactly only)."),
        field("minhash_config", pa.string(), "Settings that made signature, e.g. 'oph1;k=5;p=128;seed=0'.",
              nullable=False),
        field("title_hash", pa.string(),
              "xxh3-64 hex of the normalised title (null without title): short bodies, which have no "
              "signature, fold only when their titles match too (paywall stubs, 'Photo gallery')."),
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
