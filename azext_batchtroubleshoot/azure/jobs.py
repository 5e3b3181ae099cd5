"""Job lookup through azure-ai-ml: the job, its pipeline children, and the run details (error, times, log URLs).

Every call to the SDK goes through :class:`AzureJobs`, which wraps failures in :class:`AzureCallError` with their
context. Two private SDK members are used (``jobs._runs_operations``: run details and children without re-reading the
parent); setup.py pins azure-ai-ml below 2 for that reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import GET_JOB, LIST_CHILDREN, RUN_DETAILS, AzureCallError, WorkspaceRef

BATCH_CHILD = "batchscoring"
BATCH_TAG = "azureml.batchrun"
TERMINAL_STATUSES = frozenset({"completed", "failed", "canceled", "cancelled", "notresponding", "paused", "finished"})
FAILED_STATUSES = frozenset({"failed", "canceled", "cancelled", "notresponding"})

T = TypeVar("T")


def is_terminal(status: str | None) -> bool:
    return (status or "").lower() in TERMINAL_STATUSES


def is_pipeline(job: RunInfo) -> bool:
    return (job.job_type or "").lower() == "pipeline" or job.tags.get(BATCH_TAG) == "true"


@dataclass
class RunInfo:
    """What we know about one job or pipeline step, in plain types."""

    name: str
    display_name: str | None = None
    status: str | None = None
    job_type: str | None = None
    parent_name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    compute: str | None = None
    created_at: str | None = None
    ended_at: str | None = None
    error: str | None = None
    studio_url: str | None = None
    log_urls: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_batch_scoring(self) -> bool:
        return BATCH_CHILD in ((self.display_name or "").lower(), self.name.lower())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "status": self.status,
            "type": self.job_type,
            "parent_name": self.parent_name,
            "compute": self.compute,
            "created_at": self.created_at,
            "ended_at": self.ended_at,
            "error": self.error,
            "studio_url": self.studio_url,
        }


@dataclass
class JobPlan:
    """The job the user named, its children, and the runs whose logs explain it (``primary`` is analysed)."""

    job: RunInfo
    children: list[RunInfo]
    primary: RunInfo
    is_batch: bool

    @property
    def log_runs(self) -> list[RunInfo]:
        """The primary run first, then the job itself when it is a different run (a pipeline's own logs)."""
        runs = [self.primary]
        if self.job.name != self.primary.name:
            runs.append(self.job)
        return runs


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return str(value)


def _studio_url(job: Any) -> str | None:
    """``services.Studio.endpoint`` (current SDKs), else ``interaction_endpoints.Studio`` (older ones)."""
    for attr in ("services", "interaction_endpoints"):
        services = getattr(job, attr, None)
        if not isinstance(services, dict):
            continue
        studio = services.get("Studio")
        endpoint = getattr(studio, "endpoint", None) or (studio.get("endpoint") if isinstance(studio, dict) else None)
        if endpoint:
            return str(endpoint)
    return None


def _error_text(error: Any) -> str | None:
    """The message of a run-history ErrorResponse (``error.message``, with its code when the message lacks it)."""
    if error is None:
        return None
    root = getattr(error, "error", None) or error
    message = getattr(root, "message", None)
    if not message:
        return None
    code = getattr(root, "code", None)
    details = [getattr(d, "message", None) for d in (getattr(root, "details", None) or [])]
    text = str(message)
    extra = [d for d in details if d and d not in text]
    if extra:
        text += " " + " ".join(extra)
    if code and code not in ("UserError", "SystemError") and code not in text:
        text = f"{code}: {text}"
    return text


def _text(value: Any) -> str | None:
    """A plain string from an SDK value that may be a str-based enum (``JobStatus.COMPLETED`` -> ``Completed``)."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _compute_name(value: Any) -> str | None:
    if not value:
        return None
    text = str(value)
    return text.rstrip("/").rsplit("/", 1)[-1]


def _created_at(job: Any) -> str | None:
    context = getattr(job, "creation_context", None)
    return _iso(getattr(context, "created_at", None))


class AzureJobs:
    """Reads jobs of one workspace. ``client`` is an ``azure.ai.ml.MLClient``."""

    def __init__(self, client: Any, workspace: WorkspaceRef) -> None:
        self._client = client
        self.workspace = workspace

    @contextmanager
    def _calling(self, operation: str, job: str) -> Iterator[None]:
        try:
            yield
        except AzureCallError:
            raise
        except Exception as exc:
            raise AzureCallError(operation, exc, workspace=self.workspace, job=job) from exc

    def _call(self, operation: str, job: str, func: Callable[[], T]) -> T:
        with self._calling(operation, job):
            return func()

    # ---- single runs
    def get(self, name: str) -> RunInfo:
        """The job as ``az ml job show`` sees it, completed with run history's error and end time."""
        job = self._call(GET_JOB, name, lambda: self._client.jobs.get(name))
        info = RunInfo(
            name=str(job.name),
            display_name=_text(getattr(job, "display_name", None)),
            status=_text(getattr(job, "status", None)),
            job_type=_text(getattr(job, "type", None)),
            tags=dict(getattr(job, "tags", None) or {}),
            compute=_compute_name(getattr(job, "compute", None)),
            created_at=_created_at(job),
            studio_url=_studio_url(job) or getattr(job, "studio_url", None),
        )
        self.complete(info)
        return info

    def details(self, name: str) -> Any:
        return self._call(RUN_DETAILS, name, lambda: self._client.jobs._runs_operations.get_run_details(name))

    def complete(self, info: RunInfo) -> RunInfo:
        """Fill status, error, end time, compute and log URLs from run history's details."""
        details = self.details(info.name)
        info.status = _text(getattr(details, "status", None)) or info.status
        info.error = _error_text(getattr(details, "error", None)) or info.error
        info.ended_at = _iso(getattr(details, "end_time_utc", None)) or info.ended_at
        info.created_at = info.created_at or _iso(getattr(details, "created_time_utc", None))
        info.compute = info.compute or _compute_name(getattr(details, "target", None))
        info.parent_name = info.parent_name or getattr(details, "parent_run_id", None)
        info.log_urls = dict(getattr(details, "log_files", None) or {})
        return info

    def status(self, name: str) -> str | None:
        job = self._call(GET_JOB, name, lambda: self._client.jobs.get(name))
        return _text(getattr(job, "status", None))

    # ---- children
    def children(self, parent: str) -> list[RunInfo]:
        def _list() -> list[Any]:
            return [c for c in self._client.jobs._runs_operations.get_run_children(parent) if c is not None]

        found = self._call(LIST_CHILDREN, parent, _list)
        return [
            RunInfo(
                name=str(child.name),
                display_name=getattr(child, "display_name", None),
                status=_text(getattr(child, "status", None)),
                job_type="step",
                parent_name=parent,
                tags=dict(getattr(child, "tags", None) or {}),
                compute=_compute_name(getattr(child, "compute", None)),
                created_at=_created_at(child),
            )
            for child in found
        ]

    # ---- the plan
    def plan(self, name: str) -> JobPlan:
        """The job, its children when it is a pipeline, and the run that holds the logs that explain it."""
        job = self.get(name)
        children: list[RunInfo] = []
        if is_pipeline(job):
            children = self.children(job.name)
        return plan_for(job, children, self)


def pick_primary(job: RunInfo, children: list[RunInfo]) -> RunInfo | None:
    """The batchscoring step of a batch job; else the first failed step; else the only step; else None."""
    for child in children:
        if child.is_batch_scoring:
            return child
    failed = [c for c in children if (c.status or "").lower() in FAILED_STATUSES]
    if failed:
        return failed[0]
    if len(children) == 1:
        return children[0]
    return None


def plan_for(job: RunInfo, children: list[RunInfo], jobs: AzureJobs | None) -> JobPlan:
    primary = pick_primary(job, children)
    is_batch = job.tags.get(BATCH_TAG) == "true" or any(c.is_batch_scoring for c in children)
    if primary is None:
        primary = job
    elif jobs is not None:
        jobs.complete(primary)
    return JobPlan(job=job, children=children, primary=primary, is_batch=is_batch)
