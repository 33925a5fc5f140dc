"""Issue 19: a build that fills its disk fails with one line naming the folder that filled up; the
committed corpus stays readable and unchanged, no temporary file is left behind, and once space is
freed a rerun gives the output of an uninterrupted build.

The disk is a small tmpfs mounted for the test (``mount -t tmpfs``, which needs root or
CAP_SYS_ADMIN: the tests skip, saying so, where mounting is not possible), grown again with
``mount -o remount,size=``. The output is built on it (the build fills it at different stages), and
in the last test Prefect's home (its database and cached results) is on it too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.config import BuildConfig
from tasks.publish import snapshots
from tests.conftest import REPO, SAMPLE
from tests.flows.test_crash_safety import _snapshot

pytestmark = [pytest.mark.slow, pytest.mark.write_disk]

ROOMY = 64 << 20
PAGE = 4096


def _remount(path: Path, size: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True, capture_output=True)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 64 MB at ``tmp_path/disk``; :func:`_remount` resizes it."""
    path = tmp_path / "disk"
    path.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={ROOMY}", "tmpfs", str(path)],
                              capture_output=True, text=True, check=False)
    except FileNotFoundError:
        pytest.skip("no mount command here: a small file system for the disk-full tests cannot be made")
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def _used(path: Path) -> int:
    usage = shutil.disk_usage(path)
    return usage.total - usage.free


def _halves(root: Path) -> tuple[Path, Path]:
    """Two input folders: the first half of the sample pages, and all of them."""
    pages = sorted((SAMPLE / "pages").glob("*.txt"))
    first, every = root / "first", root / "every"
    for folder, chosen in ((first, pages[: len(pages) // 2]), (every, pages)):
        folder.mkdir(parents=True)
        for page in chosen:
            shutil.copy2(page, folder / page.name)
    return first, every


def _build(inputs: Path, out: Path) -> dict:
    from flows.build_corpus import build_corpus

    return build_corpus(BuildConfig(inputs=(str(inputs),), out=out, manifest=SAMPLE / "manifest.csv"))


def _leftovers(out: Path) -> list[Path]:
    """Temporary files of a write that did not finish."""
    return sorted(p for p in out.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name.split("."))


def _assert_same(got: Path, reference: Path) -> None:
    expected = _snapshot(reference)
    actual = _snapshot(got)
    for name, frame in expected.items():
        assert actual[name].drop("fetched_at", strict=False).equals(frame.drop("fetched_at", strict=False)), name


@pytest.mark.parametrize("fraction", [0.15, 0.5, 0.85])
def test_a_full_output_disk_fails_in_one_line_and_a_rerun_completes(
        tmp_path: Path, disk: Path, fraction: float, prefect_server: None) -> None:
    from flows.pipeline import StageFailedError

    first, every = _halves(tmp_path / "in")
    reference = tmp_path / "reference"  # the same two builds, uninterrupted, on a roomy disk
    _build(first, reference)
    _build(every, reference)

    probe = disk / "probe"  # what the second build adds on this file system
    _build(first, probe)
    before = _used(disk)
    _build(every, probe)
    growth = _used(disk) - before
    shutil.rmtree(probe)

    out = disk / "out"
    _build(first, out)
    committed, version = _snapshot(out), snapshots.snapshot_version(out)
    size = (_used(disk) + int(fraction * growth)) // PAGE * PAGE
    _remount(disk, size)
    with pytest.raises(StageFailedError) as failed:
        _build(every, out)
    message = str(failed.value)
    print("the failed build said:", message)  # which stage the disk filled in, shown by pytest -s
    assert "\n" not in message
    assert f"disk full: no space left in {out}" in message, message
    assert snapshots.snapshot_version(out) == version  # the committed corpus: unchanged, readable
    for name, frame in _snapshot(out).items():
        assert frame.equals(committed[name]), name
    assert _leftovers(out) == []

    _remount(disk, ROOMY)  # space freed: the rerun completes with the output of the uninterrupted build
    summary = _build(every, out)
    assert summary["state"] != version
    _assert_same(out, reference)
    assert _leftovers(out) == []
    assert not [p for p in (out / "_work" / "staging").rglob("*") if p.is_file()]
    assert len(list((out / snapshots.SNAPSHOTS).iterdir())) <= 2


def test_a_full_disk_under_the_prefect_home_is_named_and_a_rerun_completes(
        tmp_path: Path, disk: Path, prefect_server: None) -> None:
    reference = tmp_path / "reference"
    _build(SAMPLE / "pages", reference)
    home, out = disk / "prefect-home", disk / "out"
    _remount(disk, 2 << 20)  # less than Prefect's database needs: the build does not start its server there
    env = {k: v for k, v in os.environ.items() if k not in {"PREFECT_API_URL", "PREFECT_HOME"}}
    command = [sys.executable, "-m", "flows.cli", "--prefect-home", str(home), "build", str(SAMPLE / "pages"),
               "--out", str(out), "--manifest", str(SAMPLE / "manifest.csv")]
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("corpus: build failed: disk full"), proc.stderr[-3000:]
    assert str(home) in last, last
    assert not (home / "prefect.db").exists()  # no database half made on the full disk
    assert snapshots.snapshot_version(out) is None  # nothing committed

    _remount(disk, ROOMY)
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _assert_same(out, reference)
    assert _leftovers(out) == []
