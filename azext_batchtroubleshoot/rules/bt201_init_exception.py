"""BT201 init-exception: the scoring script's init() raised an exception."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Finding
from ..logs.facts import JobFacts
from .base import Rule, category_of_exception, traceback_finding, unclaimed_tracebacks


class InitException(Rule):
    code = "BT201"
    name = "init-exception"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script's init() raised an exception"
    remedy = (
        "Fix init() in the scoring script: the traceback shows the line. Reproduce locally by calling init() with "
        "AZUREML_MODEL_DIR set to the model folder. Workers stop restarting after 3 × process_count_per_node "
        "failed init() calls on a node."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script"
    what = "init() runs once per worker process before any mini-batch; it raised, so the process could not start."
    why = "No mini-batch can be processed by a process whose init() failed; when every process fails, the job fails."
    example = "ValueError: Unrecognized model in /mnt/azureml/cr/j/0a1b/exe/wd/model. Should have a model_type key"
    phase = 20
    fatal = True
    late = True

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        for group in unclaimed_tracebacks(facts, phase="init"):
            # A FileNotFoundError reading the input is a data-access problem, not a bug in the script.
            yield traceback_finding(
                self, group, "init() raised", category=category_of_exception(group.items[0].exc_type)
            )
