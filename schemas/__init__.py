"""Arrow schemas of every dataset corpusflow reads or writes.

Each module exports one ``pa.Schema`` constant; this is the only place where columns and
their dtypes are named. ``SCHEMA_VERSION`` is stored in the key-value metadata of every
Parquet file written, so a later version can tell what it is reading.
"""

from schemas.articles import ARTICLES, ARTICLES_PARTITION
from schemas.comments import COMMENTS, COMMENTS_PARTITION
from schemas.common import SCHEMA_VERSION
from schemas.duplicates import DUPLICATES, DUPLICATES_PARTITION
from schemas.pages import PAGES, RAW_RECORDS
from schemas.parsed import LINES, PARSED_ARTICLES, PARSED_COMMENTS, SCORED_ARTICLES
from schemas.rejects import REJECTS, REJECTS_PARTITION

OUTPUT_DATASETS = {
    "articles": (ARTICLES, ARTICLES_PARTITION),
    "comments": (COMMENTS, COMMENTS_PARTITION),
    "duplicates": (DUPLICATES, DUPLICATES_PARTITION),
    "rejects": (REJECTS, REJECTS_PARTITION),
}
"""The four published datasets under the output folder: name -> (schema, hive partition schema)."""

__all__ = [
    "ARTICLES",
    "ARTICLES_PARTITION",
    "COMMENTS",
    "COMMENTS_PARTITION",
    "DUPLICATES",
    "DUPLICATES_PARTITION",
    "LINES",
    "OUTPUT_DATASETS",
    "PAGES",
    "PARSED_ARTICLES",
    "PARSED_COMMENTS",
    "RAW_RECORDS",
    "REJECTS",
    "REJECTS_PARTITION",
    "SCHEMA_VERSION",
    "SCORED_ARTICLES",
]
