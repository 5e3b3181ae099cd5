"""BT604 mount-cache-disk-full: a node's disk came close to full, usually because of the input mount cache."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.tables import NodePerf
from .base import MAX_EVIDENCE, SignatureRule, pick_evidence

# Peak disk use of a node (percent of its size), from logs/perf/<node>/node_disk_usage.csv.
DISK_INFO_PERCENT = 85.0
DISK_WARNING_PERCENT = 92.0
DISK_ERROR_PERCENT = 97.0
DISK_BANDS = Bands(info=DISK_INFO_PERCENT, warning=DISK_WARNING_PERCENT, error=DISK_ERROR_PERCENT)
CACHE_TRIGGER = "whole_file_cache"
DISK_FULL_TEXTS = ("No space left on device", "Errno 28")


class MountCacheDiskFull(SignatureRule):
    code = "BT604"
    name = "mount-cache-disk-full"
    category = Category.DISK
    title = "A node's disk filled up (often the input mount cache)"
    remedy = (
        "Read inputs in download mode or shrink the mount cache (the environment variable DATASET_MOUNT_CACHE_SIZE, "
        "or the mount options' max_size / free_space_required), delete temporary files at the end of each run(), "
        "or choose a VM size with a larger temporary disk."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-read-write-data-v2"
    what = (
        "Mounted inputs are cached on the node's disk under /mnt/azureml/cr/j/<id>/cap/data-capability/tmp/"
        ".tmp<id>/whole_file_cache/; the cache grows with every file read and logs/perf shows the disk filling."
    )
    why = "When the disk is full every write fails (errno 28) and the remaining mini-batches fail with it."
    example = (
        "node_disk_usage.csv: 98.6 % used; OSError: [Errno 28] No space left on device: '.../whole_file_cache/...'"
    )
    # Just after BT603 (no-space-left-on-device, 34), whose failed write is the more direct proof; before it when the
    # failed writes themselves went into the mount cache (the more specific explanation).
    phase = 35
    cache_phase = 33
    triggers = (CACHE_TRIGGER, *DISK_FULL_TEXTS)
    pattern = re.compile(r"whole_file_cache")

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        unique = {(hit.file.path, hit.line): hit for hit, _ in self.matches(facts)}
        cache_hits = list(unique.values())
        full_cache_hits = [h for h in cache_hits if any(text in h.text for text in DISK_FULL_TEXTS)]
        worst = _worst_node(facts)
        severity = grade(worst.disk_peak_percent, DISK_BANDS) if worst else None
        failed = bool(full_cache_hits) or _disk_failed(facts)
        if full_cache_hits:
            severity = Severity.ERROR
        if severity is None:
            return
        if not failed and severity == Severity.ERROR:
            # A disk that came close to full but never failed a write is a warning about the next run.
            severity = Severity.WARNING
        parts: list[str] = []
        evidence: list[Evidence] = []
        if worst is not None and worst.disk_peak_percent is not None:
            parts.append(_disk_text(worst, facts))
            if worst.disk_file:
                at = f" at {worst.disk_peak_at}" if worst.disk_peak_at else ""
                evidence.append(
                    Evidence(worst.disk_file, worst.disk_peak_line, f"disk {worst.disk_peak_percent:.1f}% used{at}")
                )
        if full_cache_hits:
            parts.append("writes into the input mount cache (whole_file_cache) failed with 'No space left on device'")
        elif cache_hits:
            parts.append("the input is read through the mount cache (whole_file_cache), which grows with every file")
        evidence += pick_evidence(full_cache_hits or cache_hits, MAX_EVIDENCE - len(evidence))
        # Only a disk that really filled explains a failure; a disk close to full is advice.
        role = Role.CAUSE if failed else Role.ADVICE
        text = "; ".join(parts)
        finding = self.make(
            text[:1].upper() + text[1:] + ".",
            full_cache_hits,  # only failed writes are explained here; other cache lines stay open to other rules
            count=max(1, len(full_cache_hits)),
            evidence=evidence,
            severity=severity,
            role=role,
        )
        finding.fatal = False
        if full_cache_hits:
            finding.phase = self.cache_phase
        if worst is not None and worst.node and worst.node not in finding.nodes:
            finding.nodes = sorted({*finding.nodes, worst.node})
        yield finding


def _worst_node(facts: JobFacts) -> NodePerf | None:
    measured = [perf for perf in facts.perf.values() if perf.disk_peak_percent is not None]
    return max(measured, key=lambda perf: perf.disk_peak_percent or 0.0) if measured else None


def _disk_text(perf: NodePerf, facts: JobFacts) -> str:
    size = ""
    if perf.disk_peak_used_gb is not None and perf.disk_total_gb:
        size = f" ({perf.disk_peak_used_gb:.0f} of {perf.disk_total_gb:.0f} GB)"
    at = f" at {perf.disk_peak_at[:19]}" if perf.disk_peak_at else ""
    others = sum(
        1
        for node, other in facts.perf.items()
        if node != perf.node and grade(other.disk_peak_percent, DISK_BANDS) is not None
    )
    also = f", and {others} other node{'s' if others != 1 else ''} above {DISK_INFO_PERCENT:.0f}%" if others else ""
    return f"disk use reached {perf.disk_peak_percent or 0.0:.0f}%{size} on node {perf.node}{at}{also}"


def _disk_failed(facts: JobFacts) -> bool:
    return facts.count(*DISK_FULL_TEXTS) > 0
