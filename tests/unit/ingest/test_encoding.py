"""Decoding page bytes: HTTP header, BOM, ``<meta charset>``, detection; never raise (issue 4)."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.pages import RAW_RECORDS
from schemas.validate import polars_schema
from tasks.ingest.encoding import decode_bytes, looks_binary, meta_charset
from tasks.ingest.pages import build_pages

RUSSIAN = ("Москва — столица России, крупнейший по численности населения город страны. "
           "В городе много музеев, театров и парков, а жители любят гулять по набережным.") * 3
GERMAN = "Grüße aus München: Äpfel, Öl und Übermut. Süßes für die Straße, schöne Tür. " * 3
GERMAN_QUOTES = "Er sagte: „Grüße aus München“ – und ging… Öl für die Straße. " * 3
POLISH = "Zażółć gęślą jaźń. Łódź jest piękna, a żółw śpi spokojnie w ogrodzie. " * 3
FRENCH = "Élève déjà reçu à l'école, où l'été français est très agréable. Ça c'est génial ! " * 3


def _html(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(("data", "declared", "is_html", "text", "encoding"), [
    # cp1251 declared by <meta charset>
    (_html(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251"), None, True, RUSSIAN, "cp1251"),
    # cp1251 declared only by the HTTP header
    (_html(RUSSIAN).encode("cp1251"), "windows-1251", True, RUSSIAN, "cp1251"),
    # cp1251 with no declaration at all: detection
    (_html(RUSSIAN).encode("cp1251"), None, True, RUSSIAN, None),
    # latin-1 without a declaration: not UTF-8, so detection
    (_html(GERMAN).encode("latin-1"), None, True, GERMAN, None),
    (FRENCH.encode("latin-1"), None, False, FRENCH, None),
    (_html(POLISH).encode("cp1250"), None, True, POLISH, None),
    (_html(GERMAN_QUOTES).encode("cp1252"), None, True, GERMAN_QUOTES, "cp1252"),
    # UTF-16 with BOM, both byte orders; the BOM wins over a wrong header
    (codecs.BOM_UTF16_LE + _html(GERMAN).encode("utf-16-le"), "iso-8859-1", True, GERMAN, "utf-16-le"),
    (codecs.BOM_UTF16_BE + _html(RUSSIAN).encode("utf-16-be"), None, True, RUSSIAN, "utf-16-be"),
    (codecs.BOM_UTF8 + _html(GERMAN).encode("utf-8"), None, True, GERMAN, "utf-8"),
    # the http-equiv form of the declaration
    (_html(GERMAN, '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">').encode("cp1252"),
     None, True, GERMAN, "cp1252"),
    # a declaration that lies (says UTF-8, bytes are latin-1) falls through to detection
    (_html(GERMAN, '<meta charset="utf-8">').encode("latin-1"), None, True, GERMAN, None),
])
def test_decode_bytes(data: bytes, declared: str | None, is_html: bool, text: str, encoding: str | None) -> None:
    """Issue 4: encoding cases cp1251, latin-1 without declaration, UTF-16 with BOM."""
    decoded = decode_bytes(data, declared=declared, is_html=is_html)
    assert text in decoded.text
    assert not decoded.has_replacement_chars
    if encoding is not None:
        assert decoded.encoding == encoding


def test_undecodable_bytes_are_flagged() -> None:
    data = b"<html><body><p>" + bytes(range(0x80, 0x100)) * 4 + b"\xff\xfe\xfd</p></body></html>"
    decoded = decode_bytes(data, declared="utf-8", is_html=True)
    assert isinstance(decoded.text, str)


def test_replacement_flag_when_nothing_fits() -> None:
    decoded = decode_bytes(b"abc \xc3\x28 def", declared="bogus-charset")
    assert decoded.text.startswith("abc")
    # either detection found a single-byte codec (no U+FFFD) or the flag is set
    assert decoded.has_replacement_chars == ("\ufffd" in decoded.text)


@pytest.mark.parametrize(("head", "expected"), [
    (b'<meta charset="windows-1251">', "cp1251"),
    (b"<meta charset=utf-8>", "utf-8"),
    (b'<META HTTP-EQUIV="content-type" CONTENT="text/html; charset=koi8-r">', "koi8-r"),
    (b'<meta charset="no-such-codec">', None),
    (b"<title>none</title>", None),
])
def test_meta_charset(head: bytes, expected: str | None) -> None:
    assert meta_charset(b"<html><head>" + head + b"</head>") == expected


@pytest.mark.parametrize(("data", "binary"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", True),
    (codecs.BOM_UTF16_LE + "hello".encode("utf-16-le"), False),
    (b"plain text\nwith lines\tand tabs", False),
    (b"", False),
])
def test_looks_binary(data: bytes, binary: bool) -> None:
    assert looks_binary(data) is binary


@pytest.mark.parametrize(("data", "binary"), [
    (b"a" * 90 + b"\x01" * 10, False),  # 10% control bytes: still text
    (b"a" * 89 + b"\x01" * 11, True),  # over 10%
    (b"\t\n\x0c\r" * 25, False),  # tab, newline, form feed, carriage return are text
    (b"\x7f" * 50 + b"\x1b" * 5, False),  # DEL is not a C0 control; 5 ESC of 55 bytes is 9%
    (bytes(range(128, 256)) + b"\x1f" * 14, False),  # high bytes are text (any code page); 14 of 142 <= 10%
    (bytes(range(128, 256)) + b"\x1f" * 15, True),
    (b"a" * 8192 + b"\x01" * 5000, False),  # only the first 8,192 bytes are looked at
])
def test_looks_binary_counts_c0_controls_but_tab_newline_formfeed_return(data: bytes, binary: bool) -> None:
    assert looks_binary(data) is binary


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_looks_binary_is_its_stated_rule(data: bytes) -> None:
    """A NUL, or more than 10% C0 controls other than tab, newline, form feed and return (BOM: text)."""
    head = data[:8192]
    boms = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    expected = bool(head) and not head.startswith(boms) and (b"\x00" in head or controls > len(head) * 0.10)
    assert looks_binary(data) is expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "utf-8", "cp1251", "latin-1", "utf-16", "nonsense"]),
       st.booleans())
def test_decode_never_raises(data: bytes, declared: str | None, is_html: bool) -> None:
    """Issue 4: never crash on bytes."""
    decoded = decode_bytes(data, declared=declared, is_html=is_html)
    assert isinstance(decoded.text, str)
    assert decoded.has_replacement_chars == ("\ufffd" in decoded.text) or not decoded.has_replacement_chars


def test_build_pages_flags_replacement_and_keeps_encoding() -> None:
    rows = [
        {"source_path": "a.html", "record": 0, "input_format": "html", "url": None, "site": None,
         "fetched_at": None, "fetched_at_source": None, "is_html": True, "declared_charset": None,
         "content": _html(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251"), "text": None,
         "n_bytes": 1, "read_error": None, "read_detail": None},
        {"source_path": "b.txt", "record": 0, "input_format": "txt", "url": None, "site": None,
         "fetched_at": None, "fetched_at_source": None, "is_html": False, "declared_charset": "utf-8",
         "content": "Grüße".encode() + b"\xff\xfe\xfa" * 40, "text": None,
         "n_bytes": 1, "read_error": None, "read_detail": None},
    ]
    raw = pl.DataFrame(rows, schema=polars_schema(RAW_RECORDS))
    pages = build_pages(raw, ingested_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert pages["encoding"][0] == "cp1251"
    assert pages["text"][0].strip() == RUSSIAN.strip()
    assert pages["has_replacement_chars"][0] is False
    assert pages["text"][1].startswith("Gr")
    assert pages["has_replacement_chars"][1] == ("\ufffd" in pages["text"][1])
