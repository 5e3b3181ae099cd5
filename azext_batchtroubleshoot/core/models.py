"""The report's data model: plain, typed, JSON-ready.  Nothing here imports azure or knack."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..logs.redact import redact

SCHEMA_VERSION = "1"


class Severity(enum.IntEnum):
    """Ordered so that ``max()`` picks the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Category(str, enum.Enum):
    ENVIRONMENT = "environment"
    ENTRY_SCRIPT = "entry-script"
    INPUT_DATA = "input-data"
    OUTPUT = "output"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    DISK = "disk"
    AUTH = "auth"
    DATA_ACCESS = "data-access"
    CONFIGURATION = "configuration"
    COMPUTE = "compute"
    PLATFORM = "platform"
    PERFORMANCE = "performance"


class Verdict(str, enum.Enum):
    FAILED = "failed"
    PARTIAL = "partial"
    STALLED = "stalled"
    RUNNING = "running"
    HEALTHY = "healthy"
    UNKNOWN = "unknown"


class Role(str, enum.Enum):
    """How a finding relates to the failure; decides ranking, not shown as severity."""

    CAUSE = "cause"  # a real, specific reason something failed
    UNKNOWN_ERROR = "unknown-error"  # an error no rule knows: a cause candidate, but less specific
    SYMPTOM = "symptom"  # points at a cause elsewhere (exit 42, "User program failed", threshold exceeded)
    NOISE = "noise"  # known harmless lines; never the root cause
    ADVICE = "advice"  # performance and configuration hints for jobs that work


@dataclass(frozen=True)
class Evidence:
    path: str
    line: int | None
    excerpt: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "excerpt": redact(self.excerpt)}


@dataclass
class Finding:
    rule_id: str
    name: str
    category: Category
    severity: Severity
    title: str
    message: str
    remedy: str
    evidence: list[Evidence] = field(default_factory=list)
    count: int = 1
    docs_url: str | None = None
    role: Role = Role.CAUSE
    nodes: list[str] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None
    # Lower sorts first among equals: earlier phase of the job (init before run before summary).
    phase: int = 50
    group_key: str | None = None
    fatal: bool = False
    # (path, line) of every line this finding accounts for: those lines are not reported again as unknown errors.
    claimed: set[tuple[str, int]] = field(default_factory=set, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule_id": self.rule_id,
            "name": self.name,
            "category": self.category.value,
            "severity": self.severity.label,
            "title": self.title,
            "message": redact(self.message),
            "remedy": self.remedy,
            "evidence": [item.to_dict() for item in self.evidence],
            "count": self.count,
            "docs_url": self.docs_url,
            "role": self.role.value,
            "nodes": list(self.nodes),
            "processes": list(self.processes),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }
        return data


@dataclass
class JobInfo:
    name: str | None = None
    parent_name: str | None = None
    status: str | None = None
    studio_url: str | None = None
    error: str | None = None
    compute: str | None = None
    created_at: str | None = None
    ended_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "parent_name": self.parent_name,
            "status": self.status,
            "studio_url": self.studio_url,
            "error": redact(self.error) if self.error else None,
            "compute": self.compute,
            "created_at": self.created_at,
            "ended_at": self.ended_at,
        }


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class Sources:
    root: str
    files_read: int = 0
    files_skipped: list[SkippedFile] = field(default_factory=list)
    bytes_read: int = 0
    layout: str | None = None
    rule_errors: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "files_read": self.files_read,
            "files_skipped": [item.to_dict() for item in self.files_skipped],
            "bytes_read": self.bytes_read,
            "layout": self.layout,
            "rule_errors": list(self.rule_errors),
        }


@dataclass
class Report:
    verdict: Verdict
    summary: str
    job: JobInfo
    findings: list[Finding]
    stats: dict[str, Any]
    sources: Sources

    @property
    def root_cause(self) -> Finding | None:
        """The first finding when it is an error that explains a failure: advice and noise never are."""
        if not self.findings:
            return None
        first = self.findings[0]
        if first.severity == Severity.ERROR and first.role in (Role.CAUSE, Role.UNKNOWN_ERROR, Role.SYMPTOM):
            return first
        return None

    def to_dict(self) -> dict[str, Any]:
        root = self.root_cause
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict.value,
            "summary": redact(self.summary),
            "job": self.job.to_dict(),
            "root_cause": root.to_dict() if root else None,
            "findings": [finding.to_dict() for finding in self.findings],
            "stats": self.stats,
            "sources": self.sources.to_dict(),
        }
