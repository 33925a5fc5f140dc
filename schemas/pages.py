"""``PAGES``: one row per input page, as ingest decoded it (stage files under ``_work/pages``)."""

import pyarrow as pa

from schemas.common import UTC_TIMESTAMP, field

PAGES = pa.schema(
    [
        field("page_id", pa.string(), "Stable id of the input record: xxh3-64 hex of source_path and record.",
              nullable=False),
        field("source_path", pa.string(), "The input file as given on the command line or found in a folder.",
              nullable=False),
        field("record", pa.int32(), "Index of the page inside its file (0 for one-page files; WARC/JSONL order).",
              nullable=False),
        field("input_format", pa.string(), "How the page was read: txt, html, warc or jsonl.", nullable=False),
        field("url", pa.string(), "URL of the page when known (manifest, WARC header, JSONL, canonical link)."),
        field("site", pa.string(), "Site of the page (registrable domain) or 'unknown'.", nullable=False),
        field("site_source", pa.string(), "Where site came from: manifest, url, signature or unknown.",
              nullable=False),
        field("fetched_at", UTC_TIMESTAMP, "When the page was fetched (UTC), when known."),
        field("fetched_at_source", pa.string(), "Where fetched_at came from: warc, manifest, jsonl or file_mtime."),
        field("text", pa.string(), "The page's visible text (innerText style), lines separated by newlines."),
        field("html", pa.string(), "The page's HTML when the input was HTML; null for text pages."),
        field("n_bytes", pa.int64(), "Size of the raw page in bytes before decoding.", nullable=False),
        field("encoding", pa.string(), "Character encoding used to decode the page."),
        field("has_replacement_chars", pa.bool_(), "True when decoding had to insert U+FFFD.", nullable=False),
        field("reject_reason", pa.string(), "Why this page cannot become an article (null when it can)."),
        field("reject_detail", pa.string(), "Human-readable explanation of reject_reason."),
        field("ingested_at", UTC_TIMESTAMP, "When this run read the page (UTC).", nullable=False),
        field("published_at", UTC_TIMESTAMP,
              "Publication time the HTML page states (meta article:published_time, JSON-LD datePublished, "
              "<time> element), UTC; null when it states none or the page is text."),
    ]
)

RAW_RECORDS = pa.schema(
    [
        field("source_path", pa.string(), "The input file as given.", nullable=False),
        field("record", pa.int32(), "Index of the record inside its file.", nullable=False),
        field("input_format", pa.string(), "txt, html, warc or jsonl.", nullable=False),
        field("url", pa.string(), "URL stated by the container (WARC header, JSONL, manifest)."),
        field("site", pa.string(), "Site stated by a manifest or JSONL record."),
        field("fetched_at", UTC_TIMESTAMP, "Fetch time stated by the container, or the file's mtime."),
        field("fetched_at_source", pa.string(), "warc, manifest, jsonl or file_mtime."),
        field("content", pa.binary(), "Raw bytes of the page (null when it could not be read)."),
        field("text", pa.string(), "Page text given directly (JSONL 'text'), instead of content."),
        field("is_html", pa.bool_(), "True when content is HTML.", nullable=False),
        field("declared_charset", pa.string(), "Charset declared by the container (HTTP header)."),
        field("n_bytes", pa.int64(), "Size of the raw record in bytes.", nullable=False),
        field("read_error", pa.string(), "Reason code when the record could not be read (too_large, bad_gzip...)."),
        field("read_detail", pa.string(), "Human-readable explanation of read_error."),
    ]
)

MANIFEST = pa.schema(
    [
        field("path", pa.string(), "Input file the row describes, as written in the manifest.", nullable=False),
        field("url", pa.string(), "URL of the page in that file."),
        field("fetched_at", UTC_TIMESTAMP, "When the page was fetched (UTC)."),
        field("site", pa.string(), "Site of the page, as the manifest states it."),
    ]
)
"""A manifest (CSV or JSONL) that attaches metadata to input files (``tasks.ingest.readers.parse_manifest``)."""
