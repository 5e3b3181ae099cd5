"""``logs`` and ``logs --follow``: print a job's log files, every line prefixed with the file it came from.

Polls instead of streaming: each round lists the log files of the job and of its batchscoring step (new files show
up as the job runs) and reads only the bytes past what was already printed (ranged GETs). Transient failures are
retried with back-off and the offsets are kept, so no line is printed twice or lost. The job's status is read before
each round; once it is terminal, one last round prints the tail and the loop ends.
"""

from __future__ import annotations

import fnmatch
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TextIO

from ..logs.layout import classify
from ..logs.redact import redact
from ..logs.scan import leading_timestamp
from .errors import AzureCallError, is_transient, status_of
from .jobs import AzureJobs, JobPlan, is_pipeline, is_terminal, plan_for
from .settings import Settings
from .store import LogStore, RemoteLog

MAX_PARTIAL = 1024 * 1024  # a "line" longer than this is printed in pieces
_COLORS = (36, 32, 33, 35, 34, 96, 92, 93, 95, 94)
_STD_NODE_RE = re.compile(r"std_log_(?:process_)?(\d+)")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: a duration back from ``now`` (30s, 10m, 2h, 1d) or a time (UTC unless it says otherwise), as a
    naive UTC time.  Raises ValueError with what is accepted."""
    duration = _DURATION.match(text)
    if duration:
        seconds = float(duration.group(1)) * _UNIT_SECONDS[duration.group(2)[0].lower()]
        return now - timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since {text!r} is neither a duration (30s, 10m, 2h, 1d) nor a time (2024-05-12T10:00:00, in UTC)."
        ) from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass
class LineFilter:
    file_glob: str | None = None
    node: str | None = None
    grep: re.Pattern[str] | None = None
    # Only lines logged at or after this (naive UTC) time.  A line without a time of its own (a traceback, a
    # continuation) goes with the line before it; lines before a file's first time are printed.
    since: datetime | None = None

    def wants_file(self, log: RemoteLog, label: str) -> bool:
        if self.file_glob and not (
            fnmatch.fnmatchcase(log.path, self.file_glob)
            or fnmatch.fnmatchcase(label, self.file_glob)
            or fnmatch.fnmatchcase(log.path.rsplit("/", 1)[-1], self.file_glob)
        ):
            return False
        if self.node is not None:
            return node_of(log.path) == self.node
        return True

    def wants_line(self, line: str) -> bool:
        return self.grep is None or self.grep.search(line) is not None

    def is_recent(self, line: str, before: bool | None) -> bool | None:
        """Whether ``line`` is at or after ``since``: from its own time, else as the line before it (``before``)."""
        if self.since is None:
            return True
        stamp = leading_timestamp(line)
        try:
            return datetime.fromisoformat(stamp) >= self.since if stamp else before
        except ValueError:  # looks like a time but is none (month 13)
            return before


def node_of(path: str) -> str | None:
    found = classify(path)
    if found is not None and found[1] is not None:
        return found[1]
    match = _STD_NODE_RE.search(path)
    return match.group(1) if match else None


@dataclass
class _Cursor:
    offset: int = 0
    partial: bytes = b""
    lines: int = 0
    color: int = 0
    recent: bool | None = None  # with --since: whether the last line with a time was recent enough


@dataclass
class FollowSummary:
    job: str
    status: str | None = None
    lines: int = 0
    files: int = 0
    polls: int = 0
    retries: int = 0
    plan: JobPlan | None = None
    per_file: dict[str, int] = field(default_factory=dict)


class Follower:
    """Prints the logs of ``job`` to ``out``; ``follow`` keeps polling until the job reaches a terminal state."""

    def __init__(
        self,
        jobs: AzureJobs,
        store: LogStore,
        job: str,
        *,
        out: TextIO | None = None,
        err: TextIO | None = None,
        color: bool = False,
        line_filter: LineFilter | None = None,
        settings: Settings | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.jobs = jobs
        self.store = store
        self.job = job
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.color = color
        self.filter = line_filter or LineFilter()
        self.settings = settings or Settings.from_env()
        self.sleep = sleep
        self.cursors: dict[str, _Cursor] = {}
        self.summary = FollowSummary(job=job)
        self._plan: JobPlan | None = None

    # ---- the plan: which runs have logs
    def _refresh_plan(self) -> JobPlan:
        """The job and, for a pipeline, its batchscoring step once it exists (steps appear after submission)."""
        if self._plan is None:
            job = self.jobs.get(self.job)
        else:
            job = self._plan.job
            job.status = self.jobs.status(self.job) or job.status
        still_looking = self._plan is None or self._plan.primary is self._plan.job
        if still_looking:
            children = self.jobs.children(job.name) if is_pipeline(job) else []
            self._plan = plan_for(job, children, self.jobs)
            self.summary.plan = self._plan
        assert self._plan is not None
        return self._plan

    # ---- printing
    def _label(self, plan: JobPlan, log: RemoteLog) -> str:
        return log.path if log.run == plan.primary.name else f"{log.run}:{log.path}"

    def _emit(self, label: str, cursor: _Cursor, data: bytes, final: bool) -> None:
        data = cursor.partial + data
        pieces = data.split(b"\n")
        cursor.partial = pieces.pop()
        if (final and cursor.partial) or len(cursor.partial) > MAX_PARTIAL:
            pieces.append(cursor.partial)
            cursor.partial = b""
        prefix = f"[{label}]"
        if self.color:
            prefix = f"\x1b[{cursor.color}m{prefix}\x1b[0m"
        for raw in pieces:
            line = redact(raw.decode("utf-8", errors="replace").rstrip("\r"))
            cursor.recent = self.filter.is_recent(line, cursor.recent)
            if cursor.recent is False or not self.filter.wants_line(line):
                continue
            self.out.write(f"{prefix} {line}\n")
            cursor.lines += 1
            self.summary.lines += 1
            self.summary.per_file[label] = cursor.lines

    def _poll(self, plan: JobPlan, final: bool) -> None:
        runs = plan.log_runs
        for run in runs:
            listing = self.store.list(run, refresh_details=True)
            for log in sorted(listing.logs, key=lambda item: item.path):
                label = self._label(plan, log)
                if not self.filter.wants_file(log, label):
                    continue
                cursor = self.cursors.get(log.key)
                if cursor is None:
                    cursor = self.cursors[log.key] = _Cursor(color=_COLORS[len(self.cursors) % len(_COLORS)])
                    self.summary.files += 1
                if log.size is not None and log.size <= cursor.offset:
                    if final and cursor.partial:
                        self._emit(label, cursor, b"", final=True)
                    continue
                data = self.store.read_from(log, cursor.offset)
                cursor.offset += len(data)
                self._emit(label, cursor, data, final=final)
        self.out.flush()

    # ---- the loops
    def print_once(self) -> FollowSummary:
        plan = self._refresh_plan()
        self._poll(plan, final=True)
        self.summary.status = plan.job.status
        return self.summary

    def follow(self) -> FollowSummary:
        failures = 0
        while True:
            try:
                plan = self._refresh_plan()
                status = plan.job.status
                terminal = is_terminal(status)
                self._poll(plan, final=terminal)
                self.summary.polls += 1
                failures = 0
            except AzureCallError as exc:
                if not is_transient(exc):
                    raise
                failures += 1
                self.summary.retries += 1
                if failures > self.settings.follow_failures:
                    exc.attempts = failures
                    raise
                wait = min(60.0, self.settings.poll_seconds * (2 ** (failures - 1)))
                self.err.write(
                    f"WARNING: {_describe(exc)} while following the logs; trying again in {wait:.0f}s "
                    f"({failures}/{self.settings.follow_failures}).\n"
                )
                self.err.flush()
                self.sleep(wait)
                continue
            if terminal:
                self.summary.status = status
                return self.summary
            self.sleep(self.settings.poll_seconds)


def _describe(exc: AzureCallError) -> str:
    status = status_of(exc)
    if status is not None:
        return f"the service answered HTTP {status}"
    return f"a connection problem ({type(exc.cause).__name__})"
