"""The identity and documentation shared by log rules and pre-flight checks (what ``rules list/show`` print)."""

from __future__ import annotations

from typing import ClassVar

from .models import Category, Role, Severity


class Documented:
    code: ClassVar[str]  # stable, never reused
    name: ClassVar[str]  # kebab-case
    category: ClassVar[Category]
    severity: ClassVar[Severity] = Severity.ERROR
    role: ClassVar[Role] = Role.CAUSE
    title: ClassVar[str]
    remedy: ClassVar[str]
    docs_url: ClassVar[str | None] = None
    # Documentation sections, printed by ``rules show``.
    what: ClassVar[str]
    why: ClassVar[str]
    example: ClassVar[str]
    # Orders findings of the same severity and role: lower is earlier in a job's life (environment 10, init 20,
    # input 30, run 40, summary 90).
    phase: ClassVar[int] = 50
    # True when the finding alone means the job cannot finish successfully.
    fatal: ClassVar[bool] = False
    # The literal texts the log scanner must find for the rule (checks read no logs).
    triggers: ClassVar[tuple[str, ...]] = ()
