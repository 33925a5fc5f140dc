"""Disk access for stage files and inputs: the only module (with ``tasks/publish/write.py``) that touches disk.

- Inputs: expand files, folders and globs into a sorted list of input files; read a file's
  bytes with caps on compressed and decompressed size, so a gzip bomb or a huge file cannot
  exhaust memory.
- Stage files: ``read_batch`` / ``write_batch`` read and write one Parquet file per shard
  and stage, conformed to a declared schema; writes go to a temporary file renamed into place,
  so a reader never sees half a file.
"""

from __future__ import annotations

import errno
import glob
import gzip
import itertools
import json
import logging
import os
import secrets
import shutil
import socket
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from schemas import OUTPUT_DATASETS
from schemas.common import SCHEMA_VERSION
from schemas.dedup import INDEX_META_NAME, DedupIndexMeta
from schemas.pages import RAW_RECORDS
from schemas.validate import SchemaMismatchError, conform, empty_frame, polars_schema
from tasks.ingest.readers import (
    InputFile,
    error_record,
    input_kind,
    parse_manifest,
    records_from_bytes,
    warc_records,
)

logger = logging.getLogger(__name__)

PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
"""Stage files: on a shard of 500 generated text pages, zstd 3 wrote 0.76 MB in 13 ms; zstd 1 took as long for
2.4 MB, lz4 as long for 4.2 MB; uncompressed took 4 ms for 6.6 MB (and a later stage reads each file again)."""


class InputTooLargeError(ValueError):
    """An input file, or its decompressed content, is over the configured cap."""


class BadCompressionError(ValueError):
    """A ``.gz`` input is truncated or not gzip at all."""


def _is_within(path: Path, roots: Sequence[Path]) -> bool:
    real = path.resolve()
    return any(real == root or root in real.parents for root in roots)


def expand_inputs(inputs: Iterable[str], *, follow_symlinks: bool = False) -> tuple[list[InputFile], list[str]]:
    """Expand files, folders (recursively) and glob patterns into input files.

    Returns the sorted, de-duplicated input files and the list of given inputs that matched
    nothing. Files inside folders are kept when :func:`input_kind` knows them; files named
    explicitly are kept whatever their name (an unknown kind is rejected later, with its reason).
    Symbolic links that lead outside the given roots are skipped unless ``follow_symlinks``.
    """
    found: dict[str, InputFile] = {}
    unmatched: list[str] = []
    for given in inputs:
        paths: list[Path]
        if any(ch in given for ch in "*?[") and not Path(given).exists():
            paths = [Path(p) for p in sorted(glob.glob(given, recursive=True))]
        else:
            paths = [Path(given)]
        if not paths or not any(p.exists() for p in paths):
            unmatched.append(given)
            continue
        for path in paths:
            if path.is_dir():
                root = path.resolve()
                for dirpath, dirnames, filenames in os.walk(path, followlinks=follow_symlinks):
                    dirnames.sort()
                    for name in sorted(filenames):
                        child = Path(dirpath) / name
                        if input_kind(name) is None or name.startswith("."):
                            continue
                        if child.is_symlink() and not follow_symlinks and not _is_within(child, [root]):
                            continue
                        _add(found, child)
            elif path.is_file():
                _add(found, path)
    return [found[k] for k in sorted(found)], unmatched


def _add(found: dict[str, InputFile], path: Path) -> None:
    st = path.stat()
    found[str(path)] = InputFile(str(path), st.st_size, st.st_mtime_ns)


def read_input_bytes(path: str, *, max_bytes: int) -> bytes:
    """Read an input file, gunzipping ``.gz``; raise when over ``max_bytes`` or corrupt.

    Raises:
        InputTooLargeError: the file or its decompressed content exceeds ``max_bytes``.
        BadCompressionError: a ``.gz`` file is truncated or not gzip.
    """
    size = os.stat(path).st_size
    if size > max_bytes:
        raise InputTooLargeError(f"file is {size:,} bytes, over the cap of {max_bytes:,}")
    if not path.lower().endswith(".gz"):
        with open(path, "rb", buffering=0) as raw:  # one unbuffered read of the whole file
            return raw.read()
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise BadCompressionError(f"not a valid gzip file: {exc}") from exc
    if len(data) > max_bytes:
        raise InputTooLargeError(f"decompresses to more than the cap of {max_bytes:,} bytes")
    return data


def file_fingerprint(path: Path) -> str:
    """Cheap content fingerprint of a file: size and modification time, or 'missing'."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _schema_metadata(schema: pa.Schema, extra: dict[str, str] | None) -> dict[bytes, bytes]:
    meta = dict(schema.metadata or {})
    meta[b"corpusflow.schema_version"] = SCHEMA_VERSION.encode()
    for key, value in (extra or {}).items():
        meta[f"corpusflow.{key}".encode()] = value.encode()
    return meta


def write_batch(df: pl.DataFrame, path: Path, schema: pa.Schema, *, metadata: dict[str, str] | None = None) -> Path:
    """Write ``df`` conformed to ``schema`` as one Parquet file, atomically. Returns ``path``."""
    table = conform(df, schema)
    table = table.replace_schema_metadata(_schema_metadata(schema, metadata))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression=PARQUET_COMPRESSION, compression_level=PARQUET_COMPRESSION_LEVEL)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_batch(
    path: Path, schema: pa.Schema, *, columns: Sequence[str] | None = None, where: pl.Expr | None = None,
) -> pl.DataFrame:
    """Read one stage file and check it against ``schema`` (raises on mismatch).

    ``columns`` reads only those columns of the schema (in that order) and ``where`` only the rows
    it holds for: polars decodes the other columns, and the columns of rows ``where`` rejects, not
    at all. The file's columns are checked against the whole schema either way.

    Raises:
        schemas.validate.SchemaMismatchError: the file's columns are not the schema's, a non-nullable
            column holds nulls, or a column cannot be cast to its declared type.
    """
    wanted = schema if columns is None else pa.schema([schema.field(name) for name in columns])
    if not path.exists():
        return empty_frame(wanted)
    scan = pl.scan_parquet(path, glob=False, hive_partitioning=False)
    found = scan.collect_schema().names()
    if sorted(found) != sorted(schema.names):
        raise SchemaMismatchError(f"{path} does not hold the columns of its schema: missing="
                                  f"{[n for n in schema.names if n not in found]} "
                                  f"extra={[n for n in found if n not in schema.names]}")
    frame = (scan if where is None else scan.filter(where)).select(wanted.names).collect()
    if frame.schema == polars_schema(wanted) and not any(
            frame[f.name].null_count() for f in wanted if not f.nullable):
        return frame  # what the file holds is what the schema declares: nothing to convert
    converted = pl.from_arrow(conform(frame, wanted))
    assert isinstance(converted, pl.DataFrame)
    return converted


def scan_batches(paths: Sequence[Path], schema: pa.Schema) -> pl.LazyFrame:
    """Lazily scan several stage files of one schema (missing files are skipped)."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing:
        return empty_frame(schema).lazy()
    return pl.scan_parquet(existing)


def write_json(obj: Any, path: Path) -> Path:
    """Write JSON atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str), encoding="utf-8")
        os.replace(tmp, path)
    finally:  # a write that failed (a full disk) leaves no temporary file behind
        tmp.unlink(missing_ok=True)
    return path


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def read_index_meta(index: Path) -> DedupIndexMeta | None:
    """The :class:`DedupIndexMeta` of the dedup index folder ``index``; None when it has none (no index yet)."""
    path = index / INDEX_META_NAME
    return DedupIndexMeta.from_json(read_json(path)) if path.exists() else None


def write_index_meta(meta: DedupIndexMeta, path: Path) -> Path:
    """Write ``meta`` as the dedup index's ``meta.json`` at ``path`` (atomically)."""
    return write_json(meta.to_json(), path)


def read_raw_records(files: pl.DataFrame, *, max_bytes: int) -> pl.DataFrame:
    """Read a shard's input files (SHARD_FILES rows) into RAW_RECORDS rows.

    Unreadable files become rows with ``read_error``. A manifest's ``url``, ``site`` and
    ``fetched_at`` (when present in ``files``) override what the file itself says.
    """
    rows: list[dict[str, Any]] = []
    for entry in files.iter_rows(named=True):
        src = InputFile(entry["path"], entry["size"], entry["mtime_ns"])
        try:
            if input_kind(src.path) == "warc":  # streamed: the cap applies to each record, not the file
                with Path(src.path).open("rb") as fh:
                    records = list(warc_records(src, fh, max_record_bytes=max_bytes))
            else:
                records = list(records_from_bytes(src, read_input_bytes(src.path, max_bytes=max_bytes),
                                                  max_record_bytes=max_bytes))
        except InputTooLargeError as exc:
            records = [error_record(src, "too_large", str(exc))]
        except BadCompressionError as exc:
            records = [error_record(src, "bad_gzip", str(exc))]
        except OSError as exc:
            records = [error_record(src, "unreadable", f"{type(exc).__name__}: {exc}")]
        except Exception as exc:
            logger.warning("reading %s failed: %r", src.path, exc)
            records = [error_record(src, "unreadable", f"reading failed: {type(exc).__name__}: {exc}")]
        for rec in records:
            for key in ("url", "site"):
                if entry.get(key):
                    rec[key] = entry[key]
            if entry.get("fetched_at") is not None:
                rec["fetched_at"] = entry["fetched_at"]
                rec["fetched_at_source"] = "manifest"
        rows.extend(records)
    if not rows:
        return empty_frame(RAW_RECORDS)
    schema = polars_schema(RAW_RECORDS)  # every record has all of its keys (tasks.ingest.readers: one base)
    return pl.DataFrame({name: [rec[name] for rec in rows] for name in schema.names()}, schema=schema)


def read_manifest(path: Path) -> pl.DataFrame:
    """Read a CSV or JSONL manifest (``path`` and any of ``url``, ``site``, ``fetched_at``): MANIFEST rows.

    Parsing is ``tasks.ingest.readers.parse_manifest`` (delimiter sniffing; ISO 8601, epoch and HTTP dates):
    polars reads a CSV file itself and a JSONL file is read line by line, so memory holds the parsed
    columns, not the file or its rows.

    Raises:
        ValueError: the manifest has content but no row with a ``path``.
    """
    frame = parse_manifest(path, name=path.name)
    if frame.is_empty() and _has_content(path):
        raise ValueError(f"manifest {path} has no row with a 'path' column value")
    return frame


def _has_content(path: Path, *, block: int = 1 << 20) -> bool:
    """Whether the file holds anything but white space."""
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            if chunk.strip():
                return True
    return False


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


PSEUDONYM_KEY_NAME = "pseudonym.key"
PSEUDONYM_KEY_ENV = "CORPUSFLOW_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16


def pseudonym_key_file(out: Path, given: Path | None) -> Path:
    """The file holding the pseudonym key of a build into ``out``.

    ``given`` (``--pseudonym-key``) when set; else the file named by ``$CORPUSFLOW_PSEUDONYM_KEY``; else
    ``OUT/_state/pseudonym.key``, made with 32 random bytes (hex, owner-only permissions) by the first
    build of the output and reused by the later ones. It stays beside the output's state, never in a
    dataset or a snapshot.
    """
    if given is None and os.environ.get(PSEUDONYM_KEY_ENV):
        given = Path(os.environ[PSEUDONYM_KEY_ENV])
    if given is not None:
        read_pseudonym_key(given)  # fail before the build when the file is missing or too short
        return given
    path = out / "_state" / PSEUDONYM_KEY_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)  # a failed write (a full disk) leaves no partial key behind
    return path


def read_pseudonym_key(path: Path) -> bytes:
    """The key bytes of a pseudonym key file (a text file's trailing white space is not part of it)."""
    raw = Path(path).read_bytes()
    key = raw.rstrip(b" \t\r\n")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key in {path} has {len(key)} bytes; it needs at least {MIN_KEY_BYTES}")
    return key


def record_execution(work_dir: Path, stage: str, detail: str, *, started: float, seconds: float, ok: bool,
                     run: str | None = None, task: str | None = None) -> None:
    """Append one line to ``_work/executions.jsonl``: a stage's body really ran (cache hits write nothing);
    ``run`` is the id of the flow run (the same in every attempt of it), ``task`` the Prefect task name."""
    work_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"stage": stage, "detail": detail, "pid": os.getpid(), "at": started,
                       "seconds": round(seconds, 4), "ok": ok, "run": run, "task": task})
    with (work_dir / "executions.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read_executions(work_dir: Path, *, since: float) -> list[dict[str, Any]]:
    """The execution records of stages that started at or after ``since`` (a ``time.time()`` value)."""
    path = work_dir / "executions.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("at", 0) >= since]


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


# ------------------------------------------------------------------------------------------------
# Partitioned stage and state files (the global dedup and comment steps)
# ------------------------------------------------------------------------------------------------


def part_path(folder: Path, part: int) -> Path:
    """The file of partition ``part`` in a partitioned folder."""
    return folder / f"p{part:04d}.parquet"


def write_parts(df: pl.DataFrame, path: Path, schema: pa.Schema, *, column: str = "part") -> Path:
    """Write ``df`` conformed to ``schema`` plus its partition ``column`` as one Parquet file, atomically:
    sorted by partition, one row group per partition, so :func:`read_part` reads only its own rows."""
    return write_parts_pieces([df], path, schema, column=column)


def write_parts_pieces(pieces: Iterable[pl.DataFrame], path: Path, schema: pa.Schema, *, column: str = "part"
                       ) -> Path:
    """:func:`write_parts` of frames made one at a time: each piece is written as it comes (sorted by
    partition, one row group per partition it holds) and let go before the next, so memory holds one piece.

    :func:`read_part` reads a partition from every row group that holds it. One piece writes the same file
    as :func:`write_parts`.
    """
    full = pa.schema([*schema, pa.field(column, pa.int32(), nullable=False)])
    metadata = _schema_metadata(full, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with pq.ParquetWriter(tmp, full, compression=PARQUET_COMPRESSION,
                              compression_level=PARQUET_COMPRESSION_LEVEL) as writer:
            written = False
            for df in pieces:
                table = conform(df.sort(column, maintain_order=True), full).replace_schema_metadata(metadata)
                parts = table.column(column).to_numpy()
                cuts = [0, *(np.flatnonzero(np.diff(parts)) + 1).tolist(), len(parts)]
                for lo, hi in itertools.pairwise(cuts):
                    if hi > lo:
                        writer.write_table(table.slice(lo, hi - lo))
                        written = True
                del table, parts
            if not written:
                writer.write_table(conform(empty_frame(full), full).replace_schema_metadata(metadata))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_part(paths: Sequence[Path], schema: pa.Schema, part: int, *, column: str = "part") -> pl.LazyFrame:
    """The rows of partition ``part`` of files written by :func:`write_parts` (missing files are skipped);
    row groups of other partitions are skipped by their statistics."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing:
        return empty_frame(schema).lazy()
    return pl.scan_parquet(existing).filter(pl.col(column) == part).drop(column)


def row_count(paths: Sequence[Path]) -> int:
    """Rows of the Parquet files ``paths`` (missing files count none), from their footers."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in paths if p.exists())


def read_rows(path: Path, rows: Sequence[int], columns: Sequence[str]) -> pl.DataFrame:
    """Read ``columns`` of the rows at positions ``rows`` of one Parquet file (row order), touching only
    the row groups that hold them; adds ``_row``, the position."""
    wanted = np.unique(np.asarray(rows, dtype=np.int64))
    pf = pq.ParquetFile(path)
    if not wanted.size:
        return pl.DataFrame({"_row": pl.Series([], dtype=pl.Int64)})
    starts = np.concatenate([[0], np.cumsum([pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)])])
    group_of = np.searchsorted(starts, wanted, side="right") - 1
    groups = np.unique(group_of)
    table = pf.read_row_groups(groups.tolist(), columns=list(columns))
    sizes = starts[groups + 1] - starts[groups]
    first_of = np.concatenate([[0], np.cumsum(sizes)[:-1]])  # where each read group starts in ``table``
    positions = first_of[np.searchsorted(groups, group_of)] + wanted - starts[group_of]
    frame = pl.from_arrow(table.take(pa.array(positions)))
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.Series("_row", wanted, dtype=pl.Int64))
