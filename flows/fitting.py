"""What the trainers of the learned parse components share (``flows.train_titles``,
``flows.train_comment_headers``): site-grouped cross-validation folds and feature standardisation.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from flows.evaluate import site_bucket


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
