"""Unit tests for the parse metrics of issue 3 (tasks.reports.parse_scores, tasks.text_match) and the
flows.evaluate runner."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flows.evaluate import format_report, run_eval
from tasks.reports.parse_scores import author_error, failure_kinds, score_page, score_pages, summarize_scores
from tasks.text_match import align_comments, fold, token_f1


def test_token_f1() -> None:
    assert token_f1("The cat sat", "the CAT sat") == 1.0
    assert token_f1("", "") == 1.0
    assert token_f1("a", "") == 0.0
    assert token_f1("a b", "a c") == pytest.approx(0.5)
    assert fold("  Hello\n World ") == "hello world"


def test_alignment_is_in_order_and_needs_half_overlap() -> None:
    pred = ["hello there friend", "totally unrelated words", "good night moon"]
    truth = ["hello there friend", "good night moon", "extra comment"]
    assert [(i, j) for i, j, _ in align_comments(pred, truth)] == [(0, 0), (2, 1)]
    assert align_comments(["b a"], ["a b"])[0][2] == 1.0
    assert align_comments([], ["x"]) == []


def test_score_page_counts_authors_and_spurious() -> None:
    scores = score_page(
        title="Title", body="one two three", comments=[("Ann", "first comment here"), ("bob", "second one")],
        true_title="title ", true_body="one two four", true_comments=[("ann", "first comment here"), ("Bob", "x y")],
    )
    assert scores["title_ok"] is True
    assert scores["n_matched"] == 1
    assert scores["n_author_ok"] == 1
    assert scores["count_exact"] is True
    spurious = score_page(title=None, body="", comments=[("a", "b")], true_title="t", true_body="x",
                          true_comments=[])
    assert spurious["spurious"] is True
    assert spurious["title_ok"] is False


def test_score_pages_and_summary() -> None:
    articles = pl.DataFrame({"page_id": ["a", "b"], "title": ["T", "U"], "body": ["x y", "z"]})
    comments = pl.DataFrame({"page_id": ["a"], "position": [0], "author": ["Ann"], "text": ["hello"]})
    truth = pl.DataFrame({"page_id": ["a", "b"], "title": ["T", "V"], "body": ["x y", "z"], "language": ["en", None]})
    truth_comments = pl.DataFrame({"page_id": ["a"], "position": [0], "author": ["Ann"], "text": ["hello"]})
    languages = pl.DataFrame({"page_id": ["a", "b"], "language": ["en", "de"]})
    scores = score_pages(articles, comments, truth, truth_comments, languages=languages)
    summary = summarize_scores(scores, n_worst=1)
    assert summary["title_accuracy"] == 0.5
    assert summary["body_f1"] == 1.0
    assert summary["comment_f1"] == 1.0
    assert summary["author_accuracy"] == 1.0
    assert summary["count_exact_share"] == 1.0
    assert summary["spurious_comment_pages"] == 0
    assert summary["language_accuracy"] == 1.0
    assert summary["worst_pages"][0]["page_id"] == "b"
    assert summarize_scores(scores.head(0))["n_pages"] == 0


def test_failure_kinds_count_pages_by_how_they_fail() -> None:
    words = " ".join(f"w{i}" for i in range(20))
    few = " ".join(f"w{i}" for i in range(8))
    pages = {  # page: (predicted body, [predicted (author, text)], true body, [true (author, text)])
        "ok": (words, [("Ann", "first remark here"), ("Bob", "second remark here")],
               words, [("Ann", "first remark here"), ("Bob", "second remark here")]),
        "overgrown": (words + " " + " ".join(f"x{i}" for i in range(8)), [], words, []),
        "cut-short": (" ".join(f"w{i}" for i in range(17)), [("Ann", "first remark here")],
                      words, [("Ann", "first remark here"), ("Bob", "second remark here")]),
        "wrong-block": (few + " " + " ".join(f"x{i}" for i in range(12)), [("Ann", "an unrelated line")],
                        words, [("Ann", "first remark here")]),
        "run-over": (words, [("Anne", "first remark here"), ("Cy", "a sidebar teaser")],
                     words, [("Ann", "first remark here")]),
        "missed": (words, [], words, [("Ann", "first remark here")]),
        "spurious": (words, [("Ann", "a teaser")], words, []),
    }
    scores = pl.DataFrame([{"page_id": page, **score_page(title="T", body=body, comments=got, true_title="T",
                                                          true_body=true_body, true_comments=want)}
                           for page, (body, got, true_body, want) in pages.items()])
    kinds = failure_kinds(scores)
    assert kinds["body"] == {"ok": 4, "wrong block": 1, "cut short": 1, "overgrown": 1, "both": 0}
    assert kinds["comments"] == {"right": 1, "missed": 1, "cut short": 1, "run over": 1,
                                 "same count, other comments": 1}
    assert kinds["authors"] == {"all right": 2, "some wrong": 0, "all wrong": 1}
    assert kinds["author errors"] == {"missing": 0, "other reader": 0, "longer": 1, "shorter": 0,
                                      "one label for several readers": 0, "unrelated with digits": 0,
                                      "unrelated one word": 0, "unrelated words": 0}
    assert kinds["other"] == {"title wrong": 0, "spurious": 1}
    assert summarize_scores(scores)["failure_kinds"] == kinds
    assert "  comments: right 1, missed 1, cut short 1, run over 1, same count, other comments 1" in format_report(
        {"overall": summarize_scores(scores)})


def test_author_errors_by_kind() -> None:
    readers = {"ann lee", "bob"}
    assert author_error("Ann  Lee", "ann lee", readers) is None
    assert author_error(None, "Ann Lee", readers) == "missing"
    assert author_error("Bob", "Ann Lee", readers) == "other reader"
    assert author_error("Ann Lee Top Commenter", "Ann Lee", readers) == "longer"
    assert author_error("Lee", "Ann Lee", readers) == "shorter"
    assert author_error("Reply", "Ann Lee", readers) == "unrelated one word"
    assert author_error("12 March 2024", "Ann Lee", readers) == "unrelated with digits"
    assert author_error("Guest Reader", "Ann Lee", readers) == "unrelated words"
    assert author_error("Reply", "Ann Lee", readers, frozenset({"reply"})) == "one label for several readers"


def test_run_eval_on_fixture_pages(tmp_path: Path) -> None:
    pages = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
    for name in ("southfront-000", "lemonde-fr-moz-lemonde-1"):
        for suffix in (".txt", ".truth.json"):
            (tmp_path / f"{name}{suffix}").write_bytes((pages / f"{name}{suffix}").read_bytes())
    result = run_eval(tmp_path)
    json.dumps(result)
    overall = result["overall"]
    assert overall["n_pages"] == 2
    assert overall["comment_f1"] == 1.0
    assert overall["spurious_comment_pages"] == 0
    assert overall["body_f1"] > 0.95
    report = format_report(result)
    assert "overall" in report and "Worst pages" in report


def test_run_eval_on_fixture_html_pages(tmp_path: Path) -> None:
    """Issue 4: ``corpus eval --html`` scores the markup path on pages with truth."""
    html = Path(__file__).resolve().parents[1] / "fixtures" / "html"
    for name in ("rete-mirabile-net-15jahre", "stylegart-de-naturkosmetik", "mensagensreflexao-com-br-b3c19dd5f0"):
        for suffix in (".html.gz", ".truth.json"):
            (tmp_path / f"{name}{suffix}").write_bytes((html / f"{name}{suffix}").read_bytes())
    overall = run_eval(tmp_path, use_html=True)["overall"]
    assert overall["n_pages"] == 3
    assert overall["comment_f1"] >= 0.95
    assert overall["author_accuracy"] >= 0.95
    assert overall["spurious_comment_pages"] == 0
    assert overall["body_f1"] > 0.9
