"""Stream the CSV reports: ``processed_mini-batches.csv`` (and its legacy forms) and the resource monitor CSVs.

Rows are folded into aggregates as they are read, so memory does not grow with the number of rows beyond one
small record per mini-batch id (needed to tell retries from first attempts).
"""

from __future__ import annotations

import csv
import heapq
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .layout import LogFile
from .scan import excerpt, sniff

if TYPE_CHECKING:
    from .tables_fast import PendingParts

csv.field_size_limit(16 * 1024 * 1024)

MAX_SERIES_POINTS = 720
SLOWEST_KEPT = 10


def normalise(header: str) -> str:
    """``Memory Used (MB)`` → ``memoryusedmb``: tolerant of case, spaces, units and punctuation."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # the usual cell; float() ignores the same surrounding whitespace as strip()
    except ValueError:
        pass
    else:
        return number if _plausible(number) else None
    value = value.strip().rstrip("%")
    if not value or value.upper() in ("N/A", "NA", "NONE", "NULL", "-"):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if _plausible(number) else None


# No count, percentage or duration in these reports comes near this (it is 317 years of seconds); larger values
# are corrupt, and would overflow date arithmetic.
LARGEST_PLAUSIBLE = 1e10


def end_of(start: datetime, seconds: float | None) -> datetime:
    """``start`` plus ``seconds``; the last representable moment for a corrupt time at the end of the calendar."""
    if not seconds:
        return start
    try:
        return start + timedelta(seconds=seconds)
    except OverflowError:
        return datetime.max


def _plausible(number: float) -> bool:
    return math.isfinite(number) and -LARGEST_PLAUSIBLE <= number <= LARGEST_PLAUSIBLE


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        pass
    else:
        return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed
    text = value.strip().replace("Z", "")
    for fmt in (
        "%Y-%m-%dT%H:%M:%S.%f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S.%f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S,%f",
    ):
        try:
            return datetime.strptime(text[:26], fmt)
        except ValueError:
            continue
    return None


def _csv_records(log_file: LogFile, problems: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Every non-empty record with its line number; bad quoting, NULs and odd encodings are tolerated, and a read
    that fails is noted in ``problems``.  The header is the first record with a non-blank cell."""
    try:
        with open(log_file.abspath, "rb") as raw:
            encoding, reason = sniff(raw.read(8192))
            if reason or encoding is None:
                problems.append(reason or "unreadable")
                return
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
            reader = csv.reader(line.replace("\x00", "") if "\x00" in line else line for line in text)
            for row in reader:
                if row:
                    yield reader.line_num, row
    except (OSError, csv.Error) as exc:
        problems.append(f"stopped reading: {exc}")


def _rows(log_file: LogFile, problems: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows keyed by normalised header.  Bad rows are counted, never fatal."""
    header: list[str] | None = None
    for line, row in _csv_records(log_file, problems):
        if header is None:
            if any(cell.strip() for cell in row):
                header = [normalise(cell) for cell in row]
            continue
        yield line, dict(zip(header, row))


def _pick(row: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in row:
            return row[name]
    return None


# ---------------------------------------------------------------------------------------------------
# Mini-batch report


@dataclass
class MiniBatchRow:
    mini_batch: str
    process: str | None
    node: str | None
    start: str | None
    elapsed: float | None
    process_seconds: float | None
    status: str
    picked: int
    path: str
    line: int
    error: str


@dataclass
class GroupStats:
    count: int = 0
    elapsed: float = 0.0
    failed: int = 0

    def add(self, elapsed: float | None, failed: bool) -> None:
        self.count += 1
        self.elapsed += elapsed or 0.0
        self.failed += int(failed)


@dataclass
class MiniBatchReport:
    files: list[str] = field(default_factory=list)
    attempts: int = 0
    mini_batches: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    items_total: int = 0
    items_succeeded: int = 0
    items_failed: int = 0
    items_known: bool = False
    status_counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    error_examples: dict[tuple[str, str], MiniBatchRow] = field(default_factory=dict)
    elapsed_total: float = 0.0
    process_seconds_total: float = 0.0
    timed_attempts: int = 0
    cpu_timed_attempts: int = 0
    elapsed_values: list[float] = field(default_factory=list)
    slowest: list[tuple[float, int, MiniBatchRow]] = field(default_factory=list)
    by_process: dict[str, GroupStats] = field(default_factory=lambda: defaultdict(GroupStats))
    by_node: dict[str, GroupStats] = field(default_factory=lambda: defaultdict(GroupStats))
    started_at: datetime | None = None
    ended_at: datetime | None = None
    per_minute: Counter[str] = field(default_factory=Counter)
    failed_per_minute: Counter[str] = field(default_factory=Counter)
    timeline: list[MiniBatchRow] = field(default_factory=list)
    timeline_seen: int = 0
    timeline_stride: int = 1
    timeline_notable: int = 0
    bad_rows: int = 0
    problems: list[str] = field(default_factory=list)

    _ordered_elapsed: list[float] | None = field(default=None, repr=False, compare=False)

    @property
    def present(self) -> bool:
        return self.attempts > 0

    def ordered_elapsed(self) -> list[float]:
        """``elapsed_values`` sorted, once (several statistics and rules read the order of 200,000 values)."""
        if self._ordered_elapsed is None or len(self._ordered_elapsed) != len(self.elapsed_values):
            self._ordered_elapsed = sorted(self.elapsed_values)
        return self._ordered_elapsed


def median_of_ordered(values: list[float]) -> float:
    """``statistics.median`` of values already in order."""
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


_GOOD_STATUSES = ("RUN_DONE", "LOAD_DONE", "TASK_PROCESSED", "SUCCEEDED", "DONE", "COMPLETED")
TIMELINE_KEPT = 20000
NOTABLE_KEPT = 5000
ELAPSED_KEPT = 200000


def _status_failed(status: str, failed_items: float | None, error: str) -> bool:
    upper = status.upper()
    if upper:
        return not upper.endswith(_GOOD_STATUSES) or bool(failed_items and failed_items > 0 and "DONE" not in upper)
    return bool(failed_items and failed_items > 0) or bool(error)


_COLUMNS = {
    "mini_batch": ("minibatchid", "taskid", "id"),
    "picked": ("pickedcount", "dequeuecount"),
    "process": ("process", "processname", "processid"),
    "node": ("node", "nodeid", "ipaddress", "ip", "nodeip"),
    "start": ("starttime",),
    "total": ("total",),
    "succeeded": ("succeeded",),
    "failed": ("failed",),
    "elapsed": ("elapsedseconds",),
    "process_seconds": ("processseconds",),
    "status": ("status",),
    "error": ("errormessage", "error"),
}


def _column_positions(header: list[str]) -> dict[str, int]:
    names = [normalise(cell) for cell in header]
    positions: dict[str, int] = {}
    for field_name, candidates in _COLUMNS.items():
        for candidate in candidates:
            if candidate in names:
                positions[field_name] = names.index(candidate)
                break
    return positions


def _csv_rows(log_file: LogFile, problems: list[str]) -> Iterator[tuple[int, dict[str, int], list[str]]]:
    """Raw rows with the positions of the known columns."""
    positions: dict[str, int] | None = None
    for line, row in _csv_records(log_file, problems):
        if positions is None:
            if any(cell.strip() for cell in row):
                positions = _column_positions(row)
            continue
        yield line, positions, row


def _number(text: str | None) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return parse_number(text)
    return value if _plausible(value) else None


def parse_minibatch_reports(files: list[LogFile], parts: PendingParts | None = None) -> MiniBatchReport:
    """Fold the mini-batch report files (in order) into one ``MiniBatchReport``: the fast path of ``tables_fast``,
    which gives the same report as ``parse_minibatch_reports_by_row`` (tests/test_minibatch_report_equivalence.py).
    ``parts``: the rest of one file, read by worker processes (``tables_fast.read_part``)."""
    from .tables_fast import parse_minibatch_reports as fast

    return fast(files, parts)


def parse_minibatch_reports_by_row(files: list[LogFile]) -> MiniBatchReport:
    """The reference: one row at a time, every field as the rules read it.  Slower than the fast path (about
    10 µs a row); kept as its specification and for the equivalence tests."""
    report = MiniBatchReport()
    final: dict[str, tuple[int, bool, float, float, float]] = {}  # id -> (picked, failed, total, ok, bad items)
    for log_file in files:
        report.files.append(log_file.path)
        _fold_file(report, final, log_file)
    report.mini_batches = len(final)
    for picked, failed, total, ok, bad in final.values():
        report.failed += int(failed)
        report.retried += int(picked > 1)
        report.items_total += int(total)
        report.items_succeeded += int(ok)
        report.items_failed += int(bad)
    report.succeeded = report.mini_batches - report.failed
    report.slowest = sorted(report.slowest, key=lambda entry: -entry[0])
    return report


_MISSING = 10**6  # the position of a column the file does not have: every row is shorter


def _fold_file(  # noqa: PLR0912, PLR0915 - one fused loop: this file can hold hundreds of thousands of rows
    report: MiniBatchReport, final: dict[str, tuple[int, bool, float, float, float]], log_file: LogFile
) -> None:
    """Fold every row into the report without a Python call per field: the hot path of a large job."""
    rows = _csv_rows(log_file, report.problems)
    first = next(rows, None)
    if first is None:
        return
    positions = first[1]
    at = [positions.get(name, -1) for name in _FIELDS]
    widest = max(at)
    i_mb, i_picked, i_total, i_ok, i_bad, i_elapsed, i_cpu, i_status, i_error, i_process, i_node, i_start = at
    path = log_file.path
    number = _number
    status_counts = report.status_counts
    by_process = report.by_process
    by_node = report.by_node
    per_minute = report.per_minute
    failed_per_minute = report.failed_per_minute
    elapsed_values = report.elapsed_values
    slowest = report.slowest
    order = report.attempts
    for line, _positions, raw in _chain_first(first, rows):
        order += 1
        row = raw if len(raw) > widest else raw + [""] * (widest + 1 - len(raw))
        mini_batch = row[i_mb].strip() if i_mb >= 0 else ""
        if not mini_batch:
            report.bad_rows += 1
            continue
        report.attempts += 1
        picked_value = number(row[i_picked]) if i_picked >= 0 else None
        picked = int(picked_value) if picked_value and picked_value > 0 else 1
        total = number(row[i_total]) if i_total >= 0 else None
        ok = number(row[i_ok]) if i_ok >= 0 else None
        bad = number(row[i_bad]) if i_bad >= 0 else None
        if total is not None:
            report.items_known = True
            if bad is None and ok is not None:
                bad = total - ok
        status = row[i_status].strip() if i_status >= 0 else ""
        error = row[i_error].strip() if i_error >= 0 else ""
        failed = _status_failed(status, bad, error)
        status_counts[status or "UNKNOWN"] += 1
        previous = final.get(mini_batch)
        if previous is None or picked >= previous[0]:
            final[mini_batch] = (picked, failed, total or 0.0, ok or 0.0, bad or 0.0)
        elapsed = number(row[i_elapsed]) if i_elapsed >= 0 else None
        process = (row[i_process].strip() or None) if i_process >= 0 else None
        node = (row[i_node].strip() or None) if i_node >= 0 else None
        start_text = (row[i_start] or None) if i_start >= 0 else None
        cpu = number(row[i_cpu]) if i_cpu >= 0 else None

        record = (mini_batch, process, node, start_text, elapsed, cpu, status, picked, path, line, error)
        if failed:
            key = (status or "FAILED", excerpt(error)[:300])
            report.errors[key] += 1
            if key not in report.error_examples:
                report.error_examples[key] = MiniBatchRow(*record)
        if elapsed is not None:
            report.timed_attempts += 1
            report.elapsed_total += elapsed
            if len(elapsed_values) < ELAPSED_KEPT:
                elapsed_values.append(elapsed)
            if len(slowest) < SLOWEST_KEPT:
                heapq.heappush(slowest, (elapsed, order, MiniBatchRow(*record)))
            elif elapsed > slowest[0][0]:
                heapq.heapreplace(slowest, (elapsed, order, MiniBatchRow(*record)))
            if cpu is not None:
                report.cpu_timed_attempts += 1
                report.process_seconds_total += cpu if cpu < elapsed else elapsed
        if process:
            by_process[f"{node}/{process}" if node else process].add(elapsed, failed)
        if node:
            by_node[node].add(elapsed, failed)
        begun = parse_time(start_text)
        if begun is None:
            continue
        finished = end_of(begun, elapsed)
        if report.started_at is None or begun < report.started_at:
            report.started_at = begun
        if report.ended_at is None or finished > report.ended_at:
            report.ended_at = finished
        minute = finished.isoformat(timespec="minutes")
        per_minute[minute] += 1
        if failed:
            failed_per_minute[minute] += 1
        report.timeline_seen += 1
        notable = failed or picked > 1
        if (notable and report.timeline_notable < NOTABLE_KEPT) or not (
            report.timeline_seen - 1
        ) % report.timeline_stride:
            _keep_for_timeline(report, MiniBatchRow(*record), notable)


_FIELDS = (
    "mini_batch",
    "picked",
    "total",
    "succeeded",
    "failed",
    "elapsed",
    "process_seconds",
    "status",
    "error",
    "process",
    "node",
    "start",
)


def _chain_first(
    first: tuple[int, dict[str, int], list[str]], rest: Iterator[tuple[int, dict[str, int], list[str]]]
) -> Iterator[tuple[int, dict[str, int], list[str]]]:
    yield first
    yield from rest


def _keep_for_timeline(report: MiniBatchReport, row: MiniBatchRow, notable: bool) -> None:
    """A bounded sample spread over the whole job: failed and retried attempts first (up to a cap), and every n-th
    other attempt, n doubling whenever the sample is full.  The caller counts ``timeline_seen`` and calls this only
    for the attempts the sample takes."""
    if notable and report.timeline_notable < NOTABLE_KEPT:
        report.timeline_notable += 1
        report.timeline.append(row)
        return
    report.timeline.append(row)
    if len(report.timeline) < TIMELINE_KEPT:
        return
    kept: list[MiniBatchRow] = []
    regular = 0
    for candidate in report.timeline:
        if candidate.picked > 1 or _failed_row(candidate):
            kept.append(candidate)
            continue
        if regular % 2 == 0:
            kept.append(candidate)
        regular += 1
    report.timeline = kept
    report.timeline_stride *= 2


def _failed_row(row: MiniBatchRow) -> bool:
    return _status_failed(row.status, None, row.error)


def _process_key(row: MiniBatchRow) -> str:
    return f"{row.node}/{row.process}" if row.node else str(row.process)


# ---------------------------------------------------------------------------------------------------
# Resource monitor


@dataclass
class Series:
    """A time series thinned to at most MAX_SERIES_POINTS points (every n-th sample, n doubling as needed)."""

    points: list[tuple[str, float]] = field(default_factory=list)
    stride: int = 1
    seen: int = 0

    def add(self, stamp: str, value: float) -> None:
        self.seen += 1
        if (self.seen - 1) % self.stride:
            return
        self.points.append((stamp, value))
        if len(self.points) >= MAX_SERIES_POINTS:
            self.points = self.points[::2]
            self.stride *= 2


@dataclass
class NodePerf:
    node: str
    samples: int = 0
    cpu_peak: float | None = None
    cpu_sum: float = 0.0
    cpu_samples: int = 0
    memory_total_mb: float | None = None
    memory_peak_percent: float | None = None
    memory_peak_used_mb: float | None = None
    memory_peak_at: str | None = None
    memory_peak_line: int | None = None
    disk_peak_percent: float | None = None
    disk_peak_used_gb: float | None = None
    disk_total_gb: float | None = None
    disk_peak_at: str | None = None
    disk_peak_line: int | None = None
    process_memory_peak_mb: float | None = None
    process_memory_peak_name: str | None = None
    first_at: str | None = None
    last_at: str | None = None
    cpu_series: Series = field(default_factory=Series)
    memory_series: Series = field(default_factory=Series)
    disk_series: Series = field(default_factory=Series)
    node_file: str | None = None
    disk_file: str | None = None

    @property
    def cpu_mean(self) -> float | None:
        return self.cpu_sum / self.cpu_samples if self.cpu_samples else None


def _peak(current: float | None, value: float | None) -> float | None:
    if value is None:
        return current
    return value if current is None else max(current, value)


def parse_node_usage(node_perf: NodePerf, log_file: LogFile, problems: list[str]) -> None:
    node_perf.node_file = log_file.path
    for line, row in _rows(log_file, problems):
        stamp = (_pick(row, "utctime", "time", "timestamp", "datetime") or "").strip()
        node_perf.samples += 1
        node_perf.first_at = node_perf.first_at or stamp
        node_perf.last_at = stamp or node_perf.last_at
        cpu = parse_number(_pick(row, "cpupercent", "cpu"))
        if cpu is not None:
            node_perf.cpu_peak = _peak(node_perf.cpu_peak, cpu)
            node_perf.cpu_sum += cpu
            node_perf.cpu_samples += 1
            node_perf.cpu_series.add(stamp, cpu)
        total = parse_number(_pick(row, "memorytotalmb"))
        used = parse_number(_pick(row, "memoryusedmb"))
        available = parse_number(_pick(row, "memoryavailablemb"))
        percent = parse_number(_pick(row, "memoryusedpercent", "memorypercent"))
        if total:
            node_perf.memory_total_mb = total
            if percent is None and available is not None:
                percent = 100.0 * (total - available) / total
            elif percent is None and used is not None:
                percent = 100.0 * used / total
        if percent is not None:
            if node_perf.memory_peak_percent is None or percent > node_perf.memory_peak_percent:
                node_perf.memory_peak_percent = percent
                node_perf.memory_peak_at = stamp
                node_perf.memory_peak_line = line
            node_perf.memory_series.add(stamp, percent)
        node_perf.memory_peak_used_mb = _peak(node_perf.memory_peak_used_mb, used)


def parse_disk_usage(node_perf: NodePerf, log_file: LogFile, problems: list[str]) -> None:
    node_perf.disk_file = log_file.path
    for line, row in _rows(log_file, problems):
        stamp = (_pick(row, "utctime", "time", "timestamp", "datetime") or "").strip()
        percent = parse_number(_pick(row, "diskusedpercent", "usedpercent", "percent", "diskpercent"))
        used = _first_number(row, ("usedgb", "diskusedgb", "usedmb", "diskusedmb", "used"))
        total = _first_number(row, ("totalgb", "disktotalgb", "totalmb", "disktotalmb", "total"))
        if percent is None and used is not None and total:
            percent = 100.0 * used / total
        if percent is None:
            continue
        if node_perf.disk_peak_percent is None or percent > node_perf.disk_peak_percent:
            node_perf.disk_peak_percent = percent
            node_perf.disk_peak_at = stamp
            node_perf.disk_peak_line = line
            node_perf.disk_peak_used_gb = used
            node_perf.disk_total_gb = total
        node_perf.disk_series.add(stamp, percent)


def _first_number(row: dict[str, str], names: tuple[str, ...]) -> float | None:
    for name in names:
        if name in row:
            value = parse_number(row[name])
            if value is not None:
                return value / 1024 if name.endswith("mb") else value
    return None


def parse_process_usage(node_perf: NodePerf, log_file: LogFile, problems: list[str]) -> None:
    for _line, row in _rows(log_file, problems):
        memory = parse_number(_pick(row, "memoryrssmb", "rssmb", "memorymb", "memoryusedmb"))
        if memory is None:
            continue
        if node_perf.process_memory_peak_mb is None or memory > node_perf.process_memory_peak_mb:
            node_perf.process_memory_peak_mb = memory
            node_perf.process_memory_peak_name = (_pick(row, "name", "processname", "cmdline", "pid") or "").strip()
