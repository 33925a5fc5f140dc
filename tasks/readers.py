"""Readers: split one input file into raw page records (``RAW_RECORDS`` rows as dicts).

A text or HTML file is one record. Container formats (WARC, JSONL) hold many. Readers never
raise on bad content: a record that cannot be read carries ``read_error`` and ``read_detail``.
Only ``tasks/io.py`` calls these, with the file's bytes already read and capped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file as found: the path as given, its size and modification time."""

    path: str
    size: int
    mtime_ns: int


def input_kind(path: str) -> str | None:
    """Return txt, html, warc or jsonl from a file name (``.gz`` allowed), or None when not an input."""
    name = path.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith((".html", ".htm")):
        return "html"
    for suffix in (".txt", ".warc", ".jsonl"):
        if name.endswith(suffix):
            return suffix[1:]
    return None


def _base(src: InputFile, kind: str) -> dict[str, Any]:
    return {
        "source_path": src.path,
        "record": 0,
        "input_format": kind,
        "url": None,
        "site": None,
        "fetched_at": datetime.fromtimestamp(src.mtime_ns / 1e9, tz=UTC),
        "fetched_at_source": "file_mtime",
        "content": None,
        "text": None,
        "is_html": kind == "html",
        "declared_charset": None,
        "n_bytes": src.size,
        "read_error": None,
        "read_detail": None,
    }


def error_record(src: InputFile, reason: str, detail: str) -> dict[str, Any]:
    """One record standing for a whole file that could not be read."""
    rec = _base(src, input_kind(src.path) or "unknown")
    rec.update(read_error=reason, read_detail=detail)
    return rec


def records_from_bytes(src: InputFile, data: bytes) -> Iterator[dict[str, Any]]:
    """Yield the raw records of one input file's (decompressed) bytes."""
    kind = input_kind(src.path)
    if kind in ("txt", "html"):
        rec = _base(src, kind)
        rec.update(content=data, n_bytes=len(data))
        yield rec
        return
    yield error_record(src, "unsupported_format",
                       f"cannot read {kind or 'this kind of'} file {src.path!r}: supported are .txt and .html")
