"""Compare the four datasets of two built corpora row for row (not a timing).

Run ``.venv/bin/python bench/compare_outputs.py OUT_A OUT_B``: each dataset (articles, comments,
duplicates, rejects) of each output folder is read in the snapshot it shows now, every column but
``ingested_at`` (the time of the build), its rows sorted on every column, and the two compared value for
value. Prints per dataset the rows on each side and ``identical`` or the first differing rows; exits 1
when any dataset differs. Used to show that a speed change leaves the output as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from flows.stats import dataset_roots, scan_dataset
from schemas import OUTPUT_DATASETS

IGNORED = ("ingested_at",)
"""Columns that record when a build ran, not what it found."""


def read_output(out: Path) -> dict[str, pl.DataFrame]:
    """Every dataset of ``out`` without the ``IGNORED`` columns, sorted on all its columns."""
    columns = {name: (schema, part, list(schema.names)) for name, (schema, part) in OUTPUT_DATASETS.items()}
    roots = dataset_roots(out, columns)
    frames = {}
    for name, (schema, part) in OUTPUT_DATASETS.items():
        frame = scan_dataset(roots[name], schema, part).collect()
        frame = frame.drop([c for c in IGNORED if c in frame.columns])
        frames[name] = frame.sort(frame.columns, nulls_last=True)
    return frames


def compare(a: Path, b: Path) -> bool:
    """Print the comparison of the outputs in ``a`` and ``b``; whether every dataset is identical."""
    left, right = read_output(a), read_output(b)
    same = True
    for name in OUTPUT_DATASETS:
        x, y = left[name], right[name]
        equal = x.columns == y.columns and x.equals(y)
        same &= equal
        print(f"{name:12s} rows {x.height:>9,} / {y.height:>9,}  {'identical' if equal else 'DIFFER'}")
        if not equal and x.columns == y.columns:
            print(x.join(y, on=x.columns, how="anti", nulls_equal=True).head(3))
            print(y.join(x, on=y.columns, how="anti", nulls_equal=True).head(3))
    return same


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raise SystemExit(0 if compare(Path(sys.argv[1]), Path(sys.argv[2])) else 1)
