"""BT955 memory-near-limit: a node's memory came close to full while the job ran."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.tables import NodePerf
from .base import Rule

# Peak Memory Used Percent of a node (logs/perf/<node>/node_resource_usage.csv). At 100 % the kernel's
# out-of-memory killer ends a worker (exit -9); the monitor samples only every 600 s by default, so the real
# peak is usually higher than the one logged.
MEMORY_INFO_PERCENT = 80.0
MEMORY_WARNING_PERCENT = 90.0
MEMORY_ERROR_PERCENT = 95.0
MEMORY_BANDS = Bands(info=MEMORY_INFO_PERCENT, warning=MEMORY_WARNING_PERCENT, error=MEMORY_ERROR_PERCENT)


class MemoryNearLimit(Rule):
    code = "BT955"
    name = "memory-near-limit"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Memory came close to the node's limit"
    remedy = (
        "Leave headroom: lower max_concurrency_per_instance or mini_batch_size, free large objects between files "
        "in run(), or use a VM size with more memory; lower --resource_monitor_interval to see the real peak."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "The resource monitor (logs/perf/<node>/node_resource_usage.csv) logged memory use close to the node's total."
    )
    why = "A slightly larger mini-batch or one more process gets workers killed with exit code -9 (out of memory)."
    example = "Memory peaked at 93% of 16 GB on node 1 (2024-05-12T10:20:00); ~3.7 GB per process with 4 processes."
    phase = 80

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        measured = [perf for perf in facts.perf.values() if perf.memory_peak_percent is not None]
        if not measured:
            return
        worst = max(measured, key=lambda perf: perf.memory_peak_percent or 0.0)
        peak = worst.memory_peak_percent or 0.0
        severity = grade(peak, MEMORY_BANDS)
        if severity is None:
            return
        message = f"Memory peaked at {peak:.0f}%{_of(worst)} on node {worst.node}"
        message += f" ({worst.memory_peak_at[:19]})" if worst.memory_peak_at else ""
        others = sum(1 for perf in measured if perf is not worst and grade(perf.memory_peak_percent, MEMORY_BANDS))
        if others:
            message += f", and above {MEMORY_INFO_PERCENT:.0f}% on {others} other node{'s' if others != 1 else ''}"
        message += _per_process(worst, facts.settings.get("process_count_per_node", ""))
        message += "; the out-of-memory killer ends workers (exit -9) at 100%."
        evidence = []
        if worst.node_file:
            evidence.append(
                Evidence(
                    worst.node_file,
                    worst.memory_peak_line,
                    f"Memory Used Percent {peak:.1f} at {worst.memory_peak_at or '?'}",
                )
            )
        finding = self.make(message, (), count=1, evidence=evidence, severity=severity)
        finding.nodes = sorted(perf.node for perf in measured if grade(perf.memory_peak_percent, MEMORY_BANDS))
        yield finding


def _of(perf: NodePerf) -> str:
    return f" of {perf.memory_total_mb / 1024:.0f} GB" if perf.memory_total_mb else ""


def _per_process(perf: NodePerf, configured: str) -> str:
    if not configured.isdigit() or int(configured) < 1 or not perf.memory_total_mb:
        return ""
    processes = int(configured)
    used = perf.memory_total_mb * (perf.memory_peak_percent or 0.0) / 100
    each = used / processes
    free = perf.memory_total_mb - used
    room = int(free // each) if each > 0 else 0
    fits = f"room for {room} more" if room else "no room for one more"
    return f"; ~{each / 1024:.1f} GB per process with {processes} processes per node, {fits}"
