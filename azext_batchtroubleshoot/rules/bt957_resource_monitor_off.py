"""BT957 resource-monitor-off: the parallel job ran without its resource monitor, so there is no logs/perf."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.tables import parse_time
from .base import Rule, pick_evidence

SETTING_TRIGGER = "--resource_monitor_interval"
DEFAULT_INTERVAL_S = 600
PRS_KINDS = (FileKind.OVERVIEW, FileKind.MASTER, FileKind.WORKER_LOG, FileKind.MINIBATCH_REPORT)
PERF_KINDS = (FileKind.PERF_NODE, FileKind.PERF_DISK, FileKind.PERF_PROCESSES, FileKind.PERF_SNAPSHOT)


class ResourceMonitorOff(Rule):
    code = "BT957"
    name = "resource-monitor-off"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "No resource monitor data (logs/perf)"
    remedy = (
        "Keep the resource monitor on: drop '--resource_monitor_interval 0' from the program arguments (the default "
        "samples every 600 s; 60 s shows short peaks), and download the whole logs/ folder including logs/perf."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "PRS writes CPU, memory and disk use per node to logs/perf/<node>/ every --resource_monitor_interval "
        "seconds; 0 switches it off."
    )
    why = "Without it, out-of-memory kills, full disks and idle nodes can only be guessed at."
    example = "--resource_monitor_interval 0"
    phase = 85
    triggers = (SETTING_TRIGGER,)

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        interval = facts.settings.get("resource_monitor_interval", "")
        setting_hits = [h for h in facts.hits(SETTING_TRIGGER) if "resource_monitor_interval" in h.text]
        if interval == "0":
            message = (
                "The resource monitor was switched off (--resource_monitor_interval 0): there is no logs/perf data."
            )
            yield self.make(message, setting_hits[:1], count=1, evidence=pick_evidence(setting_hits, 1))
            return
        if not facts.has(*PRS_KINDS) or facts.has(*PERF_KINDS):
            return
        period = int(interval) if interval.isdigit() and int(interval) > 0 else DEFAULT_INTERVAL_S
        ran = _duration_s(facts)
        if ran is None or ran < period:
            return  # shorter than one sampling period: an empty logs/perf is expected
        message = (
            f"The parallel job ran {ran / 60:.0f} min but the logs hold no logs/perf folder: the resource monitor was "
            "off, or logs/perf was not downloaded."
        )
        evidence = [
            Evidence(path, None, f"job logs from {facts.earliest_timestamp} to {facts.latest_timestamp}")
            for path in facts.overview.files[:1] or facts.master.files[:1]
        ]
        yield self.make(message, (), count=1, evidence=evidence)


def _duration_s(facts: JobFacts) -> float | None:
    start, end = parse_time(facts.earliest_timestamp), parse_time(facts.latest_timestamp)
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()
