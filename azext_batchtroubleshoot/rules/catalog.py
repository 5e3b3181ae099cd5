"""The rules' own documentation, as data for ``rules list`` and ``rules show``.

The pre-flight checks of ``check deployment`` / ``check invoke`` (``checks.CHECKS``) carry the same documentation
and are listed after the rules; ``kind`` tells them apart (``log`` for rules, ``deployment`` or ``invoke``).
"""

from __future__ import annotations

from typing import Any, Union

from ..checks import CHECKS
from ..checks.base import Check
from . import REGISTRY
from .base import Rule

Documented = Union[Rule, Check[Any]]


def describe_rule(rule: Documented, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": rule.code,
        "name": rule.name,
        "category": rule.category.value,
        "severity": rule.severity.label,
        "role": rule.role.value,
        "title": rule.title,
        "kind": rule.kind if isinstance(rule, Check) else "log",
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


def list_rules(category: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """Rules, then checks; ``kind``: ``log`` (rules), ``check`` (all checks), ``deployment`` or ``invoke``."""
    documented: list[Documented] = [*REGISTRY, *CHECKS]
    return [
        describe_rule(rule)
        for rule in documented
        if (category is None or rule.category.value == category) and _kind_matches(rule, kind)
    ]


def _kind_matches(rule: Documented, kind: str | None) -> bool:
    if kind is None:
        return True
    actual = rule.kind if isinstance(rule, Check) else "log"
    return kind == actual or (kind == "check" and actual != "log")


def render_rule(rule: Documented) -> str:
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
