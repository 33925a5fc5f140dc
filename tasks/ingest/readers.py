"""Readers: split one input file into raw page records (``RAW_RECORDS`` rows as dicts), and read manifests.

A text or HTML file is one record. Container formats hold many: a WARC file one record per HTML
response (read with ``warcio``, plain or one gzip member per record), a JSONL file one record per
line (``url``, ``html`` or ``text``, optional ``fetched_at`` and ``site``). Readers never raise on bad
content: a record that cannot be read carries ``read_error`` and ``read_detail``.

WARC records that are not pages (request, metadata, revisit, warcinfo, conversion records;
responses that are not HTML or not a 2xx status) become records with no content and
``read_error = "skipped_<kind>"`` (see ``SKIPPED_PREFIX``): the selection step counts them per
reason and does not report them as rejected pages.

Only ``tasks/ingest/inputs.py`` calls the record readers, with the file's bytes already read and capped.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

import polars as pl
from warcio.archiveiterator import ArchiveIterator

from schemas.pages import MANIFEST
from schemas.validate import cast_to
from tasks.distinct import map_distinct

logger = logging.getLogger(__name__)

SKIPPED_PREFIX = "skipped_"
"""``read_error`` values starting with this mark container records that are not pages (counted, not rejected)."""

DEFAULT_MAX_RECORD_BYTES = 20_000_000
"""A WARC or JSONL record whose content is larger than this is not kept (``read_error = "too_large"``)."""

HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xhtml"})
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_\-:.]{1,40})""", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.S)


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
    if name.endswith((".html", ".htm", ".xhtml")):
        return "html"
    for suffix in (".txt", ".warc", ".jsonl"):
        if name.endswith(suffix):
            return suffix[1:]
    if name.endswith(".arc"):
        return "warc"
    return None


def parse_timestamp(value: object) -> datetime | None:
    """Parse a fetch or publication time to an aware UTC datetime; None when it cannot be read.

    Accepts ISO 8601 / WARC-Date strings (``2024-05-01T12:00:00Z``, with or without offset or
    fractional seconds; a naive time is taken as UTC), 14-digit WARC/ARC stamps
    (``20240501120000``), HTTP dates (``Wed, 01 May 2024 12:00:00 GMT``) and epoch seconds
    (or milliseconds when the number is too large for seconds).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        seconds = float(value)
        if abs(seconds) > 1e11:
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{14}", text):
        try:
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return parse_timestamp(float(text))
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header value, if any."""
    if not content_type:
        return None
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def media_type_of(content_type: str | None) -> str | None:
    """The lower-cased media type of a Content-Type header value (``text/html``), if any."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


def looks_like_html(data: bytes) -> bool:
    """True when the bytes start (after white space and comments) like an HTML document."""
    return _HTML_START.match(data[:2048].lstrip(b"\xef\xbb\xbf")) is not None


def _skipped(rec: dict[str, Any], kind: str, detail: str) -> dict[str, Any]:
    rec.update(read_error=f"{SKIPPED_PREFIX}{kind}", read_detail=detail)
    return rec


def _warc_record(
    src: InputFile, index: int, record: Any, *, max_record_bytes: int,
) -> dict[str, Any]:
    rec = _base(src, "warc")
    rec["record"] = index
    headers = record.rec_headers
    rec_type = (record.rec_type or "").lower()
    rec["url"] = headers.get_header("WARC-Target-URI") or None
    warc_date = parse_timestamp(headers.get_header("WARC-Date"))
    if warc_date is not None:
        rec.update(fetched_at=warc_date, fetched_at_source="warc")
    length = int(record.length or 0)
    rec["n_bytes"] = length
    if rec_type not in ("response", "resource"):
        return _skipped(rec, rec_type or "unknown", f"WARC {rec_type or 'untyped'} record, not a page")
    http = record.http_headers
    if http is not None and rec_type == "response":
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return _skipped(rec, "http_status", f"HTTP status {status or 'missing'}, not a page")
        content_type = http.get_header("Content-Type")
    else:
        content_type = headers.get_header("Content-Type")
    media = media_type_of(content_type)
    if length > max_record_bytes:
        rec.update(read_error="too_large",
                   read_detail=f"record is {length:,} bytes, over the cap of {max_record_bytes:,}")
        return rec
    try:
        body = record.content_stream().read(max_record_bytes + 1)
    except Exception as exc:  # warcio surfaces decoding failures (gzip, brotli, chunking) as many types
        rec.update(read_error="bad_warc_record", read_detail=f"{type(exc).__name__}: {exc}")
        return rec
    if len(body) > max_record_bytes:
        rec.update(read_error="too_large", read_detail=f"record content is over the cap of {max_record_bytes:,} bytes")
        return rec
    missing = getattr(record.raw_stream, "limit", 0) or 0
    if missing > 0:
        rec.update(read_error="truncated", read_detail=f"the file ends {missing:,} bytes before the record does")
        return rec
    if media not in HTML_MEDIA_TYPES and not (media in (None, "text/plain", "application/octet-stream")
                                              and looks_like_html(body)):
        return _skipped(rec, "non_html", f"content type {media or 'missing'} is not HTML")
    rec.update(content=body, n_bytes=len(body), is_html=True, declared_charset=charset_of(content_type))
    return rec


def warc_records(
    src: InputFile, stream: IO[bytes], *, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[dict[str, Any]]:
    """Yield one raw record per WARC record of ``stream`` (plain WARC, or gzip member per record).

    HTML responses (and HTML ``resource`` records) carry their HTTP payload, de-chunked and
    content-decoded, with ``declared_charset`` from the HTTP Content-Type; ``url`` is
    ``WARC-Target-URI`` and ``fetched_at`` is ``WARC-Date``. Other records are yielded with
    ``read_error = "skipped_<kind>"``: request, metadata, revisit, warcinfo, conversion,
    http_status (not 2xx), non_html. A record cut off by the end of the file gets ``truncated``; a
    file that cannot be parsed further yields what came before it and one ``bad_warc`` record.
    """
    index = 0
    try:
        for record in ArchiveIterator(stream, arc2warc=True):
            yield _warc_record(src, index, record, max_record_bytes=max_record_bytes)
            index += 1
    except Exception as exc:
        rec = error_record(src, "bad_warc",
                           f"WARC reading stopped after {index} records: {type(exc).__name__}: {exc}")
        rec["record"] = index
        yield rec


def jsonl_records(
    src: InputFile, data: bytes, *, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[dict[str, Any]]:
    """Yield one raw record per non-blank line of a JSONL file.

    Each line is an object with ``url``, ``html`` or ``text``, and optionally ``fetched_at`` (ISO 8601
    or epoch seconds) and ``site``. ``html`` becomes UTF-8 ``content`` with ``is_html``; ``text`` is
    kept as given. Lines that are not JSON objects or carry neither ``html`` nor ``text`` get
    ``read_error`` ``bad_json`` or ``no_content``.
    """
    index = 0
    for raw_line in data.splitlines():
        if not raw_line.strip():
            continue
        rec = _base(src, "jsonl")
        rec.update(record=index, n_bytes=len(raw_line), is_html=False)
        index += 1
        if len(raw_line) > max_record_bytes:
            rec.update(read_error="too_large", read_detail=f"line is {len(raw_line):,} bytes, over the cap")
            yield rec
            continue
        try:
            obj = json.loads(raw_line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            rec.update(read_error="bad_json", read_detail=f"line {index} is not JSON: {exc}")
            yield rec
            continue
        if not isinstance(obj, dict):
            rec.update(read_error="bad_json", read_detail=f"line {index} is not a JSON object")
            yield rec
            continue
        url, site = obj.get("url"), obj.get("site")
        rec["url"] = url if isinstance(url, str) and url.strip() else None
        rec["site"] = site if isinstance(site, str) and site.strip() else None
        if (fetched := parse_timestamp(obj.get("fetched_at"))) is not None:
            rec.update(fetched_at=fetched, fetched_at_source="jsonl")
        html, text = obj.get("html"), obj.get("text")
        if isinstance(html, str) and html.strip():
            rec.update(content=html.encode("utf-8", "surrogatepass"), is_html=True, declared_charset="utf-8")
        elif isinstance(text, str):
            rec["text"] = text
        else:
            rec.update(read_error="no_content", read_detail=f"line {index} has neither 'html' nor 'text'")
        yield rec


def records_from_bytes(
    src: InputFile, data: bytes, *, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[dict[str, Any]]:
    """Yield the raw records of one input file's (decompressed) bytes."""
    kind = input_kind(src.path)
    if kind in ("txt", "html"):
        rec = _base(src, kind)
        rec.update(content=data, n_bytes=len(data))
        yield rec
        return
    if kind == "warc":
        yield from warc_records(src, io.BytesIO(data), max_record_bytes=max_record_bytes)
        return
    if kind == "jsonl":
        yield from jsonl_records(src, data, max_record_bytes=max_record_bytes)
        return
    yield error_record(src, "unsupported_format",
                       f"cannot read {kind or 'this kind of'} file {src.path!r}: "
                       "supported are .txt, .html/.htm, .warc, .jsonl (each optionally .gz)")


_BOM = b"\xef\xbb\xbf"
_MANIFEST_FIELDS = tuple(MANIFEST.names)
MANIFEST_ROWS_AT_ONCE = 100_000
"""Manifest rows cleaned and parsed at a time: a 1,000,000-row manifest's copies are a tenth as large."""
"""The manifest's fields, in ``MANIFEST`` order: path, url, fetched_at, site."""
_ISO_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z")
_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")
_ISO_SHAPE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})?$"
_STAMP = r"^\d{14}$"
_NUMBER = r"^-?\d+(?:\.\d+)?$"
_MAX_EPOCH_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime holds


def parse_timestamps(values: pl.Series) -> pl.Series:
    """``parse_timestamp`` over a String series, as polars expressions for the usual forms.

    ISO 8601 with ``T`` or a space (fraction and offset optional, ``Z`` for UTC), 14-digit stamps and
    epoch seconds (or milliseconds) are parsed in polars; any other value (HTTP dates, dates without a
    time, offsets without a colon) goes through :func:`parse_timestamp` once per distinct value.
    Returns a ``Datetime("us", "UTC")`` series, null where a value cannot be read.
    """
    text = values.cast(pl.String).str.strip_chars()
    iso = pl.when(pl.col("text").str.contains(_ISO_SHAPE)).then(pl.col("text").str.replace_all("[Zz]", "+00:00"))
    epoch = pl.col("text").str.contains(_NUMBER) & ~pl.col("text").str.contains(_STAMP)
    number = pl.when(epoch).then(pl.col("text").cast(pl.Float64, strict=False))
    seconds = pl.when(number.abs() > 1e11).then(number / 1000.0).otherwise(number)
    frame = pl.DataFrame({"text": text}).with_columns(iso=iso, seconds=seconds)
    parsed = frame.select(pl.coalesce(
        pl.when(pl.col("text").str.contains(_STAMP))
        .then(pl.col("text").str.to_datetime("%Y%m%d%H%M%S", time_unit="us", time_zone="UTC", strict=False)),
        pl.when(pl.col("seconds").abs() <= _MAX_EPOCH_SECONDS)
        .then((pl.col("seconds") * 1e6).round().cast(pl.Int64).cast(pl.Datetime("us", "UTC"))),
        *(pl.col("iso").str.to_datetime(f, time_unit="us", time_zone="UTC", strict=False) for f in _ISO_FORMATS),
        *(pl.col("iso").str.to_datetime(f, time_unit="us", strict=False).dt.replace_time_zone("UTC")
          for f in _NAIVE_FORMATS),
    ).alias("parsed")).to_series()
    odd = parsed.is_null() & text.is_not_null() & (text != "") & ~text.str.contains(_NUMBER)
    if not odd.any():
        return parsed.alias(values.name)
    found = map_distinct(text.zip_with(odd, pl.repeat(None, text.len(), dtype=pl.String, eager=True)), parse_timestamp,
                         pl.Datetime("us", "UTC"))
    return parsed.fill_null(found).alias(values.name)


def _csv_columns(source: bytes | Path, name: str) -> pl.DataFrame:
    """The manifest's CSV as String columns named in lower case (delimiter and quote sniffed).

    ``source`` is the manifest's bytes or its path; polars reads a path itself, so the file's bytes
    are never held as one Python object.
    """
    if isinstance(source, Path):
        with source.open("rb") as fh:
            head = fh.read(4096)
        body: bytes | Path = source
    else:
        head = body = source.removeprefix(_BOM)
    sample = head.removeprefix(_BOM).decode("utf-8", errors="replace")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        frame = pl.read_csv(body, separator=dialect.delimiter, quote_char=dialect.quotechar or None,
                            infer_schema=False, truncate_ragged_lines=True, encoding="utf8-lossy",
                            raise_if_empty=False)
    except pl.exceptions.PolarsError as exc:  # quoting polars rejects: the csv module reads it row by row
        logger.warning("manifest %s: read row by row (%s)", name, exc)
        data = source.read_bytes() if isinstance(source, Path) else source
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="replace")), dialect=dialect)
        rows = [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]
        columns = sorted({k for row in rows for k in row if k})
        return pl.DataFrame({c: [row.get(c) for row in rows] for c in columns},
                            schema=dict.fromkeys(columns, pl.String))
    # the last of equal names wins, as in csv.DictReader
    named = {column.removeprefix("\ufeff").strip().lower(): column for column in frame.columns}
    return frame.select(pl.col(column).alias(key) for key, column in named.items() if key)


def _jsonl_columns(source: bytes | Path, name: str) -> pl.DataFrame:
    """The manifest's JSONL objects as the four manifest fields (values kept as text), read line by line."""
    columns: dict[str, list[str | None]] = {f: [] for f in _MANIFEST_FIELDS}
    stream = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    with io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace") as lines:
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                logger.warning("manifest %s: line %d is not JSON; skipped", name, n)
                continue
            if isinstance(obj, dict):
                for f in _MANIFEST_FIELDS:  # numbers stay readable as epoch times; other kinds of value count as absent
                    value = obj.get(f)
                    readable = isinstance(value, str | int | float) and not isinstance(value, bool)
                    columns[f].append(str(value) if readable else None)
    return pl.DataFrame(columns, schema=dict.fromkeys(_MANIFEST_FIELDS, pl.String))


def parse_manifest(source: bytes | Path, *, name: str) -> pl.DataFrame:
    """Parse a CSV or JSONL manifest (its bytes, or its path) that attaches metadata to input files.

    ``name`` (the manifest's file name) chooses the format: ``.jsonl``/``.json``/``.ndjson`` is one
    object per line, anything else CSV (delimiter sniffed, header row required, read by polars).
    Columns read: ``path`` (required), ``url``, ``fetched_at`` (ISO 8601, epoch seconds, HTTP date,
    see :func:`parse_timestamps`), ``site``; others are ignored. Rows without a path are dropped with a
    warning; unreadable times become null (counted in a warning).

    Returns:
        ``MANIFEST`` columns: path, url, fetched_at (UTC), site. Paths are returned as written;
        the caller resolves relative paths against the manifest's folder.
    """
    lower = name.lower().removesuffix(".gz")
    jsonl = lower.endswith((".jsonl", ".json", ".ndjson"))
    raw = _jsonl_columns(source, name) if jsonl else _csv_columns(source, name)
    raw = raw.select(pl.col(c) if c in raw.columns else pl.lit(None, dtype=pl.String).alias(c)
                     for c in _MANIFEST_FIELDS)
    parts, skipped, bad_times = [], 0, 0
    for start in range(0, raw.height, MANIFEST_ROWS_AT_ONCE):  # a slice's copies at a time, not the file's
        clean = raw.slice(start, MANIFEST_ROWS_AT_ONCE).select(
            pl.col(c).str.strip_chars().replace("", None) for c in _MANIFEST_FIELDS)
        kept = clean.filter(pl.col("path").is_not_null())
        out = kept.with_columns(parse_timestamps(kept["fetched_at"]).alias("fetched_at"))
        skipped += clean.height - kept.height
        bad_times += kept["fetched_at"].count() - out["fetched_at"].count()  # non-null values before and after
        parts.append(cast_to(out, MANIFEST))
    if skipped:
        logger.warning("manifest %s: %d rows without a path skipped", name, skipped)
    if bad_times:
        logger.warning("manifest %s: %d fetched_at values could not be read", name, bad_times)
    return pl.concat(parts, rechunk=False) if parts else cast_to(raw.clear(), MANIFEST)
