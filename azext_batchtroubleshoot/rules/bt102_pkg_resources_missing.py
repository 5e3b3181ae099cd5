"""BT102 pkg-resources-missing: setuptools 82 and newer no longer ship ``pkg_resources``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, is_import_failure, where


class PkgResourcesMissing(SignatureRule):
    code = "BT102"
    name = "pkg-resources-missing"
    category = Category.ENVIRONMENT
    title = "pkg_resources is missing (setuptools 82 removed it)"
    remedy = (
        "Pin 'setuptools<82' in the environment's conda or pip file (or upgrade the library that still imports "
        "pkg_resources), create a new environment version and update the deployment."
    )
    docs_url = "https://setuptools.pypa.io/en/latest/history.html"
    what = "A library imported pkg_resources, which setuptools 82 and newer no longer provide."
    why = "The batch driver or the scoring script dies at start-up; the std_log shows the import error and exit 42."
    example = "No module named 'pkg_resources'"
    phase = 10
    fatal = True
    triggers = ("No module named",)
    pattern = re.compile(r"No module named '?pkg_resources'?")

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if is_import_failure(facts, hit):
                yield hit, match

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return (
            f"The environment cannot import pkg_resources{where(hits)}: setuptools 82 and newer removed it; "
            "pin setuptools<82."
        )
