"""Disk access for stage files and inputs: the only module (with ``tasks/write.py``) that touches disk.

- Inputs: expand files, folders and globs into a sorted list of input files; read a file's
  bytes with caps on compressed and decompressed size, so a gzip bomb or a huge file cannot
  exhaust memory.
- Stage files: ``read_batch`` / ``write_batch`` read and write one Parquet file per shard
  and stage, conformed to a declared schema; writes go to a temporary file renamed into place,
  so a reader never sees half a file.
"""

from __future__ import annotations

import glob
import gzip
import itertools
import json
import logging
import os
import shutil
import socket
import tempfile
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.common import SCHEMA_VERSION
from schemas.pages import RAW_RECORDS
from schemas.validate import conform, empty_frame, polars_schema
from tasks.readers import InputFile, error_record, input_kind, parse_manifest, records_from_bytes, warc_records

logger = logging.getLogger(__name__)

PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3


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
    p = Path(path)
    if p.stat().st_size > max_bytes:
        raise InputTooLargeError(f"file is {p.stat().st_size:,} bytes, over the cap of {max_bytes:,}")
    if not path.lower().endswith(".gz"):
        return p.read_bytes()
    try:
        with gzip.open(p, "rb") as fh:
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


def read_batch(path: Path, schema: pa.Schema) -> pl.DataFrame:
    """Read one stage file and check it against ``schema`` (raises on mismatch)."""
    if not path.exists():
        return empty_frame(schema)
    table = pq.read_table(path)
    frame = pl.from_arrow(conform(pl.from_arrow(table), schema))  # type: ignore[arg-type]
    assert isinstance(frame, pl.DataFrame)
    return frame


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
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


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
    return pl.DataFrame(rows, schema=polars_schema(RAW_RECORDS))


def read_manifest(path: Path) -> pl.DataFrame:
    """Read a CSV or JSONL manifest (``path`` and any of ``url``, ``site``, ``fetched_at``): MANIFEST rows.

    Parsing is ``tasks.readers.parse_manifest`` (delimiter sniffing; ISO 8601, epoch and HTTP dates).

    Raises:
        ValueError: the manifest has content but no row with a ``path``.
    """
    data = path.read_bytes()
    frame = parse_manifest(data, name=path.name)
    if frame.is_empty() and data.strip():
        raise ValueError(f"manifest {path} has no row with a 'path' column value")
    return frame


def copy_atomic(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` through a temporary file renamed into place (no-op when src is missing)."""
    if not src.exists():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


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
    """The output's commit pointer: ``{"version": name or None, "pending": [shard ids] or None}``."""
    path = state_dir / POINTER_NAME
    if not path.exists():
        return {"version": None, "pending": None}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def write_pointer(state_dir: Path, pointer: dict[str, Any]) -> None:
    """Replace the commit pointer atomically: the one write that commits or opens a run."""
    write_json(pointer, state_dir / POINTER_NAME)


def state_file(state_dir: Path, name: str) -> Path:
    """Path of a state file in the committed state version (a missing path when none is committed)."""
    version = read_pointer(state_dir).get("version") or "none"
    return state_dir / version / name


def remove_shard_files(out: Path, shard_ids: Iterable[str], datasets: Iterable[str]) -> int:
    """Delete the dataset files of the given shards (the rollback of a run that never committed)."""
    removed = 0
    names = list(datasets)
    for sid in shard_ids:
        for name in names:
            for path in (out / name).rglob(f"part-{sid}-*.parquet"):
                path.unlink()
                removed += 1
    return removed


def prune_state_versions(state_dir: Path, *, keep: str) -> None:
    """Remove state versions other than ``keep``."""
    for child in state_dir.iterdir():
        if child.is_dir() and child.name != keep and child.name.startswith("v-"):
            shutil.rmtree(child, ignore_errors=True)


def record_execution(work_dir: Path, stage: str, detail: str, *, started: float, seconds: float, ok: bool) -> None:
    """Append one line to ``_work/executions.jsonl``: a stage's body really ran (cache hits write nothing)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"stage": stage, "detail": detail, "pid": os.getpid(), "at": started,
                       "seconds": round(seconds, 4), "ok": ok})
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
    never meets a silent mix of schemas.
    """
    for name in datasets:
        seen: set[str] = set()
        for path in sorted((out / name).rglob("*.parquet")) if (out / name).exists() else []:
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
    full = pa.schema([*schema, pa.field(column, pa.int32(), nullable=False)])
    table = conform(df.sort(column, maintain_order=True), full)
    table = table.replace_schema_metadata(_schema_metadata(full, None))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        parts = table.column(column).to_numpy()
        cuts = [0, *(np.flatnonzero(np.diff(parts)) + 1).tolist(), len(parts)]
        with pq.ParquetWriter(tmp, full, compression=PARQUET_COMPRESSION,
                              compression_level=PARQUET_COMPRESSION_LEVEL) as writer:
            for lo, hi in itertools.pairwise(cuts):
                writer.write_table(table.slice(lo, hi - lo))
            if not len(parts):
                writer.write_table(table)
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


def read_rows(path: Path, rows: Sequence[int], columns: Sequence[str]) -> pl.DataFrame:
    """Read ``columns`` of the rows at positions ``rows`` of one Parquet file (row order), touching only
    the row groups that hold them; adds ``_row``, the position."""
    wanted = sorted({int(r) for r in rows})
    pf = pq.ParquetFile(path)
    sizes = [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)]
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + size)
    groups = sorted({next(g for g in range(len(sizes)) if starts[g] <= r < starts[g + 1]) for r in wanted})
    if not groups:
        return pl.DataFrame({"_row": pl.Series([], dtype=pl.Int64)})
    table = pf.read_row_groups(groups, columns=list(columns))
    offset, first_of = 0, {}
    for g in groups:
        first_of[g] = offset
        offset += sizes[g]
    positions = []
    for r in wanted:
        g = next(g for g in groups if starts[g] <= r < starts[g + 1])
        positions.append(first_of[g] + r - starts[g])
    frame = pl.from_arrow(table.take(positions))
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.Series("_row", wanted, dtype=pl.Int64))


def copy_tree_atomic(src: Path, dest: Path) -> None:
    """Copy every file of the folder ``src`` into ``dest`` (each through :func:`copy_atomic`)."""
    if not src.is_dir():
        return
    for path in sorted(p for p in src.rglob("*") if p.is_file() and not p.name.startswith(".")):
        copy_atomic(path, dest / path.relative_to(src))
