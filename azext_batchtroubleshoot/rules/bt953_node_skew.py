"""BT953 node-skew: one node was busy much longer than the others."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import ClassVar

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.tables import GroupStats
from .base import Rule

# Busy time (sum of Elapsed Seconds) of the busiest node over the median node. Dr. Elephant's skew heuristics start
# at 2×; with two nodes the ratio cannot pass 2, so the bands start lower.
NODE_SKEW_INFO = 1.5
NODE_SKEW_WARNING = 2.0
NODE_SKEW_ERROR = 3.0
NODE_SKEW_BANDS = Bands(info=NODE_SKEW_INFO, warning=NODE_SKEW_WARNING, error=NODE_SKEW_ERROR)
# Skew over a few minutes of work is not worth a word.
MIN_TOTAL_BUSY_S = 600.0


class NodeSkew(Rule):
    code = "BT953"
    name = "node-skew"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Work was spread unevenly across nodes"
    remedy = (
        "Use fewer nodes (instance_count) when some stay short of work - the tuning guide reads a skewed "
        "node_summary.csv as too many nodes - use smaller mini-batches so the last ones spread out, and split the "
        "few very large input files that keep one node busy."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "The busy time of each node is the sum of its mini-batches' Elapsed Seconds (processed_mini-batches.csv); "
        "the finding compares the busiest node with the median node."
    )
    why = "The job lasts as long as its busiest node; the others stand idle and billed until it finishes."
    example = "Node 3 was busy 5 h 10 min, 2.6× the median node (1 h 58 min) across 4 nodes."
    phase = 81
    bands: ClassVar[Bands] = NODE_SKEW_BANDS
    unit: ClassVar[str] = "node"
    units: ClassVar[str] = "nodes"
    summary_file: ClassVar[str] = "node_summary.csv"

    def groups(self, facts: JobFacts) -> dict[str, GroupStats]:
        return dict(facts.minibatches.by_node)

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        groups = self.groups(facts)
        if len(groups) < 2:
            return
        busy = {name: group.elapsed for name, group in groups.items()}
        total = sum(busy.values())
        median = statistics.median(busy.values())
        if total < MIN_TOTAL_BUSY_S or median <= 0:
            return
        busiest = max(busy, key=lambda name: busy[name])
        ratio = busy[busiest] / median
        severity = grade(ratio, self.bands)
        if severity is None:
            return
        saving = 1 - statistics.fmean(busy.values()) / busy[busiest]
        message = (
            f"{self.unit.capitalize()} {busiest} was busy {_duration(busy[busiest])} on "
            f"{groups[busiest].count} mini-batches, {ratio:.1f}× the median {self.unit} ({_duration(median)}) across "
            f"{len(groups)} {self.units}; with the work spread evenly (smaller mini-batches, split large inputs) the "
            f"processing could end about {saving:.0%} sooner."
        )
        yield self.make(message, (), count=1, evidence=self._evidence(facts, busiest, busy), severity=severity)

    def _evidence(self, facts: JobFacts, busiest: str, busy: dict[str, float]) -> list[Evidence]:
        evidence = [
            Evidence(f.path, None, f"{self.unit} {busiest}: busy {busy[busiest]:.0f} s")
            for f in facts.files(FileKind.SUMMARY_REPORT)
            if f.path.endswith(self.summary_file)
        ][:1]
        report = facts.minibatches
        for _, _, row in report.slowest:
            owner = row.node if self.unit == "node" else (f"{row.node}/{row.process}" if row.node else row.process)
            if owner == busiest:
                evidence.append(
                    Evidence(row.path, row.line, f"Mini-batch {row.mini_batch} on {busiest}: {row.elapsed or 0:g} s")
                )
                break
        if not evidence and report.files:
            evidence.append(Evidence(report.files[0], None, f"{self.unit} {busiest}: busy {busy[busiest]:.0f} s"))
        return evidence


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 120:
        return f"{whole} s"
    if whole < 7200:
        return f"{whole // 60} min"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
