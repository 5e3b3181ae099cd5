"""BT923 std-log-banner-noise: the batch driver's start/end banner in user_logs/std_log*.txt is not the failure."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category, Role, Severity
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.scan import Hit
from .base import SignatureRule, unclaimed_tracebacks

# Files of the parallel job's own log tree (logs/...): where the cause of a batch job's failure is written.
PRS_KINDS = (
    FileKind.OVERVIEW,
    FileKind.MASTER,
    FileKind.JOB_RESULT,
    FileKind.JOB_ERROR,
    FileKind.USER_ERROR_SUMMARY,
    FileKind.USER_ERROR_TRACE,
    FileKind.WORKER_LOG,
    FileKind.WORKER_MAIN,
    FileKind.MINIBATCH_REPORT,
)


class StdLogBannerNoise(SignatureRule):
    code = "BT923"
    name = "std-log-banner-noise"
    category = Category.PLATFORM
    severity = Severity.INFO
    role = Role.NOISE
    title = "Known noise: the batch driver's banner in std_log"
    remedy = (
        "Nothing to fix in these lines. The cause of a batch job's failure is in the logs/ folder of the batchscoring "
        "step (logs/job_result.txt, logs/user/error/, logs/sys/); download it with 'az ml job download --all'."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
    what = (
        "Reported when the logs/ folder is missing from the download: "
        "user_logs/std_log*.txt of a batch job holds only 'Azure Machine Learning Batch Inference Start', "
        "'No started flag set. Skip creating started flag.', the End banner and, on failure, SystemExit: 42."
    )
    why = "The service's error points at std_log, which never holds the cause; these lines are easily mistaken for it."
    example = "[2024-01-16 01:56:57.441773] No started flag set. Skip creating started flag."
    phase = 100
    triggers = ("No started flag set. Skip creating started flag.",)
    kinds = frozenset({FileKind.STD_LOG})

    late = True  # after the cause rules: it speaks only when they found nothing

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "std-log-banner"

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        # With the logs/ tree at hand, or a cause found in what was read, the banner misleads nobody; otherwise say
        # where the cause is.
        if facts.has(*PRS_KINDS) or facts.causes_found or unclaimed_tracebacks(facts, any_phase=True):
            return
        yield from super().matches(facts)

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return (
            "user_logs/std_log holds only the batch driver's banner ('No started flag set'); the cause is in the logs/ "
            "folder of the batchscoring step, which is not in this download."
        )
