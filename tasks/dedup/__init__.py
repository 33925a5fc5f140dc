"""Deduplication of articles (exact, near, re-scrape) and of their comments.

Modules: ``keys`` (phase 1, per shard), ``clusters`` (phase 2, partitioned, and the building blocks it
shares with the one-process oracle ``tasks.reference.find_duplicate_clusters``), ``comments`` (threads
merged under their canonical article, repeated comments tagged), ``index`` (reading the index and the run's
key files by ord). The Prefect tasks that run them are in
``flows/stage_tasks.py``; the index's ``meta.json`` is ``schemas.dedup.DedupIndexMeta``.

Two phases (HOUSE_STYLE "Dedup is two-phase and deterministic"):

1. ``add_dedup_keys`` (per shard) reads ``page_id``, ``article_id``, ``body`` and, when present,
   ``site``, ``url``, ``fetched_at``, ``ingested_at``; it returns the ``DEDUP_KEYS`` columns:
   ``content_hash`` (xxh3-64 of the normalised body), ``signature`` (one-permutation MinHash of word
   shingles, null for bodies that are no evidence of sameness), ``url_key``, ``body_len``, ``n_tokens``,
   ``minhash_config``, ``title_hash``.
2. Global, over all shards of the run plus the dedup index of earlier runs, partitioned by key (``clusters``:
   ``key_rows`` per shard, ``partition_candidates`` and ``partition_edges`` per partition of the keys,
   ``rank_touched`` and ``describe_touched`` over the linked pages): pages are linked by equal
   :func:`clusters.exact_key`, by LSH candidates (pages sharing a band key) whose signatures agree on at least
   ``threshold`` of their values, and by equal ``url_key`` when the signatures agree on at least
   ``RESCRAPE_THRESHOLD``; connected components are the clusters.

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
parser tagged ``is_suspect`` (``tasks.extract.confidence``: no confident article, e.g. a profile box or a blog's
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
