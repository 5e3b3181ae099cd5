"""BT803 model-name-arg-reserved: ``--model_name`` among the driver's arguments makes PRS hang."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category, Finding, Severity
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule

# Other arguments of the PRS driver: a line holding one of them is the driver's command line, not user output.
DRIVER_MARKERS = (
    "amlbi_main",
    "--scoring_module_name",
    "--mini_batch_size",
    "--run_invocation_timeout",
    "--process_count_per_node",
    "--error_threshold",
    "--output_action",
)


class ModelNameArgReserved(SignatureRule):
    code = "BT803"
    name = "model-name-arg-reserved"
    category = Category.CONFIGURATION
    title = "The reserved argument --model_name was passed to the parallel job"
    remedy = (
        "Rename the argument (for example --model_id or --registered_model) in the step's arguments and in the "
        "scoring script's argparse; PRS reserves --model_name for itself."
    )
    docs_url = "https://github.com/Azure/MachineLearningNotebooks/issues/1394"
    what = "The scoring script's arguments include --model_name, which the ParallelRunStep driver reserves."
    why = "The job can hang forever without scheduling a single mini-batch, and no error says why."
    example = (
        "Command=python driver/amlbi_main.py --scoring_module_name score.py --mini_batch_size 10 "
        "--model_name churn-model ..."
    )
    phase = 8
    fatal = False
    triggers = ("--model_name",)
    pattern = re.compile(r"--model_name(?![\w-])(?:[ =]+['\"]?([^\s'\",\]]+))?")

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if any(marker in hit.text for marker in DRIVER_MARKERS):
                yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "model-name"

    def check(self, facts: JobFacts) -> Iterator[Finding]:
        stuck = _stuck(facts)
        for finding in super().check(facts):
            finding.severity = Severity.ERROR if stuck else Severity.WARNING
            finding.fatal = False
            yield finding

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        value = f" {match.group(1)}" if match and match.group(1) else ""
        if _made_progress(facts):
            return (
                f"The driver was started with the reserved argument --model_name{value}; this job got past it, but "
                "PRS versions that reserve it hang without scheduling mini-batches."
            )
        if not _stuck(facts):
            return (
                f"The driver was started with the reserved argument --model_name{value}: PRS versions that reserve it "
                "hang without scheduling mini-batches (the progress log is not in these logs)."
            )
        return (
            f"The driver was started with the reserved argument --model_name{value} and no mini-batch was ever "
            "processed: PRS reserves this argument and hangs."
        )


def _stuck(facts: JobFacts) -> bool:
    """The progress log is there and shows that nothing was processed."""
    return facts.overview.present and not _made_progress(facts)


def _made_progress(facts: JobFacts) -> bool:
    last = facts.overview.last_progress
    return facts.minibatches.present or (last is not None and last.processed > 0) or facts.overview.finished
