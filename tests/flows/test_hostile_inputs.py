"""Issue 8: broken and hostile input ends as rejects rows with reasons while the run goes on; nothing is lost."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from schemas import ARTICLES, ARTICLES_PARTITION, DUPLICATES, DUPLICATES_PARTITION, REJECTS, REJECTS_PARTITION
from tasks.publish.write import read_partitioned
from tests.conftest import SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.write_disk, pytest.mark.usefixtures("prefect_server")]

GOOD = (SAMPLE / "pages" / "southfront-000.txt").read_text(encoding="utf-8")


def _hostile(src: Path, outside: Path) -> dict[str, str | None]:
    """Write one file per kind of bad input; return file name -> expected reject reason (None: an article)."""
    expected: dict[str, str | None] = {}

    def put(name: str, data: bytes, reason: str | None) -> None:
        (src / name).write_bytes(data)
        expected[name] = reason

    put("empty.txt", b"", "empty")
    put("blank.txt", b" \n\t\n ", "empty")
    put("binary.txt", os.urandom(4096) + b"\x00" * 64, "binary")
    put("one line of 21 MB.txt", b"x" * 21_000_000, "too_large")
    put("bomb.txt.gz", gzip.compress(b"\0" * 30_000_000, compresslevel=1), "too_large")
    put("truncated.html.gz", gzip.compress(GOOD.encode())[:100], "bad_gzip")
    put("fake.txt.gz", b"plain text pretending to be gzip", "bad_gzip")
    put("deep.html", b"<html><body>" + b"<div>" * 100_000 + b"text" + b"</div>" * 100_000 + b"</body></html>",
        "html_too_deep")
    put("corrupt.warc", b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999999\r\n\r\nshort", "bad_warc")
    put("lines.jsonl", b'[1, 2]\n"a string"\n{"url": 5, "text": ["not", "text"]}\n{"text": "' + b"x" * 10 + b'"\n',
        "bad_json")
    put("invalid utf-8.txt", GOOD.encode("utf-8").replace(b"Lavrov", b"Lavr\xff\xfev"), None)
    put("utf16 with bom.txt", GOOD.encode("utf-16"), None)
    put("cp1251.txt", ("Россия и Иран\n\n" + "Министр иностранных дел сказал, что у стран нет планов. " * 8)
        .encode("cp1251"), None)
    put("$(touch pwned); 'q' \"x\" `y` & z.txt", GOOD.encode(), None)
    put("страница №1 — ü.txt", GOOD.encode(), None)
    (outside / "secret.txt").write_text(GOOD, encoding="utf-8")
    (src / "link-out.txt").symlink_to(outside / "secret.txt")
    return expected


def test_hostile_inputs_are_rejected_with_reasons_and_nothing_is_lost(tmp_path: Path) -> None:
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    src, outside = tmp_path / "in", tmp_path / "outside"
    src.mkdir()
    outside.mkdir()
    expected = _hostile(src, outside)
    out = tmp_path / "out"
    summary = build_corpus(BuildConfig(inputs=(str(src),), out=out))
    rejects = read_partitioned(out / "rejects", REJECTS, REJECTS_PARTITION).collect()
    articles = read_partitioned(out / "articles", ARTICLES, ARTICLES_PARTITION).collect()
    duplicates = read_partitioned(out / "duplicates", DUPLICATES, DUPLICATES_PARTITION).collect()
    by_file = rejects.with_columns(name=pl.col("source_path").str.split("/").list.last())
    for name, reason in expected.items():
        got = by_file.filter(pl.col("name") == name)
        if reason is None:
            assert got.is_empty(), (name, got["reason"].to_list())
            shipped = pl.concat([articles.select("source_path"), duplicates.select("source_path")])
            assert shipped.filter(pl.col("source_path").str.ends_with(name)).height == 1, name
        else:
            assert reason in got["reason"].to_list(), (name, got["reason"].to_list())
    assert rejects["detail"].null_count() == 0
    assert not any("link-out" in p for p in articles["source_path"].to_list())  # not followed out of the root
    assert not (Path.cwd() / "pwned").exists()
    assert summary["pages_in"] == summary["articles"] + summary["duplicates"] + summary["rejects"]
    cyr = articles.filter(pl.col("source_path").str.ends_with("cp1251.txt")).row(0, named=True)
    assert "Министр" in cyr["body"]
    assert cyr["language"] == "ru"
    shutil.rmtree(src)
