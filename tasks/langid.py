"""Language of articles and comments from langdetect's own profiles: deterministic and vectorised.

Reads one text column (``text`` by default; the integrator passes title + "\\n" + body for articles
and the comment text for comments) and adds:

- ``language``: ISO 639-1 code (langdetect's ``zh-cn``/``zh-tw`` become ``zh``), or ``und`` when the
  text has fewer than ``min_chars`` letters or ``min_words`` words (a one-word comment), holds
  nothing langdetect knows (a URL, digits, emoji, "??????") or no language reaches ``min_score``.
  Never null.
- ``language_score``: the model's probability of ``language`` (float64), null when ``und``.

How. langdetect multiplies, for n-grams it draws at random from a text, the smoothed probabilities
``p(ngram | language) + alpha / 10000`` of its 55 profiles, in 7 seeded random trials: about 2.4 ms
per text, and the answer depends on the seed. Here the same naive-Bayes model is evaluated exactly:
the 1-3 character n-grams of every text of the batch (extracted with langdetect's rules: URL and
e-mail removal, its character normalisation, Latin removed from mostly non-Latin text, no n-gram
ending inside an upper-case run) are looked up at once in arrays built from langdetect's profiles,
and their log-probabilities are summed per text with numpy. The posterior is
``softmax(log-likelihood / TEMPERATURE + prior_weight * log(WEB_SHARES))``. One step is our own:
text with more upper-case than lower-case letters is read lower-cased (langdetect reads nothing
inside upper-case runs). Nothing is random, every text is scored on its own, and the log-probabilities
are fixed-point numbers whose sums are exact, so a text gets the same answer in every process and
run, whatever else is in the batch.

Defaults, measured with ``python -m bench.bench_langid`` on labelled dev text (articles = title +
body of 45 pages in 7 languages; short texts = their body sentences cut at a word boundary to
comment lengths), as accuracy / wrong answers / ``und`` rate, against the naive loop
(seeded ``langdetect.detect_langs`` on the whole text):

=================  =====  ======================  =======================  ========
class              texts  naive: acc / wrong      ours: acc / wrong / und  speed-up
=================  =====  ======================  =======================  ========
articles              45  1.000 / 0               1.000 / 0 / 0.000            27x
comments 10-30      2220  0.810 / 422             0.846 / 72 / 0.121          252x
comments 30-80      2104  0.979 / 44              0.985 / 18 / 0.006           72x
comments 80-200     1366  0.997 / 4               1.000 / 0 / 0.000            33x
=================  =====  ======================  =======================  ========

(speed-up: texts per CPU second against the naive loop in the same run, one batch per class; in
batches of 20 texts, about one page of comments: 22x / 60x / 28x / 15x. Measured on 2 shared
cores; between runs the ratios moved by about a third.)

What each setting does, the others at their defaults (``python -m bench.bench_langid --sweep``),
as accuracy / wrong on 10-30 and on 30-80 characters (articles and 80-200 stay at 1.000 / 0 unless
noted):

- ``min_score`` (0.6): 0.5 -> 0.868 / 108, 0.987 / 20; 0.6 -> 0.846 / 72, 0.985 / 18;
  0.7 -> 0.818 / 51, 0.982 / 14; 0.8 -> 0.780 / 37, 0.978 / 13 (below the naive loop's accuracy on
  30-80) and one 80-200 text ``und``. Raise it to trade accuracy for fewer wrong answers.
- ``min_chars`` (5 letters) and ``min_words`` (2; a one-word comment is ``und``): min_words 1 ->
  0.860 / 74; 3 -> 0.706 / 49. min_chars 10 -> 0.772 / 64; 15 -> 0.484 / 36 (50% ``und``);
  20 -> 0.212 / 10 (78% ``und``). Texts of 30+ characters barely change.
- ``max_chars`` (1000): 100 to 3000 give the same figures; every dev article is right from its
  first 100 characters on.
- ``prior_weight`` (0.5): 0 (langdetect's uniform prior) -> 0.695 / 119, 0.970 / 29;
  1.0 -> 0.884 / 100, 0.986 / 20 and one wrong answer on 80-200.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import polars as pl
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.utils.ngram import NGram

logger = logging.getLogger(__name__)

UND = "und"
"""Code of an undetermined language."""

TEMPERATURE = 3.0
"""Divides the summed log-likelihoods: each character takes part in up to three overlapping
n-grams, which naive Bayes counts as independent evidence (tuned with ``bench.bench_langid --sweep``)."""

WEB_SHARES: Mapping[str, float] = MappingProxyType(
    {
        "en": 62.9, "ru": 6.1, "tr": 3.7, "es": 3.6, "fa": 3.2, "fr": 2.7, "de": 2.6, "ja": 2.1, "vi": 1.7,
        "zh": 1.4, "ar": 1.2, "it": 1.1, "nl": 1.0, "pl": 0.8, "id": 0.7, "pt": 0.7, "uk": 0.5, "th": 0.5,
        "ko": 0.5, "he": 0.5, "sv": 0.3, "hr": 0.3, "ro": 0.2, "da": 0.2, "el": 0.2, "cs": 0.2, "fi": 0.2,
        "hu": 0.1, "no": 0.1, "bg": 0.1, "sk": 0.1, "hi": 0.1, "lt": 0.1,
    }
)  # fmt: skip
"""Percent of websites per content language (W3Techs, March 2022, as compared in FUNREDES
"Indicators of languages in the Internet" V3.4; Serbo-Croatian under ``hr``). Languages not listed
get ``_MIN_SHARE``. The prior only tips close calls on short text (e.g. English read as Afrikaans)."""

_MIN_SHARE = 0.1

_URL_OR_MAIL = r"https?://[-_.?&~;+=/#0-9A-Za-z]+|[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}"
"""langdetect's URL and e-mail patterns (removed before a text is read)."""

_LATIN = re.compile("[A-z]")
"""What langdetect counts as Latin, and removes from mostly non-Latin text."""

_N_CODEPOINTS = 0x110000
_BITS = 21
"""Bits per code point in an n-gram key (three code points fit an int64)."""
_NONE = (1 << _BITS) - 1
"""Filler for the missing leading characters of 1- and 2-grams (not a code point)."""
_HASH_BITS = 18
"""Slots of the n-gram hash table: 2**18 for ~88k n-grams keeps probe runs short."""
_EMPTY = -1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

_CHUNK_CHARS = 1 << 14
"""Characters scored together (bounds the gather of one chunk to about 20 MB)."""

_FRACTION_BITS = 20
"""Log-probabilities are rounded to multiples of 2**-20 (an error below 1e-6 per n-gram)."""

_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Model:
    """langdetect's profiles as arrays, built once per process."""

    codes: tuple[str, ...]
    """langdetect language codes, sorted (the rows of ``log_prob``)."""
    log_prob: npt.NDArray[np.float32]
    """log(p(ngram | language) + alpha / BASE_FREQ), one row per language; column 0 is zeros (no
    n-gram). Language-major, so that gathering a text's n-grams reads short contiguous rows."""
    unigram: npt.NDArray[np.int32]
    """Column of each single character's n-gram (0: none), per code point."""
    slot_keys: npt.NDArray[np.int64]
    """Open-addressing hash table of 2- and 3-gram keys (``_EMPTY`` in free slots)..."""
    slot_ids: npt.NDArray[np.int32]
    """... and their columns in ``log_prob``."""
    normalize: npt.NDArray[np.int64]
    """langdetect's character normalisation, per code point."""
    upper: npt.NDArray[np.bool_]
    """``str.isupper`` per code point."""
    lower: npt.NDArray[np.bool_]
    """``str.islower`` per code point."""
    letter: npt.NDArray[np.bool_]
    """``str.isalpha`` per code point (what ``min_chars`` counts)."""
    unspaced: npt.NDArray[np.bool_]
    """Letters of scripts written without spaces between words (Han, kana, Thai, Lao, Khmer,
    Myanmar): each counts as a word for ``min_words``."""


def _key(ngram: str) -> int:
    padded = [_NONE] * (3 - len(ngram)) + [ord(c) for c in ngram]
    return (padded[0] << (2 * _BITS)) | (padded[1] << _BITS) | padded[2]


def _hash(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return ((keys.astype(np.uint64) * _GOLDEN) >> np.uint64(64 - _HASH_BITS)).astype(np.int64)


def _hash_table(keys: dict[int, int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Open addressing with linear probing of ``{key: id}``."""
    mask = (1 << _HASH_BITS) - 1
    slot_keys = [_EMPTY] * (1 << _HASH_BITS)
    slot_ids = [0] * (1 << _HASH_BITS)
    homes = _hash(np.array(list(keys), dtype=np.int64)).tolist()
    for (key, id_), home in zip(keys.items(), homes, strict=True):
        slot = home
        while slot_keys[slot] != _EMPTY:
            slot = (slot + 1) & mask
        slot_keys[slot], slot_ids[slot] = key, id_
    return np.array(slot_keys, dtype=np.int64), np.array(slot_ids, dtype=np.int32)


@functools.cache
def _load_model() -> _Model:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    order = sorted(range(len(factory.langlist)), key=lambda i: factory.langlist[i])
    ngrams = sorted(factory.word_lang_prob_map)
    table = factory.word_lang_prob_map
    probs = np.fromiter(
        itertools.chain.from_iterable(table[g] for g in ngrams), dtype=np.float64, count=len(ngrams) * len(order)
    ).reshape(len(ngrams), len(order))[:, order]
    smoothing = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
    log_prob = np.hstack([np.zeros((len(order), 1)), np.log(probs + smoothing).T])
    # Fixed point: multiples of 2**-_FRACTION_BITS, exact in float32 (|log p| < 10 < 2**4). Sums of
    # such values are exact in float64, so they do not depend on summation order, SIMD path or batch.
    log_prob = (np.round(log_prob * 2.0**_FRACTION_BITS) / 2.0**_FRACTION_BITS).astype(np.float32)
    unigram = np.zeros(_N_CODEPOINTS, dtype=np.int32)
    longer: dict[int, int] = {}
    for i, gram in enumerate(ngrams):
        if len(gram) == 1:
            unigram[ord(gram)] = i + 1
        else:
            longer[_key(gram)] = i + 1
    slot_keys, slot_ids = _hash_table(longer)
    normalize = np.arange(_N_CODEPOINTS, dtype=np.int64)
    for cp in range(0x10000):  # langdetect only normalises characters of the Basic Multilingual Plane
        normalized = NGram.normalize(chr(cp))
        if normalized != chr(cp):
            normalize[cp] = ord(normalized)
    chars = np.arange(_N_CODEPOINTS, dtype=np.uint32).view("<U1")
    return _Model(
        codes=tuple(factory.langlist[i] for i in order),
        log_prob=np.ascontiguousarray(log_prob),
        unigram=unigram,
        slot_keys=slot_keys,
        slot_ids=slot_ids,
        normalize=normalize,
        upper=np.strings.isupper(chars),
        lower=np.strings.islower(chars),
        letter=np.strings.isalpha(chars),
        unspaced=_unspaced(np.strings.isalpha(chars)),
    )


_UNSPACED_BLOCKS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3FFFF),  # CJK Extensions B and later
)


def _unspaced(letter: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    unspaced = np.zeros_like(letter)
    for first, last in _UNSPACED_BLOCKS:
        unspaced[first : last + 1] = letter[first : last + 1]
    return unspaced


def _model() -> _Model:
    # The cache makes the model a per-process constant; the lock makes the first build happen once
    # even when several threads ask for it at the same time.
    with _LOAD_LOCK:
        return _load_model()


def init_detector() -> None:
    """Load langdetect's profiles once per process/worker (thread-safe to call repeatedly)."""
    _model()


def iso_639_1(code: str) -> str:
    """Return the ISO 639-1 code of a langdetect language code (``zh-cn`` -> ``zh``)."""
    return code.split("-", 1)[0]


def _lookup(model: _Model, query: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Column of each 2- or 3-gram key in ``log_prob`` (0 when langdetect does not know it)."""
    mask = (1 << _HASH_BITS) - 1
    out = np.zeros(len(query), dtype=np.int32)
    todo = np.arange(len(query))
    slot = _hash(query)
    while todo.size:
        found = model.slot_keys[slot]
        hit = found == query
        out[todo[hit]] = model.slot_ids[slot[hit]]
        probe = ~hit & (found != _EMPTY)
        todo, query, slot = todo[probe], query[probe], (slot[probe] + 1) & mask
    return out


def _log_likelihoods(
    model: _Model, texts: Sequence[str], sizes: npt.NDArray[np.int64], log_prob: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Sum the n-gram log-probabilities of each text.

    Args:
        texts: the texts, each with a leading space (langdetect starts its n-gram buffer with one).
        sizes: their lengths in code points.

    Returns:
        (len(texts), n_languages) log-likelihoods and the number of known n-grams per text.
    """
    n = len(texts)
    chars = model.normalize[np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)]
    text_of = np.repeat(np.arange(n), sizes)
    local = np.arange(len(chars)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    prev1 = np.roll(chars, 1)
    prev2 = np.roll(chars, 2)
    upper = model.upper[chars]
    # langdetect emits no n-gram ending on an upper-case letter that follows another one.
    emits = ~(upper & np.roll(upper, 1))
    two = emits & (local >= 1)
    ids = np.zeros((len(chars), 3), dtype=np.int32)
    ids[:, 0] = np.where(emits, model.unigram[chars], 0)
    ids[two, 1] = _lookup(model, ((_NONE << (2 * _BITS)) | (prev1 << _BITS) | chars)[two])
    # Every 3-gram of the profiles ends with one of their 2-grams: look 3-grams up only after a hit.
    three = (ids[:, 1] > 0) & (local >= 2)
    ids[three, 2] = _lookup(model, ((prev2 << (2 * _BITS)) | (prev1 << _BITS) | chars)[three])
    flat = ids.ravel()
    known = flat > 0
    owner = np.repeat(text_of, 3)[known]
    found = np.bincount(owner, minlength=n)
    sums = np.zeros((n, log_prob.shape[0]))
    if known.any():
        # Each distinct n-gram of a text is gathered once and weighted by its count: long texts
        # repeat most of their n-grams, and the gather is the main cost.
        width = log_prob.shape[1]
        distinct, counts = np.unique(owner * width + flat[known], return_counts=True)
        owners = distinct // width
        gathered = np.take(log_prob, distinct % width, axis=1) * counts.astype(np.float64)
        starts = np.searchsorted(owners, np.flatnonzero(found))
        sums[found > 0] = np.add.reduceat(gathered, starts, axis=1).T
    return sums, found


def _score(
    model: _Model, texts: Sequence[str], sizes: npt.NDArray[np.int64], log_prob: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Score texts in chunks of about ``_CHUNK_CHARS`` characters (each text whole in one chunk)."""
    sums = np.zeros((len(texts), log_prob.shape[0]))
    found = np.zeros(len(texts), dtype=np.int64)
    ends = np.cumsum(sizes)
    start = 0
    while start < len(texts):
        base = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, base + _CHUNK_CHARS, side="right")), start + 1)
        sums[start:stop], found[start:stop] = _log_likelihoods(model, texts[start:stop], sizes[start:stop], log_prob)
        start = stop
    return sums, found


def detect_language(
    frame: pl.DataFrame,
    *,
    text_column: str = "text",
    min_chars: int = 5,
    min_words: int = 2,
    min_score: float = 0.6,
    max_chars: int = 1000,
    languages: Sequence[str] | None = None,
    prior_weight: float = 0.5,
) -> pl.DataFrame:
    """Add the language of each text and the model's probability of it.

    Args:
        frame: one batch; only ``text_column`` is read.
        text_column: column with the text (String; nulls give ``und``).
        min_chars: texts with fewer letters than this (after removing URLs and e-mail addresses)
            get ``und`` without being scored.
        min_words: texts with fewer words (runs of letters; in Chinese, Japanese and Thai every
            letter) get ``und`` without being scored: a one-word comment is not a language sample.
        min_score: a language whose probability is below this gives ``und``.
        max_chars: only the first ``max_chars`` characters of a text are read.
        languages: ISO 639-1 codes the detector may choose from (None: all of langdetect's 55
            profiles). This narrows the candidates; it does not drop rows. To keep only some
            languages in the corpus, detect over all of them and select on ``language``.
        prior_weight: exponent of the prior ``WEB_SHARES`` (0: every language equally likely).

    Returns:
        ``frame`` with the same rows in the same order plus ``language`` (String, never null) and
        ``language_score`` (Float64, null when ``language`` is ``und``).

    Raises:
        ValueError: when ``languages`` names no language that langdetect has a profile for.
    """
    model = _model()
    candidates = _candidates(model, tuple(sorted(set(languages))) if languages is not None else None)
    log_prob = model.log_prob if candidates.all_codes else model.log_prob[list(candidates.rows)]
    prepared = frame.select(
        pl.col(text_column)
        .cast(pl.String)
        .fill_null("")
        .str.slice(0, max_chars)
        .str.replace_all(_URL_OR_MAIL, " ")
        .str.normalize("NFC")
    )
    # langdetect starts its n-gram buffer with a space: so does every text here.
    texts = [" " + text for text in prepared.to_series().to_list()]
    sizes = np.array([len(text) for text in texts], dtype=np.int64)
    texts, sizes = _clean(model, texts, sizes, min_chars=max(min_chars, 1), min_words=min_words)
    sums, found = _score(model, texts, sizes, log_prob)
    scaled = sums / TEMPERATURE + prior_weight * candidates.log_prior
    scaled -= scaled.max(axis=1, keepdims=True, initial=-np.inf)
    weights = np.exp(scaled)
    # Columns are grouped by ISO 639-1 code, so zh-cn and zh-tw add up to zh.
    probs = np.add.reduceat(weights / weights.sum(axis=1, keepdims=True), candidates.groups, axis=1)
    best = np.argmax(probs, axis=1)
    score = probs[np.arange(len(texts)), best]
    ok = (found > 0) & (score >= min_score)
    language = np.where(ok, np.array(candidates.names, dtype=object)[best], UND)
    logger.debug("detected %d texts, %d und", frame.height, int((~ok).sum()))
    added = [
        pl.Series("language", language, dtype=pl.String),
        pl.Series("language_score", np.where(ok, score, np.nan), dtype=pl.Float64, nan_to_null=True),
    ]
    if {"language", "language_score"} & set(frame.columns):
        return frame.with_columns(added)
    return frame.hstack(added)  # no query plan: cheaper for the small batches of one page


def _clean(
    model: _Model, texts: list[str], sizes: npt.NDArray[np.int64], *, min_chars: int, min_words: int
) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Prepare texts for scoring, as langdetect does, plus one step of our own.

    Texts with fewer than ``min_chars`` letters are blanked. Latin letters are removed from mostly
    non-Latin text, as langdetect does ('A'-'z' against U+0300 and above outside Latin Extended
    Additional). Text with more upper-case than lower-case letters is lower-cased: langdetect reads
    no n-gram inside an upper-case run, so a comment in capitals would otherwise leave it almost
    nothing to read.
    """
    n = len(texts)
    cp = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    text_of = np.repeat(np.arange(n), sizes)

    def per_text(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        return np.bincount(text_of[mask], minlength=n)

    latin = (cp >= ord("A")) & (cp <= ord("z"))
    non_latin = (cp >= 0x300) & ~((cp >= 0x1E00) & (cp <= 0x1EFF))
    letter = model.letter[cp]
    # A word is a run of letters; in scripts written without spaces every letter counts as one.
    words = per_text(letter & ~np.roll(letter, 1)) + per_text(model.unspaced[cp])
    short = (per_text(letter) < min_chars) | (words < min_words)
    mostly_non_latin = per_text(latin) * 2 < per_text(non_latin)
    shouting = per_text(model.upper[cp]) > per_text(model.lower[cp])
    if not (short.any() or mostly_non_latin.any() or shouting.any()):
        return texts, sizes
    cleaned = [
        _clean_one(text, blank=blank, strip_latin=strip, lower=lower)
        for text, blank, strip, lower in zip(
            texts, short.tolist(), mostly_non_latin.tolist(), shouting.tolist(), strict=True
        )
    ]
    return cleaned, np.array([len(t) for t in cleaned], dtype=np.int64)


def _clean_one(text: str, *, blank: bool, strip_latin: bool, lower: bool) -> str:
    if blank:
        return " "
    if strip_latin:
        text = _LATIN.sub("", text)
    return text.lower() if lower else text


@dataclass(frozen=True)
class _Candidates:
    """The languages a call may choose from."""

    rows: tuple[int, ...]
    """Indexes into ``_Model.codes``, grouped by ISO 639-1 code."""
    all_codes: bool
    names: tuple[str, ...]
    """ISO 639-1 code of each group."""
    groups: npt.NDArray[np.intp]
    """Where each group starts in ``rows``."""
    log_prior: npt.NDArray[np.float64]
    """log(WEB_SHARES) of each row (a code's share when it is one of several, as zh-cn and zh-tw)."""


@functools.cache
def _candidates_of(codes: tuple[str, ...], languages: tuple[str, ...] | None) -> _Candidates:
    rows = sorted(
        (i for i, code in enumerate(codes) if languages is None or iso_639_1(code) in languages),
        key=lambda i: (iso_639_1(codes[i]), codes[i]),
    )
    if not rows:
        raise ValueError(f"none of {list(languages or ())} is a langdetect language: {codes}")
    isos = [iso_639_1(codes[i]) for i in rows]
    names = tuple(dict.fromkeys(isos))
    return _Candidates(
        rows=tuple(rows),
        all_codes=rows == list(range(len(codes))),
        names=names,
        groups=np.array([isos.index(name) for name in names], dtype=np.intp),
        log_prior=np.log([WEB_SHARES.get(iso, _MIN_SHARE) / isos.count(iso) for iso in isos]),
    )


def _candidates(model: _Model, languages: tuple[str, ...] | None) -> _Candidates:
    return _candidates_of(model.codes, languages)

