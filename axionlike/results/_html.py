"""HTML views of scorecards and comparisons: inline CSS and SVG, no scripts, no network.

Every piece of text that comes from a run (names, ids, explanations, errors, metadata)
goes through ``esc``; numbers are formatted by the scorecard. The same fragment is
shown in notebooks and wrapped into a standalone page.
"""

from __future__ import annotations

import html
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axionlike.results._scorecard import fmt, fmt_cost

if TYPE_CHECKING:
    from axionlike.results._compare import Comparison
    from axionlike.results._scorecard import ItemNote, MetricCard, Scorecard

_CSS = """
.axl{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff;
  line-height:1.4;font-size:14px;padding:16px;border-radius:8px;max-width:1200px}
.axl h1{font-size:22px;margin:0 0 4px}.axl h2{font-size:16px;margin:20px 0 8px}
.axl .sub{color:#59636e;margin:0 0 12px}
.axl table{border-collapse:collapse;width:100%;margin:4px 0 8px}
.axl th,.axl td{padding:5px 8px;border-bottom:1px solid #d1d9e0;text-align:right;vertical-align:top}
.axl th{background:#f6f8fa;font-weight:600;white-space:nowrap}
.axl th.grp{text-align:center;border-bottom:2px solid #d1d9e0}
.axl th.l,.axl td.l{text-align:left}.axl .nw{white-space:nowrap}
.axl td.txt{text-align:left;max-width:420px;overflow-wrap:anywhere}
.axl .tiles{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 4px}
.axl .tile{border:1px solid #d1d9e0;border-radius:6px;padding:6px 12px;min-width:96px}
.axl .tile b{display:block;font-size:18px}.axl .tile span{color:#59636e;font-size:12px}
.axl .bar{display:inline-block;width:60px;height:8px;background:#eef1f4;border-radius:4px;
  vertical-align:middle;margin-left:6px;overflow:hidden}
.axl .bar i{display:block;height:100%;background:#1a7f37}
.axl .pass{color:#1a7f37;font-weight:600}.axl .fail{color:#cf222e;font-weight:600}
.axl .err{color:#9a6700;font-weight:600}.axl .muted{color:#59636e}
.axl .better td.v{color:#1a7f37;font-weight:600}.axl .worse td.v{color:#cf222e;font-weight:600}
.axl details{border:1px solid #d1d9e0;border-radius:6px;padding:4px 10px;margin:6px 0}
.axl summary{cursor:pointer;font-weight:600;padding:4px 0}
.axl dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
.axl dt{color:#59636e}.axl dd{margin:0;overflow-wrap:anywhere}
.axl svg{display:block}.axl code{font-size:12px}
"""

_PASS, _FAIL, _NEUTRAL = "#2da44e", "#cf222e", "#8c959f"


def esc(value: Any) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, fragment: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title></head>"
        f'<body style="margin:0;background:#fff">{fragment}</body></html>\n'
    )


def write_page(path: str | Path, page: str) -> Path:
    """Write a standalone page, creating its directory."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _colour(card: MetricCard, value: float) -> str:
    s = card.summary
    if s.threshold is None:
        return _NEUTRAL
    passed = value >= s.threshold if s.higher_is_better else value <= s.threshold
    return _PASS if passed else _FAIL


def distribution_svg(card: MetricCard, width: int = 180, height: int = 40) -> str:
    """The metric's scores: one mark per item for small runs, else a histogram; threshold dashed."""
    low, high = card.domain
    plot = height - 12

    def x(v: float) -> float:
        return 4 + (v - low) / (high - low) * (width - 8)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="distribution of {esc(card.name)}">',
        f'<line x1="4" y1="{plot}" x2="{width - 4}" y2="{plot}" stroke="#d1d9e0"/>',
    ]
    if card.histogram is not None:
        hist = card.histogram
        top = max(hist.counts) or 1
        bar = (width - 8) / len(hist.counts)
        for i, count in enumerate(hist.counts):
            if not count:
                continue
            start = hist.low + i * hist.width
            h = max(1.0, count / top * (plot - 2))
            parts.append(
                f'<rect x="{4 + i * bar:.1f}" y="{plot - h:.1f}" width="{max(bar - 1, 1):.1f}" height="{h:.1f}" '
                f'fill="{_colour(card, start + hist.width / 2)}"><title>{start:.3g}–{start + hist.width:.3g}: '
                f"{count}</title></rect>"
            )
    else:
        for i, v in enumerate(card.values):
            jitter = zlib.crc32(str(i).encode()) % max(plot - 8, 1)
            parts.append(
                f'<circle cx="{x(v):.1f}" cy="{4 + jitter:.1f}" r="3" fill="{_colour(card, v)}" '
                f'fill-opacity="0.75"><title>{v:.3g}</title></circle>'
            )
    if card.summary.threshold is not None:
        tx = x(card.summary.threshold)
        parts.append(
            f'<line x1="{tx:.1f}" y1="0" x2="{tx:.1f}" y2="{plot}" stroke="#1f2328" stroke-dasharray="3,2">'
            f"<title>threshold {card.summary.threshold:g}</title></line>"
        )
    parts.append(
        f'<text x="4" y="{height - 1}" font-size="9" fill="#59636e">{low:.3g}</text>'
        f'<text x="{width - 4}" y="{height - 1}" font-size="9" fill="#59636e" text-anchor="end">{high:.3g}</text>'
        "</svg>"
    )
    return "".join(parts)


def _metric_cell(column: str, metric: MetricCard, cells: dict[str, str]) -> str:
    if column == "metric":
        return f'<td class="l"><b>{esc(cells["metric"])}</b></td>'
    if column == "source":
        return f'<td class="l muted">{esc(cells["source"])}</td>'
    if column == "distribution":
        return f'<td class="l">{distribution_svg(metric)}</td>'
    if column == "pass rate" and metric.summary.pass_rate is not None:
        width = metric.summary.pass_rate * 100
        return f'<td class="nw">{esc(cells[column])}<span class="bar"><i style="width:{width:.0f}%"></i></span></td>'
    if column == "errors" and metric.summary.errors:
        return f'<td class="err">{esc(cells[column])}</td>'
    return f"<td>{esc(cells[column])}</td>"


def _metrics_table(card: Scorecard) -> str:
    columns = card.columns()
    head = "".join(
        f'<th class="{"l" if c in ("metric", "source", "distribution") else ""}">{esc(c)}</th>' for c in columns
    )
    rows = []
    for metric in card.metrics.values():
        cells = metric.cells()
        rows.append("<tr>" + "".join(_metric_cell(c, metric, cells) for c in columns) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _note_row(note: ItemNote, with_why: bool) -> str:
    if note.status == "error":
        verdict = '<span class="err">error</span>'
    elif note.passed is None:
        verdict = '<span class="muted">-</span>'
    else:
        verdict = f'<span class="{"pass" if note.passed else "fail"}">{"pass" if note.passed else "fail"}</span>'
    why = f'<td class="txt">{esc(note.error or note.explanation)}</td>' if with_why else ""
    return (
        f'<tr><td class="l nw"><code>{esc(note.item_id or f"#{note.index}")}</code></td>'
        f'<td>{esc(fmt(note.score))}</td><td class="l">{verdict}</td>{why}<td class="txt">{esc(note.query)}</td>'
        f'<td class="txt">{esc(note.output)}</td><td class="txt">{esc(note.expected)}</td></tr>'
    )


def _worst_section(metric: MetricCard) -> str:
    notes = [*metric.errors, *metric.worst_not_passed]
    if not notes:
        return ""
    failing = metric.summary.errors or any(n.passed is False for n in notes)
    with_why = any(n.error or n.explanation for n in notes)
    more = f'<p class="muted">… and {metric.more_errors} more errors</p>' if metric.more_errors > 0 else ""
    rows = "".join(_note_row(n, with_why) for n in notes)
    why = '<th class="l">explanation / error</th>' if with_why else ""
    return (
        f"<details{' open' if failing else ''}><summary>{esc(metric.name)}: worst items</summary>"
        f'<table><thead><tr><th class="l">item</th><th>score</th><th class="l">verdict</th>{why}'
        '<th class="l">query</th><th class="l">output</th><th class="l">expected</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>{more}</details>"
    )


def _failed_section(card: Scorecard) -> str:
    if not card.failed_items:
        return ""
    rows = "".join(
        f'<tr><td class="l nw"><code>{esc(n.item_id or f"#{n.index}")}</code></td>'
        f'<td class="txt">{esc(n.error)}</td><td class="txt">{esc(n.query)}</td></tr>'
        for n in card.failed_items
    )
    more = f'<p class="muted">… and {card.more_failed_items} more</p>' if card.more_failed_items else ""
    return (
        '<h2>Failed items</h2><p class="muted">The input or the task failed, so no metric ran on these items.</p>'
        '<table><thead><tr><th class="l">item</th><th class="l">error</th><th class="l">query</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>{more}"
    )


def _definitions(pairs: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs) + "</dl>"


def scorecard_fragment(card: Scorecard) -> str:
    """The scorecard as an HTML block (what a notebook shows)."""
    from axionlike.results._agreement_view import scorecard_agreement_html

    result = card.result
    facts = card.facts
    tiles = "".join(
        f'<div class="tile"><b>{esc(facts[key])}</b><span>{esc(label)}</span></div>'
        for key, label in (
            ("items", "items"),
            ("success rate", "success rate"),
            ("pass rate (all metrics)", "pass rate, all metrics"),
            ("duration", "duration"),
            ("cost", "cost this run"),
            ("LLM calls", "LLM calls this run"),
        )
    )
    if card.saved.calls:
        tiles += (
            f'<div class="tile"><b>{esc(fmt_cost(card.saved))}</b>'
            f"<span>saved by cache ({card.saved.calls:,} LLM calls)</span></div>"
        )
    worst = "".join(_worst_section(m) for m in card.metrics.values())
    failed = _failed_section(card)
    metadata = card.user_metadata()
    return (
        f'<div class="axl axl-scorecard"><style>{_CSS}</style>'
        f"<h1>{esc(result.evaluation_name)}</h1>"
        f'<p class="sub">run <code>{esc(result.run_id)}</code> · {esc(result.timestamp)}</p>'
        f'<div class="tiles">{tiles}</div>'
        f"<h2>Metrics</h2>{_metrics_table(card)}"
        + scorecard_agreement_html(card)
        + failed
        + (f"<h2>Worst items per metric</h2>{worst}" if worst else "")
        + f"<h2>Run</h2>{_definitions(list(card.facts.items()))}"
        + (f"<h2>Metadata</h2>{_definitions(metadata)}" if metadata else "")
        + "</div>"
    )


def scorecard_page(card: Scorecard) -> str:
    """The scorecard as a standalone HTML document."""
    return _page(f"{card.result.evaluation_name} · axionlike scorecard", scorecard_fragment(card))


#: The comparison table: header groups, each with (column key, short label).
_COMPARISON_GROUPS = (
    ("", (("metric", "metric"),)),
    ("mean", (("baseline mean", "base"), ("current mean", "new"), ("Δ mean", "Δ"))),
    ("pass rate", (("baseline pass", "base"), ("current pass", "new"), ("Δ pass", "Δ"))),
    ("paired over shared items", (("pairs", "n"), ("paired Δ", "Δ"), ("interval", "interval"))),
    ("", (("verdict", "verdict"),)),
)


def comparison_fragment(comparison: Comparison) -> str:
    """The comparison as an HTML block (what a notebook shows)."""
    groups = "".join(
        f'<th colspan="{len(cols)}" class="{"grp" if title else ""}">{esc(title)}</th>'
        for title, cols in _COMPARISON_GROUPS
    )
    labels = "".join(
        f'<th class="{"l" if key in ("metric", "verdict") else ""}">{esc(label)}</th>'
        for _, cols in _COMPARISON_GROUPS
        for key, label in cols
    )
    rows = []
    for metric in comparison.metrics.values():
        cells = metric.cells()
        tds = "".join(
            f'<td class="{"l" if key in ("metric", "verdict") else "nw"}{" v" if key in ("paired Δ", "verdict") else ""}">'
            f"{esc(cells[key])}</td>"
            for _, cols in _COMPARISON_GROUPS
            for key, _ in cols
        )
        rows.append(f'<tr class="{esc(metric.verdict.replace(" ", "-"))}">{tds}</tr>')
    cur, base = comparison.current, comparison.baseline
    return (
        f'<div class="axl axl-compare"><style>{_CSS}</style>'
        f'<h1>{esc(cur.evaluation_name)} <span class="muted">vs</span> {esc(base.evaluation_name)}</h1>'
        f'<p class="sub">new run <code>{esc(cur.run_id)}</code> · baseline run <code>{esc(base.run_id)}</code></p>'
        f"<table><thead><tr>{groups}</tr><tr>{labels}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="muted">{esc(comparison.overlap_line())}. Paired Δ is new − baseline over items scored in '
        f"both runs, with a {comparison.confidence:.0%} bootstrap interval; "
        "an interval containing 0 is within noise.</p></div>"
    )


def comparison_page(comparison: Comparison) -> str:
    """The comparison as a standalone HTML document."""
    title = f"{comparison.current.evaluation_name} vs {comparison.baseline.evaluation_name} · axionlike"
    return _page(title, comparison_fragment(comparison))
