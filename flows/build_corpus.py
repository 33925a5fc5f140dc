"""The ``build-corpus`` flow: wiring only; every stage is a task in ``flows/stage_tasks.py``.

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

The tasks go through :class:`flows.pipeline.Pipeline`: task runs are named after their stage and
shard or partition (``parse [shard 3/8]``), a shard's next stage is submitted once its previous one
completed, and a failed task run stops the flow with one ``StageFailedError`` naming the stage, the
shard or partition and the original error (a full disk: the folder that filled up). The summary
and the two artifacts are published on the flow run and cover every attempt of it (after a Retry,
the stages served from the cache are marked).
"""


import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.config import BuildConfig
from flows.pipeline import Pipeline, part_label, shard_label
from flows.runners import default_runner, end_worker_processes
from flows.runtime import limit_malloc_retention, naming_full_disk
from flows.stage_tasks import (
    AppliedFiles,
    IndexFolders,
    IndexPart,
    MergedFiles,
    ParsedFiles,
    TaggedFiles,
    apply_duplicates_task,
    cluster_duplicates_task,
    count_repeats_task,
    dedup_keys_task,
    dedup_prior_task,
    dedup_rows_task,
    detect_language_task,
    find_duplicates_task,
    ingest_task,
    learn_templates_task,
    merge_comments_task,
    merge_templates_task,
    migrate_state_task,
    parse_task,
    strip_boilerplate_task,
    template_rows_task,
    update_index_task,
    write_task,
)
from schemas import OUTPUT_DATASETS
from schemas.dedup import INDEX_META_NAME
from schemas.validate import empty_frame
from schemas.work import INPUT_LEDGER, SHARD_FILES
from tasks import io
from tasks.ingest import inputs
from tasks.plan import assign_shards, attach_manifest, auto_shard_size, dedup_partitions, template_partitions
from tasks.publish import snapshots
from tasks.publish.select import account
from tasks.publish.write import commit_run

logger = logging.getLogger(__name__)

DATASETS = tuple(OUTPUT_DATASETS)


class BuildPlan(NamedTuple):
    """What the plan task found: the shards to build (shard id, shard file), the input files matched, how
    many of them the output already holds, and the inputs (paths, globs) that matched no file."""

    shards: list[tuple[str, str]]
    files: int
    already_built: int
    unmatched: list[str]


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(config: BuildConfig) -> BuildPlan:
    """Find the input files, drop those already built into this output, cut and record the shards."""
    frame, unmatched = inputs.input_files_frame(config.inputs, follow_symlinks=config.follow_symlinks)
    snapshots.open_output(config.out, DATASETS)  # an earlier layout migrated, unfinished snapshots removed
    outcome = snapshots.settle_open_run(config.out, config.state_dir, config.work_dir)
    if outcome != "none":
        logger.warning("the previous run stopped before it finished; it %s", outcome)
    snapshots.check_schema_versions(config.out, DATASETS)
    ledger = io.read_batch(snapshots.state_file(config.out, "inputs.parquet"), INPUT_LEDGER)
    fresh = frame.join(ledger.select("path", "size", "mtime_ns"), on=["path", "size", "mtime_ns"], how="anti")
    manifest = inputs.read_manifest(config.manifest) if config.manifest else None
    shards = assign_shards(attach_manifest(fresh, manifest),
                           shard_size=config.shard_size or auto_shard_size(fresh.height))
    paths = []
    for sid, files_of_shard in shards:  # a shard file is named by its content: never rewritten, so
        path = config.work_dir / "shards" / f"{sid}.parquet"  # its fingerprint (and the caches) hold
        paths.append((sid, str(path if path.exists() else io.write_batch(files_of_shard, path, SHARD_FILES))))
    snapshots.write_pointer(config.state_dir, {"version": snapshots.snapshot_version(config.out),
                                        "pending": [sid for sid, _ in paths]})
    return BuildPlan(shards=paths, files=frame.height, already_built=frame.height - fresh.height,
                     unmatched=list(unmatched))


@task(name="finish", cache_policy=NO_CACHE)
def finish_task(config: BuildConfig, plan: BuildPlan, counts: list[Path], state: dict[str, Path],
                seconds: float, *, task_runs: dict[str, tuple[int, int]],
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Sum the shards' counts, check the accounting, commit the run (datasets and state), report it.

    ``task_runs``: per stage, the task runs of this attempt that ran and those served from the cache.
    Returns the summary and one row per stage (task runs, cached, seconds over every attempt of the flow run).
    """
    totals: dict[str, int] = {}
    for path in counts:
        for key, value in io.read_json(path).items():
            if key != "shard_id":
                totals[key] = totals.get(key, 0) + int(value)
    for key in ("pages_in", "articles", "duplicates", "rejects", "filtered_language", "comments"):
        totals.setdefault(key, 0)
    account(totals)
    previous = snapshots.snapshot_version(config.out)
    version, commit_seconds = previous, 0.0
    if plan.shards or previous is None:  # nothing new in a committed output: nothing to commit
        built = pl.concat([io.read_batch(Path(p), SHARD_FILES, columns=["path", "size", "mtime_ns"])
                           .with_columns(shard_id=pl.lit(sid)) for sid, p in plan.shards]) if plan.shards \
            else empty_frame(INPUT_LEDGER).drop("built_at")
        ledger = pl.concat([
            io.read_batch(snapshots.state_file(config.out, "inputs.parquet"), INPUT_LEDGER),
            built.with_columns(built_at=pl.lit(datetime.now(UTC))).cast({"built_at": pl.Datetime("us", "UTC")}),
        ]).unique("path", keep="last", maintain_order=True)
        new_state = {**state, "inputs.parquet": io.write_batch(ledger, config.work_dir / "state" / "inputs.parquet",
                                                               INPUT_LEDGER)}
        clock = time.perf_counter()  # the commit point of the run: datasets and state in one snapshot
        version = commit_run(config.out, [sid for sid, _ in plan.shards], state=new_state, datasets=DATASETS)
        commit_seconds = time.perf_counter() - clock
        logger.info("committed snapshot %s in %.3f s", version, commit_seconds)
    snapshots.write_pointer(config.state_dir, {"version": version, "pending": None})
    stage_seconds, task_seconds = _stage_seconds(config.work_dir, since=time.time() - seconds)
    cached = {stage: c for stage, (_, c) in task_runs.items() if c}
    summary = {"files": plan.files, "already_built": plan.already_built, "shards": len(plan.shards),
               **dict(sorted(totals.items())), "seconds": round(seconds, 2),
               **{f"seconds_{k}": v for k, v in stage_seconds.items()},
               "seconds_commit": round(commit_seconds, 3), "attempt": flow_run.run_count or 1,
               "cached": ", ".join(f"{stage} {c}/{sum(task_runs[stage])}" for stage, c in cached.items()) or "none",
               "previous_state": previous, "state": version,
               "pseudonymize": config.privacy.pseudonymize, "redact_pii": config.privacy.redact_pii,
               **({"unmatched": plan.unmatched} if plan.unmatched else {})}
    stages = [{"stage": stage, "task_runs": ran + hit, "cached": hit, "seconds": task_seconds.get(stage, 0.0)}
              for stage, (ran, hit) in task_runs.items()]
    io.write_json({**summary, "stage_seconds": stage_seconds, "stages": stages}, config.state_dir / "last_run.json")
    return summary, stages


def _stage_seconds(work: Path, *, since: float) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds the stage bodies of this flow run took, by stage function and by task name, over every attempt
    of the run (a Retry's cached stages included: they ran in an earlier attempt); records without a run id,
    from an older corpusflow or outside a flow run, count from ``since``."""
    run = str(flow_run.id or "")
    by_stage: dict[str, float] = {}
    by_task: dict[str, float] = {}
    for rec in io.read_executions(work, since=0.0):
        if rec.get("run") != run and (rec.get("run") or rec.get("at", 0) < since):
            continue
        by_stage[rec["stage"]] = round(by_stage.get(rec["stage"], 0.0) + rec["seconds"], 3)
        task_name = rec.get("task") or rec["stage"]
        by_task[task_name] = round(by_task.get(task_name, 0.0) + rec["seconds"], 3)
    return by_stage, by_task


def publish_artifacts(summary: dict[str, Any], stages: list[dict[str, Any]], out: Path) -> None:
    """The run's counts (a table) and summary (markdown, with a row per stage, cached ones marked) as
    artifacts of the flow run: called in the flow, so they show on the flow run's Artifacts tab."""
    rows = [{"count": k, "value": v} for k, v in summary.items()]
    create_table_artifact(key="corpus-build-counts", table=rows, description="Counts of the last corpus build")
    create_markdown_artifact(key="corpus-build-summary", markdown=_markdown(summary, stages, out),
                             description="Summary of the last corpus build")


def on_dask(address: str) -> Any:
    """The build flow with its tasks on the Dask cluster at ``address`` (prefect-dask's DaskTaskRunner).

    Each worker imports the stage modules once; the langid profiles load on the first call in each
    worker process. The workers must reach the same files (input, output folder) and the same
    Prefect API and result storage as the process that starts the flow.
    """
    from prefect_dask import DaskTaskRunner  # noqa: PLC0415 -- optional dependency (extra "dask")

    return build_corpus.with_options(task_runner=DaskTaskRunner(address=address))


def _markdown(summary: dict[str, Any], stages: list[dict[str, Any]], out: Path) -> str:
    lines = [f"# corpus build into `{out}`", "", "| count | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items()]
    if stages:
        lines += ["", f"## Stages (attempt {summary.get('attempt', 1)} of this flow run)", "",
                  "| stage | task runs | served from cache | seconds (every attempt) |", "|---|---|---|---|"]
        lines += [f"| {s['stage']} | {s['task_runs']} | {s['cached']}{' (cached)' if s['cached'] else ''} | "
                  f"{s['seconds']} |" for s in stages]
    return "\n".join(lines)


@flow(name="build-corpus", task_runner=default_runner(), log_prints=False)
def build_corpus(config: BuildConfig) -> dict[str, Any]:
    """Build (or extend) the corpus in ``config.out`` from ``config.inputs``; returns the run summary.

    The tasks run in worker processes by default, one per core up to four
    (``flows.runners.SharedServerProcessPool``: the workers use this flow's Prefect API server, none
    starts its own), or in two threads of this process with ``CORPUSFLOW_TASK_RUNNER=threads``
    (``corpus build --runner threads``; the default on a one-core machine). Each task's inputs and outputs
    are paths, so nothing large crosses between processes. Threads are bound by the GIL: on 2 cores they
    kept 1.0-1.2 cores busy (``flows/runners.py``).

    Memory a finished task freed goes back to the system (:func:`flows.runtime.limit_malloc_retention`;
    pyarrow's too, :func:`flows.runners.arrow_memory_from_malloc`, set by ``corpus build``), so the process's
    low point stays level through a long run instead of rising stage by stage.
    """
    limit_malloc_retention()
    with naming_full_disk(config.out):  # a full disk: say which folder filled up
        snapshots.acquire_lock(config.out)
    try:
        summary, stages = _build(config)
    finally:
        snapshots.release_lock(config.out)
    publish_artifacts(summary, stages, config.out)
    return summary


def _build(config: BuildConfig) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    started = time.perf_counter()
    work = config.work_dir
    plan = Pipeline([], out=config.out).call(plan_task, config)
    shards = [(sid, Path(p)) for sid, p in plan.shards]
    sizes = [io.row_count([p]) for _, p in shards]
    run = Pipeline(sizes, out=config.out)
    n = len(shards)
    if not shards:  # nothing new: every input is already in the output
        end_worker_processes()
        return run.call(finish_task, config, plan, [], {}, time.perf_counter() - started, task_runs={})

    def each(stage: Any, i: int, *args: Any, **kwargs: Any) -> Any:
        return run.submit(stage, shard_label(i, n), *args, **kwargs)

    index = snapshots.state_file(config.out, "dedup_index")
    prior_keys = snapshots.state_file(config.out, "comment_keys")
    meta = io.read_index_meta(index)
    n_files = plan.files - plan.already_built
    parts = meta.partitions if meta else config.dedup.partitions or dedup_partitions(n_files)
    if not index.exists() and snapshots.state_file(config.out, "dedup_index.parquet").exists():  # an older output
        index, prior_keys = run.call(
            migrate_state_task, snapshots.state_file(config.out, "dedup_index.parquet"),
            snapshots.state_file(config.out, "comment_keys.parquet"), bands=config.dedup.bands, rows=config.dedup.rows,
            parts=parts,
            out=IndexFolders(work / "state" / "migrated" / "dedup_index", work / "state" / "migrated" / "comment_keys"))
        meta = io.read_index_meta(index)
    template_parts = template_partitions(n_files)
    sid = [s for s, _ in shards]
    pages, lines, counted = run.chain([  # per shard: each stage submitted when the shard's previous one completed
        ("ingest", lambda i, up: each(ingest_task, i, shards[i][1], max_page_bytes=config.max_page_bytes,
                                      out=work / "pages" / f"{sid[i]}.parquet")),
        ("strip-boilerplate", lambda i, up: each(strip_boilerplate_task, i, up[0],
                                                 out=work / "lines" / f"{sid[i]}.parquet")),
        ("template-rows", lambda i, up: each(template_rows_task, i, up[1], up[0], parts=template_parts,
                                             out=work / "templates" / sid[i])),
    ])
    learned = [run.submit(learn_templates_task, part_label(p, template_parts), p, counted,
                          out=io.part_path(work / "templates" / "learned", p)) for p in range(template_parts)]
    run.settle("learn-templates", learned, [part_label(p, template_parts) for p in range(template_parts)])
    templates = run.call(merge_templates_task, learned, counted,
                         snapshots.state_file(config.out, "template_lines.parquet"),
                         out=work / "state" / "template_lines.parquet")
    base = meta.next_ord if meta else 0
    langid = config.langid.model_dump(include={"min_chars", "min_words", "min_score", "max_chars"})
    minhash = {"shingle_size": config.dedup.shingle_size, "num_perm": config.dedup.num_perm}
    lsh = {"bands": config.dedup.bands, "rows": config.dedup.rows}  # the index's LSH keys
    dedup, state = work / "dedup", work / "state"
    _parsed, tagged, keys, rows = run.chain([
        ("parse", lambda i, up: each(parse_task, i, lines[i], pages[i], templates, out=ParsedFiles(
            work / "parsed" / f"{sid[i]}-articles.parquet", work / "parsed" / f"{sid[i]}-comments.parquet"))),
        ("detect-language", lambda i, up: each(detect_language_task, i, up[0], pages[i], **langid, out=TaggedFiles(
            work / "tagged" / f"{sid[i]}-articles.parquet", work / "tagged" / f"{sid[i]}-comments.parquet"))),
        ("dedup-keys", lambda i, up: each(dedup_keys_task, i, up[1], pages[i], **minhash,
                                          out=work / "dedup" / f"{sid[i]}-keys.parquet")),
        ("dedup-rows", lambda i, up: each(dedup_rows_task, i, up[2], **lsh, shard_no=i, base=base,
                                          parts=parts, out=dedup / "rows" / f"{sid[i]}.parquet")),
    ])
    tagged_paths: list[TaggedFiles] = [t.result() for t in tagged]
    page_paths = [p.result() for p in pages]
    run.call(dedup_prior_task, keys, index, **lsh, base=base, parts=parts,
             out=state / "dedup_index" / INDEX_META_NAME)
    part_names = [part_label(p, parts) for p in range(parts)]
    edges = [run.submit(find_duplicates_task, part_names[p], p, rows, keys, index=index,
                        threshold=config.dedup.threshold, base=base, out=io.part_path(dedup / "edges", p))
             for p in range(parts)]
    run.settle("find-duplicates", edges, part_names)
    decided = run.call(cluster_duplicates_task, edges, keys, index, base=base, out=dedup / "decided.parquet")
    applied = [each(apply_duplicates_task, i, s, k, decided=decided, comments=t.comments, pages=pf,
                    tagged=t.articles, **lsh,
                    shard_no=i, base=base, parts=parts,
                    out=AppliedFiles(dedup / "clusters" / f"{s}.parquet", dedup / "applied" / s))
               for i, (s, k, t, pf) in enumerate(zip(sid, keys, tagged_paths, page_paths, strict=True))]
    applied_paths: list[AppliedFiles] = run.settle("apply-duplicates", applied, [shard_label(i, n) for i in range(n)],
                                                   shards=True)
    spread = [a.spread for a in applied_paths]
    index_parts = [run.submit(update_index_task, part_names[p], p, spread, index, out=IndexPart(
        io.part_path(state / "dedup_index" / "nodes", p), io.part_path(state / "dedup_index" / "rows", p)))
        for p in range(parts)]
    merged = [run.submit(merge_comments_task, part_names[p], p, spread, prior_keys, shards=sid, out=MergedFiles(
        io.part_path(dedup / "merged", p), io.part_path(state / "comment_keys", p), io.part_path(dedup / "counts", p)))
        for p in range(parts)]
    merged_paths: list[MergedFiles] = run.settle("merge-comments", merged, part_names)
    repeats = run.call(count_repeats_task, [m.merged for m in merged_paths], [m.text_counts for m in merged_paths],
                       out=dedup / "repeats")
    key_file = io.pseudonym_key_file(config.out, config.privacy.pseudonym_key)  # kept in OUT/_state, no dataset
    counts = [each(write_task, i, s, pf, shard_no=i, tagged=t.articles, keys=k, clusters=a.clusters,
                   merged=[m.merged for m in merged_paths], repeats=repeats, root=config.out,
                   languages=config.langid.languages, pseudonymize=config.privacy.pseudonymize,
                   redact_pii=config.privacy.redact_pii, key_file=key_file,
                   out=work / "counts" / f"{s}.json")
              for i, (s, pf, t, k, a) in enumerate(zip(sid, page_paths, tagged_paths, keys, applied_paths,
                                                       strict=True))]
    counts_paths = run.settle("write", counts, [shard_label(i, n) for i in range(n)], shards=True)
    run.settle("update-index", index_parts, part_names)
    end_worker_processes()  # every task has ended: the idle workers' memory is not held beside the finish step
    new_state = {"dedup_index": state / "dedup_index", "comment_keys": state / "comment_keys",
                 "template_lines.parquet": templates}
    return run.call(finish_task, config, plan, counts_paths, new_state, time.perf_counter() - started,
                    task_runs={stage: (r.ran, r.cached) for stage, r in run.runs.items()})
