"""Views of judge agreement: one report (HTML, terminal) and the scorecard's agreement section.

Text from the run (metric names, labels, classes, item ids) goes through ``esc`` in HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axionlike.results._agreement import STATISTICS, Estimate, JudgeAgreement
from axionlike.results._html import _CSS, esc
from axionlike.results._scorecard import clip, fmt

if TYPE_CHECKING:
    from axionlike.results._scorecard import Scorecard

_COMPARED = {
    "binary": "the metric's pass/fail against the human pass/fail; precision, recall and F1 of the pass class",
    "categorical": "the metric's class against the human class; precision, recall and F1 averaged over the classes",
    "continuous": "the metric's score against the numeric label",
}
_LISTED_DISAGREEMENTS = 10
"""Item ids of disagreements listed in a report (the model keeps them all)."""


def interval(estimate: Estimate, *, compact: bool = False) -> str:
    """``[0.812, 0.934]`` (``0.81–0.93`` compact, for narrow tables), or ``-`` without an interval."""
    if estimate.ci is None:
        return "-"
    low, high = estimate.ci
    return f"{low:.2f}–{high:.2f}" if compact else f"[{low:.3f}, {high:.3f}]"


def _items_line(report: JudgeAgreement) -> str:
    line = (
        f"{report.n} items compared · {report.without_label} without a label · "
        f"{report.without_score} without a score · {report.confidence:.0%} bootstrap intervals"
    )
    if report.self_agreement_measure is not None:
        line += f" · self-agreement {fmt(report.self_agreement)} ({report.self_agreement_measure})"
    return line


def _disagreements_line(report: JudgeAgreement) -> str:
    shown = report.disagreements[:_LISTED_DISAGREEMENTS]
    more = f" and {len(report.disagreements) - len(shown)} more" if len(report.disagreements) > len(shown) else ""
    return f"{len(report.disagreements)} disagreements: {clip(', '.join(shown), 400)}{more}"


def _by_kind(card: Scorecard) -> tuple[dict[str, list[JudgeAgreement]], list[str]]:
    """The scorecard's reports grouped by kind of label, and the reasons of metrics without one."""
    groups: dict[str, list[JudgeAgreement]] = {}
    reasons: list[str] = []
    for name, report in card.agreement.items():
        if isinstance(report, JudgeAgreement):
            groups.setdefault(report.kind, []).append(report)
        else:
            reasons.append(f"{name}: {report}")
    return groups, reasons


# -- terminal ------------------------------------------------------------------------------


def _confusion_table(report: JudgeAgreement) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(f"{report.label} ↓  {report.metric} →", no_wrap=True)
    for name in report.classes:
        table.add_column(name, justify="right", no_wrap=True)
    for name, row in zip(report.classes, report.confusion_matrix, strict=True):
        table.add_row(name, *(str(count) for count in row))
    return table


def agreement_renderable(report: JudgeAgreement) -> Any:
    """One report as rich renderables: statistics with intervals, confusion matrix, counts."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    title = Text(f"{report.metric} vs {report.label} ({report.kind}): compares {_COMPARED[report.kind]}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("statistic", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column(f"{report.confidence:.0%} interval", justify="right", no_wrap=True)
    for key, estimate in report.statistics.items():
        table.add_row(STATISTICS[key], fmt(estimate.value), interval(estimate))
    parts: list[Any] = [title, table]
    if report.confusion_matrix:
        parts += [
            Text("confusion matrix (rows: the human label, columns: the metric's verdict)"),
            _confusion_table(report),
        ]
    parts.append(Text(_items_line(report)))
    if report.disagreements:
        parts.append(Text(_disagreements_line(report)))
    return Group(*parts)


def scorecard_agreement_renderables(card: Scorecard) -> list[Any]:
    """The scorecard's agreement section for the terminal; nothing when the items carry no label."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    groups, reasons = _by_kind(card)
    parts: list[Any] = []
    for kind, reports in groups.items():
        first = reports[0]
        table = Table(
            title=f"agreement with human labels ({first.label}, {kind})",
            caption=f"each value over its {first.confidence:.0%} bootstrap interval (low–high)",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        table.add_column("metric", min_width=min(16, max(len(r.metric) for r in reports)), overflow="fold")
        table.add_column("n", justify="right", no_wrap=True)
        for key in first.statistics:
            table.add_column(STATISTICS[key], justify="right", no_wrap=True)
        for report in reports:
            cells = [f"{fmt(e.value)}\n{interval(e, compact=True)}" for e in report.statistics.values()]
            table.add_row(report.metric, str(report.n), *cells)
        parts.append(table)
    if reasons:
        parts.append(Text("no agreement for " + " · ".join(reasons)))
    return parts


# -- HTML ----------------------------------------------------------------------------------


def _confusion_html(report: JudgeAgreement, compact: bool) -> str:
    style = ' style="width:auto;margin:0"' if compact else ' style="width:auto"'
    head = "".join(f"<th>{esc(name)}</th>" for name in report.classes)
    rows = "".join(
        f'<tr><th class="l">{esc(name)}</th>' + "".join(f"<td>{count}</td>" for count in row) + "</tr>"
        for name, row in zip(report.classes, report.confusion_matrix, strict=True)
    )
    corner = "" if compact else f"{esc(report.label)} ↓ · {esc(report.metric)} →"
    return f'<table{style}><thead><tr><th class="l">{corner}</th>{head}</tr></thead><tbody>{rows}</tbody></table>'


def agreement_fragment(report: JudgeAgreement) -> str:
    """One report as an HTML block (what a notebook shows)."""
    rows = "".join(
        f'<tr><td class="l">{esc(STATISTICS[key])}</td><td>{esc(fmt(e.value))}</td><td>{esc(interval(e))}</td></tr>'
        for key, e in report.statistics.items()
    )
    confusion = (
        "<h2>Confusion matrix</h2>"
        f'<p class="muted">Rows: the human label; columns: the verdict of {esc(report.metric)}.</p>'
        + _confusion_html(report, compact=False)
        if report.confusion_matrix
        else ""
    )
    disagreements = f'<p class="muted">{esc(_disagreements_line(report))}</p>' if report.disagreements else ""
    return (
        f'<div class="axl axl-agreement"><style>{_CSS}</style>'
        f'<h1>{esc(report.metric)} <span class="muted">vs</span> {esc(report.label)}</h1>'
        f'<p class="sub">{esc(report.kind)}: compares {esc(_COMPARED[report.kind])}.<br>{esc(_items_line(report))}</p>'
        f'<table style="width:auto"><thead><tr><th class="l">statistic</th><th>value</th>'
        f"<th>{report.confidence:.0%} interval</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>{confusion}{disagreements}</div>"
    )


def scorecard_agreement_html(card: Scorecard) -> str:
    """The scorecard's agreement section as HTML; empty when the items carry no label."""
    groups, reasons = _by_kind(card)
    if not groups and not reasons:
        return ""
    tables = []
    for kind, reports in groups.items():
        first = reports[0]
        confusion = kind != "continuous"
        head = "".join(f"<th>{esc(STATISTICS[key])}</th>" for key in first.statistics)
        head += '<th class="l">confusion (rows: human)</th>' if confusion else ""
        rows = []
        for report in reports:
            cells = "".join(
                f'<td class="nw">{esc(fmt(e.value))}<br><span class="muted">{esc(interval(e))}</span></td>'
                for e in report.statistics.values()
            )
            cells += f'<td class="l">{_confusion_html(report, compact=True)}</td>' if confusion else ""
            rows.append(f'<tr><td class="l"><b>{esc(report.metric)}</b></td><td>{report.n}</td>{cells}</tr>')
        tables.append(
            f'<p class="muted">Label <code>{esc(first.label)}</code> ({esc(kind)}): compares '
            f"{esc(_COMPARED[kind])}; {first.confidence:.0%} bootstrap intervals under each value.</p>"
            f'<table><thead><tr><th class="l">metric</th><th>n</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    notes = "".join(f'<p class="muted">No agreement for {esc(reason)}</p>' for reason in reasons)
    return "<h2>Agreement with human labels</h2>" + "".join(tables) + notes
