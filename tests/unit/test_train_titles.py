"""flows.train_titles on tiny candidate frames: accuracy and the CV misses it prints (issue 17)."""

from __future__ import annotations

import polars as pl
import pytest

from flows.train_titles import accuracy, main, misses, with_modes
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
