"""BT209 native-crash: a worker process died in native code (segmentation fault, abort, C++ exception)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, times, where


class NativeCrash(SignatureRule):
    code = "BT209"
    name = "native-crash"
    category = Category.ENTRY_SCRIPT
    title = "A worker process crashed in native code"
    remedy = (
        "Set PYTHONFAULTHANDLER=true in the deployment's environment_variables to get the Python stack of the crash; "
        "check that the native libraries match each other and the image (torch/CUDA/cuDNN, onnxruntime, numpy ABI); "
        "if processes share a GPU or memory, lower max_concurrency_per_instance."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "The process was killed by a signal raised in native code (SIGSEGV -11, SIGABRT -6), or a C++ exception "
        "escaped ('terminate called after throwing an instance of ...'): Python never saw an exception."
    )
    why = "There is no traceback in logs/user/error: the crash is only visible as this line and the worker's exit code."
    example = "stderr: terminate called after throwing an instance of 'c10::Error'"
    phase = 38
    triggers = (
        "terminate called after throwing an instance of",
        "Segmentation fault",
        "Fatal Python error",
        "exits with returncode -11",
        "exits with returncode -6",
    )
    pattern = re.compile(
        r"terminate called after throwing an instance of '?([^'\s]+)'?|Segmentation fault|Fatal Python error: (\w+)"
        r"|exits with returncode (-11|-6)\b"
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "native-crash"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        kinds = []
        for hit in hits:
            found = self.pattern.search(hit.text)
            if found is None:
                continue
            if found.group(1):
                kinds.append(f"C++ exception {found.group(1)}")
            elif found.group(2):
                kinds.append(f"Fatal Python error {found.group(2)}")
            elif found.group(3):
                kinds.append("SIGSEGV (-11)" if found.group(3) == "-11" else "SIGABRT (-6)")
            else:
                kinds.append("segmentation fault")
        what = ", ".join(dict.fromkeys(kinds)) or "a native crash"
        return f"Worker processes crashed in native code ({what}){where(hits)} ({times(len(hits))})."
