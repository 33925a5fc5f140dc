"""Deduplication of articles (exact, near, re-scrape) and of their comments.

Two phases (HOUSE_STYLE "Dedup is two-phase and deterministic"):

1. ``add_dedup_keys`` (per shard) reads ``page_id``, ``article_id``, ``body`` and, when present,
   ``site``, ``url``, ``fetched_at``, ``ingested_at``; it returns the ``DEDUP_KEYS`` columns:
   ``content_hash`` (xxh3-64 of the normalised body), ``signature`` (one-permutation MinHash of word
   shingles, null for bodies that are no evidence of sameness), ``url_key``, ``body_len``, ``n_tokens``,
   ``minhash_config``, ``title_hash``.
2. Global, over all shards of the run plus the dedup index of earlier runs, partitioned by key ("Phase 2,
   partitioned" below: ``key_rows`` per shard, ``partition_candidates`` and ``partition_edges`` per
   partition of the keys, ``rank_touched`` and ``describe_touched`` over the linked pages): pages are
   linked by equal :func:`exact_key`, by LSH candidates (pages sharing a band key) whose signatures agree
   on at least ``threshold`` of their values, and by equal ``url_key`` when the signatures agree on at
   least ``RESCRAPE_THRESHOLD``; connected components are the clusters.

Canonical rule, per cluster, in this order: an article written by an earlier run wins; then the
earliest ``fetched_at`` (unknown last); then the longest normalised body; then the smallest
``article_id``; then the smallest ``page_id``. Once written, a canonical article stays canonical: later
runs fold new pages into it and never rewrite it.

``tasks.reference.find_duplicate_clusters`` makes the same decisions in one process (all nodes and
signatures in memory); tests and benchmarks check the partitioned steps against it.

``merge_threads`` re-attaches the comments of every page to its canonical article, ``text_counts`` and
``add_repeat_counts`` tag (never drop) repeated comments; ``update_index`` and ``comment_keys`` give what
the next run needs.

Duplicate kinds: ``rescrape`` when a page ranked before it in its cluster has the same ``url_key``
(the same URL fetched again); otherwise ``exact`` when its normalised body equals the canonical's;
otherwise ``near``. Syndicated copies (the
same body on another site) are ``exact`` or ``near``; their site stays on their comments.

Signatures: every word 5-gram (``shingle_size``) of the normalised body is hashed from its tokens'
bytes (little-endian 64-bit reads, splitmix64 mixing: numpy with fixed constants, stable across
versions, processes and platforms); one hash per shingle is split into ``num_perm`` bins
(one-permutation hashing) and empty bins are filled from the next non-empty bin to the right (rotation
densification). Two signatures agree in a bin with probability close to the Jaccard similarity of the
shingle sets, as with classic MinHash, at one hash per shingle instead of ``num_perm``. Empty bodies never
fold.

Bodies that may be chrome are no evidence of sameness: a body under ``min_tokens`` words, or one the
parser tagged ``is_suspect`` (``tasks.confidence``: no confident article, e.g. a profile box or a blog's
tagline that every post of the blog shows). They get no signature (no near or same-URL folding on
them) and fold only exactly, when the page says so too: with a known URL, the same URL (an AMP alias
counts as the page it renders) and the same title; without one, the same whole page (``article_id``).
Pages with different known URLs therefore fold as exact or near copies only on a body of ``min_tokens``
words or more that the parser is sure of.

Settings and what they gave on the planted set of ``bench.gen_dedup`` (7,881 pages, 483 words on
average; ``python -m bench.bench_dedup``, results in ``bench/results/dedup.json``): the defaults, 40
bands x 3 rows at threshold 0.6, precision 1.000 / recall 1.000; 32x4 at 0.6 or 0.7 the same; 16x8 at
0.7 recall 0.998; 16x8 at 0.8 recall 0.981 (one rewritten sentence in a 200-word article is J ~ 0.65).
On a planted set built from the dev pages' real paragraphs (2,991 pages) the defaults give precision
1.000 / recall 0.996 (the misses: one long sentence rewritten in a 75-170-word article, J 0.55-0.59).
Lower rows per band find more candidates (each checked against the signatures, so precision holds) at
a small cost; a lower threshold folds more heavily edited versions.

Incremental runs and the merged view: the output folder keeps ``DEDUP_INDEX`` (one row per page
ever seen, the rows ``update_index`` adds; in the build, ``DEDUP_NODES`` partitioned by ``cluster_id``
with their ``DEDUP_ROWS`` partitioned by key) and ``COMMENT_KEYS`` (``comment_keys`` of every run,
partitioned by ``article_id``). A later run passes both in, so
its pages fold into articles written earlier (which win the canonical rule and are never rewritten),
and comments of re-scrapes land under the earlier ``article_id`` with ``is_duplicate`` set on those
already written. Readers get the merged view by joining on ``article_id``: an article's comments are
all comment rows with its ``article_id`` across runs (``n_comments`` as readers see it is their count;
the stored ``n_comments`` is the count at the time the article was written), and ``repeat_count`` of
an earlier comment is recomputed by ``group_by`` on the normalised text when it matters. A compaction
(user-requested) may rewrite articles with the merged counts.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from schemas.dedup import COMMENT_KEYS, DEDUP_INDEX, DEDUP_KEYS, DUPLICATE_CLUSTERS, MERGED_COMMENT_PARTS
from schemas.validate import cast_to, polars_schema
from tasks.extract.langid import UND
from tasks.hashing import hash_series, partition_of

logger = logging.getLogger(__name__)

_U64 = np.uint64
_MASK32 = _U64(0xFFFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_BYTE_MASKS = np.array([(1 << (8 * i)) - 1 for i in range(8)] + [(1 << 64) - 1], dtype=_U64)
_BLOCK_BYTES = 1 << 21
_ROTATION_STEP = np.uint32(0x9E3779B1)
_CONFIG_PREFIX = "oph1"

# Every run of characters that are not letters, digits or marks, written so that the single spaces
# between words (most runs) do not match: 4x faster than "[^\p{L}\p{N}\p{M}]+", same result.
_NON_WORD = r"[^\p{L}\p{N}\p{M}]*[^\p{L}\p{N}\p{M} ][^\p{L}\p{N}\p{M}]*| {2,}"
# Runs of white space that are not already one plain space (single spaces, most runs, do not match).
_WHITE_RUN = r"\s*[^\S ]\s*| {2,}"
RESCRAPE_THRESHOLD = 0.5
"""Pages with the same URL fold when their signatures agree on at least this share."""
MAX_BUCKET = 64
"""Buckets with more pages are linked to their first page only (linear pair count)."""
_TRACKING_PARAMS = r"(?:utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|ref|cmpid|ocid)=[^&]*&?"


# ----------------------------------------------------------------------------------------------
# Hash helpers (stable: fixed constants, numpy wrap-around arithmetic)
# ----------------------------------------------------------------------------------------------


def _mix64(x: np.ndarray) -> np.ndarray:
    """Return the splitmix64 finaliser of a uint64 array (a stable bijective mixer)."""
    x = x ^ (x >> _U64(30))
    tmp = np.empty_like(x)
    np.multiply(x, _U64(0xBF58476D1CE4E5B9), out=x)
    np.right_shift(x, _U64(27), out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _U64(0x94D049BB133111EB), out=x)
    np.right_shift(x, _U64(31), out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    return x


def _normalise(text: pl.Series) -> pl.Series:
    """Lower case, every run of characters that are not letters, digits or marks as one space, stripped.

    Rows that still hold non-ASCII characters are NFKC-normalised first (ligatures, full-width forms,
    decomposed accents); pure ASCII rows skip that step, which is most of its cost.
    """
    fast = text.fill_null("").str.to_lowercase().str.replace_all(_NON_WORD, " ")
    idx = (fast.str.len_bytes() != fast.str.len_chars()).arg_true()
    if idx.len():
        fixed = fast.gather(idx).str.normalize("NFKC").str.to_lowercase().str.replace_all(_NON_WORD, " ")
        fast = fast.scatter(idx, fixed)
    return fast.str.strip_chars(" ")


def _url_key(expr: pl.Expr) -> pl.Expr:
    """Return the re-scrape key of a URL: no scheme, 'www.', fragment, tracking parameters, end slash."""
    key = (
        expr.str.strip_chars()
        .str.to_lowercase()
        .str.replace(r"^[a-z][a-z0-9+.\-]*://", "")
        .str.replace(r"^www\d*\.", "")
        .str.replace(r"#.*$", "")
        .str.replace_all(_TRACKING_PARAMS, "")
        .str.replace(r"[?&]+$", "")
        .str.replace(r"/+$", "")
    )
    return pl.when(key.str.len_chars() > 0).then(key)


def _alias_url_key(url_key: pl.Expr) -> pl.Expr:
    """The ``url_key`` of a page's canonical URL where the URL names an alias of it: an AMP page ("amp."
    host, "/amp" path segment, "amp" or "outputType=amp" parameter) is the page it renders."""
    return (
        url_key.str.replace(r"^amp\.", "")
        .str.replace_all(r"/amp(?:/|$)", "/")
        .str.replace(r"[?&](?:amp(?:=1|=true)?|outputtype=amp)$", "")
        .str.replace(r"/+$", "")
    )


def _token_hashes(arr: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """Hash every token of normalised texts (tokens are separated by single spaces).

    A token's hash mixes its length, its first 16 bytes and, for longer tokens, its last 16 bytes
    (read as little-endian 64-bit words, so the hash is the same on every platform).

    Args:
        arr: normalised texts (no leading, trailing or double spaces), as an arrow large_string array.

    Returns:
        ``(hashes, counts)``: uint64 token hashes in text order and the int64 token count of each row.
    """
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data_buf = arr.buffers()[2]
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi == lo or data_buf is None:
        return np.zeros(0, _U64), np.zeros(len(arr), np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8)[lo:hi]
    rel = offsets - lo
    nonempty = rel[1:] > rel[:-1]
    is_start = np.empty(data.size, dtype=bool)
    is_start[0] = False
    np.equal(data[:-1], 32, out=is_start[1:])
    is_start[rel[:-1][nonempty]] = True
    tok_start = np.flatnonzero(is_start)
    counts = np.diff(np.searchsorted(tok_start, rel))
    tok_end = np.empty_like(tok_start)
    tok_end[:-1] = tok_start[1:] - 1
    tok_end[np.cumsum(counts[nonempty]) - 1] = rel[1:][nonempty]
    padded = np.concatenate((data, np.zeros(16, dtype=np.uint8)))
    words = np.ndarray(shape=(padded.size - 7,), dtype="<u8", buffer=padded, strides=(1,))
    length = tok_end - tok_start
    h = words[tok_start] & _BYTE_MASKS[np.minimum(length, 8)]
    h *= _U64(0xC2B2AE3D27D4EB4F)
    h += length.astype(_U64) * _GOLDEN
    mid = np.flatnonzero(length > 8)
    if mid.size:
        h[mid] += (words[tok_start[mid] + 8] & _BYTE_MASKS[np.minimum(length[mid] - 8, 8)]) * _U64(
            0x165667B19E3779F9
        )
        long = mid[length[mid] > 16]
        if long.size:
            ends = tok_end[long]
            h[long] += _mix64(words[ends - 8] ^ _mix64(words[ends - 16] + _GOLDEN))
    return _mix64(h), counts


def _shingle_hashes(tokens: np.ndarray, counts: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the seeded uint64 hashes of every k-token window inside one row, and the row of each.

    Rows with fewer than ``k`` tokens get no shingle.
    """
    if tokens.size < k:
        return np.zeros(0, _U64), np.zeros(0, np.int64)
    doc = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    m = tokens.size - k + 1
    acc = np.full(m, _mix64(np.array([seed], dtype=_U64) + _GOLDEN)[0], dtype=_U64)
    for j in range(k):
        acc = acc * _U64(0x100000001B3) + tokens[j : j + m]
    valid = doc[:m] == doc[k - 1 :]
    return _mix64(acc[valid]), doc[:m][valid]


def _oph_signatures(h: np.ndarray, doc: np.ndarray, n_rows: int, *, num_perm: int) -> np.ndarray:
    """Return an ``(n_rows, num_perm)`` uint32 one-permutation MinHash matrix (densified) of shingle hashes."""
    bins = (((h >> _U64(32)) * _U64(num_perm)) >> _U64(32)).astype(np.int64)
    vals = (h & _MASK32).astype(np.uint32)
    sig = np.full(n_rows * num_perm, _EMPTY, dtype=np.uint32)
    np.minimum.at(sig, doc * num_perm + bins, vals)  # the 1-D form is 3x faster than a 2-D index
    return _densify(sig.reshape(n_rows, num_perm))


def _densify(sig: np.ndarray) -> np.ndarray:
    """Fill empty bins from the next non-empty bin to the right (circular), offset by the distance."""
    empty = sig == _EMPTY
    if not empty.any():
        return sig
    p = sig.shape[1]
    idx = np.where(~empty, np.arange(p), np.iinfo(np.int64).max)
    idx2 = np.concatenate((idx, idx + p), axis=1)
    idx2[idx2 < 0] = np.iinfo(np.int64).max
    nxt = np.minimum.accumulate(idx2[:, ::-1], axis=1)[:, ::-1][:, :p]
    full_empty = nxt == np.iinfo(np.int64).max
    nxt = np.where(full_empty, np.arange(p), nxt)
    dist = (nxt - np.arange(p)).astype(np.uint32)
    donor = np.take_along_axis(sig, nxt % p, axis=1)
    filled = donor + dist * _ROTATION_STEP
    return np.where(empty & ~full_empty, filled, sig)


def _band_keys(sig: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """Return an ``(n, bands)`` int64 matrix of band keys (stable mix of each band's values)."""
    n = sig.shape[0]
    s = sig[:, : bands * rows].astype(_U64).reshape(n, bands, rows)
    acc = np.zeros((n, bands), dtype=_U64)
    for r in range(rows):
        acc = acc * _U64(0x100000001B3) + s[:, :, r]
    acc = _mix64(acc + np.arange(bands, dtype=_U64) * _GOLDEN)
    return acc.view(np.int64)


def minhash_config(*, shingle_size: int, num_perm: int, seed: int) -> str:
    """Return the ``minhash_config`` string that identifies comparable signatures."""
    return f"{_CONFIG_PREFIX};k={shingle_size};p={num_perm};seed={seed}"


# ----------------------------------------------------------------------------------------------
# Phase 1: per shard
# ----------------------------------------------------------------------------------------------


def add_dedup_keys(
    articles: pl.DataFrame,
    *,
    shingle_size: int = 5,
    num_perm: int = 128,
    seed: int = 0,
    min_tokens: int = 25,
) -> pl.DataFrame:
    """Compute the dedup keys of one shard of articles.

    Args:
        articles: reads ``page_id``, ``article_id``, ``body`` and, when present, ``title``, ``site``,
            ``url``, ``fetched_at``, ``ingested_at``, ``is_suspect`` (missing optional columns count as
            unknown; a missing ``is_suspect`` as false).
        shingle_size: words per shingle.
        num_perm: values per signature (bins of the one-permutation MinHash).
        seed: seed of the shingle hash; signatures of different seeds are never compared.
        min_tokens: bodies with fewer words (and suspect bodies) get no signature and are matched exactly
            only, on the body plus their URL and title, or their whole page (see the module docstring).

    Returns:
        One row per input row with the ``DEDUP_KEYS`` columns: ``page_id``, ``article_id``, ``site``,
        ``url_key``, ``fetched_at``, ``ingested_at``, ``body_len``, ``n_tokens``, ``content_hash``,
        ``signature``, ``minhash_config``, ``title_hash``.
    """
    if min_tokens < shingle_size:
        raise ValueError("min_tokens must be at least shingle_size")
    schema = polars_schema(DEDUP_KEYS)
    optional_types: dict[str, pl.DataType] = {
        "site": pl.String(),
        "url": pl.String(),
        "fetched_at": schema["fetched_at"],
        "ingested_at": schema["ingested_at"],
        "title": pl.String(),
        "is_suspect": pl.Boolean(),
    }
    frame = articles.select(
        "page_id",
        "article_id",
        *[pl.col(c).cast(optional_types[c]) if c in articles.columns else pl.lit(None, optional_types[c]).alias(c)
          for c in optional_types],
        _normalise(articles.get_column("body").cast(pl.String)).alias("_norm"),
    ).with_columns(
        _url_key(pl.col("url")).alias("url_key"),
        pl.col("_norm").str.len_chars().cast(pl.Int32).alias("body_len"),
    )
    norm = frame.get_column("_norm")
    arr = norm.to_arrow().cast(pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    sig = np.empty((frame.height, num_perm), dtype=np.uint32)
    counts = np.zeros(frame.height, dtype=np.int64)
    # Blocks of about _BLOCK_BYTES keep the numpy temporaries small and cache-warm.
    cum_bytes = np.cumsum(frame.get_column("_norm").str.len_bytes().to_numpy())
    cuts = np.searchsorted(cum_bytes, np.arange(_BLOCK_BYTES, int(cum_bytes[-1]) if frame.height else 0, _BLOCK_BYTES))
    for lo, hi in itertools.pairwise([0, *sorted({int(c) + 1 for c in cuts if int(c) + 1 < frame.height}),
                                      frame.height]):
        tokens, counts[lo:hi] = _token_hashes(arr.slice(lo, hi - lo))
        shingles, sdoc = _shingle_hashes(tokens, counts[lo:hi], shingle_size, seed)
        sig[lo:hi] = _oph_signatures(shingles, sdoc, hi - lo, num_perm=num_perm)
    # a body that may be chrome (short, or one the parser is not sure of) is no evidence of sameness
    weak = pl.Series(counts < min_tokens) | frame.get_column("is_suspect").fill_null(value=False)
    signed = ~weak
    frame = frame.with_columns(
        pl.Series("n_tokens", counts, dtype=pl.Int32),
        pl.when(signed).then(pl.Series(sig).cast(pl.List(pl.UInt32))).alias("signature"),
    )
    title_norm = _normalise(frame.get_column("title"))
    # what a weak body must match besides the body: its URL (an AMP alias counts as the page) and
    # title, or where the URL is unknown the whole page (article_id hashes the page content)
    alias = _alias_url_key(pl.col("url_key"))
    evidence = frame.select(
        pl.when(pl.lit(weak))
        .then(pl.when(alias.is_not_null())
              .then(pl.concat_str([pl.lit("url"), alias, pl.lit(title_norm).fill_null("")], separator="\x1f"))
              .otherwise(pl.concat_str([pl.lit("page"), pl.col("article_id")], separator="\x1f")))
    ).to_series()
    title_hash = pl.when(title_norm.str.len_bytes() > 0).then(hash_series(title_norm))
    return frame.with_columns(
        hash_series(norm).alias("content_hash"),
        pl.when(evidence.is_not_null()).then(hash_series(evidence)).otherwise(title_hash).alias("title_hash"),
        pl.lit(minhash_config(shingle_size=shingle_size, num_perm=num_perm, seed=seed)).alias("minhash_config"),
    ).select([pl.col(c).cast(schema[c]) for c in DEDUP_KEYS.names])


# ----------------------------------------------------------------------------------------------
# Phase 2: building blocks (pairs, components, the canonical rule, the index rows)
# ----------------------------------------------------------------------------------------------


def _signature_matrix(sigs: pl.Series, num_perm: int) -> np.ndarray:
    """Return the non-null signatures of a List(UInt32) Series as an ``(n, num_perm)`` array."""
    flat = sigs.drop_nulls().explode().to_numpy()
    return np.ascontiguousarray(flat, dtype=np.uint32).reshape(-1, num_perm)


def _agreement(sig: np.ndarray, a: np.ndarray, b: np.ndarray, *, block: int = 1 << 16) -> np.ndarray:
    """Return the share of equal signature values for each pair of rows ``(a[i], b[i])``."""
    out = np.empty(a.size, dtype=np.float64)
    for s in range(0, a.size, block):
        e = min(a.size, s + block)
        out[s:e] = (sig[a[s:e]] == sig[b[s:e]]).mean(axis=1)
    return out


def _sized_buckets(members: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Members (``nid``) of buckets of more than one, with ``_size`` and ``_root`` (the smallest member)."""
    return members.with_columns(
        pl.len().over(key).alias("_size"), pl.col("nid").min().over(key).alias("_root")
    ).filter(pl.col("_size") > 1)


def _star_pairs(sized: pl.DataFrame, max_bucket: int) -> pl.DataFrame:
    """Pairs ``(a, b)`` linking each member of a bucket larger than ``max_bucket`` to its smallest one."""
    return sized.filter((pl.col("_size") > max_bucket) & (pl.col("nid") != pl.col("_root"))).select(
        pl.col("_root").alias("a"), pl.col("nid").alias("b")
    )


def _bucket_pair_pieces(members: pl.DataFrame, key: list[str], *, max_bucket: int,
                        piece_rows: int | None = None) -> Iterator[pl.DataFrame]:
    """Yield the candidate pairs ``(a, b)`` (a < b) of nodes sharing ``key``, in pieces.

    Buckets up to ``max_bucket`` members give all their pairs; larger ones (template text, boilerplate)
    give one pair per member with the bucket's smallest node, so the pair count stays linear.
    Piece ``i`` of ``k`` holds the pairs with ``a % k == i``, each once: a pair found in several buckets
    has one ``a``, so no pair is in two pieces. ``k`` is chosen so that a piece's bucket join makes
    about ``piece_rows`` rows (one piece when None).
    """
    sized = _sized_buckets(members, key)
    small = sized.filter(pl.col("_size") <= max_bucket).select([*key, "nid", "_size"])
    star = _star_pairs(sized, max_bucket)
    join_rows = int(small.get_column("_size").sum() or 0)
    pieces = 1 if piece_rows is None else max(1, -(-join_rows // piece_rows))
    small = small.drop("_size")
    for i in range(pieces):
        left = small if pieces == 1 else small.filter(pl.col("nid") % pieces == i)
        pairs = (left.join(small, on=key, suffix="_b").filter(pl.col("nid") < pl.col("nid_b"))
                 .select(pl.col("nid").alias("a"), pl.col("nid_b").alias("b")))
        yield pl.concat([pairs, star if pieces == 1 else star.filter(pl.col("a") % pieces == i)]).unique()


def _bucket_pairs(members: pl.DataFrame, key: list[str], *, max_bucket: int) -> pl.DataFrame:
    """Return all candidate pairs of :func:`_bucket_pair_pieces` at once."""
    return next(_bucket_pair_pieces(members, key, max_bucket=max_bucket))


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the connected-component label (smallest member) of each of ``n`` nodes."""
    labels = np.arange(n, dtype=np.int64)
    if a.size == 0:
        return labels
    while True:
        la, lb = labels[a], labels[b]
        low = np.minimum(la, lb)
        before = labels.copy()
        np.minimum.at(labels, la, low)
        np.minimum.at(labels, lb, low)
        while True:  # pointer jumping
            nxt = labels[labels]
            if np.array_equal(nxt, labels):
                break
            labels = nxt
        if np.array_equal(labels, before):
            return labels


def _rank(nodes: pl.DataFrame, labels: np.ndarray) -> pl.DataFrame:
    """The pages of this run (``is_new``), each with its component's canonical node (by the documented rule)."""
    nodes = nodes.with_columns(pl.Series("comp", labels))
    ranked = nodes.sort(
        ["comp", "is_written", "fetched_at", "body_len", "article_id", "page_id"],
        descending=[False, True, False, True, False, False],
        nulls_last=True,
    ).with_columns(pl.int_range(pl.len()).alias("_rank"))
    # A page whose URL an earlier-ranked page of its cluster already has is a re-scrape.
    ranked = ranked.with_columns(
        (
            pl.col("url_key").is_not_null()
            & (pl.col("_rank") > pl.col("_rank").min().over(["comp", "url_key"]))
        ).alias("_refetch")
    )
    nodes = nodes.join(ranked.select("nid", "_refetch"), on="nid", how="left")
    canon = ranked.group_by("comp", maintain_order=True).first().select(
        "comp",
        pl.col("nid").alias("canon_nid"),
        pl.coalesce("prior_canonical_id", "article_id").alias("canonical_article_id"),
        pl.coalesce("prior_cluster_id", "article_id").alias("cluster_id"),
        pl.col("content_hash").alias("canon_hash"),
    )
    return nodes.filter(pl.col("is_new")).join(canon, on="comp", how="left").sort("nid")


def _describe(out: pl.DataFrame, est: np.ndarray) -> pl.DataFrame:
    """``DUPLICATE_CLUSTERS`` columns of ranked pages; ``est``: signature agreement with the canonical (NaN: none)."""
    is_dup = pl.col("nid") != pl.col("canon_nid")
    same_hash = pl.col("content_hash") == pl.col("canon_hash")
    return out.with_columns(pl.Series("_est", est, nan_to_null=True)).select(
        "page_id",
        "article_id",
        "cluster_id",
        "canonical_article_id",
        is_dup.alias("is_duplicate"),
        pl.when(~is_dup)
        .then(None)
        .when(pl.col("_refetch"))
        .then(pl.lit("rescrape"))
        .when(same_hash)
        .then(pl.lit("exact"))
        .otherwise(pl.lit("near"))
        .alias("duplicate_kind"),
        pl.when(~is_dup).then(None).when(same_hash).then(1.0).otherwise(pl.col("_est")).alias("similarity"),
    )


def update_index(index: pl.DataFrame | None, keys: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame:
    """Return the persistent dedup index after this run.

    Args:
        index: ``DEDUP_INDEX`` of earlier runs, or None.
        keys: ``DEDUP_KEYS`` of this run (reads the ``DEDUP_INDEX`` columns it has).
        clusters: ``DUPLICATE_CLUSTERS`` of this run (reads ``page_id``, ``cluster_id``,
            ``canonical_article_id``, ``is_duplicate``, ``similarity``).

    Returns:
        ``DEDUP_INDEX`` rows: the earlier rows unchanged, then one row per page of this run (a page read
        again, by an earlier run too, has a row per read: the content it had each time). A page whose
        body equals its canonical's keeps no signature (the canonical row has it).
    """
    fresh = keys.join(
        clusters.select("page_id", "cluster_id", "canonical_article_id", "is_duplicate", "duplicate_kind",
                        "similarity"),
        on="page_id",
        how="inner",
    ).with_columns(
        pl.when(pl.col("is_duplicate") & (pl.col("similarity") == 1.0))
        .then(None)
        .otherwise(pl.col("signature"))
        .alias("signature"),
        (~pl.col("is_duplicate")).alias("is_canonical"),
    )
    fresh = cast_to(fresh, DEDUP_INDEX)
    if index is None or index.height == 0:
        return fresh.unique("page_id", keep="first", maintain_order=True)
    old = cast_to(index, DEDUP_INDEX)
    return pl.concat([old, fresh.unique("page_id", keep="first", maintain_order=True)])


# ----------------------------------------------------------------------------------------------
# Comments
# ----------------------------------------------------------------------------------------------


def _comment_text_key(text: pl.Series) -> pl.Series:
    """Lower case, white space collapsed, NFKC where not ASCII: what makes two comment texts 'the same'."""
    fast = text.fill_null("").str.to_lowercase().str.replace_all(_WHITE_RUN, " ")
    idx = (fast.str.len_bytes() != fast.str.len_chars()).arg_true()
    if idx.len():
        fixed = fast.gather(idx).str.normalize("NFKC").str.to_lowercase().str.replace_all(_WHITE_RUN, " ")
        fast = fast.scatter(idx, fixed)
    return fast.str.strip_chars()


def merge_threads(
    comments: pl.DataFrame, clusters: pl.DataFrame, *, prior_comment_keys: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Attach comments to their canonical article: adds ``article_id``, ``comment_id``, ``text_hash``, ``is_duplicate``.

    Reads ``page_id``, ``position``, ``author``, ``text`` of ``comments`` (other columns are kept) and
    ``page_id``, ``canonical_article_id``, ``is_duplicate`` of ``clusters`` (pages missing there keep their own
    page as article). ``comment_id`` is the xxh3-64 of article id, normalised author and normalised text;
    ``is_duplicate``: the same author and text already stand in the merged thread (an earlier comment of the
    canonical page, of another page of the cluster, or in ``prior_comment_keys`` of earlier runs). Within a
    thread the canonical page's comments come first, then the other pages by ``page_id``, each in
    ``position`` order.

    Every comment of a thread (all pages folded into one canonical article) must be in ``comments``;
    the other threads may be elsewhere (each partition of ``hash(canonical article id)`` is merged alone).
    """
    base = comments.drop(
        [c for c in ("article_id", "comment_id", "text_hash", "is_duplicate", "repeat_count", "is_repeated")
         if c in comments.columns]
    )
    joined = base.with_row_index("_row").join(
        clusters.select("page_id", "canonical_article_id", pl.col("is_duplicate").alias("_page_dup")),
        on="page_id",
        how="left",
    )
    text_norm = _comment_text_key(joined.get_column("text").cast(pl.String))
    author_norm = _comment_text_key(joined.get_column("author").cast(pl.String))
    article = joined.select(pl.coalesce("canonical_article_id", "page_id")).to_series()
    joined = joined.with_columns(
        article.alias("article_id"),
        hash_series(text_norm).alias("text_hash"),
        hash_series(article + "\x1f" + author_norm + "\x1f" + text_norm).alias("comment_id"),
    )
    prior = _prior_keys(prior_comment_keys)
    seen_prior = prior.select("comment_id").unique().with_columns(pl.lit(value=True).alias("_seen_prior"))
    ordered = (
        joined.sort([pl.col("_page_dup").fill_null(value=False), "page_id", "position", "_row"])
        .join(seen_prior, on="comment_id", how="left", maintain_order="left")
        .with_columns(
            ((pl.int_range(pl.len()).over("comment_id") > 0) | pl.col("_seen_prior").fill_null(value=False))
            .alias("is_duplicate")
        )
    )
    return ordered.sort("_row").drop("_row", "_page_dup", "canonical_article_id", "_seen_prior")


def _prior_keys(prior_comment_keys: pl.DataFrame | None) -> pl.DataFrame:
    if prior_comment_keys is None:
        return pl.DataFrame(schema=polars_schema(COMMENT_KEYS))
    return prior_comment_keys.select(list(COMMENT_KEYS.names))


def text_counts(threads: pl.DataFrame, prior_comment_keys: pl.DataFrame | None) -> pl.DataFrame:
    """Count distinct merged-thread comments (this run's and earlier runs') and articles per text.

    Reads ``comment_id``, ``article_id``, ``text_hash``, ``is_duplicate`` of ``merge_threads`` output.
    Returns ``TEXT_COUNTS`` rows. Counts of disjoint sets of threads add up (a comment id names its
    article), so partitions of ``hash(canonical article id)`` are counted alone and summed.
    """
    prior = _prior_keys(prior_comment_keys)
    first = threads.filter(~pl.col("is_duplicate")).select("comment_id", "article_id", "text_hash")
    corpus = pl.concat([prior, first.cast(prior.schema)]).unique("comment_id")
    return corpus.group_by("text_hash").agg(
        pl.len().cast(pl.Int64).alias("repeat_count"),
        pl.col("article_id").n_unique().cast(pl.Int64).alias("n_articles"),
    )


def add_repeat_counts(threads: pl.DataFrame, counts: pl.DataFrame, *, min_articles_repeated: int = 2
                      ) -> pl.DataFrame:
    """Add ``repeat_count`` and ``is_repeated`` from ``TEXT_COUNTS`` rows (joined on ``text_hash``, order kept)."""
    return (
        threads.join(counts.select("text_hash", "repeat_count", "n_articles"), on="text_hash", how="left",
                     maintain_order="left")
        .with_columns(
            pl.col("repeat_count").fill_null(1).cast(pl.Int32),
            (pl.col("n_articles").fill_null(1) >= min_articles_repeated).alias("is_repeated"),
        )
        .drop("n_articles")
    )


def comment_keys(merged: pl.DataFrame) -> pl.DataFrame:
    """Return the ``COMMENT_KEYS`` of the merged comments that are no duplicate (``is_duplicate`` false).

    Reads ``comment_id``, ``article_id``, ``text_hash``, ``is_duplicate``. Append them to the keys of
    earlier runs to make the next run's ``prior_comment_keys``.
    """
    return merged.filter(~pl.col("is_duplicate")).select(list(COMMENT_KEYS.names)).unique(
        "comment_id", keep="first", maintain_order=True
    )


def merge_partition_comments(comments: pl.DataFrame, refs: pl.DataFrame, prior_keys: pl.DataFrame | None
                             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Merge the comment threads of one partition of ``hash(canonical article id)``.

    Args:
        comments: ``COMMENT_ROWS`` of the partition (every comment of its threads, from every shard).
        refs: ``ARTICLE_REFS`` of the partition.
        prior_keys: ``COMMENT_KEYS`` of earlier runs in the partition (or None), all of them: a comment
            already written (by an earlier run, of a page now read again) is a duplicate, never a second row.

    Returns:
        ``MERGED_COMMENT_PARTS`` rows (``merge_comments`` and the canonical page's shard and language,
        without the corpus-wide repeat counts), the partition's ``COMMENT_KEYS`` after this run, and its
        ``TEXT_COUNTS``.
    """
    comments = comments.sort("comment_row")
    pages = comments.select("page_id", "canonical_article_id",
                            pl.col("page_is_duplicate").alias("is_duplicate")).unique("page_id", keep="first")
    threads = merge_threads(comments.drop("canonical_article_id", "page_is_duplicate"), pages,
                            prior_comment_keys=prior_keys)
    canon = (refs.sort("ord").unique("article_id", keep="first", maintain_order=True)
             .select("article_id", "shard_id", pl.col("language").alias("_article_language")))
    merged = threads.join(canon, on="article_id", how="left", maintain_order="left").with_columns(
        language_inferred=pl.when(pl.col("language") != UND).then(pl.col("language"))
        .otherwise(pl.col("_article_language")),
        shard_id=pl.coalesce("shard_id", "own_shard"),
    )
    keys = comment_keys(merged)
    if prior_keys is not None:
        keys = pl.concat([prior_keys.select(keys.columns), keys]).unique("comment_id", keep="first",
                                                                         maintain_order=True)
    return (cast_to(merged, MERGED_COMMENT_PARTS), keys,
            text_counts(threads, prior_keys))


# ----------------------------------------------------------------------------------------------
# Phase 2, partitioned: the global decisions without holding the run (or the index) in one process.
# See docs/SCALING.md for the steps and why each gives the answer of tasks.reference.find_duplicate_clusters.
# ----------------------------------------------------------------------------------------------

ORD_SHARD_BITS = 26
"""A shard's pages get ords ``base + shard_no * 2**26 + row``: fewer than 67 million rows per shard."""
COMMENT_SHARD_BITS = 32
KIND_EXACT, KIND_URL, KIND_BAND = 0, 1, 2


def shard_ords(base: int, shard_no: int, n: int) -> pl.Series:
    """Return the ``ord`` of each of a shard's ``n`` key rows.

    Index pages come first, then the run's pages in shard and row order: the canonical rule's last ties
    and the exact edges (to a group's first page) follow this order.
    """
    return pl.Series("ord", np.arange(n, dtype=np.int64) + base + (shard_no << ORD_SHARD_BITS), dtype=pl.Int64)


def ord_locations(ords: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the shard number and row of this run's ``ords``."""
    rel = np.asarray(ords, dtype=np.int64) - base
    return rel >> ORD_SHARD_BITS, rel & ((1 << ORD_SHARD_BITS) - 1)


def exact_key(signed: pl.Expr) -> pl.Expr:
    """Expression: the exact-duplicate key of a page, null for a page without a body.

    Reads ``body_len``, ``content_hash`` and ``title_hash``; ``signed`` is true for pages with a signature.
    Pages with equal keys are exact copies: the same normalised body, and where the body has no signature
    (short or suspect, no evidence of sameness by itself) the same ``title_hash`` too, which for such a
    body holds its URL and title or its whole page (``add_dedup_keys``).
    """
    title = pl.when(signed).then(pl.lit("")).otherwise(pl.col("title_hash").fill_null("-"))
    return pl.when(pl.col("body_len") > 0).then(pl.col("content_hash") + "\x1f" + title)


def key_rows(nodes: pl.DataFrame, *, parts: int, bands: int, rows: int) -> pl.DataFrame:
    """Return the lookup rows of pages (``DEDUP_ROWS`` columns plus ``part``).

    Args:
        nodes: reads ``ord``, ``signature``, ``url_key``, ``body_len``, ``content_hash``, ``title_hash``
            and ``node_part`` (null for this run's pages).
        parts: number of partitions.
        bands: LSH bands; rows: values per band.

    Returns:
        One exact row per page with a body (key: :func:`exact_key`), one URL row per signed page with a
        URL, and ``bands`` band rows per signed page.
        ``part`` is the partition of the key (band rows: of the band key).
    """
    has_sig = pl.col("signature").is_not_null()
    exact = nodes.select(
        pl.lit(KIND_EXACT, pl.Int8).alias("kind"),
        pl.lit(None, pl.Int16).alias("band"),
        pl.lit(None, pl.Int64).alias("bkey"),
        exact_key(has_sig).alias("key"),
        pl.lit(None, pl.UInt64).alias("body"),
        "ord",
        pl.col("node_part").cast(pl.Int32),
    ).filter(pl.col("key").is_not_null())
    url = nodes.filter(has_sig & pl.col("url_key").is_not_null()).select(
        pl.lit(KIND_URL, pl.Int8).alias("kind"),
        pl.lit(None, pl.Int16).alias("band"),
        pl.lit(None, pl.Int64).alias("bkey"),
        pl.col("url_key").alias("key"),
        pl.lit(None, pl.UInt64).alias("body"),
        "ord",
        pl.col("node_part").cast(pl.Int32),
    )
    exact = exact.with_columns(partition_of(exact.get_column("key"), parts).alias("part"))
    url = url.with_columns(partition_of(url.get_column("key"), parts).alias("part"))
    signed = nodes.filter(has_sig)
    band_frame = exact.clear().with_columns(pl.lit(0, pl.Int32).alias("part"))
    if signed.height:
        sig = _signature_matrix(signed.get_column("signature"), len(signed.get_column("signature")[0]))
        if bands * rows > sig.shape[1]:
            raise ValueError(f"bands * rows = {bands * rows} exceeds the signature length {sig.shape[1]}")
        bkeys = _band_keys(sig, bands=bands, rows=rows).reshape(-1)
        each = np.repeat(np.arange(signed.height), bands)
        band_frame = pl.DataFrame(
            {
                "kind": pl.Series(np.full(bkeys.size, KIND_BAND, dtype=np.int8)),
                "band": np.tile(np.arange(bands, dtype=np.int16), signed.height),
                "bkey": bkeys,
                "key": pl.Series([None] * bkeys.size, dtype=pl.String),
                "body": signed.get_column("content_hash").str.to_integer(base=16, dtype=pl.UInt64).gather(each),
                "ord": signed.get_column("ord").gather(each),
                "node_part": signed.get_column("node_part").cast(pl.Int32).gather(each),
                "part": (bkeys.view(_U64) % _U64(parts)).astype(np.int32),
            }
        )
    return pl.concat([exact, url, band_frame.select(exact.columns)], how="vertical")


def prior_rows_of(new: pl.LazyFrame, prior: pl.LazyFrame) -> pl.DataFrame:
    """Return the rows of earlier runs (``DEDUP_ROWS``) that share a key with this run's rows of a partition.

    Pages an earlier run read are all kept, those this run reads again included: a page read again
    links to its earlier self and folds into the article written then.
    """
    by_key = prior.filter(pl.col("kind") != KIND_BAND).join(
        new.filter(pl.col("kind") != KIND_BAND).select("kind", "key").unique(), on=["kind", "key"], how="semi")
    by_band = prior.filter(pl.col("kind") == KIND_BAND).join(
        new.filter(pl.col("kind") == KIND_BAND).select("band", "bkey").unique(), on=["band", "bkey"], how="semi")
    return pl.concat([by_key, by_band]).collect(engine="streaming")


def _shared(frame: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """Rows whose ``key`` occurs more than once (a group of one gives no pair)."""
    multi = frame.group_by(key).agg(pl.len().alias("_n")).filter(pl.col("_n") > 1).select(key)
    return frame.join(multi, on=key, how="semi")


PAIR_PIECE_ROWS = 1_000_000
"""Rows of the bucket join per piece of a partition's LSH pairs (about 32 bytes each): the pairs are made,
deduplicated and verified a piece at a time, so a partition's memory follows this, not the quadratic
pair count of its buckets (1.6 million pairs in a partition of a 1,000,000-page build)."""


def partition_candidates(rows: pl.DataFrame | pl.LazyFrame, *, base: int
                         ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Exact edges, LSH bucket members and same-URL members of one partition (the linking rules of the
    module docstring).

    Args:
        rows: ``DEDUP_ROWS`` of this run's pages of the partition and the rows of earlier runs sharing
            their keys (pages with ``ord >= base`` are this run's); a LazyFrame is read column by column.
        base: the first ord of this run.

    Returns:
        ``exact``: edges (``a``, ``b`` ords) linking every page of an exact group holding a page of this
        run to the group's first page. ``buckets``: ``band``, ``bkey``, ``nid`` (the ord) of the LSH
        buckets holding a page of this run, one representative per body (its first page: copies of one
        body share every band key, so they meet in every bucket). ``urls``: ``key``, ``nid`` of the URL
        groups holding a page of this run. Pairs come from :func:`lsh_pair_pieces` and :func:`url_pairs`.
    """
    lf = rows.lazy()
    new = pl.col("ord") >= base
    exact = _shared(lf.filter(pl.col("kind") == KIND_EXACT).select("key", "ord"), ["key"]).collect(
        engine="streaming").filter(new.any().over("key"))
    exact_edges = (exact.with_columns(pl.col("ord").min().over("key").alias("a"))
                   .filter(pl.col("a") != pl.col("ord")).select("a", pl.col("ord").alias("b")))
    band = _shared(lf.filter(pl.col("kind") == KIND_BAND).select("band", "bkey", "body", pl.col("ord").alias("nid")),
                   ["band", "bkey"]).collect(engine="streaming")
    reps = band.filter(pl.col("nid") == pl.col("nid").min().over("band", "bkey", "body"))
    reps = reps.filter((pl.col("nid") >= base).any().over("band", "bkey")).select("band", "bkey", "nid")
    urls = _shared(lf.filter(pl.col("kind") == KIND_URL).select("key", pl.col("ord").alias("nid")), ["key"]).collect(
        engine="streaming")
    return exact_edges, reps, urls.filter((pl.col("nid") >= base).any().over("key"))


def _touching(base: int) -> pl.Expr:
    return (pl.col("a") >= base) | (pl.col("b") >= base)


def lsh_pair_pieces(buckets: pl.DataFrame, *, base: int, max_bucket: int = MAX_BUCKET,
                    piece_rows: int = PAIR_PIECE_ROWS) -> Iterator[pl.DataFrame]:
    """Yield the unverified LSH pairs (``a``, ``b`` ords, each touching this run) of ``buckets`` (from
    :func:`partition_candidates`), in pieces of about ``piece_rows`` join rows; no pair is in two pieces."""
    for pairs in _bucket_pair_pieces(buckets, ["band", "bkey"], max_bucket=max_bucket, piece_rows=piece_rows):
        yield pairs.filter(_touching(base))


def url_pairs(urls: pl.DataFrame, *, base: int, max_bucket: int = MAX_BUCKET) -> pl.DataFrame:
    """The unverified same-URL pairs (``a``, ``b`` ords, each touching this run) of ``urls``."""
    return _bucket_pairs(urls, ["key"], max_bucket=max_bucket).filter(_touching(base))


def candidate_ends(buckets: pl.DataFrame, urls: pl.DataFrame, *, base: int, max_bucket: int = MAX_BUCKET
                   ) -> pl.Series:
    """The ords (``ord``, unique) of every page of a candidate pair of :func:`lsh_pair_pieces` and
    :func:`url_pairs`: the pages whose signatures verifying the partition needs, found without making the
    pairs. Every member of a small bucket holding a page of this run pairs with that page; a large
    bucket links its members to its smallest one."""
    ends = []
    for members, key in ((buckets, ["band", "bkey"]), (urls, ["key"])):
        sized = _sized_buckets(members, key)
        ends.append(sized.filter(pl.col("_size") <= max_bucket).get_column("nid"))
        star = _star_pairs(sized, max_bucket).filter(_touching(base))
        ends += [star.get_column("a"), star.get_column("b")]
    return pl.concat([e.cast(pl.Int64) for e in ends]).unique().sort().alias("ord")


@dataclass(frozen=True)
class Signatures:
    """Signatures by ord, for checking candidate pairs: row ``i`` of ``matrix`` is the signature of
    ``ords[i]`` (ascending)."""

    ords: np.ndarray
    matrix: np.ndarray

    @classmethod
    def of(cls, signatures: pl.DataFrame) -> Signatures:
        """From ``ord`` and ``signature`` columns (rows without a signature are left out)."""
        return cls.stacked([signatures], capacity=signatures.height)

    @classmethod
    def stacked(cls, frames: Iterable[pl.DataFrame], *, capacity: int) -> Signatures:
        """From frames of ``ord`` and ``signature`` (no ord in two frames; at most ``capacity`` rows in all),
        turned into array rows one frame at a time, so the list columns never exist whole beside the array."""
        ords = np.empty(capacity, dtype=np.int64)
        matrix = np.empty((0, 0), dtype=np.uint32)
        n = 0
        for frame in frames:
            known = frame.filter(pl.col("signature").is_not_null()).unique("ord").sort("ord")
            if known.is_empty():
                continue
            column = known.get_column("signature")
            if not matrix.size:
                matrix = np.empty((capacity, len(column[0])), dtype=np.uint32)
            ords[n : n + known.height] = known.get_column("ord").to_numpy()
            matrix[n : n + known.height] = _signature_matrix(column, matrix.shape[1])
            n += known.height
        ords, matrix = ords[:n], matrix[:n]
        if n > 1 and not bool((np.diff(ords) > 0).all()):  # frames out of order: sort the rows
            order = np.argsort(ords, kind="stable")
            ords, matrix = ords[order], matrix[order]
        return cls(ords, matrix)

    def verified(self, pairs: pl.DataFrame, *, floor: float) -> pl.DataFrame:
        """The pairs (``a``, ``b`` ords, both held here) whose signatures agree on at least ``floor``."""
        if pairs.is_empty():
            return pairs.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64))
        a = pairs.get_column("a").to_numpy()
        b = pairs.get_column("b").to_numpy()
        ok = _agreement(self.matrix, np.searchsorted(self.ords, a), np.searchsorted(self.ords, b)) >= floor
        return pl.DataFrame({"a": a[ok], "b": b[ok]}, schema={"a": pl.Int64, "b": pl.Int64})


def partition_edges(exact: pl.DataFrame, buckets: pl.DataFrame, urls: pl.DataFrame, signatures: Signatures, *,
                    base: int, threshold: float, piece_rows: int = PAIR_PIECE_ROWS, part: int | None = None,
                    log: logging.Logger | logging.LoggerAdapter[Any] = logger) -> pl.DataFrame:
    """The verified links (``a``, ``b`` ords) of one partition: its exact edges, the LSH pairs whose
    signatures agree on at least ``threshold`` (made and checked a piece at a time) and the same-URL pairs
    that agree on at least ``RESCRAPE_THRESHOLD``. ``signatures`` holds every page of
    :func:`candidate_ends`. Logs the partition's (``part``) candidate and verified pair counts to ``log``
    (the module's logger, or the task run's that the wrapper passes)."""
    lsh, lsh_candidates = [], 0
    for pairs in lsh_pair_pieces(buckets, base=base, piece_rows=piece_rows):
        lsh_candidates += pairs.height
        lsh.append(signatures.verified(pairs, floor=threshold))
    url_candidates = url_pairs(urls, base=base)
    same_url = signatures.verified(url_candidates, floor=RESCRAPE_THRESHOLD)
    label = "dedup" if part is None else f"dedup partition {part}"
    log.info("%s: %d exact links", label, exact.height)
    log.info("%s: %d LSH candidate pairs, %d at or above %.2f", label, lsh_candidates,
             sum(v.height for v in lsh), threshold)
    log.info("%s: %d same-URL candidate pairs, %d at or above %.2f", label, url_candidates.height, same_url.height,
             RESCRAPE_THRESHOLD)
    return pl.concat([exact.cast({"a": pl.Int64, "b": pl.Int64}), *lsh, same_url]).unique()


def rank_touched(edges: pl.DataFrame, new_nodes: pl.DataFrame, prior_nodes: pl.DataFrame) -> pl.DataFrame:
    """Cluster the pages that have a link and choose the canonical of each cluster (the documented rule).

    Args:
        edges: ``a``, ``b`` ords of every verified link of the run (all partitions).
        new_nodes: ``DEDUP_KEYS`` rows (``has_sig`` in place of ``signature``) plus ``ord`` of this run's
            pages that have a link.
        prior_nodes: ``DEDUP_NODES`` rows (``has_sig`` in place of ``signature``) of every page of the
            earlier clusters that have a link (all pages of such a cluster are linked through it: a
            cluster written once stays one).

    Returns:
        The pages of ``new_nodes`` with their canonical: ``ord``, ``canon_ord``, ``has_sig``,
        ``canon_has_sig`` and what ``describe_touched`` needs. Signatures are not held: only the
        agreement of near copies with their canonical needs them, afterwards.
    """
    cols = ["ord", "page_id", "article_id", "url_key", "fetched_at", "body_len", "content_hash", "minhash_config",
            "title_hash", "has_sig"]
    new = new_nodes.select(*cols, pl.lit(value=True).alias("is_new"), pl.lit(value=False).alias("is_written"),
                           pl.lit(None, pl.String).alias("prior_cluster_id"),
                           pl.lit(None, pl.String).alias("prior_canonical_id"))
    old = prior_nodes.select(*cols, pl.lit(value=False).alias("is_new"), pl.col("is_canonical").alias("is_written"),
                             pl.col("cluster_id").alias("prior_cluster_id"),
                             pl.col("canonical_article_id").alias("prior_canonical_id"))
    nodes = pl.concat([old, new.cast(old.schema)]).sort("ord").with_row_index("nid").with_columns(
        pl.col("nid").cast(pl.Int64))
    nid_of = nodes.select("ord", "nid")
    linked = (edges.join(nid_of.rename({"ord": "a", "nid": "na"}), on="a")
              .join(nid_of.rename({"ord": "b", "nid": "nb"}), on="b"))
    prior = (nodes.filter(pl.col("prior_cluster_id").is_not_null())
             .with_columns(pl.col("nid").min().over("prior_cluster_id").alias("na"))
             .filter(pl.col("na") != pl.col("nid")).select("na", pl.col("nid").alias("nb")))
    both = pl.concat([linked.select("na", "nb"), prior])
    labels = _components(nodes.height, both.get_column("na").to_numpy(), both.get_column("nb").to_numpy())
    ranked = _rank(nodes, labels)
    return ranked.join(nodes.select(pl.col("nid").alias("canon_nid"), pl.col("ord").alias("canon_ord"),
                                    pl.col("has_sig").alias("canon_has_sig")), on="canon_nid", how="left",
                       maintain_order="left")


def needs_agreement(ranked: pl.DataFrame) -> pl.DataFrame:
    """``ord``, ``canon_ord`` of the ranked pages whose similarity comes from their signatures (near copies)."""
    return ranked.filter((pl.col("nid") != pl.col("canon_nid")) & (pl.col("content_hash") != pl.col("canon_hash"))
                         & pl.col("has_sig") & pl.col("canon_has_sig")).select("ord", "canon_ord")


def describe_touched(ranked: pl.DataFrame, signatures: pl.DataFrame) -> pl.DataFrame:
    """``DUPLICATE_CLUSTERS`` rows (plus ``ord``) of ranked pages; ``signatures`` (``ord``, ``signature``) holds
    at least the pages of ``needs_agreement``. Every other page of the run is its own canonical."""
    need = needs_agreement(ranked)
    est = np.full(ranked.height, np.nan)
    if need.height:
        known = signatures.unique("ord").sort("ord")
        ords = known.get_column("ord").to_numpy()
        sig = _signature_matrix(known.get_column("signature"), len(known.get_column("signature")[0]))
        mask = ((pl.col("nid") != pl.col("canon_nid")) & (pl.col("content_hash") != pl.col("canon_hash"))
                & pl.col("has_sig") & pl.col("canon_has_sig"))
        rows = ranked.select(mask).to_series().to_numpy()
        a = np.searchsorted(ords, ranked.get_column("ord").to_numpy()[rows])
        b = np.searchsorted(ords, ranked.get_column("canon_ord").to_numpy()[rows])
        est[rows] = _agreement(sig, a, b)
    return cast_to(_describe(ranked, est), DUPLICATE_CLUSTERS).with_columns(ranked.get_column("ord"))


def shard_clusters(keys: pl.DataFrame, decided: pl.DataFrame) -> pl.DataFrame:
    """Return the ``DUPLICATE_CLUSTERS`` rows of a shard's pages (keys order).

    ``decided`` holds the rows ``describe_touched`` gave for the shard's linked pages; any other page is
    its own canonical article and cluster.
    """
    out = keys.select("page_id", "article_id").join(decided.drop("article_id", "ord", strict=False), on="page_id",
                                                     how="left", maintain_order="left")
    return out.with_columns(
        pl.coalesce("cluster_id", "article_id").alias("cluster_id"),
        pl.coalesce("canonical_article_id", "article_id").alias("canonical_article_id"),
        pl.col("is_duplicate").fill_null(value=False),
    ).pipe(cast_to, DUPLICATE_CLUSTERS)


def shard_index_rows(keys: pl.DataFrame, clusters: pl.DataFrame, *, parts: int, bands: int, rows: int
                     ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The dedup index rows a shard adds (``DEDUP_NODES`` plus ``part``) and their lookup rows (``key_rows``).

    Reads ``DEDUP_KEYS`` plus ``ord``, and the shard's ``DUPLICATE_CLUSTERS``. A page's index row goes to
    the partition of its ``cluster_id``, so every page of a cluster is in one file.
    """
    index = update_index(None, keys.drop("ord"), clusters)
    index = index.join(keys.select("page_id", "ord").unique("page_id", keep="first"), on="page_id", how="left",
                       maintain_order="left")
    index = index.with_columns(partition_of(index.get_column("cluster_id"), parts).alias("part"))
    lookups = key_rows(index.with_columns(pl.col("part").alias("node_part")), parts=parts, bands=bands, rows=rows)
    return index, lookups


def comment_rows(comments: pl.DataFrame, pages: pl.DataFrame, clusters: pl.DataFrame, *, shard_id: str,
                 shard_no: int, parts: int) -> pl.DataFrame:
    """A shard's comments with what the merge needs (``COMMENT_ROWS`` plus ``part``: of the canonical article).

    Args:
        comments: ``TAGGED_COMMENTS`` of the shard.
        pages: ``page_id``, ``site``, ``source_path``, ``crawl_month`` of the shard's pages.
        clusters: ``DUPLICATE_CLUSTERS`` of the shard.
        shard_id: the shard; shard_no: its number in the run; parts: partitions.
    """
    out = comments.with_row_index("comment_row").with_columns(
        (pl.col("comment_row").cast(pl.Int64) + (shard_no << COMMENT_SHARD_BITS)).alias("comment_row")
    ).join(pages.select("page_id", "site", "source_path", "crawl_month"), on="page_id", how="left",
           maintain_order="left").join(
        clusters.select("page_id", "canonical_article_id", pl.col("is_duplicate").alias("page_is_duplicate")),
        on="page_id", how="left", maintain_order="left",
    ).with_columns(pl.lit(shard_id).alias("own_shard"))
    article = out.select(pl.coalesce("canonical_article_id", "page_id")).to_series()
    return out.with_columns(partition_of(article, parts).alias("part"))


def article_refs(clusters: pl.DataFrame, articles: pl.DataFrame, ords: pl.DataFrame, *, shard_id: str,
                 parts: int) -> pl.DataFrame:
    """A shard's canonical articles (``ARTICLE_REFS`` plus ``part``: of the article id): the shard and
    language their comments ship with.

    Args:
        clusters: ``DUPLICATE_CLUSTERS`` of the shard (reads its canonical pages).
        articles: ``page_id``, ``language`` of the shard's tagged articles.
        ords: ``page_id``, ``ord`` of the shard's pages.
    """
    canon = (
        clusters.filter(~pl.col("is_duplicate"))
        .select(pl.col("canonical_article_id").alias("article_id"), "page_id")
        .join(articles.select("page_id", "language"), on="page_id", how="left", maintain_order="left")
        .with_columns(pl.lit(shard_id).alias("shard_id"))
        .join(ords.unique("page_id", keep="first"), on="page_id", how="left", maintain_order="left")
    )
    return canon.select("article_id", "ord", "shard_id", "language").with_columns(
        partition_of(canon.get_column("article_id"), parts).alias("part"))


def sum_text_counts(counts: pl.LazyFrame, texts: pl.LazyFrame) -> pl.DataFrame:
    """Sum the ``TEXT_COUNTS`` of every partition for the texts in ``texts`` (a ``text_hash`` column)."""
    return (counts.join(texts.select("text_hash").unique(), on="text_hash", how="semi")
            .group_by("text_hash").agg(pl.col("repeat_count").sum(), pl.col("n_articles").sum())
            .collect(engine="streaming"))


def shard_text_counts(counts: pl.LazyFrame, texts: pl.LazyFrame) -> pl.DataFrame:
    """``sum_text_counts`` spread by shard: for each shard (``part``) the summed counts of its own texts.

    Args:
        counts: ``TEXT_COUNTS`` of every partition.
        texts: ``part`` (the shard number) and ``text_hash`` of the run's merged comments.

    Returns:
        ``TEXT_COUNTS`` plus ``part``: one row per distinct (shard, text) that has a count, so the write
        step of a shard reads only its own rows, not the counts of the whole run.
    """
    totals = sum_text_counts(counts, texts)
    return (texts.select("part", "text_hash").unique().join(totals.lazy(), on="text_hash", how="inner")
            .collect(engine="streaming"))


REPEAT_PIECE_ROWS = 2_000_000
"""Merged comment rows per piece of count-repeats: a piece's distinct texts and counts are held at once."""


def repeat_pieces(comment_rows: int) -> int:
    """Pieces of hash(text) that count-repeats cuts ``comment_rows`` merged comments into (at least one)."""
    return max(1, -(-comment_rows // REPEAT_PIECE_ROWS))


def in_piece(piece: int, pieces: int) -> pl.Expr:
    """Expression: the row's ``text_hash`` falls in piece ``piece`` of ``pieces``."""
    return (pl.col("text_hash").hash() % pieces) == piece


def shard_numbers(shard_id: pl.Expr, shards: Sequence[str]) -> pl.Expr:
    """Expression: the number (position in ``shards``, the run's shard ids in order) of each shard id."""
    return shard_id.replace_strict(list(shards), list(range(len(shards))), return_dtype=pl.Int32)


def partitioned_index(index: pl.DataFrame, *, parts: int, bands: int, rows: int
                      ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A one-file ``DEDUP_INDEX`` (outputs built before the index was partitioned) as ``shard_index_rows`` gives it.

    Pages keep their order (``ord`` is the row number), so later runs decide exactly as before.
    Returns ``DEDUP_NODES`` plus ``part`` and their lookup rows (``key_rows``).
    """
    nodes = index.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("ord"))
    nodes = nodes.with_columns(partition_of(nodes.get_column("cluster_id"), parts).alias("part"))
    lookups = key_rows(nodes.with_columns(pl.col("part").alias("node_part")), parts=parts, bands=bands, rows=rows)
    return nodes, lookups
