"""Bookkeeping files of a build (``_work/shards``)."""

import pyarrow as pa

from schemas.common import UTC_TIMESTAMP, field

SHARD_FILES = pa.schema(
    [
        field("path", pa.string(), "Input file as given.", nullable=False),
        field("size", pa.int64(), "Size in bytes when the shard was planned.", nullable=False),
        field("mtime_ns", pa.int64(), "Modification time (ns) when the shard was planned.", nullable=False),
        field("url", pa.string(), "URL from the manifest, if any."),
        field("site", pa.string(), "Site from the manifest, if any."),
        field("fetched_at", UTC_TIMESTAMP, "Fetch time from the manifest, if any."),
    ]
)

INPUT_LEDGER = pa.schema(
    [
        field("path", pa.string(), "Input file as given.", nullable=False),
        field("size", pa.int64(), "Size in bytes when it was built.", nullable=False),
        field("mtime_ns", pa.int64(), "Modification time (ns) when it was built.", nullable=False),
        field("shard_id", pa.string(), "Shard whose output files hold its rows.", nullable=False),
        field("built_at", UTC_TIMESTAMP, "When the run that built it finished (UTC).", nullable=False),
    ]
)
