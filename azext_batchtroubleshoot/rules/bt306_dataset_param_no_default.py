"""BT306 dataset-param-no-default: the job's data input could not be bound, so the job never started."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class DatasetParamNoDefault(SignatureRule):
    code = "BT306"
    name = "dataset-param-no-default"
    category = Category.INPUT_DATA
    title = "The input given to the batch endpoint is not a supported data input"
    remedy = (
        "Invoke the endpoint with an input type batch endpoints support: a uri_folder or uri_file (a datastore "
        "path, a public or cloud storage URL, or local data that the CLI uploads) or a registered data asset of "
        "those types. V1 Tabular and File datasets and MLTable inputs are not supported."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#dataset_param-doesnt-have-specified-value-or-default-value"
    )
    what = (
        "The batch job's data node refers to a parameter (dataset_param) that got no value, because the input passed "
        "at invoke time is of a kind batch endpoints cannot bind."
    )
    why = "The job fails before any node starts, so the only evidence is the job's error message."
    example = (
        "Data set node [code] references parameter dataset_param which doesn't have a specified value or a "
        "default value."
    )
    phase = 24
    fatal = True
    triggers = ("have a specified value or a default value",)
    pattern = re.compile(
        r"(?:references parameter [`'\"]?([\w\-]+)[`'\"]?,? )?which doesn.t have a specified value or a default value"
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "dataset-param"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        parameter = (match.group(1) if match else None) or "dataset_param"
        return (
            f"The job could not start: its data input parameter '{parameter}' has no value, because the input "
            "passed to the endpoint is not a data input batch endpoints support."
        )
