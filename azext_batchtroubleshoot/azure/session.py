"""One command's conversation with a workspace: find the job, list or download its logs, describe it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..core.models import JobInfo
from ..logs.redact import redact
from .download import Downloader, DownloadResult, Progress, prepare_folder
from .errors import WorkspaceRef
from .jobs import AzureJobs, JobPlan, RunInfo
from .paths import slug
from .settings import Settings
from .store import Listing, LogStore


def default_download_folder(config_dir: str, workspace: WorkspaceRef, job: str) -> str:
    return os.path.join(config_dir, "batchtroubleshoot", "jobs", slug(workspace.name), slug(job))


def job_info(plan: JobPlan) -> JobInfo:
    """What the report says about the job: the user's job, with the error and compute of the step that failed."""
    job, primary = plan.job, plan.primary
    child = primary if primary.name != job.name else None
    return JobInfo(
        name=primary.name,
        parent_name=job.name if child else job.parent_name,
        status=job.status or primary.status,
        studio_url=job.studio_url or primary.studio_url,
        error=(child.error if child and child.error else None) or job.error,
        compute=primary.compute or job.compute,
        created_at=job.created_at or primary.created_at,
        ended_at=job.ended_at or primary.ended_at,
    )


@dataclass
class FetchedLogs:
    plan: JobPlan
    result: DownloadResult

    def folder_to_analyse(self) -> str | None:
        """The primary run's folder when it holds files, else the job's own."""
        for run in self.plan.log_runs:
            folder = self.result.run_folders.get(run.name)
            if folder and _has_files(folder):
                return folder
        return None


def _has_files(folder: str) -> bool:
    return any(names for _parent, _dirs, names in os.walk(folder))


class Session:
    def __init__(self, client: Any, workspace: WorkspaceRef, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.workspace = workspace
        self.jobs = AzureJobs(client, workspace)
        self.store = LogStore(client, self.jobs, self.settings)

    def plan(self, name: str) -> JobPlan:
        return self.jobs.plan(name)

    def listings(self, plan: JobPlan) -> dict[str, Listing]:
        return {run.name: self.store.list(run) for run in plan.log_runs}

    def fetch_logs(
        self,
        plan: JobPlan,
        folder: str,
        *,
        user_given: bool,
        overwrite: bool = False,
        refresh: bool = False,
        progress: Progress | None = None,
    ) -> FetchedLogs:
        identity = {"workspace": self.workspace.arm_id.lower(), "job": plan.job.name}
        manifest = prepare_folder(folder, identity=identity, user_given=user_given, overwrite=overwrite)
        downloader = Downloader(self.store, folder, manifest, self.settings)
        result = downloader.run(self.listings(plan), refresh=refresh, progress=progress)
        return FetchedLogs(plan, result)

    def describe(self, plan: JobPlan) -> dict[str, Any]:
        """``show``: the job, its steps and its log files with sizes, without downloading anything."""
        listings = self.listings(plan)
        log_files: list[dict[str, Any]] = []
        for run, listing in listings.items():
            log_files.extend(
                {"run": run, "path": log.path, "size": log.size} for log in sorted(listing.logs, key=lambda x: x.path)
            )
        data = plan.job.to_dict()
        data["error"] = redact(data["error"]) if data["error"] else None
        data.update(
            {
                "workspace": self.workspace.name,
                "resource_group": self.workspace.resource_group,
                "is_batch_job": plan.is_batch,
                "logs_run": plan.primary.name,
                "children": [_child(c, plan.primary) for c in plan.children],
                "log_files": log_files,
                "log_bytes": sum(int(f["size"] or 0) for f in log_files),
                "rejected_log_names": [name for listing in listings.values() for name, _ in listing.rejected],
            }
        )
        return data


def _child(child: RunInfo, primary: RunInfo) -> dict[str, Any]:
    return {
        "name": child.name,
        "display_name": child.display_name,
        "status": child.status,
        "error": redact(child.error) if child is primary and child.error else None,
    }
