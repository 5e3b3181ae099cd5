"""BT810 progress-reporting-stopped: the progress log went silent before the job finished."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime, timedelta

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.verdict import progress_stopped_at
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.tables import end_of, parse_time
from .base import Rule

# Worker files whose last timestamp shows that processes were still busy.
WORKER_KINDS = frozenset({FileKind.WORKER_LOG, FileKind.USER_STDOUT, FileKind.ENTRY_SCRIPT_LOG, FileKind.WORKER_MAIN})
# Activity this long after the last progress line counts as "the work went on" (progress lines come every 10 s to
# 2 min, so a couple of minutes is within the normal lag).
ACTIVITY_MARGIN_S = 180.0
DEFAULT_CADENCE_S = 120.0


class ProgressReportingStopped(Rule):
    code = "BT810"
    name = "progress-reporting-stopped"
    category = Category.PLATFORM
    severity = Severity.WARNING
    role = Role.SYMPTOM
    title = "The progress log stopped before the job finished"
    remedy = (
        "If the workers kept going, the progress log and the studio's 'Job progress' metric are stale: follow "
        "logs/sys/job_report/processed_mini-batches.csv and the worker logs instead, and let the job finish. If "
        "nothing happened after the last progress line, the workers are stuck: read the last lines of "
        "logs/sys/node/<node>/processNNN.txt and logs/user/stdout/<node>/, then cancel and fix the hang."
    )
    docs_url = "https://github.com/Azure/azure-sdk-for-python/issues/30421"
    what = (
        "logs/job_progress_overview*.txt gets a progress line every 10 s to 2 min while mini-batches finish; here it "
        "went silent (or 'The overviewer on <node> stopped') with mini-batches left."
    )
    why = (
        "Either the job is stuck (nothing finishes any more), or only the reporting stopped while the work went on, "
        "which makes a healthy job look hung."
    )
    example = (
        "2023-05-16T22:20:53.233813 Processed 4117 of 20000 mini batches in 5:02:14. Estimated remaining time "
        "19:25:59. / 2023-05-16T22:22:08.962071 The overviewer on 7 stopped."
    )
    phase = 92

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        since = progress_stopped_at(facts)
        last = facts.overview.last_progress
        if since is None or last is None:
            return
        last_at = parse_time(last.timestamp)
        if last_at is None:
            return
        evidence = [
            Evidence(last.path, last.line, f"{last.timestamp} Processed {last.processed} of {last.total} mini batches")
        ]
        stopped = next(
            (m for m in facts.overview.overviewer_stopped if (m.timestamp or "") > last.timestamp),
            None,
        )
        if stopped is not None:
            evidence.append(Evidence(stopped.path, stopped.line, stopped.text))
        where = f" at {last.processed} of {last.total} mini-batches ({last.timestamp[:19]})"
        overviewer = ""
        if stopped is not None and stopped.timestamp:
            said = stopped.text.split(" ", 1)[-1].rstrip(".")
            overviewer = f"; {said[:1].lower()}{said[1:]} at {stopped.timestamp[:19]}"
        finished_after, last_work, work_evidence = _work_after(facts, last_at)
        if finished_after or last_work is not None:
            evidence += work_evidence
            later = f"{finished_after} more mini-batches finished after it" if finished_after else "the workers logged"
            until = f", the last at {last_work:%Y-%m-%d %H:%M:%S}" if last_work else ""
            message = (
                f"Progress reporting stopped{where}{overviewer}, but the work went on: {later}{until}. The progress "
                "log and the 'Job progress' metric are stale."
            )
            yield self.make(message, (), count=1, evidence=evidence[:4], role=Role.ADVICE)
            return
        gap = _gap(last_at, facts.latest_timestamp)
        cadence = _cadence(facts)
        silence = (
            f"; the logs go on for {_duration(gap)} without another finished mini-batch "
            f"({gap / cadence:.0f}× the usual {_duration(cadence)} between updates)"
            if gap
            else ""
        )
        message = (
            f"No mini-batch finished after {last.timestamp[:19]} ({last.processed} of {last.total} done){overviewer}"
            f"{silence}: the workers are stuck or gone."
        )
        yield self.make(message, (), count=1, evidence=evidence[:4])


def _work_after(facts: JobFacts, last_at: datetime) -> tuple[int, datetime | None, list[Evidence]]:
    """Mini-batches that finished, and the latest worker activity, clearly after the last progress line."""
    threshold = last_at + timedelta(seconds=ACTIVITY_MARGIN_S)
    finished = 0
    latest: datetime | None = None
    evidence: list[Evidence] = []
    for row in facts.minibatches.timeline:
        start = parse_time(row.start)
        if start is None:
            continue
        end = end_of(start, row.elapsed)
        if end > threshold:
            finished += 1
            if latest is None or end > latest:
                latest = end
                evidence = [Evidence(row.path, row.line, f"Mini-batch {row.mini_batch} finished at {end:%H:%M:%S}")]
    for path, scan in facts.file_scans.items():
        if scan.file.kind not in WORKER_KINDS:
            continue
        stamp = parse_time(scan.last_timestamp)
        if stamp is not None and stamp > threshold and (latest is None or stamp > latest):
            latest = stamp
            evidence = [Evidence(path, scan.lines or None, f"last worker log line at {stamp:%Y-%m-%d %H:%M:%S}")]
    return finished, latest, evidence


def _gap(last_at: datetime, latest: str | None) -> float:
    end = parse_time(latest)
    return max(0.0, (end - last_at).total_seconds()) if end else 0.0


def _cadence(facts: JobFacts) -> float:
    stamps = [parse_time(point.timestamp) for point in facts.overview.progress]
    times = [stamp for stamp in stamps if stamp is not None]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:]) if b > a]
    return statistics.median(gaps) if gaps else DEFAULT_CADENCE_S


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
