"""Issue 19: inputs read again never double a row, whatever their path, name or modification time.

Each test builds a drop folder, changes it the way a re-sync does (touch, a copy under a new name,
a copy of the folder, an rsync-style rewrite, a re-scrape with changed content) and builds it again
into the same output: once straight through, and twice more from a copy of the first output, with
the second build stopped just before its commit point and just after it, then run again. The
Parquet is read back each time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from schemas import OUTPUT_DATASETS as DATASETS
from tasks.publish import snapshots
from tasks.publish.write import read_partitioned
from tests.conftest import SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.write_disk, pytest.mark.usefixtures("prefect_server")]

SOUTHFRONT = "southfront-000.txt"  # 18 comments
EARLY, LATE = "blogs-discovermagazine-com-dragnett162.txt", "blogs-discovermagazine-com-dragnett177.txt"
FIRST_PAGES = (SOUTHFRONT, EARLY, "lemonde-fr-moz-lemonde-1.txt", "exxpress-at-zaehne.txt")


def _build(drop: Path, out: Path) -> dict:
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    return build_corpus(BuildConfig(inputs=(str(drop),), out=out, manifest=SAMPLE / "manifest.csv", shard_size=3))


def _read(out: Path, name: str) -> pl.DataFrame:
    schema, partition = DATASETS[name]
    return read_partitioned(out / name, schema, partition).collect().drop("ingested_at", strict=False)


def _frames(out: Path) -> dict[str, pl.DataFrame]:
    return {name: (f := _read(out, name)).sort(f.select(pl.all().exclude(pl.List(pl.Struct))).columns)
            for name in DATASETS}


def _later(path: Path, seconds: int = 600) -> None:
    """A new modification time, the content unchanged (``touch``)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def _rewrite(path: Path, data: bytes, *, keep_mtime: bool) -> None:
    """What rsync does: the bytes to a temporary file beside it, renamed over the path (a new inode)."""
    st = path.stat()
    tmp = path.with_name(f".{path.name}.XXXXXX")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    if keep_mtime:  # rsync -t / -a
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        _later(path)


def _touch(drop: Path) -> int:
    _later(drop / "a" / SOUTHFRONT)
    _later(drop / "a" / EARLY)
    return 2


def _copy_under_new_name(drop: Path) -> int:
    shutil.copy2(drop / "a" / SOUTHFRONT, drop / "a" / "southfront-000 (copy).txt")
    return 1


def _copy_folder(drop: Path) -> int:
    subprocess.run(["cp", "-rp", str(drop / "a"), str(drop / "b")], check=True)
    return len(FIRST_PAGES)


def _rsync(drop: Path) -> int:
    for name, keep in ((SOUTHFRONT, False), (EARLY, True), ("lemonde-fr-moz-lemonde-1.txt", False)):
        _rewrite(drop / "a" / name, (drop / "a" / name).read_bytes(), keep_mtime=keep)
    return 2  # the file whose modification time was kept is skipped as already built


def _rescrape(drop: Path) -> int:
    """The later fetch of the blog post (more comments) saved over the earlier one, same name and URL."""
    _rewrite(drop / "a" / EARLY, (SAMPLE / "pages" / LATE).read_bytes(), keep_mtime=False)
    return 1


CHANGES: dict[str, Callable[[Path], int]] = {
    "touch": _touch, "copy": _copy_under_new_name, "cp -rp": _copy_folder, "rsync": _rsync, "rescrape": _rescrape}


def _stop(*_: object) -> None:
    raise RuntimeError("stopped at the commit point")


def _check(summary: dict, before: dict[str, pl.DataFrame], after: dict[str, pl.DataFrame], *, reread: int,
           change: str) -> None:
    """Nothing doubled: the articles stay, every page read again is one duplicates row, no comment twice."""
    assert summary["pages_in"] == reread
    assert summary["pages_in"] == (summary["articles"] + summary["duplicates"] + summary["rejects"]
                                   + summary["filtered_language"])
    assert summary["articles"] == 0
    assert after["articles"].equals(before["articles"]), change
    assert after["articles"]["article_id"].is_unique().all()
    assert after["rejects"].equals(before["rejects"])
    new_dups = after["duplicates"].join(before["duplicates"], on=after["duplicates"].columns, how="anti",
                                        nulls_equal=True)
    assert new_dups.height == summary["duplicates"] == reread
    assert new_dups["duplicate_of"].is_in(before["articles"]["article_id"].implode()).all()
    comments = after["comments"]
    assert comments["comment_id"].is_unique().all(), change
    assert comments["article_id"].is_in(before["articles"]["article_id"].implode()).all()
    if change != "rescrape":
        assert comments.equals(before["comments"]), change
        assert summary["comments"] == 0
        return
    # The later fetch folds into the article of the earlier one; its new comments join that thread.
    early = before["articles"].filter(pl.col("source_path").str.ends_with(EARLY)).row(0, named=True)
    assert new_dups["kind"].to_list() == ["rescrape"]
    assert new_dups["duplicate_of"].to_list() == [early["article_id"]]
    added = comments.join(before["comments"], on="comment_id", how="anti")
    assert added.height == summary["comments"] > 0
    assert added["article_id"].unique().to_list() == [early["article_id"]]
    thread = comments.filter(pl.col("article_id") == early["article_id"])
    assert thread.select("author", "text").is_duplicated().sum() == 0
    assert thread.height >= 16  # the later fetch's comments, none lost (as when both are built at once)


@pytest.mark.parametrize("change", list(CHANGES))
def test_inputs_read_again_never_double_a_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """Issue 19: a re-synced drop folder built again, straight through and across a stop at either side of
    its commit point, gives articles once, a duplicates row per page read again, and each comment once."""
    drop = tmp_path / "drop"
    (drop / "a").mkdir(parents=True)
    for name in FIRST_PAGES:
        shutil.copy2(SAMPLE / "pages" / name, drop / "a" / name)
    out = tmp_path / "out"
    first = _build(drop, out)
    assert first["articles"] == len(FIRST_PAGES)
    outs = {"straight": out, "stopped before the commit": tmp_path / "before", "stopped after it": tmp_path / "after"}
    for name in ("stopped before the commit", "stopped after it"):
        shutil.copytree(out, outs[name], symlinks=True)
    before = _frames(out)
    reread = CHANGES[change](drop)

    summary = _build(drop, out)
    expected = _frames(out)
    _check(summary, before, expected, reread=reread, change=change)
    assert summary["already_built"] == summary["files"] - reread

    real_flip, real_pointer = snapshots.flip_current, snapshots.write_pointer
    monkeypatch.setattr(snapshots, "flip_current", _stop)
    with pytest.raises(RuntimeError, match="commit point"):
        _build(drop, outs["stopped before the commit"])
    monkeypatch.setattr(snapshots, "flip_current", real_flip)
    rolled_back = _frames(outs["stopped before the commit"])
    assert all(rolled_back[name].equals(before[name]) for name in DATASETS)
    rerun = _build(drop, outs["stopped before the commit"])
    _check(rerun, before, _frames(outs["stopped before the commit"]), reread=reread, change=change)

    monkeypatch.setattr(snapshots, "write_pointer",
                        lambda state, pointer: real_pointer(state, pointer) if pointer["pending"] else _stop())
    with pytest.raises(RuntimeError, match="commit point"):
        _build(drop, outs["stopped after it"])
    monkeypatch.setattr(snapshots, "write_pointer", real_pointer)
    rerun = _build(drop, outs["stopped after it"])
    assert rerun["pages_in"] == 0  # the stopped run had committed: nothing is read a third time

    for how, folder in outs.items():
        got = _frames(folder)
        for name in DATASETS:
            assert got[name].equals(expected[name]), f"{change}, {how}: {name} differs from the straight build"
