"""Train the text path's title ranker (``tasks.extract.titles``) on labelled pages: ``make train``.

Reads the truth folders given (by default ``../shared/corpus-dev`` and the open four fifths of
``../shared/corpus-train``; the sealed fifth is never read), runs the parse stage's own steps up to the
body windows on their ``.txt`` pages, labels each title candidate by whether it equals the true title
(white space collapsed, case folded) and fits a conditional logit (a softmax over each page's
candidates, L2-penalised, L-BFGS from zeros: deterministic). Pages whose true title is no candidate
line add nothing to the fit.

It prints the in-sample title accuracy and a site-grouped cross-validation estimate (folds by a salted
hash of the truth ``site``, ``flows.evaluate.site_bucket``: no site is in both the training and the
scored part), the figure to expect on sites never seen, then writes the model to
``tasks/extract/models/title_ranker.json``.

    python -m flows.train_titles [--out PATH] [--folds 5] [FOLDER[:FOLD] ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import minimize

from flows.evaluate import load_folder
from flows.fitting import site_folds, standardise
from tasks.extract.chain import tagged_batch
from tasks.extract.parse import body_windows, page_urls
from tasks.extract.titles import FEATURES, MODEL_PATH, candidate_features, candidate_scores
from tasks.text_match import fold_expr

DEFAULT_SOURCES = ("../shared/corpus-dev:all", "../shared/corpus-train:open")
L2 = 5.0
"""The L2 penalty on the (standardised) weights, summed over the training pages' losses."""
THRESHOLD = -1e9
"""Score a best candidate must beat: every page with a candidate gets a title (a wrong title and none
score alike, and the true title is a candidate on most pages)."""


def prepared_pages(pages: pl.DataFrame, truth: pl.DataFrame, source: str) -> dict[str, Any]:
    """The parse stage's own steps up to the body windows on ``pages`` (``load_folder`` output of the folder
    named ``source``): what ``labelled_candidates`` reads (``feats``, ``windows``, ``urls``, ``ids``,
    ``keys``: the folded true titles, ``sites``, ``source``)."""
    feats, _, _, windows = body_windows(tagged_batch(pages))
    return {
        "feats": feats, "windows": windows, "urls": page_urls(feats, pages.select("page_id", "url")),
        "ids": feats.select("_page", "page_id").unique(), "sites": pages.select("page_id", "site"),
        "keys": truth.select("page_id", _true=fold_expr(pl.col("title"))), "source": source,
    }


def labelled_candidates(prepared: dict[str, Any], model: dict[str, Any] | None = None) -> pl.DataFrame:
    """The title candidates of the ``prepared_pages`` with their features (all candidates, or with ``model``
    the ones that can still be their page's title under it), ``page_id`` (``source/NAME``), ``site``,
    ``_label`` (1.0 where the line is the true title, compared as ``tasks.text_match.fold`` does) and
    ``_reachable`` (the page's true title is one of its candidates)."""
    cands = candidate_features(prepared["feats"], prepared["windows"], prepared["urls"], model=model).join(
        prepared["ids"], on="_page", how="left")
    return (
        cands.join(prepared["keys"], on="page_id", how="left")
        .join(prepared["sites"], on="page_id", how="left")
        .with_columns(_label=(fold_expr(pl.col("text")) == pl.col("_true")).fill_null(value=False).cast(pl.Float64))
        .with_columns(_reachable=pl.col("_label").max().over("page_id") > 0,
                      page_id=prepared["source"] + "/" + pl.col("page_id"))
    )


def fit(cands: pl.DataFrame, *, l2: float = L2) -> dict[str, Any]:
    """Fit the conditional logit on the reachable pages of ``cands``; returns the model dict."""
    z, mean, scale = standardise(cands.select(FEATURES).to_numpy().astype(np.float64))
    groups = cands["page_id"].rank("dense").cast(pl.Int64).to_numpy() - 1
    label = cands["_label"].to_numpy()
    use = cands["_reachable"].to_numpy()
    z, groups, label = z[use], groups[use], label[use]
    groups = np.unique(groups, return_inverse=True)[1]
    n_groups = int(groups.max()) + 1 if len(groups) else 0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        top = np.full(n_groups, -np.inf)
        np.maximum.at(top, groups, s)
        e = np.exp(s - top[groups])
        total = np.zeros(n_groups)
        np.add.at(total, groups, e)
        p = e / total[groups]
        n_true = np.zeros(n_groups)
        np.add.at(n_true, groups, label)
        target = label / n_true[groups]  # several lines may hold the true title: share the target
        log_z = np.log(total) + top
        value = float(-(target * (s - log_z[groups])).sum()) + l2 * float(w @ w)
        grad = z.T @ (p - target) + 2 * l2 * w
        return value, grad

    result = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return {
        "features": list(FEATURES),
        "weights": [round(float(v), 6) for v in result.x],
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "bias": 0.0,
        "threshold": THRESHOLD,
        "l2": l2,
        "n_pages": n_groups,
    }


def accuracy(cands: pl.DataFrame, model: dict[str, Any], n_pages: int) -> float:
    """Share of ``n_pages`` pages whose best candidate under ``model`` is the true title."""
    scored = cands.select("page_id", "_i", "_label", _score=pl.Series(candidate_scores(cands, model)))
    best = scored.filter(pl.col("_score") == pl.col("_score").max().over("page_id")).group_by("page_id").agg(
        pl.col("_label").sort_by("_i").last())
    return float(best["_label"].sum()) / n_pages if n_pages else 0.0


def misses(cands: pl.DataFrame, model: dict[str, Any]) -> pl.DataFrame:
    """The pages of ``cands`` whose best candidate under ``model`` is not the true title: ``page_id``,
    ``_reachable``, ``predicted`` (the chosen line), ``true`` (the true title, folded)."""
    scored = cands.with_columns(_score=pl.Series(candidate_scores(cands, model)))
    best = scored.filter(pl.col("_score") == pl.col("_score").max().over("page_id")).group_by("page_id").agg(
        pl.all().sort_by("_i").last())
    return best.filter(pl.col("_label") == 0).select("page_id", "_reachable", predicted="text", true="_true").sort(
        "page_id")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs="*", default=list(DEFAULT_SOURCES),
                        help="FOLDER[:FOLD] truth folders (FOLD all or open; default: corpus-dev, corpus-train open)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--misses", action="store_true",
                        help="print the pages the cross-validation gets wrong (their predicted and true title)")
    args = parser.parse_args(argv)
    prepared, n_pages = [], 0
    for source in args.sources:
        folder, _, fold = source.partition(":")
        if (fold or "all") == "sealed":
            parser.error("the sealed fold is never trained on")
        pages, truth, _ = load_folder(Path(folder), fold=fold or "all")
        n_pages += pages.height
        prepared.append(prepared_pages(pages, truth, Path(folder).name))
    cands = pl.concat([labelled_candidates(p) for p in prepared])
    model = fit(cands, l2=args.l2)
    reachable = cands.filter(pl.col("_reachable"))["page_id"].n_unique()
    print(f"pages {n_pages}, true title among the candidates on {reachable}")
    print(f"in-sample title accuracy {accuracy(cands, model, n_pages):.3f}")
    kept = pl.concat([labelled_candidates(p, model) for p in prepared])
    print(f"pruned: costly features for {kept.height} of {cands.height} candidates; in-sample title accuracy "
          f"with it {accuracy(kept, model, n_pages):.3f}")
    folds = site_folds(cands["site"], args.folds)
    cands = cands.with_columns(_fold=folds)
    fold_of = dict(zip(cands["site"].to_list(), folds.to_list(), strict=True))
    reachable_of = cands.group_by("page_id").agg(pl.col("_reachable").first())
    hits = hits_k = 0.0
    for k in range(args.folds):
        train, test = cands.filter(pl.col("_fold") != k), cands.filter(pl.col("_fold") == k)
        n_test = test["page_id"].n_unique()
        fold_model = fit(train, l2=args.l2)
        hits += accuracy(test, fold_model, n_test) * n_test
        test_k = pl.concat([labelled_candidates(p, fold_model) for p in prepared])
        test_k = test_k.filter(pl.col("site").replace_strict(fold_of, default=-1) == k)
        # whether the true title is a candidate at all is read over every candidate, not the pruned ones (the
        # prune leaves out a true line that cannot win)
        test_k = test_k.drop("_reachable").join(reachable_of, on="page_id", how="left")
        hits_k += accuracy(test_k, fold_model, n_test) * n_test
        if args.misses:
            for page_id, reachable, predicted, true in misses(test_k, fold_model).iter_rows():
                where = "a candidate" if reachable else "no candidate"
                print(f"CV miss {page_id} (true title {where})\n  predicted: {predicted}\n  true:      {true}")
    n_cands = cands["page_id"].n_unique()
    print(f"site-grouped {args.folds}-fold CV title accuracy (pages with a candidate) "
          f"{hits / n_cands:.3f}; over all pages {hits / n_pages:.3f}; pruned {hits_k / n_cands:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"model written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
