"""Run the rules over a job's facts, merge and rank their findings, pick the root cause, set the verdict."""

from __future__ import annotations

import traceback as tb
from collections.abc import Sequence

from ..logs.facts import JobFacts, collect
from ..logs.layout import LogTree, walk_tree
from ..logs.redact import redact
from ..rules import REGISTRY
from ..rules.base import Rule
from .models import Finding, JobInfo, Report, Role, Severity, Sources
from .stats import RETURNCODE_TRIGGER, build_stats
from .verdict import SUCCESS_TRIGGERS, decide_verdict, summarise

ROLE_RANK = {Role.CAUSE: 0, Role.UNKNOWN_ERROR: 0, Role.SYMPTOM: 1, Role.ADVICE: 2, Role.NOISE: 3}
SPECIFICITY = {Role.CAUSE: 0, Role.UNKNOWN_ERROR: 1, Role.SYMPTOM: 2, Role.ADVICE: 3, Role.NOISE: 4}


# Texts the engine itself reads (verdict and stats), besides the rules' triggers.
ENGINE_TRIGGERS = (*SUCCESS_TRIGGERS, RETURNCODE_TRIGGER)


def all_triggers(rules: Sequence[Rule]) -> list[str]:
    wanted = [trigger for rule in rules for trigger in rule.triggers]
    return list(dict.fromkeys([*wanted, *ENGINE_TRIGGERS]))


def analyse_folder(folder: str, job: JobInfo | None = None, workers: int = 1) -> Report:
    """The whole offline diagnosis: find the logs under ``folder`` and explain the job."""
    tree = walk_tree(folder)
    return analyse_tree(tree, job, workers=workers)


def analyse_folder_with_facts(folder: str, job: JobInfo | None = None, workers: int = 1) -> tuple[Report, JobFacts]:
    """Like ``analyse_folder``, and also the facts the report was built from (the HTML report draws them)."""
    tree = walk_tree(folder)
    active = list(REGISTRY)
    facts = collect(tree, all_triggers(active), job, workers=workers)
    return analyse_facts(facts, active), facts


def analyse_tree(
    tree: LogTree, job: JobInfo | None = None, rules: Sequence[Rule] | None = None, workers: int = 1
) -> Report:
    active = list(rules if rules is not None else REGISTRY)
    facts = collect(tree, all_triggers(active), job, workers=workers)
    return analyse_facts(facts, active)


def analyse_facts(facts: JobFacts, rules: Sequence[Rule]) -> Report:
    rule_errors: list[dict[str, str]] = []
    findings = _run(rules, facts, rule_errors, late=False)
    findings += _run(rules, facts, rule_errors, late=True)
    findings = rank(merge(findings))
    verdict = decide_verdict(facts, findings)
    stats = build_stats(facts)
    sources = Sources(
        root=facts.tree.root,
        files_read=facts.files_read,
        files_skipped=facts.skipped,
        bytes_read=facts.bytes_read,
        layout=facts.tree.layout,
        rule_errors=rule_errors,
    )
    report = Report(verdict, "", facts.job, findings, stats, sources)
    report.summary = summarise(report, facts)
    return report


def _run(rules: Sequence[Rule], facts: JobFacts, errors: list[dict[str, str]], late: bool) -> list[Finding]:
    found: list[Finding] = []
    for rule in rules:
        if rule.late != late:
            continue
        try:
            new = list(rule.check(facts))
            found.extend(new)
            for finding in new:
                facts.claimed |= finding.claimed
                if finding.role in (Role.CAUSE, Role.UNKNOWN_ERROR) and finding.severity == Severity.ERROR:
                    facts.causes_found += 1
        except Exception as exc:  # noqa: BLE001 - one broken rule must never hide the others
            last = tb.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            where = f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}" if last else ""
            errors.append({"rule_id": rule.code, "error": redact(f"{type(exc).__name__}: {exc}{where}")})
    return found


def merge(findings: list[Finding]) -> list[Finding]:
    """The same rule and the same masked message make one finding with the counts, nodes and evidence combined."""
    merged: dict[tuple[str, str], Finding] = {}
    order: list[tuple[str, str]] = []
    for finding in findings:
        key = (finding.rule_id, finding.group_key or finding.message)
        existing = merged.get(key)
        if existing is None:
            merged[key] = finding
            order.append(key)
            continue
        existing.count += finding.count
        existing.nodes = sorted(set(existing.nodes) | set(finding.nodes))
        existing.processes = sorted(set(existing.processes) | set(finding.processes))
        existing.evidence = (existing.evidence + [e for e in finding.evidence if e not in existing.evidence])[:4]
        existing.claimed |= finding.claimed
        stamps = [s for s in (existing.first_seen, finding.first_seen) if s]
        existing.first_seen = min(stamps) if stamps else None
        stamps = [s for s in (existing.last_seen, finding.last_seen) if s]
        existing.last_seen = max(stamps) if stamps else None
    return [merged[key] for key in order]


def rank_key(finding: Finding) -> tuple[int, int, int, int, str, int, str]:
    """Errors first; causes before symptoms, noise last; earlier phase, then specific before generic, then time."""
    return (
        -int(finding.severity),
        ROLE_RANK[finding.role],
        finding.phase,
        SPECIFICITY[finding.role],
        finding.first_seen or "9999",
        -finding.count,
        finding.rule_id,
    )


def rank(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=rank_key)
