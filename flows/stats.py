"""``corpus stats``: read a built corpus, print its statistics as tables, or write a self-contained HTML report.

Reading and rendering only; the numbers come from the pure functions in ``tasks/reports/corpus_stats.py``.
The HTML report has no scripts and no external resources: styles are inline and every chart is
an SVG drawn here, so the file opens the same offline, in a browser or attached to an e-mail.
"""

from __future__ import annotations

import html as _html
import json
import logging
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from schemas import OUTPUT_DATASETS
from schemas.validate import empty_frame, polars_schema
from tasks.publish.snapshots import check_snapshot_kept
from tasks.publish.write import dataset_roots
from tasks.reports.corpus_stats import compute_stats, stage_times_from_files

logger = logging.getLogger(__name__)

_READ_COLUMNS = {
    "articles": ("language", "site", "n_comments", "stripped_by_rule", "signals"),
    "comments": ("language", "is_repeated", "signals"),
    "duplicates": ("kind", "similarity", "cluster_id"),
    "rejects": ("stage", "reason"),
}
_COLUMNS: dict[str, tuple[pa.Schema, pa.Schema, tuple[str, ...]]] = {
    name: (*OUTPUT_DATASETS[name], columns) for name, columns in _READ_COLUMNS.items()
}

TITLES = {
    "comment_summary": "Comments",
    "language_mix": "Language mix",
    "comments_per_article": "Comments per article",
    "articles_per_site": "Articles per site (top)",
    "boilerplate_by_rule": "Boilerplate removed per rule family",
    "dedup_kinds": "Duplicates per kind",
    "duplicate_clusters": "Duplicate cluster sizes",
    "rejects_by_reason": "Rejects by reason",
    "signal_quantiles": "Quality signals: percentiles",
    "signal_histogram": "Quality signals: share signals, rows per bucket",
    "run_counts": "Last run",
    "stage_throughput": "Throughput per stage (last run)",
}


def scan_dataset(root: Path, schema: pa.Schema, partition: pa.Schema) -> pl.LazyFrame:
    """Scan a dataset with its declared column and hive key types, tolerant of files of other versions.

    Files written before a column was added read it as null; columns a file has that the schema
    does not are ignored. An empty or missing dataset gives an empty frame with the declared columns.
    """
    declared = polars_schema(schema)
    root = root.resolve() if root.exists() else root  # OUT/<dataset> read in the snapshot it shows now
    has_files = root.is_dir() and any(root.rglob("*.parquet"))
    check_snapshot_kept(root)
    if not has_files:
        return empty_frame(schema).lazy()
    in_files = {k: v for k, v in declared.items() if k not in partition.names}
    return pl.scan_parquet(
        root / "**" / "*.parquet", hive_partitioning=True, hive_schema=polars_schema(partition),
        schema=in_files, missing_columns="insert", extra_columns="ignore",
    ).select(schema.names)


def read_datasets(out: Path) -> dict[str, pl.DataFrame]:
    """Read the columns the statistics need from the four datasets of the corpus in ``out`` (one snapshot)."""
    roots = dataset_roots(out, _COLUMNS)
    return {
        name: scan_dataset(roots[name], schema, part).select(cols).collect()
        for name, (schema, part, cols) in _COLUMNS.items()
    }


def read_last_run(out: Path) -> tuple[dict[str, Any], pl.DataFrame | None, str]:
    """The last run's summary, its per-stage seconds and where those came from.

    Per-stage seconds are taken from ``stage_seconds`` in ``_state/last_run.json`` when the build
    recorded them ("measured"), otherwise estimated from the times the run's stage files under
    ``_work/`` were written ("estimated from stage-file times"); ``None`` when neither is there.
    """
    path = out / "_state" / "last_run.json"
    if not path.exists():
        return {}, None, "no run summary"
    summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    measured = summary.get("stage_seconds")
    if isinstance(measured, Mapping) and measured:
        frame = pl.DataFrame({"stage": list(measured), "seconds": [float(v) for v in measured.values()]})
        return summary, frame, "measured"
    work = out / "_work"
    seconds = float(summary.get("seconds", 0.0))
    if not work.exists() or seconds <= 0:
        return summary, None, "no stage times"
    finished = path.stat().st_mtime
    files = [(p.relative_to(work).as_posix(), p.stat().st_mtime) for p in work.rglob("*") if p.is_file()]
    frame = pl.DataFrame(files, schema={"path": pl.String, "mtime": pl.Float64}, orient="row")
    times = stage_times_from_files(frame, started=finished - seconds, finished=finished)
    return summary, (times if times.height else None), "estimated from stage-file times"


def corpus_stats(out: Path) -> tuple[dict[str, pl.DataFrame], dict[str, Any], str]:
    """Read the corpus in ``out`` and compute every statistics frame; also the run summary and timing source."""
    if not out.is_dir():
        raise FileNotFoundError(f"no corpus folder at {out}")
    data = read_datasets(out)
    summary, stage_seconds, source = read_last_run(out)
    stats = compute_stats(data["articles"], data["comments"], data["duplicates"], data["rejects"],
                          summary=summary, stage_seconds=stage_seconds)
    return stats, summary, source


# ------------------------------------------------------------------------------------------------
# Terminal
# ------------------------------------------------------------------------------------------------


def format_value(column: str, value: Any) -> str:
    """Format one cell: shares as percentages, floats with two decimals, counts with separators."""
    if value is None:
        return "–"
    if column == "share":
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and column == "value" else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def rich_table(name: str, frame: pl.DataFrame) -> Table:
    """One statistics frame as a rich table (numbers right-aligned)."""
    table = Table(title=TITLES.get(name, name), title_justify="left", show_edge=False, pad_edge=False)
    for column, dtype in frame.schema.items():
        table.add_column(column, justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows(named=True):
        table.add_row(*[format_value(c, v) for c, v in row.items()])
    if not frame.height:
        table.caption = "none"
    return table


def print_stats(out: Path, *, console: Console | None = None) -> None:
    """Print the statistics of the corpus in ``out`` as tables on the terminal."""
    stats, _, source = corpus_stats(out)
    console = console or Console()
    console.print(f"[bold]corpus statistics[/bold] of {out}")
    for name, frame in stats.items():
        console.print()
        console.print(rich_table(name, frame))
        if name == "stage_throughput":
            console.print(f"  stage times: {source}")


# ------------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------------

PALETTE = ("#3b6ea8", "#d9822b", "#5a9e6f", "#a35d9b", "#c44e52", "#8c8c8c")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;
color:#222;background:#fff;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{font-size:1.15em;margin:0 0 8px}
.meta{color:#666;font-size:.9em;margin-bottom:18px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:18px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:1.4em}.card span{color:#666;font-size:.85em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:18px}
section{border:1px solid #e3e3e3;border-radius:6px;padding:12px 14px;overflow-x:auto}
table{border-collapse:collapse;font-size:.85em;margin-top:8px}
th,td{padding:2px 6px;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}
.note{color:#666;font-size:.85em}.empty{color:#888;font-style:italic}
svg text{font-family:inherit;font-size:12px;fill:#333}
"""


def _esc(value: Any) -> str:
    return _html.escape(str(value), quote=True)


def svg_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    value_format: str = "{:,.0f}",
    width: int = 480,
    label_width: int = 160,
) -> str:
    """A horizontal bar chart as inline SVG: one group of bars per label, one bar per series.

    A legend is drawn when there is more than one series. Returns an empty-state paragraph when
    there is nothing to draw.
    """
    if not labels or not series:
        return '<p class="empty">nothing to show</p>'
    bar, gap, legend_h = 14, 8, (20 if len(series) > 1 else 0)
    group_h = bar * len(series) + gap
    height = legend_h + group_h * len(labels) + 4
    top = max((max(v, default=0.0) for v in series.values()), default=0.0) or 1.0
    plot_w = width - label_width - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    if legend_h:
        x = label_width
        for i, name in enumerate(series):
            colour = PALETTE[i % len(PALETTE)]
            parts.append(f'<rect x="{x}" y="3" width="12" height="12" fill="{colour}"/>'
                         f'<text x="{x + 16}" y="13">{_esc(name)}</text>')
            x += 22 + 8 * len(name)
    for row, label in enumerate(labels):
        y0 = legend_h + row * group_h
        shown = label if len(label) <= 24 else label[:23] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y0 + group_h / 2 + 1}" text-anchor="end" '
                     f'dominant-baseline="middle"><title>{_esc(label)}</title>{_esc(shown)}</text>')
        for i, (name, values) in enumerate(series.items()):
            value = float(values[row] or 0.0)
            w = max(plot_w * value / top, 0.0)
            y = y0 + i * bar
            colour = PALETTE[i % len(PALETTE)]
            parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{colour}">'
                         f'<title>{_esc(name)} {_esc(label)}: {value_format.format(value)}</title></rect>'
                         f'<text x="{label_width + w + 4:.1f}" y="{y + bar / 2}" '
                         f'dominant-baseline="middle">{value_format.format(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html_table(frame: pl.DataFrame, *, max_rows: int = 30) -> str:
    """A statistics frame as an HTML table (at most ``max_rows`` rows)."""
    if not frame.height:
        return '<p class="empty">none</p>'
    numeric = {c for c, t in frame.schema.items() if t.is_numeric()}
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = [
        "<tr>" + "".join(f'<td{" class=n" if c in numeric else ""}>{_esc(format_value(c, v))}</td>'
                         for c, v in row.items()) + "</tr>"
        for row in frame.head(max_rows).iter_rows(named=True)
    ]
    more = f'<p class="note">{frame.height - max_rows} more rows</p>' if frame.height > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _chart(name: str, frame: pl.DataFrame) -> str:
    """The chart drawn for a statistics frame ('' for frames shown as a table only)."""
    if name == "language_mix":
        langs = (frame.group_by("language").agg(pl.col("n").sum()).sort(["n", "language"], descending=[True, False])
                 ["language"].to_list())
        wide = {ds: dict(frame.filter(pl.col("dataset") == ds).select("language", "share").iter_rows())
                for ds in ("articles", "comments")}
        series = {ds: [wide[ds].get(lang, 0.0) * 100 for lang in langs] for ds in wide}
        return svg_bars(langs, series, value_format="{:.1f}%")
    simple = {
        "comments_per_article": ("bucket", "n_articles", "{:,.0f}"),
        "articles_per_site": ("site", "n_articles", "{:,.0f}"),
        "boilerplate_by_rule": ("rule", "n_lines", "{:,.0f}"),
        "dedup_kinds": ("kind", "n", "{:,.0f}"),
        "stage_throughput": ("stage", "seconds", "{:,.2f} s"),
    }
    if name == "signal_histogram":
        if not frame.height:
            return ""
        labels = [f"{s} {b}" for s, b in frame.select("signal", "bucket").iter_rows()]
        return svg_bars(labels, {ds: [v * 100 for v in frame[ds].to_list()] for ds in ("articles", "comments")},
                        value_format="{:.0f}%", label_width=190)
    if name == "rejects_by_reason":
        if not frame.height:
            return ""
        labels = [f"{s}: {r}" for s, r in frame.select("stage", "reason").iter_rows()]
        return svg_bars(labels, {"rejects": frame["n"].to_list()})
    if name not in simple or not frame.height:
        return ""
    label, value, fmt = simple[name]
    return svg_bars([str(v) for v in frame[label].to_list()], {value: frame[value].to_list()}, value_format=fmt)


def render_html(stats: Mapping[str, pl.DataFrame], summary: Mapping[str, Any], *, title: str,
                stage_source: str, generated_at: datetime) -> str:
    """Render the whole report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    cards: list[tuple[str, str]] = []
    overview = stats.get("comment_summary")
    if overview is not None and overview.height:
        glance = dict(overview.iter_rows())
        cards += [(f"{glance['articles']:,.0f}", "articles"), (f"{glance['comments']:,.0f}", "comments"),
                  (f"{glance['mean_per_article']:.1f}", "comments per article")]
    dups = stats.get("dedup_kinds")
    cards.append((f"{int(dups['n'].sum()) if dups is not None else 0:,}", "duplicates folded"))
    rej = stats.get("rejects_by_reason")
    cards.append((f"{int(rej['n'].sum()) if rej is not None else 0:,}", "rejects"))
    if summary.get("seconds") is not None:
        cards.append((f"{float(summary['seconds']):,.1f} s", "last run"))
    card_html = "".join(f'<div class="card"><b>{_esc(v)}</b><span>{_esc(k)}</span></div>' for v, k in cards)
    sections = []
    for name, frame in stats.items():
        note = f'<p class="note">stage times: {_esc(stage_source)}</p>' if name == "stage_throughput" else ""
        sections.append(f'<section id="{_esc(name)}"><h2>{_esc(TITLES.get(name, name))}</h2>'
                        f"{_chart(name, frame)}{html_table(frame)}{note}</section>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_esc(title)}</h1><div class=\"meta\">generated {generated_at:%Y-%m-%d %H:%M} UTC</div>"
        f"<div class=\"cards\">{card_html}</div><div class=\"grid\">{''.join(sections)}</div>"
        "</body></html>\n"
    )


def write_html_report(out: Path, html: Path) -> Path:
    """Write the statistics of the corpus in ``out`` as a self-contained HTML report to ``html``; return its path."""
    stats, summary, source = corpus_stats(out)
    page = render_html(stats, summary, title=f"corpus report: {out.resolve().name}", stage_source=source,
                       generated_at=datetime.now(UTC))
    html.parent.mkdir(parents=True, exist_ok=True)
    tmp = html.with_name(f".{html.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, html)
    logger.info("wrote %s (%d bytes)", html, len(page))
    return html
