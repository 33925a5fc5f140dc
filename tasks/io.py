"""Stage files and state files: one of the modules that touch disk (the
others: ``tasks.ingest.inputs``, ``tasks.publish.snapshots``, ``tasks.publish.write``, ``tasks.publish.compaction``).

- Stage files: ``read_batch`` / ``write_batch`` read and write one Parquet file per shard
  and stage, conformed to a declared schema; writes go to a temporary file renamed into place,
  so a reader never sees half a file. ``write_parts`` / ``read_part`` do the same for the partitioned
  files of the global dedup and comment steps; ``write_json`` / ``read_json`` for small JSON files
  (the dedup index's ``meta.json`` has a declared shape, ``DedupIndexMeta``).
- State files: the pseudonym key of an output folder and the record of stage executions.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.common import SCHEMA_VERSION
from schemas.dedup import INDEX_META_NAME, DedupIndexMeta
from schemas.validate import SchemaMismatchError, conform, empty_frame, polars_schema

PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 1
"""Stage files: the 16 stage files of a shard of 500 real bench pages (pyarrow 26, one thread) took 173 ms of CPU
to write at zstd 3 (12.4 MB), 106 ms at zstd 1 (14.4 MB) and 93 ms as lz4 (19.3 MB); reading them back 35, 33 and
22 ms. zstd 1 for most of the saving at a sixth more disk (lz4: over half more, 39 GB of stage files at 1M pages)."""


def _stage_file_options(schema: pa.Schema) -> dict[str, Any]:
    """``pq.ParquetWriter`` options of a stage file: zstd 1, dictionary encoding for its string columns only.

    Integers and floats here are mostly hashes, ordinals and scores that never repeat (a MinHash signature is
    128 random 64-bit values), so a dictionary of them is built and thrown away: on the stage files of a
    2,000-page shard of real pages, writing 0.371 -> 0.339 CPU s, and the files 1% smaller (the dedup keys and
    index nodes 28% smaller, the lines and pages files within 0.3%)."""
    strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return {"compression": PARQUET_COMPRESSION, "compression_level": PARQUET_COMPRESSION_LEVEL,
            "use_dictionary": strings or False}


def _schema_metadata(schema: pa.Schema, extra: dict[str, str] | None) -> dict[bytes, bytes]:
    meta = dict(schema.metadata or {})
    meta[b"corpusflow.schema_version"] = SCHEMA_VERSION.encode()
    for key, value in (extra or {}).items():
        meta[f"corpusflow.{key}".encode()] = value.encode()
    return meta


def write_batch(df: pl.DataFrame, path: Path, schema: pa.Schema, *, metadata: dict[str, str] | None = None) -> Path:
    """Write ``df`` conformed to ``schema`` as one Parquet file, atomically. Returns ``path``."""
    table = conform(df, schema)
    table = table.replace_schema_metadata(_schema_metadata(schema, metadata))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, **_stage_file_options(schema))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_batch(
    path: Path, schema: pa.Schema, *, columns: Sequence[str] | None = None, where: pl.Expr | None = None,
) -> pl.DataFrame:
    """Read one stage file and check it against ``schema`` (raises on mismatch).

    ``columns`` reads only those columns of the schema (in that order) and ``where`` only the rows
    it holds for: polars decodes the other columns, and the columns of rows ``where`` rejects, not
    at all. The file's columns are checked against the whole schema either way.

    Raises:
        schemas.validate.SchemaMismatchError: the file's columns are not the schema's, a non-nullable
            column holds nulls, or a column cannot be cast to its declared type.
    """
    wanted = schema if columns is None else pa.schema([schema.field(name) for name in columns])
    if not path.exists():
        return empty_frame(wanted)
    scan = pl.scan_parquet(path, glob=False, hive_partitioning=False)
    found = scan.collect_schema().names()
    if sorted(found) != sorted(schema.names):
        raise SchemaMismatchError(f"{path} does not hold the columns of its schema: missing="
                                  f"{[n for n in schema.names if n not in found]} "
                                  f"extra={[n for n in found if n not in schema.names]}")
    frame = (scan if where is None else scan.filter(where)).select(wanted.names).collect()
    if frame.schema == polars_schema(wanted) and not any(
            frame[f.name].null_count() for f in wanted if not f.nullable):
        return frame  # what the file holds is what the schema declares: nothing to convert
    converted = pl.from_arrow(conform(frame, wanted))
    assert isinstance(converted, pl.DataFrame)
    return converted


def scan_batches(paths: Sequence[Path], schema: pa.Schema) -> pl.LazyFrame:
    """Lazily scan several stage files of one schema (missing files are skipped)."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing:
        return empty_frame(schema).lazy()
    return pl.scan_parquet(existing)


def write_json(obj: Any, path: Path) -> Path:
    """Write JSON atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str), encoding="utf-8")
        os.replace(tmp, path)
    finally:  # a write that failed (a full disk) leaves no temporary file behind
        tmp.unlink(missing_ok=True)
    return path


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def read_index_meta(index: Path) -> DedupIndexMeta | None:
    """The :class:`DedupIndexMeta` of the dedup index folder ``index``; None when it has none (no index yet)."""
    path = index / INDEX_META_NAME
    return DedupIndexMeta.from_json(read_json(path)) if path.exists() else None


def write_index_meta(meta: DedupIndexMeta, path: Path) -> Path:
    """Write ``meta`` as the dedup index's ``meta.json`` at ``path`` (atomically)."""
    return write_json(meta.to_json(), path)


# ------------------------------------------------------------------------------------------------
# State files of the output folder: the pseudonym key, the record of stage executions
# ------------------------------------------------------------------------------------------------


PSEUDONYM_KEY_NAME = "pseudonym.key"
PSEUDONYM_KEY_ENV = "CORPUSFLOW_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16


def pseudonym_key_file(out: Path, given: Path | None) -> Path:
    """The file holding the pseudonym key of a build into ``out``.

    ``given`` (``--pseudonym-key``) when set; else the file named by ``$CORPUSFLOW_PSEUDONYM_KEY``; else
    ``OUT/_state/pseudonym.key``, made with 32 random bytes (hex, owner-only permissions) by the first
    build of the output and reused by the later ones. It stays beside the output's state, never in a
    dataset or a snapshot.
    """
    if given is None and os.environ.get(PSEUDONYM_KEY_ENV):
        given = Path(os.environ[PSEUDONYM_KEY_ENV])
    if given is not None:
        read_pseudonym_key(given)  # fail before the build when the file is missing or too short
        return given
    path = out / "_state" / PSEUDONYM_KEY_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)  # a failed write (a full disk) leaves no partial key behind
    return path


def read_pseudonym_key(path: Path) -> bytes:
    """The key bytes of a pseudonym key file (a text file's trailing white space is not part of it)."""
    raw = Path(path).read_bytes()
    key = raw.rstrip(b" \t\r\n")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key in {path} has {len(key)} bytes; it needs at least {MIN_KEY_BYTES}")
    return key


def record_execution(work_dir: Path, stage: str, detail: str, *, started: float, seconds: float, ok: bool,
                     run: str | None = None, task: str | None = None) -> None:
    """Append one line to ``_work/executions.jsonl``: a stage's body really ran (cache hits write nothing);
    ``run`` is the id of the flow run (the same in every attempt of it), ``task`` the Prefect task name."""
    work_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"stage": stage, "detail": detail, "pid": os.getpid(), "at": started,
                       "seconds": round(seconds, 4), "ok": ok, "run": run, "task": task})
    with (work_dir / "executions.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read_executions(work_dir: Path, *, since: float) -> list[dict[str, Any]]:
    """The execution records of stages that started at or after ``since`` (a ``time.time()`` value)."""
    path = work_dir / "executions.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("at", 0) >= since]


# ------------------------------------------------------------------------------------------------
# Partitioned stage and state files (the global dedup and comment steps)
# ------------------------------------------------------------------------------------------------


def part_path(folder: Path, part: int) -> Path:
    """The file of partition ``part`` in a partitioned folder."""
    return folder / f"p{part:04d}.parquet"


def write_parts(df: pl.DataFrame, path: Path, schema: pa.Schema, *, column: str = "part") -> Path:
    """Write ``df`` conformed to ``schema`` plus its partition ``column`` as one Parquet file, atomically:
    sorted by partition, one row group per partition, so :func:`read_part` reads only its own rows."""
    return write_parts_pieces([df], path, schema, column=column)


def write_parts_pieces(pieces: Iterable[pl.DataFrame], path: Path, schema: pa.Schema, *, column: str = "part"
                       ) -> Path:
    """:func:`write_parts` of frames made one at a time: each piece is written as it comes (sorted by
    partition, one row group per partition it holds) and let go before the next, so memory holds one piece.

    When more than one piece came, the file is then regrouped (:func:`_regroup_parts`) to one row group per
    partition, read and written one partition at a time: a row group per piece and partition would grow as
    pieces x partitions (at 1,000,000 pages about 7,600 row groups a file, whose footers every reader
    parses). Rows keep their order within a partition. One piece writes the same file as :func:`write_parts`.
    """
    full = pa.schema([*schema, pa.field(column, pa.int32(), nullable=False)])
    metadata = _schema_metadata(full, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    groups: dict[int, list[int]] = {}  # partition -> its row groups in the file, in order
    n_pieces = n_groups = 0
    try:
        with pq.ParquetWriter(tmp, full, **_stage_file_options(full)) as writer:
            for df in pieces:
                table = conform(df.sort(column, maintain_order=True), full).replace_schema_metadata(metadata)
                parts = table.column(column).to_numpy()
                cuts = [0, *(np.flatnonzero(np.diff(parts)) + 1).tolist(), len(parts)]
                for lo, hi in itertools.pairwise(cuts):
                    if hi > lo:
                        groups.setdefault(int(parts[lo]), []).append(n_groups)
                        writer.write_table(table.slice(lo, hi - lo), row_group_size=hi - lo)
                        n_groups += 1
                n_pieces += 1
                del table, parts
            if not groups:
                writer.write_table(conform(empty_frame(full), full).replace_schema_metadata(metadata))
        if n_pieces > 1:
            _regroup_parts(tmp, path, full, groups)
        else:
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _regroup_parts(source: str, path: Path, schema: pa.Schema, groups: dict[int, list[int]]) -> None:
    """Rewrite ``source`` (row groups ``groups[part]`` per partition, in file order) as ``path`` with one row
    group per partition, in partition order, holding one partition's rows in memory at a time; atomic."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        reader = pq.ParquetFile(source)
        with pq.ParquetWriter(tmp, schema, **_stage_file_options(schema)) as writer:
            for part in sorted(groups):
                table = reader.read_row_groups(groups[part])
                writer.write_table(table, row_group_size=max(1, table.num_rows))
                del table
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_part(paths: Sequence[Path], schema: pa.Schema, part: int, *, column: str = "part") -> pl.LazyFrame:
    """The rows of partition ``part`` of files written by :func:`write_parts` (missing files are skipped);
    row groups of other partitions are skipped by their statistics."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing:
        return empty_frame(schema).lazy()
    return pl.scan_parquet(existing).filter(pl.col(column) == part).drop(column)


def row_count(paths: Sequence[Path]) -> int:
    """Rows of the Parquet files ``paths`` (missing files count none), from their footers."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in paths if p.exists())


def read_rows(path: Path, rows: Sequence[int], columns: Sequence[str]) -> pl.DataFrame:
    """Read ``columns`` of the rows at positions ``rows`` of one Parquet file (row order), touching only
    the row groups that hold them; adds ``_row``, the position."""
    wanted = np.unique(np.asarray(rows, dtype=np.int64))
    pf = pq.ParquetFile(path)
    if not wanted.size:
        return pl.DataFrame({"_row": pl.Series([], dtype=pl.Int64)})
    starts = np.concatenate([[0], np.cumsum([pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)])])
    group_of = np.searchsorted(starts, wanted, side="right") - 1
    groups = np.unique(group_of)
    table = pf.read_row_groups(groups.tolist(), columns=list(columns))
    sizes = starts[groups + 1] - starts[groups]
    first_of = np.concatenate([[0], np.cumsum(sizes)[:-1]])  # where each read group starts in ``table``
    positions = first_of[np.searchsorted(groups, group_of)] + wanted - starts[group_of]
    frame = pl.from_arrow(table.take(pa.array(positions)))
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.Series("_row", wanted, dtype=pl.Int64))
