"""Dedup phase 1, per shard: the keys of every article body (``add_dedup_keys``).

Normalised-body hash (``content_hash``), one-permutation MinHash signature, URL key, title hash and
the settings that made them (``minhash_config``); the stable hash helpers behind them. See
``tasks.dedup`` for the whole design.
"""

from __future__ import annotations

import itertools
import logging

import numpy as np
import polars as pl
import pyarrow as pa

from schemas.dedup import DEDUP_KEYS
from schemas.validate import polars_schema
from tasks.hashing import hash_series
from tasks.normal_forms import NFKC_UNSTABLE

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

    Rows that still hold a character NFKC may change (ligatures, full-width forms, decomposed accents:
    ``tasks.normal_forms.NFKC_UNSTABLE``) are NFKC-normalised first; the others, which it leaves as they
    are, skip that step, which is most of its cost.
    """
    fast = text.fill_null("").str.to_lowercase().str.replace_all(_NON_WORD, " ")
    idx = (fast.str.len_bytes() != fast.str.len_chars()).arg_true()
    if idx.len():
        idx = idx.filter(fast.gather(idx).str.contains(NFKC_UNSTABLE))
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
