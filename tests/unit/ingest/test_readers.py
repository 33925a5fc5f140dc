"""Readers for real web inputs: WARC (plain and gzip member per record), JSONL, manifests (issue 4)."""

from __future__ import annotations

import gzip
import io
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from schemas.pages import MANIFEST, PAGES, RAW_RECORDS
from schemas.validate import conform, polars_schema
from tasks.ingest import readers
from tasks.ingest.pages import build_pages
from tasks.ingest.readers import (
    SKIPPED_PREFIX,
    InputFile,
    input_kind,
    jsonl_records,
    parse_manifest,
    parse_timestamp,
    parse_timestamps,
    records_from_bytes,
    warc_records,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "html"
PAGE = "rete-mirabile-net-15jahre"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _page_bytes(name: str = PAGE) -> bytes:
    return gzip.decompress((FIXTURES / f"{name}.html.gz").read_bytes())


def _write_warc(path: Path, *, gzip_members: bool) -> None:
    """Write a small WARC like a crawler does: warcinfo, request/response pairs, revisit, metadata, non-HTML."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip_members)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for url, body, ctype, status in [
            ("https://rete-mirabile.net/notizen/15-jahre-rete-mirabile/", _page_bytes(), "text/html; charset=UTF-8",
             "200 OK"),
            ("https://www.getelastic.com/x", _page_bytes("getelastic-com-dragnetr1000"), "text/html", "200 OK"),
            ("https://example.org/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png", "200 OK"),
            ("https://example.org/missing", b"<html><body>Not found</body></html>", "text/html", "404 Not Found"),
        ]:
            req = writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                            http_headers=StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")],
                                                                          is_http_request=True))
            writer.write_record(req)
            http = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": "2024-05-01T12:30:00Z"}))
        writer.write_record(writer.create_revisit_record(
            "https://rete-mirabile.net/notizen/15-jahre-rete-mirabile/", digest="sha1:AAAA",
            refers_to_uri="https://rete-mirabile.net/notizen/15-jahre-rete-mirabile/",
            refers_to_date="2024-05-01T12:30:00Z"))
        writer.write_record(writer.create_warc_record(
            "https://example.org/", "metadata", payload=io.BytesIO(b"outlink: https://example.org/a\n"),
            warc_content_type="application/warc-fields"))


def _read(path: Path) -> pl.DataFrame:
    """Read a file the way ``tasks/ingest/inputs.py`` does: bytes gunzipped as a whole, then split into records."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    st = path.stat()
    recs = list(records_from_bytes(InputFile(str(path), st.st_size, st.st_mtime_ns), data))
    return pl.DataFrame(recs, schema=polars_schema(RAW_RECORDS))


@pytest.mark.write_disk
@pytest.mark.parametrize(("name", "gzip_members"), [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_warc_reads_html_responses_and_counts_skipped_records(tmp_path: Path, name: str, gzip_members: bool) -> None:
    """Issue 4: WARC response records with HTML become pages; the rest are counted per reason."""
    path = tmp_path / name
    _write_warc(path, gzip_members=gzip_members)
    raw = _read(path)
    conform(raw, RAW_RECORDS)
    counts = dict(raw.group_by("read_error").len().iter_rows())
    assert counts == {
        None: 2, "skipped_warcinfo": 1, "skipped_request": 4, "skipped_non_html": 1, "skipped_http_status": 1,
        "skipped_revisit": 1, "skipped_metadata": 1,
    }
    pages_raw = raw.filter(pl.col("read_error").is_null())
    assert pages_raw["input_format"].to_list() == ["warc", "warc"]
    assert pages_raw["fetched_at_source"].to_list() == ["warc", "warc"]
    assert pages_raw["fetched_at"].to_list() == [datetime(2024, 5, 1, 12, 30, tzinfo=UTC)] * 2
    assert pages_raw["declared_charset"].to_list() == ["UTF-8", None]
    assert pages_raw["content"][0] == _page_bytes()
    assert raw["record"].to_list() == list(range(raw.height))

    pages = build_pages(raw, ingested_at=NOW)
    conform(pages, PAGES)
    page = pages.filter(pl.col("read_error").is_null() if "read_error" in pages.columns
                        else pl.col("reject_reason").is_null())
    assert page.height == 2
    first = page.row(0, named=True)
    assert first["text"] == (FIXTURES / f"{PAGE}.txt").read_text(encoding="utf-8")
    assert first["url"] == "https://rete-mirabile.net/notizen/15-jahre-rete-mirabile/"
    assert first["site"] == "rete-mirabile.net"
    assert first["published_at"] == datetime(2019, 7, 28, 11, 5, 32, tzinfo=UTC)
    # the canonical link of the page wins over the URL the crawler fetched
    assert page.row(1, named=True)["url"].startswith("http://www.getelastic.com/copywriting")
    skipped = pages.filter(pl.col("reject_reason").str.starts_with(SKIPPED_PREFIX))
    assert skipped.height == 9


@pytest.mark.write_disk
def test_warc_records_streams_a_gzip_member_per_record_file(tmp_path: Path) -> None:
    """Issue 4: the WARC reader also takes the compressed file as a stream (no whole-file gunzip)."""
    path = tmp_path / "crawl.warc.gz"
    _write_warc(path, gzip_members=True)
    st = path.stat()
    with path.open("rb") as fh:
        recs = list(warc_records(InputFile(str(path), st.st_size, st.st_mtime_ns), fh))
    assert [r["read_error"] for r in recs].count(None) == 2
    assert recs[2]["content"] == _page_bytes()


@pytest.mark.write_disk
def test_truncated_warc_keeps_records_before_the_break(tmp_path: Path) -> None:
    """Issue 4: a WARC cut off in the middle never raises; earlier records survive."""
    path = tmp_path / "cut.warc"
    _write_warc(path, gzip_members=False)
    data = path.read_bytes()
    cut = tmp_path / "cut2.warc"
    cut.write_bytes(data[: int(len(data) * 0.6)] + b"\r\nWARC/1.0\r\ngarbage")
    raw = _read(cut)
    assert raw.height >= 2
    assert raw.filter(pl.col("read_error").is_null()).height >= 1
    assert raw["read_error"].to_list()[-1] in ("bad_warc", "truncated")


def test_jsonl_records() -> None:
    """Issue 4: JSONL lines with html or text, optional fetched_at and site; bad lines are tagged."""
    lines = [
        {"url": "https://a.example.com/x", "html": "<html><body><p>Hällo</p></body></html>",
         "fetched_at": "2024-02-03T04:05:06+01:00", "site": "example.com"},
        {"url": "https://b.example.org/y", "text": "Plain text page", "fetched_at": 1700000000},
        {"url": "https://c.example.org/z"},
    ]
    data = ("\n".join(json.dumps(x) for x in lines) + "\n\nnot json\n[1, 2]\n").encode()
    src = InputFile("pages.jsonl", len(data), 0)
    recs = list(jsonl_records(src, data))
    assert [r["read_error"] for r in recs] == [None, None, "no_content", "bad_json", "bad_json"]
    assert [r["record"] for r in recs] == [0, 1, 2, 3, 4]
    assert recs[0]["content"] == "<html><body><p>Hällo</p></body></html>".encode()
    assert recs[0]["is_html"] is True
    assert recs[0]["fetched_at"] == datetime(2024, 2, 3, 3, 5, 6, tzinfo=UTC)
    assert recs[0]["fetched_at_source"] == "jsonl"
    assert recs[0]["site"] == "example.com"
    assert recs[1]["text"] == "Plain text page"
    assert recs[1]["fetched_at"] == datetime.fromtimestamp(1700000000, tz=UTC)
    assert recs[2]["fetched_at_source"] == "file_mtime"
    raw = pl.DataFrame(recs, schema=polars_schema(RAW_RECORDS))
    pages = build_pages(raw, ingested_at=NOW)
    assert pages["text"].to_list()[:2] == ["Hällo\n", "Plain text page"]
    assert pages["site"].to_list()[:2] == ["example.com", "example.org"]
    assert pages["reject_reason"].to_list() == [None, None, "no_content", "bad_json", "bad_json"]


def test_a_page_fetched_again_unchanged_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same markup at the same URL is rendered once and gets the same row each time; under another URL
    (its relative canonical link resolves against it) it is rendered again."""
    from tasks.ingest import pages as pages_module

    html = ('<html><head><link rel="canonical" href="/story"></head><body><p>Hello there</p>'
            '<time class="published" datetime="2024-02-03T04:05:06Z"></time></body></html>')
    urls = ["https://a.example.com/x", "https://a.example.com/x", "https://b.example.com/y"]
    data = "".join(json.dumps({"url": u, "html": html, "fetched_at": 1700000000}) + "\n" for u in urls).encode()
    raw = pl.DataFrame(list(jsonl_records(InputFile("pages.jsonl", len(data), 0), data)),
                       schema=polars_schema(RAW_RECORDS))
    alone = [build_pages(raw[i:i + 1], ingested_at=NOW) for i in range(3)]
    calls: list[str | None] = []
    real = pages_module.render_page

    def counting(tree: object, **kwargs: object) -> object:
        calls.append(kwargs.get("base_url"))  # type: ignore[arg-type]
        return real(tree, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages_module, "render_page", counting)
    together = build_pages(raw, ingested_at=NOW)
    assert calls == [urls[0], urls[2]]
    cols = ["text", "url", "published_at", "reject_reason"]
    assert together.select(cols).equals(pl.concat([frame.select(cols) for frame in alone]))
    assert together["url"].to_list() == ["https://a.example.com/story", "https://a.example.com/story",
                                         "https://b.example.com/story"]


@pytest.mark.write_disk
def test_jsonl_gz_through_io(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"url": "https://x.example.net/", "text": "hello"}\n'))
    raw = _read(path)
    assert raw["text"].to_list() == ["hello"]
    assert raw["input_format"].to_list() == ["jsonl"]


@pytest.mark.parametrize(("name", "kind"), [
    ("a.html", "html"), ("a.HTM.gz", "html"), ("a.warc.gz", "warc"), ("a.warc", "warc"), ("a.jsonl.gz", "jsonl"),
    ("a.txt", "txt"), ("a.csv", None), ("a.gz", None),
])
def test_input_kind(name: str, kind: str | None) -> None:
    assert input_kind(name) == kind


def test_html_and_txt_files_are_one_record() -> None:
    src = InputFile("x/page.html", 10, 1_700_000_000_000_000_000)
    (rec,) = records_from_bytes(src, b"<p>x</p>")
    assert rec["is_html"] is True
    assert rec["fetched_at_source"] == "file_mtime"
    (rec,) = records_from_bytes(InputFile("x/page.csv", 1, 0), b"a")
    assert rec["read_error"] == "unsupported_format"


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-05-01T12:30:00Z", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ("2024-05-01T14:30:00.123+02:00", datetime(2024, 5, 1, 12, 30, 0, 123000, tzinfo=UTC)),
    ("2024-05-01 12:30:00", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ("20240501123000", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ("Wed, 01 May 2024 12:30:00 GMT", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    (1714566600, datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    (1714566600000, datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ("1714566600", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ("yesterday", None), ("", None), (None, None), (True, None), ([1], None),
])
def test_parse_timestamp(value: object, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


def test_parse_manifest_csv() -> None:
    data = ("\ufeffpath,url,fetched_at,site,extra\n"
            "a/one.txt,https://www.example.com/1,2024-05-01T12:00:00Z,example.com,x\n"
            "two.txt,,not a date,,\n"
            ",https://nopath.example/,,,\n").encode()
    df = parse_manifest(data, name="manifest.csv")
    assert df.schema == polars_schema(MANIFEST)
    assert df["path"].to_list() == ["a/one.txt", "two.txt"]
    assert df["url"].to_list() == ["https://www.example.com/1", None]
    assert df["fetched_at"].to_list() == [datetime(2024, 5, 1, 12, tzinfo=UTC), None]
    assert df["site"].to_list() == ["example.com", None]


@pytest.mark.parametrize("name", ["manifest.csv", "manifest.jsonl"])
def test_manifest_read_from_its_file_equals_its_bytes(name: str, tmp_path: Path) -> None:
    """A manifest file is read by polars (CSV) or line by line (JSONL): the same frame as from its bytes."""
    rows = [{"path": f"p{i}.txt", "url": f"https://e.example/{i}" if i % 3 else "",
             "fetched_at": f"2024-05-{1 + i % 28:02d}T12:00:00Z" if i % 4 else "never", "site": "e.example"}
            for i in range(23)] + [{"path": "", "url": "https://nopath.example/", "fetched_at": "", "site": ""}]
    if name.endswith(".csv"):
        data = ("\ufeffpath,url,fetched_at,site\r\n" + "".join(
            f"{r['path']},{r['url']},{r['fetched_at']},{r['site']}\r\n" for r in rows)).encode()
    else:
        data = "\n".join(json.dumps(r) for r in rows).encode()
    whole = parse_manifest(data, name=name)
    assert whole.height == 23
    assert whole["path"].to_list() == [f"p{i}.txt" for i in range(23)]
    assert whole["fetched_at"].null_count() == 6
    (tmp_path / name).write_bytes(data)
    assert parse_manifest(tmp_path / name, name=name).equals(whole)


def test_manifest_read_in_slices_equals_it_read_whole(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Issue 18: a large manifest is cleaned a slice of rows at a time; the frame and the counts of skipped
    rows and unreadable times are those of one pass."""
    data = ("path,url,fetched_at\n" + "".join(
        f"{'' if i % 5 == 0 else f' p{i}.txt '},https://e.example/{i},"
        f"{'soon' if i % 3 == 0 else '2024-05-01T12:00:00Z'}\n" for i in range(23))).encode()
    whole = parse_manifest(data, name="m.csv")
    whole_log = caplog.text
    caplog.clear()
    monkeypatch.setattr(readers, "MANIFEST_ROWS_AT_ONCE", 4)
    sliced = parse_manifest(data, name="m.csv")
    assert sliced.equals(whole) and sliced.height == 18 and sliced["path"][0] == "p1.txt"
    assert "5 rows without a path skipped" in whole_log and "6 fetched_at values" in whole_log
    assert caplog.text == whole_log


def test_parse_manifest_semicolon_csv_and_jsonl() -> None:
    csv_df = parse_manifest(b"path;url\nx.txt;https://e.example/\n", name="m.csv")
    assert csv_df.select("path", "url").rows() == [("x.txt", "https://e.example/")]
    jsonl = b'{"path": "p.txt", "fetched_at": 1714566600, "site": "e.example"}\nbroken\n{"url": "no path"}\n'
    df = parse_manifest(jsonl, name="m.jsonl")
    assert df.rows() == [("p.txt", None, datetime(2024, 5, 1, 12, 30, tzinfo=UTC), "e.example")]
    assert parse_manifest(b"", name="empty.csv").height == 0


def test_parse_timestamps_agrees_with_parse_timestamp() -> None:
    rng = random.Random(7)
    values: list[str | None] = [None, "", "  ", "yesterday", "NaN", "1e5", "2024-02-30T00:00:00", "20240230120000",
                                "2024-05-01", "2024-5-1T12:00:00", "2024-05-01T12:00:00+0200", "Z",
                                "Wed, 01 May 2024 12:30:00 GMT", "Thu, 02 May 2024 01:00:00 +0200",
                                "99999999999999999", "-86400", "2024-05-01T12:00:00.1234567891Z"]
    for _ in range(400):
        moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 9e8))
        offset = timezone(timedelta(minutes=rng.choice([-300, 0, 60, 330])))
        local = moment.astimezone(offset)
        values += [local.isoformat(), local.isoformat(sep=" "), local.replace(tzinfo=None).isoformat(),
                   moment.isoformat().replace("+00:00", rng.choice(["Z", "z", "+00:00"])),
                   moment.strftime("%Y%m%d%H%M%S"), str(int(moment.timestamp())), f"{moment.timestamp():.3f}",
                   str(int(moment.timestamp() * 1000)), f" {local.isoformat(timespec='milliseconds')} "]
    got = parse_timestamps(pl.Series("t", values, dtype=pl.String)).to_list()
    assert got == [parse_timestamp(v) for v in values]
