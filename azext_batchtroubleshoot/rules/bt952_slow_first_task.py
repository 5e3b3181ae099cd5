"""BT952 slow-first-task: the master took long to create the first mini-batch while every node waited."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.tables import parse_time
from .base import Rule

# Seconds from the master's "Start scheduling." to FIRST_TASK_SCHEDULED. The tuning guide measured about 5 min
# for a folder of 1 million files in the same region; the job fails at --first_task_creation_timeout (600 s).
FIRST_TASK_INFO_S = 120.0
FIRST_TASK_WARNING_S = 300.0
FIRST_TASK_ERROR_S = 480.0
FIRST_TASK_BANDS = Bands(info=FIRST_TASK_INFO_S, warning=FIRST_TASK_WARNING_S, error=FIRST_TASK_ERROR_S)
DEFAULT_FIRST_TASK_TIMEOUT_S = 600


class SlowFirstTask(Rule):
    code = "BT952"
    name = "slow-first-task"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Creating the first mini-batch took long"
    remedy = (
        "Keep at most about 1 million files per input folder (fewer, larger files list faster), keep the data in "
        "the workspace's region, and pass a folder rather than many single files; if the listing must stay slow, "
        "raise --first_task_creation_timeout before it fails the job."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "Before the first mini-batch exists the master lists the input; logs/sys/master_role*.txt shows "
        "'Start scheduling.' and, later, 'setting job stage to FIRST_TASK_SCHEDULED'."
    )
    why = "All nodes are allocated and idle meanwhile, and past --first_task_creation_timeout the job fails."
    example = (
        "Creating the first mini-batch took 4 min 22 s (Start scheduling 01:38:51 → FIRST_TASK_SCHEDULED 01:43:16)."
    )
    phase = 80

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        master = facts.master
        start, first = master.start_scheduling, master.first_task
        seconds: float | None = None
        evidence: list[Evidence] = []
        what = ""
        if start is not None and first is not None:
            begin, end = parse_time(start.timestamp), parse_time(first.timestamp)
            if begin is not None and end is not None and end >= begin:
                seconds = (end - begin).total_seconds()
                evidence = [Evidence(start.path, start.line, start.text), Evidence(first.path, first.line, first.text)]
                what = (
                    f"Creating the first mini-batch took {_duration(seconds)} (Start scheduling "
                    f"{start.timestamp[11:19] if start.timestamp else '?'} → FIRST_TASK_SCHEDULED "
                    f"{first.timestamp[11:19] if first.timestamp else '?'})"
                )
        if seconds is None and facts.overview.scheduling_seconds is not None and facts.overview.scheduled_at:
            seconds = facts.overview.scheduling_seconds
            marked = facts.overview.scheduled_at
            evidence = [Evidence(marked.path, marked.line, marked.text)]
            what = f"Scheduling the mini-batches took {_duration(seconds)}"
        severity = grade(seconds, FIRST_TASK_BANDS)
        if seconds is None or severity is None:
            return
        nodes = len(set(facts.nodes) | set(facts.minibatches.by_node) | set(facts.perf))
        idle = f"; {nodes} nodes sat idle meanwhile ({nodes * seconds / 3600:.1f} node-hours)" if nodes > 1 else ""
        limit = facts.settings.get("first_task_creation_timeout", "")
        limit = limit if limit.isdigit() else str(DEFAULT_FIRST_TASK_TIMEOUT_S)
        message = (
            f"{what}{idle}. The job fails at --first_task_creation_timeout ({limit} s); fewer, larger input files or "
            "smaller folders list faster."
        )
        yield self.make(message, (), count=1, evidence=evidence, severity=severity)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 120:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60} s"
