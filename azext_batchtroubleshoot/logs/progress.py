"""Parse the master's progress logs: ``logs/job_progress_overview*.txt`` (and legacy ``overview*.txt``) and
``logs/sys/master_role*.txt``.  Both are small, so they are read line by line, in rotation order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .layout import LogFile
from .scan import excerpt, leading_timestamp, sniff

_OVERVIEW_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) (.*)$")
_SCHEDULED = re.compile(
    r"Scheduling finished\. Scheduled (\d+) mini batches(?: with (\d+) items)? in ([\d.]+) seconds"
    r"(?:\. There are (\d+) tasks with (\d+) items)?"
)
_PROCESSED = re.compile(
    r"Processed (\d+) of (\d+) mini batches in ([^.]+?)\.\s*Estimated? remaining(?: time)? ([^.]+)\.?"
)
_PROCESSED_PLAIN = re.compile(r"Processed (\d+) mini batches\.")
_ALL_PROCESSED = re.compile(r"All (\d+) mini batches have been processed")
_STOPPED_FOR = re.compile(r"Progress update stopped for reasons: (.*)$")
_OVERVIEWER = re.compile(r"The overviewer on (\S+) (started|stopped)")
_CONCAT_DONE = re.compile(r"Finished concatenating (\d+) files")
_CONCAT_FAILED = re.compile(r"Failed temp files were kept|No temp file found")
_MASTER_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\|([A-Z]+)\|(\d+)\|(?:(\d+)\|)?(.*)$")
_STAGE = re.compile(r"[Ss]etting job stage to (\w+)")
_DURATION = re.compile(r"(?:(\d+) days?, )?(\d+):(\d{2}):(\d{2})")

MAX_PROGRESS_POINTS = 5000


def parse_duration(text: str) -> float | None:
    """``1 day, 2:03:04`` or ``0:05:12`` (Python's timedelta form) in seconds."""
    match = _DURATION.search(text)
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)


@dataclass
class ProgressPoint:
    timestamp: str
    processed: int
    total: int
    path: str
    line: int


@dataclass
class MarkedLine:
    timestamp: str | None
    path: str
    line: int
    text: str


@dataclass
class Overview:
    files: list[str] = field(default_factory=list)
    started_at: str | None = None
    last_line_at: str | None = None
    scheduled_mini_batches: int | None = None
    scheduled_items: int | None = None
    scheduling_seconds: float | None = None
    scheduled_at: MarkedLine | None = None
    progress: list[ProgressPoint] = field(default_factory=list)
    last_progress: ProgressPoint | None = None
    all_processed: MarkedLine | None = None
    stop_reasons: MarkedLine | None = None
    overviewer_started: list[MarkedLine] = field(default_factory=list)
    overviewer_stopped: list[MarkedLine] = field(default_factory=list)
    concatenated: MarkedLine | None = None
    concatenation_failed: MarkedLine | None = None
    no_task_processed_yet: int = 0
    last_no_task_line: MarkedLine | None = None
    lines: int = 0

    @property
    def present(self) -> bool:
        return bool(self.files)

    @property
    def finished(self) -> bool:
        """The master wrote a terminal message, good or bad."""
        return self.all_processed is not None or self.stop_reasons is not None

    @property
    def completed(self) -> bool:
        """Every mini-batch was processed (they may still have failed items)."""
        if self.all_processed is not None:
            return True
        return self.stop_reasons is not None and "have been processed" in self.stop_reasons.text

    @property
    def stopped_early(self) -> bool:
        """Progress stopped for another reason: error threshold, no progress, a stop signal."""
        return self.stop_reasons is not None and not self.completed


@dataclass
class Master:
    files: list[str] = field(default_factory=list)
    start_scheduling: MarkedLine | None = None
    first_task: MarkedLine | None = None
    stages: list[MarkedLine] = field(default_factory=list)
    last_line_at: str | None = None

    @property
    def rounds(self) -> int:
        return len(self.files)


def _text_lines(log_file: LogFile) -> Iterator[tuple[int, str]]:
    try:
        with open(log_file.abspath, "rb") as handle:
            encoding, reason = sniff(handle.read(8192))
            if reason or encoding is None:
                return
            handle.seek(0)
            for number, raw in enumerate(handle, start=1):
                yield number, raw[: 64 * 1024].decode("utf-8", "replace").rstrip("\r\n")
    except OSError:
        return


def parse_overview(files: list[LogFile]) -> Overview:
    overview = Overview()
    for log_file in files:
        overview.files.append(log_file.path)
        for number, text in _text_lines(log_file):
            _overview_line(overview, log_file.path, number, text)
    return overview


def _overview_line(overview: Overview, path: str, number: int, text: str) -> None:
    match = _OVERVIEW_LINE.match(text)
    if not match:
        return
    stamp, message = match.groups()
    overview.lines += 1
    overview.started_at = overview.started_at or stamp
    overview.last_line_at = stamp
    marked = MarkedLine(stamp, path, number, excerpt(text))
    if message.startswith("No task has been processed yet"):
        overview.no_task_processed_yet += 1
        overview.last_no_task_line = marked
        return
    progress = _PROCESSED.search(message)
    if progress:
        point = ProgressPoint(stamp, int(progress.group(1)), int(progress.group(2)), path, number)
        overview.last_progress = point
        if len(overview.progress) < MAX_PROGRESS_POINTS:
            overview.progress.append(point)
        return
    scheduled = _SCHEDULED.search(message)
    if scheduled:
        overview.scheduled_mini_batches = int(scheduled.group(1))
        items = scheduled.group(2) or scheduled.group(5)
        overview.scheduled_items = int(items) if items else None
        overview.scheduling_seconds = float(scheduled.group(3))
        overview.scheduled_at = marked
        return
    _overview_marker(overview, message, marked)


def _overview_marker(overview: Overview, message: str, marked: MarkedLine) -> None:
    if _ALL_PROCESSED.search(message) and overview.all_processed is None:
        overview.all_processed = marked
    elif _STOPPED_FOR.search(message):
        overview.stop_reasons = marked
    elif _CONCAT_DONE.search(message):
        overview.concatenated = marked
    elif _CONCAT_FAILED.search(message):
        overview.concatenation_failed = marked
    else:
        overviewer = _OVERVIEWER.search(message)
        if overviewer:
            target = overview.overviewer_started if overviewer.group(2) == "started" else overview.overviewer_stopped
            target.append(marked)


def parse_master(files: list[LogFile]) -> Master:
    master = Master()
    for log_file in files:
        master.files.append(log_file.path)
        for number, text in _text_lines(log_file):
            match = _MASTER_LINE.match(text)
            if not match:
                continue
            stamp = leading_timestamp(text)
            master.last_line_at = stamp or master.last_line_at
            message = match.group(5)
            if message.startswith("Start scheduling") and master.start_scheduling is None:
                master.start_scheduling = MarkedLine(stamp, log_file.path, number, excerpt(text))
            stage = _STAGE.search(message)
            if stage:
                marked = MarkedLine(stamp, log_file.path, number, excerpt(text))
                if len(master.stages) < 200:
                    master.stages.append(marked)
                if stage.group(1) == "FIRST_TASK_SCHEDULED" and master.first_task is None:
                    master.first_task = marked
    return master
