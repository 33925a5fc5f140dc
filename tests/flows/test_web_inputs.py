"""Issue 4 end to end: HTML, WARC and JSONL inputs through the flow, with URLs, dates and per-comment markup."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from schemas import ARTICLES, ARTICLES_PARTITION, COMMENTS, COMMENTS_PARTITION, REJECTS, REJECTS_PARTITION
from tasks.publish.write import read_partitioned
from tests.conftest import FIXTURES
from tests.unit.ingest.test_readers import _write_warc

pytestmark = [pytest.mark.slow, pytest.mark.write_disk, pytest.mark.usefixtures("prefect_server")]

HTML = FIXTURES / "html"


def test_html_warc_and_jsonl_pages_become_articles_with_their_comments(tmp_path: Path) -> None:
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    src = tmp_path / "in"
    src.mkdir()
    _write_warc(src / "crawl.warc.gz", gzip_members=True)  # rete-mirabile + getelastic, and records to skip
    (src / "stylegart.html.gz").write_bytes((HTML / "stylegart-de-naturkosmetik.html.gz").read_bytes())
    pt_html = gzip.decompress((HTML / "mensagensreflexao-com-br-b3c19dd5f0.html.gz").read_bytes()).decode()
    lines = [
        {"url": "https://www.mensagensreflexao.com.br/x", "html": pt_html, "fetched_at": "2024-03-01T08:00:00Z"},
        {"url": "https://news.example.org/a", "text": "A headline\n\n" + "A sentence of the story goes here. " * 20},
        [1, 2, 3],
    ]
    (src / "pages.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    summary = build_corpus(BuildConfig(inputs=(str(src),), out=tmp_path / "out"))

    articles = read_partitioned(tmp_path / "out" / "articles", ARTICLES, ARTICLES_PARTITION).collect()
    comments = read_partitioned(tmp_path / "out" / "comments", COMMENTS, COMMENTS_PARTITION).collect()
    rejects = read_partitioned(tmp_path / "out" / "rejects", REJECTS, REJECTS_PARTITION).collect()
    assert sorted(articles["input_format"].to_list()) == ["html", "jsonl", "jsonl", "warc", "warc"]
    assert summary["pages_in"] == articles.height + rejects.height + summary["duplicates"]
    assert summary["records_skipped_request"] == 4
    assert rejects["reason"].to_list() == ["bad_json"]

    rete = articles.filter(pl.col("site") == "rete-mirabile.net").row(0, named=True)
    assert rete["fetched_at_source"] == "warc"
    assert rete["crawl_month"] == "2024-05"
    truth = json.loads((HTML / "rete-mirabile-net-15jahre.truth.json").read_text())
    assert rete["title"] == truth["title"]
    thread = comments.filter(pl.col("article_id") == rete["article_id"]).sort("position")
    assert thread["author"].to_list() == [c["author"] for c in truth["comments"]]

    style = articles.filter(pl.col("input_format") == "html").row(0, named=True)
    truth = json.loads((HTML / "stylegart-de-naturkosmetik.truth.json").read_text())
    assert style["language"] == "de"
    assert comments.filter(pl.col("article_id") == style["article_id"]).height == len(truth["comments"])

    pt = articles.filter(pl.col("site") == "mensagensreflexao.com.br").row(0, named=True)
    assert pt["language"] == "pt"
    assert pt["fetched_at_source"] == "jsonl"
    assert pt["n_comments"] == 0
