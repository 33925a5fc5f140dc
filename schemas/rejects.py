"""``REJECTS``: input that could not become an article (``OUT/rejects/``), partitioned by ``stage``."""

import pyarrow as pa

from schemas.common import UTC_TIMESTAMP, field

REJECTS_PARTITION = pa.schema(
    [field("stage", pa.string(), "Stage that rejected the input: ingest, parse, ...", nullable=False)]
)

REJECTS = pa.schema(
    [
        field("source_path", pa.string(), "Input file, as given.", nullable=False, text=True),
        field("record", pa.int32(), "Index of the page inside its file, when the file holds several."),
        field("page_id", pa.string(), "Input record id, when the record could be read at all."),
        field("reason", pa.string(), "Short machine-readable reason, e.g. empty, binary, no_article.",
              nullable=False),
        field("detail", pa.string(), "Human-readable explanation.", text=True),
        field("ingested_at", UTC_TIMESTAMP, "When the run that wrote this row read the input (UTC).",
              nullable=False),
        *REJECTS_PARTITION,
    ]
)
