"""Dedup phase 2, partitioned: the global decisions without holding the run (or the index) in one process.

Per shard the lookup rows of its pages (``key_rows``); per partition of the keys the candidate pairs
(``partition_candidates``) verified on their signatures (``partition_edges``); over the linked pages the
clusters, canonicals and kinds (``rank_touched``, ``describe_touched``); per shard the decisions and the
new index rows (``shard_clusters``, ``shard_index_rows``). The building blocks (pairs, components, the
canonical rule) are shared with ``tasks.reference.find_duplicate_clusters``, which makes the same
decisions in one process. See docs/SCALING.md for the steps and why each gives that answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from schemas.dedup import DEDUP_INDEX, DUPLICATE_CLUSTERS
from schemas.validate import cast_to
from tasks.dedup.keys import _U64, _band_keys
from tasks.hashing import partition_of

logger = logging.getLogger(__name__)

RESCRAPE_THRESHOLD = 0.5
"""Pages with the same URL fold when their signatures agree on at least this share."""
MAX_BUCKET = 64
"""Buckets with more pages are linked to their first page only (linear pair count)."""

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




ORD_SHARD_BITS = 26
"""A shard's pages get ords ``base + shard_no * 2**26 + row``: fewer than 67 million rows per shard."""
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
