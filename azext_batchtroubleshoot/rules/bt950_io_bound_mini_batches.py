"""BT950 io-bound-mini-batches: mini-batches spend most of their time waiting, not computing."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.tables import MiniBatchReport
from .base import Rule
from .bt805_gpu_oversubscription import GPU_COUNT_TRIGGER, gpu_count

# Process Seconds / Elapsed Seconds over all mini-batch runs (processed_mini-batches.csv). The PRS tuning guide
# expects about 70 % or more for CPU-bound scoring; below that run() mostly waits for I/O or the network.
CPU_SHARE_INFO = 0.70
CPU_SHARE_WARNING = 0.50
CPU_SHARE_ERROR = 0.25
CPU_SHARE_BANDS = Bands(info=CPU_SHARE_INFO, warning=CPU_SHARE_WARNING, error=CPU_SHARE_ERROR, higher_is_worse=False)
# Too little to judge below these.
MIN_TIMED_RUNS = 5
MIN_ELAPSED_TOTAL_S = 60.0
MAX_SUGGESTED_FACTOR = 8


def cpu_share(report: MiniBatchReport) -> tuple[float, float, int] | None:
    """(process seconds, elapsed seconds, runs) over the mini-batch runs that report both."""
    if report.cpu_timed_attempts and report.cpu_timed_attempts == report.timed_attempts:
        return report.process_seconds_total, report.elapsed_total, report.cpu_timed_attempts
    pairs = [(r.process_seconds, r.elapsed) for r in report.timeline if r.process_seconds is not None and r.elapsed]
    if not pairs:
        return None
    process = sum(min(p or 0.0, e or 0.0) for p, e in pairs)
    elapsed = sum(e or 0.0 for _, e in pairs)
    return process, elapsed, len(pairs)


class IoBoundMiniBatches(Rule):
    code = "BT950"
    name = "io-bound-mini-batches"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Mini-batches mostly wait instead of computing (I/O-bound)"
    remedy = (
        "Overlap the waiting: raise max_concurrency_per_instance so more processes share each node's CPUs, read "
        "inputs in download mode (or copy them to local disk once) instead of streaming through a mount, and read "
        "the files of a mini-batch concurrently inside run(). Look for slow network calls in run()."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "processed_mini-batches.csv gives each run's Elapsed Seconds and Process Seconds (CPU time); when CPU time is "
        "well below the elapsed time, run() was waiting for input reads, network calls or a GPU."
    )
    why = "Waiting processes hold the node without using it: the job takes longer and costs more than it needs to."
    example = "Mini-batches spent 31% of their elapsed time on the CPU (1.2 h of 3.9 h over 480 runs)."
    phase = 80
    triggers = (GPU_COUNT_TRIGGER,)

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        report = facts.minibatches
        measured = cpu_share(report)
        if measured is None:
            return
        process, elapsed, runs = measured
        if runs < MIN_TIMED_RUNS or elapsed < MIN_ELAPSED_TOTAL_S:
            return
        share = process / elapsed
        severity = grade(share, CPU_SHARE_BANDS)
        if severity is None:
            return
        gpus, _ = gpu_count(facts)
        on_gpu = bool(gpus)
        if on_gpu:
            severity = Severity.INFO  # CPU time does not count GPU work: a low share is expected there
        factor = min(MAX_SUGGESTED_FACTOR, max(2, int(1 / max(share, 0.01))))
        processes = facts.settings.get("process_count_per_node", "")
        now = f" (now {processes})" if processes.isdigit() else ""
        message = (
            f"Mini-batches spent {share:.0%} of their elapsed time on the CPU ({_hours(process)} of {_hours(elapsed)} "
            f"over {runs} runs); the rest was waiting for input reads"
            + (", the network or the GPU (expected when the model runs on the GPU)" if on_gpu else " or the network")
            + f". The CPUs could keep up with about {factor}× as many concurrent processes: raise "
            f"max_concurrency_per_instance{now}, or prefetch the inputs."
        )
        yield self.make(message, (), count=runs, evidence=_evidence(report), severity=severity)


def _hours(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _evidence(report: MiniBatchReport) -> list[Evidence]:
    rows = [entry[2] for entry in report.slowest if entry[2].process_seconds is not None]
    chosen: list[Evidence] = []
    for row in rows[:2]:
        chosen.append(
            Evidence(
                row.path,
                row.line,
                f"Mini-batch {row.mini_batch}: Elapsed Seconds {row.elapsed or 0.0:g}, "
                f"Process Seconds {row.process_seconds or 0.0:g}",
            )
        )
    if not chosen and report.files:
        chosen.append(Evidence(report.files[0], None, "Elapsed Seconds / Process Seconds per mini-batch"))
    return chosen
