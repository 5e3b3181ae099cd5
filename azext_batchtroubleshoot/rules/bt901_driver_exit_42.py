"""BT901 driver-exit-42: the batch driver exited with code 42, which only says that the job failed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.scan import Hit
from .base import SignatureRule, unclaimed_tracebacks


class DriverExit42(SignatureRule):
    code = "BT901"
    name = "driver-exit-42"
    category = Category.PLATFORM
    role = Role.SYMPTOM
    title = "The batch driver exited with code 42"
    remedy = (
        "Exit code 42 is how the driver reports that the job failed; the cause is in logs/job_result.txt, "
        "logs/user/error/<node>/processNNN.txt and logs/user/stdout/<node>/. Download the whole logs/ folder of "
        "the batchscoring step and run diagnose on it."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The driver (driver/amlbi_main.py) ends with SystemExit: 42 after it logged the real error elsewhere."
    why = "It is the message the service shows, but it never says why; the job's other logs do."
    example = (
        "Execution failed. User process '/azureml-envs/azureml_7594/bin/python' exited with status code 42. "
        "Please check log file 'user_logs/std_log_0.txt' for error details."
    )
    phase = 99
    fatal = True
    late = True  # runs after the cause rules, so it can tell whether the logs hold a cause
    triggers = ("exited with status code 42", "SystemExit: 42", "Exit code: 42", "exit code 42")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "exit-42"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        cause_elsewhere = facts.causes_found or unclaimed_tracebacks(facts, any_phase=True)
        if not cause_elsewhere and not facts.has(*PRS_TREE_KINDS):
            return (
                "The batch driver exited with code 42 (the job failed), and no cause was found in the logs that were "
                "read: the cause is in the logs/ folder of the batchscoring step, which this folder does not hold."
            )
        return "The batch driver exited with code 42: the job failed (this code only reports the failure)."


# Where the driver writes the real error when it exits with 42.
PRS_TREE_KINDS = (
    FileKind.JOB_RESULT,
    FileKind.JOB_ERROR,
    FileKind.USER_ERROR_SUMMARY,
    FileKind.USER_ERROR_TRACE,
    FileKind.WORKER_LOG,
    FileKind.MASTER,
    FileKind.USER_STDOUT,
)
