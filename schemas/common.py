"""Helpers shared by the schema modules."""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"
"""Bumped whenever a dataset's columns or their meaning change."""

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")


def field(name: str, type_: pa.DataType, description: str, *, nullable: bool = True, text: bool = False) -> pa.Field:
    """Build a field that carries its description in the field metadata.

    ``text=True`` marks free text (titles, bodies, comments, paths): nobody filters it by range, so
    Parquet min/max statistics of it would only take space (up to 8 kB a column chunk and page).
    """
    metadata = {"description": description} | ({"text": "true"} if text else {})
    return pa.field(name, type_, nullable=nullable, metadata=metadata)


def statistics_columns(schema: pa.Schema) -> list[str]:
    """Columns whose Parquet statistics are worth writing: all but free text and nested columns."""
    return [f.name for f in schema
            if (f.metadata or {}).get(b"text") != b"true" and not pa.types.is_nested(f.type)]


def describe(schema: pa.Schema) -> dict[str, str]:
    """Return ``{column: description}`` for a schema, in column order."""
    return {f.name: (f.metadata or {}).get(b"description", b"").decode() for f in schema}
