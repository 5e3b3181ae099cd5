"""BT105 missing-optional-dependency: a library asks for an extra package it only imports on demand.

transformers (and the libraries built on it) import ``accelerate``, ``sentencepiece``, ``timm``, ``protobuf`` ...
only when a feature needs them, so the import error is not ``No module named ...`` but a sentence of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, phase_of, where

# What the libraries call a package in their message -> what to add to the conda or pip file.
_PACKAGE_NAMES = {
    "pytorch": "torch",
    "torch": "torch",
    "sentencepiece": "sentencepiece",
    "protobuf": "protobuf",
    "timm": "timm",
    "torchvision": "torchvision",
    "datasets": "datasets",
    "🤗 datasets": "datasets",
    "pyav": "av",
    "tensorflow": "tensorflow",
    "tokenizers": "tokenizers",
    "scipy": "scipy",
    "librosa": "librosa",
    "vision": "Pillow",
    "pillow": "Pillow",
    "bitsandbytes": "bitsandbytes",
    "peft": "peft",
}


def _package(match: re.Match[str]) -> str:
    if match.group("accelerate"):
        return "accelerate"
    library = match.group("library")
    if library:
        return _PACKAGE_NAMES.get(library.strip().lower(), library.strip().lower().replace(" ", "-"))
    listed = match.group("listed") or ""
    return listed.split(",")[0].strip().rstrip(".") or "?"


class MissingOptionalDependency(SignatureRule):
    code = "BT105"
    name = "missing-optional-dependency"
    category = Category.ENVIRONMENT
    title = "A library needs an optional package that the environment does not have"
    remedy = (
        "Add the package the message names to the environment's conda or pip file (for example 'accelerate' when "
        "the model is loaded with device_map or low_cpu_mem_usage, 'sentencepiece' or 'protobuf' for many "
        "tokenizers), create a new environment version and run 'az ml batch-deployment update' so the deployment "
        "uses it; a rebuilt environment that is not deployed changes nothing."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-manage-environments-v2"
    what = (
        "A library such as transformers reached a feature that needs an extra package and raised because the "
        "package is not installed (it is imported on demand, so pip did not require it)."
    )
    why = "The model cannot be loaded, so init() fails on every worker process and the job fails with exit 42."
    example = (
        "ValueError: Using a device_map, tp_plan, torch.device context manager or setting "
        "torch.set_default_device(device) requires accelerate. You can install it with `pip install accelerate`"
    )
    phase = 10
    fatal = True
    triggers = (
        "requires accelerate",
        "requires Accelerate",
        "library but it was not found in your environment",
        "requires the following packages that were not found in your environment",
    )
    # pip's resolver warning ("peft 0.10.0 requires accelerate>=0.21.0, which is not installed.") is not the error.
    pattern = re.compile(
        r"requires (?P<accelerate>[Aa]ccelerate)(?![\w<>=~!])"
        r"|requires the (?P<library>[^.]{1,40}?) library but it was not found in your environment"
        r"|requires the following packages that were not found in your environment: (?P<listed>[\w\-]+(?:, [\w\-]+)*)"
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return _package(match) if match else hit.trigger

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if "which is not installed" not in hit.text:
                yield hit, match

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        package = _package(match) if match else "?"
        phase = phase_of(facts, hits)
        prefix = f"{phase}() failed" if phase else "The scoring script failed"
        feature = " (needed for device_map / low_cpu_mem_usage)" if package == "accelerate" else ""
        return (
            f"{prefix}: the environment lacks the optional package '{package}'{feature}{where(hits)}; "
            f"add it to the conda or pip file."
        )
