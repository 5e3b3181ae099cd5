"""BT602 python-memory-error: Python raised MemoryError or the GPU ran out of memory."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, phase_of, where


class PythonMemoryError(SignatureRule):
    code = "BT602"
    name = "python-memory-error"
    category = Category.MEMORY
    title = "The scoring script ran out of memory"
    remedy = (
        "Process the mini-batch in smaller pieces (lower mini_batch_size), free large objects between files, "
        "lower max_concurrency_per_instance, or use a VM (or GPU) with more memory."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "An allocation failed inside the scoring script: MemoryError on the CPU, or 'CUDA out of memory' on a GPU."
    why = "The mini-batch fails; with the same data it fails again on every retry."
    example = "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"
    phase = 36
    triggers = ("MemoryError", "CUDA out of memory", "OOM when allocating", "ResourceExhaustedError")
    # The error types and messages of a failed allocation; allocator warnings ("ran out of memory trying to
    # allocate ... this is not a failure") do not count.
    pattern = re.compile(
        r"\w*(?:MemoryError|OutOfMemoryError)\b.*|CUDA out of memory.*|ResourceExhaustedError.*|OOM when allocating.*"
    )
    excluded_kinds = frozenset()

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "cuda" if "CUDA" in hit.text else "cpu"

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if "Killed process" in hit.text or "oom-kill" in hit.text:
                continue  # the kernel's OOM killer: BT601
            yield hit, match

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        phase = phase_of(facts, hits)
        what = "CUDA out of memory" if any("CUDA" in h.text for h in hits) else "MemoryError"
        inside = f" in {phase}()" if phase else ""
        return f"The scoring script ran out of memory{inside} ({what}){where(hits)}."
