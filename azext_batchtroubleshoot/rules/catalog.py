"""The rules' own documentation, as data for ``rules list`` and ``rules show``."""

from __future__ import annotations

from typing import Any

from . import REGISTRY
from .base import Rule


def describe_rule(rule: Rule, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": rule.code,
        "name": rule.name,
        "category": rule.category.value,
        "severity": rule.severity.label,
        "role": rule.role.value,
        "title": rule.title,
    }
    if full:
        data.update(
            {
                "what_it_means": rule.what,
                "why_it_matters": rule.why,
                "example": rule.example,
                "remedy": rule.remedy,
                "docs_url": rule.docs_url,
                "triggers": list(rule.triggers),
            }
        )
    return data


def list_rules(category: str | None = None) -> list[dict[str, Any]]:
    return [describe_rule(rule) for rule in REGISTRY if category is None or rule.category.value == category]


def render_rule(rule: Rule) -> str:
    """``rules show`` for a person: the fixed documentation sections, ruff/pylint style."""
    lines = [
        f"{rule.code} {rule.name} ({rule.category.value}, {rule.severity.label}, {rule.role.value})",
        "",
        rule.title,
        "",
        "What it means",
        f"  {rule.what}",
        "",
        "Why it matters",
        f"  {rule.why}",
        "",
        "Example",
        f"  {rule.example}",
        "",
        "Remedy",
        f"  {rule.remedy}",
    ]
    if rule.docs_url:
        lines += ["", "Docs", f"  {rule.docs_url}"]
    return "\n".join(lines) + "\n"
