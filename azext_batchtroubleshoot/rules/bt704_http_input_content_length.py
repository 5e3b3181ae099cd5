"""BT704 http-input-content-length: an http(s) input whose server does not send Content-Length cannot be mounted."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class HttpInputContentLength(SignatureRule):
    code = "BT704"
    name = "http-input-content-length"
    category = Category.DATA_ACCESS
    title = "The http input cannot be mounted: the server sends no Content-Length"
    remedy = (
        "Copy the file to a datastore (or register it as a data asset) and pass that path to the job instead of the "
        "web server's URL; plain web servers that stream without a Content-Length header cannot be mounted."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-access-data-batch-endpoints-jobs"
    what = "The job's input is an http(s) URL; mounting it needs the file size, which the web server did not return."
    why = "The input cannot be read, so the job fails before any mini-batch."
    example = (
        "Error Code: ScriptExecution.StreamAccess.Validation Validation Error Code: NotSupported Validation Target: "
        "Input [...] Mounting http resource requires 'Content-Length' header to be returned by the web server."
    )
    phase = 25
    fatal = True
    triggers = ("Mounting http resource requires 'Content-Length' header",)

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "content-length"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return (
            f"The http input could not be mounted{where(hits)}: the web server did not return a 'Content-Length' "
            "header."
        )
