"""The fast path of the mini-batch report: the same ``MiniBatchReport`` as ``tables.parse_minibatch_reports_by_row``,
in about 60 % of its time (1.08 s instead of 1.75 s for the 83 MB report of the 1x benchmark tree; see
docs/performance.md).  Standard library only.

The row-by-row reader is slow for two reasons: ``csv.reader`` looks at every character of every row, mostly the
long quoted JSON of ``Mini-batch Detail`` that nothing here uses, and the fold runs Python code for every field of
every row.  Here:

* Reading takes whole lines a block at a time (``readlines`` of the same ``TextIOWrapper``: same encoding,
  ``errors="replace"``, ``newline=""``, so the same lines).  When every line of a block is plain (the needed cells
  hold no quote; the rest of the line has no quote, or is one quoted field whose inner quotes are doubled and that
  closes just before the newline), each line is one record and ``str.split`` gives exactly the cells
  ``csv.reader`` gives.  Otherwise the block is read line by line: plain lines are split, and any other line (a
  quote among the needed cells, a quoted newline, a stray quote, NULs, a line as long as the field size limit)
  goes to ``csv.reader`` with the lines after it, which reads that one record.  Line numbers count physical lines,
  as ``csv.reader.line_num`` does.
* The fold takes a block of rows column by column with built-ins that loop in C (``map``, ``zip``, ``compress``,
  ``Counter.update``, ``min``/``max``, ``functools.reduce``); conversions of columns with few distinct values are
  memoised.  Whatever depends on order keeps the file's order: float sums add left to right as ``+=`` does, the
  slowest-attempt heap sees the same pushes, the timeline sample takes the same rows, counters and groups get their
  keys in order of first appearance, the kept attempt of a mini-batch is the last one with the highest picked count.
* The cyclic garbage collector is paused while the report is read: nothing read forms a cycle, and the
  collections it would run over millions of new objects took about 0.35 s of the 1x report.
* A large report can be read in parts (``split_points``, ``read_part``): worker processes read the parts after the
  first quarter, and the main process reads the first quarter and folds every block, its own and theirs, in file
  order with the same code, so nothing depends on how the file was cut.  A part that does not start at a record
  (a quoted newline across the cut) makes the main process read the whole file itself.

``tests/test_minibatch_report_equivalence.py`` compares the two on every fixture, the benchmark trees and generated
hostile files.
"""

from __future__ import annotations

import csv
import gc
import heapq
import io
import pickle
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from itertools import chain, compress, repeat
from operator import add, attrgetter, eq, floordiv, itemgetter, mul, not_, sub
from typing import Any, NamedTuple

from . import tables
from .layout import LogFile
from .scan import excerpt, sniff
from .tables import (
    _GOOD_STATUSES,
    GroupStats,
    MiniBatchReport,
    MiniBatchRow,
    _column_positions,
    _number,
    _plausible,
    end_of,
    parse_time,
)

BLOCK_CHARS = 1 << 21  # characters of whole lines read and split at a time
MEMO_LIMIT = 65536  # distinct values a memo keeps before it starts afresh: bounded memory on hostile files

_EPOCH = datetime(1, 1, 1)
_MINUTE = timedelta(minutes=1)
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
# What a status says of failure (``tables._status_failed``): True (always), False (never), or it depends on the
# failed items, or (no status at all) on the failed items or an error message.
_WHEN_ITEMS_FAILED = 2
_WHEN_ITEMS_FAILED_OR_ERROR = 3

FinalEntry = tuple[int, bool, float, float, float]  # picked count, failed, total, succeeded and failed items
Record = tuple[str, "str | None", "str | None", "str | None", "float | None", "float | None", str, int, str, int, str]


class _Memo(dict[Any, Any]):
    """``memo[key]`` is ``function(key)``, computed once per distinct key (up to MEMO_LIMIT of them)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self.function = function
        self.misses = 0

    def __missing__(self, key: Any) -> Any:
        self.misses += 1
        if len(self) >= MEMO_LIMIT:
            self.clear()
        value = self[key] = self.function(key)
        return value


def _picked(text: str) -> int:
    value = _number(text)
    return int(value) if value and value > 0 else 1


def _number_or_zero(text: str) -> float:
    return _number(text) or 0.0


def _status_class(status: str) -> bool | int:
    upper = status.upper()
    if upper:
        if not upper.endswith(_GOOD_STATUSES):
            return True
        return _WHEN_ITEMS_FAILED if "DONE" not in upper else False
    return _WHEN_ITEMS_FAILED_OR_ERROR


def _status_key(status: str) -> str:
    return status or "UNKNOWN"


def _span(seconds: float) -> timedelta:
    return timedelta(0, seconds)


class _Floats:
    """``[_number(t) for t in texts]`` for a column of many values: memoised while most values repeat (times with
    two decimals), else one ``float`` call per text in C, with the memo for what ``float`` refuses."""

    def __init__(self) -> None:
        self.memo = _Memo(_number)
        self.memoise = True

    def __call__(self, texts: Sequence[str]) -> list[float | None]:
        memo = self.memo
        if self.memoise:
            misses = memo.misses
            values: list[float | None] = list(map(memo.__getitem__, texts))
            self.memoise = (memo.misses - misses) * 4 < len(texts)
            return values
        try:
            values = list(map(float, texts))
        except ValueError:
            return list(map(memo.__getitem__, texts))
        if all(map(_plausible, values)):  # type: ignore[arg-type]
            return values
        return list(map(memo.__getitem__, texts))


class _State:
    """What the fold carries from block to block and from file to file."""

    def __init__(self, report: MiniBatchReport) -> None:
        self.report = report
        self.final: dict[str, FinalEntry] = {}
        self.retried_ids: set[str] = set()  # ids whose kept attempt has a picked count above 1
        self.per_minute: Counter[int] = Counter()  # minutes since 0001-01-01, in order of first appearance
        self.failed_per_minute: Counter[int] = Counter()
        self.timeline: list[Record] = []  # report.timeline as tuples, made MiniBatchRows at the end
        self.sticky: list[bool] = []  # per timeline entry: kept when the sample is halved (retried or failed)
        self.timeline_kept = tables.TIMELINE_KEPT
        self.notable_kept = tables.NOTABLE_KEPT
        self.slowest_kept = tables.SLOWEST_KEPT
        self.elapsed_kept = tables.ELAPSED_KEPT
        self.picked = _Memo(_picked)
        self.numbers = _Memo(_number)
        self.or_zero = _Memo(_number_or_zero)
        self.status_class = _Memo(_status_class)
        self.status_key = _Memo(_status_key)
        self.spans = _Memo(_span)
        self.elapsed = _Floats()
        self.cpu = _Floats()


def parse_minibatch_reports(files: list[LogFile], parts: PendingParts | None = None) -> MiniBatchReport:
    """The report of ``files``.  With ``parts``, other processes are reading the rest of one of them, part by part
    (``read_part``): this process reads up to where the first part starts and folds everything, in order.  If a
    guess about where a record starts was wrong, every file is read again here: the result is always the same."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        if parts is not None:
            try:
                return _parse(files, parts)
            except _SplitFailed:
                pass
        return _parse(files, None)
    finally:
        if collecting:
            gc.enable()


def _parse(files: list[LogFile], parts: PendingParts | None) -> MiniBatchReport:
    report = MiniBatchReport()
    state = _State(report)
    for log_file in files:
        report.files.append(log_file.path)
        _fold_file(state, log_file, parts)
    report.mini_batches = len(state.final)
    if state.final:
        picked, failed, total, ok, bad = zip(*state.final.values())
        report.failed = sum(failed)
        report.retried = sum(map((1).__lt__, picked))  # picked more than once
        report.items_total = sum(map(int, total))
        report.items_succeeded = sum(map(int, ok))
        report.items_failed = sum(map(int, bad))
    report.succeeded = report.mini_batches - report.failed
    report.slowest = sorted(report.slowest, key=lambda entry: -entry[0])
    for minute, count in state.per_minute.items():
        report.per_minute[(_EPOCH + minute * _MINUTE).isoformat(timespec="minutes")] = count
    for minute, count in state.failed_per_minute.items():
        report.failed_per_minute[(_EPOCH + minute * _MINUTE).isoformat(timespec="minutes")] = count
    report.timeline = [MiniBatchRow(*record) for record in state.timeline]
    return report


def _fold_file(state: _State, log_file: LogFile, parts: PendingParts | None = None) -> None:
    problems = state.report.problems
    known_problems = len(problems)
    split = parts if parts is not None and parts.path == log_file.path and parts.starts else None
    reader = _Reader(log_file, problems, stop=split.starts[0] if split is not None else None)
    blocks = reader.blocks()
    first = next(blocks, None)
    if first is None or reader.positions is None:
        if split is not None:
            raise _SplitFailed
        return
    fold = _Fold(state, log_file.path, [reader.positions.get(name, -1) for name in _FIELDS])
    for lines, columns in chain((first,), blocks):
        fold(lines, columns)
    if split is None or len(problems) > known_problems:
        return  # reading stopped before the end of this part: it would not have gone on to the next one either
    lines_read, ran_out = reader.lines_read, reader.ran_out
    for fetch in split.fetches:
        try:
            part = fetch()
        except Exception as exc:  # the other process failed: this one reads it all
            raise _SplitFailed from exc
        # The part is the rest of the file only if the one before ended with a whole record just before it.
        if not part.usable or ran_out or part.positions != reader.positions:
            raise _SplitFailed
        problems.extend(part.problems)
        for blob in part.blocks:
            lines, columns = pickle.loads(blob)
            fold(_shifted(lines, lines_read), columns)
        if part.problems:
            return  # reading stopped in this part
        lines_read, ran_out = lines_read + part.lines_read, part.ran_out


def _shifted(lines: Sequence[int], offset: int) -> Sequence[int]:
    """A part's line numbers (counted from its start) as the file's."""
    if isinstance(lines, range):
        return range(lines.start + offset, lines.stop + offset)
    return [line + offset for line in lines]


# ---------------------------------------------------------------------------------------------------
# Reading the report in several processes


SPLIT_MIN_BYTES = 16 * 1024 * 1024
# The parts' blocks wait in memory until they are folded (their needed cells are about a fifth of the file): above
# this size one worker reads the report alone, a block at a time, so that memory stays bounded.
SPLIT_MAX_BYTES = 256 * 1024 * 1024
# This process reads the first HEAD_SHARE of the file and then folds every row; workers read the rest in PARTS parts
# (small enough that this process can fold one while the next is read).
HEAD_SHARE = 0.25
PARTS = 4


class _SplitFailed(Exception):
    """A part did not start at a record (a quoted newline crossed its start), or its reader failed: read it all."""


@dataclass
class PartBlocks:
    """The records of a report file between bytes ``start`` and ``stop`` (None: the end), as a worker read them:
    the blocks of ``_Reader.blocks`` (needed columns only), pickled one by one so that they take little memory."""

    path: str
    start: int
    stop: int | None
    lines_read: int = 0  # the physical lines from ``start`` to ``stop`` (the blocks number them from 1)
    ran_out: bool = False  # a record went on to ``stop`` (so it may go on after it)
    positions: dict[str, int] | None = None
    blocks: list[bytes] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    usable: bool = False


@dataclass
class PendingParts:
    """The parts of a report that workers are reading: which file, where each starts, how to wait for each."""

    path: str
    starts: list[int]
    fetches: list[Callable[[], PartBlocks]]


def split_points(log_file: LogFile) -> list[int]:
    """Where the parts of a large UTF-8 report start: each just after a newline, the first about HEAD_SHARE of the
    way in.  None ([]) for a file too small to be worth it or too large to hold its parts, or one that is not plainly
    UTF-8."""
    if not SPLIT_MIN_BYTES <= log_file.size <= SPLIT_MAX_BYTES:
        return []
    step = (1 - HEAD_SHARE) / PARTS
    guesses = [int(log_file.size * (HEAD_SHARE + step * k)) for k in range(PARTS)]
    starts: list[int] = []
    try:
        with open(log_file.abspath, "rb") as raw:
            encoding, reason = sniff(raw.read(8192))
            if reason or encoding != "utf-8":
                return []
            for guess in guesses:
                raw.seek(guess)
                newline = raw.read(1024 * 1024).find(b"\n")
                if newline >= 0 and (not starts or guess + newline + 1 > starts[-1]):
                    starts.append(guess + newline + 1)
    except OSError:
        return []
    return starts


def read_part(log_file: LogFile, start: int, stop: int | None = None) -> PartBlocks:
    """Read the records from byte ``start`` (a line start) up to byte ``stop``, as ``_Reader`` reads them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        part = PartBlocks(log_file.path, start, stop)
        try:
            with open(log_file.abspath, "rb") as raw:
                encoding, reason = sniff(raw.read(8192))
                raw.seek(max(0, start - 1))
                after_newline = start > 0 and raw.read(1) == b"\n"
        except OSError:
            return part
        if reason or encoding != "utf-8" or not after_newline:
            return part  # a part starts just after a newline (in UTF-8, no other character holds that byte)
        reader = _Reader(log_file, part.problems, start=start, stop=stop)
        reader.keep_joined = True
        needed: list[int] = []
        for lines, columns in reader.blocks():
            if not needed and reader.positions is not None:
                needed = [reader.positions.get(name, -1) for name in _FIELDS]
            kept = (
                columns
                if isinstance(columns, JoinedCells)
                else [c if k in needed else None for k, c in enumerate(columns)]
            )
            part.blocks.append(pickle.dumps((lines, kept), protocol=pickle.HIGHEST_PROTOCOL))
        part.positions = reader.positions
        part.lines_read = reader.lines_read
        part.ran_out = reader.ran_out
        # (The header is before ``start``: the reader of the first part, in the main process, found it there, or the
        # split is given up.)
        part.usable = reader.positions is not None
        return part
    finally:
        if collecting:
            gc.enable()


# A block's line numbers and its columns: split, or (``_Reader.keep_joined``) the joined cells.
Block = tuple[Sequence[int], "list[Sequence[str]] | JoinedCells"]


class JoinedCells(NamedTuple):
    """The needed cells of a block of plain lines, each followed by a comma, as one string."""

    text: str
    width: int

    def columns(self) -> list[Sequence[str]]:
        cells = self.text.split(",")
        count = len(cells) // self.width
        return [cells[i : count * self.width : self.width] for i in range(self.width)]


def _window(raw: io.BufferedReader, size: int | None) -> io.BufferedReader:
    return raw if size is None else io.BufferedReader(_Window(raw, size), 1024 * 1024)


class _Window(io.RawIOBase):
    """The next ``size`` bytes of an open file (from where it is), as a file of their own."""

    def __init__(self, raw: io.BufferedIOBase, size: int) -> None:
        self._raw = raw
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        with memoryview(buffer) as view, view[: self._left] as window:
            count = self._raw.readinto(window)
        self._left -= count
        return count


# ---------------------------------------------------------------------------------------------------
# Reading


class _Reader:
    """The records of one CSV file, a block of lines at a time, as (line numbers, columns): the cells of the columns
    up to the widest needed one, a row shorter than that padded with "" as the row-by-row reader pads it."""

    def __init__(
        self,
        log_file: LogFile,
        problems: list[str],
        start: int = 0,
        stop: int | None = None,
    ) -> None:
        self.log_file = log_file
        self.problems = problems
        self.start = start  # read the records from this byte on (a line start; lines are counted from it)...
        self.stop = stop  # ...up to this byte (a line start), or the end
        self.positions: dict[str, int] | None = None
        self.ran_out = False  # a record read by csv.reader went on to the end of what there was to read
        # Plain blocks as their joined cells (one string: cheap to pass to another process), not split in columns.
        self.keep_joined = False
        self.lines_read = 0  # as csv.reader's line_num: physical lines taken from the file so far
        self.numbers: list[int] = []  # the records of the block so far, when it is read line by line
        self.rows: list[list[str]] = []

    def blocks(self) -> Iterator[Block]:
        try:
            with open(self.log_file.abspath, "rb") as raw:
                encoding, reason = sniff(raw.read(8192))
                if reason or encoding is None:
                    self.problems.append(reason or "unreadable")
                    return
                raw.seek(0)
                text = io.TextIOWrapper(_window(raw, self.stop), encoding=encoding, errors="replace", newline="")
                header = self._header(text)
                if header is None:
                    return
                self.positions = _column_positions(header)
                if self.start:
                    text.detach()  # (closing the wrapper would close the file)
                    raw.seek(self.start)
                    rest = None if self.stop is None else self.stop - self.start
                    text = io.TextIOWrapper(_window(raw, rest), encoding=encoding, errors="replace", newline="")
                    self.lines_read = 0
                width = max(self.positions.get(name, -1) for name in _FIELDS) + 1
                limit = csv.field_size_limit()
                while True:
                    block = text.readlines(BLOCK_CHARS)
                    if not block:
                        break
                    whole = self._split_block(block, text, width, limit)
                    if whole is not None:
                        yield whole
                    elif self.rows:
                        yield self._take_rows()
        except (OSError, csv.Error) as exc:
            self.problems.append(f"stopped reading: {exc}")
        if self.rows:
            yield self._take_rows()  # the records before the error, as the row-by-row reader yields them

    def _take_rows(self) -> tuple[Sequence[int], list[Sequence[str]]]:
        numbers, rows = self.numbers, self.rows
        self.numbers, self.rows = [], []
        return numbers, list(zip(*rows))

    def _more(self, text: Iterator[str]) -> Iterator[str]:
        """Lines for ``csv.reader``, counted as it takes them: it takes only the lines of one record."""
        for line in text:
            self.lines_read += 1
            yield line.replace("\x00", "") if "\x00" in line else line
        self.ran_out = True

    def _header(self, text: io.TextIOWrapper) -> list[str] | None:
        for row in csv.reader(self._more(text)):
            if row and any(cell.strip() for cell in row):
                return row
        return None

    def _split_block(self, block: list[str], text: io.TextIOWrapper, width: int, limit: int) -> Block | None:
        """Split the lines that are plain, the whole block in one go when they all are: a plain line ends with the
        block's newline, its needed cells hold no quote and more cells follow, and the rest of the line has no
        quote or is one quoted field whose inner quotes are doubled, closed just before the newline.  Returns the
        block's records, or None when they went (line by line) to ``self.rows``."""
        count = len(block)
        joined = "".join(block)
        newline = "\n" if "\r" not in joined else "\r\n"
        if (
            width < 1
            or len(joined) >= limit
            or "\x00" in joined
            or not block[-1].endswith("\n")  # with no CR, every line ends with a newline (all but a last one do)
            or (
                newline == "\r\n"
                and (joined.count("\r") != count or not all(map(str.endswith, block, repeat(newline))))
            )
        ):
            self._split_lines(block, [False] * count, [], text, width, limit)
            return None
        del joined
        quotes = list(map(str.find, block, repeat('"')))
        if min(quotes) >= 0:
            # Every line is quoted (the usual report: the JSON of Mini-batch Detail comes last).  What comes before
            # the first quote must be exactly the needed cells, each followed by its comma.
            checks = [
                list(map(eq, map(str.count, block, repeat(","), repeat(0), quotes), repeat(width))),
                list(map(str.startswith, block, repeat(","), map(sub, quotes, repeat(1)))),
                *_closed_quoted(block, quotes, newline),
            ]
            if all(map(all, checks)):
                # All plain: the cells before the first quotes, split in one go.
                cells = JoinedCells("".join(map(str.__getitem__, block, map(slice, repeat(None), quotes))), width)
                first = self.lines_read + 1
                self.lines_read += count
                return range(first, first + count), cells if self.keep_joined else cells.columns()
            plain = list(map(all, zip(*checks)))
            rows = list(map(str.split, map(str.__getitem__, block, map(slice, repeat(None), quotes)), repeat(",")))
        else:
            rows = list(map(str.split, block, repeat(","), repeat(width)))
            plain = list(map(width.__lt__, map(len, rows)))  # else the last needed cell holds the newline
            if max(quotes) >= 0:
                quoted = [k for k, at in enumerate(quotes) if at >= 0]
                lines = [block[k] for k in quoted]
                starts = list(map(sub, map(len, lines), map(len, [rows[k][-1] for k in quoted])))
                at = [quotes[k] for k in quoted]
                checks = [list(map(eq, at, starts)), *_closed_quoted(lines, at, newline)]
                for k, ok in zip(quoted, map(all, zip(*checks))):
                    plain[k] = plain[k] and ok
            if all(plain):
                first = self.lines_read + 1
                self.lines_read += count
                return range(first, first + count), list(zip(*rows))
        self._split_lines(block, plain, rows, text, width, limit)
        return None

    def _split_lines(
        self,
        block: list[str],
        plain: list[bool],
        rows: list[list[str]],
        text: io.TextIOWrapper,
        width: int,
        limit: int,
    ) -> None:
        """The block's lines in order into ``self.rows``: runs of plain lines as split, any other line as one
        ``csv.reader`` record, which may take the lines after it (of this block, then of the file)."""
        count = len(block)
        position = 0

        def following() -> Iterator[str]:
            nonlocal position
            while position < count:
                position += 1
                yield block[position - 1]

        odd = [k for k, ok in enumerate(plain) if not ok]
        next_odd = 0
        while position < count:
            while next_odd < len(odd) and odd[next_odd] < position:
                next_odd += 1
            stop = odd[next_odd] if next_odd < len(odd) else count
            if stop > position:
                self.numbers.extend(range(self.lines_read + 1, self.lines_read + 1 + stop - position))
                self.rows.extend(rows[position:stop])
                self.lines_read += stop - position
                position = stop
                continue
            line = block[position]
            position += 1
            self.lines_read += 1
            parts = self._line(line, chain(following(), text), width, limit)
            if parts is not None:
                self.numbers.append(self.lines_read)
                self.rows.append(parts)

    def _line(self, line: str, after: Iterator[str], width: int, limit: int) -> list[str] | None:
        """The record that starts with this line (None for a blank line), as the row-by-row reader reads it."""
        if "\x00" in line:
            line = line.replace("\x00", "")
        body = line.rstrip("\r\n")
        if not body:
            return None  # csv.reader returns [] for a blank line, and the row-by-row fold skips it
        parts = body.split(",", width)
        quote = body.find('"')
        if quote >= 0 or len(body) >= limit:
            rest = parts[-1]
            if not (
                len(parts) > width
                and len(body) < limit
                and quote == len(body) - len(rest)
                and rest[-1] == '"'
                and rest.count('"') == 2 + 2 * rest.count('""', 1, len(rest) - 1)
            ):
                row = next(csv.reader(chain((line,), self._more(after))), None)
                if not row:
                    return None
                parts = row
        if len(parts) < width:
            parts += [""] * (width - len(parts))
        return parts


def _closed_quoted(lines: list[str], quotes: list[int], newline: str) -> list[list[bool]]:
    """Per line: whether what starts at its first quote is one quoted field closed just before the newline, with
    every inner quote doubled (then ``csv.reader`` ends the record with the line): two checks."""
    closing = -1 - len(newline)  # where the closing quote is, from the end of the line
    counts = map(str.count, lines, repeat('"'), quotes)  # a lone quote (opening and closing at once) counts 1
    pairs = map(str.count, lines, repeat('""'), map(add, quotes, repeat(1)), repeat(closing))
    return [
        list(map(str.endswith, lines, repeat('"' + newline))),
        list(map(eq, counts, map(add, repeat(2), map(mul, pairs, repeat(2))))),
    ]


# ---------------------------------------------------------------------------------------------------
# Folding


class _Fold:
    """Folds the blocks of one file, in order, into the report."""

    def __init__(self, state: _State, path: str, at: list[int]) -> None:
        self.state = state
        self.report = state.report
        self.path = path
        self.at = at
        self.order = state.report.attempts  # the row-by-row fold numbers a file's rows from the attempts before it

    def __call__(  # noqa: PLR0912, PLR0915 - one pass over the block
        self, lines: Sequence[int], block: list[Sequence[str]] | JoinedCells
    ) -> None:
        columns = block.columns() if isinstance(block, JoinedCells) else block
        state = self.state
        report = self.report
        i_mb, i_picked, i_total, i_ok, i_bad, i_elapsed, i_cpu, i_status, i_error, i_process, i_node, i_start = self.at
        count = len(lines)
        first_order = self.order + 1
        self.order += count
        if i_mb < 0:
            report.bad_rows += count
            return
        ids = list(map(str.strip, columns[i_mb]))
        orders: Sequence[int] = range(first_order, first_order + count)
        if "" in ids:  # rows without a mini-batch id are counted, and otherwise skipped
            keep = [k for k, mini_batch in enumerate(ids) if mini_batch]
            report.bad_rows += count - len(keep)
            if not keep:
                return
            pick = itemgetter(*keep)
            columns = [
                column if column is None else (column[keep[0]],) if len(keep) == 1 else pick(column)
                for column in columns
            ]
            ids = [ids[k] for k in keep]
            lines = [lines[k] for k in keep]
            orders = [first_order + k for k in keep]
            count = len(keep)
        report.attempts += count
        empty: Sequence[str] = [""] * count
        nothing: list[Any] = [None] * count
        texts = [column if column is not None else empty for column in columns]
        texts.append(empty)  # what a missing column (index -1) reads

        picked = _converted(state.picked.__getitem__, columns[i_picked]) if i_picked >= 0 else [1] * count
        numbers = state.numbers.__getitem__
        total = _converted(numbers, columns[i_total]) if i_total >= 0 else nothing
        ok = _converted(numbers, columns[i_ok]) if i_ok >= 0 else nothing
        bad = _converted(numbers, columns[i_bad]) if i_bad >= 0 else nothing
        bad_fixed = False
        if i_total >= 0 and total.count(None) < count:
            report.items_known = True
            if None in bad and i_ok >= 0:
                bad = [b if b is not None or t is None or o is None else t - o for t, o, b in zip(total, ok, bad)]
                bad_fixed = True
        statuses = _converted(str.strip, texts[i_status])
        errors = _converted(str.strip, texts[i_error])
        classes = _converted(state.status_class.__getitem__, statuses)
        if _WHEN_ITEMS_FAILED in classes or _WHEN_ITEMS_FAILED_OR_ERROR in classes:
            failed = [
                c if c is True or c is False else (b is not None and b > 0) or (c == 3 and e != "")
                for c, b, e in zip(classes, bad, errors)
            ]
        else:
            failed = classes
        report.status_counts.update(map(state.status_key.__getitem__, statuses) if "" in statuses else statuses)
        or_zero = state.or_zero.__getitem__
        entries = list(
            zip(
                picked,
                failed,
                _converted(or_zero, texts[i_total]),
                _converted(or_zero, texts[i_ok]),
                [b or 0.0 for b in bad] if bad_fixed else _converted(or_zero, texts[i_bad]),
            )
        )
        self._final(ids, picked, entries)
        del entries

        elapsed = state.elapsed(columns[i_elapsed]) if i_elapsed >= 0 else nothing
        cpu = state.cpu(columns[i_cpu]) if i_cpu >= 0 else nothing
        processes: list[str | None] = list(map(str.strip, columns[i_process])) if i_process >= 0 else nothing
        if i_process >= 0 and "" in processes:
            processes = [p or None for p in processes]
        nodes: list[str | None] = list(map(str.strip, columns[i_node])) if i_node >= 0 else nothing
        if i_node >= 0 and "" in nodes:
            nodes = [n or None for n in nodes]
        starts: list[str | None] = list(columns[i_start]) if i_start >= 0 else nothing
        if i_start >= 0 and "" in starts:
            starts = [s or None for s in starts]
        path = self.path

        def record(k: int) -> Record:
            return (
                ids[k],
                processes[k],
                nodes[k],
                starts[k],
                elapsed[k],
                cpu[k],
                statuses[k],
                picked[k],
                path,
                lines[k],
                errors[k],
            )

        def records(rows: Sequence[int]) -> Iterator[Record]:
            if not isinstance(rows, range):
                return map(record, rows)
            at = slice(rows.start, rows.stop, rows.step)  # the columns sliced in C
            return zip(
                ids[at],
                processes[at],
                nodes[at],
                starts[at],
                elapsed[at],
                cpu[at],
                statuses[at],
                picked[at],
                repeat(path),
                lines[at],
                errors[at],
            )

        if True in failed:
            report_errors = report.errors
            examples = report.error_examples
            for k in compress(range(count), failed):
                key = (statuses[k] or "FAILED", excerpt(errors[k])[:300])
                report_errors[key] += 1
                if key not in examples:
                    examples[key] = MiniBatchRow(*record(k))

        self._timing(elapsed, cpu, orders, record)
        spent: list[float] = elapsed if None not in elapsed and 0.0 not in elapsed else [e or 0.0 for e in elapsed]  # type: ignore[assignment]
        if i_process >= 0:
            keys = (
                processes if i_node < 0 else [(f"{n}/{p}" if n else p) if p else None for n, p in zip(nodes, processes)]
            )
            _group(report.by_process, keys, spent, failed)
        if i_node >= 0:
            _group(report.by_node, nodes, spent, failed)
        if i_start >= 0:
            self._times(starts, elapsed, failed, picked, errors, classes, records)

    def _final(self, ids: list[str], picked: list[int], entries: list[FinalEntry]) -> None:
        """The attempt that counts for each mini-batch: the last one with the highest picked count (a later
        attempt replaces the kept one when its picked count is not lower)."""
        state = self.state
        final = state.final
        retried = state.retried_ids
        special = set(compress(ids, map((1).__ne__, picked))) if picked.count(1) != len(picked) else set()
        if retried:
            special.update(retried.intersection(ids))
        if not special:  # every attempt here was picked once, and so was every one it replaces
            final.update(zip(ids, entries))
            return
        held = {mini_batch: final.get(mini_batch) for mini_batch in special}
        final.update(zip(ids, entries))
        for mini_batch, entry in held.items():
            if entry is None:
                del final[mini_batch]
            else:
                final[mini_batch] = entry
        for k in compress(range(len(ids)), map(special.__contains__, ids)):
            mini_batch = ids[k]
            entry = entries[k]
            previous = final.get(mini_batch)
            if previous is None or entry[0] >= previous[0]:
                final[mini_batch] = entry
                if entry[0] > 1:
                    retried.add(mini_batch)

    def _timing(
        self,
        elapsed: list[float | None],
        cpu: list[float | None],
        orders: Sequence[int],
        record: Callable[[int], Record],
    ) -> None:
        """Timed attempts: totals, the kept elapsed values, the slowest attempts, the processing seconds."""
        state = self.state
        report = self.report
        if None in elapsed:
            timed: Sequence[int] = [k for k, value in enumerate(elapsed) if value is not None]
            if not timed:
                return
            values: list[float] = [elapsed[k] for k in timed]  # type: ignore[misc]
        else:
            timed = range(len(elapsed))
            values = elapsed  # type: ignore[assignment]
        report.timed_attempts += len(values)
        report.elapsed_total = reduce(add, values, report.elapsed_total)
        room = state.elapsed_kept - len(report.elapsed_values)
        if room > 0:
            report.elapsed_values.extend(values[:room])
        slowest = report.slowest
        kept = state.slowest_kept
        start = 0
        while len(slowest) < kept and start < len(values):
            k = timed[start]
            heapq.heappush(slowest, (values[start], orders[k], MiniBatchRow(*record(k))))
            start += 1
        if start < len(values) and slowest and max(values) > slowest[0][0]:
            # Only the values above the smallest kept one can enter; it only grows, so those above it now suffice.
            rest = values[start:] if start else values
            for j in compress(range(start, len(values)), map(slowest[0][0].__lt__, rest)):
                if values[j] > slowest[0][0]:
                    k = timed[j]
                    heapq.heapreplace(slowest, (values[j], orders[k], MiniBatchRow(*record(k))))
        if cpu.count(None) == len(cpu):
            return
        if len(timed) == len(elapsed) and None not in cpu:
            spent: list[float] = list(map(min, elapsed, cpu))  # type: ignore[arg-type] # min(e, c): c if c < e else e
        else:
            pairs = zip(cpu, elapsed) if len(timed) == len(elapsed) else ((cpu[k], elapsed[k]) for k in timed)
            spent = [c if c < e else e for c, e in pairs if c is not None]  # type: ignore[operator, misc]
        report.cpu_timed_attempts += len(spent)
        report.process_seconds_total = reduce(add, spent, report.process_seconds_total)

    def _times(
        self,
        starts: list[str | None],
        elapsed: list[float | None],
        failed: list[Any],
        picked: list[int],
        errors: list[str],
        classes: list[Any],
        records: Callable[[Sequence[int]], Iterator[Record]],
    ) -> None:
        """Start and end of the job, attempts per minute by end time, and the timeline sample."""
        state = self.state
        report = self.report
        try:
            begun: list[datetime | None] = list(map(datetime.fromisoformat, starts))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            begun = list(map(parse_time, starts))
        else:
            if any(map(attrgetter("tzinfo"), begun)):
                begun = [b.replace(tzinfo=None) if b.tzinfo else b for b in begun]  # type: ignore[union-attr]
        if None in begun:
            timed: Sequence[int] = [k for k, moment in enumerate(begun) if moment is not None]
            if not timed:
                return
            moments: list[datetime] = [begun[k] for k in timed]  # type: ignore[misc]
            spans = [elapsed[k] or 0 for k in timed]
        else:
            timed = range(len(begun))
            moments = begun  # type: ignore[assignment]
            spans = elapsed if None not in elapsed else [e or 0 for e in elapsed]  # type: ignore[assignment]
        # ``begun + timedelta(seconds=elapsed) if elapsed else begun``: a zero span adds nothing.
        try:
            finished = list(map(add, moments, map(state.spans.__getitem__, spans)))
        except OverflowError:  # a corrupt time at the end of the calendar
            finished = list(map(end_of, moments, spans))
        earliest = min(moments)
        if report.started_at is None or earliest < report.started_at:
            report.started_at = earliest
        latest = max(finished)
        if report.ended_at is None or latest > report.ended_at:
            report.ended_at = latest
        minutes = list(map(floordiv, map(sub, finished, repeat(_EPOCH)), repeat(_MINUTE)))
        del finished
        state.per_minute.update(minutes)
        everything = len(timed) == len(failed)
        failed_timed = failed if everything else [failed[k] for k in timed]
        if True in failed_timed:
            state.failed_per_minute.update(compress(minutes, failed_timed))
        picked_timed = picked if everything else [picked[k] for k in timed]
        if True in failed_timed or max(picked_timed) > 1:
            notable: list[Any] = [f or p > 1 for f, p in zip(failed_timed, picked_timed)]
        else:
            notable = failed_timed  # all False
        self._sample(timed, notable, picked, errors, classes, records)

    def _sample(
        self,
        timed: Sequence[int],
        notable: list[Any],
        picked: list[int],
        errors: list[str],
        classes: list[Any],
        records: Callable[[Sequence[int]], Iterator[Record]],
    ) -> None:
        """The rows the row-by-row fold gives to ``_keep_for_timeline``, and what it does with them: a failed or
        retried row is kept while fewer than NOTABLE_KEPT were; any row whose count since the start is a multiple of
        the stride is appended, and when the sample reaches TIMELINE_KEPT it is halved (every other row that is
        neither retried nor failed by its status) and the stride doubles.  ``timed``, ``notable``: the rows with a
        start time and whether each is failed or retried; ``picked`` and the rest: per row of the block."""
        state = self.state
        report = self.report
        timeline = state.timeline
        sticky = state.sticky
        seen = report.timeline_seen  # rows seen before this block
        count = len(timed)
        report.timeline_seen += count
        notable_at = list(compress(range(count), notable)) if True in notable else []
        next_notable = 0
        can_stick = max(picked) > 1 or True in classes or 3 in classes

        def stick(k: int) -> bool:
            c = classes[k]
            return picked[k] > 1 or c is True or (c == 3 and errors[k] != "")

        position = 0
        while position < count:
            stride = report.timeline_stride
            regular = position + (-(seen + position)) % stride
            while next_notable < len(notable_at) and notable_at[next_notable] < position:
                next_notable += 1
            upcoming = notable_at[next_notable] if next_notable < len(notable_at) else count
            takes_notable = report.timeline_notable < state.notable_kept
            stop = upcoming if takes_notable else count
            # Regular rows before the next notable one and before the sample fills up: taken in one go.
            room = state.timeline_kept - len(timeline) - 1
            if room > 0 and regular < stop:
                taken = range(regular, min(stop, regular + room * stride), stride)
                rows = taken if isinstance(timed, range) else [timed[j] for j in taken]
                timeline.extend(records(rows))
                sticky.extend(map(stick, rows) if can_stick else repeat(False, len(rows)))
                position = taken[-1] + 1
                continue
            candidate = min(regular, upcoming) if takes_notable else regular
            if candidate >= count:
                break
            k = timed[candidate]
            timeline.extend(records([k]))
            sticky.append(stick(k))
            if takes_notable and notable[candidate]:
                report.timeline_notable += 1
            elif len(timeline) >= state.timeline_kept:
                self._halve()
            position = candidate + 1

    def _halve(self) -> None:
        """``_keep_for_timeline``'s halving: every retried or failed row, and every other one of the others."""
        state = self.state
        timeline = state.timeline
        sticky = state.sticky
        if True in sticky:
            loose = list(compress(range(len(sticky)), map(not_, sticky)))
            keep = sorted(chain(compress(range(len(sticky)), sticky), loose[::2]))
            timeline[:] = [timeline[k] for k in keep]
            sticky[:] = [sticky[k] for k in keep]
        else:
            timeline[:] = timeline[::2]
            sticky[:] = sticky[::2]
        self.report.timeline_stride *= 2


def _converted(convert: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    """``list(map(convert, column))``, converting once when every cell is the same (most columns of most blocks:
    one status, no error, the same counts)."""
    if column and column.count(column[0]) == len(column):
        return [convert(column[0])] * len(column)
    return list(map(convert, column))


def _group(
    groups: dict[str, GroupStats], keys: Sequence[str | None], spent: Sequence[float], failed: Sequence[Any]
) -> None:
    """``groups[key].add(elapsed, failed)`` for every row with a key, in order (a key's elapsed seconds are added
    in the order of its rows, as ``+=`` adds them)."""
    buckets: dict[str | None, list[float]] = {key: [] for key in dict.fromkeys(keys)}  # in order of first row
    deque(map(list.append, map(buckets.__getitem__, keys), spent), maxlen=0)
    failures = Counter(compress(keys, failed)) if True in failed else None
    for key, values in buckets.items():
        if key:
            group = groups[key]
            group.count += len(values)
            group.elapsed = reduce(add, values, group.elapsed)
            if failures:
                group.failed += failures[key]
