"""What the trainers of the learned parse components share (``flows.train_titles``,
``flows.train_comment_headers``): their command-line options, site-grouped cross-validation folds and feature
standardisation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl

from flows.evaluate import site_bucket

DEFAULT_SOURCES = ("../shared/corpus-dev:all", "../shared/corpus-train:open")
"""The pages every trainer reads by default: corpus-dev whole and the open four fifths of corpus-train."""


def trainer_parser(description: str, *, model_path: Path, l2: float,
                   augment: tuple[str, ...]) -> argparse.ArgumentParser:
    """The options every trainer takes: the truth folders, the model file, the cross-validation folds, the L2
    weight, and the text perturbations (``flows.scramble``) trained on (``--augment``) or only scored in the
    cross-validation (``--perturb``). A trainer adds its own options to it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("sources", nargs="*", default=list(DEFAULT_SOURCES),
                        help="FOLDER[:FOLD] truth folders (FOLD all or open; default: corpus-dev, corpus-train open)")
    parser.add_argument("--out", type=Path, default=model_path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=l2)
    parser.add_argument("--augment", default=",".join(augment),
                        help="comma-separated text perturbations (flows.scramble) whose copies of every page are "
                             "trained on too (default: %(default)r; empty: none)")
    parser.add_argument("--perturb", default="",
                        help="comma-separated text perturbations whose copies of every page the cross-validation "
                             "scores, never trained on (out-of-fold figures of a model that never saw them)")
    return parser


def site_folds(sites: pl.Series, folds: int) -> pl.Series:
    """The cross-validation fold of each site (``flows.evaluate.site_bucket`` salted "cv:"; one hash per
    distinct site), so no site is in both the training and the scored part."""
    distinct = sites.unique().to_list()
    return sites.replace_strict(distinct, [site_bucket(s, folds, salt="cv:") for s in distinct],
                                return_dtype=pl.Int64)


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, mean, scale)`` of the feature matrix ``x`` (rows by features): ``z = (x - mean) / scale``, with
    the scale of a constant feature taken as 1. The model files keep ``mean`` and ``scale`` for inference."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return (x - mean) / scale, mean, scale
