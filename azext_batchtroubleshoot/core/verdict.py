"""The verdict (failed, partial, stalled, running, healthy, unknown) and the one-line summary a person reads first."""

from __future__ import annotations

from datetime import datetime

from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.tables import parse_time
from .models import Finding, Report, Role, Severity, Verdict

FAILED_STATUSES = {"failed", "canceled", "cancelled", "notresponding"}
DONE_STATUSES = {"completed", "succeeded", "finished"}
ACTIVE_STATUSES = {
    "running",
    "queued",
    "preparing",
    "starting",
    "provisioning",
    "finalizing",
    "notstarted",
    "cancelrequested",
}
# Progress lines come every 10 s to 2 min; silence this much longer than the cadence means the job is stuck.
STALL_MIN_SECONDS = 30 * 60
STALL_CADENCE_FACTOR = 10

# Texts that say a job ended well, written by the driver or the master.
SUCCESS_TRIGGERS = (
    "The experiment completed successfully",
    "Command finished with return code 0",
    "Finished concatenating",
)


def _gap_seconds(earlier: str | None, later: str | None) -> float | None:
    first, last = parse_time(earlier), parse_time(later)
    if first is None or last is None:
        return None
    return (last - first).total_seconds()


def _cadence_seconds(facts: JobFacts) -> float:
    points = facts.overview.progress
    if len(points) < 3:
        return 120.0
    gaps = [_gap_seconds(a.timestamp, b.timestamp) or 0.0 for a, b in zip(points, points[1:])]
    gaps = sorted(g for g in gaps if g > 0)
    return gaps[len(gaps) // 2] if gaps else 120.0


def progress_stopped_at(facts: JobFacts, now: str | None = None) -> str | None:
    """The time of the last progress line, when progress reporting stopped far longer ago than the job's own
    cadence (or the overviewer stopped) and the job never finished.  The workers may still be busy."""
    overview = facts.overview
    if not overview.present or overview.finished:
        return None
    last = overview.last_progress
    if last is None or last.processed >= last.total:
        return None
    if overview.overviewer_stopped and (overview.overviewer_stopped[-1].timestamp or "") > last.timestamp:
        return last.timestamp
    gap = _gap_seconds(last.timestamp, now or facts.latest_timestamp)
    if gap is not None and gap > stall_threshold(facts):
        return last.timestamp
    return None


def stall_threshold(facts: JobFacts) -> float:
    return max(STALL_MIN_SECONDS, STALL_CADENCE_FACTOR * _cadence_seconds(facts))


def stalled_since(facts: JobFacts, now: str | None = None) -> str | None:
    """Like ``progress_stopped_at``, but only when the work stopped too (no mini-batch or worker line after it)."""
    since = progress_stopped_at(facts, now)
    if since is None or _worked_after(facts, since, stall_threshold(facts)):
        return None
    return since


def _worked_after(facts: JobFacts, last_progress: str, threshold: float) -> bool:
    """Mini-batches finished, or workers logged, well after the last progress line."""
    ended = facts.minibatches.ended_at
    if ended is not None:
        gap = _gap_seconds(last_progress, ended.isoformat())
        if gap is not None and gap > threshold:
            return True
    worker_kinds = (FileKind.WORKER_LOG, FileKind.USER_STDOUT, FileKind.ENTRY_SCRIPT_LOG)
    for scan in facts.file_scans.values():
        if scan.file.kind in worker_kinds:
            gap = _gap_seconds(last_progress, scan.last_timestamp)
            if gap is not None and gap > threshold:
                return True
    return False


def decide_verdict(facts: JobFacts, findings: list[Finding], now: str | None = None) -> Verdict:
    status = (facts.job.status or "").lower()
    failed_work = _failed_work(facts)
    if status in FAILED_STATUSES:
        return Verdict.FAILED
    if status in DONE_STATUSES:
        return Verdict.PARTIAL if failed_work else Verdict.HEALTHY
    if any(f.fatal for f in findings) or facts.overview.stopped_early:
        return Verdict.FAILED
    if _finished(facts):
        return Verdict.PARTIAL if failed_work else Verdict.HEALTHY
    if status in ACTIVE_STATUSES:
        now_text = now or datetime.utcnow().isoformat()
        return Verdict.STALLED if stalled_since(facts, now_text) else Verdict.RUNNING
    if stalled_since(facts):
        return Verdict.STALLED
    if any(f.severity == Severity.ERROR and f.role in (Role.CAUSE, Role.UNKNOWN_ERROR) for f in findings):
        return Verdict.FAILED
    if facts.overview.last_progress is not None or facts.overview.no_task_processed_yet:
        return Verdict.RUNNING
    return Verdict.UNKNOWN


def _failed_work(facts: JobFacts) -> bool:
    report = facts.minibatches
    return report.present and (report.failed > 0 or report.items_failed > 0)


def _finished(facts: JobFacts) -> bool:
    if facts.overview.completed:
        return True
    return facts.count(*SUCCESS_TRIGGERS) > 0


VERDICT_PHRASE = {
    Verdict.FAILED: "The job failed",
    Verdict.PARTIAL: "The job finished, but some work failed",
    Verdict.STALLED: "The job stopped making progress",
    Verdict.RUNNING: "The job is still running",
    Verdict.HEALTHY: "The job finished and every mini-batch succeeded",
    Verdict.UNKNOWN: "The logs are too incomplete to judge the job",
}


def summarise(report: Report, facts: JobFacts) -> str:
    root = report.root_cause
    phrase = VERDICT_PHRASE[report.verdict]
    if report.verdict == Verdict.STALLED:
        since = stalled_since(facts) or (
            facts.overview.last_progress.timestamp if facts.overview.last_progress else "?"
        )
        last = facts.overview.last_progress
        progress = f" at {last.processed} of {last.total} mini-batches" if last else ""
        phrase = f"The job stopped making progress{progress} (last update {since})"
    if root is not None:
        return f"{phrase}: {root.message}"
    mini = report.stats.get("mini_batches") or {}
    if report.verdict == Verdict.HEALTHY and mini.get("total"):
        return f"{phrase} ({mini['total']} mini-batches)."
    top = report.findings[0] if report.findings else None
    if top is not None and top.severity == Severity.WARNING:
        return f"{phrase}. Worth a look: {top.message}"
    return f"{phrase}."
