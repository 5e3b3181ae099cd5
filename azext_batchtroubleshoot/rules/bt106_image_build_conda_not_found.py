"""BT106 image-build-conda-not-found: the environment's image build runs conda, and the base image has none."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class ImageBuildCondaNotFound(SignatureRule):
    code = "BT106"
    name = "image-build-conda-not-found"
    category = Category.ENVIRONMENT
    title = "The environment's image build could not find conda"
    remedy = (
        "An environment defined by a Docker image plus a conda file is built by running 'conda env create' inside "
        "that image, so the image must have conda on its PATH. Use an Azure ML base image (for example "
        "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04, which ships conda), install Miniconda in your "
        "Dockerfile, or drop the conda file and install every package in the image itself (an image-only "
        "environment); then create a new environment version and update the deployment."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-manage-environments-v2"
    what = (
        "The job that prepares the deployment's image (prepare_image) ran 'conda env create' in a base image "
        "that has no conda executable."
    )
    why = "No image is built, so the batch job never starts; the error is only in the image build's log."
    example = "/bin/sh: 1: conda: not found"
    phase = 5
    fatal = True
    triggers = (
        "conda: not found",
        "conda: command not found",
        "conda not found",
        "Unable to run conda package manager",
    )
    # "Miniconda not found" or "conda environment not found" are not this error.
    pattern = re.compile(r"(?<![\w\-.])conda(:)? (?:command )?not found|Unable to run conda package manager")

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            # A build script that says "conda not found, installing Miniconda" is handling it, not failing.
            bare = match is not None and match.group(0).startswith("conda not found")
            if bare and "install" in hit.text.lower():
                continue
            yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "conda-not-found"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return (
            f"Building the environment's image failed: 'conda' was not found in the base image{where(hits)}, "
            "so the conda file could not be installed."
        )
