"""BT101 missing-python-module: the environment lacks a package the scoring script imports."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, is_import_failure, phase_of, where
from .bt204_entry_script_module_not_found import is_scoring_module, scoring_scripts

# Modules with a rule of their own: their remedy is different.
SPECIAL_MODULES = ("pip", "pkg_resources", "azureml")


class MissingPythonModule(SignatureRule):
    code = "BT101"
    name = "missing-python-module"
    category = Category.ENVIRONMENT
    title = "A Python module is missing from the environment"
    remedy = (
        "Add the package that provides the module to the environment's conda or pip file, create a new environment "
        "version, and update the batch deployment to use it (az ml batch-deployment update)."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
    what = "Python could not import a module that the scoring script, or a library it uses, needs."
    why = (
        "Every mini-batch fails the same way: init() or run() raises before any work is done, the driver exits "
        "with code 42 and the job fails."
    )
    example = "EntryScriptException: No module named 'pandas'"
    phase = 10
    fatal = True
    triggers = ("No module named",)
    pattern = re.compile(r"No module named '?([\w.\-]+)'?")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return match.group(1).split(".")[0] if match else hit.trigger

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        scripts = scoring_scripts(facts)
        for hit, match in super().matches(facts):
            if match is None or match.group(1).split(".")[0] in SPECIAL_MODULES:
                continue
            if not is_import_failure(facts, hit):
                continue  # a handled, optional import the script logged and went on without
            if is_scoring_module(match.group(1), scripts):
                continue  # the scoring script itself: BT204
            yield hit, match

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        module = match.group(1) if match else "?"
        phase = phase_of(facts, hits)
        prefix = f"{phase}() raised" if phase else "The job raised"
        return f"{prefix} ModuleNotFoundError: No module named '{module}'{where(hits)}."
