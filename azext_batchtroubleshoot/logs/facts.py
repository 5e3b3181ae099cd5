"""Everything the rules may look at, gathered in one pass over the tree: ``JobFacts``.

Rules never open files; they read these facts.  The facts are built once per analysis: every text file is scanned
for the union of the rules' trigger strings, and the structured files (progress logs, CSV reports, resource
monitor) are parsed into aggregates.
"""

from __future__ import annotations

import gc
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from ..core.models import JobInfo, SkippedFile
from .layout import TEXT_KINDS, FileKind, LogFile, LogTree
from .matcher import Matcher, build_matcher
from .progress import Master, Overview, parse_master, parse_overview
from .scan import TRACEBACK_TRIGGER, FileScan, Hit, Traceback, scan_file, scan_handle
from .tables import (
    MiniBatchReport,
    NodePerf,
    parse_disk_usage,
    parse_minibatch_reports,
    parse_node_usage,
    parse_process_usage,
)
from .tables_fast import PendingParts, read_part, split_points

SERVICE_ERROR_PATH = "(service) job error"
# With more than one core, files from this size on are read by worker processes, once the tree holds enough of them.
PARALLEL_FILE_BYTES = 1024 * 1024
PARALLEL_THRESHOLD_BYTES = 32 * 1024 * 1024
# "--mini_batch_size 10", "--mini_batch_size=10" and the list form "'--mini_batch_size', '10'"; the value must look
# like a value (a number, a flag word, a file name), so prose such as "increase --run_invocation_timeout and" is not.
_SETTING = re.compile(
    r"--([a-z_]+)(?:=|['\"]?,?\s+['\"]?)"
    r"(-?\d+(?:\.\d+)*|True|False|true|false|[\w./-]+\.py|[A-Z_]{3,}|[a-z]+_[a-z_]+)\b"
)
SETTING_TRIGGERS = (
    "--mini_batch_size",
    "--run_invocation_timeout",
    "--process_count_per_node",
    "--resource_monitor_interval",
    "--error_threshold",
    "--run_max_try",
    "--node_count",
)


@dataclass
class JobFacts:
    tree: LogTree
    job: JobInfo
    hits_by_trigger: dict[str, list[Hit]] = field(default_factory=lambda: defaultdict(list))
    hit_totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tracebacks: list[Traceback] = field(default_factory=list)
    traceback_total: int = 0
    overview: Overview = field(default_factory=Overview)
    master: Master = field(default_factory=Master)
    minibatches: MiniBatchReport = field(default_factory=MiniBatchReport)
    perf: dict[str, NodePerf] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    file_scans: dict[str, FileScan] = field(default_factory=dict)
    skipped: list[SkippedFile] = field(default_factory=list)
    files_read: int = 0
    bytes_read: int = 0
    latest_timestamp: str | None = None
    earliest_timestamp: str | None = None
    # Lines that the specific rules already explain (filled by the engine before the late rules run).
    claimed: set[tuple[str, int]] = field(default_factory=set)
    # How many error findings of a cause the rules that already ran produced (the engine keeps count).
    causes_found: int = 0
    _traceback_index: dict[str, list[Traceback]] | None = field(default=None, repr=False)

    def hits(self, *triggers: str, kinds: Iterable[FileKind] | None = None) -> list[Hit]:
        wanted = frozenset(kinds) if kinds is not None else None
        found: list[Hit] = []
        for trigger in triggers:
            for hit in self.hits_by_trigger.get(trigger, ()):
                if wanted is None or hit.file.kind in wanted:
                    found.append(hit)
        return found

    def count(self, *triggers: str) -> int:
        return sum(self.hit_totals.get(trigger, 0) for trigger in triggers)

    def files(self, *kinds: FileKind) -> list[LogFile]:
        return self.tree.of_kind(*kinds)

    def has(self, *kinds: FileKind) -> bool:
        wanted = set(kinds)
        return any(f.kind in wanted for f in self.tree.files)

    def traceback_for(self, hit: Hit) -> Traceback | None:
        """The traceback whose span covers ``hit`` (same file, between its first and exception lines)."""
        if self._traceback_index is None:
            index: dict[str, list[Traceback]] = defaultdict(list)
            for traceback in self.tracebacks:
                index[traceback.file.path].append(traceback)
            self._traceback_index = index
        for traceback in self._traceback_index.get(hit.file.path, ()):
            # The record just before "Traceback (most recent call last)" introduces it (logger.exception).
            if traceback.line - 1 <= hit.line <= traceback.exception_line:
                return traceback
        return None

    @property
    def nodes(self) -> list[str]:
        return sorted({f.node for f in self.tree.files if f.node and f.kind != FileKind.STD_LOG})

    @property
    def processes(self) -> list[tuple[str, str]]:
        worker_kinds = (FileKind.WORKER_LOG, FileKind.USER_STDOUT, FileKind.USER_ERROR_TRACE, FileKind.ENTRY_SCRIPT_LOG)
        return sorted(
            {(f.node or "", f.process) for f in self.tree.files if f.process and f.kind in worker_kinds}
            - {(n, p) for n, p in [("", "_main")]}
        )


def collect(tree: LogTree, triggers: Sequence[str], job: JobInfo | None = None, workers: int = 1) -> JobFacts:
    """Scan and parse the whole tree into ``JobFacts``.

    With ``workers`` > 1 and enough data, the large files and the mini-batch report are read in worker processes
    while this process reads the small files.
    """
    facts = JobFacts(tree=tree, job=job or JobInfo())
    facts.skipped.extend(tree.skipped)
    all_triggers = tuple(dict.fromkeys([TRACEBACK_TRIGGER, *triggers, *SETTING_TRIGGERS]))
    text_files = [f for f in tree.files if f.kind in TEXT_KINDS]
    reports = tree.of_kind(FileKind.MINIBATCH_REPORT)
    big = sorted((f for f in text_files if f.size >= PARALLEL_FILE_BYTES), key=lambda f: -f.size)
    total = sum(f.size for f in big) + sum(f.size for f in reports)
    collected = None
    if workers > 1 and total >= PARALLEL_THRESHOLD_BYTES:
        try:
            collected = _collect_in_parallel(facts, text_files, big, reports, all_triggers, workers)
        except BrokenProcessPool:
            collected = None  # a worker died (the kernel may kill one for memory): this process reads it all
    if collected is None:
        matcher = build_matcher(all_triggers)
        for log_file in text_files:
            _absorb(facts, scan_file(log_file, matcher))
        collected = parse_minibatch_reports(reports), _parse_side_files(tree)
    minibatches, side = collected
    if facts.job.error:
        _absorb(facts, _scan_service_error(facts.job.error, build_matcher(all_triggers)))
    _parse_structured(facts, minibatches, side)
    _collect_settings(facts)
    facts.tracebacks.sort(key=lambda t: (t.timestamp or "9999", t.file.path, t.line))
    return facts


def _collect_in_parallel(
    facts: JobFacts,
    text_files: list[LogFile],
    big: list[LogFile],
    reports: list[LogFile],
    triggers: tuple[str, ...],
    workers: int,
) -> tuple[MiniBatchReport, _SideFiles]:
    """The critical path is the mini-batch report.  When it is large, the workers read its parts after the first
    quarter while this process reads that quarter and then folds every block in order; the workers also scan the
    text files and parse the side files.  Otherwise a worker reads the report and this process scans the small
    files."""
    big_paths = {f.path for f in big}
    small = [f for f in text_files if f.path not in big_paths]
    largest = max(reports, key=lambda f: f.size, default=None)
    starts = split_points(largest) if largest is not None else []
    # The workers are forked: with this process's objects frozen, their garbage collections do not walk (and so
    # copy) every page this process owns.
    gc.freeze()
    try:
        return _run_pool(facts, small, big, reports, largest, starts, triggers, workers)
    finally:
        gc.unfreeze()


def _run_pool(
    facts: JobFacts,
    small: list[LogFile],
    big: list[LogFile],
    reports: list[LogFile],
    largest: LogFile | None,
    starts: list[int],
    triggers: tuple[str, ...],
    workers: int,
) -> tuple[MiniBatchReport, _SideFiles]:
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(triggers,)) as pool:
        if largest is not None and starts:
            stops: list[int | None] = [*starts[1:], None]
            part_futures = [pool.submit(read_part, largest, start, stop) for start, stop in zip(starts, stops)]
            # The many large files last: they spread evenly over the workers at the end.
            small_future = pool.submit(_scan_all_in_worker, small)
            side_future = pool.submit(_parse_side_files, facts.tree)
            futures = [pool.submit(_scan_in_worker, f) for f in big]
            parts = PendingParts(largest.path, starts, [future.result for future in part_futures])
            minibatches = parse_minibatch_reports(reports, parts)
            small_scans = small_future.result()
            side = side_future.result()
        else:
            report_future = pool.submit(parse_minibatch_reports, reports)
            futures = [pool.submit(_scan_in_worker, f) for f in big]
            matcher = build_matcher(triggers)
            small_scans = [scan_file(log_file, matcher) for log_file in small]
            side = _parse_side_files(facts.tree)
            minibatches = report_future.result()
        scans = [future.result() for future in futures]
    for scan in small_scans:
        _absorb(facts, scan)
    for scan in sorted(scans, key=lambda s: s.file.path):
        _absorb(facts, scan)
    return minibatches, side


_WORKER_MATCHER: Matcher | None = None


def _init_worker(triggers: tuple[str, ...]) -> None:
    global _WORKER_MATCHER  # noqa: PLW0603 - one matcher per worker process, built once
    _WORKER_MATCHER = build_matcher(triggers)
    # A short-lived worker that builds no cycles: the collector would only walk what the parent left behind.
    gc.disable()


def _scan_in_worker(log_file: LogFile) -> FileScan:
    assert _WORKER_MATCHER is not None
    return scan_file(log_file, _WORKER_MATCHER)


def _scan_all_in_worker(log_files: list[LogFile]) -> list[FileScan]:
    assert _WORKER_MATCHER is not None
    return [scan_file(log_file, _WORKER_MATCHER) for log_file in log_files]


def _scan_service_error(message: str, matcher: Matcher) -> FileScan:
    # The service's error message is scanned like a file so that every rule sees it the same way.
    data = message.encode("utf-8", "replace")
    virtual = LogFile(SERVICE_ERROR_PATH, "", FileKind.SERVICE, len(data))
    return scan_handle(io.BytesIO(data), virtual, matcher, collect_timestamps=False)


def _absorb(facts: JobFacts, scan: FileScan) -> None:
    if scan.skipped_reason:
        facts.skipped.append(SkippedFile(scan.file.path, scan.skipped_reason))
        return
    if scan.file.kind != FileKind.SERVICE:
        facts.files_read += 1
        facts.bytes_read += scan.bytes_read
    facts.file_scans[scan.file.path] = scan
    for hit in scan.hits:
        facts.hits_by_trigger[hit.trigger].append(hit)
    for trigger, count in scan.hit_counts.items():
        facts.hit_totals[trigger] += count
    facts.tracebacks.extend(scan.tracebacks)
    facts.traceback_total += scan.traceback_count
    _widen_span(facts, scan.first_timestamp, scan.last_timestamp)


def _widen_span(facts: JobFacts, first: str | None, last: str | None) -> None:
    if first and first[:4].isdigit() and (facts.earliest_timestamp is None or first < facts.earliest_timestamp):
        facts.earliest_timestamp = first
    if last and last[:4].isdigit() and (facts.latest_timestamp is None or last > facts.latest_timestamp):
        facts.latest_timestamp = last


@dataclass
class _SideFiles:
    """The small structured files: progress logs and resource monitor CSVs, with the problems met reading them."""

    overview: Overview
    master: Master
    perf: dict[str, NodePerf]
    problems: list[SkippedFile]


def _parse_side_files(tree: LogTree) -> _SideFiles:
    perf: dict[str, NodePerf] = {}
    skipped: list[SkippedFile] = []
    parsers: dict[FileKind, Callable[[NodePerf, LogFile, list[str]], None]] = {
        FileKind.PERF_NODE: parse_node_usage,
        FileKind.PERF_DISK: parse_disk_usage,
        FileKind.PERF_PROCESSES: parse_process_usage,
    }
    for kind, parser in parsers.items():
        for log_file in tree.of_kind(kind):
            node = log_file.node or "?"
            problems: list[str] = []
            parser(perf.setdefault(node, NodePerf(node)), log_file, problems)
            skipped.extend(SkippedFile(log_file.path, problem) for problem in problems)
    overview = parse_overview(tree.of_kind(FileKind.OVERVIEW))
    master = parse_master(tree.of_kind(FileKind.MASTER))
    return _SideFiles(overview, master, perf, skipped)


def _parse_structured(facts: JobFacts, minibatches: MiniBatchReport, side: _SideFiles) -> None:
    tree = facts.tree
    facts.overview = side.overview
    facts.master = side.master
    facts.minibatches = minibatches
    structured = [FileKind.MINIBATCH_REPORT, FileKind.PERF_NODE, FileKind.PERF_DISK, FileKind.PERF_PROCESSES]
    for log_file in tree.of_kind(*structured):
        facts.files_read += 1
        facts.bytes_read += log_file.size
    for problem in facts.minibatches.problems:
        facts.skipped.append(SkippedFile(",".join(facts.minibatches.files), problem))
    facts.perf = side.perf
    facts.skipped.extend(side.problems)
    _widen_span(facts, facts.overview.started_at, facts.overview.last_line_at)
    _widen_span(facts, None, facts.master.last_line_at)


def _collect_settings(facts: JobFacts) -> None:
    for hit in facts.hits(*SETTING_TRIGGERS):
        for name, value in _SETTING.findall(hit.text):
            facts.settings.setdefault(name, value)
