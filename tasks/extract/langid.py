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
and their log-probabilities are summed per text by one sparse (texts x n-grams) by (n-grams x
languages) matrix product. All of it is array work over the code points of the whole batch; no
Python runs per text. The posterior is
``softmax(log-likelihood / TEMPERATURE + prior_weight * log(WEB_SHARES))``. One step is our own:
text with more upper-case than lower-case letters is read lower-cased (langdetect reads nothing
inside upper-case runs). Nothing is random, every text is scored on its own, and the log-probabilities
are fixed-point numbers whose sums are exact, so a text gets the same answer in every process and
run, whatever else is in the batch.
So each distinct text of a batch is scored once, and its answer goes to every row holding it.

The arrays (about 50 MB) are built from langdetect's bundled profiles on first use, about one CPU
second, and saved to a cache folder (``cache_dir()``: ``$CORPUSFLOW_CACHE_DIR``, else
``$XDG_CACHE_HOME/corpusflow`` or ``~/.cache/corpusflow``); later processes memory-map them in a few
milliseconds. This module reads and writes that folder itself: it holds a model, not stage data.

Defaults, measured with ``python -m bench.bench_langid`` on labelled dev text (articles = title +
body of 45 pages in 7 languages; short texts = their body sentences cut at a word boundary to
comment lengths), as accuracy / wrong answers / ``und`` rate, against the naive loop
(seeded ``langdetect.detect_langs`` on the whole text):

=================  =====  ======================  =======================  ========
class              texts  naive: acc / wrong      ours: acc / wrong / und  speed-up
=================  =====  ======================  =======================  ========
articles              45  1.000 / 0               1.000 / 0 / 0.000            83x
comments 10-30      2220  0.810 / 422             0.846 / 72 / 0.121          487x
comments 30-80      2104  0.979 / 44              0.985 / 18 / 0.006          183x
comments 80-200     1366  0.997 / 4               1.000 / 0 / 0.000            96x
=================  =====  ======================  =======================  ========

(speed-up: texts per CPU second against the naive loop in the same run, one batch per class; in
batches of 20 texts, about one page of comments: 57x / 55x / 41x / 31x. Measured on 2 shared
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
import inspect
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from importlib.metadata import version
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import polars as pl
import xxhash
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.utils.ngram import NGram

from schemas.tagged import TAGGED_ARTICLES, TAGGED_COMMENTS
from schemas.validate import cast_to
from tasks.distinct import distinct_values
from tasks.hashing import hash_columns
from tasks.normal_forms import NFC_UNSTABLE

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

_N_CODEPOINTS = 0x110000
_BITS = 21
"""Bits per code point in an n-gram key (three code points fit an int64)."""
_NONE = (1 << _BITS) - 1
"""Filler for the missing leading characters of 1- and 2-grams (not a code point)."""
_HASH_BITS = 20
"""Slots of the n-gram hash table: 2**20 for ~85k 2- and 3-grams, so that most keys sit in their
home slot and most unknown keys meet an empty one."""
_EMPTY = -1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

_CHUNK_CHARS = 1 << 20
"""Characters scored together (bounds the temporary arrays of one chunk to about 100 MB)."""

_FRACTION_BITS = 20
"""Log-probabilities are rounded to multiples of 2**-20 (an error below 1e-6 per n-gram)."""

_UPPER, _LOWER, _LETTER, _UNSPACED = 1, 2, 4, 8
"""Bits of ``_Model.classes``."""

CACHE_ENV = "CORPUSFLOW_CACHE_DIR"
"""Environment variable naming the folder of the model cache (default ``$XDG_CACHE_HOME/corpusflow``,
else ``~/.cache/corpusflow``)."""

_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Model:
    """langdetect's profiles as arrays, built once per machine and memory-mapped by every process."""

    codes: tuple[str, ...]
    """langdetect language codes, sorted (the columns of ``log_prob``)."""
    log_prob: npt.NDArray[np.float64]
    """One row per n-gram and one column per language: log(p(ngram | language) + alpha / BASE_FREQ)
    of the n-gram plus that of its known suffixes (a 3-gram's 2-gram and 1-gram, a 2-gram's 1-gram).
    langdetect reads every suffix of an n-gram it reads at the same position, so a text's sum needs
    only the longest known n-gram ending at each character. Row 0 is zeros (no n-gram)."""
    ngram_count: npt.NDArray[np.uint8]
    """How many n-grams each row of ``log_prob`` adds up (0 for row 0)."""
    unigram: npt.NDArray[np.int32]
    """Row of each single character's n-gram (0: none), per code point."""
    slot_keys: npt.NDArray[np.int64]
    """Open-addressing hash table of 2- and 3-gram keys (``_EMPTY`` in free slots)..."""
    slot_ids: npt.NDArray[np.int32]
    """... and their rows in ``log_prob``."""
    normalize: npt.NDArray[np.int64]
    """langdetect's character normalisation, per code point (int64: n-gram keys are built from it)."""
    classes: npt.NDArray[np.uint8]
    """Per code point: ``_UPPER`` (``str.isupper``), ``_LOWER`` (``str.islower``), ``_LETTER``
    (``str.isalpha``, what ``min_chars`` counts) and ``_UNSPACED`` (letters of scripts written
    without spaces between words: Han, kana, Thai, Lao, Khmer, Myanmar; each counts as a word for
    ``min_words``)."""


def _key(ngram: str) -> int:
    padded = [_NONE] * (3 - len(ngram)) + [ord(c) for c in ngram]
    return (padded[0] << (2 * _BITS)) | (padded[1] << _BITS) | padded[2]


def _hash(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Home slot of each key (Fibonacci hashing: the top bits of key * golden ratio * 2**64)."""
    slots = keys.view(np.uint64) * _GOLDEN
    slots >>= np.uint64(64 - _HASH_BITS)
    return slots.view(np.int64)


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


def _build_model() -> _Model:
    """Turn langdetect's profiles into arrays (about one CPU second)."""
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    order = sorted(range(len(factory.langlist)), key=lambda i: factory.langlist[i])
    ngrams = sorted(factory.word_lang_prob_map)
    table = factory.word_lang_prob_map
    probs = np.array([table[g] for g in ngrams], dtype=np.float64).reshape(len(ngrams), -1)[:, order]
    smoothing = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
    log_prob = np.vstack([np.zeros((1, len(order))), np.log(probs + smoothing)])
    # Fixed point: multiples of 2**-_FRACTION_BITS below 2**4 in magnitude (24 significant bits).
    # Sums of up to 2**29 such values are exact in float64, so they do not depend on summation
    # order, SIMD path or batch.
    log_prob = np.round(log_prob * 2.0**_FRACTION_BITS) / 2.0**_FRACTION_BITS
    unigram = np.zeros(_N_CODEPOINTS, dtype=np.int32)
    longer: dict[int, int] = {}
    row = {gram: i + 1 for i, gram in enumerate(ngrams)}
    # Rows of each n-gram's known suffixes: the 1-gram of its last character and, for a 3-gram, the
    # 2-gram of its last two (every 3-gram's 2-gram is in the profiles; not every 1-gram is).
    last_char = np.array([0, *(row.get(g[-1], 0) if len(g) > 1 else 0 for g in ngrams)], dtype=np.intp)
    last_two = np.array([0, *(row.get(g[-2:], 0) if len(g) > 2 else 0 for g in ngrams)], dtype=np.intp)
    for i, gram in enumerate(ngrams):
        if len(gram) == 1:
            unigram[ord(gram)] = i + 1
        else:
            longer[_key(gram)] = i + 1
    slot_keys, slot_ids = _hash_table(longer)
    # Each term is a multiple of 2**-20 below 16 in magnitude: the sums of three stay exact.
    log_prob = log_prob + log_prob[last_char] + log_prob[last_two]
    ngram_count = (1 + (last_char > 0) + (last_two > 0)).astype(np.uint8)
    ngram_count[0] = 0
    normalize = np.arange(_N_CODEPOINTS, dtype=np.int64)
    for cp in range(0x10000):  # langdetect only normalises characters of the Basic Multilingual Plane
        normalized = NGram.normalize(chr(cp))
        if normalized != chr(cp):
            normalize[cp] = ord(normalized)
    chars = np.arange(_N_CODEPOINTS, dtype=np.uint32).view("<U1")
    letter = np.strings.isalpha(chars)
    classes = (
        np.strings.isupper(chars) * _UPPER
        + np.strings.islower(chars) * _LOWER
        + letter * _LETTER
        + _unspaced(letter) * _UNSPACED
    ).astype(np.uint8)
    return _Model(
        codes=tuple(factory.langlist[i] for i in order),
        log_prob=np.ascontiguousarray(log_prob),
        ngram_count=ngram_count,
        unigram=unigram,
        slot_keys=slot_keys,
        slot_ids=slot_ids,
        normalize=normalize,
        classes=classes,
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


def cache_dir() -> Path:
    """Folder of the model cache: ``$CORPUSFLOW_CACHE_DIR``, else ``$XDG_CACHE_HOME/corpusflow``,
    else ``~/.cache/corpusflow``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "corpusflow"


def _model_version() -> str:
    """Changes with the code that builds the model, langdetect's version and its profile files."""
    code = [inspect.getsource(f) for f in (_Model, _build_model, _key, _hash, _hash_table, _unspaced)]
    constants = (_BITS, _HASH_BITS, _FRACTION_BITS, _UNSPACED_BLOCKS, _UPPER, _LOWER, _LETTER, _UNSPACED)
    digest = xxhash.xxh3_64(("".join(code) + repr(constants)).encode())
    digest.update(version("langdetect").encode())
    for path in sorted(Path(PROFILES_DIRECTORY).iterdir()):
        digest.update(f"{path.name}:{path.stat().st_size}".encode())
    return digest.hexdigest()


def _array_fields() -> list[str]:
    return [f.name for f in fields(_Model) if f.name != "codes"]


def _read_cached(folder: Path) -> _Model:
    # Plain arrays over the mapped files: indexing an np.memmap goes through Python code.
    arrays = {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r")) for name in _array_fields()}
    codes = tuple((folder / "codes.txt").read_text(encoding="utf-8").split())
    return _Model(codes=codes, **arrays)


def _write_cache(model: _Model, folder: Path) -> None:
    """Write the arrays to a fresh folder and rename it into place (concurrent writers are safe)."""
    staging = folder.with_name(f"{folder.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    staging.mkdir(parents=True)
    try:
        for name in _array_fields():
            np.save(staging / f"{name}.npy", getattr(model, name))
        (staging / "codes.txt").write_text("\n".join(model.codes), encoding="utf-8")
        staging.rename(folder)
    except OSError:
        if not folder.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@functools.cache
def _load_model() -> _Model:
    """The model from the cache folder, built and cached on first use.

    The cache only holds arrays derived from langdetect's bundled profiles (nothing is downloaded);
    it saves each new process the second it takes to build them. When the folder cannot be written
    the model is built in memory.
    """
    folder = cache_dir() / f"langid-{_model_version()}"
    if (folder / "codes.txt").is_file():
        try:
            return _read_cached(folder)
        except (OSError, ValueError) as error:
            logger.warning("unreadable language model cache %s (%s): rebuilding it", folder, error)
            shutil.rmtree(folder, ignore_errors=True)
    model = _build_model()
    try:
        _write_cache(model, folder)
    except OSError as error:
        logger.warning("language model cache %s not written (%s)", folder, error)
    return model


def _model() -> _Model:
    # The cache makes the model a per-process constant; the lock makes the first build happen once
    # even when several threads ask for it at the same time.
    with _LOAD_LOCK:
        return _load_model()


def init_detector() -> None:
    """Load langdetect's profiles once per process/worker, and the sparse matrices that score texts
    (thread-safe to call repeatedly)."""
    from scipy import sparse  # noqa: F401, PLC0415 -- imported for its import cost, as _log_likelihoods does

    _model()


def iso_639_1(code: str) -> str:
    """Return the ISO 639-1 code of a langdetect language code (``zh-cn`` -> ``zh``)."""
    return code.split("-", 1)[0]


def _lookup(model: _Model, query: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Row of each 2- or 3-gram key in ``log_prob`` (0 when langdetect does not know it)."""
    mask = (1 << _HASH_BITS) - 1
    slot = _hash(query)
    found = model.slot_keys[slot]
    out = model.slot_ids[slot]
    # Most keys sit in their home slot; the others walk on until their key or an empty slot.
    miss = np.flatnonzero(found != query)
    out[miss] = 0
    while miss.size:
        miss = miss[found[miss] != _EMPTY]
        slot[miss] = (slot[miss] + 1) & mask
        found[miss] = model.slot_keys[slot[miss]]
        hit = found[miss] == query[miss]
        out[miss[hit]] = model.slot_ids[slot[miss[hit]]]
        miss = miss[~hit]
    return out


def _codepoints(texts: Sequence[str]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """The code points of all texts, concatenated, and the length of each text."""
    joined = "".join(texts)
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.int32), sizes


def _series_codepoints(texts: pl.Series) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """``_codepoints`` of a String column without nulls, without a Python object per text."""
    sizes = texts.str.len_chars().cast(pl.Int64).to_numpy()
    joined = texts.str.join("").item() if len(texts) else ""
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.int32), sizes


def _per_text(values: npt.NDArray[np.generic], sizes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sum ``values`` (one per code point) over each text."""
    out = np.zeros(len(sizes), dtype=np.int64)
    filled = sizes > 0
    if filled.any():  # reduceat needs the start of each non-empty segment (an empty one gives no row)
        out[filled] = np.add.reduceat(values, (np.cumsum(sizes) - sizes)[filled], dtype=np.int64)
    return out


def _log_likelihoods(
    model: _Model, codepoints: npt.NDArray[np.int32], sizes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Sum the n-gram log-probabilities of each text.

    Args:
        codepoints: the texts' code points, concatenated; every text starts with a space
            (langdetect starts its n-gram buffer with one).
        sizes: the texts' lengths in code points.

    Returns:
        (len(sizes), n_languages) log-likelihoods and the number of known n-grams per text.
    """
    # scipy.sparse takes a quarter of a second to import: only processes that score text pay it.
    from scipy import sparse  # noqa: PLC0415

    chars = model.normalize[codepoints]
    first = np.zeros(len(chars), dtype=np.bool_)
    first[(np.cumsum(sizes) - sizes)[sizes > 0]] = True
    upper = (model.classes[chars] & _UPPER).astype(np.bool_)
    # langdetect emits no n-gram ending on an upper-case letter that follows another one.
    emits = ~(upper & np.roll(upper, 1))
    # Keys of the 2- and 3-gram ending at every character (those reaching into the previous text
    # are masked below). A 3-gram is only known when its 2-gram is: no need to look up in order.
    last_two = (np.roll(chars, 1) << _BITS) | chars
    bigram = _lookup(model, last_two | (_NONE << (2 * _BITS)))
    trigram = _lookup(model, last_two | (np.roll(chars, 2) << (2 * _BITS)))
    second = np.roll(first, 1)
    # The longest known n-gram ending at each character (its row adds up its suffixes too).
    longest = np.where(bigram > 0, bigram, model.unigram[chars])
    longest = np.where((trigram > 0) & ~second, trigram, longest)
    longest = np.where(first, model.unigram[chars], longest)
    longest[~emits] = 0
    found = _per_text(model.ngram_count[longest], sizes)
    # One sparse (texts x n-grams) count matrix times the (n-grams x languages) table; row 0 of the
    # table (no n-gram) is zeros. The sums are exact (see _build_model), so the order in which they
    # are added does not matter.
    counts = sparse.csr_array(
        (np.ones(len(longest)), longest, np.concatenate([[0], np.cumsum(sizes)])),
        shape=(len(sizes), model.log_prob.shape[0]),
    )
    return np.asarray(counts @ model.log_prob), found


def _score(
    model: _Model, codepoints: npt.NDArray[np.int32], sizes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Score texts in chunks of about ``_CHUNK_CHARS`` characters (each text whole in one chunk)."""
    sums = np.zeros((len(sizes), model.log_prob.shape[1]))
    found = np.zeros(len(sizes), dtype=np.int64)
    ends = np.cumsum(sizes)
    start = 0
    while start < len(sizes):
        base = int(ends[start - 1]) if start else 0
        stop = max(int(np.searchsorted(ends, base + _CHUNK_CHARS, side="right")), start + 1)
        sums[start:stop], found[start:stop] = _log_likelihoods(
            model, codepoints[base : ends[stop - 1]], sizes[start:stop]
        )
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
    # every text is scored on its own (see the module's docstring): each distinct text once, its answer
    # gathered to every row that holds it (a page's copies, repeated comments)
    texts, at = distinct_values(frame.get_column(text_column).cast(pl.String))
    cut = texts.to_frame("t").select(
        pl.col("t").fill_null("").str.slice(0, max_chars).str.replace_all(_URL_OR_MAIL, " ")).to_series()
    # NFC leaves ASCII text as it is, and a text without a character it may change (NFC_UNSTABLE): only the
    # texts holding one are normalised
    wide = (cut.str.len_bytes() != cut.str.len_chars()).arg_true()
    if wide.len():
        wide = wide.filter(cut.gather(wide).str.contains(NFC_UNSTABLE))
    if wide.len():
        cut = cut.scatter(wide, cut.gather(wide).str.normalize("NFC"))
    # langdetect starts its n-gram buffer with a space: so does every text here.
    prepared = cut.to_frame("t").select(pl.concat_str(pl.lit(" "), pl.col("t"))).to_series()
    codepoints, sizes = _series_codepoints(prepared)
    codepoints, sizes = _clean(model, codepoints, sizes, min_chars=max(min_chars, 1), min_words=min_words)
    sums, found = _score(model, codepoints, sizes)
    if not candidates.all_codes:
        sums = sums[:, list(candidates.rows)]
    scaled = sums / TEMPERATURE + prior_weight * candidates.log_prior
    scaled -= scaled.max(axis=1, keepdims=True, initial=-np.inf)
    weights = np.exp(scaled)
    # Columns are grouped by ISO 639-1 code, so zh-cn and zh-tw add up to zh.
    probs = np.add.reduceat(weights / weights.sum(axis=1, keepdims=True), candidates.groups, axis=1)
    best = np.argmax(probs, axis=1)
    score = probs[np.arange(len(sizes)), best]
    ok = (found > 0) & (score >= min_score)
    language = np.where(ok, np.array(candidates.names, dtype=object)[best], UND)
    logger.debug("detected %d texts (%d distinct), %d und", frame.height, len(sizes), int((~ok[at]).sum()))
    added = [
        pl.Series("language", language[at], dtype=pl.String),
        pl.Series("language_score", np.where(ok, score, np.nan)[at], dtype=pl.Float64, nan_to_null=True),
    ]
    if {"language", "language_score"} & set(frame.columns):
        return frame.with_columns(added)
    return frame.hstack(added)  # no query plan: cheaper for the small batches of one page


def _clean(
    model: _Model, codepoints: npt.NDArray[np.int32], sizes: npt.NDArray[np.int64], *, min_chars: int, min_words: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Prepare texts for scoring, as langdetect does, plus one step of our own.

    Texts with fewer than ``min_chars`` letters are blanked (only their leading space is kept).
    Latin letters are removed from mostly non-Latin text, as langdetect does ('A'-'z' against
    U+0300 and above outside Latin Extended Additional). Text with more upper-case than lower-case
    letters is lower-cased: langdetect reads no n-gram inside an upper-case run, so a comment in
    capitals would otherwise leave it almost nothing to read. All of it is array work over the
    code points of the batch except the lower-casing (Python's ``str.lower``, which depends on
    context for a final sigma), done on the few texts that need it.
    """
    cp = codepoints

    def per_text(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        return _per_text(mask, sizes)

    classes = model.classes[cp]
    latin = (cp >= ord("A")) & (cp <= ord("z"))
    non_latin = (cp >= 0x300) & ~((cp >= 0x1E00) & (cp <= 0x1EFF))
    letter = (classes & _LETTER).astype(np.bool_)
    # A word is a run of letters; in scripts written without spaces every letter counts as one.
    words = per_text(letter & ~np.roll(letter, 1)) + per_text((classes & _UNSPACED).astype(np.bool_))
    short = (per_text(letter) < min_chars) | (words < min_words)
    mostly_non_latin = (per_text(latin) * 2 < per_text(non_latin)) & ~short
    shouting = (per_text((classes & _UPPER).astype(np.bool_)) > per_text((classes & _LOWER).astype(np.bool_))) & ~short
    if short.any() or mostly_non_latin.any():
        first = np.zeros(len(cp), dtype=np.bool_)
        first[(np.cumsum(sizes) - sizes)[sizes > 0]] = True
        blank, strip = np.repeat(short, sizes), np.repeat(mostly_non_latin, sizes)
        keep = ~(blank & ~first) & ~(strip & latin)
        cp, sizes = cp[keep], _per_text(keep, sizes)
    if shouting.any():
        cp, sizes = _lower_texts(cp, sizes, np.flatnonzero(shouting))
    return cp, sizes


def _lower_texts(
    codepoints: npt.NDArray[np.int32], sizes: npt.NDArray[np.int64], which: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Lower-case the texts ``which`` (``str.lower``) in the concatenated code points."""
    starts = np.cumsum(sizes) - sizes
    pieces: list[npt.NDArray[np.int32]] = []
    sizes = sizes.copy()
    done = 0
    for i in which.tolist():
        start, end = int(starts[i]), int(starts[i] + sizes[i])
        text = codepoints[start:end].tobytes().decode("utf-32-le").lower()
        lowered = np.frombuffer(text.encode("utf-32-le"), dtype=np.int32)
        pieces += [codepoints[done:start], lowered]
        sizes[i] = len(lowered)
        done = end
    pieces.append(codepoints[done:])
    return np.concatenate(pieces), sizes


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


def tag_languages(
    articles: pl.DataFrame, comments: pl.DataFrame, pages: pl.DataFrame, *, min_chars: int = 5, min_words: int = 2,
    min_score: float = 0.6, max_chars: int = 1000,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add ``article_id`` and the language of every article (title + body) and every comment.

    Reads SCORED_ARTICLES, PARSED_COMMENTS and PAGES (page_id, text, html); returns TAGGED_ARTICLES
    and TAGGED_COMMENTS. ``article_id`` is the xxh3 of the page text (of the HTML for HTML pages). The
    tunables are those of :func:`detect_language` (the build passes ``LangIdConfig``'s).
    """
    ids = pages.select("page_id", pl.coalesce("text", "html").fill_null("").alias("_content"))
    ids = ids.with_columns(article_id=hash_columns(ids, ["_content"])).select("page_id", "article_id")
    arts = articles.join(ids, on="page_id", how="left").with_columns(
        # detect_language reads the first max_chars characters: the rest of the body is not copied
        _lang_text=pl.concat_str([pl.col("title").fill_null(""), pl.col("body").str.slice(0, max_chars)],
                                 separator="\n")
    )
    detect = functools.partial(detect_language, min_chars=min_chars, min_words=min_words,
                               min_score=min_score, max_chars=max_chars)
    arts = detect(arts, text_column="_lang_text").drop("_lang_text")
    coms = detect(comments, text_column="text")
    return (
        cast_to(arts, TAGGED_ARTICLES),
        cast_to(coms, TAGGED_COMMENTS),
    )


LANGID_PAGE_COLUMNS = ("page_id", "text", "html")
"""The ``PAGES`` columns ``tag_languages`` reads (``article_id`` is made from the page's text or HTML)."""
