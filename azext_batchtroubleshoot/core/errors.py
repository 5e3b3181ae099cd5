"""The core's own small exception hierarchy; the CLI glue translates it into azclierror types in one place."""

from __future__ import annotations


class BatchTroubleshootError(Exception):
    """Base class.  ``recommendation`` tells the user what to do next."""

    def __init__(self, message: str, recommendation: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.recommendation = recommendation


class LogFolderError(BatchTroubleshootError):
    """The folder given to analyse is missing, empty or holds no job logs."""


class InputFileError(BatchTroubleshootError):
    """A file the user named (deployment YAML, report target) cannot be used."""


class ReportWriteError(BatchTroubleshootError):
    """A report file could not be written."""
