"""Where a run's log files live and how to read them.

First choice: list the blobs under ``ExperimentRun/dcid.<run>/`` in the workspace artifact store (datastore
``workspaceartifactstore``), which gives sizes and ETags for free. When that store cannot be read (identity-based
access without a storage role, a firewall), fall back to the run-details ``logFiles`` SAS URLs. Only log folders are
ever considered: predictions and other named outputs live elsewhere and are never listed or read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from .errors import LIST_LOGS, READ_LOG, AzureCallError, WorkspaceRef, is_transient
from .jobs import AzureJobs, RunInfo
from .paths import UnsafeNameError, safe_relpath
from .settings import Settings

ARTIFACT_DATASTORE = "workspaceartifactstore"
LOG_FOLDERS = ("logs/", "azureml-logs/", "user_logs/", "system_logs/")
CHUNK = 4 * 1024 * 1024


def artifact_prefix(run: str) -> str:
    return f"ExperimentRun/dcid.{run}/"


def is_log_path(rel: str) -> bool:
    return rel.startswith(LOG_FOLDERS)


@dataclass(frozen=True)
class RemoteLog:
    """One log file of one run. ``url`` (a SAS URL) is a secret: never printed, never written to disk."""

    run: str
    path: str
    size: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    blob_name: str | None = None
    url: str | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.run}/{self.path}"


@dataclass
class Listing:
    logs: list[RemoteLog] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name as served, why it was refused)
    source: str = "blob"


class LogStore:
    """Lists and reads the log files of runs in one workspace."""

    def __init__(self, client: Any, jobs: AzureJobs, settings: Settings | None = None) -> None:
        self._client = client
        self._jobs = jobs
        self._settings = settings or Settings.from_env()
        self._lock = threading.Lock()
        self._container: Any = None
        self._account: str | None = None
        self._blob_error: AzureCallError | None = None

    @property
    def workspace(self) -> WorkspaceRef:
        return self._jobs.workspace

    @property
    def storage_account(self) -> str | None:
        return self._account

    # ---- clients
    def _retry_kwargs(self) -> dict[str, Any]:
        from azure.storage.blob import ExponentialRetry

        backoff = self._settings.backoff
        # Waits initial + base**n (n = retry count). The SDK types these as int but computes with floats.
        policy = ExponentialRetry(
            initial_backoff=backoff,  # type: ignore[arg-type]
            increment_base=2 * backoff,  # type: ignore[arg-type]
            retry_total=self._settings.retries,
            random_jitter_range=backoff / 4,  # type: ignore[arg-type]
        )
        return {"retry_policy": policy, "connection_timeout": 20, "read_timeout": self._settings.read_timeout}

    def _artifact_container(self) -> Any:
        """The artifact store's ContainerClient, with the credential the SDK gets for it (key, SAS or token)."""
        with self._lock:
            if self._container is not None:
                return self._container
            if self._blob_error is not None:
                raise self._blob_error
            try:
                from azure.ai.ml._artifacts._artifact_utilities import get_datastore_info
                from azure.storage.blob import ContainerClient

                info = get_datastore_info(self._client.datastores, ARTIFACT_DATASTORE)
                self._account = info.get("storage_account")
                self._container = ContainerClient(
                    info["account_url"], info["container_name"], credential=info["credential"], **self._retry_kwargs()
                )
            except Exception as exc:
                error = AzureCallError(LIST_LOGS, exc, workspace=self.workspace, storage_account=self._account)
                if not is_transient(error):  # a missing permission stays missing: do not ask again every poll
                    self._blob_error = error
                raise error from exc
            return self._container

    def _url_client(self, url: str) -> Any:
        from azure.storage.blob import BlobClient

        return BlobClient.from_blob_url(url, **self._retry_kwargs())

    def _blob_client(self, log: RemoteLog) -> Any:
        if log.blob_name is not None:
            return self._artifact_container().get_blob_client(log.blob_name)
        if log.url:
            return self._url_client(log.url)
        raise ValueError(f"no location for {log.key}")

    # ---- listing
    def list(self, run: RunInfo, *, refresh_details: bool = False) -> Listing:
        """The run's log files. Blob listing first; run-details URLs when the artifact store cannot be read."""
        try:
            return self._list_blobs(run.name)
        except AzureCallError as blob_failure:
            if refresh_details or not run.log_urls:
                try:
                    self._jobs.complete(run)
                except AzureCallError:
                    raise blob_failure from None
            if not run.log_urls:
                raise
            return self._list_urls(run)

    def _list_blobs(self, run: str) -> Listing:
        container = self._artifact_container()
        prefix = artifact_prefix(run)
        listing = Listing(source="blob")
        try:
            for blob in container.list_blobs(name_starts_with=prefix):
                name = str(blob.name)
                rel = name[len(prefix) :]
                if not is_log_path(rel.lstrip("/")):
                    continue  # not a log: predictions, outputs, snapshots are never downloaded
                try:
                    rel = safe_relpath(rel)
                except UnsafeNameError as exc:
                    listing.rejected.append((name, str(exc)))
                    continue
                modified = getattr(blob, "last_modified", None)
                listing.logs.append(
                    RemoteLog(
                        run=run,
                        path=rel,
                        size=int(blob.size) if blob.size is not None else None,
                        etag=str(blob.etag).strip('"') if blob.etag else None,
                        last_modified=modified.isoformat() if modified is not None else None,
                        blob_name=name,
                    )
                )
        except Exception as exc:
            raise AzureCallError(
                LIST_LOGS, exc, workspace=self.workspace, job=run, storage_account=self._account
            ) from exc
        return listing

    def _list_urls(self, run: RunInfo) -> Listing:
        listing = Listing(source="url")
        for name, url in sorted(run.log_urls.items()):
            try:
                rel = safe_relpath(name)
            except UnsafeNameError as exc:
                listing.rejected.append((name, str(exc)))
                continue
            if is_log_path(rel):
                listing.logs.append(RemoteLog(run=run.name, path=rel, url=url))
        return listing

    # ---- reading
    def properties(self, log: RemoteLog) -> RemoteLog:
        """Size and ETag of a log known only by URL (one HEAD request)."""
        try:
            props = self._blob_client(log).get_blob_properties()
        except AzureCallError:
            raise
        except Exception as exc:
            raise AzureCallError(READ_LOG, exc, workspace=self.workspace, job=log.run) from exc
        modified = getattr(props, "last_modified", None)
        return RemoteLog(
            run=log.run,
            path=log.path,
            size=int(props.size),
            etag=str(props.etag).strip('"') if props.etag else None,
            last_modified=modified.isoformat() if modified is not None else None,
            blob_name=log.blob_name,
            url=log.url,
        )

    def read_from(self, log: RemoteLog, offset: int) -> bytes:
        """The bytes of ``log`` from ``offset`` to its current end (a ranged GET); empty when nothing is new."""
        try:
            return bytes(self._blob_client(log).download_blob(offset=offset or None).readall())
        except AzureCallError:
            raise
        except Exception as exc:
            if getattr(exc, "status_code", None) == 416:
                return b""
            raise AzureCallError(READ_LOG, exc, workspace=self.workspace, job=log.run) from exc

    def download_to(self, log: RemoteLog, handle: IO[bytes], stop: Callable[[], bool]) -> tuple[int, RemoteLog]:
        """Write the whole file into ``handle``; returns (bytes written, the log with the size/ETag served)."""
        try:
            downloader = self._blob_client(log).download_blob(max_concurrency=1)
            written = 0
            for chunk in downloader.chunks():
                if stop():
                    raise InterruptedError("download stopped")
                handle.write(chunk)
                written += len(chunk)
            props = downloader.properties
        except (AzureCallError, InterruptedError):
            raise
        except Exception as exc:
            raise AzureCallError(
                READ_LOG, exc, workspace=self.workspace, job=log.run, storage_account=self._account
            ) from exc
        modified = getattr(props, "last_modified", None)
        served = RemoteLog(
            run=log.run,
            path=log.path,
            size=int(downloader.size),
            etag=str(props.etag).strip('"') if getattr(props, "etag", None) else log.etag,
            last_modified=modified.isoformat() if modified is not None else log.last_modified,
            blob_name=log.blob_name,
            url=log.url,
        )
        return written, served
