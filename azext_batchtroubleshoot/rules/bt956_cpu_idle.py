"""BT956 cpu-idle: the nodes' CPUs were idle most of the time while the job ran."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.tables import parse_time
from .base import Rule
from .bt805_gpu_oversubscription import GPU_COUNT_TRIGGER, gpu_count

# Mean Cpu Percent of the busiest node (logs/perf/<node>/node_resource_usage.csv): every node is at or below it.
CPU_MEAN_INFO_PERCENT = 30.0
CPU_MEAN_WARNING_PERCENT = 15.0
CPU_MEAN_ERROR_PERCENT = 5.0
CPU_MEAN_BANDS = Bands(
    info=CPU_MEAN_INFO_PERCENT, warning=CPU_MEAN_WARNING_PERCENT, error=CPU_MEAN_ERROR_PERCENT, higher_is_worse=False
)
# Samples per node, inside the processing window, needed before a mean says anything (the monitor samples every
# 600 s by default).
MIN_SAMPLES = 3
MAX_SUGGESTED_FACTOR = 8
# What a node running enough processes should reach on average.
TARGET_CPU_PERCENT = 60.0


class CpuIdle(Rule):
    code = "BT956"
    name = "cpu-idle"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "The nodes' CPUs were idle most of the time"
    remedy = (
        "Run more work per node: raise max_concurrency_per_instance towards the VM's core count, or use a smaller "
        "VM size (or fewer nodes) for the same work. If run() waits on I/O, see the I/O-bound finding."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The resource monitor's Cpu Percent stayed low on every node while mini-batches were being processed."
    why = "Idle CPUs are paid for: the same job could run on fewer or smaller nodes, or finish sooner."
    example = "CPU averaged 7% on the busiest of 2 nodes (peak 22%)."
    phase = 80
    triggers = (GPU_COUNT_TRIGGER,)

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        window = _processing_window(facts)
        gpus, _ = gpu_count(facts)
        if window is None or gpus:
            return  # nothing was processed (idle CPUs say nothing), or GPU scoring leaves the CPUs idle by design
        means: dict[str, tuple[float, float, int]] = {}
        for node, perf in facts.perf.items():
            values = [value for stamp, value in perf.cpu_series.points if _inside(stamp, window)]
            if len(values) >= MIN_SAMPLES:
                means[node] = (statistics.fmean(values), max(values), len(values))
        if not means:
            return
        busiest = max(means, key=lambda node: means[node][0])
        mean, peak, samples = means[busiest]
        severity = grade(mean, CPU_MEAN_BANDS)
        if severity is None:
            return
        factor = min(MAX_SUGGESTED_FACTOR, max(2, int(TARGET_CPU_PERCENT / max(mean, 1.0))))
        configured = facts.settings.get("process_count_per_node", "")
        now = f" (now {configured})" if configured.isdigit() else ""
        scope = f"the busiest of {len(means)} nodes" if len(means) > 1 else f"node {busiest}"
        message = (
            f"While mini-batches ran, CPU averaged {mean:.0f}% on {scope} (peak {peak:.0f}%, {samples} samples): the "
            f"nodes mostly waited. About {factor}× the concurrent processes would still leave CPU headroom: raise "
            f"max_concurrency_per_instance{now}, or use fewer or smaller nodes."
        )
        evidence = [
            Evidence(path, None, f"node {node}: Cpu Percent mean {means[node][0]:.1f} while mini-batches ran")
            for node in sorted(means, key=lambda node: -means[node][0])
            if (path := facts.perf[node].node_file)
        ][:4]
        finding = self.make(message, (), count=1, evidence=evidence, severity=severity)
        finding.nodes = sorted(means)
        yield finding


def _processing_window(facts: JobFacts) -> tuple[datetime, datetime] | None:
    """From the first mini-batch's start to the last one's end (the CSV), else the span of the progress lines."""
    report = facts.minibatches
    if report.started_at is not None and report.ended_at is not None:
        return report.started_at, report.ended_at
    points = [p for p in facts.overview.progress if p.processed > 0]
    first, last = (parse_time(points[0].timestamp), parse_time(points[-1].timestamp)) if points else (None, None)
    if first is None or last is None:
        return None
    return first, last


def _inside(stamp: str, window: tuple[datetime, datetime]) -> bool:
    moment = parse_time(stamp)
    return moment is not None and window[0] <= moment <= window[1]
