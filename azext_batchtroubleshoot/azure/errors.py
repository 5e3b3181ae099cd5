"""What can go wrong while talking to Azure, with the context a person needs to act on it.

The Azure layer never composes user-facing text for SDK failures: it wraps them in :class:`AzureCallError` with what
it was doing and on which resource, and ``_errors.py`` turns that into an azclierror with a recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import BatchTroubleshootError


@dataclass(frozen=True)
class WorkspaceRef:
    subscription_id: str
    resource_group: str
    name: str

    @property
    def arm_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{self.name}"
        )

    def describe(self) -> str:
        return (
            f"workspace '{self.name}' (resource group '{self.resource_group}', subscription '{self.subscription_id}')"
        )


# What we were doing when a call failed.
GET_JOB = "get-job"
LIST_CHILDREN = "list-children"
RUN_DETAILS = "run-details"
LIST_LOGS = "list-logs"
READ_LOG = "read-log"
SIGN_IN = "sign-in"


class AzureCallError(BatchTroubleshootError):
    """A call to Azure failed; ``cause`` is the SDK's exception, translated in ``_errors.py``."""

    def __init__(
        self,
        operation: str,
        cause: BaseException,
        *,
        workspace: WorkspaceRef | None = None,
        job: str | None = None,
        storage_account: str | None = None,
        attempts: int | None = None,
    ) -> None:
        super().__init__(f"{operation} failed: {type(cause).__name__}")
        self.operation = operation
        self.cause = cause
        self.workspace = workspace
        self.job = job
        self.storage_account = storage_account
        self.attempts = attempts


class DownloadFolderError(BatchTroubleshootError):
    """The download folder cannot be used (holds other files, is a file, cannot be written)."""


class DownloadInterruptedError(BatchTroubleshootError):
    """Some log files could not be downloaded; the complete ones are kept and a rerun resumes."""

    def __init__(self, message: str, recommendation: str | None = None, *, cause: BaseException | None = None) -> None:
        super().__init__(message, recommendation)
        self.cause = cause


TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def root_cause(exc: BaseException) -> BaseException:
    return exc.cause if isinstance(exc, (AzureCallError, DownloadInterruptedError)) and exc.cause else exc


def status_of(exc: BaseException) -> int | None:
    status = getattr(root_cause(exc), "status_code", None)
    return status if isinstance(status, int) else None


def is_transient(exc: BaseException) -> bool:
    """Worth another try later: throttling, a 5xx, a dropped or truncated connection, a timeout."""
    from azure.core.exceptions import DecodeError, IncompleteReadError, ServiceRequestError, ServiceResponseError

    cause = root_cause(exc)
    if isinstance(cause, (IncompleteReadError, DecodeError, ServiceRequestError, ServiceResponseError)):
        return True
    status = status_of(cause)
    if status is not None:
        return status in TRANSIENT_STATUS
    return isinstance(cause, (ConnectionError, TimeoutError))
