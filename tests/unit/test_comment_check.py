"""flows.comment_check: out-of-fold comment figures on a tiny truth folder, and the parse chain taking a
comment-header model other than the shipped one."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flows.comment_check import check, fold_models, main
from flows.evaluate import load_folder
from flows.fitting import site_folds
from flows.train_comment_headers import labelled_lines
from tasks.extract.chain import parse_pages
from tasks.extract.comment_headers import FEATURES

PARAS = ["The council voted on Tuesday to extend the tram line to the northern districts by 2030.",
         "Opponents said the plan was too expensive and would disrupt traffic for several years.",
         "The mayor replied that the city had already secured most of the money from regional funds.",
         "Engineers expect the first trams to run on the new tracks in the spring of next year."]
NAMES = ["Anna Keller", "Boris Lund", "Carla Mendes", "Dmitri Orlov", "Eva Brandt"]
TEXTS = ["I take this tram every day and the extension is long overdue, in my opinion.",
         "Who is going to pay for all of this when the regional money runs out next year?",
         "Great news for the northern districts, finally some investment where it is needed.",
         "The traffic during the works will be terrible, but it will be worth it in the end.",
         "I hope they also think about the bus lines that will be cut once the trams run."]


def _folder(tmp_path: Path, n_pages: int = 6) -> Path:
    """``n_pages`` pages of as many sites: an article, a stated count, then comments (name, date, text,
    "Reply") and a comment form."""
    for k in range(n_pages):
        n = 3 + k % 3
        comments = [{"author": NAMES[(j + k) % 5], "text": TEXTS[(j + 2 * k) % 5]} for j in range(n)]
        lines = ["Home | News | Sport", "", f"City Extends Tram Line {k}", "", *PARAS, "", f"{n} Comments", ""]
        for c in comments:
            lines += [c["author"], f"12 March 2024 at 0{k}:1{k}", c["text"], "Reply", ""]
        lines += ["Leave a Reply", "Your email address will not be published.", "© 2024 Example"]
        name = f"site{k}-example-org-tram"
        (tmp_path / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")
        (tmp_path / f"{name}.truth.json").write_text(json.dumps(
            {"site": f"site{k}.example.org", "title": f"City Extends Tram Line {k}", "body": "\n\n".join(PARAS),
             "language": "en", "comments": comments}), encoding="utf-8")
    return tmp_path


def test_each_part_is_scored_by_a_model_trained_without_its_sites(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    models = fold_models([str(folder)], 2)
    pages, _, truth = load_folder(folder)
    lines = labelled_lines(pages, truth, folder.name)[0]
    part = site_folds(lines["site"], 2)
    headers = [int(lines.filter(part == k)["_label"].sum()) for k in range(2)]
    assert all(headers)  # both parts hold labelled headers
    # part k's model saw the other part's header lines only
    assert [m["n_headers"] for m in models] == [headers[1], headers[0]]
    assert fold_models([str(folder)], 2) == models  # deterministic


def test_check_prints_figures_per_part_overall_and_under_a_thread_cut(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    results = check([str(folder)], ["thread"], folds=2)
    assert [r["scramble"] for r in results] == ["none", "thread"]
    plain, cut = results
    assert len(plain["parts"]) == 2
    assert plain["overall"]["true"] == sum(p["true"] for p in plain["parts"]) == 24
    assert plain["overall"]["comment_f1"] == pytest.approx(1.0)
    assert plain["overall"]["author_accuracy"] == pytest.approx(1.0)
    assert plain["shipped"]["true"] == 24
    assert set(plain["pages"]["part"].to_list()) == {0, 1}
    # the thread taken out: every page is comment-less, and nothing is found on them
    assert cut["overall"]["comment_less"] == 6
    assert cut["overall"]["spurious"] == 0
    assert cut["overall"]["true"] == 0
    assert main([str(folder), "--folds", "2", "--json"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed[0]["overall"]["matched"] == 24


def test_the_sealed_fold_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["../shared/corpus-train:sealed"])
    with pytest.raises(ValueError, match="sealed"):
        fold_models(["../shared/corpus-train:sealed"], 5)


def test_parse_pages_reads_the_header_model_it_is_given(tmp_path: Path) -> None:
    """Threads of name lines alone (no count, date, "Reply" or form): the rules find none, so what the
    parse finds there is the given classifier's."""
    pages, _, _ = load_folder(_folder(tmp_path), scramble="all")
    names = {"features": list(FEATURES), "weights": [10.0 if f == "name_like" else 0.0 for f in FEATURES],
             "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES), "bias": -5.0, "threshold": 1.0}
    _, _, found = parse_pages(pages, header_model=names)
    assert set(found.filter(pl.col("page_id") == "site0-example-org-tram")["author"].to_list()) >= set(NAMES[:3])
    _, _, none = parse_pages(pages, header_model={**names, "bias": -100.0})
    assert none.height == 0
