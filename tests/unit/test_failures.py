"""Issue 19: failures said in one line: the failed stage and its shard or partition, the original error, and
a full disk with the folder that filled up; progress lines of cached stages."""

from __future__ import annotations

import argparse
import errno
import pickle
from pathlib import Path

import pytest

from flows.cli import failure_line
from flows.pipeline import StageFailedError, part_label, shard_label
from flows.progress import progress_line
from flows.runtime import (
    DiskFullError,
    check_prefect_home_space,
    describe_disk_full,
    disk_full_error,
    disk_of,
    is_disk_full,
)


def test_labels_count_from_one() -> None:
    assert shard_label(2, 8) == "shard 3/8"
    assert part_label(1, 4) == "partition 2/4"


def test_a_stage_failure_names_stage_shard_and_the_original_error() -> None:
    error = FileExistsError(errno.EEXIST, "File exists", "/out/_work/dedup")
    message = str(StageFailedError("dedup-keys", "shard 3/8", error, more=2))
    assert message == ("dedup-keys [shard 3/8] failed: FileExistsError: [Errno 17] File exists: "
                       "'/out/_work/dedup' (and 2 more task runs failed)")
    assert str(StageFailedError("plan", None, ValueError("bad manifest"))) == "plan failed: ValueError: bad manifest"


def test_full_disks_are_told_by_errno_or_by_message() -> None:
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(OSError("Error writing bytes to file. Detail: [errno 28] No space left on device"))
    assert is_disk_full(RuntimeError("(sqlite3.OperationalError) database or disk is full"))
    try:
        try:
            raise OSError(errno.EDQUOT, "Disk quota exceeded")
        except OSError as inner:
            raise RuntimeError("write failed") from inner
    except RuntimeError as outer:
        assert is_disk_full(outer)
    assert not is_disk_full(FileExistsError(errno.EEXIST, "File exists"))
    assert describe_disk_full(ValueError("no")) is None


def test_the_disk_full_error_names_the_folder_and_crosses_processes(tmp_path: Path) -> None:
    error = disk_full_error(tmp_path / "out" / "not-made-yet")
    mount, _ = disk_of(tmp_path)
    assert str(error).startswith(f"disk full: no space left in {tmp_path / 'out' / 'not-made-yet'} "
                                 f"(file system mounted at {mount}, ")
    assert error.errno == errno.ENOSPC
    again = pickle.loads(pickle.dumps(error))  # a worker process hands it to the flow process
    assert isinstance(again, DiskFullError) and str(again) == str(error) and again.folder == error.folder
    wrapped = StageFailedError("write", "shard 1/2", again)
    assert str(wrapped) == f"write [shard 1/2] failed: {error}"


def test_the_prefect_home_needs_room_for_its_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with pytest.raises(DiskFullError, match=f"for the Prefect home {tmp_path}"):
        check_prefect_home_space(tmp_path, minimum=1 << 62)
    check_prefect_home_space(tmp_path, minimum=1)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")  # its server's disk, not this one
    check_prefect_home_space(tmp_path, minimum=1 << 62)


def test_the_cli_line_of_a_failed_stage_is_its_message(tmp_path: Path) -> None:
    args = argparse.Namespace(command="build", out=tmp_path)
    error = StageFailedError("parse", "shard 1/1", KeyError("title"))
    assert failure_line(args, error) == "parse [shard 1/1] failed: KeyError: 'title'"
    assert failure_line(args, ValueError("x")) == "build failed: ValueError: x"


@pytest.mark.parametrize(("done", "cached", "expected"), [
    (3, 3, "parse: 3/8 shards, 1500/4000 pages, cached"),
    (3, 0, "parse: 3/8 shards, 1500/4000 pages, 250 pages/s, ETA 10s"),
    (3, 1, "parse: 3/8 shards (1 cached), 1500/4000 pages, 250 pages/s, ETA 10s"),
])
def test_progress_lines_say_cached_instead_of_a_rate(done: int, cached: int, expected: str) -> None:
    assert progress_line("parse", done=done, shards=8, pages=1500, total=4000, cached=cached, rate=250.0) == expected
