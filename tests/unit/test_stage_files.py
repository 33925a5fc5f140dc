"""Stage files: read_batch returns what write_batch wrote, checked against the schema; columns and rows on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from schemas.validate import SchemaMismatchError, conform, polars_schema
from tasks import io

pytestmark = pytest.mark.write_disk

SCHEMA = pa.schema([
    pa.field("page_id", pa.string(), nullable=False),
    pa.field("shard_id", pa.string(), nullable=False),
    pa.field("n", pa.int32()),
    pa.field("text", pa.string()),
    pa.field("at", pa.timestamp("us", tz="UTC")),
    pa.field("rules", pa.list_(pa.struct([("rule", pa.string()), ("n_lines", pa.int32())]))),
])


def _frame() -> pl.DataFrame:
    return pl.DataFrame({
        "page_id": ["p0", "p1", "p2", "p3"],
        "shard_id": ["s1", "s0", "s1", "s0"],
        "n": [1, None, 3, 4],
        "text": ["a", None, "c\nd", "é"],
        "at": [datetime(2024, 5, 1, tzinfo=UTC), None, datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), None],
        "rules": [[{"rule": "nav", "n_lines": 2}], [], None, [{"rule": None, "n_lines": None}]],
    }, schema=polars_schema(SCHEMA))


def test_round_trip_keeps_rows_order_and_declared_types(tmp_path: Path) -> None:
    path = io.write_batch(_frame(), tmp_path / "stage.parquet", SCHEMA)
    frame = io.read_batch(path, SCHEMA)
    assert_frame_equal(frame, _frame())
    assert frame.schema == polars_schema(SCHEMA)


def test_columns_and_where_read_a_part_of_the_file(tmp_path: Path) -> None:
    path = io.write_batch(_frame(), tmp_path / "stage.parquet", SCHEMA)
    part = io.read_batch(path, SCHEMA, columns=["text", "page_id"], where=pl.col("shard_id") == "s1")
    assert_frame_equal(part, _frame().filter(pl.col("shard_id") == "s1").select("text", "page_id"))
    assert io.read_batch(path, SCHEMA, where=pl.col("shard_id") == "none").height == 0


def test_a_missing_file_reads_as_no_rows_of_the_wanted_columns(tmp_path: Path) -> None:
    frame = io.read_batch(tmp_path / "missing.parquet", SCHEMA, columns=["n", "page_id"])
    assert frame.height == 0
    assert frame.schema == pl.Schema({"n": pl.Int32, "page_id": pl.String})


@pytest.mark.parametrize(("change", "message"), [("extra", r"extra=\['surprise'\]"), ("missing", r"missing=\['n'\]")])
def test_a_file_with_other_columns_raises_even_when_only_some_are_read(tmp_path: Path, change: str,
                                                                      message: str) -> None:
    table = conform(_frame(), SCHEMA)
    table = table.append_column("surprise", pa.array([1, 2, 3, 4])) if change == "extra" else table.drop(["n"])
    pq.write_table(table, tmp_path / "stage.parquet")
    with pytest.raises(SchemaMismatchError, match=message):
        io.read_batch(tmp_path / "stage.parquet", SCHEMA, columns=["page_id"])


def test_a_null_in_a_non_nullable_column_raises(tmp_path: Path) -> None:
    loose = pa.schema([f.with_nullable(True) for f in SCHEMA])
    table = conform(_frame().with_columns(page_id=pl.lit(None, pl.String)), loose)
    pq.write_table(table, tmp_path / "stage.parquet")
    with pytest.raises(SchemaMismatchError, match="page_id"):
        io.read_batch(tmp_path / "stage.parquet", SCHEMA)


def test_other_stored_types_are_cast_to_the_declared_ones(tmp_path: Path) -> None:
    table = conform(_frame(), SCHEMA)
    wide = table.cast(pa.schema([f.with_type(pa.int64()) if f.name == "n" else f for f in SCHEMA]))
    pq.write_table(wide, tmp_path / "stage.parquet")
    assert io.read_batch(tmp_path / "stage.parquet", SCHEMA).schema == polars_schema(SCHEMA)


def test_paths_with_glob_characters_are_read_as_given(tmp_path: Path) -> None:
    folder = tmp_path / "case[1]*"
    path = io.write_batch(_frame(), folder / "stage.parquet", SCHEMA)
    assert_frame_equal(io.read_batch(path, SCHEMA), _frame())



def test_read_rows_takes_rows_from_the_row_groups_that_hold_them(tmp_path: Path) -> None:
    """Issue 6: a partition task reads the signatures of its candidate rows only, in row order, repeats once."""
    path = tmp_path / "keys.parquet"
    pq.write_table(pa.table({"a": list(range(1000)), "b": [str(i) for i in range(1000)]}),
                                path, row_group_size=97)
    rows = [999, 0, 96, 97, 500, 96, 193, 194]
    got = io.read_rows(path, rows, ["a", "b"])
    want = sorted(set(rows))
    assert got["_row"].to_list() == got["a"].to_list() == want
    assert got["b"].to_list() == [str(r) for r in want]
    assert io.read_rows(path, [], ["a"]).columns == ["_row"]


def test_parts_written_in_pieces_hold_one_row_group_per_partition(tmp_path: Path) -> None:
    schema = pa.schema([pa.field("row", pa.int64(), nullable=False), pa.field("text", pa.string())])
    rows = pl.DataFrame({"row": range(60), "text": [f"t{i}" for i in range(60)],
                         "part": [(i * 7) % 5 for i in range(60)]}).cast({"part": pl.Int32})
    pieces = [rows.slice(k, 20) for k in (0, 20, 40)]  # every piece holds every partition
    split = io.write_parts_pieces(iter(pieces), tmp_path / "pieces.parquet", schema)
    whole = io.write_parts(rows, tmp_path / "whole.parquet", schema)
    assert pq.ParquetFile(split).num_row_groups == 5  # not 3 pieces x 5 partitions
    assert io.row_count([split]) == io.row_count([whole]) == 60
    for part in range(5):  # a partition's rows, in the order the pieces gave them
        assert_frame_equal(io.read_part([split], schema, part).collect(), io.read_part([whole], schema, part).collect())
    assert not list(tmp_path.glob(".*.tmp"))
