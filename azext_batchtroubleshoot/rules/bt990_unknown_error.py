"""BT990 unknown-error: an error no rule knows.  Never silent: it names the exception and where to look."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.grouping import group_by, mask
from ..core.models import Category, Finding, Role, Severity
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.scan import Hit
from .base import Rule, category_of_exception, is_claimed, traceback_finding, unclaimed_tracebacks, where

_EXCEPTION_TEXT = re.compile(r"\b([A-Z]\w*(?:Error|Exception|Failure))\b:?\s*(.*)")
SUMMARY_KINDS = frozenset({FileKind.JOB_RESULT, FileKind.JOB_ERROR, FileKind.USER_ERROR_SUMMARY, FileKind.SERVICE})
SYSTEM_KINDS = frozenset({FileKind.MASTER, FileKind.WORKER_LOG, FileKind.SYS_ERROR, FileKind.WORKER_MAIN})


class UnknownError(Rule):
    code = "BT990"
    name = "unknown-error"
    category = Category.ENTRY_SCRIPT
    role = Role.UNKNOWN_ERROR
    title = "An error that no rule recognises"
    remedy = (
        "Read the stack trace at the evidence location; the frames from your own code (score.py) show where it "
        "failed. If this is a platform message, search it in the Azure ML troubleshooting guide."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
    what = "A traceback or an ERROR line that matches no known signature, grouped across nodes and processes."
    why = "Unknown is not harmless: if it happened first, it is probably the cause."
    example = "ValueError: could not convert string to float: 'n/a'"
    phase = 60
    late = True
    triggers = ("|ERROR|", "Error: ", "Exception: ")

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        for group in unclaimed_tracebacks(facts, any_phase=True):
            first = group.items[0]
            phase = {"init": 22, "run": 42}.get(first.phase or "", self.phase)
            verb = f"{first.phase}() raised" if first.phase else "Unrecognised error:"
            yield traceback_finding(self, group, verb, phase=phase, category=category_of_exception(first.exc_type))
        for group in unclaimed_tracebacks(facts, any_phase=True, handled=True):
            first = group.items[0]
            yield traceback_finding(
                self,
                group,
                f"The scoring script caught and logged (at {first.logged_level} level)",
                severity=Severity.WARNING,
                category=category_of_exception(first.exc_type),
            )
        yield from self._error_lines(facts)

    def _error_lines(self, facts: JobFacts) -> Iterable[Finding]:
        explained = _explained(facts)
        candidates = [
            h for h in facts.hits(*self.triggers) if self._is_candidate(facts, h) and not _points_at(h, explained)
        ]
        for group in group_by(candidates, _line_key):
            hits = group.items
            text = _message(hits[0])
            severity = Severity.ERROR if hits[0].file.kind in SUMMARY_KINDS else Severity.WARNING
            yield self.make(
                f"Unrecognised error{where(hits)}: {text}",
                hits,
                count=group.count,
                severity=severity,
                group_key=group.key,
            )

    def _is_candidate(self, facts: JobFacts, hit: Hit) -> bool:
        if (hit.file.path, hit.line) in facts.claimed or "stderr:" in hit.text:
            return False
        if facts.traceback_for(hit) is not None:
            return False
        if hit.trigger == "|ERROR|":
            return hit.file.kind in SYSTEM_KINDS
        return hit.file.kind in SUMMARY_KINDS and _EXCEPTION_TEXT.search(hit.text) is not None


_EXC_TYPE = re.compile(r'"exc_type": "([\w.]+)"')
_POINTER = re.compile(r"(logs/(?:user|sys)/error/[^\s'\"]+?\.txt)")


def _explained(facts: JobFacts) -> tuple[set[str], set[str]]:
    """Exception types and trace files that findings already explain."""
    types: set[str] = set()
    files: set[str] = set()
    for traceback in facts.tracebacks:
        if is_claimed(facts, traceback):
            types.add(traceback.exc_type.rsplit(".", 1)[-1])
            files.add(traceback.file.path)
    return types, files


def _points_at(hit: Hit, explained: tuple[set[str], set[str]]) -> bool:
    """A worker line that only points at a failure explained elsewhere (by exception type or trace file)."""
    types, files = explained
    kind = _EXC_TYPE.search(hit.text)
    if kind and kind.group(1).rsplit(".", 1)[-1] in types:
        return True
    pointer = _POINTER.search(hit.text)
    return bool(pointer and any(path.endswith(pointer.group(1)) for path in files))


def _message(hit: Hit) -> str:
    text = hit.text
    if "|ERROR|" in text:
        text = text.split("|ERROR|", 1)[1]
        text = re.sub(r"^\d+\|(?:\d+\|)?", "", text)
    return text.strip()[:300]


def _line_key(hit: Hit) -> str:
    return mask(_message(hit))
