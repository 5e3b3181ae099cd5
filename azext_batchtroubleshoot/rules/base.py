"""What every rule is made of, and the helpers that turn matched lines into grouped findings.

A rule is a class with its identity (code, name, category, severity, role), its documentation in fixed sections
(what it means, why it matters, an example, the remedy) and a pure ``check(facts)`` that yields findings.
Most rules match known texts: they list the literal ``triggers`` the scanner must find and a ``pattern`` that
confirms the line and captures its decisive detail; ``SignatureRule`` does the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

from ..core.documented import Documented
from ..core.grouping import Group, group_by, mask
from ..core.models import Category, Evidence, Finding, Role, Severity
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.scan import Hit, Traceback

MAX_EVIDENCE = 4

# Where proof is most direct first: a full stack trace beats a summary, a summary beats the service's banner.
KIND_PRIORITY: dict[FileKind, int] = {
    FileKind.USER_ERROR_TRACE: 0,
    FileKind.WORKER_LOG: 1,
    FileKind.WORKER_MAIN: 2,
    FileKind.USER_STDOUT: 3,
    FileKind.USER_STDERR: 3,
    FileKind.ENTRY_SCRIPT_LOG: 3,
    FileKind.WORKER_STDIO: 4,
    FileKind.STD_LOG: 5,
    FileKind.SYS_ERROR: 6,
    FileKind.SYSTEM_LOG: 6,
    FileKind.DRIVER_LOG: 7,
    FileKind.AZUREML_LOG: 7,
    FileKind.USER_ERROR_SUMMARY: 8,
    FileKind.JOB_ERROR: 9,
    FileKind.JOB_RESULT: 9,
    FileKind.MASTER: 10,
    FileKind.OVERVIEW: 11,
    FileKind.OTHER_LOG: 12,
    FileKind.MINIBATCH_REPORT: 13,
    FileKind.SERVICE: 14,
}


class Rule(Documented):
    # Late rules run after the others and see which lines those already explain (``facts.claimed``).
    late: ClassVar[bool] = False

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        raise NotImplementedError

    def make(
        self,
        message: str,
        hits: Sequence[Hit] = (),
        *,
        count: int | None = None,
        evidence: Sequence[Evidence] = (),
        severity: Severity | None = None,
        group_key: str | None = None,
        role: Role | None = None,
        phase: int | None = None,
    ) -> Finding:
        """Build this rule's finding from the hits that prove it (nodes, processes, times and evidence follow)."""
        ordered = sorted(hits, key=_evidence_order)
        nodes = sorted({hit.file.node for hit in hits if hit.file.node})
        processes = sorted(
            {
                f"{hit.file.node}/{hit.file.process}" if hit.file.node else hit.file.process
                for hit in hits
                if hit.file.process and hit.file.process not in ("_main", "main")
            }
        )
        stamps = sorted(hit.timestamp for hit in hits if hit.timestamp)
        return Finding(
            rule_id=self.code,
            name=self.name,
            category=self.category,
            severity=severity or self.severity,
            title=self.title,
            message=message,
            remedy=self.remedy,
            evidence=list(evidence) or pick_evidence(ordered),
            count=count if count is not None else max(1, len(hits)),
            docs_url=self.docs_url,
            role=role or self.role,
            nodes=nodes,
            processes=processes,
            first_seen=stamps[0] if stamps else None,
            last_seen=stamps[-1] if stamps else None,
            phase=self.phase if phase is None else phase,
            group_key=group_key,
            fatal=self.fatal,
            claimed=_claims(hits),
        )


def _claims(hits: Sequence[Hit]) -> set[tuple[str, int]]:
    return {(hit.file.path, hit.line) for hit in hits}


def _evidence_order(hit: Hit) -> tuple[int, str, str, int]:
    return (KIND_PRIORITY.get(hit.file.kind, 20), hit.timestamp or "9999", hit.file.path, hit.line)


def pick_evidence(hits: Sequence[Hit], limit: int = MAX_EVIDENCE) -> list[Evidence]:
    """A few lines that prove the finding: the most direct first, then one per other file."""
    chosen: list[Evidence] = []
    seen_paths: set[str] = set()
    for hit in hits:
        if hit.file.path in seen_paths:
            continue
        seen_paths.add(hit.file.path)
        chosen.append(Evidence(hit.file.path, hit.line if hit.file.kind != FileKind.SERVICE else None, hit.text))
        if len(chosen) >= limit:
            break
    return chosen


def traceback_evidence(tracebacks: Sequence[Traceback], limit: int = MAX_EVIDENCE) -> list[Evidence]:
    chosen: list[Evidence] = []
    seen: set[str] = set()
    for traceback in sorted(tracebacks, key=lambda t: (KIND_PRIORITY.get(t.file.kind, 20), t.file.path)):
        if traceback.file.path in seen:
            continue
        seen.add(traceback.file.path)
        kind, message = traceback.exceptions[-1]
        chosen.append(Evidence(traceback.file.path, traceback.exception_line, f"{kind}: {message}".rstrip(": ")))
        if len(chosen) >= limit:
            break
    return chosen


def where(hits: Sequence[Hit]) -> str:
    """``on 4 processes of 2 nodes`` / ``on node 0`` / empty when the logs do not say."""
    nodes = {hit.file.node for hit in hits if hit.file.node}
    processes = {(hit.file.node, hit.file.process) for hit in hits if hit.file.process and hit.file.process != "_main"}
    if len(processes) > 1:
        return f" on {len(processes)} processes of {len(nodes)} node{'s' if len(nodes) != 1 else ''}"
    if len(nodes) > 1:
        return f" on {len(nodes)} nodes"
    if nodes:
        return f" on node {next(iter(nodes))}"
    return ""


def times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


class SignatureRule(Rule):
    """A rule that fires on a known text.  Subclasses set ``triggers`` and usually ``pattern`` and ``describe``."""

    pattern: ClassVar[re.Pattern[str] | None] = None
    # Restrict where the text counts (None: every text file and the service's error message).
    kinds: ClassVar[frozenset[FileKind] | None] = None
    excluded_kinds: ClassVar[frozenset[FileKind]] = frozenset()

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit in facts.hits(*self.triggers, kinds=self.kinds):
            if hit.file.kind in self.excluded_kinds:
                continue
            if self.pattern is None:
                yield hit, None
                continue
            match = self.pattern.search(hit.text)
            if match:
                yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        """What makes two occurrences the same finding; by default the masked matched text."""
        return mask(match.group(0) if match else hit.trigger)

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return f"{self.title}{where(hits)} ({times(len(hits))})."

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        pairs = list(self.matches(facts))
        unique: dict[tuple[str, int, str], tuple[Hit, re.Match[str] | None]] = {}
        for hit, match in pairs:
            unique.setdefault((hit.file.path, hit.line, self.key(hit, match)), (hit, match))
        claims: dict[str, set[tuple[str, int]]] = {}
        for (path, line, key), _pair in unique.items():
            claims.setdefault(key, set()).add((path, line))
        for group in group_by(unique.values(), lambda pair: self.key(pair[0], pair[1])):
            hits = [hit for hit, _ in group.items]
            best = min(group.items, key=lambda pair: _evidence_order(pair[0]))
            finding = self.make(self.describe(best[1], hits, facts), hits, count=group.count, group_key=group.key)
            # Every occurrence is explained, not only the examples kept for the message.
            finding.claimed |= claims.get(group.key, set())
            yield finding


def phase_of(facts: JobFacts, hits: Sequence[Hit]) -> str | None:
    """``init`` or ``run`` when a traceback around the hits, or their own text, says which entry point failed."""
    for hit in hits:
        traceback = facts.traceback_for(hit)
        if traceback is not None and traceback.phase:
            return traceback.phase
    for hit in hits:
        if "init()" in hit.text or "in init" in hit.text:
            return "init"
        if "run()" in hit.text:
            return "run"
    return None


def traceback_key(traceback: Traceback) -> str:
    kind, message = traceback.first_exception if _first_is_cause(traceback) else traceback.exceptions[-1]
    return f"{kind}: {mask(message)}"


def _first_is_cause(traceback: Traceback) -> bool:
    """In a chain, the first exception is the cause unless it is only a wrapper's re-raise of the same thing."""
    return len(traceback.exceptions) > 1 and traceback.exceptions[0][0] not in ("SystemExit", "KeyboardInterrupt")


def is_claimed(facts: JobFacts, traceback: Traceback) -> bool:
    path = traceback.file.path
    return any((path, line) in facts.claimed for line in range(traceback.line - 1, traceback.exception_line + 1))


def unclaimed_tracebacks(
    facts: JobFacts, phase: str | None = None, any_phase: bool = False, handled: bool = False
) -> list[Group[Traceback]]:
    """Tracebacks no specific rule explains, grouped by exception type and masked message."""
    chosen = [
        t
        for t in facts.tracebacks
        if not is_claimed(facts, t)
        and (any_phase or t.phase == phase)
        and t.exc_type not in IGNORED_EXCEPTIONS
        and t.handled == handled
    ]
    # Keep every member: the finding must claim all of them, not only the ones it quotes.
    return group_by(chosen, traceback_key, keep=len(chosen) or 1)


# Exceptions that only report that something else failed.
IGNORED_EXCEPTIONS = frozenset({"SystemExit", "KeyboardInterrupt"})


def traceback_finding(rule: Rule, group: Group[Traceback], verb: str, **overrides: object) -> Finding:
    tracebacks = group.items
    first = tracebacks[0]
    kind, message = first.first_exception if _first_is_cause(first) else first.exceptions[-1]
    nodes = sorted({t.file.node for t in tracebacks if t.file.node})
    processes = {(t.file.node, t.file.process) for t in tracebacks if t.file.process}
    place = ""
    if len(processes) > 1:
        place = f" on {len(processes)} processes of {len(nodes)} node{'s' if len(nodes) != 1 else ''}"
    elif nodes:
        place = f" on node {nodes[0]}"
    frame = first.user_frames[-1] if first.user_frames else (first.frames[-1] if first.frames else None)
    at = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    text = f"{verb} {kind}: {message}".rstrip(": ") + f"{at}{place}."
    finding = rule.make(
        text,
        (),
        count=group.count,
        evidence=traceback_evidence(tracebacks),
        group_key=group.key,
    )
    finding.nodes = nodes
    finding.processes = sorted(f"{n}/{p}" if n else str(p) for n, p in processes)
    stamps = sorted(t.timestamp for t in tracebacks if t.timestamp)
    finding.first_seen = stamps[0] if stamps else None
    finding.last_seen = stamps[-1] if stamps else None
    finding.claimed = {(t.file.path, line) for t in tracebacks for line in range(t.line - 1, t.exception_line + 1)}
    for name, value in overrides.items():
        setattr(finding, name, value)
    return finding


_IMPORT_PREFIX = re.compile(r"(?:^|\b(?:[\w.]*(?:Error|Exception)|python[\d.]*)\s*:|\|ERROR\|(?:\d+\|)*)\s*$")


def is_import_failure(facts: JobFacts, hit: Hit) -> bool:
    """True when a 'No module named' line reports a failed import, not a handled, logged-and-ignored one.

    Counts: the line inside a traceback, a bare message, or one after an exception type, a Python binary or an
    ERROR log prefix ("ModuleNotFoundError: No module named 'x'", ".../bin/python: No module named pip").
    """
    if facts.traceback_for(hit) is not None:
        return True
    before = hit.text.split("No module named", 1)[0]
    before = re.sub(r"^\S*\d{4}-\d{2}-\d{2}[T ][\d:.,]+\]?\s*", "", before)  # a leading timestamp
    return bool(_IMPORT_PREFIX.search(before))


def category_of_exception(exc_type: str) -> Category:
    """The category an exception type usually belongs to, when no rule knows the error."""
    name = exc_type.rsplit(".", 1)[-1]
    if name in ("FileNotFoundError", "NotADirectoryError", "IsADirectoryError"):
        return Category.DATA_ACCESS
    if name in ("PermissionError",):
        return Category.AUTH
    if name in ("ImportError", "ModuleNotFoundError"):
        return Category.ENVIRONMENT
    if name in ("UnicodeDecodeError", "ParserError", "JSONDecodeError", "EmptyDataError"):
        return Category.INPUT_DATA
    if name in ("TimeoutError",):
        return Category.TIMEOUT
    return Category.ENTRY_SCRIPT
