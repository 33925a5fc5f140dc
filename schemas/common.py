"""Helpers shared by the schema modules."""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "2"
"""Bumped whenever a dataset's columns or their meaning change."""

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")


def field(name: str, type_: pa.DataType, description: str, *, nullable: bool = True, text: bool = False) -> pa.Field:
    """Build a field that carries its description in the field metadata.

    ``text=True`` marks free text (titles, bodies, comments, paths): nobody filters it by range, so
    Parquet min/max statistics of it would only take space (up to 8 kB a column chunk and page).
    """
    metadata = {"description": description} | ({"text": "true"} if text else {})
    return pa.field(name, type_, nullable=nullable, metadata=metadata)


SIGNALS = pa.struct([
    field("n_words", pa.int32(), "Words; in Chinese, Japanese kana, Thai, Lao, Khmer and Myanmar script each letter "
                                 "counts as a word (a word across the 2,000th character counts twice).",
          nullable=False),
    field("mean_word_length", pa.float32(), "Characters per word (letters, digits, marks, inner ' or -) in the "
                                            "first 2,000 characters; null without words."),
    field("upper_share", pa.float32(), "Upper-case letters over the characters of the words, in the first 2,000 "
                                       "characters; null without words."),
    field("symbol_share", pa.float32(), "Characters that are not letters, marks, digits or white space "
                                        "(punctuation, symbols, emoji) over all characters; null when empty."),
    field("dup_line_share", pa.float32(), "Non-blank lines repeating an earlier line of the text, over non-blank "
                                          "lines; null when blank."),
    field("n_urls", pa.int32(), "http(s):// and www. links in the text.", nullable=False),
    field("stopword_share", pa.float32(), "Stop words of the text's language (lists of the stop-words package) over "
                                          "words, in the first 2,000 characters; null for 'und' and languages "
                                          "without a list."),
])
"""Quality signals of a text (``tasks/publish/signals.py``), one struct column ``signals``."""

PII_KINDS_TYPE = pa.list_(pa.string())


def statistics_columns(schema: pa.Schema) -> list[str]:
    """Columns whose Parquet statistics are worth writing: all but free text and nested columns."""
    return [f.name for f in schema
            if (f.metadata or {}).get(b"text") != b"true" and not pa.types.is_nested(f.type)]


def describe(schema: pa.Schema) -> dict[str, str]:
    """Return ``{column: description}`` for a schema, in column order."""
    return {f.name: (f.metadata or {}).get(b"description", b"").decode() for f in schema}
