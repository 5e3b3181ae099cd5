"""Translate the core's exceptions into the Azure CLI's error types, each with a recommendation."""

from __future__ import annotations

from azure.cli.core.azclierror import (
    AzCLIError,
    FileOperationError,
    InvalidArgumentValueError,
    ResourceNotFoundError,
)

from azext_batchtroubleshoot.core.errors import BatchTroubleshootError, InputFileError, LogFolderError, ReportWriteError
from azext_batchtroubleshoot.logs.redact import redact


def translate(exc: Exception) -> Exception:
    if isinstance(exc, AzCLIError):
        return exc
    if isinstance(exc, BatchTroubleshootError):
        kind: type[AzCLIError] = InvalidArgumentValueError
        if isinstance(exc, LogFolderError):
            kind = ResourceNotFoundError if "does not exist" in exc.message else InvalidArgumentValueError
        elif isinstance(exc, (InputFileError, ReportWriteError)):
            kind = FileOperationError
        return kind(redact(exc.message), redact(exc.recommendation) if exc.recommendation else None)
    return exc
