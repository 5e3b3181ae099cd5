"""BT805 gpu-oversubscription: more worker processes per node than the node has GPUs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.models import Category, Finding, Role, Severity
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import Rule, pick_evidence

GPU_COUNT_TRIGGER = "AZ_BATCHAI_GPU_COUNT_FOUND"
CUDA_TRIGGER = "CUDA_VISIBLE_DEVICES"
PROCESS_COUNT_TRIGGER = "--process_count_per_node"
_GPU_COUNT = re.compile(r"AZ_BATCHAI_GPU_COUNT_FOUND['\"]?\s*[:=]\s*['\"]?(\d+)")
_CUDA_EMPTY = re.compile(r"CUDA_VISIBLE_DEVICES['\"]?\s*[:=]\s*(?:['\"]\s*['\"]|(?:$|\s|,))")


def gpu_count(facts: JobFacts) -> tuple[int | None, list[Hit]]:
    """The GPUs per node the platform reported (AZ_BATCHAI_GPU_COUNT_FOUND), and the lines that say so."""
    found: list[tuple[int, Hit]] = []
    for hit in facts.hits(GPU_COUNT_TRIGGER):
        match = _GPU_COUNT.search(hit.text)
        if match:
            found.append((int(match.group(1)), hit))
    if not found:
        return None, []
    return max(count for count, _ in found), [hit for _, hit in found]


class GpuOversubscription(Rule):
    code = "BT805"
    name = "gpu-oversubscription"
    category = Category.CONFIGURATION
    severity = Severity.WARNING
    role = Role.ADVICE
    title = "More worker processes per node than GPUs"
    remedy = (
        "Set max_concurrency_per_instance (process_count_per_node) to the number of GPUs of the VM size, or make "
        "the scoring script share the GPUs on purpose; batch more items per forward pass instead of adding "
        "processes."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "PRS gives each worker process its own GPU through CUDA_VISIBLE_DEVICES; processes beyond the GPU count "
        "(AZ_BATCHAI_GPU_COUNT_FOUND) get none."
    )
    why = (
        "The extra processes run the model on the CPU (slow, and prone to run() timeouts) or crowd onto a GPU and "
        "run out of GPU memory."
    )
    example = "AZ_BATCHAI_GPU_COUNT_FOUND=1 with --process_count_per_node 4"
    phase = 30
    triggers = (GPU_COUNT_TRIGGER, CUDA_TRIGGER, PROCESS_COUNT_TRIGGER)

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        gpus, gpu_hits = gpu_count(facts)
        configured = facts.settings.get("process_count_per_node", "")
        if gpus is None or gpus < 1 or not configured.isdigit() or int(configured) <= gpus:
            return
        processes = int(configured)
        no_gpu = [h for h in facts.hits(CUDA_TRIGGER) if _CUDA_EMPTY.search(h.text)]
        setting_hits = [h for h in facts.hits(PROCESS_COUNT_TRIGGER) if "process_count_per_node" in h.text]
        idle = processes - gpus
        detail = f"; {len(no_gpu)} worker log lines show an empty CUDA_VISIBLE_DEVICES" if no_gpu else ""
        message = (
            f"{processes} worker processes per node share {gpus} GPU{'s' if gpus != 1 else ''}: {idle} process"
            f"{'es' if idle != 1 else ''} per node get no GPU and run on the CPU or contend for GPU memory{detail}."
        )
        hits = gpu_hits + setting_hits[:1] + no_gpu
        finding = self.make(message, hits, count=1, evidence=pick_evidence(hits))
        finding.claimed = set()
        yield finding
