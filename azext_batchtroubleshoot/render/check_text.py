"""The report of ``check deployment`` / ``check invoke`` for a person in a terminal.

Built from the same pieces as the diagnosis report (verdict line, styles, evidence locations), but a pre-flight
check lists every problem with its proof and remedy instead of naming one root cause: all errors must be fixed.
"""

from __future__ import annotations

from typing import Any

from ..logs.redact import redact
from .text import SEVERITY_STYLE, VERDICT_STYLE, Style

VERDICT_LABEL = {"failed": ("✗ WOULD FAIL", "red"), "healthy": ("✓ OK", "green")}
HEADINGS = {"error": "ERRORS", "warning": "WARNINGS", "info": "NOTES"}


def render_check_text(report: dict[str, Any], color: bool = False) -> str:
    style = Style(color)
    verdict = report.get("verdict", "unknown")
    label, tone = VERDICT_LABEL.get(verdict, VERDICT_STYLE.get(verdict, VERDICT_STYLE["unknown"]))
    lines = [f"{style(label, 'bold', tone)}  {report.get('summary', '')}"]
    check = (report.get("stats") or {}).get("check") or {}
    lines.extend(_subject(check, style))
    findings = report.get("findings") or []
    explained: set[str] = set()  # the remedy of a check is printed once, under its first finding
    for severity in ("error", "warning", "info"):
        members = [f for f in findings if f.get("severity") == severity]
        if not members:
            continue
        lines.append("")
        lines.append(style(HEADINGS[severity], "bold", SEVERITY_STYLE[severity]))
        for finding in members:
            lines.extend(_finding(finding, severity, style, remedy=finding["rule_id"] not in explained))
            explained.add(finding["rule_id"])
    lines.append("")
    lines.extend(_footer(report, style))
    return redact("\n".join(lines)) + "\n"


def _subject(check: dict[str, Any], style: Style) -> list[str]:
    if check.get("kind") == "deployment":
        parts = [f"{check.get('file')}"]
        if check.get("endpoint_name") or check.get("name"):
            parts.append(f"{check.get('endpoint_name') or '?'}/{check.get('name') or '?'}")
        parts.append(f"model {check.get('model') or '?'} ({check.get('model_kind')})")
        if check.get("scoring_script"):
            parts.append(f"script {check['scoring_script']}")
        if check.get("environment"):
            parts.append(f"environment {check['environment']}")
        if check.get("instance_type"):
            parts.append(f"VM {check['instance_type']}")
        return [f"{style('Checked', 'bold')} {' · '.join(parts)}"]
    if check.get("kind") == "invoke":
        parts = [f"input {check.get('input')} ({check.get('input_form')}, {check.get('input_type')})"]
        if check.get("output_path"):
            checked = "listed" if check.get("output_checked") else "not listed"
            parts.append(f"output {check['output_path']} ({checked})")
        return [f"{style('Checked', 'bold')} {' · '.join(parts)}"]
    return []


def _finding(finding: dict[str, Any], severity: str, style: Style, remedy: bool = True) -> list[str]:
    tag = style(finding["rule_id"], SEVERITY_STYLE[severity])
    lines = [f"  {tag} {finding['message']}" + style(f"  [{finding['name']} · {finding['category']}]", "dim")]
    for item in (finding.get("evidence") or [])[: 3 if severity != "info" else 1]:
        excerpt = _one_line(item.get("excerpt", ""), 120)
        lines.append(f"        {style(_location(item), 'cyan')}" + (f"  {excerpt}" if excerpt else ""))
    if severity != "info" and remedy:
        lines.append(style(f"        → {finding['remedy']}", "dim"))
        if finding.get("docs_url"):
            lines.append(style(f"          {finding['docs_url']}", "dim"))
    return lines


def _footer(report: dict[str, Any], style: Style) -> list[str]:
    sources = report.get("sources") or {}
    counts = (report.get("stats") or {}).get("counts") or {}
    lines = []
    if sources.get("files_read"):
        size = _size(sources.get("bytes_read") or 0)
        text = f"Read {sources['files_read']} files ({size}) under {sources.get('root')}"
        skipped = sources.get("files_skipped") or []
        if skipped:
            text += f"; skipped {len(skipped)} (see -o json: sources.files_skipped)"
        lines.append(style(text + ".", "dim"))
    for error in sources.get("rule_errors") or []:
        lines.append(style(f"Check {error['rule_id']} failed and was skipped: {error['error']}", "yellow"))
    total = sum(counts.values()) if counts else 0
    if total:
        words = {"error": "error", "warning": "warning", "info": "note"}
        tally = ", ".join(
            f"{counts[k]} {words[k]}{'s' if counts[k] != 1 else ''}"
            for k in ("error", "warning", "info")
            if counts.get(k)
        )
        lines.append(style(f"{tally}. Exit code 1 when an error is found (--fail-on adjusts it).", "dim"))
    lines.append(style("For scripts: -o json (schema version 1), -o table, or --query.", "dim"))
    return lines


def _location(evidence: dict[str, Any]) -> str:
    line = evidence.get("line")
    return f"{evidence['path']}:{line}" if line else str(evidence["path"])


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} MB"
