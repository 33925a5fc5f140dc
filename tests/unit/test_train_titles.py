"""flows.train_titles on tiny candidate frames: accuracy and the CV misses it prints (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flows.train_titles import (
    NO_URL,
    accuracy,
    cross_validate,
    fit,
    labelled_candidates,
    main,
    misses,
    prepared_sources,
    with_modes,
)
from tasks.extract import titles


def _cands() -> pl.DataFrame:
    """Two pages: on p1 the longer line (the best under a log_chars model) is the title, on p2 it is not."""
    rows = [("p1", 1, "Short", 1.0, 0.0), ("p1", 2, "The Long Headline", 3.0, 1.0),
            ("p2", 1, "The True Title", 2.0, 1.0), ("p2", 4, "A Longer Widget Label", 4.0, 0.0)]
    frame = pl.DataFrame(rows, schema={"page_id": pl.String, "_i": pl.Int32, "text": pl.String, "log_chars": pl.Float64,
                                       "_label": pl.Float64}, orient="row")
    return frame.with_columns([pl.lit(0.0).alias(f) for f in titles.FEATURES if f != "log_chars"]).with_columns(
        _reachable=pl.col("_label").max().over("page_id") > 0, _true=pl.lit("the true title"))


def _model() -> dict:
    n = len(titles.FEATURES)
    return {"features": list(titles.FEATURES), "weights": [float(f == "log_chars") for f in titles.FEATURES],
            "mean": [0.0] * n, "scale": [1.0] * n, "threshold": -1e9}


def test_accuracy_and_misses() -> None:
    cands, model = _cands(), _model()
    assert accuracy(cands, model, 2) == 0.5
    assert accuracy(cands, model, 4) == 0.25  # pages without a candidate count as misses
    assert misses(cands, model).rows() == [("p2", True, "A Longer Widget Label", "the true title")]


def test_perturbed_copies_are_told_apart_by_their_mode() -> None:
    """A page's perturbed copy (``NAME~MODE``) gets its mode; the page as printed gets "none"."""
    frame = pl.DataFrame({"page_id": ["corpus-train/a-b-c", "corpus-train/a-b-c~dates", "corpus-dev/x~all"]})
    assert with_modes(frame)["_mode"].to_list() == ["none", "dates", "all"]


def test_unknown_or_thread_cut_perturbations_are_refused() -> None:
    """Only the cue-removing text perturbations make copies of a page to train on or score."""
    for flag in ("--augment", "--perturb"):
        for mode in ("thread", "nonsense"):
            with pytest.raises(SystemExit):
                main([flag, mode, "../no-such-folder"])


def _site_cands() -> pl.DataFrame:
    """Nine pages of three sites: on the two pages of sites a and b the true title is the longer line, on the
    five pages of site c the shorter one (the line below the longer one: equal scores would choose it)."""
    pages = [("a1", "a.org", True), ("a2", "a.org", True), ("b1", "b.org", True), ("b2", "b.org", True),
             *((f"c{k}", "c.org", False) for k in range(5))]
    rows = []
    for page, site, longer_is_title in pages:
        rows += [(page, site, 1, "A Much Longer Line", 3.0, float(longer_is_title)),
                 (page, site, 2, "Short Label", 1.0, float(not longer_is_title))]
    frame = pl.DataFrame(rows, schema={"page_id": pl.String, "site": pl.String, "_i": pl.Int32, "text": pl.String,
                                       "log_chars": pl.Float64, "_label": pl.Float64}, orient="row")
    return frame.with_columns([pl.lit(0.0).alias(f) for f in titles.FEATURES if f != "log_chars"]).with_columns(
        _reachable=pl.lit(value=True), _true=pl.lit("t"), _mode=pl.lit("none"))


def test_leave_one_site_out(capsys: pytest.CaptureFixture[str]) -> None:
    """With 0 folds each site is its own part, scored by a model fitted on the other sites alone: site c's
    pages by one that saw only longer titles, a's and b's by ones that saw mostly shorter titles (c's five
    pages); every page is missed. A fit that saw the scored site's own pages gets site c's five right."""
    cands = _site_cands()
    hits, pruned = cross_validate(cands, [], folds=0, l2=1.0, modes=("none",), scored_only=(), show_misses=True)
    assert hits == {"none": 0.0}
    assert pruned is None  # the pruned figure is not computed leaving one site out
    printed = capsys.readouterr().out
    assert printed.count("CV miss") == 9 and "CV miss c0 (true title a candidate)" in printed
    assert accuracy(cands, fit(cands, l2=1.0), 9) == 5 / 9


def test_copies_without_url(tmp_path: Path) -> None:
    """``nourl`` copies are the pages with their URL taken away (their slug gives no evidence), named ``~nourl``."""
    lines = ["Home", "City Extends Tram Line to the North",
             "The city council voted on Tuesday to extend the tram line by four kilometres to the northern districts, "
             "a project that has been discussed for more than ten years."]
    (tmp_path / "p.txt").write_text("\n".join(lines), encoding="utf-8")
    truth = {"site": "example.org", "url": "https://example.org/news/city-extends-tram-line-north", "title": lines[1],
             "body": lines[2], "comments": []}
    (tmp_path / "p.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    prepared, n_pages = prepared_sources([str(tmp_path)], ("none", NO_URL))
    assert n_pages == 1
    printed, copy = prepared
    assert printed["urls"]["url"].to_list() == [truth["url"]]
    assert copy["urls"]["url"].is_null().all()
    assert copy["ids"]["page_id"].to_list() == [f"p~{NO_URL}"]
    cands = with_modes(pl.concat([labelled_candidates(p) for p in prepared]))
    title = cands.filter(pl.col("text") == lines[1])
    assert title.sort("_mode")["slug_share"].to_list() == [1.0, 0.0]  # "none", then "nourl"
    assert title["_label"].to_list() == [1.0, 1.0]


def test_fit_is_deterministic() -> None:
    """The same candidates give the same model file, to the byte; other candidates give other weights."""
    cands = _site_cands()
    first, second = fit(cands, l2=1.0), fit(cands, l2=1.0)
    assert json.dumps(first) == json.dumps(second)
    assert fit(cands.filter(pl.col("site") != "c.org"), l2=1.0)["weights"] != first["weights"]
