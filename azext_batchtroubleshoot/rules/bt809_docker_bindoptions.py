"""BT809 docker-bindoptions: Docker rejected the job's volume mounts while starting its container."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class DockerBindOptions(SignatureRule):
    code = "BT809"
    name = "docker-bindoptions"
    category = Category.PLATFORM
    title = "Docker rejected the job's volume mount (invalid volume specification)"
    remedy = (
        "This is a platform issue in how the job's mounts are passed to Docker: resubmit, and if it repeats, open a "
        "support request with the job name and the azureml-logs/55_azureml-execution log."
    )
    docs_url = "https://github.com/Azure/MachineLearningNotebooks/issues/1405"
    what = (
        "Starting the job's container failed: Docker exited with status 125 because a volume was passed with bind "
        "options it does not accept."
    )
    why = "The container never starts, so the job fails before the driver or the scoring script runs."
    example = (
        "Running Docker Command attempt 1 failed with err: exit status 125,docker: Error response from daemon: "
        "invalid volume specification: '$AZ_BATCHAI_JOB_MOUNT_ROOT/...': invalid mount config for type \"volume\": "
        "field BindOptions must not be specified."
    )
    phase = 3
    fatal = True
    triggers = ("invalid volume specification", "BindOptions must not be specified")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "docker-volume"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        bind = " (BindOptions must not be specified)" if any("BindOptions" in h.text for h in hits) else ""
        return f"Docker refused the job's volume mount{bind}{where(hits)}: the job's container could not start."
