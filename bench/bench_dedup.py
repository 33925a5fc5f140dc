"""Benchmark of the dedup stage: ours against datasketch, and a 1,000,000-article scale run.

Run ``.venv/bin/python -m bench.bench_dedup`` (``--help`` for sizes). Writes ``bench/results/dedup.json``.

Part 1 (quality and speed, same documents, same run): a planted set from ``bench.gen_dedup``.
Both sides get the same normalised bodies and the same word 5-gram shingles:

- ours: ``add_dedup_keys`` (normalisation included) + ``find_duplicate_clusters``;
- datasketch: ``MinHash.bulk`` (128 permutations) + ``MinHashLSH`` at the same threshold, each
  candidate checked with ``MinHash.jaccard``, clusters by union-find.

Per core = documents / process CPU seconds (polars threads are counted), the median of three
alternating runs of each side. Precision and recall are
pairwise over pages of the same story.

Part 2 (scale): 1,000,000 synthetic articles made in shards of 50,000 (10% planted copies: 40%
exact, 60% with 12 words rewritten), keys per shard spilled to Parquet, then one global clustering over
``pl.scan_parquet`` of the spilled keys, the index written, a second (incremental) run of 50,000 new
pages against that index, and ``merge_comments`` over 2,000,000 comments. Costs are reported per
million articles (or comments): CPU seconds, wall seconds, bytes on disk; peak RSS is the process's.
Then the same keys go through the build's partitioned find-duplicates steps (``--partitions`` P: lookup
rows per shard, P partition tasks, the clustering of the linked pages), each kind of step in a fresh
process so its peak RSS is its own; their decisions must equal the one-process clustering.

Costs of the one-process functions (bench/results/dedup.json, 1,000,000 articles of ~400 words; ranges
are runs on a machine shared with other jobs, so CPU seconds vary by about 20%):

- Keys, per shard: 26-59 CPU-s per million articles; memory is bounded by the shard. Spilled keys:
  532 MB of Parquet per million, almost all signatures.
- One-process clustering (``find_duplicate_clusters``, the reference the build's partitioned steps
  are checked against): 22-48 CPU-s and 2.5 GB peak RSS per million, precision and recall 1.000 on
  the planted copies; it holds every signature (512 B per article), so it does not go much past 10
  million articles. The build runs the partitioned steps instead (docs/SCALING.md): each partition
  task holds 1/P of the band keys and the signatures of its candidate pages only.
- Index: 521 MB of Parquet per million pages (signatures dropped for exact copies). The build keeps
  the index's band keys partitioned next to it, so a later run reads only the rows of its own keys.
- Comments: ``merge_comments`` costs 5.8-8.3 CPU-s per million; the build runs it per partition of
  ``hash(canonical_article_id)`` (every comment of a thread lands in one partition), and the repeat
  counts come from one streaming ``group_by`` on ``text_hash`` over the partitions' counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import polars as pl

from bench.gen_dedup import generate_planted, pair_scores
from tasks.dedup.clusters import update_index
from tasks.dedup.keys import _mix64, _normalise, add_dedup_keys
from tasks.reference import find_duplicate_clusters, merge_comments

RESULTS = Path(__file__).parent / "results" / "dedup.json"
SHINGLE = 5
NUM_PERM = 128
THRESHOLD = 0.6


def _cpu() -> float:
    return time.process_time()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------------------------
# Part 1: ours versus datasketch on the planted set
# ----------------------------------------------------------------------------------------------


def _run_ours(articles: pl.DataFrame, *, bands: int, rows: int) -> tuple[float, float, dict[str, float]]:
    t0 = _cpu()
    keys = add_dedup_keys(articles, shingle_size=SHINGLE, num_perm=NUM_PERM)
    t1 = _cpu()
    clusters = find_duplicate_clusters(keys, bands=bands, rows=rows, threshold=THRESHOLD)
    t2 = _cpu()
    return t1 - t0, t2 - t1, pair_scores(clusters, articles)


def _run_datasketch(articles: pl.DataFrame) -> tuple[float, float, dict[str, float], tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    norm = _normalise(articles.get_column("body")).to_list()  # the same normalisation, untimed
    ids = articles.get_column("page_id").to_list()
    t0 = _cpu()
    shingle_sets = []
    for text in norm:
        words = text.split(" ")
        grams = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)] or [text]
        shingle_sets.append([g.encode() for g in grams])
    hashes = MinHash.bulk(shingle_sets, num_perm=NUM_PERM)
    t1 = _cpu()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for key, m in zip(ids, hashes, strict=True):
            session.insert(key, m)
    parent = {k: k for k in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_id = dict(zip(ids, hashes, strict=True))
    for key, m in zip(ids, hashes, strict=True):
        for other in lsh.query(m):
            if other != key and m.jaccard(by_id[other]) >= THRESHOLD:
                parent[find(key)] = find(other)
    t2 = _cpu()
    clusters = pl.DataFrame({"page_id": ids, "cluster_id": [find(k) for k in ids]})
    return t1 - t0, t2 - t1, pair_scores(clusters, articles), (lsh.b, lsh.r)


def compare(n_stories: int, *, seed: int, bands: int, rows: int) -> dict[str, object]:
    """Part 1: speed and quality of ours and of datasketch on the same planted documents."""
    planted = generate_planted(n_stories, seed=seed, copy_rate=0.5)
    articles = planted.articles
    n = articles.height
    words = articles.select(pl.col("body").str.count_matches(r"\S+").mean()).item()
    # Median of three runs each, alternating, so one-time costs (thread pools, regex compilation,
    # first-touch page faults) and the load of other processes weigh on both sides alike.
    ours_runs, ds_runs = [], []
    for _ in range(3):
        ours_runs.append(_run_ours(articles, bands=bands, rows=rows))
        ds_runs.append(_run_datasketch(articles))
    ours_sig, ours_lsh, ours_scores = sorted(ours_runs, key=lambda r: r[0] + r[1])[1]
    ds_sig, ds_lsh, ds_scores, ds_br = sorted(ds_runs, key=lambda r: r[0] + r[1])[1]
    ours_rate = n / (ours_sig + ours_lsh)
    ds_rate = n / (ds_sig + ds_lsh)
    out: dict[str, object] = {
        "documents": n,
        "mean_words": round(float(words), 1),
        "planted_kinds": dict(articles.group_by("planted_kind").len().iter_rows()),
        "ours": {
            "config": f"one-permutation MinHash, k={SHINGLE}, {NUM_PERM} bins, {bands}x{rows} bands, "
                      f"threshold {THRESHOLD}",
            "signature_docs_per_s_per_core": round(n / ours_sig),
            "lsh_docs_per_s_per_core": round(n / ours_lsh),
            "total_docs_per_s_per_core": round(ours_rate),
            **{k: round(v, 4) for k, v in ours_scores.items()},
        },
        "datasketch": {
            "config": f"MinHash.bulk {NUM_PERM} perms, MinHashLSH threshold {THRESHOLD} (b={ds_br[0]}, r={ds_br[1]})",
            "signature_docs_per_s_per_core": round(n / ds_sig),
            "lsh_docs_per_s_per_core": round(n / ds_lsh),
            "total_docs_per_s_per_core": round(ds_rate),
            **{k: round(v, 4) for k, v in ds_scores.items()},
        },
        "speedup": round(ours_rate / ds_rate, 1),
    }
    print(f"planted set: {n} documents, {words:.0f} words on average")
    for name in ("ours", "datasketch"):
        r = out[name]
        assert isinstance(r, dict)
        print(f"  {name:10s} {r['total_docs_per_s_per_core']:>8,} docs/s/core "
              f"(signatures {r['signature_docs_per_s_per_core']:,}, LSH {r['lsh_docs_per_s_per_core']:,})  "
              f"precision {r['precision']:.4f} recall {r['recall']:.4f}   [{r['config']}]")
    print(f"  speedup {out['speedup']}x")
    return out


def sweep(n_stories: int, *, seed: int) -> list[dict[str, object]]:
    """Precision and recall of a few (bands, rows, threshold) settings on one planted set."""
    articles = generate_planted(n_stories, seed=seed + 1, copy_rate=0.5).articles
    keys = add_dedup_keys(articles, shingle_size=SHINGLE, num_perm=NUM_PERM)
    rows_out = []
    for bands, rows, threshold in ((16, 8, 0.8), (16, 8, 0.7), (32, 4, 0.7), (16, 8, 0.6), (32, 4, 0.6),
                                   (40, 3, 0.6), (40, 3, 0.5), (64, 2, 0.5)):
        clusters = find_duplicate_clusters(keys, bands=bands, rows=rows, threshold=threshold)
        s = pair_scores(clusters, articles)
        rows_out.append({"bands": bands, "rows": rows, "threshold": threshold,
                         "precision": round(s["precision"], 4), "recall": round(s["recall"], 4)})
        print(f"  sweep {bands}x{rows} t={threshold}: precision {s['precision']:.4f} recall {s['recall']:.4f}")
    return rows_out


def quality_on_real_paragraphs(dev_dir: Path, n_stories: int, *, seed: int) -> dict[str, object]:
    """Precision and recall of the defaults on a planted set built from real paragraphs (dev pages)."""
    paragraphs = [
        p
        for f in sorted(dev_dir.glob("*.truth.json"))
        for p in json.loads(f.read_text())["body"].split("\n\n")
        if len(p.split()) >= 8
    ]
    articles = generate_planted(n_stories, seed=seed + 5, paragraphs=paragraphs).articles
    clusters = find_duplicate_clusters(add_dedup_keys(articles))
    s = pair_scores(clusters, articles)
    print(f"  real paragraphs ({len(paragraphs)} from {dev_dir.name}), {articles.height} pages: "
          f"precision {s['precision']:.4f} recall {s['recall']:.4f}")
    return {"paragraphs": len(paragraphs), "documents": articles.height,
            **{k: round(v, 4) for k, v in s.items()}}


# ----------------------------------------------------------------------------------------------
# Part 2: scale
# ----------------------------------------------------------------------------------------------


def _scale_shard(first: int, n: int, *, vocab: pl.Series, table: np.ndarray, copy_rate: float = 0.1) -> pl.DataFrame:
    """Synthetic articles ``first .. first+n``; copies share a story with an earlier document."""
    u64 = np.uint64
    doc = np.arange(first, first + n, dtype=np.int64)
    h = _mix64(doc.astype(u64) + u64(0x1234))
    is_copy = ((h & u64(0xFFFF)).astype(np.float64) / 65536.0 < copy_rate) & (doc > 0)
    story = np.where(is_copy, (h >> u64(16)).astype(np.int64) % np.maximum(doc, 1), doc)
    near = is_copy & (((h >> u64(40)) & u64(0xFF)) < u64(154))  # 60% of copies are edited
    length = 150 + (_mix64(story.astype(u64) * u64(31)) % u64(500)).astype(np.int64)
    word_doc = np.repeat(np.arange(n), length)
    starts = np.concatenate(([0], np.cumsum(length)[:-1]))
    pos = np.arange(word_doc.size) - starts[word_doc]
    seed = story[word_doc].astype(u64) * u64(1 << 20) + pos.astype(u64)
    edit_at = (_mix64(doc.astype(u64) * u64(7)) % u64(100)).astype(np.int64)
    edited = near[word_doc] & (pos >= edit_at[word_doc]) & (pos < edit_at[word_doc] + 12)
    seed = np.where(edited, seed ^ _mix64(doc[word_doc].astype(u64) + u64(99)), seed)
    word_id = table[(_mix64(seed) % u64(table.size)).astype(np.int64)]
    bodies = (
        pl.DataFrame({"d": word_doc, "w": vocab.gather(word_id)})
        .group_by("d", maintain_order=True)
        .agg(pl.col("w").str.join(" "))
        .get_column("w")
    )
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    ids = pl.Series(doc).cast(pl.String)
    return pl.DataFrame(
        {
            "page_id": "p" + ids,
            "article_id": "a" + ids,
            "site": "s" + pl.Series(doc % 997).cast(pl.String) + ".example",
            "url": "https://s" + pl.Series(doc % 997).cast(pl.String) + ".example/a/" + ids,
            "fetched_at": pl.Series(int(base.timestamp()) * 1_000_000 + doc * 1_000_000).cast(
                pl.Datetime("us", "UTC")
            ),
            "body": bodies,
            "story_id": story,
        }
    )


def _scale_comments(n: int, pages: pl.Series, *, seed: int) -> pl.DataFrame:
    """``n`` comments on ``pages``: 5% spam texts, 3% posted twice, the rest unique."""
    rng = np.random.default_rng(seed)
    page = pages.gather(rng.integers(0, pages.len(), size=n))
    kind = rng.random(n)
    text = pl.Series(np.arange(n)).cast(pl.String)
    text = pl.select(
        pl.when(pl.Series(kind < 0.05)).then(pl.lit("Buy followers cheap, see profile"))
        .otherwise("comment number " + text + " about the article")
    ).to_series()
    return pl.DataFrame(
        {
            "page_id": page,
            "position": pl.Series(np.arange(n) % 50, dtype=pl.Int32),
            "author": "user" + pl.Series(rng.integers(0, 100_000, size=n)).cast(pl.String),
            "text": text,
        }
    ).with_columns(site=pl.lit("s.example"))


def _incremental(n_docs: int, *, vocab: pl.Series, table: np.ndarray, index_path: Path) -> dict[str, object]:
    """A second run: 50,000 new pages (10% copies of earlier stories) against the written index."""
    n_new = min(50_000, n_docs)
    new = _scale_shard(n_docs, n_new, vocab=vocab, table=table)
    c0, w0 = _cpu(), time.time()
    new_keys = add_dedup_keys(new)
    index = pl.scan_parquet(index_path)
    inc = find_duplicate_clusters(new_keys, index=index)
    inc_cpu, inc_wall = _cpu() - c0, time.time() - w0
    folded = int(inc.get_column("is_duplicate").sum())
    index_rows = int(index.select(pl.len()).collect().item())
    print(f"scale: incremental run of {n_new:,} pages against a {index_rows:,}-row index: "
          f"{inc_cpu:.0f} s CPU / {inc_wall:.0f} s wall, {folded:,} folded")
    return {"new_pages": n_new, "index_rows": index_rows, "cpu_s": round(inc_cpu, 1),
            "wall_s": round(inc_wall, 1), "folded": folded}


def _comments_run(pages: pl.Series, n_comments: int = 2_000_000) -> dict[str, object]:
    """``merge_comments`` over ``n_comments`` comments spread over ``pages``."""
    comments = _scale_comments(n_comments, pages, seed=3)
    clusters = pl.DataFrame({"page_id": pages, "canonical_article_id": pages, "is_duplicate": False})
    c0, w0 = _cpu(), time.time()
    merged = merge_comments(comments, clusters)
    cpu, wall = _cpu() - c0, time.time() - w0
    print(f"scale: merge_comments over {n_comments:,} comments {cpu:.0f} s CPU / {wall:.0f} s wall, "
          f"{int(merged.get_column('is_repeated').sum()):,} repeated")
    return {"comments": n_comments, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "per_million_cpu_s": round(cpu / n_comments * 1e6, 1), "peak_rss_mb": round(_peak_rss_mb())}


def _step_in_child(name: str, calls: list[tuple[object, tuple[object, ...], dict[str, object]]]) -> dict[str, object]:
    """Run ``calls`` (function, args, kwargs) one after the other in a fresh process: its CPU and peak RSS."""
    ctx = get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        pool.submit(_warm).result()
        cpu, rss = pool.submit(_run_calls, calls).result()
    print(f"scale: partitioned {name}: {cpu:.1f} s CPU, peak RSS {rss:.0f} MB ({len(calls)} task runs)")
    return {"cpu_s": round(cpu, 2), "peak_rss_mb": round(rss), "task_runs": len(calls)}


def _warm() -> None:
    import flows.stage_tasks  # noqa: F401 -- the import's memory is part of every task's process


def _run_calls(calls: list[tuple[object, tuple[object, ...], dict[str, object]]]) -> tuple[float, float]:
    import flows.stage_tasks

    c0 = _cpu()
    for name, args, kwargs in calls:
        getattr(flows.stage_tasks, str(name)).fn(*args, **kwargs)
    return _cpu() - c0, _own_peak_rss_mb()


def _own_peak_rss_mb() -> float:
    """Peak RSS of this process since it started (VmHWM: getrusage would count the parent's pages before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return _peak_rss_mb()


def partitioned(keys: list[Path], expected: pl.DataFrame, *, parts: int, work: Path) -> dict[str, object]:
    """Part 3: the flow's partitioned find-duplicates steps over the spilled keys, each step type in a fresh process.

    Each step's peak RSS is that of its own process (imports included, about 230 MB); the decisions
    must equal ``find_duplicate_clusters`` over all keys at once.
    """
    from flows.config import DedupConfig
    from tasks import io
    from tasks.dedup.clusters import shard_clusters

    cfg = DedupConfig(partitions=parts)
    lsh = {"bands": cfg.bands, "rows": cfg.rows}
    work.mkdir(parents=True, exist_ok=True)
    (work / "_work").mkdir(exist_ok=True)
    w = work / "_work"
    index = work / "none"
    rows = [w / "rows" / f"{i:04d}.parquet" for i in range(len(keys))]
    edges = [io.part_path(w / "edges", p) for p in range(parts)]
    steps = {
        "dedup-rows (per shard)": [("dedup_rows_task", (k,), {**lsh, "shard_no": i, "base": 0, "parts": parts,
                                                                    "out": rows[i]}) for i, k in enumerate(keys)],
        "dedup-prior": [("dedup_prior_task", (keys, index), {**lsh, "base": 0, "parts": parts,
                                                                   "out": w / "meta.json"})],
        "find-duplicates (per partition)": [
            ("find_duplicates_task", (p, rows, keys), {"index": index, "threshold": cfg.threshold, "base": 0,
                                                       "out": edges[p]})
            for p in range(parts)],
        "cluster-duplicates": [("cluster_duplicates_task", (edges, keys, index),
                                {"base": 0, "out": w / "decided.parquet"})],
    }
    out: dict[str, object] = {"partitions": parts}
    for name, calls in steps.items():
        out[name] = _step_in_child(name, calls)
    decided = pl.read_parquet(w / "decided.parquet")
    got = pl.concat([
        shard_clusters(pl.read_parquet(k, columns=["page_id", "article_id"]),
                       decided.filter(pl.col("part") == i).drop("part"))
        for i, k in enumerate(keys)])
    same = got.equals(expected)
    out["edges"] = int(pl.scan_parquet(edges).select(pl.len()).collect().item())
    out["linked_pages"] = decided.height
    out["decisions_equal_one_process"] = same
    print(f"scale: partitioned decisions equal the one-process clustering: {same} "
          f"({out['edges']:,} links, {decided.height:,} linked pages)")
    return out


def scale(n_docs: int, *, shard_size: int, work: Path, parts: int) -> dict[str, object]:
    """Part 2: keys per shard spilled to Parquet, global clustering, index, incremental run, comments."""
    rng = np.random.default_rng(7)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = pl.Series(sorted({"".join(rng.choice(letters, size=int(k))) for k in rng.integers(2, 11, 60_000)}))
    table = (np.minimum(rng.zipf(1.1, size=1 << 20), vocab.len()) - 1).astype(np.int64)
    keys_dir = work / "keys"
    keys_dir.mkdir(parents=True)
    gen_wall = keys_cpu = keys_wall = 0.0
    truth = []
    for i, first in enumerate(range(0, n_docs, shard_size)):
        w0 = time.time()
        shard = _scale_shard(first, min(shard_size, n_docs - first), vocab=vocab, table=table)
        gen_wall += time.time() - w0
        truth.append(shard.select("page_id", "story_id"))
        c0, w0 = _cpu(), time.time()
        keys = add_dedup_keys(shard)
        keys_cpu += _cpu() - c0
        keys_wall += time.time() - w0
        keys.write_parquet(keys_dir / f"keys-{i:04d}.parquet")
        del shard, keys
    keys_bytes = sum(p.stat().st_size for p in keys_dir.glob("*.parquet"))
    print(f"scale: {n_docs:,} articles, keys {keys_cpu:.0f} s CPU / {keys_wall:.0f} s wall "
          f"(generation {gen_wall:.0f} s wall), keys on disk {keys_bytes / 1e6:.0f} MB, "
          f"peak RSS {_peak_rss_mb():.0f} MB")
    c0, w0 = _cpu(), time.time()
    clusters = find_duplicate_clusters(pl.scan_parquet(keys_dir / "*.parquet"))
    cluster_cpu, cluster_wall = _cpu() - c0, time.time() - w0
    rss_after_cluster = _peak_rss_mb()
    scores = pair_scores(clusters, pl.concat(truth))
    print(f"scale: clustering {cluster_cpu:.0f} s CPU / {cluster_wall:.0f} s wall, "
          f"peak RSS {rss_after_cluster:.0f} MB, precision {scores['precision']:.4f} recall {scores['recall']:.4f}, "
          f"{int(clusters.get_column('is_duplicate').sum()):,} folded")
    c0 = _cpu()
    index = update_index(None, pl.read_parquet(keys_dir / "*.parquet"), clusters)
    index_cpu = _cpu() - c0
    index.write_parquet(work / "index.parquet")
    index_bytes = (work / "index.parquet").stat().st_size
    del index

    parted = partitioned(sorted(keys_dir.glob("*.parquet")), clusters, parts=parts, work=work / "partitioned")
    incremental = _incremental(n_docs, vocab=vocab, table=table, index_path=work / "index.parquet")
    comments = _comments_run(pl.concat(truth).get_column("page_id"))
    per_m = 1_000_000 / n_docs
    return {
        "articles": n_docs,
        "shard_size": shard_size,
        "keys_cpu_s": round(keys_cpu, 1),
        "keys_wall_s": round(keys_wall, 1),
        "generation_wall_s": round(gen_wall, 1),
        "cluster_cpu_s": round(cluster_cpu, 1),
        "cluster_wall_s": round(cluster_wall, 1),
        "index_cpu_s": round(index_cpu, 1),
        "peak_rss_mb": round(_peak_rss_mb()),
        "peak_rss_mb_after_clustering": round(rss_after_cluster),
        "keys_parquet_mb": round(keys_bytes / 1e6, 1),
        "index_parquet_mb": round(index_bytes / 1e6, 1),
        "precision": round(scores["precision"], 4),
        "recall": round(scores["recall"], 4),
        "per_million_articles": {
            "keys_cpu_s": round(keys_cpu * per_m, 1),
            "cluster_cpu_s": round(cluster_cpu * per_m, 1),
            "cluster_wall_s": round(cluster_wall * per_m, 1),
            "keys_parquet_mb": round(keys_bytes / 1e6 * per_m, 1),
            "index_parquet_mb": round(index_bytes / 1e6 * per_m, 1),
        },
        "incremental": incremental,
        "comments": comments,
        "partitioned": parted,
    }


def main(argv: list[str] | None = None) -> None:
    """Run both parts and write ``bench/results/dedup.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=4000, help="stories of the planted set (part 1)")
    parser.add_argument("--scale", type=int, default=1_000_000, help="articles of the scale run (0: skip)")
    parser.add_argument("--shard-size", type=int, default=50_000, help="articles per shard in the scale run")
    parser.add_argument("--partitions", type=int, default=8, help="partitions of the partitioned scale run")
    parser.add_argument("--bands", type=int, default=40, help="LSH bands of ours")
    parser.add_argument("--rows", type=int, default=3, help="rows per band of ours")
    parser.add_argument("--seed", type=int, default=0, help="seed of the planted set")
    parser.add_argument("--dev-pages", type=Path, default=Path("/work/shared/corpus-dev"),
                        help="folder of NAME.truth.json pages whose paragraphs make a second planted set")
    args = parser.parse_args(argv)
    results: dict[str, object] = {
        "machine_cores": 2,
        "compare": compare(args.stories, seed=args.seed, bands=args.bands, rows=args.rows),
        "sweep": sweep(args.stories // 2, seed=args.seed),
    }
    if args.dev_pages.is_dir():
        results["real_paragraphs"] = quality_on_real_paragraphs(args.dev_pages, 1500, seed=args.seed)
    if args.scale:
        work = Path(tempfile.mkdtemp(prefix="bench-dedup-"))
        try:
            results["scale"] = scale(args.scale, shard_size=args.shard_size, work=work, parts=args.partitions)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
