"""A Markdown report to paste into a support ticket or a GitHub issue.

What a reader needs first is on top and short: the verdict, the summary, the root cause with its evidence in a code
block and the remedy.  Then one table row per finding and the job's numbers.  The long parts (every finding's
evidence and remedy, resource peaks per node, skipped files) are folded in ``<details>`` blocks, which GitHub and
Azure DevOps render collapsed and plain-text readers still read.  Text from the logs is redacted and escaped so that
it cannot turn into Markdown or HTML.
"""

from __future__ import annotations

import re
from typing import Any

from ..logs.redact import redact
from .text import VERDICT_STYLE, duration

SEVERITY_HEADING = {"error": "Errors", "warning": "Warnings", "info": "Information and known noise"}
RESOURCE_ROWS = 64
# Characters that would start emphasis, code, HTML or a link; underscores only at a word's edge (``__init__``),
# so that snake_case names stay readable in plain text.
_SPECIAL = re.compile(r"([\\`*<>\[\]]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def _text(value: Any) -> str:
    """Prose from the logs: one line, Markdown and HTML characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value if value is not None else "").split()))


def _cell(value: Any) -> str:
    return _text(value).replace("|", "\\|")


def _code_span(value: Any) -> str:
    text = " ".join(str(value if value is not None else "").split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _code_block(text: str, language: str = "text") -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "?" if value is None else str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return _text(value)


def natural(text: Any) -> list[Any]:
    """Sort key: node ``10`` after node ``9``."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", str(text)) if part]


def _location(evidence: dict[str, Any]) -> str:
    line = evidence.get("line")
    return f"{evidence.get('path')}:{line}" if line else str(evidence.get("path"))


def render_markdown(report: dict[str, Any]) -> str:
    label, _ = VERDICT_STYLE.get(report.get("verdict", "unknown"), VERDICT_STYLE["unknown"])
    lines = [f"## Batch job diagnosis: {label}", "", f"**{_text(report.get('summary', ''))}**", ""]
    lines += _job(report.get("job") or {})
    root = report.get("root_cause")
    if root:
        lines += _root(root)
    findings = report.get("findings") or []
    lines += _findings(findings, root is not None)
    lines += _stats(report.get("stats") or {})
    lines += _sources(report.get("sources") or {}, report)
    return redact("\n".join(lines)).rstrip("\n") + "\n"


def _job(job: dict[str, Any]) -> list[str]:
    rows = []
    if job.get("name"):
        parent = f" (parent {_code_span(job['parent_name'])})" if job.get("parent_name") else ""
        rows.append(f"| Job | {_code_span(job['name'])}{parent} |")
    for key, title in (("status", "Status"), ("compute", "Compute"), ("created_at", "Created"), ("ended_at", "Ended")):
        if job.get(key):
            rows.append(f"| {title} | {_cell(job[key])} |")
    if job.get("studio_url"):
        rows.append(f"| Studio | <{str(job['studio_url']).strip()}> |")
    if job.get("error"):
        rows.append(f"| Service error | {_cell(job['error'])} |")
    if not rows:
        return []
    return ["| | |", "|---|---|", *rows, ""]


def _seen(finding: dict[str, Any]) -> str:
    parts = [_code_span(finding.get("rule_id")), _text(finding.get("name")), f"**{_text(finding.get('category'))}**"]
    parts.append(_text(finding.get("severity")))
    count = finding.get("count") or 1
    if count > 1:
        parts.append(f"seen {count:,}×")
    nodes = finding.get("nodes") or []
    if nodes:
        shown = ", ".join(_text(n) for n in nodes[:8]) + (f" and {len(nodes) - 8} more" if len(nodes) > 8 else "")
        parts.append(f"node{'s' if len(nodes) > 1 else ''} {shown}")
    processes = finding.get("processes") or []
    if processes:
        parts.append(f"{len(processes)} process{'es' if len(processes) > 1 else ''}")
    if finding.get("first_seen"):
        span = _text(finding["first_seen"])
        if finding.get("last_seen") and finding["last_seen"] != finding["first_seen"]:
            span += f" → {_text(finding['last_seen'])}"
        parts.append(span)
    return " · ".join(parts)


def _evidence_block(evidence: list[dict[str, Any]]) -> list[str]:
    if not evidence:
        return []
    proof = "\n".join(
        f"{_location(item)}\n    {item.get('excerpt', '')}" if item.get("excerpt") else _location(item)
        for item in evidence
    )
    return [_code_block(proof), ""]


def _root(root: dict[str, Any]) -> list[str]:
    lines = [f"### Root cause: {_text(root.get('title'))}", "", _seen(root), "", _text(root.get("message")), ""]
    if root.get("evidence"):
        lines += ["**Evidence**", "", *_evidence_block(root["evidence"])]
    lines += [f"**Remedy:** {_text(root.get('remedy'))}", ""]
    if root.get("docs_url"):
        lines += [f"**Docs:** <{str(root['docs_url']).strip()}>", ""]
    return lines


def _findings(findings: list[dict[str, Any]], has_root: bool) -> list[str]:
    if not findings:
        return ["### Findings", "", "Nothing to report.", ""]
    lines = [
        f"### Findings ({len(findings)})",
        "",
        "| # | Severity | Rule | Category | Count | Finding | Where |",
        "|--:|---|---|---|--:|---|---|",
    ]
    for index, finding in enumerate(findings, start=1):
        evidence = finding.get("evidence") or []
        where = _code_span(_location(evidence[0])) if evidence else ""
        more = f" +{len(evidence) - 1}" if len(evidence) > 1 else ""
        lines.append(
            f"| {index} | {_cell(finding.get('severity'))} | {_code_span(finding.get('rule_id'))} "
            f"{_cell(finding.get('name'))} | {_cell(finding.get('category'))} | {_number(finding.get('count', 1))} | "
            f"{_cell(finding.get('message'))} | {where}{more} |"
        )
    lines.append("")
    detailed = [(i, f) for i, f in enumerate(findings, start=1) if not (has_root and i == 1)]
    if detailed:
        lines += [
            "<details>",
            f"<summary>Evidence and remedies of {'the other ' if has_root else ''}{len(detailed)} "
            f"finding{'s' if len(detailed) != 1 else ''}</summary>",
            "",
        ]
        for severity in ("error", "warning", "info"):
            members = [(i, f) for i, f in detailed if f.get("severity") == severity]
            if not members:
                continue
            lines += [f"#### {SEVERITY_HEADING[severity]}", ""]
            for index, finding in members:
                lines += [
                    f"**{index}. {_text(finding.get('title'))}**",
                    "",
                    _seen(finding),
                    "",
                    _text(finding.get("message")),
                    "",
                ]
                lines += _evidence_block(finding.get("evidence") or [])
                if finding.get("remedy"):
                    lines += [f"Remedy: {_text(finding['remedy'])}", ""]
                if finding.get("docs_url"):
                    lines += [f"Docs: <{str(finding['docs_url']).strip()}>", ""]
        lines += ["</details>", ""]
    return lines


def _join(parts: dict[str, Any], keys: tuple[str, ...]) -> str:
    return " · ".join(f"{_number(parts[k])} {k}" for k in keys if parts.get(k) is not None)


def _stats(stats: dict[str, Any]) -> list[str]:
    rows = []
    mini = stats.get("mini_batches") or {}
    if mini.get("total") is not None:
        rows.append(("Mini-batches", _join(mini, ("total", "succeeded", "failed", "retried", "processed"))))
    items = stats.get("items") or {}
    if items.get("total") is not None:
        rows.append(("Items", _join(items, ("total", "succeeded", "failed"))))
    if stats.get("nodes") or stats.get("processes"):
        rows.append(("Nodes / processes", f"{_number(stats.get('nodes'))} / {_number(stats.get('processes'))}"))
    if stats.get("started_at"):
        rows.append(
            (
                "Time",
                f"{_text(stats['started_at'])} → {_text(stats.get('ended_at'))} ({duration(stats.get('duration_s'))})",
            )
        )
    elapsed = stats.get("elapsed_s") or {}
    if elapsed:
        text = " · ".join(f"{key} {_number(elapsed.get(key))}" for key in ("median", "p95", "max"))
        ratio = stats.get("process_to_elapsed_ratio")
        if ratio is not None:
            text += f" · CPU/elapsed {ratio:.0%}"
        rows.append(("Seconds per mini-batch", text))
    slowest = stats.get("slowest_mini_batches") or []
    if slowest:
        rows.append(("Slowest", ", ".join(_slow(s) for s in slowest[:3])))
    for scope in ("nodes", "processes"):
        skew = (stats.get("skew") or {}).get(scope) or {}
        if skew.get("max_over_median"):
            rows.append(
                (
                    f"Skew across {scope}",
                    f"busiest {_text(skew.get('busiest'))} at {skew['max_over_median']}× the median",
                )
            )
    restarts = stats.get("worker_restarts") or {}
    if restarts.get("total"):
        counts = restarts.get("by_node") or {}
        by_node = ", ".join(f"{_text(n)}: {counts[n]}" for n in sorted(counts, key=natural))
        rows.append(("Worker restarts", f"{_number(restarts['total'])}" + (f" ({by_node})" if by_node else "")))
    lines = ["### Numbers", ""]
    if rows:
        lines += ["| | |", "|---|---|", *(f"| {title} | {_pipe(value)} |" for title, value in rows), ""]
    else:
        lines += ["The logs give no numbers.", ""]
    lines += _resources(stats.get("resources") or {})
    return lines


def _slow(entry: dict[str, Any]) -> str:
    where = _text(entry.get("node") or entry.get("process") or "?")
    return f"#{_text(entry.get('mini_batch'))} {_number(entry.get('elapsed_s'))} s ({where})"


def _pipe(text: str) -> str:
    return text.replace("|", "\\|")


def _pct(value: Any) -> str:
    return "–" if value is None else f"{float(value):.0f}%"


def _resources(resources: dict[str, Any]) -> list[str]:
    if not resources:
        return []
    top = max(resources.items(), key=lambda item: item[1].get("memory_peak_percent") or 0)
    lines = [
        "<details>",
        f"<summary>Resource peaks per node ({len(resources)}; highest memory: {_text(top[0])} at "
        f"{_pct(top[1].get('memory_peak_percent'))})</summary>",
        "",
        "| Node | CPU peak / mean | Memory peak | Memory total (MB) | Disk peak | Samples |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for node in sorted(resources, key=natural)[:RESOURCE_ROWS]:
        usage = resources[node]
        lines.append(
            f"| {_cell(node)} | {_pct(usage.get('cpu_peak_percent'))} / {_pct(usage.get('cpu_mean_percent'))} | "
            f"{_pct(usage.get('memory_peak_percent'))} | {_number(usage.get('memory_total_mb'))} | "
            f"{_pct(usage.get('disk_peak_percent'))} | {_number(usage.get('samples'))} |"
        )
    if len(resources) > RESOURCE_ROWS:
        lines.append(f"| … {len(resources) - RESOURCE_ROWS} more nodes | | | | | |")
    return [*lines, "", "</details>", ""]


def _sources(sources: dict[str, Any], report: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    skipped = sources.get("files_skipped") or []
    if skipped:
        lines += [
            "<details>",
            f"<summary>Skipped {len(skipped)} file{'s' if len(skipped) != 1 else ''}</summary>",
            "",
            "| Path | Reason |",
            "|---|---|",
            *(f"| {_code_span(s.get('path'))} | {_cell(s.get('reason'))} |" for s in skipped),
            "",
            "</details>",
            "",
        ]
    for error in sources.get("rule_errors") or []:
        lines += [f"> Rule {_text(error.get('rule_id'))} failed and was skipped: {_text(error.get('error'))}", ""]
    layout = f", layout {_text(sources['layout'])}" if sources.get("layout") else ""
    lines.append(
        f"<sub>Read {_number(sources.get('files_read', 0))} files{layout}; skipped {len(skipped)}. Generated by "
        f"`az ml batch-troubleshoot diagnose` (report schema {_text(report.get('schema_version', '1'))}).</sub>"
    )
    return lines
