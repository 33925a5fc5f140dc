"""Make frames conform to a declared schema, loudly.

``pa.Table.from_pylist(rows, schema=S)`` silently drops extra keys and may accept nulls in
non-nullable fields, so conformance compares column sets first and then casts.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa


class SchemaMismatchError(ValueError):
    """A frame's columns do not match the schema it is written with."""


def polars_schema(schema: pa.Schema) -> pl.Schema:
    """Return the polars schema derived from an arrow schema (never restated by hand)."""
    return pl.from_arrow(schema.empty_table()).schema  # type: ignore[union-attr]


def empty_frame(schema: pa.Schema) -> pl.DataFrame:
    """Return an empty polars frame with the columns and dtypes of ``schema``."""
    frame = pl.from_arrow(schema.empty_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def cast_to(df: pl.DataFrame, schema: pa.Schema) -> pl.DataFrame:
    """``df``'s columns of ``schema``, in ``schema``'s order, cast to its dtypes; other columns are left out.

    The one cast of a stage's result to its declared schema (dtypes from :func:`polars_schema`, never
    restated). Raises polars' ``ColumnNotFoundError`` when a column of ``schema`` is missing and
    ``InvalidOperationError`` when a value does not cast.
    """
    return df.select([pl.col(name).cast(dtype) for name, dtype in polars_schema(schema).items()])


def conform(df: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """Return ``df`` as an arrow table with exactly ``schema``'s columns, order and types.

    Raises:
        SchemaMismatchError: when columns are missing or extra, or a non-nullable column holds nulls.
    """
    names = set(df.columns)
    missing = [n for n in schema.names if n not in names]
    extra = [n for n in df.columns if n not in set(schema.names)]
    if missing or extra:
        raise SchemaMismatchError(f"columns do not match schema: missing={missing} extra={extra}")
    table = df.select(schema.names).to_arrow()
    for f in schema:
        if not f.nullable and table.column(f.name).null_count:
            raise SchemaMismatchError(f"column {f.name!r} is not nullable but holds nulls")
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise SchemaMismatchError(str(exc)) from exc
