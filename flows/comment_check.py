"""Check the text path's comment threads the way unseen sites would test them: out of fold.

The comment-header classifier (``tasks.extract.comment_headers``) ships trained on corpus-dev and the open
four fifths of corpus-train, so ``corpus eval`` on those pages scores it on its own training pages. This
command splits the pages of the truth folders given (by default ``../shared/corpus-dev`` and the open four
fifths of ``../shared/corpus-train``; the sealed fifth is never read) into site-grouped parts
(``flows.fitting.site_folds``: a salted hash of the truth ``site``, the split the trainers' own
cross-validation holds out), and for each part trains the classifier on the other parts' pages, with the
training code and settings of ``make train`` (``flows.train_comment_headers``: ``labelled_lines``, ``fit``,
``L2``, ``THRESHOLD``, ``WITHOUT``), then parses the part's ``.txt`` pages with the build's own chain
(``tasks.extract.chain.parse_pages``) and that model, and scores them with the corpus eval scorer
(``tasks.reports.parse_scores``). It prints, per part and over all of them, comment precision, recall and
F1, author accuracy and spurious comment pages (of the comment-less ones), and the same with the shipped
model (trained on every one of these pages: the optimistic figure). Each ``--scramble`` mode
(``flows.scramble.TEXT_SCRAMBLE_MODES``) reads the pages with comment cues taken out, or with the thread
cut out (then every comment found is spurious), the part's model unchanged (it never trains on them).

The rules of the comment finder were written on these pages: a part's figures are out of fold for the
classifier only, not for the rules.

    python -m flows.comment_check [--scramble MODE ...] [--folds 5] [--pages] [--json] [FOLDER[:FOLD] ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from flows.evaluate import load_folder
from flows.fitting import DEFAULT_SOURCES, site_folds
from flows.scramble import TEXT_SCRAMBLE_MODES
from flows.train_comment_headers import L2, THRESHOLD, WITHOUT, fit, labelled_lines
from tasks.extract.chain import parse_pages
from tasks.extract.comment_headers import load_model
from tasks.reports.parse_scores import score_pages, summarize_scores

FIGURES = ("comment_precision", "comment_recall", "comment_f1", "author_accuracy")
"""The comment figures of ``tasks.reports.parse_scores.summarize_scores`` that are printed."""


def load_sources(sources: Sequence[str], scramble: str = "none") -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Pages (``page_id`` as ``FOLDER_NAME/NAME``, ``site``, ``url``, ``html``, ``text``), truth articles and
    truth comments (``flows.evaluate.load_folder``) of the ``FOLDER[:FOLD]`` sources, the text pages read with
    ``scramble`` (a ``TEXT_SCRAMBLE_MODES`` mode)."""
    pages, articles, comments = [], [], []
    for source in sources:
        folder, _, fold = source.partition(":")
        if (fold or "all") == "sealed":
            raise ValueError("the sealed fold is scored by corpus eval only")
        p, a, c = load_folder(Path(folder), fold=fold or "all", scramble=scramble)
        name = Path(folder).name + "/"
        pages.append(p.with_columns(page_id=name + pl.col("page_id")))
        articles.append(a.with_columns(page_id=name + pl.col("page_id")))
        comments.append(c.with_columns(page_id=name + pl.col("page_id")))
    return pl.concat(pages), pl.concat(articles), pl.concat(comments)


def fold_models(sources: Sequence[str], folds: int, *, l2: float = L2, threshold: float = THRESHOLD,
                without: tuple[str, ...] = WITHOUT) -> list[dict[str, Any]]:
    """The comment-header classifier of each site-grouped part ``k`` of the sources' pages (as they are):
    fitted as ``make train`` fits it (``flows.train_comment_headers.fit``) on the lines of the other parts."""
    parts = []
    for source in sources:
        folder, _, fold = source.partition(":")
        if (fold or "all") == "sealed":
            raise ValueError("the sealed fold is never trained on")
        pages, _, truth_comments = load_folder(Path(folder), fold=fold or "all")
        parts.append(labelled_lines(pages, truth_comments, Path(folder).name)[0])
    lines = pl.concat(parts)
    part = site_folds(lines["site"], folds)
    return [fit(lines.filter(part != k), l2=l2, threshold=threshold, without=without) for k in range(folds)]


def _scores(pages: pl.DataFrame, articles: pl.DataFrame, comments: pl.DataFrame,
            model: dict[str, Any] | None) -> pl.DataFrame:
    """Per-page scores (``score_pages``) of ``pages`` parsed by the build's chain with the header ``model``."""
    _, parsed, found = parse_pages(pages, header_model=model)
    missing = pages.select("page_id").join(parsed.select("page_id"), on="page_id", how="anti")
    parsed = pl.concat([parsed, missing.with_columns(body=pl.lit(""))], how="diagonal_relaxed")
    return score_pages(parsed, found, articles, comments)


def out_of_fold_scores(pages: pl.DataFrame, articles: pl.DataFrame, comments: pl.DataFrame,
                       models: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Per-page scores of every page, each part ``k`` (``site_folds`` of ``pages``' ``site`` into
    ``len(models)`` parts) parsed with ``models[k]``, with its part in ``part``."""
    part = pages.select("page_id", part=site_folds(pages["site"], len(models)))
    out = []
    for k, model in enumerate(models):
        held = part.filter(pl.col("part") == k).select("page_id")
        if held.height == 0:
            continue
        out.append(_scores(pages.join(held, on="page_id"), articles.join(held, on="page_id"),
                           comments.join(held, on="page_id"), model).with_columns(part=pl.lit(k)))
    return pl.concat(out)


def figures(scores: pl.DataFrame) -> dict[str, Any]:
    """Comment precision, recall, F1, author accuracy (rounded), spurious comment pages, comment-less pages,
    and comments true, predicted and matched, of per-page ``scores``."""
    s = summarize_scores(scores)
    return {**{k: None if s[k] is None else round(s[k], 4) for k in FIGURES},
            "spurious": s["spurious_comment_pages"], "comment_less": int((scores["n_true_comments"] == 0).sum()),
            "true": s["n_true_comments"], "predicted": s["n_pred_comments"], "matched": s["n_matched_comments"]}


def _line(name: str, f: dict[str, Any]) -> str:
    def num(v: float | None) -> str:
        return "  -  " if v is None else f"{v:.3f}"
    return (f"  {name:14} P {num(f['comment_precision'])} R {num(f['comment_recall'])} "
            f"F1 {num(f['comment_f1'])} authors {num(f['author_accuracy'])} "
            f"spurious {f['spurious']}/{f['comment_less']}  ({f['matched']}/{f['true']} matched, "
            f"{f['predicted']} predicted)")


def check(sources: Sequence[str], scrambles: Sequence[str], *, folds: int = 5) -> list[dict[str, Any]]:
    """Per mode (``none`` first, then ``scrambles``): the out-of-fold figures per part and overall, the
    shipped model's overall figures on the same pages, and the per-page out-of-fold scores."""
    models = fold_models(sources, folds)
    out = []
    for mode in ["none", *scrambles]:
        pages, articles, comments = load_sources(sources, mode)
        scores = out_of_fold_scores(pages, articles, comments, models)
        shipped = _scores(pages, articles, comments, load_model())
        out.append({"scramble": mode, "overall": figures(scores),
                    "parts": [figures(scores.filter(pl.col("part") == k)) for k in sorted(set(scores["part"]))],
                    "shipped": figures(shipped), "pages": scores})
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the out-of-fold comment figures of the sources, as they are and under each ``--scramble`` mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", default=list(DEFAULT_SOURCES),
                        help="FOLDER[:FOLD] truth folders (FOLD all or open; default: corpus-dev, corpus-train open)")
    parser.add_argument("--scramble", nargs="*", default=[], choices=TEXT_SCRAMBLE_MODES[1:])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--pages", action="store_true",
                        help="also print each page whose comments are not all right (out of fold)")
    parser.add_argument("--json", action="store_true", help="print one JSON line per mode instead of a table")
    args = parser.parse_args(argv)
    if any((s.partition(":")[2] or "all") == "sealed" for s in args.sources):
        parser.error("the sealed fold is scored by corpus eval only")
    for result in check(args.sources, args.scramble, folds=args.folds):
        pages = result.pop("pages")
        if args.json:
            print(json.dumps(result))
        else:
            print(f"scramble {result['scramble']}: out of fold (each part parsed by a model trained without it)")
            for k, part in enumerate(result["parts"]):
                print(_line(f"part {k}", part))
            print(_line("all parts", result["overall"]))
            print(_line("shipped model", result["shipped"]) + "  <- trained on these pages")
        if args.pages:
            wrong = pages.filter((pl.col("comment_f1") < 1) | (pl.col("n_author_ok") < pl.col("n_matched")))
            for row in wrong.sort("part", "page_id").iter_rows(named=True):
                print(f"    part {row['part']} {row['page_id']}: true {row['n_true_comments']}, predicted "
                      f"{row['n_pred_comments']}, matched {row['n_matched']}, authors ok {row['n_author_ok']}, "
                      f"F1 {row['comment_f1']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
