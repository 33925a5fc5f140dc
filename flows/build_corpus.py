"""The ``build-corpus`` flow: wiring only; every stage is a task in ``tasks/steps.py``.

Order of the stages (per shard unless marked global):

1. plan (global): find input files, skip those an earlier run built, cut shards;
2. ingest: read and decode pages;
3. strip-boilerplate: tag every line with the rule family that strips it;
4. learn-templates (per shard, then per partition of hash(site, line), then a small merge): lines
   repeated across many pages of a site are template;
5. parse: one article (title, body) and its comments per page; parsing comes before language
   detection because comments need a language of their own, and before dedup because
   duplicates are judged on the article body, not on the page with its changing comments and widgets;
6. detect-language: articles (title + body) and each comment;
7. dedup-keys, then find-duplicates and merge-comments: fold duplicate pages into canonical articles
   and merge their comment threads. Neither holds the run in one task: lookup keys are spread over P
   partitions (``dedup.partitions``), one small step clusters the linked pages, and the threads are
   merged per partition of hash(canonical article id) (docs/SCALING.md);
8. write: the one step that decides what ships, into articles/, comments/, duplicates/, rejects/;
9. finish (global): check that every input page is accounted for, then commit: the run's files
   and the state for later runs become current together, in one new snapshot of the output.
"""


import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.config import BuildConfig
from flows.progress import track
from flows.runners import default_runner
from flows.runtime import limit_malloc_retention
from schemas import OUTPUT_DATASETS
from schemas.validate import empty_frame
from schemas.work import INPUT_LEDGER, SHARD_FILES
from tasks import io
from tasks.select import account
from tasks.stages import assign_shards, attach_manifest, auto_shard_size, dedup_partitions, template_partitions
from tasks.steps import (
    apply_task,
    cluster_task,
    count_repeats_task,
    dedup_keys_task,
    dedup_prior_task,
    dedup_rows_task,
    dedup_task,
    ingest_task,
    langid_task,
    learn_templates_task,
    merge_comments_task,
    merge_templates_task,
    migrate_state_task,
    parse_task,
    strip_task,
    template_rows_task,
    update_index_task,
    write_task,
)
from tasks.write import commit_run

logger = logging.getLogger(__name__)

DATASETS = tuple(OUTPUT_DATASETS)


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(config: BuildConfig) -> dict[str, Any]:
    """Find the input files, drop those already built into this output, cut and record the shards."""
    files, unmatched = io.expand_inputs(config.inputs, follow_symlinks=config.follow_symlinks)
    frame = pl.DataFrame({"path": [f.path for f in files], "size": [f.size for f in files],
                          "mtime_ns": [f.mtime_ns for f in files]},
                         schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64})
    del files  # a Python object per file: the frame holds them in a tenth of the memory
    io.open_output(config.out, DATASETS)  # an earlier layout migrated, unfinished snapshots removed
    outcome = io.settle_open_run(config.out, config.state_dir, config.work_dir)
    if outcome != "none":
        logger.warning("the previous run stopped before it finished; it %s", outcome)
    io.check_schema_versions(config.out, DATASETS)
    ledger = io.read_batch(io.state_file(config.out, "inputs.parquet"), INPUT_LEDGER)
    fresh = frame.join(ledger.select("path", "size", "mtime_ns"), on=["path", "size", "mtime_ns"], how="anti")
    manifest = io.read_manifest(config.manifest) if config.manifest else None
    shards = assign_shards(attach_manifest(fresh, manifest),
                           shard_size=config.shard_size or auto_shard_size(fresh.height))
    paths = []
    for sid, files_of_shard in shards:  # a shard file is named by its content: never rewritten, so
        path = config.work_dir / "shards" / f"{sid}.parquet"  # its fingerprint (and the caches) hold
        paths.append((sid, str(path if path.exists() else io.write_batch(files_of_shard, path, SHARD_FILES))))
    io.write_pointer(config.state_dir, {"version": io.snapshot_version(config.out),
                                        "pending": [sid for sid, _ in paths]})
    return {"shards": paths, "files": frame.height, "already_built": frame.height - fresh.height,
            "unmatched": unmatched}


@task(name="finish", cache_policy=NO_CACHE)
def finish_task(config: BuildConfig, plan: dict[str, Any], counts: list[Path], state: dict[str, Path],
                seconds: float) -> dict[str, Any]:
    """Sum the shards' counts, check the accounting, commit the run (datasets and state), report it."""
    totals: dict[str, int] = {}
    for path in counts:
        for key, value in io.read_json(path).items():
            if key != "shard_id":
                totals[key] = totals.get(key, 0) + int(value)
    for key in ("pages_in", "articles", "duplicates", "rejects", "filtered_language", "comments"):
        totals.setdefault(key, 0)
    account(totals)
    previous = io.snapshot_version(config.out)
    version, commit_seconds = previous, 0.0
    if plan["shards"] or previous is None:  # nothing new in a committed output: nothing to commit
        shard_files = [io.read_batch(Path(p), SHARD_FILES).with_columns(shard_id=pl.lit(sid))
                       for sid, p in plan["shards"]]
        built = pl.concat([f.select("path", "size", "mtime_ns", "shard_id") for f in shard_files]) if shard_files \
            else empty_frame(INPUT_LEDGER).drop("built_at")
        ledger = pl.concat([
            io.read_batch(io.state_file(config.out, "inputs.parquet"), INPUT_LEDGER),
            built.with_columns(built_at=pl.lit(datetime.now(UTC))).cast({"built_at": pl.Datetime("us", "UTC")}),
        ]).unique("path", keep="last", maintain_order=True)
        new_state = {**state, "inputs.parquet": io.write_batch(ledger, config.work_dir / "state" / "inputs.parquet",
                                                               INPUT_LEDGER)}
        clock = time.perf_counter()  # the commit point of the run: datasets and state in one snapshot
        version = commit_run(config.out, [sid for sid, _ in plan["shards"]], state=new_state, datasets=DATASETS)
        commit_seconds = time.perf_counter() - clock
        logger.info("committed snapshot %s in %.3f s", version, commit_seconds)
    io.write_pointer(config.state_dir, {"version": version, "pending": None})
    stage_seconds: dict[str, float] = {}
    for rec in io.read_executions(config.work_dir, since=time.time() - seconds):
        stage_seconds[rec["stage"]] = round(stage_seconds.get(rec["stage"], 0.0) + rec["seconds"], 3)
    summary = {"files": plan["files"], "already_built": plan["already_built"], "shards": len(plan["shards"]),
               **dict(sorted(totals.items())), "seconds": round(seconds, 2),
               **{f"seconds_{k}": v for k, v in stage_seconds.items()},
               "seconds_commit": round(commit_seconds, 3), "previous_state": previous, "state": version,
               "pseudonymize": config.privacy.pseudonymize, "redact_pii": config.privacy.redact_pii}
    io.write_json({**summary, "stage_seconds": stage_seconds}, config.state_dir / "last_run.json")
    rows = [{"count": k, "value": v} for k, v in summary.items()]
    create_table_artifact(key="corpus-build-counts", table=rows, description="Counts of the last corpus build")
    create_markdown_artifact(key="corpus-build-summary", markdown=_markdown(summary, config.out))
    return summary


def on_dask(address: str) -> Any:
    """The build flow with its tasks on the Dask cluster at ``address`` (prefect-dask's DaskTaskRunner).

    Each worker imports the stage modules once; the langid profiles load on the first call in each
    worker process. The workers must reach the same files (input, output folder) and the same
    Prefect API and result storage as the process that starts the flow.
    """
    from prefect_dask import DaskTaskRunner  # noqa: PLC0415 -- optional dependency (extra "dask")

    return build_corpus.with_options(task_runner=DaskTaskRunner(address=address))


def _markdown(summary: dict[str, Any], out: Path) -> str:
    lines = [f"# corpus build into `{out}`", "", "| count | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items()]
    return "\n".join(lines)


@flow(name="build-corpus", task_runner=default_runner(), log_prints=False)
def build_corpus(config: BuildConfig) -> dict[str, Any]:
    """Build (or extend) the corpus in ``config.out`` from ``config.inputs``; returns the run summary.

    The tasks run in two threads of this process by default; with ``CORPUSFLOW_TASK_RUNNER=processes``
    (``corpus build --runner processes``) in worker processes, one per core
    (``flows.runners.SharedServerProcessPool``: the workers use this flow's Prefect API server, none
    starts its own). Each task's inputs and outputs are paths, so nothing large crosses between
    processes. Threads stay the default: measured on 2 cores, the workers' own Prefect overhead cost
    more than the GIL costs the threads (``flows/runners.py``).

    Memory a finished task freed goes back to the system (:func:`flows.runtime.limit_malloc_retention`),
    so the process's low point stays level through a long run instead of rising stage by stage.
    """
    limit_malloc_retention()
    io.acquire_lock(config.out)
    try:
        return _build(config)
    finally:
        io.release_lock(config.out)


def _build(config: BuildConfig) -> dict[str, Any]:
    started = time.perf_counter()
    work = config.work_dir
    plan = plan_task(config)
    shards = [(sid, Path(p)) for sid, p in plan["shards"]]
    if not shards:  # nothing new: every input is already in the output
        return finish_task(config, plan, [], {}, time.perf_counter() - started)
    pages = [ingest_task.submit(p, max_page_bytes=config.max_page_bytes, out=work / "pages" / f"{sid}.parquet")
             for sid, p in shards]
    lines = [strip_task.submit(pf, out=work / "lines" / f"{sid}.parquet")
             for (sid, _), pf in zip(shards, pages, strict=True)]
    index, prior_keys = io.state_file(config.out, "dedup_index"), io.state_file(config.out, "comment_keys")
    meta = io.read_json(index / "meta.json") if (index / "meta.json").exists() else {}
    n_files = plan["files"] - plan["already_built"]
    parts = int(meta.get("partitions") or config.dedup.partitions or dedup_partitions(n_files))
    if not index.exists() and io.state_file(config.out, "dedup_index.parquet").exists():  # an older output
        index, prior_keys = migrate_state_task(
            io.state_file(config.out, "dedup_index.parquet"),
            io.state_file(config.out, "comment_keys.parquet"), config.dedup, parts=parts,
            out=(work / "state" / "migrated" / "dedup_index", work / "state" / "migrated" / "comment_keys"))
        meta = io.read_json(index / "meta.json")
    template_parts = template_partitions(n_files)
    counted = [template_rows_task.submit(lf, pf, parts=template_parts, out=work / "templates" / sid)
               for (sid, _), lf, pf in zip(shards, lines, pages, strict=True)]
    learned = [learn_templates_task.submit(p, counted, out=io.part_path(work / "templates" / "learned", p))
               for p in range(template_parts)]
    templates = merge_templates_task.submit(learned, counted, io.state_file(config.out, "template_lines.parquet"),
                                            out=work / "state" / "template_lines.parquet")
    parsed = [parse_task.submit(lf, pf, templates, out=(work / "parsed" / f"{sid}-articles.parquet",
                                                        work / "parsed" / f"{sid}-comments.parquet"))
              for (sid, _), lf, pf in zip(shards, lines, pages, strict=True)]
    tagged = [langid_task.submit(pa_, pf, config.langid, out=(work / "tagged" / f"{sid}-articles.parquet",
                                                             work / "tagged" / f"{sid}-comments.parquet"))
              for (sid, _), pa_, pf in zip(shards, parsed, pages, strict=True)]
    keys = [dedup_keys_task.submit(t, pf, config.dedup, out=work / "dedup" / f"{sid}-keys.parquet")
            for (sid, _), t, pf in zip(shards, tagged, pages, strict=True)]  # each as soon as its shard is tagged
    sizes = [io.read_batch(p, SHARD_FILES).height for _, p in shards]
    track({"ingest": pages, "strip-boilerplate": lines, "parse": parsed, "detect-language": tagged,
           "dedup-keys": keys}, pages_per_shard=sizes)
    tagged_paths = [t.result() for t in tagged]
    page_paths = [p.result() for p in pages]
    base = int(meta.get("next_ord", 0))
    dedup, state = work / "dedup", work / "state"
    rows = [dedup_rows_task.submit(k, config.dedup, shard_no=i, base=base, parts=parts,
                                   out=dedup / "rows" / f"{sid}.parquet")
            for i, ((sid, _), k) in enumerate(zip(shards, keys, strict=True))]
    dedup_prior_task(keys, index, config.dedup, base=base, parts=parts, out=state / "dedup_index" / "meta.json")
    edges = [dedup_task.submit(p, rows, keys, index=index, cfg=config.dedup, base=base,
                               out=io.part_path(dedup / "edges", p)) for p in range(parts)]
    decided = cluster_task(edges, keys, index, base=base, out=dedup / "decided.parquet")
    applied = [apply_task.submit(sid, k, decided=decided, comments=t[1], pages=pf, tagged=t[0], cfg=config.dedup,
                                 shard_no=i, base=base, parts=parts,
                                 out=(dedup / "clusters" / f"{sid}.parquet", dedup / "applied" / sid))
               for i, ((sid, _), k, t, pf) in enumerate(zip(shards, keys, tagged_paths, page_paths, strict=True))]
    spread = [a.result()[1] for a in applied]
    index_parts = [update_index_task.submit(p, spread, index, out=(
        io.part_path(state / "dedup_index" / "nodes", p), io.part_path(state / "dedup_index" / "rows", p)))
        for p in range(parts)]
    merged = [merge_comments_task.submit(p, spread, prior_keys, shards=[sid for sid, _ in shards], out=(
        io.part_path(dedup / "merged", p), io.part_path(state / "comment_keys", p), io.part_path(dedup / "counts", p)))
        for p in range(parts)]
    merged_paths = [m.result() for m in merged]
    repeats = count_repeats_task([m[0] for m in merged_paths], [m[2] for m in merged_paths],
                                 out=dedup / "repeats")
    key_file = io.pseudonym_key_file(config.out, config.privacy.pseudonym_key)  # kept in OUT/_state, no dataset
    counts = [write_task.submit(sid, pf, shard_no=i, tagged=t[0], keys=k, clusters=a.result()[0],
                                merged=[m[0] for m in merged_paths], repeats=repeats, root=config.out,
                                languages=config.langid.languages, privacy=config.privacy, key_file=key_file,
                                out=work / "counts" / f"{sid}.json")
              for i, ((sid, _), pf, t, k, a) in enumerate(zip(shards, page_paths, tagged_paths, keys, applied,
                                                              strict=True))]
    track({"write": counts}, pages_per_shard=sizes)
    counts_paths = [c.result() for c in counts]
    for future in index_parts:
        future.result()
    new_state = {"dedup_index": state / "dedup_index", "comment_keys": state / "comment_keys",
                 "template_lines.parquet": templates.result()}
    return finish_task(config, plan, counts_paths, new_state, time.perf_counter() - started)

