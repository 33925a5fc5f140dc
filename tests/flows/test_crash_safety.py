"""Issue 8: a build killed at any moment and run again gives the output of an uninterrupted build.

While the killed builds and their re-runs go on, a reader polls the output: every read sees either
nothing committed yet or the whole corpus, never a part of a run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from schemas import OUTPUT_DATASETS as DATASETS
from tasks.publish.snapshots import LOCK_NAME, OutputLockedError, acquire_lock, release_lock
from tasks.publish.write import read_partitioned, scan_corpus
from tests.conftest import REPO, SAMPLE

KILL_POINTS = int(os.environ.get("CORPUSFLOW_KILL_POINTS", "10"))


def _make_input(root: Path, copies: int) -> Path:
    """Sample pages, each in several variants (an added closing paragraph), plus a few broken files."""
    src = root / "in"
    src.mkdir()
    for page in sorted((SAMPLE / "pages").glob("*.txt")):
        text = page.read_text(encoding="utf-8")
        for i in range(copies):
            variant = text if i == 0 else text + f"\n\nAddendum {i}: this page was saved again on day {i}.\n"
            (src / f"{page.stem}-{i:03d}.txt").write_text(variant, encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return src


def _snapshot(out: Path) -> dict[str, pl.DataFrame]:
    snap = {}
    for name, (schema, part) in DATASETS.items():
        frame = read_partitioned(out / name, schema, part).collect().drop("ingested_at", strict=False)
        frame = frame.with_columns(pl.col("source_path").str.split("/").list.last())
        snap[name] = frame.sort(frame.columns[:4])
    return snap


def _diff(a: pl.DataFrame, b: pl.DataFrame) -> list[tuple[object, ...]]:
    keys = [c for c in ("source_path", "position", "reason", "kind", "language") if c in a.columns]
    return a.select(keys).join(b.select(keys), on=keys, how="anti", nulls_equal=True).rows()[:10]


def _counts(out: Path) -> tuple[int, ...]:
    frames = scan_corpus(out)  # the committed snapshot, resolved once for the four datasets
    return tuple(int(frames[name].select(pl.len()).collect().item()) for name in DATASETS)


class _Reader(threading.Thread):
    """Reads the four datasets of ``self.out`` over and over; records each read's row counts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.out: Path | None = None
        self.seen: list[tuple[int, ...]] = []
        self.errors: list[Exception] = []
        self.stop = threading.Event()
        self.idle = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            out = self.out
            if out is None:
                self.idle.set()
                time.sleep(0.05)
                continue
            self.idle.clear()
            try:
                self.seen.append(_counts(out))
            except Exception as exc:  # a read that failed is a finding too: reported by the test
                self.errors.append(exc)
            time.sleep(0.02)  # leave the builds their share of the CPU


def _corpus(args: list[str], env: dict[str, str], **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, **kw)


@pytest.fixture(scope="module")
def api_env(prefect_server: None) -> dict[str, str]:
    """Child processes talk to the session's test server instead of starting their own."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    return env


@pytest.mark.slow
@pytest.mark.write_disk
def test_killed_builds_resume_to_the_uninterrupted_result(tmp_path: Path, api_env: dict[str, str]) -> None:
    src = _make_input(tmp_path, copies=6)
    n_files = len(list(src.iterdir()))
    args = [str(src), "--shard-size", "8", "--manifest", str(SAMPLE / "manifest.csv")]
    reference = tmp_path / "reference"
    t0 = time.monotonic()
    proc = _corpus(["build", *args, "--out", str(reference)], api_env)
    _, err = proc.communicate(timeout=600)
    full = time.monotonic() - t0
    assert proc.returncode == 0, err.decode()[-2000:]
    expected = _snapshot(reference)
    assert sum(expected[n].height for n in ("articles", "duplicates", "rejects")) == n_files

    committed = tuple(expected[name].height for name in DATASETS)
    reader = _Reader()
    reader.start()
    rng = random.Random(8)
    survived = 0
    for k in range(KILL_POINTS):
        out = tmp_path / f"killed-{k}"
        reader.out = out
        proc = _corpus(["build", *args, "--out", str(out)], api_env)
        time.sleep(rng.uniform(0.5, full))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        rounds = 0
        while True:  # run again, as often as it takes, to completion
            rerun = _corpus(["build", *args, "--out", str(out)], api_env)
            _, err = rerun.communicate(timeout=600)
            rounds += 1
            if rerun.returncode == 0 or rounds >= 3:
                break
        assert rerun.returncode == 0, err.decode()[-2000:]
        got = _snapshot(out)
        for name in DATASETS:
            assert got[name].equals(expected[name]), (
                f"kill point {k}: {name} differs: only expected {_diff(expected[name], got[name])}, "
                f"only got {_diff(got[name], expected[name])}")
        survived += 1
        reader.out = None
        reader.idle.wait(timeout=60)
        shutil.rmtree(out)
    reader.stop.set()
    reader.join(timeout=60)
    assert survived == KILL_POINTS
    assert reader.seen
    assert not reader.errors, reader.errors[:3]
    partial = [c for c in reader.seen if c not in {committed, (0, 0, 0, 0)}]
    assert not partial, f"{len(partial)} of {len(reader.seen)} reads saw part of a run: {partial[:3]}"
    print(f"kill points survived: {survived}; concurrent reads checked: {len(reader.seen)}")


@pytest.mark.write_disk
def test_a_live_lock_refuses_a_second_build_with_a_clear_message(tmp_path: Path) -> None:
    out = tmp_path / "out"
    acquire_lock(out)
    try:
        holder = json.loads((out / LOCK_NAME).read_text())
        holder["host"] = "another-host"
        (out / LOCK_NAME).write_text(json.dumps(holder))
        with pytest.raises(OutputLockedError, match="is being built by process"):
            acquire_lock(out)
    finally:
        (out / LOCK_NAME).unlink()


@pytest.mark.write_disk
def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / LOCK_NAME).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": 0}))
    acquire_lock(out)
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == os.getpid()
    release_lock(out)
    assert not (out / LOCK_NAME).exists()
