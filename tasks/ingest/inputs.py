"""Inputs: expand files, folders and globs into a sorted list of input files, and read them.

A file's bytes are read with caps on compressed and decompressed size, so a gzip bomb or a huge file
cannot exhaust memory; ``read_raw_records`` turns a shard's files into RAW_RECORDS rows (an unreadable
file becomes a row with its reason); ``read_manifest`` reads the optional CSV/JSONL manifest. One
of the modules that touch disk (see ``tasks.io``).
"""

from __future__ import annotations

import glob
import gzip
import logging
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from schemas.pages import RAW_RECORDS
from schemas.validate import empty_frame, polars_schema
from tasks.ingest.readers import (
    InputFile,
    error_record,
    input_kind,
    parse_manifest,
    records_from_bytes,
    warc_records,
)

logger = logging.getLogger(__name__)


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
    for path in _input_paths(inputs, follow_symlinks=follow_symlinks, unmatched=unmatched):
        _add(found, path)
    return [found[k] for k in sorted(found)], unmatched


INPUT_FRAME_PIECE = 100_000
"""Files listed as Python objects at a time by :func:`input_files_frame` before they become a frame piece."""


def input_files_frame(inputs: Iterable[str], *, follow_symlinks: bool = False) -> tuple[pl.DataFrame, list[str]]:
    """:func:`expand_inputs` as a frame: ``path``, ``size``, ``mtime_ns`` of the same files in the same order (sorted
    by path, one row a path), and the inputs that matched nothing.

    The files are listed ``INPUT_FRAME_PIECE`` at a time into frame pieces, so memory holds the frame (about 60 MB
    for 1,000,000 files), not a Python object per file: at 1,000,000 files the list took the process 345 MB above
    its base and the pieces (measured the same way) a fraction of it.
    """
    unmatched: list[str] = []
    schema = {"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64}
    pieces: list[pl.DataFrame] = []
    columns: tuple[list[str], list[int], list[int]] = ([], [], [])
    for path in _input_paths(inputs, follow_symlinks=follow_symlinks, unmatched=unmatched):
        st = path.stat()
        columns[0].append(str(path))
        columns[1].append(st.st_size)
        columns[2].append(st.st_mtime_ns)
        if len(columns[0]) >= INPUT_FRAME_PIECE:
            pieces.append(pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema))
            columns = ([], [], [])
    pieces.append(pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema))
    frame = pl.concat(pieces).unique("path", keep="last", maintain_order=True).sort("path")
    return frame, unmatched


def _input_paths(inputs: Iterable[str], *, follow_symlinks: bool, unmatched: list[str]) -> Iterator[Path]:
    """The input files of :func:`expand_inputs` in the order found (a path may come twice); the given inputs that
    matched nothing are appended to ``unmatched``."""
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
                        yield child
            elif path.is_file():
                yield path


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
