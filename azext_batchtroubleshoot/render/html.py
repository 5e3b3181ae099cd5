"""A self-contained HTML report: the verdict, the root cause, filterable findings and charts, in one offline file.

The charts are drawn by plotly.js, inlined once in the page, from figures built with plotly's Python API.  plotly is
imported here only, when an HTML report is written: never when ``az`` starts or for ``-o json``.  The page loads
nothing from the network: a Content-Security-Policy forbids it, and the only addresses in it are the links a reader
may click (documentation, the job in the studio).  Every piece of text from the logs is redacted, then escaped.
"""

from __future__ import annotations

import html
import json
from typing import Any

from ..core.errors import ReportWriteError
from ..logs.redact import redact
from .markdown import natural
from .text import VERDICT_STYLE, duration

PLOTLY_REQUIREMENT = "plotly>=5.24,<8"
SKEW_HIGHLIGHT = 1.2  # the busiest node or process turns red from this many times the median busy time
COLORS = {"succeeded": "#2e7d32", "failed": "#c62828", "timed out": "#ef6c00", "retry": "#6a1b9a"}
SEVERITY_HEADING = {"error": "Errors", "warning": "Warnings", "info": "Information and known noise"}
VERDICT_COLOR = {
    "failed": "#b71c1c",
    "partial": "#e65100",
    "stalled": "#f57f17",
    "running": "#0277bd",
    "healthy": "#2e7d32",
    "unknown": "#6a1b9a",
}
# 24 distinct colours (plotly's Dark24): 16 nodes get 16 lines that can be told apart.
PALETTE = [
    "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A", "#B68100", "#750D86",
    "#EB663B", "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE",
    "#862A16", "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516", "#0D2A63", "#AF0038",
]  # fmt: skip
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)
PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}
_FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _e(value: Any) -> str:
    """Redacted, then escaped for HTML text and attribute values."""
    return html.escape(redact("" if value is None else str(value)), quote=True)


def _href(url: Any) -> str | None:
    """Only web links a reader clicks; never ``javascript:`` or anything the page would load."""
    text = redact(str(url or "")).strip()
    return html.escape(text, quote=True) if text.lower().startswith(("https://", "http://")) else None


def _link(url: Any, label: str) -> str:
    target = _href(url)
    if target is None:
        return _e(url)
    return f'<a href="{target}" target="_blank" rel="noopener noreferrer">{_e(label)}</a>'


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, (int, float)):
        return f"{int(value):,}"
    return _e(value)


def render_html(report: dict[str, Any], charts: dict[str, Any] | None = None) -> str:
    """The report as one HTML page.  ``charts`` comes from ``chartdata.chart_data``; without it, no charts."""
    figures = _figures(charts) if charts else []
    plotly_js, plotly_version = _plotly_js() if figures else ("", None)
    verdict = str(report.get("verdict") or "unknown")
    label, _ = VERDICT_STYLE.get(verdict, VERDICT_STYLE["unknown"])
    findings = report.get("findings") or []
    body = [
        _header(report, label, verdict),
        "<main>",
        _toc(report, figures, findings),
        _root_cause(report),
        _numbers(report.get("stats") or {}),
        _charts_section(charts, figures),
        _findings(findings, report.get("root_cause")),
        _failure_reasons(charts),
        _sources(report.get("sources") or {}),
        "</main>",
        _footer(report, plotly_version),
    ]
    scripts = ""
    if figures:
        scripts += f'<script id="plotly-js">{plotly_js}</script>\n'
    scripts += f"<script>{_PAGE_JS}</script>\n"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="az ml batch-troubleshoot">\n'
        f"<title>{_e(label)} · batch job diagnosis{_title_job(report)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n"
        + scripts
        + "</body>\n</html>\n"
    )


def _title_job(report: dict[str, Any]) -> str:
    name = (report.get("job") or {}).get("name")
    return f" · {_e(name)}" if name else ""


def _plotly_js() -> tuple[str, str]:
    try:
        from plotly.offline import get_plotlyjs, get_plotlyjs_version
    except ImportError as exc:
        raise ReportWriteError(
            "Writing an HTML report needs the Python package plotly, which is not installed.",
            f"Install it into the Azure CLI's Python: az extension add --upgrade --name batchtroubleshoot, or "
            f"'<az python> -m pip install \"{PLOTLY_REQUIREMENT}\"'. Or write a Markdown report (.md).",
        ) from exc
    script: str = get_plotlyjs()
    if "</script" in script.lower():  # never seen, but a script element must not be closed early
        script = script.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return script, str(get_plotlyjs_version())


# ---------------------------------------------------------------------------------------------------
# Page sections


def _header(report: dict[str, Any], label: str, verdict: str) -> str:
    job = report.get("job") or {}
    facts = []
    if job.get("name"):
        parent = f" (parent {_e(job['parent_name'])})" if job.get("parent_name") else ""
        facts.append(f"<div><dt>Job</dt><dd><code>{_e(job['name'])}</code>{parent}</dd></div>")
    for key, title in (("status", "Status"), ("compute", "Compute"), ("created_at", "Created"), ("ended_at", "Ended")):
        if job.get(key):
            facts.append(f"<div><dt>{title}</dt><dd>{_e(job[key])}</dd></div>")
    if job.get("studio_url") and _href(job["studio_url"]):
        facts.append(
            f"<div><dt>Studio</dt><dd>{_link(job['studio_url'], 'Open the job in Azure ML studio')}</dd></div>"
        )
    if job.get("error"):
        facts.append(f'<div class="wide"><dt>Service error</dt><dd>{_e(job["error"])}</dd></div>')
    job_html = f'<dl class="job">{"".join(facts)}</dl>' if facts else ""
    return (
        f'<header class="verdict" style="--tone:{VERDICT_COLOR.get(verdict, VERDICT_COLOR["unknown"])}" '
        f'data-verdict="{_e(verdict)}">\n'
        f'<p class="kicker">Azure ML batch job diagnosis</p>\n'
        f'<h1><span class="badge">{_e(label)}</span></h1>\n'
        f'<p class="summary">{_e(report.get("summary", ""))}</p>\n{job_html}\n</header>'
    )


def _toc(report: dict[str, Any], figures: list[dict[str, Any]], findings: list[dict[str, Any]]) -> str:
    links = []
    if report.get("root_cause"):
        links.append('<a href="#root-cause">Root cause</a>')
    links.append('<a href="#numbers">Numbers</a>')
    if figures:
        links.append(f'<a href="#charts">Charts ({len(figures)})</a>')
    links.append(f'<a href="#findings">Findings ({len(findings)})</a>')
    links.append('<a href="#sources">Sources</a>')
    return f'<nav class="toc">{" · ".join(links)}</nav>'


def _root_cause(report: dict[str, Any]) -> str:
    root = report.get("root_cause")
    if not root:
        return (
            '<section id="root-cause" class="card calm"><h2>No root cause</h2>'
            "<p>No error in the logs explains a failure. See the findings and numbers below.</p></section>"
        )
    return (
        '<section id="root-cause" class="card root">\n'
        f"<h2>Root cause: {_e(root.get('title'))}</h2>\n"
        f"{_finding_meta(root)}\n"
        f'<p class="message">{_e(root.get("message"))}</p>\n'
        f"{_evidence(root.get('evidence') or [], limit=None)}\n"
        f'<h3>Remedy</h3>\n<p class="remedy">{_e(root.get("remedy"))}</p>\n'
        f"{_docs(root)}\n</section>"
    )


def _finding_meta(finding: dict[str, Any]) -> str:
    parts = [
        f'<span class="sev sev-{_e(finding.get("severity"))}">{_e(finding.get("severity"))}</span>',
        f"<code>{_e(finding.get('rule_id'))}</code> {_e(finding.get('name'))}",
        f'<span class="cat">{_e(finding.get("category"))}</span>',
    ]
    count = finding.get("count") or 1
    if count > 1:
        parts.append(f"seen {count:,}×")
    nodes = finding.get("nodes") or []
    if nodes:
        shown = ", ".join(_e(n) for n in nodes[:8]) + (f" and {len(nodes) - 8} more" if len(nodes) > 8 else "")
        parts.append(f"node{'s' if len(nodes) > 1 else ''} {shown}")
    processes = finding.get("processes") or []
    if processes:
        parts.append(f"{len(processes)} process{'es' if len(processes) > 1 else ''}")
    if finding.get("first_seen"):
        span = _e(finding["first_seen"])
        if finding.get("last_seen") and finding["last_seen"] != finding["first_seen"]:
            span += f" → {_e(finding['last_seen'])}"
        parts.append(span)
    return f'<p class="meta">{" · ".join(parts)}</p>'


def _evidence(items: list[dict[str, Any]], limit: int | None) -> str:
    if not items:
        return ""
    shown = items if limit is None else items[:limit]
    entries = []
    for item in shown:
        where = f"{item.get('path')}:{item['line']}" if item.get("line") else str(item.get("path"))
        excerpt = item.get("excerpt") or ""
        entries.append(
            f'<li><code class="loc">{_e(where)}</code>' + (f"<pre>{_e(excerpt)}</pre>" if excerpt else "") + "</li>"
        )
    more = f'<p class="more">and {len(items) - len(shown)} more</p>' if len(items) > len(shown) else ""
    return f'<h3>Evidence</h3>\n<ol class="evidence">{"".join(entries)}</ol>{more}'


def _docs(finding: dict[str, Any]) -> str:
    if not finding.get("docs_url") or not _href(finding["docs_url"]):
        return ""
    return f'<p class="docs">{_link(finding["docs_url"], "Documentation")}</p>'


def _numbers(stats: dict[str, Any]) -> str:
    cards: list[tuple[str, str, str]] = []
    mini = stats.get("mini_batches") or {}
    if mini.get("total") is not None:
        detail = " · ".join(
            f"{_number(mini[k])} {k}"
            for k in ("succeeded", "failed", "retried", "processed")
            if mini.get(k) is not None
        )
        cards.append(("Mini-batches", _number(mini["total"]), detail))
    items = stats.get("items") or {}
    if items.get("total") is not None:
        detail = " · ".join(f"{_number(items[k])} {k}" for k in ("succeeded", "failed") if items.get(k) is not None)
        cards.append(("Items", _number(items["total"]), detail))
    if stats.get("nodes") or stats.get("processes"):
        cards.append(("Nodes / processes", f"{_number(stats.get('nodes'))} / {_number(stats.get('processes'))}", ""))
    if stats.get("duration_s") is not None or stats.get("started_at"):
        span = f"{_e(stats.get('started_at'))} → {_e(stats.get('ended_at'))}" if stats.get("started_at") else ""
        cards.append(("Duration", _e(duration(stats.get("duration_s"))), span))
    elapsed = stats.get("elapsed_s") or {}
    if elapsed:
        ratio = stats.get("process_to_elapsed_ratio")
        detail = f"p95 {_number(elapsed.get('p95'))} s · max {_number(elapsed.get('max'))} s"
        if ratio is not None:
            detail += f" · CPU/elapsed {ratio:.0%}"
        cards.append(("Median mini-batch", f"{_number(elapsed.get('median'))} s", detail))
    for scope in ("nodes", "processes"):
        skew = (stats.get("skew") or {}).get(scope) or {}
        if skew.get("max_over_median"):
            cards.append(
                (f"Skew across {scope}", f"{skew['max_over_median']}×", f"busiest {_e(skew.get('busiest'))} vs median")
            )
    restarts = stats.get("worker_restarts") or {}
    if restarts.get("total"):
        cards.append(("Worker restarts", _number(restarts["total"]), ""))
    html_cards = "".join(
        f'<div class="stat"><div class="stat-label">{title}</div><div class="stat-value">{value}</div>'
        + (f'<div class="stat-detail">{detail}</div>' if detail else "")
        + "</div>"
        for title, value, detail in cards
    )
    return (
        '<section id="numbers"><h2>Numbers</h2>'
        + (f'<div class="stats">{html_cards}</div>' if cards else "<p>The logs give no numbers.</p>")
        + _resources_table(stats.get("resources") or {})
        + _slowest(stats.get("slowest_mini_batches") or [])
        + "</section>"
    )


def _pct(value: Any) -> str:
    return "–" if value is None else f"{float(value):.0f}%"


def _resources_table(resources: dict[str, Any]) -> str:
    if not resources:
        return ""
    rows = "".join(
        f"<tr><td>{_e(node)}</td><td>{_pct(u.get('cpu_peak_percent'))} / {_pct(u.get('cpu_mean_percent'))}</td>"
        f"<td>{_pct(u.get('memory_peak_percent'))}</td><td>{_number(u.get('memory_total_mb'))}</td>"
        f"<td>{_pct(u.get('disk_peak_percent'))}</td><td>{_number(u.get('samples'))}</td></tr>"
        for node, u in sorted(resources.items(), key=lambda item: natural(item[0]))
    )
    return (
        f"<details><summary>Resource peaks per node ({len(resources)})</summary>"
        '<table class="grid"><thead><tr><th>Node</th><th>CPU peak / mean</th><th>Memory peak</th>'
        f"<th>Memory total (MB)</th><th>Disk peak</th><th>Samples</th></tr></thead><tbody>{rows}</tbody></table>"
        "</details>"
    )


def _slowest(slowest: list[dict[str, Any]]) -> str:
    if not slowest:
        return ""
    rows = "".join(
        f"<tr><td>{_e(s.get('mini_batch'))}</td><td>{_e(s.get('node') or '–')}</td><td>{_e(s.get('process') or '–')}"
        f"</td><td>{_number(s.get('elapsed_s'))}</td><td>{_e(s.get('status') or '–')}</td>"
        f"<td><code>{_e(s.get('path'))}:{_e(s.get('line'))}</code></td></tr>"
        for s in slowest
    )
    return (
        f"<details><summary>Slowest mini-batches ({len(slowest)})</summary>"
        '<table class="grid"><thead><tr><th>Mini-batch</th><th>Node</th><th>Process</th><th>Seconds</th>'
        f"<th>Status</th><th>Row</th></tr></thead><tbody>{rows}</tbody></table></details>"
    )


def _charts_section(charts: dict[str, Any] | None, figures: list[dict[str, Any]]) -> str:
    if charts is None:
        return (
            '<section id="charts"><h2>Charts</h2><p class="note">This report was written without the logs at hand, '
            "so it has no charts. <code>az ml batch-troubleshoot diagnose --report-file report.html</code> draws "
            "them.</p></section>"
        )
    notes = [f'<p class="note sampled">{_e(note)}</p>' for note in charts.get("notes") or []]
    missing = []
    if not charts.get("timeline") and not charts.get("throughput"):
        missing.append(
            "The logs have no mini-batch report (logs/sys/job_report/processed_mini-batches.csv): no timeline, "
            "throughput, duration or failure charts."
        )
    perf_nodes = (charts.get("perf") or {}).get("nodes") or []
    for key, what, source in (
        ("cpu", "CPU", "node_resource_usage.csv"),
        ("memory", "memory", "node_resource_usage.csv"),
        ("disk", "disk", "node_disk_usage.csv"),
    ):
        if perf_nodes and not any(node.get(key) for node in perf_nodes):
            missing.append(f"The resource monitor CSVs have no {what} figures ({source}): no {what} chart.")
    if not charts.get("perf"):
        missing.append(
            "The logs have no resource monitor CSVs (logs/perf/&lt;node&gt;/): no CPU, memory or disk charts."
        )
    notes += [f'<p class="note">{text}</p>' for text in missing]
    cards = []
    for figure in figures:
        cards.append(
            f'<figure class="chart-card" id="figure-{figure["id"]}">'
            f'<div class="chart" id="{figure["id"]}" data-chart-title="{_e(figure["title"])}" '
            f'style="height:{int(figure["height"])}px"></div>'
            f"<figcaption>{figure['caption']}</figcaption>"
            f'<script type="application/json" class="chart-spec" data-chart="{figure["id"]}">{figure["json"]}</script>'
            "</figure>"
        )
    return f'<section id="charts"><h2>Charts</h2>{"".join(notes)}{"".join(cards)}</section>'


def _findings(findings: list[dict[str, Any]], root: dict[str, Any] | None) -> str:
    if not findings:
        return '<section id="findings"><h2>Findings</h2><p>Nothing to report.</p></section>'
    severities = [s for s in ("error", "warning", "info") if any(f.get("severity") == s for f in findings)]
    categories = sorted({str(f.get("category")) for f in findings})
    buttons = ['<div class="filters" role="group" aria-label="Filter findings">', "<span>Severity</span>"]
    for severity in severities:
        count = sum(1 for f in findings if f.get("severity") == severity)
        buttons.append(
            f'<button type="button" class="chip sev-{severity}" data-filter="severity" data-value="{severity}" '
            f'aria-pressed="false">{severity} ({count})</button>'
        )
    buttons.append("<span>Category</span>")
    for category in categories:
        count = sum(1 for f in findings if f.get("category") == category)
        buttons.append(
            f'<button type="button" class="chip" data-filter="category" data-value="{_e(category)}" '
            f'aria-pressed="false">{_e(category)} ({count})</button>'
        )
    buttons.append('<button type="button" class="chip reset" data-filter="reset">Show all</button>')
    buttons.append(f'<span class="shown" id="findings-shown">{len(findings)} of {len(findings)} shown</span></div>')
    groups = []
    for severity in severities:
        members = [
            _finding(finding, rank, is_root=rank == 1 and root is not None)
            for rank, finding in enumerate(findings, start=1)
            if finding.get("severity") == severity
        ]
        groups.append(
            f'<div class="group" data-group="{severity}"><h3>{SEVERITY_HEADING[severity]}</h3>{"".join(members)}</div>'
        )
    return (
        f'<section id="findings"><h2>Findings ({len(findings)})</h2>{"".join(buttons)}'
        f'{"".join(groups)}<p class="empty" hidden>No finding matches the filter.</p></section>'
    )


def _finding(finding: dict[str, Any], rank: int, is_root: bool) -> str:
    evidence = finding.get("evidence") or []
    tag = ' <span class="tag">root cause</span>' if is_root else ""
    role = finding.get("role")
    remedy = "" if role in ("symptom", "noise") and finding.get("severity") == "info" else finding.get("remedy")
    proof = ""
    if evidence:
        proof = f"<details{' open' if rank <= 3 and not is_root else ''}><summary>Evidence ({len(evidence)})</summary>"
        proof += _evidence(evidence, limit=None).replace("<h3>Evidence</h3>\n", "", 1) + "</details>"
    return (
        f'<article class="finding" data-severity="{_e(finding.get("severity"))}" '
        f'data-category="{_e(finding.get("category"))}" id="finding-{rank}">'
        f'<h4><span class="rank">#{rank}</span> {_e(finding.get("title"))}{tag}</h4>'
        f"{_finding_meta(finding)}"
        f'<p class="message">{_e(finding.get("message"))}</p>'
        f"{proof}"
        + (f'<p class="remedy"><strong>Remedy:</strong> {_e(remedy)}</p>' if remedy else "")
        + _docs(finding)
        + "</article>"
    )


def _failure_reasons(charts: dict[str, Any] | None) -> str:
    failures = (charts or {}).get("failures") or {}
    reasons = failures.get("reasons") or []
    if not reasons:
        return ""
    rows = "".join(
        f"<tr><td>{_number(r.get('count'))}</td><td>{_e(r.get('status'))}</td>"
        f"<td>{_e(r.get('message')) or '–'}</td></tr>"
        for r in reasons
    )
    return (
        '<section id="failure-reasons"><h2>Why mini-batches failed</h2>'
        f"<p>{_number(failures.get('failed_attempts'))} failed attempts in the mini-batch report, by status and "
        "message (most frequent first).</p>"
        '<table class="grid"><thead><tr><th>Attempts</th><th>Status</th><th>Error message</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _sources(sources: dict[str, Any]) -> str:
    skipped = sources.get("files_skipped") or []
    size = sources.get("bytes_read") or 0
    parts = [
        f"<p>Read {_number(sources.get('files_read', 0))} files ({_e(_size(size))}) under "
        f"<code>{_e(sources.get('root', '?'))}</code>"
        + (f" · layout: {_e(sources['layout'])}" if sources.get("layout") else "")
        + ".</p>"
    ]
    if skipped:
        rows = "".join(
            f"<tr><td><code>{_e(s.get('path'))}</code></td><td>{_e(s.get('reason'))}</td></tr>" for s in skipped
        )
        parts.append(
            f"<details><summary>Skipped {len(skipped)} file{'s' if len(skipped) != 1 else ''}</summary>"
            f'<table class="grid"><thead><tr><th>Path</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table>'
            "</details>"
        )
    for error in sources.get("rule_errors") or []:
        parts.append(
            f'<p class="warn">Rule {_e(error.get("rule_id"))} failed and was skipped: {_e(error.get("error"))}</p>'
        )
    return f'<section id="sources"><h2>Sources</h2>{"".join(parts)}</section>'


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _footer(report: dict[str, Any], plotly_version: str | None) -> str:
    charts = (
        f" Charts drawn by plotly.js {_e(plotly_version)}, inlined: the page works offline." if plotly_version else ""
    )
    return (
        f"<footer>Generated by <code>az ml batch-troubleshoot diagnose</code> · report schema "
        f"{_e(report.get('schema_version', '1'))}.{charts} For scripts: <code>-o json</code>.</footer>"
    )


# ---------------------------------------------------------------------------------------------------
# Figures


def _figures(charts: dict[str, Any]) -> list[dict[str, Any]]:
    """Each chart as ``{id, title, caption, height, json}``; the JSON is plotly's, safe inside a script element."""
    try:
        import plotly.graph_objects as go
        import plotly.io as pio
    except ImportError:
        _plotly_js()  # raises the error that says how to install plotly
        raise
    clean = _redact_all(charts)
    builders = (
        _timeline_figure,
        _throughput_figure,
        _durations_figure,
        _skew_figure,
        _cpu_figure,
        _memory_figure,
        _disk_figure,
        _failures_figure,
    )
    figures: list[dict[str, Any]] = []
    for builder in builders:
        for spec in builder(go, clean):
            figure = spec.pop("figure")
            figure.update_layout(template=_template(go), height=spec["height"])
            spec["json"] = pio.to_json(figure, validate=True, remove_uids=True)
            figures.append(spec)
    return figures


def _redact_all(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_all(item) for item in value]
    return value


def _template(go: Any) -> Any:
    axis = {"gridcolor": "#e8e8e8", "zerolinecolor": "#cfcfcf", "linecolor": "#9e9e9e", "automargin": True}
    return go.layout.Template(
        layout={
            "font": {"family": _FONT, "size": 12, "color": "#263238"},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "colorway": PALETTE,
            "xaxis": axis,
            "yaxis": axis,
            "margin": {"l": 60, "r": 24, "t": 56, "b": 48},
            "hoverlabel": {"align": "left"},
            "title": {"x": 0, "xanchor": "left", "font": {"size": 15}},
        }
    )


def _spec(ident: str, title: str, caption: str, figure: Any, height: int) -> dict[str, Any]:
    figure.update_layout(title={"text": html.escape(title)})
    return {"id": ident, "title": title, "caption": caption, "figure": figure, "height": height}


def _lane_height(lanes: int) -> int:
    return max(280, min(1600, 110 + 18 * lanes))


def _timeline_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    timeline = charts.get("timeline")
    if not timeline:
        return []
    lanes = timeline["lanes"]
    figure = go.Figure()
    if timeline["mode"] == "bars":
        for state in ("succeeded", "timed out", "failed"):
            for retry in (False, True):
                picks = [
                    i
                    for i, (o, r) in enumerate(zip(timeline["outcome"], timeline["retry"]))
                    if o == state and r == retry
                ]
                if not picks:
                    continue
                figure.add_trace(
                    go.Bar(
                        orientation="h",
                        name=f"{state} (retry)" if retry else state,
                        y=[timeline["lane"][i] for i in picks],
                        x=[timeline["duration_ms"][i] for i in picks],
                        base=[timeline["start"][i] for i in picks],
                        customdata=[[timeline["text"][i], timeline["start"][i], timeline["end"][i]] for i in picks],
                        hovertemplate="%{y}<br>%{customdata[0]}<br>%{customdata[1]} → %{customdata[2]}<extra></extra>",
                        marker={
                            "color": COLORS[state],
                            "line": {"width": 1.2 if retry else 0, "color": COLORS["retry"]},
                            "pattern": {
                                "shape": "/" if retry else "",
                                "fgcolor": "white",
                                "fillmode": "overlay",
                                "size": 6,
                            },
                        },
                        opacity=0.85,
                    )
                )
        figure.update_layout(barmode="overlay", bargap=0.25)
        caption = (
            f"Each bar is one attempt of a mini-batch ({_number(timeline['attempts'])} attempts), from its start to "
            "its end, on the process that ran it. Hatched bars with a purple edge are retries."
        )
    else:
        share = [
            [None if n == 0 else round(f / n, 3) for n, f in zip(counts, failed)]
            for counts, failed in zip(timeline["counts"], timeline["failed"])
        ]
        custom = [
            [[n, f, r, b] for n, f, r, b in zip(counts, failed, retried, busy)]
            for counts, failed, retried, busy in zip(
                timeline["counts"], timeline["failed"], timeline["retried"], timeline["busy_s"]
            )
        ]
        figure.add_trace(
            go.Heatmap(
                x=timeline["times"],
                y=lanes,
                z=share,
                customdata=custom,
                zmin=0,
                zmax=1,
                colorscale=[[0, COLORS["succeeded"]], [0.5, "#fbc02d"], [1, COLORS["failed"]]],
                colorbar={"title": {"text": "failed share"}, "tickformat": ".0%"},
                hoverongaps=False,
                xgap=1,
                ygap=1,
                name="attempts",
                hovertemplate=(
                    "%{y} · %{x}<br>%{customdata[0]} attempts started · %{customdata[1]} failed · "
                    "%{customdata[2]} retries<br>%{customdata[3]} s busy<extra></extra>"
                ),
            )
        )
        retry_x, retry_y, retry_n = [], [], []
        for lane, row in zip(lanes, timeline["retried"]):
            for time, count in zip(timeline["times"], row):
                if count:
                    retry_x.append(time)
                    retry_y.append(lane)
                    retry_n.append(count)
        if retry_x:
            figure.add_trace(
                go.Scatter(
                    x=retry_x,
                    y=retry_y,
                    mode="markers",
                    name="retries in the bucket",
                    customdata=retry_n,
                    marker={"symbol": "circle-open", "size": 6, "color": COLORS["retry"]},
                    hovertemplate="%{y} · %{x}<br>%{customdata} retries<extra></extra>",
                )
            )
        bucket = int(timeline["bucket_s"])
        caption = (
            f"{_number(timeline['attempts'])} attempts are too many to draw one by one: each cell counts the attempts "
            f"that started on that process within {bucket:,} seconds, coloured from all succeeded (green) to all "
            "failed (red). Purple circles mark cells with retries. Hover a cell for its numbers."
        )
    figure.update_layout(
        xaxis={"type": "date", "title": {"text": "time (UTC)"}},
        yaxis={
            "title": {"text": "node/process" if any("/" in lane for lane in lanes) else "process"},
            "categoryorder": "array",
            "categoryarray": lanes,
            "autorange": "reversed",
        },
    )
    return [_spec("chart-timeline", "Mini-batch timeline", caption, figure, _lane_height(len(lanes)))]


def _throughput_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    data = charts.get("throughput")
    if not data:
        return []
    step = int(data["bucket_minutes"])
    per = "minute" if step == 1 else f"{step} minutes"
    figure = go.Figure()
    figure.add_trace(
        go.Bar(x=data["times"], y=data["succeeded"], name="succeeded", marker={"color": COLORS["succeeded"]})
    )
    figure.add_trace(go.Bar(x=data["times"], y=data["failed"], name="failed", marker={"color": COLORS["failed"]}))
    figure.update_layout(
        barmode="stack",
        bargap=0.05,
        xaxis={"type": "date", "title": {"text": "time (UTC)"}},
        yaxis={"title": {"text": f"attempts finished per {per}"}},
        hovermode="x unified",
    )
    failed = sum(data["failed"])
    caption = (
        f"Attempts of mini-batches that finished in each {per}: {_number(data['total'])} in all, "
        f"{_number(failed)} failed (red). Gaps are minutes where nothing finished; peak "
        f"{_number(data['peak_per_minute'])} per minute."
    )
    return [_spec("chart-throughput", "Throughput", caption, figure, 360)]


def _durations_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    data = charts.get("durations") or {}
    boxes = data.get("boxes") or []
    if not boxes:
        return []
    scope = data.get("scope", "node")
    names = [b["name"] for b in boxes]
    figure = go.Figure()
    figure.add_trace(
        go.Box(
            x=names,
            q1=[b["q1"] for b in boxes],
            median=[b["median"] for b in boxes],
            q3=[b["q3"] for b in boxes],
            lowerfence=[b["min"] for b in boxes],
            upperfence=[b["max"] for b in boxes],
            mean=[b["mean"] for b in boxes],
            name="seconds per attempt",
            marker={"color": "#1565c0"},
            boxpoints=False,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=names,
            y=[b["p95"] for b in boxes],
            mode="markers",
            name="95th percentile",
            marker={"symbol": "line-ew-open", "size": 14, "color": "#d81b60"},
            customdata=[b["count"] for b in boxes],
            hovertemplate="%{x}: p95 %{y} s over %{customdata} attempts<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": {"text": scope}, "type": "category"},
        yaxis={"title": {"text": "seconds per attempt"}},
        showlegend=True,
    )
    caption = (
        f"How long attempts took on each {scope}: box from the first to the third quartile, line at the median, "
        "dashed line at the mean, whiskers to the shortest and longest; pink marks the 95th percentile."
    )
    return [_spec("chart-durations", f"Mini-batch duration per {scope}", caption, figure, 380)]


def _skew_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    data = (charts.get("durations") or {}).get("skew")
    scope = (charts.get("durations") or {}).get("scope", "node")
    if not data or len(data["groups"]) < 2:
        return []
    skewed = (data.get("max_over_median") or 0) >= SKEW_HIGHLIGHT
    colors = ["#c62828" if skewed and name == data["busiest"] else "#78909c" for name in data["groups"]]
    figure = go.Figure(
        go.Bar(
            x=data["groups"],
            y=data["busy_s"],
            customdata=data["attempts"],
            marker={"color": colors},
            name="busy seconds",
            hovertemplate="%{x}: %{y:,.0f} s busy over %{customdata} attempts<extra></extra>",
        )
    )
    figure.add_hline(
        y=data["median_busy_s"],
        line={"dash": "dash", "color": "#263238"},
        annotation_text=f"median {data['median_busy_s']:,.0f} s",
        annotation_position="top left",
    )
    figure.update_layout(
        xaxis={"title": {"text": scope}, "type": "category"},
        yaxis={"title": {"text": "busy seconds (sum of attempt durations)"}},
    )
    ratio = data.get("max_over_median")
    caption = (
        f"Time each {scope} spent running mini-batches. The busiest, {html.escape(str(data['busiest']))}, "
        + (f"worked {ratio}× the median" if ratio else "is the tallest")
        + (" (in red)." if skewed else ".")
        + " Even bars mean the work was spread well."
    )
    return [_spec("chart-skew", f"Busy time per {scope} (skew)", caption, figure, 340)]


def _perf_nodes(charts: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [node for node in ((charts.get("perf") or {}).get("nodes") or []) if node.get(key)]


def _node_label(name: str) -> str:
    """Nodes named by index (``11``) read better as ``node 11`` in a legend."""
    return f"node {name}" if name.isdigit() else name


def _peak_node(nodes: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return max(nodes, key=lambda node: max(node[key]["v"]))


def _emphasis(top: bool, count: int) -> dict[str, Any]:
    """With many nodes, the one closest to its limit stands out and the others step back."""
    if count <= 4:
        return {"line": {"width": 1.6}}
    return {"line": {"width": 2.6}} if top else {"line": {"width": 1.1}, "opacity": 0.55}


def _limit_line(figure: Any, value: float, text: str) -> None:
    figure.add_hline(
        y=value,
        line={"dash": "dash", "color": COLORS["failed"], "width": 1.5},
        annotation_text=text,
        annotation_position="top left",
        annotation_font={"color": COLORS["failed"]},
    )


def _percent_figure(go: Any, charts: dict[str, Any], key: str, what: str) -> list[dict[str, Any]]:
    nodes = _perf_nodes(charts, key)
    if not nodes:
        return []
    figure = go.Figure()
    top = _peak_node(nodes, key)
    for node in nodes:
        figure.add_trace(
            go.Scatter(
                x=node[key]["t"],
                y=node[key]["v"],
                mode="lines",
                name=_node_label(node["node"]),
                hovertemplate=f"{html.escape(_node_label(node['node']))} · %{{x}}<br>%{{y:.1f}}%<extra></extra>",
                **_emphasis(node is top, len(nodes)),
            )
        )
    _limit_line(figure, 100, "limit 100%")
    figure.update_layout(
        xaxis={"type": "date", "title": {"text": "time (UTC)"}},
        yaxis={"title": {"text": f"{what} %"}, "range": [0, 105]},
    )
    stride = max(node[key]["stride"] for node in nodes)
    thinned = f" One sample in {stride} is drawn." if stride > 1 else ""
    caption = (
        f"{what[:1].upper()}{what[1:]} used on each node, from the resource monitor CSVs; dashed red: the limit. "
        f"Highest: {html.escape(_node_label(top['node']))} at {max(top[key]['v']):.0f}%.{thinned}"
    )
    return [_spec(f"chart-{key}", f"{what[:1].upper()}{what[1:]} per node", caption, figure, 340)]


def _cpu_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    return _percent_figure(go, charts, "cpu", "CPU")


def _disk_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    return _percent_figure(go, charts, "disk", "disk")


def _memory_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = _perf_nodes(charts, "memory")
    if not nodes:
        return []
    if not all(node.get("memory_total_mb") for node in nodes):
        return _percent_figure(go, charts, "memory", "memory")
    figure = go.Figure()
    top = _peak_node(nodes, "memory")
    for node in nodes:
        total = float(node["memory_total_mb"])
        label = html.escape(_node_label(node["node"]))
        figure.add_trace(
            go.Scatter(
                x=node["memory"]["t"],
                y=[round(v * total / 100) for v in node["memory"]["v"]],
                customdata=node["memory"]["v"],
                mode="lines",
                name=_node_label(node["node"]),
                hovertemplate=f"{label} · %{{x}}<br>%{{y:,.0f}} MB (%{{customdata:.1f}}%)<extra></extra>",
                **_emphasis(node is top, len(nodes)),
            )
        )
    totals = sorted({float(node["memory_total_mb"]) for node in nodes})
    for total in totals:
        _limit_line(figure, total, f"node memory {total:,.0f} MB")
    figure.update_layout(
        xaxis={"type": "date", "title": {"text": "time (UTC)"}},
        yaxis={"title": {"text": "memory used (MB)"}, "range": [0, max(totals) * 1.08]},
    )
    stride = max(node["memory"]["stride"] for node in nodes)
    thinned = f" One sample in {stride} is drawn." if stride > 1 else ""
    caption = (
        "Memory used on each node, from the resource monitor CSVs; dashed red: the node's memory, the limit where "
        f"processes start to be killed. Highest: {html.escape(_node_label(top['node']))} at "
        f"{max(top['memory']['v']):.0f}%.{thinned}"
    )
    return [_spec("chart-memory", "Memory per node", caption, figure, 340)]


def _failures_figure(go: Any, charts: dict[str, Any]) -> list[dict[str, Any]]:
    data = charts.get("failures") or {}
    specs: list[dict[str, Any]] = []
    for key, scope in (("by_node", "node"), ("by_process", "process")):
        groups = data.get(key)
        if not groups or not any(groups["failed"]):
            continue
        ok = [total - bad for total, bad in zip(groups["attempts"], groups["failed"])]
        figure = go.Figure()
        figure.add_trace(go.Bar(x=groups["names"], y=ok, name="succeeded", marker={"color": "#a5d6a7"}))
        figure.add_trace(
            go.Bar(x=groups["names"], y=groups["failed"], name="failed", marker={"color": COLORS["failed"]})
        )
        figure.update_layout(
            barmode="stack",
            xaxis={"title": {"text": scope}, "type": "category"},
            yaxis={"title": {"text": "attempts"}},
            hovermode="x unified",
        )
        worst = max(range(len(groups["names"])), key=lambda i: groups["failed"][i])
        caption = (
            f"Attempts per {scope}, failed ones in red: {_number(sum(groups['failed']))} failed in all, most on "
            f"{html.escape(str(groups['names'][worst]))} ({_number(groups['failed'][worst])}). Failures on one "
            f"{scope} only point at that {scope}; failures everywhere point at the script or the data."
        )
        specs.append(_spec(f"chart-failures-{scope}", f"Failures by {scope}", caption, figure, 340))
    return specs


# ---------------------------------------------------------------------------------------------------
# Static assets (inline: the page must load nothing)

_CSS = """
:root { --fg:#1f2933; --muted:#5f6b76; --line:#e3e7eb; --bg:#f6f8fa; --card:#fff;
  --error:#c62828; --warning:#ef6c00; --info:#546e7a; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:var(--fg); background:var(--bg); }
code, pre { font-family: ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace; font-size:12.5px; }
header.verdict { background:var(--tone); color:#fff; padding:20px 32px 18px; }
header .kicker { margin:0; opacity:.85; text-transform:uppercase; letter-spacing:.08em; font-size:12px; }
header h1 { margin:4px 0 6px; font-size:28px; }
header .summary { font-size:17px; margin:0 0 10px; max-width:1100px; }
header dl.job { display:flex; flex-wrap:wrap; gap:6px 28px; margin:0; }
header dl.job div { display:flex; gap:6px; } header dl.job .wide { flex-basis:100%; }
header dt { opacity:.8; } header dd { margin:0; } header a { color:#fff; }
header code { background:rgba(255,255,255,.18); padding:1px 5px; border-radius:4px; }
main { max-width:1400px; margin:0 auto; padding:8px 32px 32px; }
nav.toc { margin:10px 0 4px; color:var(--muted); } nav.toc a { color:#1565c0; }
section { margin:18px 0; }
h2 { font-size:19px; margin:20px 0 10px; border-bottom:1px solid var(--line); padding-bottom:4px; }
h3 { font-size:14px; margin:12px 0 6px; } h4 { margin:0 0 4px; font-size:15px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 20px; }
.card.root { border-left:6px solid var(--error); } .card.calm { border-left:6px solid #2e7d32; }
.card h2 { border:0; margin-top:4px; }
.meta { color:var(--muted); margin:2px 0 8px; }
.sev { display:inline-block; padding:0 7px; border-radius:10px; color:#fff; font-size:12px; }
.sev-error { background:var(--error); } .sev-warning { background:var(--warning); }
.sev-info { background:var(--info); }
.cat { border:1px solid var(--line); border-radius:10px; padding:0 7px; font-size:12px; }
.message { font-size:15px; margin:6px 0; }
ol.evidence { padding-left:20px; margin:4px 0; } ol.evidence li { margin:4px 0; }
code.loc { color:#0d47a1; }
pre { background:#0f1720; color:#e6edf3; padding:8px 10px; border-radius:6px; overflow-x:auto; margin:4px 0;
  white-space:pre-wrap; word-break:break-word; }
.remedy { background:#e8f5e9; border-radius:6px; padding:8px 10px; }
.stats { display:grid; grid-template-columns:repeat(auto-fill,minmax(210px,1fr)); gap:10px; }
.stat { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.stat-label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.stat-value { font-size:22px; font-weight:600; } .stat-detail { color:var(--muted); font-size:12.5px; }
details { margin:8px 0; } summary { cursor:pointer; color:#1565c0; }
table.grid { border-collapse:collapse; margin:6px 0; background:var(--card); width:100%; }
table.grid th, table.grid td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
table.grid th { background:#eef2f5; }
.chart-card { background:var(--card); border:1px solid var(--line); border-radius:8px; margin:0 0 14px;
  padding:6px 10px; }
.chart { width:100%; } figcaption { color:var(--muted); font-size:12.5px; padding:2px 6px 6px; }
.chart .chart-error { color:var(--error); padding:20px; }
.note { background:#fff8e1; border:1px solid #ffe082; border-radius:6px; padding:6px 10px; }
.filters { display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin:6px 0 10px; }
.filters > span { color:var(--muted); margin-left:6px; }
.chip { border:1px solid #b0bec5; background:#fff; border-radius:14px; padding:2px 10px; cursor:pointer; font:inherit; }
.chip[aria-pressed="true"] { background:#1565c0; color:#fff; border-color:#1565c0; }
.chip.reset { border-style:dashed; } .filters .shown { margin-left:auto; }
.group h3 { margin-top:14px; }
article.finding { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 16px;
  margin:8px 0; }
article.finding[data-severity="error"] { border-left:5px solid var(--error); }
article.finding[data-severity="warning"] { border-left:5px solid var(--warning); }
article.finding[data-severity="info"] { border-left:5px solid var(--info); }
.rank { color:var(--muted); font-weight:400; } .tag { background:var(--error); color:#fff; border-radius:4px;
  padding:0 6px; font-size:11px; vertical-align:middle; }
.warn { color:var(--warning); }
footer { color:var(--muted); text-align:center; padding:18px; font-size:12.5px; }
@media print { .filters, nav.toc { display:none; } details { display:block; } }
"""

_PAGE_JS = (
    """
(function () {
  "use strict";
  var config = """
    + json.dumps(PLOT_CONFIG)
    + """;
  // Findings: filter by severity and category (an empty choice means all).
  var chosen = { severity: {}, category: {} };
  function applyFilters() {
    var items = document.querySelectorAll("article.finding"), shown = 0;
    var any = function (set) { return Object.keys(set).length > 0; };
    items.forEach(function (item) {
      var ok = (!any(chosen.severity) || chosen.severity[item.dataset.severity]) &&
               (!any(chosen.category) || chosen.category[item.dataset.category]);
      item.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.querySelectorAll(".group").forEach(function (group) {
      group.hidden = !group.querySelector("article.finding:not([hidden])");
    });
    var counter = document.getElementById("findings-shown");
    if (counter) { counter.textContent = shown + " of " + items.length + " shown"; }
    var empty = document.querySelector("#findings .empty");
    if (empty) { empty.hidden = shown > 0; }
  }
  document.querySelectorAll("button[data-filter]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.dataset.filter;
      if (kind === "reset") {
        chosen = { severity: {}, category: {} };
        document.querySelectorAll("button[data-filter]").forEach(function (b) {
          b.setAttribute("aria-pressed", "false");
        });
      } else {
        var on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        if (on) { chosen[kind][button.dataset.value] = true; } else { delete chosen[kind][button.dataset.value]; }
      }
      applyFilters();
    });
  });
  // Charts: each figure's JSON sits next to its div.  One at a time, so the text shows first.
  var queue = Array.prototype.slice.call(document.querySelectorAll("script.chart-spec"));
  var total = queue.length, failed = 0;
  function broken(spec, target, error) {
    failed += 1;
    target.innerHTML = '<p class="chart-error">This chart could not be drawn.</p>';
    console.error("chart " + spec.dataset.chart + ": " + error);
  }
  function drawNext() {
    var spec = queue.shift();
    if (!spec) {
      document.body.setAttribute("data-charts-rendered", String(total - failed));
      document.body.setAttribute("data-charts-failed", String(failed));
      return;
    }
    var target = document.getElementById(spec.dataset.chart);
    try {
      if (typeof Plotly === "undefined") { throw new Error("plotly.js is missing from the page"); }
      var figure = JSON.parse(spec.textContent);
      Plotly.newPlot(target, figure.data, figure.layout, config).then(function () {
        target.setAttribute("data-rendered", String(Math.round(performance.now())));
      }, function (error) { broken(spec, target, error); }).then(function () { setTimeout(drawNext, 0); });
    } catch (error) {
      broken(spec, target, error);
      setTimeout(drawNext, 0);
    }
  }
  setTimeout(drawNext, 0);
})();
"""
)
