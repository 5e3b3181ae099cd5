"""BT603 no-space-left-on-device: the node's disk filled up."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class NoSpaceLeft(SignatureRule):
    code = "BT603"
    name = "no-space-left-on-device"
    category = Category.DISK
    title = "The node ran out of disk space"
    remedy = (
        "Write temporary files to a folder you clean up inside run(), use download instead of mount for inputs "
        "with a large mount cache, or limit the cache (DATASET_MOUNT_CACHE_SIZE); choose a VM size with a larger "
        "temporary disk if the data must be local."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-read-write-data-v2"
    what = "A write failed with errno 28: the disk (often the mount cache under /mnt/azureml/cr/j/...) is full."
    why = "Every later write fails too, so the remaining mini-batches fail."
    example = "OSError: [Errno 28] No space left on device: '/mnt/azureml/cr/j/0a1b/cap/data-capability/tmp/x'"
    phase = 34
    fatal = False
    triggers = ("No space left on device", "[Errno 28]", "Errno 28")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "disk-full"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        peaks = [(p.disk_peak_percent, n) for n, p in facts.perf.items() if p.disk_peak_percent is not None]
        peak = f"; disk use peaked at {max(peaks)[0]:.0f}% on node {max(peaks)[1]}" if peaks else ""
        return f"Writes failed with 'No space left on device'{where(hits)}{peak}."
