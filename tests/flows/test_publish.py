"""Issue 20 end to end: builds with --pseudonymize --redact-pii --pseudonym-key, re-read from Parquet; the card."""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import polars as pl
import pytest

from flows.card import write_card
from schemas import OUTPUT_DATASETS as DATASETS
from tasks import io
from tasks.publish.privacy import AUTHOR_ID_CHARS
from tasks.publish.write import read_partitioned
from tests.conftest import SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.write_disk, pytest.mark.usefixtures("prefect_server")]

PAGE = "southfront-000.txt"
PLANTED_EMAIL, PLANTED_PHONE, PLANTED_IP = "richard.d@example.org", "+44 20 7946 0958", "203.0.113.77"


def _planted_inputs(folder: Path) -> Path:
    """The SouthFront sample page with personal data planted in RichardD's reply to Sukhoi-35, and
    Sukhoi-35's comment answering RichardD by name."""
    folder.mkdir(parents=True)
    text = (SAMPLE / "pages" / PAGE).read_text(encoding="utf-8")
    reply = "That wouldn’t be my take."
    assert reply in text and "Exactly. Only the SAA" in text
    text = text.replace(reply, f"@Sukhoi-35 mail me at {PLANTED_EMAIL} or call {PLANTED_PHONE}, my box is "
                               f"{PLANTED_IP}. {reply}", 1)
    text = text.replace("Exactly. Only the SAA", "RichardD, exactly. Only the SAA", 1)
    (folder / PAGE).write_text(text, encoding="utf-8")
    shutil.copy(SAMPLE / "pages" / "gormulus-wordpress-com-durfen.txt", folder)
    return folder


def _build(inputs: Path, out: Path, **privacy: object) -> dict:
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig, PrivacyConfig

    return build_corpus(BuildConfig(inputs=(str(inputs),), out=out, shard_size=4,
                                    privacy=PrivacyConfig(**privacy)))  # type: ignore[arg-type]


def _read(out: Path, name: str) -> pl.DataFrame:
    schema, partition = DATASETS[name]
    return read_partitioned(out / name, schema, partition).collect()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("publish")
    inputs = _planted_inputs(root / "in")
    key = root / "pseudonym.key"
    key.write_text("a shared key file of the research team\n")
    outs = {"plain": root / "plain", "one": root / "one", "two": root / "two"}
    with pytest.MonkeyPatch.context() as env:  # "plain" makes and keeps its own key
        env.delenv(io.PSEUDONYM_KEY_ENV, raising=False)
        _build(inputs, outs["plain"])
    _build(inputs, outs["one"], pseudonymize=True, redact_pii=True, pseudonym_key=key)
    _build(inputs, outs["two"], pseudonymize=True, redact_pii=True, pseudonym_key=key)
    return {**outs, "key": key, "inputs": inputs}


def test_pseudonymized_output_has_no_names_and_no_planted_pii(built: dict[str, Path]) -> None:
    comments = _read(built["one"], "comments")
    plain = _read(built["plain"], "comments")
    assert comments.height == plain.height > 20
    assert comments.get_column("author").null_count() == comments.height
    assert comments.get_column("author_id").null_count() == plain.get_column("author").null_count()
    everything = "\n".join(comments.get_column("text").to_list() + _read(built["one"], "articles")["body"].to_list())
    for planted in (PLANTED_EMAIL, PLANTED_PHONE, PLANTED_IP, "@Sukhoi-35", "RichardD, exactly"):
        assert planted not in everything
    assert PLANTED_EMAIL in "\n".join(plain.get_column("text").to_list())  # planted where the parser reads it
    hit = comments.filter(pl.col("text").str.contains("<EMAIL>", literal=True))
    assert hit.height == 1
    assert hit.get_column("pii_kinds").to_list() == [["email", "ip", "phone"]]
    assert "<PHONE>" in hit["text"][0] and "<IP>" in hit["text"][0]


def test_mentions_become_the_named_commenters_ids(built: dict[str, Path]) -> None:
    plain = _read(built["plain"], "comments").filter(pl.col("author").is_in(["RichardD", "Sukhoi-35"]))
    comments = _read(built["one"], "comments")
    site = plain["site"][0]
    key = io.read_pseudonym_key(built["key"])
    ids = {name: hmac.new(key, f"{site}\x1f{name.lower()}".encode(), hashlib.sha256).hexdigest()[:AUTHOR_ID_CHARS]
           for name in ("RichardD", "Sukhoi-35")}
    texts = comments.get_column("text").to_list()
    assert any(t.startswith(f"@{ids['Sukhoi-35']} mail me at <EMAIL>") for t in texts)
    assert any(t.startswith(f"{ids['RichardD']}, exactly.") for t in texts)
    assert set(ids.values()) <= set(comments.get_column("author_id").to_list())


def test_ids_are_the_same_in_two_outputs_built_with_one_key(built: dict[str, Path]) -> None:
    one, two = (_read(built[n], "comments").sort("article_id", "position") for n in ("one", "two"))
    assert one.get_column("author_id").to_list() == two.get_column("author_id").to_list()
    assert one.get_column("comment_id").to_list() == two.get_column("comment_id").to_list()
    plain = _read(built["plain"], "comments").sort("article_id", "position")
    assert plain.get_column("author").null_count() < plain.height          # names written without --pseudonymize
    assert set(plain.get_column("comment_id")).isdisjoint(one.get_column("comment_id"))
    assert not (built["one"] / "_state" / "pseudonym.key").exists()        # a given key is not copied


def test_default_key_lives_in_the_output_state_and_is_reused(built: dict[str, Path]) -> None:
    out = built["plain"]
    key_file = out / "_state" / "pseudonym.key"
    first = key_file.read_bytes()
    assert not any("pseudonym" in p.name for p in (out / "_snapshots").rglob("*"))
    ids_first = set(_read(out, "comments").get_column("author_id").drop_nulls())
    extra = built["inputs"].parent / "more"
    extra.mkdir()
    shutil.copy(SAMPLE / "pages" / "exxpress-at-zaehne.txt", extra)
    with pytest.MonkeyPatch.context() as env:
        env.delenv(io.PSEUDONYM_KEY_ENV, raising=False)
        _build(extra, out)
    assert key_file.read_bytes() == first
    comments = _read(out, "comments")
    key = io.read_pseudonym_key(key_file)
    expected = {hmac.new(key, f"{s}\x1f{a.strip().lower()}".encode(), hashlib.sha256).hexdigest()[:AUTHOR_ID_CHARS]
                for s, a in comments.select("site", "author").drop_nulls().iter_rows() if " " not in a.strip()}
    assert expected <= set(comments.get_column("author_id").drop_nulls())
    assert ids_first <= set(comments.get_column("author_id").drop_nulls())
    shared = set(_read(built["one"], "comments").get_column("author_id").drop_nulls())
    assert ids_first.isdisjoint(shared)                                     # another key, other ids


def test_signals_are_written_for_every_row(built: dict[str, Path]) -> None:
    for name in ("articles", "comments"):
        frame = _read(built["one"], name).select(pl.col("signals").struct.unnest())
        assert frame.height and frame.get_column("n_words").null_count() == 0
        assert (frame.get_column("n_words") > 0).any()


def test_card_of_the_sample_build(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    build_corpus(BuildConfig(inputs=(str(SAMPLE / "pages"),), out=out, manifest=SAMPLE / "manifest.csv"))
    card = write_card(out, tmp_path / "CARD.md")
    assert (tmp_path / "CARD.md").read_text(encoding="utf-8") == card
    articles, comments = _read(out, "articles"), _read(out, "comments")
    assert card.startswith("---\nlanguage:\n")
    for section in ("## Dataset summary", "## Languages", "## Dataset structure", "### Processing steps",
                    "## Personal and sensitive information", "## How to load"):
        assert section in card
    assert f"{articles.height:,} articles and {comments.height:,} comments" in card
    assert f"from {articles['site'].n_unique():,} sites" in card
    assert "| `author_id` |" in card and "pseudonymize = False" in card
    named = comments["author"].is_not_null().sum()
    assert f"Comments with an author name written: {named:,} of {comments.height:,}" in card
    assert f"| rejected (all) | {_read(out, 'rejects').height:,} |" in card
    for lang in set(articles["language"]) - {"und"}:
        assert f"\n- {lang}\n" in card
