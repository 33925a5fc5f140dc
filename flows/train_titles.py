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
``tasks/extract/models/title_ranker.json``. ``--folds 0`` leaves one site out at a time (each site its own
part: the estimate with the most training pages, and no split luck; a few times slower).

``--perturb MODE,...`` scores copies of every page with cues taken out of their text
(``flows.scramble.scramble_text``: ``heading``, ``chrome``, ``dates``, ``form``, ``all``) in the
cross-validation too, never trained on: how the ranker holds on pages that print fewer cues (a page with
no date line near its headline, with ``dates``). ``--augment MODE,...`` trains on such copies beside the
pages as printed (``AUGMENT``). One more mode, ``nourl`` (``NO_URL``), copies the pages without their URL (text
given with no crawl manifest: no slug to agree with).

    python -m flows.train_titles [--out PATH] [--folds 5|0] [--perturb MODE,...] [--augment MODE,...]
                                 [FOLDER[:FOLD] ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import minimize

from flows.evaluate import load_folder
from flows.fitting import site_folds, standardise, trainer_parser
from flows.scramble import TEXT_SCRAMBLE_MODES, THREAD_CUT_MODES
from tasks.extract.chain import tagged_batch
from tasks.extract.parse import body_windows, page_urls
from tasks.extract.titles import FEATURES, MODEL_PATH, candidate_features, candidate_scores
from tasks.text_match import fold_expr

L2 = 5.0
"""The L2 penalty on the (standardised) weights, summed over the training pages' losses."""
NO_URL = "nourl"
"""The copy of a page without its URL (``--augment``, ``--perturb``): a page given as text alone."""
AUGMENT: tuple[str, ...] = (NO_URL,)
"""The copies of the pages the ranker is trained on beside the pages as they are (``--augment``): the pages
without their URL, so that the weights of the other features are learned as if no slug helped (leave-one-site-out
CV on the pages as printed / on their copies without URL: no copies 0.876 / 0.837, URL-less copies 0.888 /
0.865). The text perturbations (``flows.scramble.scramble_text``) were measured earlier (site-grouped 5-fold CV on
the pages as printed, and on their heading / dates / all copies): no copies 0.871 (0.859 / 0.843 / 0.837); dates
copies 0.871 (0.853 / 0.854 / 0.826); all copies 0.871 (0.853 / 0.854 / 0.837); dates, heading and all copies
0.865 (0.847 / 0.854 / 0.826): a page or two either way, within the noise of 178 pages."""
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


def with_modes(cands: pl.DataFrame) -> pl.DataFrame:
    """``cands`` with ``_mode``: the perturbation of the page's copy (``~MODE`` ending its ``page_id``; "none"
    for the page as printed)."""
    return cands.with_columns(_mode=pl.col("page_id").str.extract(r"~([\w-]+)$", 1).fill_null("none"))


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


def prepared_sources(sources: list[str], modes: tuple[str, ...] = ("none",)) -> tuple[list[dict[str, Any]], int]:
    """``prepared_pages`` of each ``FOLDER[:FOLD]`` source, once per perturbation of ``modes`` ("none": the pages
    as printed; ``NO_URL``: the pages without their URL; else a ``flows.scramble.scramble_text`` mode that takes
    cues out of the text; the copies' ``page_id`` ending in ``~MODE``, their site the page's, so that they fall
    in its cross-validation fold), and the number of pages as printed. Raises ValueError for the sealed fold or
    an unknown mode."""
    allowed = [m for m in TEXT_SCRAMBLE_MODES if m not in THREAD_CUT_MODES] + [NO_URL]
    for mode in modes:
        if mode not in allowed:
            raise ValueError(f"a perturbation is one of {allowed[1:]}, not {mode!r}")
    prepared, n_pages = [], 0
    for source in sources:
        folder, _, fold = source.partition(":")
        if (fold or "all") == "sealed":
            raise ValueError("the sealed fold is never trained on")
        for mode in modes:
            pages, truth, _ = load_folder(Path(folder), fold=fold or "all",
                                          scramble="none" if mode == NO_URL else mode)
            if mode == NO_URL:
                pages = pages.with_columns(url=pl.lit(None, dtype=pl.String))
            if mode == "none":
                n_pages += pages.height
            else:
                pages, truth = (f.with_columns(page_id=pl.col("page_id") + f"~{mode}") for f in (pages, truth))
            prepared.append(prepared_pages(pages, truth, Path(folder).name))
    return prepared, n_pages


def _print_misses(cands: pl.DataFrame, model: dict[str, Any]) -> None:
    """Print the pages of ``cands`` whose best candidate under ``model`` is not the true title."""
    for page_id, reachable, predicted, true in misses(cands, model).iter_rows():
        where = "a candidate" if reachable else "no candidate"
        print(f"CV miss {page_id} (true title {where})\n  predicted: {predicted}\n  true:      {true}")


def cross_validate(cands: pl.DataFrame, prepared: list[dict[str, Any]], *, folds: int, l2: float,
                   modes: tuple[str, ...], scored_only: tuple[str, ...], show_misses: bool
                   ) -> tuple[dict[str, float], float | None]:
    """Site-grouped cross-validation of ``cands`` (``labelled_candidates`` of ``prepared`` with ``_mode``): each
    part's pages scored by the model fitted on the other parts' pages (their copies of the ``scored_only``
    modes left out of the fit). ``folds`` 0: leave one site out (each site its own part: the estimate for a
    site never seen, with the most training pages). Returns the titles right per mode (over every candidate)
    and, for the pages as printed, over the candidates the fold's model keeps (``labelled_candidates`` with
    it; None with ``folds`` 0, where the features of every page would be read once per site); prints the
    pages missed where ``show_misses``."""
    pruned = folds > 0
    if folds == 0:
        parts = cands["site"].rank("dense").cast(pl.Int64) - 1
        folds = cands["site"].n_unique()
    else:
        parts = site_folds(cands["site"], folds)
    cands = cands.with_columns(_fold=parts)
    fold_of = dict(zip(cands["site"].to_list(), parts.to_list(), strict=True))
    reachable_of = cands.group_by("page_id").agg(pl.col("_reachable").first())
    hits = dict.fromkeys(modes, 0.0)
    hits_k = 0.0
    for k in range(folds):
        train, test = cands.filter(pl.col("_fold") != k), cands.filter(pl.col("_fold") == k)
        fold_model = fit(train.filter(~pl.col("_mode").is_in(scored_only)), l2=l2)
        for mode in modes:
            part = test.filter(pl.col("_mode") == mode)
            n_part = part["page_id"].n_unique()
            hits[mode] += accuracy(part, fold_model, n_part) * n_part
        if not pruned:
            if show_misses:
                _print_misses(test.filter(pl.col("_mode") == "none"), fold_model)
            continue
        n_test = test.filter(pl.col("_mode") == "none")["page_id"].n_unique()
        test_k = with_modes(pl.concat([labelled_candidates(p, fold_model) for p in prepared]))
        test_k = test_k.filter((pl.col("site").replace_strict(fold_of, default=-1) == k) & (pl.col("_mode") == "none"))
        # whether the true title is a candidate at all is read over every candidate, not the pruned ones (the
        # prune leaves out a true line that cannot win)
        test_k = test_k.drop("_reachable").join(reachable_of, on="page_id", how="left")
        hits_k += accuracy(test_k, fold_model, n_test) * n_test
        if show_misses:
            _print_misses(test_k, fold_model)
    return hits, hits_k if pruned else None


def main(argv: list[str] | None = None) -> int:
    parser = trainer_parser(__doc__.split("\n")[0], model_path=MODEL_PATH, l2=L2, augment=AUGMENT)
    parser.add_argument("--misses", action="store_true",
                        help="print the pages the cross-validation gets wrong (their predicted and true title)")
    args = parser.parse_args(argv)
    augment = tuple(m for m in args.augment.split(",") if m)
    perturb = tuple(m for m in args.perturb.split(",") if m and m not in augment)
    try:
        prepared, n_pages = prepared_sources(args.sources, ("none", *augment, *perturb))
    except ValueError as error:
        parser.error(str(error))
    cands = with_modes(pl.concat([labelled_candidates(p) for p in prepared]))
    scored_only = cands.filter(pl.col("_mode").is_in(perturb))  # copies the cross-validation scores only
    cands = cands.filter(~pl.col("_mode").is_in(perturb))
    model = fit(cands, l2=args.l2)
    printed = cands.filter(pl.col("_mode") == "none")
    reachable = printed.filter(pl.col("_reachable"))["page_id"].n_unique()
    print(f"pages {n_pages}, true title among the candidates on {reachable}"
          + (f"; trained also on their {', '.join(augment)} copies" if augment else ""))
    print(f"in-sample title accuracy {accuracy(printed, model, n_pages):.3f}")
    kept = with_modes(pl.concat([labelled_candidates(p, model) for p in prepared])).filter(pl.col("_mode") == "none")
    print(f"pruned: costly features for {kept.height} of {printed.height} candidates; in-sample title accuracy "
          f"with it {accuracy(kept, model, n_pages):.3f}")
    cands = pl.concat([cands, scored_only])
    modes = ("none", *augment, *perturb)
    hits, hits_k = cross_validate(cands, prepared, folds=args.folds, l2=args.l2, modes=modes,
                                  scored_only=perturb, show_misses=args.misses)
    n_cands = printed["page_id"].n_unique()
    split = f"site-grouped {args.folds}-fold" if args.folds else "leave-one-site-out"
    print(f"{split} CV title accuracy (pages with a candidate) {hits['none'] / n_cands:.3f}; over all pages "
          f"{hits['none'] / n_pages:.3f}" + (f"; pruned {hits_k / n_cands:.3f}" if hits_k is not None else ""))
    for mode in modes[1:]:
        n_mode = cands.filter(pl.col("_mode") == mode)["page_id"].n_unique()
        trained = "trained on" if mode in augment else "scored only"
        print(f"  ... on the pages' {mode} copies ({trained}) {hits[mode] / n_mode:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"model written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
