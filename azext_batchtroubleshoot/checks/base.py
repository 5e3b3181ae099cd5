"""What every pre-flight check is made of: the same identity and documentation as a rule, a pure ``check(ctx)``.

A check looks at what a user is about to submit (a deployment YAML and the files it names, or an invocation's
input and output) instead of at a finished job's logs.  Its findings are the report's ``Finding`` objects, so the
renderers, ``--query`` and exit codes work unchanged, and ``rules list`` / ``rules show`` document checks too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar, Generic, TypeVar

from ..core.documented import Documented
from ..core.models import Evidence, Finding, Role, Severity

Ctx = TypeVar("Ctx")

MAX_EVIDENCE = 4


class Check(Documented, Generic[Ctx]):
    # "deployment" (check deployment) or "invoke" (check invoke).
    kind: ClassVar[str] = "deployment"

    def check(self, ctx: Ctx) -> Iterable[Finding]:
        raise NotImplementedError

    def make(
        self,
        message: str,
        evidence: Sequence[Evidence | None] = (),
        *,
        severity: Severity | None = None,
        role: Role | None = None,
        count: int = 1,
        group_key: str | None = None,
    ) -> Finding:
        chosen = [item for item in evidence if item is not None][:MAX_EVIDENCE]
        level = severity or self.severity
        return Finding(
            rule_id=self.code,
            name=self.name,
            category=self.category,
            severity=level,
            title=self.title,
            message=message,
            remedy=self.remedy,
            evidence=chosen,
            count=count,
            docs_url=self.docs_url,
            role=role or self.role,
            phase=self.phase,
            group_key=group_key,
            fatal=self.fatal and level == Severity.ERROR,
        )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; within a severity in the order things go wrong (phase), then code."""
    return sorted(findings, key=lambda f: (-int(f.severity), f.phase, f.rule_id, f.message))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
