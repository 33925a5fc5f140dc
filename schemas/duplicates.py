"""``DUPLICATES``: input pages folded into another article (``OUT/duplicates/``), partitioned by ``kind``."""

import pyarrow as pa

from schemas.common import UTC_TIMESTAMP, field

DUPLICATES_PARTITION = pa.schema(
    [field("kind", pa.string(), "exact, near or rescrape.", nullable=False)]
)

DUPLICATES = pa.schema(
    [
        field("page_id", pa.string(), "Input record that was folded.", nullable=False),
        field("source_path", pa.string(), "Input file of the folded page, as given.", nullable=False, text=True),
        field("url", pa.string(), "URL of the folded page when known.", text=True),
        field("site", pa.string(), "Site of the folded page.", nullable=False),
        field("article_id", pa.string(), "article_id the folded page would have had.", nullable=False),
        field("duplicate_of", pa.string(), "article_id of the canonical article it was folded into.",
              nullable=False),
        field("cluster_id", pa.string(), "Duplicate cluster (shared by the canonical article).", nullable=False),
        field("similarity", pa.float64(), "Estimated Jaccard similarity of the bodies (1.0 for exact).",
              nullable=False),
        field("fetched_at", UTC_TIMESTAMP, "When the folded page was fetched (UTC), when known."),
        field("ingested_at", UTC_TIMESTAMP, "When the run that wrote this row read the page (UTC).",
              nullable=False),
        *DUPLICATES_PARTITION,
    ]
)
