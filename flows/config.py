"""Configuration of a build: one pydantic model, the flow's only parameter.

Nested models are frozen; the flow unpacks them into the keyword arguments of the stage
functions. Every field has a description, shown by ``corpus build --help`` and the README.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class LangIdConfig(BaseModel):
    """Language detection tunables; the defaults are the measured ones (see tasks/extract/langid.py).

    On labelled dev text they give: articles 1.000 accuracy; comments of 10-30 characters 0.846
    with 12% ``und``; 30-80 characters 0.985 (18 wrong of 2,104, against 44 for a plain langdetect loop).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_chars: int = Field(5, description="Texts with fewer letters than this get 'und'.")
    min_words: int = Field(2, description="Texts with fewer words than this get 'und' (a one-word comment).")
    min_score: float = Field(0.6, description="Below this probability the language is 'und'; raise it for fewer "
                                              "wrong answers on short text at some loss of accuracy.")
    max_chars: int = Field(1000, description="Only the first max_chars characters of a text are read.")
    languages: tuple[str, ...] | None = Field(
        None, description="Keep only articles in these ISO 639-1 languages (others are counted, not written)."
    )


class DedupConfig(BaseModel):
    """Near-duplicate detection tunables; the defaults are the measured ones (see tasks/dedup/).

    On a planted set built from the dev pages (2,991 pages: exact, one edited paragraph, re-scrape and
    syndicated copies) 40 bands x 3 rows at 0.6 gave precision 1.000 and recall 0.996; 16 x 8 at 0.8
    gave recall 0.981.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    shingle_size: int = Field(5, description="Words per shingle.")
    num_perm: int = Field(128, description="MinHash bins per signature (bands x rows must not exceed it).")
    bands: int = Field(40, description="LSH bands.")
    rows: int = Field(3, description="Rows per LSH band.")
    threshold: float = Field(0.6, description="Estimated Jaccard similarity at or above which two bodies fold.")
    partitions: int | None = Field(
        None, ge=1, le=4096,
        description="Partitions of the global dedup and comment steps: each of their tasks holds about 1/P of "
                    "the run's keys and of the index. Default: one per 20,000 new input files, 2 to 64. Fixed "
                    "when an output folder is first built (its dedup index and comment keys are kept in these "
                    "partitions).")


class PrivacyConfig(BaseModel):
    """What the datasets may hold of the commenters and of personal data in texts (tasks/publish/release.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pseudonymize: bool = Field(default=False, description="Write no author names: author is null, author_id stays, "
                                                          "names of thread commenters in texts become their ids.")
    redact_pii: bool = Field(default=False, description="Replace e-mail addresses, phone numbers, IP addresses and "
                                                        "URLs with a user name by <EMAIL>, <PHONE>, <IP>, "
                                                        "<URL_WITH_USER> in bodies and comments.")
    pseudonym_key: Path | None = Field(None, description="File with the secret key of author_id (at least 16 bytes). "
                                                         "Default: OUT/_state/pseudonym.key, made by the first build "
                                                         "of the output.")


class BuildConfig(BaseModel):
    """Everything one ``corpus build`` needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs: tuple[str, ...] = Field(..., description="Input files, folders or glob patterns.")
    out: Path = Field(Path("data/corpus"), description="Output folder.")
    manifest: Path | None = Field(None, description="CSV or JSONL with path, url, fetched_at, site per page.")
    shard_size: int | None = Field(
        None, ge=1, description="Input files per shard (one task run per stage per shard); default: an eighth of "
                                "the new input files, at least 500 and at most 2,500.")
    max_page_bytes: int = Field(20_000_000, ge=1, description="Larger inputs (after gunzip) are rejected.")
    follow_symlinks: bool = Field(default=False, description="Follow symbolic links out of the input folders.")
    langid: LangIdConfig = Field(default_factory=LangIdConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)

    @property
    def work_dir(self) -> Path:
        """Stage files of this output folder."""
        return self.out / "_work"

    @property
    def state_dir(self) -> Path:
        """State kept with the output for later runs (dedup index, learned template lines)."""
        return self.out / "_state"
