"""Language of articles and comments, with langdetect's own profiles, deterministic.

Reads one text column (``text`` by default; the integrator passes title + "\\n" + body for articles
and the comment text for comments) and adds:

- ``language``: ISO 639-1 code (langdetect's ``zh-cn``/``zh-tw`` become ``zh``), or ``und`` when
  the text is too short, uninformative (URL, digits, emoji, "??????") or the detector is unsure.
  Never null.
- ``language_score``: the detector's probability of ``language`` (float64), null when ``und``.

Determinism: the detector is seeded per text, so a text gets the same answer in every process and
run, whatever else is in the batch.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

logger = logging.getLogger(__name__)

UND = "und"
"""Code of an undetermined language."""

SEED = 0
"""Seed of langdetect's random trials (any fixed value makes it deterministic)."""

_URL_OR_MAIL = r"https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}|[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}"
"""The URL and e-mail patterns langdetect removes before it reads a text."""

_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Detector:
    """langdetect's profiles, loaded once per process."""

    factory: DetectorFactory
    languages: tuple[str, ...]


@functools.cache
def _load_detector() -> _Detector:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(SEED)
    return _Detector(factory=factory, languages=tuple(factory.get_lang_list()))


def _detector() -> _Detector:
    # The cache makes the profiles a per-process constant; the lock makes the first load happen once
    # even when several threads ask for it at the same time.
    with _LOAD_LOCK:
        return _load_detector()


def init_detector() -> None:
    """Load langdetect's profiles once per process/worker (thread-safe to call repeatedly)."""
    _detector()


def iso_639_1(code: str) -> str:
    """Return the ISO 639-1 code of a langdetect language code (``zh-cn`` -> ``zh``)."""
    return code.split("-", 1)[0]


def _detect_one(detector: _Detector, text: str, prior: dict[str, float] | None) -> tuple[str, float] | None:
    langdetector = detector.factory.create()
    if prior is not None:
        langdetector.set_prior_map(prior)
    langdetector.append(text)
    try:
        probabilities = langdetector.get_probabilities()
    except LangDetectException:
        return None
    if not probabilities:
        return None
    # zh-cn and zh-tw both map to zh: add their probabilities before choosing.
    merged: dict[str, float] = {}
    for language in probabilities:
        code = iso_639_1(language.lang)
        merged[code] = merged.get(code, 0.0) + language.prob
    best = max(merged, key=lambda code: (merged[code], code))
    return best, merged[best]


def detect_language(
    frame: pl.DataFrame,
    *,
    text_column: str = "text",
    min_chars: int = 20,
    min_score: float = 0.9,
    max_chars: int = 2000,
    languages: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Add the language of each text and the detector's probability of it.

    Args:
        frame: one batch; only ``text_column`` is read.
        text_column: column with the text (String; nulls give ``und``).
        min_chars: texts with fewer letters than this (after removing URLs and e-mail addresses)
            get ``und`` without being scored.
        min_score: a language whose probability is below this gives ``und``.
        max_chars: only the first ``max_chars`` characters of a text are read.
        languages: ISO 639-1 codes the detector may choose from (None: all of langdetect's 55
            profiles). This narrows the candidates; it does not drop rows. To keep only some
            languages in the corpus, detect over all of them and select on ``language``.

    Returns:
        ``frame`` with the same rows in the same order plus ``language`` (String, never null) and
        ``language_score`` (Float64, null when ``language`` is ``und``).
    """
    detector = _detector()
    prior = _prior(detector, languages)
    prepared = frame.select(
        pl.col(text_column).cast(pl.String).str.slice(0, max_chars).alias("text"),
    ).with_columns(
        n_letters=pl.col("text").str.replace_all(_URL_OR_MAIL, " ").str.count_matches(r"\p{L}").fill_null(0),
    )
    texts = prepared.get_column("text").to_list()
    scorable = (prepared.get_column("n_letters") >= max(min_chars, 1)).to_list()
    results = [
        _detect_one(detector, text, prior) if ok and text is not None else None
        for text, ok in zip(texts, scorable, strict=True)
    ]
    found = [r is not None and r[1] >= min_score for r in results]
    language = pl.Series(
        "language", [r[0] if ok and r is not None else UND for r, ok in zip(results, found, strict=True)],
        dtype=pl.String,
    )
    score = pl.Series(
        "language_score", [r[1] if ok and r is not None else None for r, ok in zip(results, found, strict=True)],
        dtype=pl.Float64,
    )
    logger.debug("detected %d texts, %d und", frame.height, found.count(False))
    return frame.with_columns(language, score)


def _prior(detector: _Detector, languages: Sequence[str] | None) -> dict[str, float] | None:
    if languages is None:
        return None
    wanted = set(languages)
    prior = {code: 1.0 for code in detector.languages if iso_639_1(code) in wanted}
    if not prior:
        raise ValueError(f"none of {sorted(wanted)} is a langdetect language: {detector.languages}")
    return prior
