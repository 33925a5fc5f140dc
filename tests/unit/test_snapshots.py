"""Issue 8: a commit makes one new snapshot of the whole output current at once (tasks.publish.snapshots,
tasks.publish.write)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest

import tasks.publish.compaction as fc
from schemas import OUTPUT_DATASETS as DATASETS
from tasks.publish import snapshots
from tasks.publish.write import (
    commit_run,
    dataset_roots,
    read_partitioned,
    scan_corpus,
    stage_partitioned,
    staged_shard,
)
from tasks.reports.dictionary import EXAMPLES

pytestmark = pytest.mark.write_disk


def _rows(name: str, n: int, tag: str) -> pl.DataFrame:
    """``n`` rows of dataset ``name``, over two partitions, with ids made unique by ``tag``."""
    schema, _ = DATASETS[name]
    key = {"articles": "article_id", "comments": "comment_id", "duplicates": "source_path",
           "rejects": "source_path"}[name]
    part = {"articles": "language", "comments": "language", "duplicates": "kind", "rejects": "stage"}[name]
    values = {"language": ["en", "de"], "kind": ["exact", "near"], "stage": ["ingest", "parse"]}[part]
    rows = [EXAMPLES[name] | {key: f"{tag}-{i}", part: values[i % 2]} for i in range(n)]
    frame = pl.from_arrow(pa.Table.from_pylist(rows, schema=schema))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _stage(out: Path, sid: str, sizes: dict[str, int]) -> None:
    for name, n in sizes.items():
        schema, part = DATASETS[name]
        stage_partitioned(_rows(name, n, f"{sid}-{n}"), staged_shard(out, name, sid), schema, part, shard_id=sid)


def _counts(out: Path) -> tuple[int, ...]:
    frames = scan_corpus(out)
    return tuple(int(frames[name].select(pl.len()).collect().item()) for name in DATASETS)


def test_a_commit_replaces_the_shards_files_and_keeps_the_others(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stage(out, "s0", {"articles": 2, "comments": 3})
    _stage(out, "s1", {"articles": 1, "comments": 1, "rejects": 2})
    first = commit_run(out, ["s0", "s1"])
    assert _counts(out) == (3, 4, 0, 2)
    kept = next((out / "rejects").rglob("part-s1-*.parquet")).relative_to(out)
    _stage(out, "s0", {"articles": 5, "comments": 0})
    second = commit_run(out, ["s0"])
    assert _counts(out) == (6, 1, 0, 2)
    assert not (out / "_work" / "staging" / "articles" / "s0").exists()
    # the public paths are fixed links through _current; an unchanged file is the same inode in both snapshots
    assert all((out / name).is_symlink() for name in DATASETS)
    assert os.readlink(out / snapshots.CURRENT_LINK) == f"{snapshots.SNAPSHOTS}/{second}"
    old, new = out / snapshots.SNAPSHOTS / first, out / snapshots.SNAPSHOTS / second
    assert os.stat(old / kept).st_ino == os.stat(new / kept).st_ino
    assert {p.name for p in (new / "comments").rglob("*.parquet")} == {"part-s1-0.parquet"}
    assert not list((new / "comments").glob("language=de"))  # a folder left without files is not carried over


def test_a_shard_without_complete_staging_keeps_its_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stage(out, "s0", {"articles": 2})
    commit_run(out, ["s0"])
    commit_run(out, ["s0"])  # nothing staged (a write served from a cache whose staging is gone)
    assert _counts(out)[0] == 2


def test_state_files_travel_with_the_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "out"
    src = tmp_path / "index.parquet"
    pl.DataFrame({"x": [1, 2]}).write_parquet(src)
    commit_run(out, [], state={"dedup_index.parquet": src})
    first = snapshots.state_file(out, "dedup_index.parquet")
    assert pl.read_parquet(first)["x"].to_list() == [1, 2]
    _stage(out, "s0", {"articles": 1})
    commit_run(out, ["s0"])
    again = snapshots.state_file(out, "dedup_index.parquet")
    assert again != first
    assert os.stat(again).st_ino == os.stat(src).st_ino  # linked, never copied


def test_a_commit_stopped_before_the_flip_leaves_the_old_snapshot_and_is_cleaned_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _stage(out, "s0", {"articles": 2, "comments": 2})
    before = commit_run(out, ["s0"])
    _stage(out, "s0", {"articles": 7, "comments": 1})

    def killed(out: Path, version: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(snapshots, "flip_current", killed)
    with pytest.raises(KeyboardInterrupt):
        commit_run(out, ["s0"])
    monkeypatch.undo()
    assert snapshots.snapshot_version(out) == before
    assert _counts(out) == (2, 2, 0, 0)
    unfinished = [p.name for p in (out / snapshots.SNAPSHOTS).iterdir() if p.name != before]
    assert len(unfinished) == 1
    snapshots.open_output(out)
    assert [p.name for p in (out / snapshots.SNAPSHOTS).iterdir()] == [before]
    assert (staged_shard(out, "articles", "s0") / ".complete").exists()  # staging survives: a re-run commits it
    commit_run(out, ["s0"])
    assert _counts(out) == (7, 1, 0, 0)


def test_a_commit_is_flushed_to_disk_before_and_after_its_rename(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19: the files a commit adds, every folder of its snapshot and _snapshots/ are flushed (fsync)
    before _current is renamed, and OUT after it; the files linked from the snapshot before are not."""
    out = tmp_path / "out"
    _stage(out, "s0", {"articles": 2, "comments": 2})
    _stage(out, "s1", {"rejects": 1})
    first = commit_run(out, ["s0", "s1"])
    _stage(out, "s0", {"articles": 3, "comments": 1})
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append(("rename", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    second = commit_run(out, ["s0"])
    monkeypatch.undo()
    flip = events.index(("rename", str(out / snapshots.CURRENT_LINK)))
    before = {path for kind, path in events[:flip] if kind == "fsync"}
    new = (out / snapshots.SNAPSHOTS / second).resolve()
    added = {str(p) for p in new.rglob("part-s0-*.parquet")}
    assert len(added) >= 3
    assert added | {str(new / snapshots.SNAPSHOT_INFO)} <= before
    folders = {str(p) for p in new.rglob("*") if p.is_dir()} | {str(new), str(new.parent), str(out.resolve())}
    assert folders <= before
    kept = {str(p) for p in new.rglob("part-s1-*.parquet")}
    assert kept and not kept & before  # flushed by the first commit, linked since
    assert ("fsync", str(out.resolve())) in events[flip + 1:]
    assert first != second


def test_only_the_current_and_the_previous_snapshot_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    versions = []
    for k in range(4):
        _stage(out, "s0", {"articles": k + 1})
        versions.append(commit_run(out, ["s0"]))
    assert sorted(p.name for p in (out / snapshots.SNAPSHOTS).iterdir()) == versions[-2:]
    info = json.loads((out / snapshots.SNAPSHOTS / versions[-1] / snapshots.SNAPSHOT_INFO).read_text())
    assert info["previous"] == versions[-2]


def test_an_open_run_is_rolled_back_unless_its_snapshot_became_current(tmp_path: Path) -> None:
    out, state, work = tmp_path / "out", tmp_path / "out" / "_state", tmp_path / "out" / "_work"
    _stage(out, "s0", {"articles": 1})
    base = commit_run(out, ["s0"])
    counts = work / "counts" / "s1.json"
    counts.parent.mkdir(parents=True)
    counts.write_text("{}")
    snapshots.write_pointer(state, {"version": base, "pending": ["s1"]})
    _stage(out, "s1", {"articles": 1})
    assert snapshots.settle_open_run(out, state, work) == "rolled back"
    assert not counts.exists()
    assert not (work / "staging").exists()
    assert snapshots.read_pointer(state) == {"version": base, "pending": None}
    counts.write_text("{}")
    snapshots.write_pointer(state, {"version": base, "pending": ["s1"]})
    _stage(out, "s1", {"articles": 1})
    after = commit_run(out, ["s1"])  # committed, then stopped before the record was closed
    assert snapshots.settle_open_run(out, state, work) == "committed"
    assert counts.exists()
    assert snapshots.read_pointer(state) == {"version": after, "pending": None}
    assert snapshots.settle_open_run(out, state, work) == "none"


def _earlier_layout(out: Path) -> None:
    """An output folder as the earlier layout left it: plain dataset folders, state in _state/<version>/."""
    for sid, n in (("s0", 2), ("s9", 3)):
        schema, part = DATASETS["articles"]
        stage_partitioned(_rows("articles", n, sid), out / "_tmp" / sid, schema, part, shard_id=sid)
        for path in (out / "_tmp" / sid).rglob("*.parquet"):
            target = out / "articles" / path.relative_to(out / "_tmp" / sid)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
    (out / "comments").mkdir()
    (out / "_state" / "v-1").mkdir(parents=True)
    pl.DataFrame({"path": ["a.txt"]}).write_parquet(out / "_state" / "v-1" / "inputs.parquet")
    (out / "_state" / "v-0").mkdir()
    snapshots.write_pointer(out / "_state", {"version": "v-1", "pending": ["s9"]})  # s9 stopped before its commit


def test_an_output_of_the_earlier_layout_is_moved_into_a_first_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _earlier_layout(out)
    snapshots.open_output(out)
    assert snapshots.snapshot_version(out) == "v-1"
    assert all((out / name).is_symlink() for name in DATASETS)
    assert _counts(out) == (2, 0, 0, 0)  # the unfinished run's files were removed, as that layout's rollback did
    assert pl.read_parquet(snapshots.state_file(out, "inputs.parquet"))["path"].to_list() == ["a.txt"]
    assert sorted(p.name for p in (out / "_state").iterdir()) == [snapshots.POINTER_NAME]
    assert snapshots.settle_open_run(out, out / "_state", out / "_work") == "rolled back"
    snapshots.open_output(out)  # a second time: nothing to do
    assert _counts(out) == (2, 0, 0, 0)


def test_an_interrupted_migration_is_finished_by_the_next_run(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _earlier_layout(out)

    def killed(out: Path, version: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(snapshots, "flip_current", killed)
    with pytest.raises(KeyboardInterrupt):
        snapshots.open_output(out)
    monkeypatch.undo()
    assert not (out / "articles").exists()  # moved, not yet linked: the corpus is unreadable until the next run
    snapshots.open_output(out)
    assert _counts(out) == (2, 0, 0, 0)
    assert snapshots.state_file(out, "inputs.parquet").exists()


def test_a_plain_dataset_folder_beside_a_snapshot_stops_with_advice(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stage(out, "s0", {"articles": 1})
    commit_run(out, ["s0"], datasets=["articles"])
    (out / "comments").mkdir()
    with pytest.raises(snapshots.OutputLayoutError, match="move those folders out"):
        snapshots.open_output(out)


FIXED = (3, 5, 1, 2)
STEP = (1, 2, 1, 3)


def _committed_states(k_max: int) -> set[tuple[int, ...]]:
    """Row counts after commit k: the first shard plus k shards of STEP rows; each count names k."""
    return {tuple(f + k * s for f, s in zip(FIXED, STEP, strict=True)) for k in range(k_max + 1)}


def test_a_concurrent_reader_sees_only_committed_states(tmp_path: Path) -> None:
    """Issue 8: while commits (and compactions) run, every read of the four datasets is one committed state."""
    out = tmp_path / "out"
    commits = 30
    _stage(out, "first", dict(zip(DATASETS, FIXED, strict=True)))
    commit_run(out, ["first"])
    allowed = _committed_states(commits)
    seen: list[tuple[int, ...]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            while not seen:
                done.wait(0.005)
            for k in range(1, commits + 1):
                _stage(out, f"s{k:02d}", dict(zip(DATASETS, STEP, strict=True)))
                commit_run(out, [f"s{k:02d}"])
                if k % 10 == 0:
                    fc.compact(out)  # through the same commit: a new snapshot with the merged files
        except BaseException as exc:  # handed to the main thread, which fails the test
            errors.append(exc)
        finally:
            done.set()

    failed: list[Exception] = []
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while not done.is_set() or len(seen) < 2:
            try:
                seen.append(_counts(out))
            except (FileNotFoundError, pl.exceptions.ComputeError) as exc:
                failed.append(exc)  # a read slower than two commits: its snapshot is gone, it fails loudly
    finally:
        done.set()
        thread.join()
    assert not errors, errors
    assert len(failed) < len(seen), failed[:3]
    mixed = [s for s in seen if s not in allowed]
    assert not mixed, f"{len(mixed)} of {len(seen)} reads mixed commits, e.g. {mixed[:3]}"
    final = tuple(f + commits * s for f, s in zip(FIXED, STEP, strict=True))
    assert _counts(out) == final
    assert len(set(seen)) >= 2  # the reads did span commits
    print(f"{len(seen)} concurrent reads, {len(set(seen))} distinct committed states, {len(failed)} failed reads")


def test_a_read_before_the_first_commit_never_meets_the_links_the_commit_makes(tmp_path: Path) -> None:
    """Issue 8: a read that resolved 'nothing committed' stays empty while the first commit happens."""
    out = tmp_path / "out"
    roots: dict[str, Any] = dataset_roots(out)
    _stage(out, "s0", {"articles": 1, "rejects": 1})
    commit_run(out, ["s0"])
    assert all(not root.exists() for root in roots.values())
    assert _counts(out) == (1, 0, 0, 1)
    (tmp_path / "plain" / "articles").mkdir(parents=True)  # the earlier layout, not yet migrated
    assert dataset_roots(tmp_path / "plain")["articles"] == tmp_path / "plain" / "articles"


def test_a_read_of_a_snapshot_removed_since_fails_loudly(tmp_path: Path) -> None:
    """Issue 8: a reader two commits behind gets an error, never an empty or partial dataset."""
    out = tmp_path / "out"
    _stage(out, "s0", {"articles": 2, "comments": 1})
    commit_run(out, ["s0"])
    roots = dataset_roots(out)
    for k in range(2):
        _stage(out, f"s{k + 1}", {"articles": 1})
        commit_run(out, [f"s{k + 1}"])
    assert not roots["articles"].exists()
    with pytest.raises(snapshots.SnapshotGoneError, match="read again"):
        read_partitioned(roots["comments"], *DATASETS["comments"])
    assert not list(out.glob(f".{snapshots.SNAPSHOTS}-removed-*"))
