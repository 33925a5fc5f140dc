"""Helpers shared by the schema modules."""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"
"""Bumped whenever a dataset's columns or their meaning change."""

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")


def field(name: str, type_: pa.DataType, description: str, *, nullable: bool = True) -> pa.Field:
    """Build a field that carries its description in the field metadata."""
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def describe(schema: pa.Schema) -> dict[str, str]:
    """Return ``{column: description}`` for a schema, in column order."""
    return {f.name: (f.metadata or {}).get(b"description", b"").decode() for f in schema}
