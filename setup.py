#!/usr/bin/env python
"""Packaging for the batchtroubleshoot Azure CLI extension (the metadata lives here, per Azure CLI convention)."""

from __future__ import annotations

import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _read(name: str) -> str:
    with open(os.path.join(HERE, name), encoding="utf-8") as handle:
        return handle.read()


VERSION = re.search(r'^VERSION = "([^"]+)"', _read("azext_batchtroubleshoot/_version.py"), re.M).group(1)  # type: ignore[union-attr]

# azure-cli-core and knack come with the Azure CLI itself and are never listed here.
DEPENDENCIES = [
    # The Azure path (diagnose --name, logs, show); imported only when a command needs it.
    "azure-ai-ml>=1.20.0,<2",
    # A SIMD multi-pattern matcher makes scanning large logs faster than grep; optional elsewhere.
    'hyperscan>=0.7,<1; platform_system == "Linux" and platform_machine == "x86_64"',
    # Charts of the HTML report (--report-file report.html); imported only when one is written.
    "plotly>=5.24,<8",
]

CLASSIFIERS = [
    "Development Status :: 4 - Beta",
    "Intended Audience :: Developers",
    "Intended Audience :: System Administrators",
    "Programming Language :: Python",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3.9",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "License :: OSI Approved :: MIT License",
]

setup(
    name="batchtroubleshoot",
    version=VERSION,
    description="Explain why an Azure ML batch endpoint or parallel job failed: az ml batch-troubleshoot.",
    long_description=_read("README.md") + "\n\n" + _read("HISTORY.rst"),
    long_description_content_type="text/markdown",
    license="MIT",
    author="batchtroubleshoot maintainers",
    author_email="batchtroubleshoot@example.invalid",
    url="https://github.com/batchtroubleshoot/batchtroubleshoot",
    classifiers=CLASSIFIERS,
    packages=find_packages(exclude=["tests", "tests.*", "bench", "bench.*", "scripts", "samples"]),
    install_requires=DEPENDENCIES,
    python_requires=">=3.9",
    package_data={"azext_batchtroubleshoot": ["azext_metadata.json", "py.typed"]},
)
