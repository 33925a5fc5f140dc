"""The data dictionary in docs/ matches the schemas, and every example value fits its field."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tasks.reports.dictionary import (
    DATASET_EXAMPLES,
    DATASETS,
    REGENERATE,
    Dataset,
    dataset_examples,
    format_example,
    render_data_dictionary,
    render_dataset,
)
from tests.conftest import REPO

DOC = REPO / "docs" / "DATA_DICTIONARY.md"


def test_committed_dictionary_matches_the_schemas() -> None:
    """Fails when a schema changed and docs/DATA_DICTIONARY.md was not regenerated."""
    assert DOC.exists(), f"docs/DATA_DICTIONARY.md is missing; generate it with: {REGENERATE}"
    current = render_data_dictionary()
    committed = DOC.read_text(encoding="utf-8")
    assert committed == current, (
        "docs/DATA_DICTIONARY.md has drifted from schemas/ (or from the examples in tasks/reports/dictionary.py); "
        f"regenerate it with: {REGENERATE}"
    )


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_every_field_has_an_example(dataset: Dataset) -> None:
    examples = dataset_examples(dataset)
    missing = [n for n in dataset.schema.names if n not in examples]
    assert not missing, f"add examples to FIELD_EXAMPLES in tasks/reports/dictionary.py for {dataset.name}: {missing}"
    assert list(examples) == dataset.schema.names


def test_dataset_overrides_name_real_fields() -> None:
    for name, own in DATASET_EXAMPLES.items():
        (dataset,) = [d for d in DATASETS if d.name == name]
        assert set(own) <= set(dataset.schema.names)


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_examples_have_the_field_types(dataset: Dataset) -> None:
    row = dataset_examples(dataset)
    table = pa.Table.from_pylist([row], schema=dataset.schema)
    assert table.to_pylist()[0] == row  # nothing coerced or dropped on the way
    for f in dataset.schema:
        assert not (not f.nullable and row[f.name] is None), f"{dataset.name}.{f.name} is not nullable"


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_every_field_is_one_table_row_with_its_description(dataset: Dataset) -> None:
    section = render_dataset(dataset)
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == dataset.schema.names
    for f, line in zip(dataset.schema, rows, strict=True):
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        assert cells[1] == f"`{f.type}`"
        assert cells[2] == ("yes" if f.nullable else "no")
        assert cells[3] == f.metadata[b"description"].decode().replace("|", "\\|")
    for key in dataset.partition.names:
        assert f"`{key}` (partition)" in section


def test_a_new_field_changes_the_rendering() -> None:
    """The drift check is real: a field added to a schema shows up in the rendered table."""
    base = DATASETS[0]
    grown = type(base)(base.name, base.schema.append(pa.field("extra_col", pa.int8(), metadata={
        b"description": b"A new column."})), base.partition, base.doc)
    assert "| `extra_col` | `int8` | yes | A new column. | `?` |" in render_dataset(grown)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        (True, "true"),
        (3, "3"),
        ("a\nb", '"a\\nb"'),
        ("x" * 80, '"' + "x" * 57 + '..."'),
        (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "2024-01-02T03:04:05Z"),
        ([{"rule": "nav", "n_lines": 2}], '[{rule: "nav", n_lines: 2}]'),
    ],
)
def test_format_example(value: object, shown: str) -> None:
    assert format_example(value) == shown
