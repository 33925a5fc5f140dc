"""Decode page bytes to text without ever raising.

Order of evidence: a byte-order mark, the charset the caller knows (HTTP header, ``<meta
charset>``), strict UTF-8, then detection by charset-normalizer. When nothing decodes cleanly
the bytes are decoded as UTF-8 with replacement characters and the page is flagged.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

logger = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_BYTES = tuple(bom for bom, _ in _BOMS)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]{2,40})""", re.IGNORECASE)
_DETECT_SAMPLE = 200_000
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13))
"""Every byte but the C0 controls that never occur in text: deleting these leaves the suspicious ones."""
_WESTERN_MAX_SHARE = 0.3
_WESTERN_MIN_ALPHA = 0.9


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, with the encoding used and whether U+FFFD had to be inserted."""

    text: str
    encoding: str
    has_replacement_chars: bool


_WHATWG_ALIASES = {"latin_1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "iso8859-9": "cp1254",
                   "iso8859-11": "cp874", "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949",
                   "shift_jis": "cp932", "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8"}
"""Labels a browser reads as another encoding (WHATWG Encoding Standard): a page declaring ISO-8859-1
is decoded as windows-1252, and so on; a UTF-16 label in bytes without a BOM means UTF-8."""


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(found, found)


def meta_charset(data: bytes) -> str | None:
    """Return the charset declared by ``<meta charset>`` in the first 4 kB of an HTML page, if valid."""
    match = _META_CHARSET.search(data[:4096])
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def decode_bytes(data: bytes, *, declared: str | None = None, is_html: bool = False) -> Decoded:
    """Decode ``data`` to text, trying BOM, ``declared``, ``<meta charset>`` (HTML), UTF-8, detection."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = data[len(bom):].decode(name.replace("-sig", ""), errors="replace")
            return Decoded(text, name.replace("-sig", ""), "\ufffd" in text)
    candidates = [_codec(declared)]
    if is_html:
        candidates.append(meta_charset(data))
    candidates.append("utf-8")
    for codec in candidates:
        if codec is None:
            continue
        try:
            return Decoded(data.decode(codec), codec, has_replacement_chars=False)
        except (UnicodeDecodeError, LookupError):
            continue
    if (western := _western_text(data)) is not None:
        return Decoded(western, "cp1252", has_replacement_chars=False)
    best = from_bytes(data[:_DETECT_SAMPLE]).best()
    if best is not None and best.encoding:
        text = data.decode(best.encoding, errors="replace")
        return Decoded(text, _codec(best.encoding) or best.encoding, "\ufffd" in text)
    text = data.decode("utf-8", errors="replace")
    logger.debug("no encoding fits; decoded as UTF-8 with replacement")
    return Decoded(text, "utf-8", has_replacement_chars=True)


def _western_text(data: bytes) -> str | None:
    """Decode as windows-1252 when the bytes read as Western European text, else None.

    Detection libraries guess poorly between the Latin single-byte code pages on short Western
    texts (French latin-1 came out as cp1257), while browsers fall back to windows-1252. The bytes
    qualify when windows-1252 decodes them, at most ``_WESTERN_MAX_SHARE`` of the letters are
    non-ASCII (Cyrillic or Greek text in a single-byte code page is almost all high bytes), and
    the non-ASCII characters are letters (Polish cp1250 turns into symbols such as ``¹``/``³``).
    """
    try:
        text = data[:_DETECT_SAMPLE].decode("cp1252")
    except UnicodeDecodeError:
        return None
    # punctuation and spaces (typographic quotes, dashes, U+00A0) say nothing about the code page
    high = [ch for ch in text if ord(ch) > 127 and unicodedata.category(ch)[0] not in "PZ"]
    if not high:
        return None
    letters = sum(1 for ch in text if ch.isalpha())
    if len(high) > letters * _WESTERN_MAX_SHARE:
        return None
    if sum(1 for ch in high if ch.isalpha()) < len(high) * _WESTERN_MIN_ALPHA:
        return None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def looks_binary(data: bytes, *, sample: int = 8192) -> bool:
    """True when the first ``sample`` bytes look like binary data rather than text.

    UTF-16/32 text (with a BOM) is text; otherwise a NUL byte or more than 10% C0 control
    characters (other than tab, newline, carriage return, form feed) marks binary data.
    """
    head = data[:sample]
    if not head:
        return False
    if head.startswith(_BOM_BYTES):
        return False
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _NOT_CONTROL))  # one C pass, no loop over the bytes
    return controls > len(head) * 0.10
