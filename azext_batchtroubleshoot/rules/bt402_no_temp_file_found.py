"""BT402 no-temp-file-found: at the end of an append_row job the master found no temp result file to concatenate.

Either no mini-batch produced a result (then the failures of the mini-batches are the cause), or, with a
ParallelRunStep writing to an ``OutputFileDatasetConfig``, the known PRS bug fixed on 2021-01-17.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.models import Category, Finding, Role
from ..logs.facts import JobFacts
from .base import SignatureRule, where

# Texts that show mini-batches failed (their own rules explain why).
_FAILURE_TRIGGERS = (
    "There is no succeeded mini batch item returned from run()",
    "in the entry scipt had",
    "in the entry script had",
    "which exceeds error threshold",
)


class NoTempFileFound(SignatureRule):
    code = "BT402"
    name = "no-temp-file-found"
    category = Category.OUTPUT
    title = "No temp result file was found to build the output file"
    remedy = (
        "If mini-batches failed, fix those failures (see the other findings): there was nothing to write. If every "
        "mini-batch succeeded and the step writes to an OutputFileDatasetConfig, this is a ParallelRunStep bug that "
        "was fixed on 2021-01-17: update azureml-pipeline-steps and azureml-core and submit the pipeline again (or "
        "use PipelineData for the output)."
    )
    docs_url = "https://github.com/Azure/azure-sdk-for-python/issues/16568"
    what = "The master looked for the workers' temp result files to concatenate (append_row) and found none."
    why = "The job fails without an output file."
    example = "Exception: No temp file found."
    phase = 60
    fatal = True
    triggers = ("No temp file found", *_FAILURE_TRIGGERS)
    pattern = re.compile(r"No temp file found")

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        hits = [hit for hit, _ in self.matches(facts)]
        if not hits:
            return
        report = facts.minibatches
        failed_work = facts.count(*_FAILURE_TRIGGERS) > 0 or (report.present and report.succeeded == 0)
        if failed_work:
            message = (
                f"No temp result file was found to build the output file{where(hits)}: no mini-batch produced a "
                "result (see why they failed)."
            )
            yield self.make(message, hits, role=Role.SYMPTOM, group_key="no-temp-file")
            return
        message = (
            f"No temp result file was found to build the output file{where(hits)}, although no mini-batch is "
            "known to have failed: most likely the ParallelRunStep + OutputFileDatasetConfig bug fixed on 2021-01-17."
        )
        yield self.make(message, hits, group_key="no-temp-file")
