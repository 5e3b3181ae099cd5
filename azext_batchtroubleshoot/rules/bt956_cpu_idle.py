"""BT956 cpu-idle: the nodes' CPUs were idle most of the time while the job ran."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from .base import Rule
from .bt805_gpu_oversubscription import GPU_COUNT_TRIGGER, gpu_count

# Mean Cpu Percent of the busiest node (logs/perf/<node>/node_resource_usage.csv): every node is at or below it.
CPU_MEAN_INFO_PERCENT = 30.0
CPU_MEAN_WARNING_PERCENT = 15.0
CPU_MEAN_ERROR_PERCENT = 5.0
CPU_MEAN_BANDS = Bands(
    info=CPU_MEAN_INFO_PERCENT, warning=CPU_MEAN_WARNING_PERCENT, error=CPU_MEAN_ERROR_PERCENT, higher_is_worse=False
)
# Samples per node needed before a mean says anything (the monitor samples every 600 s by default).
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
    what = "The resource monitor's Cpu Percent stayed low on every node for the whole job."
    why = "Idle CPUs are paid for: the same job could run on fewer or smaller nodes, or finish sooner."
    example = "CPU averaged 7% on the busiest of 2 nodes (peak 22%)."
    phase = 80
    triggers = (GPU_COUNT_TRIGGER,)

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        nodes = [perf for perf in facts.perf.values() if perf.cpu_samples >= MIN_SAMPLES and perf.cpu_mean is not None]
        if not nodes:
            return
        gpus, _ = gpu_count(facts)
        if gpus:
            return  # GPU scoring leaves the CPUs idle by design
        busiest = max(nodes, key=lambda perf: perf.cpu_mean or 0.0)
        mean = busiest.cpu_mean or 0.0
        severity = grade(mean, CPU_MEAN_BANDS)
        if severity is None:
            return
        factor = min(MAX_SUGGESTED_FACTOR, max(2, int(TARGET_CPU_PERCENT / max(mean, 1.0))))
        configured = facts.settings.get("process_count_per_node", "")
        now = f" (now {configured})" if configured else ""
        scope = f"the busiest of {len(nodes)} nodes" if len(nodes) > 1 else f"node {busiest.node}"
        message = (
            f"CPU averaged {mean:.0f}% on {scope} (peak {busiest.cpu_peak or 0.0:.0f}%, {busiest.cpu_samples} "
            f"samples): the nodes mostly waited. About {factor}× the concurrent processes would still leave CPU "
            f"headroom: raise max_concurrency_per_instance{now}, or use fewer or smaller nodes."
        )
        evidence = [
            Evidence(perf.node_file, None, f"node {perf.node}: Cpu Percent mean {perf.cpu_mean or 0.0:.1f}")
            for perf in sorted(nodes, key=lambda perf: -(perf.cpu_mean or 0.0))
            if perf.node_file
        ][:4]
        finding = self.make(message, (), count=1, evidence=evidence, severity=severity)
        finding.nodes = sorted(perf.node for perf in nodes)
        yield finding
