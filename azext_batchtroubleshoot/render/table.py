"""``-o table``: one row per finding."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


def findings_table(report: dict[str, Any]) -> list[OrderedDict[str, Any]]:
    rows: list[OrderedDict[str, Any]] = []
    for index, finding in enumerate(report.get("findings") or []):
        evidence = finding.get("evidence") or []
        where = ""
        if evidence:
            first = evidence[0]
            where = f"{first['path']}:{first['line']}" if first.get("line") else first["path"]
        rows.append(
            OrderedDict(
                [
                    ("Rank", index + 1),
                    ("Severity", finding["severity"]),
                    ("Rule", finding["rule_id"]),
                    ("Category", finding["category"]),
                    ("Count", finding.get("count", 1)),
                    ("Message", finding["message"]),
                    ("Evidence", where),
                ]
            )
        )
    if not rows:
        rows.append(
            OrderedDict(
                [
                    ("Rank", "-"),
                    ("Severity", "-"),
                    ("Rule", "-"),
                    ("Category", "-"),
                    ("Count", 0),
                    ("Message", report.get("summary", "")),
                    ("Evidence", ""),
                ]
            )
        )
    return rows


def rules_table(rules: list[dict[str, Any]]) -> list[OrderedDict[str, Any]]:
    return [
        OrderedDict(
            [
                ("Code", r["code"]),
                ("Name", r["name"]),
                ("Category", r["category"]),
                ("Severity", r["severity"]),
                ("Role", r["role"]),
                ("Title", r["title"]),
            ]
        )
        for r in rules
    ]
