"""The parser evaluation as one self-contained HTML page (``corpus eval FOLDER --report FILE.html``).

``render_eval_report`` turns ``flows.evaluate.run_eval``'s result into HTML: the overall figures, the
same figures per source and per layout family, and per page the predicted against the true title, the
first and last words of the body, and the comment lists (author and first words), mismatches
highlighted. No script, no external resource: the file opens anywhere and can be attached to an issue.
A sealed fold carries no per-page detail, so its report holds the aggregates only.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from tasks.text_match import fold, tokens

PAIR_F1 = 0.5
"""Token F1 at which a predicted comment counts as the true one at the same position (as the scorer)."""

EDGE_WORDS = 12
"""Words of the body shown at its start and at its end."""

COMMENT_WORDS = 10
"""Words of each comment shown."""

_FIGURES = [
    ("pages", "n_pages"), ("title", "title_accuracy"), ("body F1", "body_f1"), ("comment P", "comment_precision"),
    ("comment R", "comment_recall"), ("comment F1", "comment_f1"), ("authors", "author_accuracy"),
    ("spurious", "spurious_comment_pages"),
]

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{background:#fde2e2}.ok{background:#e3f6e3}.page{border:1px solid #bbb;margin:1.5em 0;padding:.5em 1em}
.page h3{margin:.3em 0}.muted{color:#777}.cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}
ol{margin:.3em 0;padding-left:2em}
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _pair_f1(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    common = sum((ta & tb).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ta.values()), common / sum(tb.values())
    return 2 * precision * recall / (precision + recall)


EDGE_CHARS = 160
"""At most this many characters of a body edge or a comment (scripts without spaces have long "words")."""


def _words(text: str, n: int, *, tail: bool = False) -> str:
    parts = text.split()
    shown = text if len(parts) <= n else (" ".join(parts[-n:]) if tail else " ".join(parts[:n]))
    if len(shown) > EDGE_CHARS:
        shown = shown[-EDGE_CHARS:] if tail else shown[:EDGE_CHARS]
    if shown == text:
        return text
    return "… " + shown if tail else shown + " …"


def _figures_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _ in _FIGURES)
    body = "".join(
        f"<tr><th>{html.escape(label)}</th>"
        + "".join(f'<td class="n">{_fmt(summary.get(key))}</td>' for _, key in _FIGURES) + "</tr>"
        for label, summary in rows
    )
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


def _comment_list(comments: list[dict[str, Any]], others: list[dict[str, Any]]) -> str:
    """One side's comments; a comment is green when the other side's comment at the same position has
    the same author and a similar text, else red."""
    if not comments:
        return '<p class="muted">no comments</p>'
    items = []
    for k, c in enumerate(comments):
        other = others[k] if k < len(others) else None
        ok = (other is not None and fold(other["author"]) == fold(c["author"])
              and _pair_f1(other["text"], c["text"]) >= PAIR_F1)
        items.append(f'<li class="{"ok" if ok else "bad"}"><b>{html.escape(c["author"] or "(no author)")}</b>: '
                     f'{html.escape(_words(c["text"], COMMENT_WORDS))}</li>')
    return "<ol start=\"0\">" + "".join(items) + "</ol>"


def _page_section(page: dict[str, Any], detail: dict[str, Any]) -> str:
    pred, true = detail["pred"], detail["true"]
    title_ok = bool(page.get("title_ok"))
    body_ok = (page.get("body_f1") or 0.0) >= 0.9
    comment_f1 = page.get("comment_f1")
    rows = [
        ("title", html.escape(pred["title"] or "(none)"), html.escape(true["title"] or "(none)"), title_ok),
        ("body start", html.escape(_words(pred["body"], EDGE_WORDS)), html.escape(_words(true["body"], EDGE_WORDS)),
         body_ok),
        ("body end", html.escape(_words(pred["body"], EDGE_WORDS, tail=True)),
         html.escape(_words(true["body"], EDGE_WORDS, tail=True)), body_ok),
    ]
    table = "".join(
        f'<tr class="{"ok" if ok else "bad"}"><th>{name}</th><td>{p}</td><td>{t}</td></tr>' for name, p, t, ok in rows)
    return (
        f'<div class="page" id="{html.escape(page["page_id"])}"><h3>{html.escape(page["page_id"])}</h3>'
        f'<p class="muted">{html.escape(str(page.get("source")))} · {html.escape(str(page.get("layout")))} · '
        f'body F1 {_fmt(page.get("body_f1"))} · comment F1 {_fmt(comment_f1)} '
        f'({page.get("n_pred_comments")} predicted / {page.get("n_true_comments")} true)</p>'
        f"<table><tr><th></th><th>predicted</th><th>true</th></tr>{table}</table>"
        f'<div class="cols"><div><b>predicted comments</b>{_comment_list(pred["comments"], true["comments"])}</div>'
        f'<div><b>true comments</b>{_comment_list(true["comments"], pred["comments"])}</div></div></div>'
    )


def render_eval_report(result: dict[str, Any]) -> str:
    """The report page for one ``run_eval`` result (pages ordered worst first, as the text report)."""
    title = f"Parser evaluation: {result.get('folder', '')} ({result.get('path', 'text')}, {result.get('fold', 'all')})"
    parts = [f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
             f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
             "<h2>Overall</h2>", _figures_table([("all pages", result["overall"])])]
    if result.get("by_source"):
        parts += ["<h2>Per source</h2>", _figures_table(list(result["by_source"].items()))]
    if result.get("by_layout"):
        parts += ["<h2>Per layout</h2>", _figures_table(list(result["by_layout"].items()))]
    details = result.get("details") or {}
    pages = [p for p in result.get("pages", []) if p["page_id"] in details]
    if pages:
        def score(p: dict[str, Any]) -> float:
            parts_ = [p.get("body_f1") or 0.0, 1.0 if p.get("title_ok") else 0.0]
            if p.get("n_true_comments") or p.get("n_pred_comments"):
                parts_.append(p.get("comment_f1") or 0.0)
            return sum(parts_) / len(parts_)

        pages.sort(key=lambda p: (score(p), p["page_id"]))
        parts += [f"<h2>Pages ({len(pages)}, worst first)</h2>",
                  *(_page_section(p, details[p["page_id"]]) for p in pages)]
    else:
        parts.append('<p class="muted">No per-page detail (a sealed fold is reported in aggregate only).</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def write_eval_report(result: dict[str, Any], path: Path) -> Path:
    """Write ``render_eval_report(result)`` to ``path`` (through a temporary file and a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_eval_report(result), encoding="utf-8")
    os.replace(tmp, path)
    return path
