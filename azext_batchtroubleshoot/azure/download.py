"""Download the log files of a job into a folder, reusing what an earlier run already fetched.

The folder holds one sub-folder per run (``<folder>/<run>/logs/...``) and a manifest,
``.batchtroubleshoot.json``, that records the size and ETag of every complete file. A file is written under a
temporary name and renamed when it is complete, and only then enters the manifest (itself written atomically), so an
interrupted download leaves nothing that looks complete but is not; the next run fetches what is missing or changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from .errors import AzureCallError, DownloadFolderError, DownloadInterruptedError, is_transient
from .paths import UnsafeNameError, path_inside, safe_segment
from .settings import Settings
from .store import Listing, LogStore, RemoteLog

MANIFEST = ".batchtroubleshoot.json"
MANIFEST_FORMAT = "batchtroubleshoot-job-logs"
MANIFEST_VERSION = 1
PARTIAL_SUFFIX = ".bt-partial"
ATTEMPTS = 3

Progress = Callable[[int, int, int], None]  # (files done, files total, bytes downloaded)


@dataclass
class DownloadResult:
    folder: str
    run_folders: dict[str, str] = field(default_factory=dict)
    files: int = 0
    downloaded: int = 0
    reused: int = 0
    bytes_downloaded: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "files": self.files,
            "downloaded": self.downloaded,
            "reused": self.reused,
            "bytes_downloaded": self.bytes_downloaded,
            "rejected": [{"name": name, "reason": reason} for name, reason in self.rejected],
        }


# --------------------------------------------------------------------------------------------------- manifest


def _read_manifest(folder: str) -> dict[str, Any] | None:
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("files"), dict):
        return None
    return data


def _write_manifest(folder: str, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=MANIFEST + ".", suffix=PARTIAL_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(tmp, os.path.join(folder, MANIFEST))
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def has_manifest(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, MANIFEST))


def prepare_folder(folder: str, *, identity: dict[str, str], user_given: bool, overwrite: bool) -> dict[str, Any]:
    """Make sure ``folder`` can receive this job's logs; returns the manifest to update.

    A folder the user named that holds anything but an earlier download of the same job is refused unless
    ``overwrite`` is set: we never mix our files into someone else's, nor silently reuse another job's logs.
    """
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise DownloadFolderError(
            f"The download path '{folder}' is a file.", "Pass --download-path with a folder (it is created if needed)."
        )
    manifest = _read_manifest(folder) if os.path.isdir(folder) else None
    if manifest is not None:
        same_job = all(manifest.get(k) == v for k, v in identity.items())
        if not same_job and not overwrite:
            raise DownloadFolderError(
                f"The download path '{folder}' holds the logs of another job ('{manifest.get('job')}').",
                "Choose another --download-path, or add --overwrite to replace them.",
            )
        if not same_job:
            manifest = None
    elif os.path.isdir(folder) and user_given and not overwrite:
        foreign = [n for n in os.listdir(folder) if not n.endswith(PARTIAL_SUFFIX)]
        if foreign:
            raise DownloadFolderError(
                f"The download path '{folder}' already holds other files ({len(foreign)} entries, e.g. "
                f"'{sorted(foreign)[0]}').",
                "Choose an empty or new folder for --download-path, or add --overwrite to write into it anyway "
                "(files with the same names are replaced; nothing else is deleted).",
            )
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise DownloadFolderError(
            f"Cannot create the download path '{folder}': {exc.strerror}.",
            "Pass --download-path with a folder you can write to.",
        ) from exc
    _clean_partials(folder)
    data = manifest or {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "files": {}}
    data.update(identity)
    _write_manifest(folder, data)  # the folder is ours from now on, even if nothing gets downloaded
    return data


def _clean_partials(folder: str) -> None:
    """Temporary files left by an interrupted download: never analysed, never reused."""
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            if name.endswith(PARTIAL_SUFFIX):
                _remove_quietly(os.path.join(parent, name))


# --------------------------------------------------------------------------------------------------- download


def _is_current(entry: Any, log: RemoteLog, local: str) -> bool:
    if not isinstance(entry, dict):
        return False
    try:
        on_disk = os.path.getsize(local)
    except OSError:
        return False
    if entry.get("size") != on_disk:
        return False
    if log.size is not None and log.size != entry.get("size"):
        return False
    if log.etag and entry.get("etag"):
        return bool(log.etag == entry.get("etag"))
    if log.last_modified and entry.get("last_modified"):
        return bool(log.last_modified == entry.get("last_modified"))
    return log.size is not None


class Downloader:
    """Fetches listed logs in parallel into ``folder``; one instance per command."""

    def __init__(
        self, store: LogStore, folder: str, manifest: dict[str, Any], settings: Settings | None = None
    ) -> None:
        self.store = store
        self.folder = folder
        self.manifest = manifest
        self.settings = settings or Settings.from_env()
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def run(
        self, listings: dict[str, Listing], *, refresh: bool = False, progress: Progress | None = None
    ) -> DownloadResult:
        result = DownloadResult(folder=self.folder)
        todo: list[tuple[RemoteLog, str]] = []
        files: dict[str, Any] = self.manifest.setdefault("files", {})
        for run, listing in listings.items():
            result.rejected.extend(listing.rejected)
            result.sources[run] = listing.source
            try:
                run_dir = safe_segment(run)
            except UnsafeNameError as exc:
                result.rejected.append((run, str(exc)))
                continue
            result.run_folders[run] = os.path.join(self.folder, run_dir)
            os.makedirs(result.run_folders[run], exist_ok=True)
            for listed in listing.logs:
                log = listed
                try:
                    local = path_inside(self.folder, f"{run_dir}/{log.path}")
                except UnsafeNameError as exc:
                    result.rejected.append((log.key, str(exc)))
                    continue
                result.files += 1
                if not refresh and log.size is None and log.key in files and os.path.exists(local):
                    log = self.store.properties(log)
                if not refresh and _is_current(files.get(log.key), log, local):
                    result.reused += 1
                    continue
                todo.append((log, local))
        total = len(todo)
        if progress:
            progress(0, total, 0)
        if todo:
            self._fetch_all(todo, result, progress)
        return result

    def _fetch_all(self, todo: list[tuple[RemoteLog, str]], result: DownloadResult, progress: Progress | None) -> None:
        files: dict[str, Any] = self.manifest["files"]
        failures: list[tuple[RemoteLog, BaseException]] = []
        done = 0
        last_save = time.monotonic()
        pool = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="bt-download")
        pending: dict[Future[tuple[int, RemoteLog]], RemoteLog] = {}
        try:
            for log, local in todo:
                pending[pool.submit(self._fetch_one, log, local)] = log
            while pending:
                finished, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    log = pending.pop(future)
                    try:
                        written, served = future.result()
                    except (AzureCallError, OSError, InterruptedError) as exc:
                        failures.append((log, exc))
                        continue
                    done += 1
                    result.downloaded += 1
                    result.bytes_downloaded += written
                    files[log.key] = {"size": written, "etag": served.etag, "last_modified": served.last_modified}
                    if progress:
                        progress(done, len(todo), result.bytes_downloaded)
                if time.monotonic() - last_save > 1.0:
                    _write_manifest(self.folder, self.manifest)
                    last_save = time.monotonic()
        except BaseException:
            self._stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            _write_manifest(self.folder, self.manifest)
            raise
        pool.shutdown(wait=True)
        _write_manifest(self.folder, self.manifest)
        if failures:
            self._raise_failures(failures, result)

    def _raise_failures(self, failures: list[tuple[RemoteLog, BaseException]], result: DownloadResult) -> None:
        local = [(log, exc) for log, exc in failures if isinstance(exc, OSError)]
        if local:
            log, exc = local[0]
            assert isinstance(exc, OSError)
            raise DownloadFolderError(
                f"Could not write '{log.key}' under '{self.folder}': {exc.strerror or exc}.",
                "Check the free space and permissions of the download path, or pass another --download-path.",
            )
        first = failures[0][1]
        # Permission problems are not interruptions: say what is missing instead.
        status = getattr(getattr(first, "cause", None), "status_code", None)
        if isinstance(first, AzureCallError) and status in (401, 403):
            raise first
        raise DownloadInterruptedError(
            f"The download of {len(failures)} of {result.files} log files was interrupted "
            f"({_describe(first)}); {result.downloaded + result.reused} complete files are kept in '{self.folder}'.",
            "Run the same command again: it resumes and fetches only the missing files.",
            cause=first,
        )

    def _fetch_one(self, log: RemoteLog, local: str) -> tuple[int, RemoteLog]:
        os.makedirs(os.path.dirname(local), exist_ok=True)
        delay = self.settings.backoff
        for attempt in range(1, ATTEMPTS + 1):
            tmp = f"{local}.{uuid.uuid4().hex[:8]}{PARTIAL_SUFFIX}"
            try:
                with open(tmp, "wb") as handle:
                    if log.size == 0:  # listed as empty: nothing to fetch (a ranged GET would only get a 416)
                        written, served = 0, log
                    else:
                        written, served = self.store.download_to(log, handle, self._stop.is_set)
                if served.size is not None and written != served.size:
                    raise AzureCallError("read-log", ConnectionError(f"got {written} of {served.size} bytes"))
                os.replace(tmp, local)
                return written, served
            except AzureCallError as exc:
                _remove_quietly(tmp)
                if attempt == ATTEMPTS or self._stop.is_set() or not is_transient(exc):
                    raise
                time.sleep(delay)
                delay *= 2
            except BaseException:
                _remove_quietly(tmp)
                raise
        raise AssertionError("unreachable")


def _describe(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None) or exc
    status = getattr(cause, "status_code", None)
    if status:
        return f"HTTP {status}"
    text = str(cause).split("\n", 1)[0]
    return f"{type(cause).__name__}: {text}"[:200]
