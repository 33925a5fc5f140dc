"""``corpus stats``: terminal tables and the HTML report of a small written corpus, checked in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from rich.console import Console

from flows.stats import print_stats, svg_bars, write_html_report
from schemas import OUTPUT_DATASETS
from tasks.publish.write import write_partitioned
from tasks.reports.dictionary import EXAMPLES

pytestmark = [pytest.mark.write_disk]

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def _frame(schema: pa.Schema, base: dict[str, Any], rows: list[dict[str, Any]]) -> pl.DataFrame:
    frame = pl.from_arrow(pa.Table.from_pylist([base | r for r in rows], schema=schema))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _write(out: Path, name: str, rows: list[dict[str, Any]], *, shard: str) -> None:
    schema, part = OUTPUT_DATASETS[name]
    write_partitioned(_frame(schema, EXAMPLES[name], rows), out / name, schema, part, shard_id=shard)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    out = tmp_path / "corpus"
    arts = [{"article_id": f"a{i}", "language": lang, "n_comments": n, "site": site}
            for i, (lang, n, site) in enumerate([("en", 3, "x.org"), ("de", 0, "y.de"), ("en", 30, "x.org")])]
    _write(out, "articles", arts, shard="s1")
    coms = [{"comment_id": f"c{i}", "article_id": "a0" if i < 3 else "a2", "language": "en" if i % 4 else "und",
             "author": f"user{i % 5}", "position": i} for i in range(33)]
    _write(out, "comments", coms, shard="s1")
    _write(out, "duplicates",
           [{"page_id": "p9", "kind": "exact", "similarity": 1.0}, {"page_id": "p8", "kind": "near"}], shard="s1")
    _write(out, "rejects", [{"reason": "empty", "stage": "ingest"}, {"reason": "no_article"}, {"reason": "no_article"}],
           shard="s1")
    (out / "_state").mkdir()
    summary = {"files": 8, "pages_in": 8, "articles": 3, "comments": 33, "duplicates": 2, "rejects": 3,
               "seconds": 4.0, "stage_seconds": {"ingest": 0.5, "parse": 2.5, "write": 1.0}}
    (out / "_state" / "last_run.json").write_text(json.dumps(summary), encoding="utf-8")
    return out


def test_print_stats_shows_every_table(corpus: Path) -> None:
    console = Console(record=True, width=120, force_terminal=False)
    print_stats(corpus, console=console)
    text = console.export_text()
    for title in ("Language mix", "Comments per article", "Boilerplate removed per rule family",
                  "Duplicates per kind", "Rejects by reason", "Last run", "Throughput per stage"):
        assert title in text
    assert "no_article" in text
    assert "measured" in text
    assert "66.7%" in text  # two of three articles are English


def test_stats_of_a_missing_folder_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no corpus folder"):
        print_stats(tmp_path / "nope", console=Console(record=True))


def test_stats_of_an_empty_corpus(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    html = write_html_report(tmp_path / "empty", tmp_path / "r.html")
    assert "nothing to show" in html.read_text(encoding="utf-8") or "none" in html.read_text(encoding="utf-8")


def test_html_report_is_self_contained(corpus: Path, tmp_path: Path) -> None:
    html = write_html_report(corpus, tmp_path / "out" / "report.html")
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for forbidden in ("<script", "http://", "https://", "<link", "@import", "url("):
        if forbidden.startswith("http"):  # the SVG namespace is the one allowed URL
            assert page.replace('xmlns="http://www.w3.org/2000/svg"', "").count(forbidden) == 0
        else:
            assert forbidden not in page
    for section in ("language_mix", "comments_per_article", "boilerplate_by_rule", "dedup_kinds",
                    "rejects_by_reason", "stage_throughput"):
        assert f'id="{section}"' in page
    assert page.count("<svg") >= 6


def test_svg_bars_scale_to_the_largest_value() -> None:
    svg = svg_bars(["a", "b"], {"n": [10, 5]}, width=400, label_width=100)
    widths = [float(part.split('"')[0]) for part in svg.split('width="')[2:]]  # after the svg's own width
    assert widths == [230.0, 115.0]
    assert svg_bars([], {"n": []}) == '<p class="empty">nothing to show</p>'


def _find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing and we may, else the test is skipped."""
    found = _find_chromium()
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.skip("headless Chromium is not installed and cannot be installed here "
                    "(needs root and apt-get: apt-get install -y chromium)")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run([apt, "install", "-y", "--no-install-recommends", "chromium"], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    found = _find_chromium()
    if not found:
        pytest.skip(f"apt-get install chromium failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return found


def _browser(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the raw (still filtered) scanlines of a PNG, read with the standard library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.slow
def test_html_report_renders_in_headless_chromium(corpus: Path, tmp_path: Path, chromium: str) -> None:
    html = write_html_report(corpus, tmp_path / "report.html")
    dom = _browser(chromium, tmp_path / "profile-dom", "--dump-dom", html.as_uri())
    assert dom.returncode == 0, dom.stderr[-500:]
    assert dom.stdout.count("<svg") >= 6  # the browser parsed every chart
    assert "Rejects by reason" in dom.stdout
    shot = tmp_path / "report.png"
    run = _browser(chromium, tmp_path / "profile-shot", "--window-size=1200,1800", f"--screenshot={shot}",
                   html.as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-500:]
    width, height, pixels = _png_pixels(shot)
    assert (width, height) == (1200, 1800)
    assert len(set(pixels)) > 50  # not a blank page: text, bars and several colours were drawn
    keep = os.environ.get("CORPUSFLOW_KEEP_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)


def test_stats_read_files_of_an_older_schema(corpus: Path) -> None:
    """A corpus extended by a newer version holds files without the newer columns; stats still read them."""
    articles, articles_partition = OUTPUT_DATASETS["articles"]
    older = pa.schema([f for f in articles if f.name != "published_at"])
    rows = [EXAMPLES["articles"] | {"article_id": "old", "language": "en", "n_comments": 7}]
    old = pl.from_arrow(pa.Table.from_pylist([{k: r[k] for k in older.names} for r in rows], schema=older))
    assert isinstance(old, pl.DataFrame)
    write_partitioned(old, corpus / "articles", older, articles_partition, shard_id="0" * 16)
    console = Console(record=True, width=120, force_terminal=False)
    print_stats(corpus, console=console)
    text = console.export_text()
    assert "articles               │     4" in text.replace("┃", "│")


def test_eval_report_renders_in_headless_chromium(tmp_path: Path, chromium: str) -> None:
    """``corpus eval --report``: the page renders, with its tables and the per-page sections."""
    from flows.eval_report import write_eval_report
    from flows.evaluate import run_eval

    pages = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("southfront-000", "lemonde-fr-moz-lemonde-1"):
        for suffix in (".txt", ".truth.json"):
            (folder / f"{name}{suffix}").write_bytes((pages / f"{name}{suffix}").read_bytes())
    html = write_eval_report(run_eval(folder), tmp_path / "eval.html")
    dom = _browser(chromium, tmp_path / "profile-dom", "--dump-dom", html.as_uri())
    assert dom.returncode == 0, dom.stderr[-500:]
    assert "Per layout" in dom.stdout and 'id="southfront-000"' in dom.stdout
    shot = tmp_path / "eval.png"
    run = _browser(chromium, tmp_path / "profile-shot", "--window-size=1200,1600", f"--screenshot={shot}",
                   html.as_uri())
    assert run.returncode == 0 and shot.stat().st_size > 10_000
