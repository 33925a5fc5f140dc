"""The build-corpus flow end to end: real Prefect runs into tmp_path, output re-read with its declared schemas."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from schemas import OUTPUT_DATASETS as DATASETS
from tasks.publish import snapshots
from tasks.publish.write import read_partitioned
from tests.conftest import FIXTURES, SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.write_disk, pytest.mark.usefixtures("prefect_server")]



def _build(inputs: list[Path], out: Path, *, manifest: Path | None = None) -> dict:
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    return build_corpus(BuildConfig(inputs=tuple(str(p) for p in inputs), out=out, manifest=manifest, shard_size=4))


def _read(out: Path, name: str) -> pl.DataFrame:
    schema, partition = DATASETS[name]
    return read_partitioned(out / name, schema, partition).collect()


def _arrow_schema_matches(frame: pl.DataFrame, schema: pa.Schema) -> None:
    got = frame.to_arrow().cast(schema).schema
    assert got.names == schema.names
    assert [f.type for f in got] == [f.type for f in schema]


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample") / "corpus"
    summary = _build([SAMPLE / "pages"], out, manifest=SAMPLE / "manifest.csv")
    return out, summary


def test_every_page_is_accounted_for(sample_build: tuple[Path, dict]) -> None:
    out, summary = sample_build
    n_inputs = len(list((SAMPLE / "pages").glob("*.txt")))
    frames = {name: _read(out, name) for name in DATASETS}
    assert summary["pages_in"] == n_inputs
    assert "unmatched" not in summary  # every input matched a file
    assert frames["articles"].height + frames["duplicates"].height + frames["rejects"].height == n_inputs
    assert summary["articles"] == frames["articles"].height
    assert summary["comments"] == frames["comments"].height


def test_datasets_conform_to_declared_schemas(sample_build: tuple[Path, dict]) -> None:
    out, _ = sample_build
    for name, (schema, _) in DATASETS.items():
        frame = _read(out, name)
        _arrow_schema_matches(frame, schema)
        for f in schema:
            if not f.nullable:
                assert frame[f.name].null_count() == 0, f"{name}.{f.name} has nulls"
    files = list((out / "articles").rglob("*.parquet"))
    meta = pa.parquet.read_schema(files[0]).metadata
    assert meta[b"corpusflow.schema_version"] == b"2"


def test_seed_page_comes_out_right(sample_build: tuple[Path, dict]) -> None:
    """Issue 2: the SouthFront seed gives one article with its ten paragraphs and its 18 comments."""
    out, _ = sample_build
    truth = json.loads((FIXTURES / "seed" / "southfront-000.truth.json").read_text())
    articles = _read(out, "articles").filter(pl.col("source_path").str.ends_with("southfront-000.txt"))
    assert articles.height == 1
    art = articles.row(0, named=True)
    assert art["title"] == "Russia, Iran, Turkey Have No Plans For Joint Military Operations In Syria: Lavrov"
    paragraphs = art["body"].split("\n\n")
    assert len(paragraphs) == 10
    assert paragraphs[0].startswith("Iran, Turkey and Russia do have no plans")
    assert paragraphs[-1].endswith("just like it loves to do.”")
    for chrome in ("8 DAYS LEFT", "Support SouthFront", "ILLUSTRATIVE IMAGE", "MORE ON THE TOPIC:", "Notify of",
                   "Inline Feedbacks", "comment.x"):
        assert chrome not in art["body"]
    assert art["language"] == "en"
    assert art["site"] == "southfront.org"
    comments = _read(out, "comments").filter(pl.col("article_id") == art["article_id"]).sort("position")
    assert comments["author"].to_list() == [c["author"] for c in truth["comments"]]
    assert comments["text"].to_list() == [c["text"] for c in truth["comments"]]
    assert comments["position"].to_list() == list(range(18))
    assert art["n_comments"] == 18
    joker = comments.filter(pl.col("author") == "Mustafa Mehmet").row(0, named=True)
    assert joker["text"] == "Joker"


def test_rescrape_folds_and_merges_comments(sample_build: tuple[Path, dict]) -> None:
    """The two fetches of one blog post fold into one article carrying the union of their comments."""
    out, _ = sample_build
    dups = _read(out, "duplicates")
    articles = _read(out, "articles")
    discover = articles.filter(pl.col("source_path").str.contains("discovermagazine"))
    assert discover.height == 1
    assert dups.filter(pl.col("source_path").str.contains("discovermagazine")).height == 1
    assert dups["duplicate_of"].is_in(articles["article_id"].implode()).all()
    canonical = discover.row(0, named=True)
    assert canonical["source_path"].endswith("dragnett162.txt")  # the earlier fetch is canonical
    thread = _read(out, "comments").filter(pl.col("article_id") == canonical["article_id"])
    assert thread.height == canonical["n_comments"]
    assert thread.select("author", "text").is_duplicated().sum() == 0
    assert thread.height >= 16  # the later fetch's comments, none lost


def test_second_run_adds_no_rows(sample_build: tuple[Path, dict]) -> None:
    out, _ = sample_build
    before = {name: _read(out, name).sort(pl.all()) for name in ("articles", "comments", "duplicates", "rejects")}
    summary = _build([SAMPLE / "pages"], out, manifest=SAMPLE / "manifest.csv")
    assert summary["already_built"] == summary["files"]
    assert summary["pages_in"] == 0
    for name, frame in before.items():
        after = _read(out, name).sort(pl.all())
        assert after.drop("ingested_at", strict=False).equals(frame.drop("ingested_at", strict=False)), name


def test_bad_inputs_become_rejects_and_the_run_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLE / "pages" / "southfront-000.txt", src / "good page (1).txt")
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_text("   \n\n  ")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (src / "truncated.txt.gz").write_bytes(gzip.compress(b"hello world " * 1000)[:50])
    (src / "fake.txt.gz").write_bytes(b"this is not gzip at all")
    latin = "\n\n".join(
        ["Käse aus dem Allgäu wird teurer"]
        + [f"Die Käserei im Allgäu meldet für das Jahr {y} höhere Preise für Milch, Energie und Löhne; "
           "die Händler geben die Kosten an die Kundschaft weiter, sagt der Verband." for y in range(2019, 2024)]
    )
    (src / "latin1.txt").write_bytes(latin.encode("latin-1"))
    out = tmp_path / "out"
    missing = tmp_path / "not-there" / "*.txt"  # an input that matches no file: reported, the run goes on
    summary = _build([src, missing], out)
    assert summary["unmatched"] == [str(missing)]
    rejects = _read(out, "rejects")
    reasons = dict(zip(rejects["source_path"].str.split("/").list.last(), rejects["reason"], strict=True))
    assert reasons == {
        "empty.txt": "empty",
        "blank.txt": "empty",
        "binary.txt": "binary",
        "truncated.txt.gz": "bad_gzip",
        "fake.txt.gz": "bad_gzip",
    }
    assert rejects["detail"].null_count() == 0
    articles = _read(out, "articles")
    assert articles.height == 2
    assert summary["pages_in"] == 7
    latin = articles.filter(pl.col("source_path").str.ends_with("latin1.txt")).row(0, named=True)
    assert "Käse" in latin["body"]


def test_later_run_folds_into_earlier_output(tmp_path: Path) -> None:
    """Issue 6: a later build into the same folder deduplicates against what is already written."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(SAMPLE / "pages" / "blogs-discovermagazine-com-dragnett162.txt", first)
    shutil.copy(SAMPLE / "pages" / "blogs-discovermagazine-com-dragnett177.txt", second)
    out = tmp_path / "out"
    _build([first], out, manifest=SAMPLE / "manifest.csv")
    articles_before = _read(out, "articles")
    summary = _build([second], out, manifest=SAMPLE / "manifest.csv")
    assert summary["duplicates"] == 1
    assert _read(out, "articles").equals(articles_before)  # earlier articles are never rewritten
    dup = _read(out, "duplicates").row(0, named=True)
    assert dup["duplicate_of"] == articles_before["article_id"][0]
    comments = _read(out, "comments").filter(pl.col("article_id") == dup["duplicate_of"])
    assert comments.select("author", "text").is_duplicated().sum() == 0
    assert comments.height >= 16


def _frames(out: Path) -> dict[str, pl.DataFrame]:
    return {name: _read(out, name).drop("ingested_at", strict=False).sort(pl.all().exclude(pl.List(pl.Struct)))
            for name in DATASETS}


def test_a_build_stopped_at_its_commit_point_resumes_right(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 8: stopped before the flip of _current, a run is rolled back; after it, it counts as committed."""
    src = tmp_path / "in"
    src.mkdir()
    for name in ("southfront-000.txt", "blogs-discovermagazine-com-dragnett162.txt",
                 "blogs-discovermagazine-com-dragnett177.txt"):
        shutil.copy(SAMPLE / "pages" / name, src)
    _build([src], tmp_path / "reference", manifest=SAMPLE / "manifest.csv")
    expected = _frames(tmp_path / "reference")
    real_flip, real_pointer = snapshots.flip_current, snapshots.write_pointer

    def stop(*args: object) -> None:
        raise RuntimeError("stopped at the commit point")

    before = tmp_path / "before"  # stopped after the snapshot was linked, before it became current
    monkeypatch.setattr(snapshots, "flip_current", stop)
    with pytest.raises(RuntimeError, match="commit point"):
        _build([src], before, manifest=SAMPLE / "manifest.csv")
    monkeypatch.setattr(snapshots, "flip_current", real_flip)
    assert snapshots.snapshot_version(before) is None
    assert all(_read(before, name).is_empty() for name in DATASETS)
    summary = _build([src], before, manifest=SAMPLE / "manifest.csv")
    assert summary["pages_in"] == 3
    assert len(list((before / snapshots.SNAPSHOTS).iterdir())) == 1  # the unfinished snapshot is gone
    after_commit = _frames(before)

    after = tmp_path / "after"  # stopped after _current moved on, before the run record was closed
    monkeypatch.setattr(snapshots, "write_pointer",
                        lambda state, pointer: real_pointer(state, pointer) if pointer["pending"] else stop())
    with pytest.raises(RuntimeError, match="commit point"):
        _build([src], after, manifest=SAMPLE / "manifest.csv")
    monkeypatch.setattr(snapshots, "write_pointer", real_pointer)
    assert snapshots.read_pointer(after / "_state")["pending"]
    committed = _frames(after)
    summary = _build([src], after, manifest=SAMPLE / "manifest.csv")
    assert summary["already_built"] == summary["files"] == 3
    assert snapshots.read_pointer(after / "_state")["pending"] is None
    for name in DATASETS:
        assert after_commit[name].equals(expected[name]), name
        assert committed[name].equals(expected[name]), name
        assert _frames(after)[name].equals(expected[name]), name
def test_output_with_a_one_file_index_is_partitioned_and_extended_alike(tmp_path: Path) -> None:
    """Issue 7: an output whose dedup index and comment keys are single files (older builds) is extended alike."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(SAMPLE / "pages" / "blogs-discovermagazine-com-dragnett162.txt", first)
    shutil.copy(SAMPLE / "pages" / "southfront-000.txt", first)
    shutil.copy(SAMPLE / "pages" / "blogs-discovermagazine-com-dragnett177.txt", second)
    outs = [tmp_path / "partitioned", tmp_path / "one-file"]
    for out in outs:
        _build([first], out, manifest=SAMPLE / "manifest.csv")
    snapshot = snapshots.current_snapshot(outs[1])
    assert snapshot is not None
    state = snapshot / snapshots.SNAPSHOT_STATE
    nodes = pl.read_parquet(state / "dedup_index" / "nodes" / "*.parquet").sort("ord").drop("ord")
    nodes.write_parquet(state / "dedup_index.parquet")
    pl.read_parquet(state / "comment_keys" / "*.parquet").write_parquet(state / "comment_keys.parquet")
    shutil.rmtree(state / "dedup_index")
    shutil.rmtree(state / "comment_keys")
    for out in outs:
        _build([second], out, manifest=SAMPLE / "manifest.csv")
    for name in DATASETS:
        got, want = _read(outs[1], name), _read(outs[0], name)
        assert got.drop("ingested_at", strict=False).equals(want.drop("ingested_at", strict=False)), name
    assert _read(outs[1], "duplicates").height == 1
    stages = [json.loads(line)["stage"] for line in (outs[1] / "_work" / "executions.jsonl").open()]
    assert "migrate_state" in stages
    assert snapshots.state_file(outs[1], "dedup_index/meta.json").exists()
    assert not snapshots.state_file(outs[1], "dedup_index.parquet").exists()  # the older layout's file is gone
