"""``corpus compact``: many small runs' files merged into few, every row kept, committed in one snapshot."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

import tasks.publish.compaction as fc
from schemas import ARTICLES, ARTICLES_PARTITION, COMMENTS, COMMENTS_PARTITION, REJECTS, REJECTS_PARTITION
from tasks.publish import snapshots
from tasks.publish.write import dataset_roots, read_partitioned, write_partitioned
from tasks.reports.dictionary import EXAMPLES

pytestmark = [pytest.mark.write_disk]

DATASETS = {"articles": (ARTICLES, ARTICLES_PARTITION), "comments": (COMMENTS, COMMENTS_PARTITION),
            "rejects": (REJECTS, REJECTS_PARTITION)}
N_SHARDS = 6


def _write(out: Path, name: str, rows: list[dict[str, Any]], shard: str) -> None:
    schema, part = DATASETS[name]
    frame = pl.from_arrow(pa.Table.from_pylist([EXAMPLES[name] | r for r in rows], schema=schema))
    assert isinstance(frame, pl.DataFrame)
    write_partitioned(frame, out / name, schema, part, shard_id=shard)


def _many_small_runs(out: Path) -> None:
    for s in range(N_SHARDS):
        shard = f"{s:016x}"
        langs = ["en", "de"] if s % 2 else ["en"]
        _write(out, "articles", [{"article_id": f"a{s}-{i}", "language": lang, "title": f"t{s}{i}"}
                                 for i, lang in enumerate(langs)], shard)
        _write(out, "comments", [{"comment_id": f"c{s}-{i}", "position": i, "text": f"x{s}-{i}"}
                                 for i in range(3)], shard)
    _write(out, "rejects", [{"reason": "empty", "stage": "ingest"}], f"{99:016x}")


def _read_all(out: Path) -> dict[str, pl.DataFrame]:
    frames = {}
    for name, (schema, part) in DATASETS.items():
        frame = read_partitioned(out / name, schema, part).collect()
        frames[name] = frame.sort(frame.select(pl.exclude(pl.List(pl.Struct)) if name == "articles"
                                               else pl.all()).columns)
    return frames


def _n_files(out: Path) -> int:
    return sum(len(list((out / n).rglob("*.parquet"))) for n in DATASETS)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    out = tmp_path / "corpus"
    _many_small_runs(out)
    return out


def test_compact_keeps_every_row_and_drops_the_file_count(corpus: Path) -> None:
    before, n_before = _read_all(corpus), _n_files(corpus)
    summary = fc.compact(corpus)
    after = _read_all(corpus)
    for name in DATASETS:
        assert_frame_equal(after[name], before[name])  # the same multiset of rows (both sorted on every column)
    # articles: en holds 6 files, de 3 -> one each; comments: 6 -> 1; rejects: one file, left alone
    assert (n_before, _n_files(corpus)) == (16, 4)
    assert summary["files_before"] == 16
    assert summary["files_after"] == 4
    assert summary["rows"] == sum(f.height for f in before.values())
    assert summary["partitions_compacted"] == 3
    assert summary["datasets"]["rejects"]["partitions_compacted"] == 0
    assert not (corpus / fc.STAGING).exists()


def test_compacted_files_are_zstd_with_statistics_and_keep_their_metadata(corpus: Path) -> None:
    fc.compact(corpus)
    (path,) = (corpus / "comments").rglob("part-compact-*.parquet")
    meta = pq.read_metadata(path)
    column = meta.row_group(0).column(0)
    assert column.compression == "ZSTD"
    assert column.is_stats_set
    assert meta.num_rows == 3 * N_SHARDS
    assert meta.schema.to_arrow_schema().metadata[b"corpusflow.schema_version"] == b"2"


def test_compact_twice_changes_nothing_more(corpus: Path) -> None:
    fc.compact(corpus)
    files = sorted(p.relative_to(corpus) for p in corpus.rglob("*.parquet"))
    again = fc.compact(corpus)
    assert again["partitions_compacted"] == 0
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*.parquet")) == files


def test_a_later_run_after_compaction_adds_its_rows(corpus: Path) -> None:
    fc.compact(corpus)
    _write(corpus, "comments", [{"comment_id": "late", "position": 0}], "f" * 16)
    assert read_partitioned(corpus / "comments", COMMENTS, COMMENTS_PARTITION).collect().height == 3 * N_SHARDS + 1
    assert fc.compact(corpus)["files_after"] == 4


def _counting_reader(out: Path, seen: list[int]) -> None:
    try:
        seen.append(sum(read_partitioned(out / n, *DATASETS[n]).collect().height for n in DATASETS))
    except (FileNotFoundError, OSError, pl.exceptions.ComputeError):
        seen.append(-1)  # a snapshot removed by two commits since the read resolved it: readers retry


def test_readers_see_the_corpus_before_or_after_the_commit_never_a_mix(corpus: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    total = sum(f.height for f in _read_all(corpus).values())
    seen: list[int] = []
    real = snapshots.flip_current

    def checked(out: Path, version: str) -> None:
        _counting_reader(corpus, seen)
        real(out, version)
        _counting_reader(corpus, seen)

    monkeypatch.setattr(snapshots, "flip_current", checked)
    fc.compact(corpus)
    assert len(seen) == 2
    assert set(seen) == {total}
    assert _n_files(corpus) == 4


def test_a_reader_holding_the_snapshot_before_the_commit_can_finish(corpus: Path) -> None:
    """Issue 8: the snapshot a reader resolved stays on disk until the commit after the next."""
    before = _read_all(corpus)
    roots = dataset_roots(corpus, DATASETS)
    n_files = sum(len(list(r.rglob("*.parquet"))) for r in roots.values())
    fc.compact(corpus)
    assert sum(len(list(r.rglob("*.parquet"))) for r in roots.values()) == n_files == 16
    for name, (schema, part) in DATASETS.items():
        frame = read_partitioned(roots[name], schema, part).collect()
        assert_frame_equal(frame.sort(frame.columns[:3]), before[name].sort(frame.columns[:3]))


def test_a_compaction_stopped_before_its_commit_changes_nothing_and_the_next_one_finishes(
        corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before, version = _read_all(corpus), snapshots.snapshot_version(corpus)

    def stop(out: Path, version: str) -> None:
        raise KeyboardInterrupt  # killed after the merged files and the new snapshot folder were made

    monkeypatch.setattr(snapshots, "flip_current", stop)
    with pytest.raises(KeyboardInterrupt):
        fc.compact(corpus)
    monkeypatch.undo()
    assert snapshots.snapshot_version(corpus) == version
    assert _n_files(corpus) == 16
    unfinished = [p for p in (corpus / snapshots.SNAPSHOTS).iterdir() if p.name > str(version)]
    assert len(unfinished) == 1
    (corpus / ".corpusflow.lock").unlink(missing_ok=True)  # the interrupted process is gone
    summary = fc.compact(corpus)
    assert not unfinished[0].exists()
    assert summary["files_after"] == 4
    after = _read_all(corpus)
    for name in DATASETS:
        assert_frame_equal(after[name], before[name])


def test_a_merge_that_loses_rows_changes_nothing(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(p.relative_to(corpus) for p in corpus.rglob("*.parquet"))
    real = fc.merge_files

    def lossy(sources: list[Path], dest: Path) -> int:
        return real(sources[:-1], dest)

    monkeypatch.setattr(fc, "merge_files", lossy)
    with pytest.raises(fc.CompactionError, match="rows"):
        fc.compact(corpus)
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*.parquet")) == files
    assert not (corpus / ".corpusflow.lock").exists()


def test_compaction_waits_for_an_unfinished_build(corpus: Path) -> None:
    (corpus / "_state").mkdir()
    (corpus / "_state" / "CURRENT.json").write_text('{"version": null, "pending": ["abc"]}', encoding="utf-8")
    with pytest.raises(fc.CompactionError, match="has not finished"):
        fc.compact(corpus)


def test_a_concurrent_reader_never_counts_more_rows(corpus: Path) -> None:
    total = sum(f.height for f in _read_all(corpus).values())
    seen: list[int] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            _counting_reader(corpus, seen)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        fc.compact(corpus)
    finally:
        done.set()
        thread.join()
    assert seen
    assert max(seen) <= total
    assert set(seen) - {-1} == {total}  # every read that succeeds sees the whole corpus
    assert sum(f.height for f in _read_all(corpus).values()) == total


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fc.compact(tmp_path / "nope")


def test_files_beside_partition_folders_are_left_alone(corpus: Path) -> None:
    loose = corpus / "articles"
    for i in range(2):
        (loose / f"part-loose{i}-0.parquet").write_bytes(
            next((corpus / "articles").rglob("part-*.parquet")).read_bytes())
    summary = fc.compact(corpus)
    assert sorted(p.name for p in loose.glob("*.parquet")) == ["part-loose0-0.parquet", "part-loose1-0.parquet"]
    assert summary["datasets"]["articles"]["partitions_compacted"] == 2
