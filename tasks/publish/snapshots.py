"""The output folder and the commit point of a run: the only place a run becomes visible.

- Lock: one build or compaction writes into an output folder at a time (``acquire_lock``); a lock
  whose process is gone on this host is taken over.
- Run pointer: ``_state/CURRENT.json`` says which run is open or committed (``read_pointer``,
  ``write_pointer``); ``settle_open_run`` cleans up after a run that was killed.
- Snapshots: every commit (a build's, a compaction's) links the files it keeps and adds into a new
  ``_snapshots/VERSION`` folder, fsyncs it, and makes it current at once by renaming the ``_current``
  link (``commit_snapshot``, ``flip_current``: the commit point); old snapshots are pruned.
- Layout: ``migrate_layout`` turns an output folder of the older flat layout into snapshots;
  ``check_schema_versions`` refuses to add to datasets written with another schema version.

One of the modules that touch disk (see ``tasks.io``).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from schemas import OUTPUT_DATASETS
from schemas.common import SCHEMA_VERSION
from tasks.io import read_json, write_json

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------
# Output folder: lock, state versions and the commit point of a run
# ------------------------------------------------------------------------------------------------

LOCK_NAME = ".corpusflow.lock"


POINTER_NAME = "CURRENT.json"


class OutputLockedError(RuntimeError):
    """Another live build holds the output folder."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire_lock(out: Path) -> Path:
    """Take the output folder's lock, or raise :class:`OutputLockedError` naming its holder.

    A lock left by a process that no longer runs on this host is stale and taken over.
    """
    out.mkdir(parents=True, exist_ok=True)
    lock = out / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = json.loads(lock.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                holder = {}
            same_host = holder.get("host") == me["host"]
            if holder and (not same_host or _pid_alive(int(holder.get("pid", -1)))):
                since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("started", 0)))
                raise OutputLockedError(
                    f"{out} is being built by process {holder.get('pid')} on {holder.get('host')} since {since}; "
                    f"wait for it to finish (or remove {lock} if that process is gone)"
                ) from None
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        return lock
    raise OutputLockedError(f"could not take the lock {lock}")


def release_lock(out: Path) -> None:
    """Release the lock if this process holds it."""
    lock = out / LOCK_NAME
    try:
        holder = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if holder.get("pid") == os.getpid():
        lock.unlink(missing_ok=True)


def read_pointer(state_dir: Path) -> dict[str, Any]:
    """The output's run record: ``{"version": snapshot the run started from, "pending": [shard ids] or None}``.

    ``pending`` is set while a run is open (from its plan to its commit). The committed version
    itself is the target of ``OUT/_current`` (:func:`snapshot_version`); ``version`` here is the
    one the open run started from, so a run that flipped ``_current`` but stopped before clearing
    ``pending`` is told apart from one that stopped before its commit.
    """
    path = state_dir / POINTER_NAME
    if not path.exists():
        return {"version": None, "pending": None}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def write_pointer(state_dir: Path, pointer: dict[str, Any]) -> None:
    """Replace the run record atomically (opens a run with its pending shards, or closes it)."""
    write_json(pointer, state_dir / POINTER_NAME)


# ------------------------------------------------------------------------------------------------
# Snapshots: every commit (a build's, a compaction's) makes one new snapshot current at once
# ------------------------------------------------------------------------------------------------

SNAPSHOTS = "_snapshots"


CURRENT_LINK = "_current"


SNAPSHOT_STATE = "_state"


SNAPSHOT_INFO = "SNAPSHOT.json"


DATASET_NAMES = tuple(OUTPUT_DATASETS)


def snapshot_version(out: Path) -> str | None:
    """The committed version of ``out``: the snapshot ``OUT/_current`` points to (None before any commit)."""
    try:
        target = os.readlink(out / CURRENT_LINK)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # _current exists but is not a symbolic link
        if exc.errno == errno.EINVAL:
            return None
        raise
    return Path(target).name


def current_snapshot(out: Path) -> Path | None:
    """The committed snapshot folder ``OUT/_snapshots/<version>``, resolved once (None before any commit)."""
    version = snapshot_version(out)
    return out / SNAPSHOTS / version if version else None


class SnapshotGoneError(FileNotFoundError):
    """A read resolved a snapshot that later commits have removed since; read again."""


def check_snapshot_kept(root: Path) -> None:
    """Raise :class:`SnapshotGoneError` when ``root`` lies in a snapshot folder that is gone.

    Commits remove a snapshot by one rename before deleting it, so a read that checks this after
    listing its files either listed the whole snapshot or fails: it never reads part of one.
    """
    for parent in root.parents:
        if parent.parent.name == SNAPSHOTS and parent.name.startswith("v-"):
            if not parent.is_dir():
                raise SnapshotGoneError(f"the snapshot {parent} was removed by later commits; read again")
            return


def state_file(out: Path, name: str) -> Path:
    """Path of a build state file in the committed snapshot (a missing path when none is committed)."""
    snap = current_snapshot(out)
    return (snap if snap is not None else out / SNAPSHOTS / "none") / SNAPSHOT_STATE / name


def _new_version(out: Path) -> str:
    """A snapshot name not taken yet: ``v-`` and the UTC time to the microsecond."""
    taken = {p.name for p in (out / SNAPSHOTS).iterdir()} if (out / SNAPSHOTS).is_dir() else set()
    version = candidate = f"v-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    n = 0
    while candidate in taken:
        n += 1
        candidate = f"{version}-{n}"
    return candidate


def _link(src: Path, dest: Path) -> bool:
    """Hard-link ``src`` at ``dest``; copy it where the file system has no hard links (then return True)."""
    try:
        os.link(src, dest)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        shutil.copy2(src, dest)
        return True
    return False


def _link_tree(src: Path, dest: Path, *, skip: Callable[[str], bool]) -> tuple[int, list[Path]]:
    """Hard-link every file under ``src`` to the same place under ``dest``, but those ``skip`` names; return
    their count and the files that had to be copied (a file system without hard links)."""
    files, copied = 0, list[Path]()
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(src)
        for name in sorted(filenames):
            rel = (rel_dir / name).as_posix()
            if rel == SNAPSHOT_INFO or skip(rel):
                continue
            (dest / rel_dir).mkdir(parents=True, exist_ok=True)
            if _link(Path(dirpath) / name, dest / rel):
                copied.append(dest / rel)
            files += 1
    return files, copied


def fsync_path(path: Path) -> None:
    """Flush a file's data, or a folder's entries, from the page cache to the disk (``fsync``)."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_snapshot(snapshot: Path, added: Iterable[Path]) -> tuple[int, int]:
    """Flush a new snapshot to the disk before it becomes current; return (files, folders) flushed.

    The files a commit adds (``added``: this run's staged dataset files and build state, by their
    hard links in the snapshot, and any file a file system without hard links made a copy of) have
    their data flushed, then every folder of the snapshot (its
    entries: the hard links, the sub-folders), then ``_snapshots/`` (the entry of the snapshot).
    Files linked from the snapshot before were flushed by the commit that added them.
    """
    files = folders = 0
    for path in added:
        fsync_path(path)
        files += 1
    for dirpath, _, _ in os.walk(snapshot):
        fsync_path(Path(dirpath))
        folders += 1
    fsync_path(snapshot.parent)
    fsync_path(snapshot.parent.parent)  # the entry of _snapshots/ itself, new at the first commit
    return files, folders + 2


def flip_current(out: Path, version: str) -> None:
    """Point ``OUT/_current`` at snapshot ``version`` in one rename: the commit point of the datasets and state.

    ``OUT`` is flushed after the rename, so the commit survives a power loss once this returns;
    before, the old ``_current`` or the new one is on the disk, never a mix (the rename is atomic).
    """
    tmp = out / f".{CURRENT_LINK}.{version}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(f"{SNAPSHOTS}/{version}", tmp)
    os.replace(tmp, out / CURRENT_LINK)
    fsync_path(out)


def link_datasets(out: Path, datasets: Iterable[str] = DATASET_NAMES) -> None:
    """Make the fixed links ``OUT/<dataset> -> _current/<dataset>`` the users read through (once)."""
    made = False
    for name in datasets:
        link = out / name
        if not link.is_symlink():
            os.symlink(f"{CURRENT_LINK}/{name}", link)
            made = True
    if made:
        fsync_path(out)


def commit_snapshot(out: Path, *, add: Mapping[str, Path], drop: Callable[[str], bool],
                    datasets: Iterable[str] = DATASET_NAMES) -> str:
    """Build the next snapshot from the current one and make it current; return its version.

    The next snapshot holds a hard link of every file of the current one (datasets and build
    state) except those ``drop`` names (paths relative to the snapshot, ``articles/language=en/...``)
    or ``add`` replaces, plus a hard link of each file of ``add`` (relative path -> source file on
    the same file system). No data is copied (but where the file system has no hard links) and no
    file of a snapshot is ever changed, so a reader holding the current snapshot keeps a
    consistent view; a folder left without files is not carried over. Until :func:`flip_current` the new
    folder is invisible; a build stopped before the flip leaves the old snapshot current and its
    unfinished folder is removed by the next :func:`open_output`. The new snapshot is flushed to the
    disk before the flip (:func:`sync_snapshot`) and ``OUT`` after it, so a power loss at any moment
    leaves the previous snapshot current or the new one whole, never a torn one.
    """
    names = list(datasets)
    old_version = snapshot_version(out)
    version = _new_version(out)
    new = out / SNAPSHOTS / version
    new.mkdir(parents=True)
    started = time.perf_counter()
    files, copied = 0, list[Path]()
    if old_version is not None:
        files, copied = _link_tree(out / SNAPSHOTS / old_version, new, skip=lambda rel: rel in add or drop(rel))
    for rel, src in sorted(add.items()):
        (new / rel).parent.mkdir(parents=True, exist_ok=True)
        _link(src, new / rel)
        files += 1
    for name in names:
        (new / name).mkdir(exist_ok=True)
    write_json({"version": version, "previous": old_version, "files": files, "added": len(add),
                "created_at": datetime.now(UTC).isoformat(), "link_seconds": round(time.perf_counter() - started, 4)},
               new / SNAPSHOT_INFO)
    started = time.perf_counter()
    synced = sync_snapshot(new, [*(new / rel for rel in sorted(add)), *copied, new / SNAPSHOT_INFO])
    logger.info("commit %s: %d new files and %d folders flushed to disk in %.3f s", version, *synced,
                time.perf_counter() - started)
    flip_current(out, version)
    link_datasets(out, names)
    prune_snapshots(out)
    return version


def prune_snapshots(out: Path) -> list[str]:
    """Remove every snapshot but the current one and the one before it; return the versions removed.

    The previous snapshot stays until the next commit, so a reader that resolved it just before a
    commit can finish its read. Unfinished snapshots of stopped commits go too.
    """
    root = out / SNAPSHOTS
    if not root.is_dir():
        return []
    current = snapshot_version(out)
    keep = {current} if current else set()
    info = root / str(current) / SNAPSHOT_INFO
    if current and info.exists():
        keep.add(str(read_json(info).get("previous")))
    removed = []
    for child in sorted(root.iterdir()):
        if child.name not in keep:
            trash = out / f".{SNAPSHOTS}-removed-{child.name}"
            shutil.rmtree(trash, ignore_errors=True)
            os.rename(child, trash)  # at once: a reader still on it fails loudly, never reads half of it
            shutil.rmtree(trash, ignore_errors=True)
            removed.append(child.name)
    for trash in out.glob(f".{SNAPSHOTS}-removed-*"):
        shutil.rmtree(trash, ignore_errors=True)
    for tmp in out.glob(f".{CURRENT_LINK}.*.tmp"):
        tmp.unlink(missing_ok=True)
    return removed


class OutputLayoutError(RuntimeError):
    """The output folder is in a state this corpusflow cannot read or repair by itself."""


def migrate_layout(out: Path, datasets: Iterable[str] = DATASET_NAMES) -> str | None:
    """Move an output folder of the earlier layout (datasets as plain folders) into a first snapshot.

    The earlier layout kept ``OUT/<dataset>/`` as folders and the build state in
    ``OUT/_state/<version>/``. Both move, by rename, into ``OUT/_snapshots/<version>/``, the
    ``_current`` link is made and the dataset folders become links. Files of a run that stopped
    before its commit are removed first, as that layout's rollback did. Repeating a migration that
    was interrupted finishes it. Returns the version made current, or None when nothing was to move.

    Raises:
        OutputLayoutError: ``OUT/_current`` exists and a dataset is a plain folder beside it.
    """
    names = list(datasets)
    plain = [n for n in names if (out / n).is_dir() and not (out / n).is_symlink()]
    if snapshot_version(out) is not None:
        if plain:
            raise OutputLayoutError(
                f"{out} has a committed snapshot ({out / CURRENT_LINK}) and plain dataset folders "
                f"{', '.join(plain)}; move those folders out of {out} (they are not part of the corpus) "
                f"and run again")
        return None
    state_dir = out / "_state"
    pointer = read_pointer(state_dir)
    version = pointer.get("version") or "v-00000000T000000000000"
    new = out / SNAPSHOTS / version
    if not plain and not new.is_dir():
        return None
    if pointer.get("pending"):
        removed = _remove_shard_files(out, pointer["pending"], plain)
        logger.warning("rolled back %d files of a run that did not finish", removed)
    new.mkdir(parents=True, exist_ok=True)
    for name in plain:
        os.rename(out / name, new / name)
    if (state_dir / version).is_dir() and not (new / SNAPSHOT_STATE).exists():
        os.rename(state_dir / version, new / SNAPSHOT_STATE)
    for name in names:
        (new / name).mkdir(exist_ok=True)
    write_json({"version": version, "previous": None, "migrated_at": datetime.now(UTC).isoformat()},
               new / SNAPSHOT_INFO)
    flip_current(out, version)
    link_datasets(out, names)
    for child in state_dir.iterdir() if state_dir.is_dir() else []:
        if child.is_dir() and child.name.startswith("v-"):
            shutil.rmtree(child, ignore_errors=True)
    logger.warning("moved the datasets and state of %s into the snapshot %s", out, new)
    return version


def open_output(out: Path, datasets: Iterable[str] = DATASET_NAMES) -> None:
    """Make ``out`` ready for a commit (hold its lock): migrate an earlier layout, drop unfinished snapshots."""
    migrate_layout(out, datasets)
    prune_snapshots(out)


def settle_open_run(out: Path, state_dir: Path, work_dir: Path) -> str:
    """Close the record of a run that stopped before it finished; return ``none``, ``committed`` or ``rolled back``.

    A run whose snapshot became current (``_current`` moved on from the version the run started
    from) committed: only its record is closed. Otherwise its shards' counts are removed so their
    write step runs again; what it staged is removed in either case (the snapshots never saw it).
    """
    shutil.rmtree(work_dir / "staging", ignore_errors=True)
    pointer = read_pointer(state_dir)
    pending = pointer.get("pending")
    if not pending:
        return "none"
    current = snapshot_version(out)
    if current is not None and current != pointer.get("version"):
        outcome = "committed"
    else:
        for sid in pending:
            (work_dir / "counts" / f"{sid}.json").unlink(missing_ok=True)
        outcome = "rolled back"
    write_pointer(state_dir, {"version": current, "pending": None})
    return outcome


def _remove_shard_files(out: Path, shard_ids: Iterable[str], datasets: Iterable[str]) -> int:
    """Delete the dataset files of the given shards from plain dataset folders (the earlier layout's rollback)."""
    removed = 0
    names = list(datasets)
    for sid in shard_ids:
        for name in names:
            for path in (out / name).rglob(f"part-{sid}-*.parquet"):
                path.unlink()
                removed += 1
    return removed


class SchemaVersionError(RuntimeError):
    """The output folder holds datasets written with another schema version."""


def check_schema_versions(out: Path, datasets: Iterable[str]) -> None:
    """Raise :class:`SchemaVersionError` when a dataset file of ``out`` has another schema version.

    A build never adds files of one schema version to a dataset written with another, so a reader
    never meets a silent mix of schemas. The committed snapshot is read (``out`` itself before any commit).
    """
    snap = current_snapshot(out) or out
    for name in datasets:
        seen: set[str] = set()
        for path in sorted((snap / name).rglob("*.parquet")) if (snap / name).is_dir() else []:
            meta = pq.read_schema(path).metadata or {}
            seen.add(meta.get(b"corpusflow.schema_version", b"unknown").decode())
        other = sorted(seen - {SCHEMA_VERSION})
        if other:
            raise SchemaVersionError(
                f"{out / name} holds files of schema version {', '.join(other)}; this corpusflow writes version "
                f"{SCHEMA_VERSION}. Build into a new output folder (or rebuild this one from its inputs); the "
                f"columns of each version are in docs/DATA_DICTIONARY.md"
            )
