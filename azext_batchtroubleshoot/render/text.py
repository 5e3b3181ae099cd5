"""The report for a person in a terminal: verdict first, then the root cause with its proof and remedy."""

from __future__ import annotations

from typing import Any

from ..logs.redact import redact

_COLORS = {"red": "31", "yellow": "33", "green": "32", "cyan": "36", "bold": "1", "dim": "2", "magenta": "35"}
VERDICT_STYLE = {
    "failed": ("✗ FAILED", "red"),
    "partial": ("◐ PARTIAL", "yellow"),
    "stalled": ("⏸ STALLED", "yellow"),
    "running": ("▶ RUNNING", "cyan"),
    "healthy": ("✓ HEALTHY", "green"),
    "unknown": ("? UNKNOWN", "magenta"),
}
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}
SEVERITY_HEADING = {"error": "Errors", "warning": "Warnings", "info": "Information and known noise"}


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *names: str) -> str:
        if not self.color or not names:
            return text
        codes = ";".join(_COLORS[name] for name in names)
        return f"\x1b[{codes}m{text}\x1b[0m"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = round(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"


def render_text(report: dict[str, Any], color: bool = False, width: int = 100) -> str:
    style = Style(color)
    lines: list[str] = []
    label, tone = VERDICT_STYLE.get(report.get("verdict", "unknown"), VERDICT_STYLE["unknown"])
    lines.append(f"{style(label, 'bold', tone)}  {report.get('summary', '')}")
    lines.extend(_job_lines(report.get("job") or {}, style))
    root = report.get("root_cause")
    findings = report.get("findings") or []
    if root:
        lines.append("")
        lines.extend(_root_cause(root, style))
    others = findings[1:] if root else findings
    if others:
        lines.append("")
        lines.append(style("OTHER FINDINGS" if root else "FINDINGS", "bold"))
        lines.extend(_grouped(others, style))
    lines.append("")
    lines.extend(_numbers(report.get("stats") or {}, style))
    lines.append("")
    lines.extend(_sources(report.get("sources") or {}, style))
    return redact("\n".join(lines)) + "\n"


def _job_lines(job: dict[str, Any], style: Style) -> list[str]:
    lines: list[str] = []
    if job.get("name"):
        parent = f" (parent {job['parent_name']})" if job.get("parent_name") else ""
        status = f" · {job['status']}" if job.get("status") else ""
        compute = f" · compute {job['compute']}" if job.get("compute") else ""
        lines.append(f"{style('Job', 'bold')}     {job['name']}{parent}{status}{compute}")
    if job.get("error"):
        lines.append(f"{style('Service', 'bold')} {_one_line(job['error'], 200)}")
    if job.get("studio_url"):
        lines.append(f"{style('Studio', 'bold')}  {job['studio_url']}")
    return lines


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _root_cause(finding: dict[str, Any], style: Style) -> list[str]:
    lines = [
        style("ROOT CAUSE", "bold", "red")
        + style(f"  [{finding['rule_id']} {finding['name']} · {finding['category']}]", "dim"),
        f"  {finding['message']}",
    ]
    if finding.get("evidence"):
        lines.append(style("  Evidence", "bold"))
        for item in finding["evidence"]:
            lines.append(f"    {style(_location(item), 'cyan')}  {_one_line(item.get('excerpt', ''), 160)}")
    lines.append(f"  {style('Remedy', 'bold')}  {finding['remedy']}")
    if finding.get("docs_url"):
        lines.append(f"  {style('Docs', 'bold')}    {finding['docs_url']}")
    seen = _seen(finding)
    if seen:
        lines.append(style(f"  {seen}", "dim"))
    return lines


def _location(evidence: dict[str, Any]) -> str:
    line = evidence.get("line")
    return f"{evidence['path']}:{line}" if line else str(evidence["path"])


def _seen(finding: dict[str, Any]) -> str:
    parts = []
    count = finding.get("count") or 1
    if count > 1:
        parts.append(f"seen {count} times")
    nodes = finding.get("nodes") or []
    if nodes:
        shown = ", ".join(nodes[:6]) + (f" and {len(nodes) - 6} more" if len(nodes) > 6 else "")
        parts.append(f"node{'s' if len(nodes) > 1 else ''} {shown}")
    if finding.get("first_seen"):
        span = finding["first_seen"]
        if finding.get("last_seen") and finding["last_seen"] != span:
            span += f" → {finding['last_seen']}"
        parts.append(span)
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def _grouped(findings: list[dict[str, Any]], style: Style) -> list[str]:
    lines: list[str] = []
    for severity in ("error", "warning", "info"):
        members = [f for f in findings if f.get("severity") == severity]
        if not members:
            continue
        lines.append(f"  {style(SEVERITY_HEADING[severity], 'bold', SEVERITY_STYLE[severity])}")
        for finding in members:
            count = f" ×{finding['count']}" if finding.get("count", 1) > 1 else ""
            lines.append(f"    {style(finding['rule_id'], SEVERITY_STYLE[severity])} {finding['message']}{count}")
            if finding.get("evidence"):
                lines.append(style(f"          at {_location(finding['evidence'][0])}", "dim"))
            if severity != "info" and finding.get("role") != "symptom":
                lines.append(style(f"          → {finding['remedy']}", "dim"))
    return lines


def _numbers(stats: dict[str, Any], style: Style) -> list[str]:
    lines = [style("NUMBERS", "bold")]
    mini = stats.get("mini_batches") or {}
    if mini.get("total") is not None:
        parts = [f"{mini['total']} total"]
        parts += [f"{mini[k]} {k}" for k in ("succeeded", "failed", "retried") if mini.get(k) is not None]
        if mini.get("processed") is not None and mini.get("succeeded") is None:
            parts.append(f"{mini['processed']} processed")
        lines.append(f"  Mini-batches  {' · '.join(parts)}")
    items = stats.get("items") or {}
    if items.get("total") is not None:
        parts = [f"{items['total']} total"] + [
            f"{items[k]} {k}" for k in ("succeeded", "failed") if items.get(k) is not None
        ]
        lines.append(f"  Items         {' · '.join(parts)}")
    where = []
    if stats.get("nodes"):
        where.append(f"{stats['nodes']} node{'s' if stats['nodes'] != 1 else ''}")
    if stats.get("processes"):
        where.append(f"{stats['processes']} processes")
    if stats.get("started_at"):
        where.append(f"{stats['started_at']} → {stats.get('ended_at') or '?'} ({duration(stats.get('duration_s'))})")
    if where:
        lines.append(f"  Job           {' · '.join(where)}")
    lines.extend(_timing_lines(stats))
    lines.extend(_resource_lines(stats.get("resources") or {}))
    return lines


def _timing_lines(stats: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    elapsed = stats.get("elapsed_s")
    if elapsed:
        ratio = stats.get("process_to_elapsed_ratio")
        cpu = f" · CPU/elapsed {ratio:.0%}" if ratio is not None else ""
        lines.append(f"  Mini-batch s  median {elapsed['median']} · p95 {elapsed['p95']} · max {elapsed['max']}{cpu}")
    slowest = stats.get("slowest_mini_batches") or []
    if slowest:
        shown = ", ".join(
            f"#{s['mini_batch']} {s['elapsed_s']}s ({s.get('node') or s.get('process') or '?'})" for s in slowest[:3]
        )
        lines.append(f"  Slowest       {shown}")
    for scope in ("nodes", "processes"):
        skew = (stats.get("skew") or {}).get(scope)
        if skew and skew.get("max_over_median"):
            lines.append(
                f"  Skew {scope:<9}busiest {skew['busiest']} at {skew['max_over_median']}× the median busy time"
            )
    restarts = stats.get("worker_restarts") or {}
    if restarts.get("total"):
        by_node = ", ".join(f"{node}: {count}" for node, count in (restarts.get("by_node") or {}).items())
        lines.append(f"  Restarts      {restarts['total']} worker restarts ({by_node})")
    return lines


def _resource_lines(resources: dict[str, Any]) -> list[str]:
    if not resources:
        return []
    lines = ["  Resources     node         CPU peak/mean   memory peak   disk peak"]
    for node, usage in list(resources.items())[:20]:
        cpu = _pct(usage.get("cpu_peak_percent")) + "/" + _pct(usage.get("cpu_mean_percent"))
        lines.append(
            f"                {node:<12} {cpu:<15} {_pct(usage.get('memory_peak_percent')):<13} "
            f"{_pct(usage.get('disk_peak_percent'))}"
        )
    if len(resources) > 20:
        lines.append(f"                … and {len(resources) - 20} more nodes (see -o json)")
    return lines


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _sources(sources: dict[str, Any], style: Style) -> list[str]:
    skipped = sources.get("files_skipped") or []
    size = sources.get("bytes_read") or 0
    text = f"Read {sources.get('files_read', 0)} files ({_size(size)}) under {sources.get('root', '?')}"
    if skipped:
        text += f"; skipped {len(skipped)} (see -o json: sources.files_skipped)"
    lines = [style(text + ".", "dim")]
    for error in sources.get("rule_errors") or []:
        lines.append(style(f"Rule {error['rule_id']} failed and was skipped: {error['error']}", "yellow"))
    lines.append(style("For scripts: -o json (schema version 1), -o table, or --query.", "dim"))
    return lines


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
