"""Read one log file in large chunks and pull out only the lines that matter.

Python never loops over every line: a multi-pattern matcher finds the trigger strings in each chunk at C speed,
and only the lines around them (and whole tracebacks) are decoded and parsed.  Memory is bounded by the chunk size,
however large the file or however long its lines.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass, field
from io import BufferedIOBase

from .layout import LogFile
from .matcher import Matcher, find_capped

CHUNK_SIZE = 2 * 1024 * 1024
MAX_EXCERPT = 600
MAX_TRACEBACK_LINES = 300
MAX_TRACEBACK_BYTES = 256 * 1024
MAX_HITS_PER_TRIGGER_PER_FILE = 500
MAX_TRACEBACKS_PER_FILE = 200
TRACEBACK_TRIGGER = "Traceback (most recent call last)"

_TS_PATTERNS = (
    re.compile(r"^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,6}))?"),
    re.compile(r"^\S*?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,6}))?"),
)
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_CHAIN_MARKERS = ("During handling of the above exception", "The above exception was the direct cause")
# An exception line: "KeyError: (187, 1)", "ModuleNotFoundError: ...", "azureml.x.UserError: ...", "SystemExit: 42".
_EXCEPTION_START = re.compile(rb"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure|Fault)\b:?")
_FRAME_LINE = re.compile(r'^\s*File "([^"]+)", line (\d+)(?:, in (\S+))?')


@dataclass(frozen=True)
class Hit:
    """A line that contains a trigger string."""

    file: LogFile
    line: int
    text: str
    trigger: str
    timestamp: str | None


@dataclass(frozen=True)
class Frame:
    filename: str
    lineno: int
    function: str


@dataclass
class Traceback:
    file: LogFile
    line: int  # the "Traceback (most recent call last)" line
    exception_line: int  # the final exception line
    exceptions: list[tuple[str, str]]  # (type, message) for each exception of the chain, oldest first
    frames: list[Frame]
    header: str  # the line that opened the traceback (often holds the context, e.g. "Failed to process ...")
    timestamp: str | None
    # The log level of the record the traceback belongs to, when the line before it says (logger.warning(...,
    # exc_info=True) writes "WARNING" there): a traceback logged below ERROR was caught and handled.
    logged_level: str | None = None

    @property
    def handled(self) -> bool:
        return self.logged_level in ("WARNING", "INFO", "DEBUG")

    @property
    def exc_type(self) -> str:
        return self.exceptions[-1][0] if self.exceptions else "Exception"

    @property
    def exc_message(self) -> str:
        return self.exceptions[-1][1] if self.exceptions else ""

    @property
    def first_exception(self) -> tuple[str, str]:
        return self.exceptions[0] if self.exceptions else ("Exception", "")

    @property
    def user_frames(self) -> list[Frame]:
        """Frames outside the Python runtime and the PRS driver: the scoring script's own code."""
        return [f for f in self.frames if not _is_system_frame(f.filename)]

    @property
    def phase(self) -> str | None:
        """``init`` or ``run`` when the scoring script's init()/run() is on the stack."""
        for frame in reversed(self.frames):
            if frame.function in ("init", "run") and not _is_system_frame(frame.filename):
                return frame.function
        for frame in reversed(self.frames):
            if frame.function in ("init", "run", "_init", "_run", "run_init", "init_entry_script"):
                return "init" if "init" in frame.function else "run"
        return None


def _is_system_frame(filename: str) -> bool:
    markers = ("site-packages", "dist-packages", "/lib/python", "azureml_sys", "azureml_common", "driver/", "<frozen")
    return any(marker in filename for marker in markers)


@dataclass
class FileScan:
    file: LogFile
    hits: list[Hit] = field(default_factory=list)
    hit_counts: dict[str, int] = field(default_factory=dict)
    recorded: dict[str, int] = field(default_factory=dict)
    tracebacks: list[Traceback] = field(default_factory=list)
    traceback_count: int = 0
    bytes_read: int = 0
    counted_lines: int = 0
    # The bytes of the file whose newlines were not counted: the chunks with no trigger in them after the last one
    # that needed a line number (one stretch: a chunk that needs line numbers counts the stretch before it).
    # ``lines`` counts them when asked (rarely: most files are never asked).
    uncounted_from: int = 0
    uncounted_to: int = 0
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    skipped_reason: str | None = None
    decode_note: str | None = None

    @property
    def lines(self) -> int:
        """How many lines the file has (counted on first use where the scan did not need to)."""
        if self.uncounted_bytes:
            try:
                with open(self.file.abspath, "rb") as handle:
                    self.counted_lines += _newlines_between(handle, self.uncounted_from, self.uncounted_to)
            except OSError:
                return self.counted_lines
            self.uncounted_from = self.uncounted_to = 0
        return self.counted_lines

    @property
    def uncounted_bytes(self) -> int:
        return self.uncounted_to - self.uncounted_from


def leading_timestamp(text: str) -> str | None:
    """ISO form of the timestamp a log line starts with, or None."""
    head = text[:48]
    for pattern in _TS_PATTERNS:
        match = pattern.match(head)
        if match:
            day, clock, fraction = match.groups()
            return f"{day}T{clock}" + (f".{fraction.ljust(6, '0')}" if fraction else "")
    return None


def excerpt(text: str, around: int = 0) -> str:
    """One line, bounded.  Secrets are masked when the report is serialised (``Report.to_dict``), not here:
    most lines read are never shown."""
    text = text.rstrip("\r\n").replace("\r", " ").replace("\x00", "")
    if len(text) > MAX_EXCERPT:
        start = max(0, min(around - MAX_EXCERPT // 3, len(text) - MAX_EXCERPT))
        text = ("…" if start else "") + text[start : start + MAX_EXCERPT] + "…"
    return text


# Every byte but the control characters that never occur in text (tab, newlines, form feed are fine).
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def sniff(head: bytes) -> tuple[str | None, str | None]:
    """Return (encoding, skip reason).  UTF-16 files are transcoded; binary files are skipped."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    if len(head) >= 64 and head.count(b"\x00") > len(head) // 3:
        # UTF-16 without a BOM shows NULs in every other byte.
        even = head[0::2].count(b"\x00")
        odd = head[1::2].count(b"\x00")
        if odd > len(head) // 3 and even < len(head) // 16:
            return "utf-16-le", None
        if even > len(head) // 3 and odd < len(head) // 16:
            return "utf-16-be", None
        return None, "binary content"
    controls = len(head[:4096].translate(None, _NOT_CONTROL))
    if head and controls > len(head[:4096]) // 10:
        return None, "binary content"
    return "utf-8", None


class _ChunkSource:
    """Appends raw byte chunks to a buffer, transcoding UTF-16 to UTF-8 on the fly.

    UTF-8 is read straight into the buffer (``readinto``): no new object per chunk, and the buffer's pages are
    reused from one chunk and one file to the next.
    """

    def __init__(self, handle: BufferedIOBase, encoding: str, chunk_size: int) -> None:
        self._handle = handle
        self.chunk_size = chunk_size
        self._decoder = None if encoding == "utf-8" else codecs.getincrementaldecoder(encoding)("replace")
        # Offsets in the buffer map to offsets in the file, so a stretch can be read again to count its lines.
        self.rereadable = self._decoder is None and handle.seekable()

    def read_into(self, buffer: bytearray, start: int) -> int:
        """Put the next chunk at ``buffer[start:]``, growing the buffer if it is too small; 0 at the end."""
        if self._decoder is not None:
            while True:
                raw = self._handle.read(self.chunk_size)
                data = self._decoder.decode(raw, final=not raw).encode("utf-8")
                if data or not raw:
                    break
            buffer[start : start + len(data)] = data
            return len(data)
        missing = start + self.chunk_size - len(buffer)
        if missing > 0:
            buffer.extend(bytes(missing))
        with memoryview(buffer) as view, view[start : start + self.chunk_size] as window:
            return self._handle.readinto(window) or 0

    def newlines_between(self, start: int, end: int) -> int:
        """Newlines in the file's bytes ``start:end`` (read again; the read position is kept)."""
        position = self._handle.tell()
        try:
            return _newlines_between(self._handle, start, end)
        finally:
            self._handle.seek(position)


def _newlines_between(handle: BufferedIOBase, start: int, end: int) -> int:
    handle.seek(start)
    count = 0
    remaining = end - start
    piece = bytearray(min(remaining, 1024 * 1024))  # one buffer, read into again and again
    with memoryview(piece) as view:
        while remaining > 0:
            got = handle.readinto(view[: min(remaining, len(piece))])
            if not got:
                break
            count += piece.count(b"\n", 0, got)
            remaining -= got
    return count


_SCRATCH = threading.local()


def _scratch_buffer() -> bytearray:
    """One read buffer per thread, reused from file to file (a fresh buffer per chunk costs page faults)."""
    buffer: bytearray | None = getattr(_SCRATCH, "buffer", None)
    if buffer is None or getattr(_SCRATCH, "busy", False):
        return bytearray()
    return buffer


def scan_file(log_file: LogFile, matcher: Matcher, collect_timestamps: bool = True) -> FileScan:
    try:
        with open(log_file.abspath, "rb") as handle:
            return scan_handle(handle, log_file, matcher, collect_timestamps)
    except OSError as exc:
        result = FileScan(log_file)
        result.skipped_reason = f"cannot read: {exc.strerror or exc}"
        return result


def scan_handle(
    handle: BufferedIOBase,
    log_file: LogFile,
    matcher: Matcher,
    collect_timestamps: bool = True,
    chunk_size: int | None = None,
) -> FileScan:
    """Scan an open binary stream (a file, or the service's error message held in memory)."""
    result = FileScan(log_file)
    try:
        head = handle.read(8192)
        encoding, reason = sniff(head)
        if reason or encoding is None:
            result.skipped_reason = reason or "unreadable"
            return result
        if encoding != "utf-8":
            result.decode_note = f"decoded as {encoding}"
        handle.seek(0)
        source = _ChunkSource(handle, encoding, chunk_size or CHUNK_SIZE)
        buffer = _scratch_buffer()
        _SCRATCH.busy = True
        try:
            _scan_stream(source, buffer, log_file, matcher, result, collect_timestamps)
        finally:
            _SCRATCH.busy = False
            if len(buffer) <= 2 * CHUNK_SIZE:
                _SCRATCH.buffer = buffer  # kept for the next file, unless an enormous line made it grow
    except OSError as exc:
        result.skipped_reason = f"cannot read: {exc.strerror or exc}"
    except MemoryError:
        result.skipped_reason = "too large to read"
    return result


def _scan_stream(
    source: _ChunkSource,
    buffer: bytearray,
    log_file: LogFile,
    matcher: Matcher,
    result: FileScan,
    collect_timestamps: bool,
) -> None:
    filled = 0  # bytes of ``buffer`` in use: the unfinished end of the last chunk, then the new chunk
    buffer_at = 0  # the file offset of buffer[0]
    line_at_start = 1  # the line number of buffer[0], when every newline before it was counted
    overlap = max(map(len, matcher.needles), default=1) - 1  # what a trigger can reach past a cut
    while True:
        added = source.read_into(buffer, filled)
        eof = not added
        filled += added
        if not filled:
            break
        result.bytes_read += added
        limit = filled if eof else buffer.rfind(b"\n", 0, filled) + 1
        reach = limit  # the hits handled now start before ``limit`` and end before ``reach``
        if limit <= 0:
            if filled < 4 * source.chunk_size:
                continue  # no newline yet: keep reading
            # An enormous line: treat what we have as a line and move on, but keep its last bytes for the next
            # round, so that a trigger across the cut is found there (and one that starts before it, here).
            reach = filled
            limit = max(1, filled - overlap)
        if collect_timestamps and result.first_timestamp is None:
            result.first_timestamp = leading_timestamp(buffer[:64].decode("utf-8", "replace"))
        with memoryview(buffer) as whole, whole[:reach] as view:
            present = matcher.present(view)
        if not present and source.rereadable:
            # Nothing to record here, so no line number is needed yet: count these newlines only if one ever is.
            consumed = limit
            _defer_count(result, buffer_at, buffer_at + consumed)
        else:
            line_at_start += _count_deferred(source, result)
            consumed = _process_block(buffer, limit, reach, eof, line_at_start, log_file, matcher, result, present)
            line_at_start += buffer.count(b"\n", 0, consumed)
        if collect_timestamps and consumed:
            stamp = leading_timestamp(_last_line(buffer, consumed))
            if stamp:
                result.last_timestamp = stamp
        if eof:
            break
        buffer[: filled - consumed] = buffer[consumed:filled]
        buffer_at += consumed
        filled -= consumed
    result.counted_lines = line_at_start - 1
    if not log_file.abspath:
        # Held in memory only (the service's message): count now, there is no file to read later.
        result.counted_lines += _count_deferred(source, result)


def _defer_count(result: FileScan, start: int, end: int) -> None:
    if not result.uncounted_bytes:
        result.uncounted_from = start
    result.uncounted_to = end


def _count_deferred(source: _ChunkSource, result: FileScan) -> int:
    """The newlines of the stretch not counted yet (read again), which is then counted."""
    if not result.uncounted_bytes:
        return 0
    count = source.newlines_between(result.uncounted_from, result.uncounted_to)
    result.uncounted_from = result.uncounted_to = 0
    return count


def _last_line(data: bytes | bytearray, end: int) -> str:
    stop = end - 1 if end and data[end - 1 : end] == b"\n" else end
    start = data.rfind(b"\n", 0, stop) + 1
    return bytes(data[start:stop][:200]).decode("utf-8", "replace")


def _process_block(
    data: bytes | bytearray,
    limit: int,
    reach: int,
    eof: bool,
    line_at_start: int,
    log_file: LogFile,
    matcher: Matcher,
    result: FileScan,
    present: set[int],
) -> int:
    """Handle the hits that start before ``limit`` and end before ``reach`` (``data`` may hold more bytes after it,
    which are not looked at; ``reach`` is past ``limit`` only where an enormous line is cut).  ``present`` holds the
    triggers that occur before ``reach``.  Returns how many bytes were fully consumed."""
    triggers = matcher.triggers
    limits = {
        index: (MAX_TRACEBACKS_PER_FILE if trigger == TRACEBACK_TRIGGER else MAX_HITS_PER_TRIGGER_PER_FILE)
        - result.recorded.get(trigger, 0)
        for index, trigger in enumerate(triggers)
    }
    consumed = limit
    counted_upto = 0
    line_no = line_at_start
    traceback_until = -1  # a chained traceback's inner "Traceback (most recent ...)" belongs to the outer one
    pending: list[tuple[int, int, int, int, str]] = []
    for index, offset in find_capped(matcher, data, limits, present, reach):
        if offset >= limit:
            continue  # in the kept end of a cut line: found again, from its start, in the next round
        if offset < traceback_until and triggers[index] == TRACEBACK_TRIGGER:
            continue
        line_no += data.count(b"\n", counted_upto, offset)
        counted_upto = offset
        line_start = data.rfind(b"\n", 0, offset) + 1
        line_end = data.find(b"\n", offset, reach)
        if line_end < 0:
            line_end = reach
        trigger = triggers[index]
        if trigger == TRACEBACK_TRIGGER:
            block_end = _traceback_end(data, line_end, limit, eof)
            if block_end is None:
                # The traceback runs past this chunk: hand it, and the hits after it, to the next round.
                consumed = line_start
                break
            _record_traceback(data, line_start, block_end, line_no, log_file, result)
            traceback_until = block_end
            continue
        pending.append((offset, line_start, line_end, line_no, trigger))
    # Hits past an unfinished traceback are read again with the next chunk: record only the ones before it.
    for offset, line_start, line_end, line_no, trigger in pending:
        if offset < consumed:
            _record_hit(data, line_start, line_end, offset - line_start, line_no, trigger, log_file, result)
    _count(data, consumed, reach, matcher, present, result)
    return consumed


def _count(
    data: bytes | bytearray, consumed: int, reach: int, matcher: Matcher, present: set[int], result: FileScan
) -> None:
    """Every occurrence that starts before ``consumed`` is counted, at C speed, even beyond the ones kept as
    examples."""
    for index in present:
        trigger = matcher.triggers[index]
        needle = matcher.needles[index]
        occurrences = data.count(needle, 0, min(reach, consumed + len(needle) - 1))
        if trigger == TRACEBACK_TRIGGER:
            result.traceback_count += occurrences
        else:
            result.hit_counts[trigger] = result.hit_counts.get(trigger, 0) + occurrences


def _record_hit(
    data: bytes | bytearray,
    start: int,
    end: int,
    column: int,
    line_no: int,
    trigger: str,
    log_file: LogFile,
    result: FileScan,
) -> None:
    result.recorded[trigger] = result.recorded.get(trigger, 0) + 1
    if end - start > 8 * MAX_EXCERPT:
        left = max(start, start + column - 2 * MAX_EXCERPT)
        raw = data[left : min(end, left + 4 * MAX_EXCERPT)]
        column -= left - start
    else:
        raw = data[start:end]
    text = raw.decode("utf-8", "replace")
    result.hits.append(Hit(log_file, line_no, excerpt(text, column), trigger, leading_timestamp(text)))


def _traceback_end(data: bytes | bytearray, first_line_end: int, limit: int, eof: bool) -> int | None:
    """Offset just past the traceback's final exception line, or None when the block is not complete yet."""
    position = first_line_end + 1
    lines_seen = 0
    saw_frame = False
    after_flat_frame = False
    while position < limit:
        if lines_seen > MAX_TRACEBACK_LINES or position - first_line_end > MAX_TRACEBACK_BYTES:
            return position
        end = data.find(b"\n", position, limit)
        if end < 0:
            end = limit
        line = data[position:end]
        lines_seen += 1
        stripped = line.strip()
        if not stripped:
            position = end + 1
            continue
        code_line, after_flat_frame = after_flat_frame, False
        if code_line and not _EXCEPTION_START.match(stripped):
            position = end + 1  # the source line under a frame of a flattened traceback (no indentation)
            continue
        if line[:1] in (b" ", b"\t") or stripped.startswith((b"File ", b"^", b"~")):
            saw_frame = saw_frame or stripped.startswith(b"File ")
            after_flat_frame = line[:1] not in (b" ", b"\t") and stripped.startswith(b"File ")
            position = end + 1
            continue
        if stripped.startswith((b"During handling", b"The above exception", b"Traceback (most recent")):
            position = end + 1
            continue
        if not saw_frame and lines_seen < 3:
            position = end + 1
            continue
        if _next_is_chain(data, end + 1, limit):
            position = end + 1
            continue
        return end + 1 if end < limit else limit
    if eof or limit - first_line_end > MAX_TRACEBACK_BYTES:
        return limit
    return None


def _next_is_chain(data: bytes | bytearray, position: int, limit: int) -> bool:
    """True when the exception line is followed (after blank lines) by a chained-exception marker."""
    for _ in range(3):
        if position >= limit:
            return False
        end = data.find(b"\n", position, limit)
        end = limit if end < 0 else end
        stripped = data[position:end].strip()
        if stripped:
            return stripped.startswith((b"During handling", b"The above exception"))
        position = end + 1
    return False


def _record_traceback(
    data: bytes | bytearray, start: int, end: int, line_no: int, log_file: LogFile, result: FileScan
) -> None:
    result.recorded[TRACEBACK_TRIGGER] = result.recorded.get(TRACEBACK_TRIGGER, 0) + 1
    lines = data[start:end].decode("utf-8", "replace").splitlines()
    if not lines:
        return
    previous_start = data.rfind(b"\n", 0, max(0, start - 1)) + 1
    previous = data[previous_start : max(previous_start, start - 1)][:300].decode("utf-8", "replace")
    header = lines[0]
    frames: list[Frame] = []
    exceptions: list[tuple[str, str]] = []
    exception_line = line_no
    for offset, line in enumerate(lines[1:], start=1):
        frame = _FRAME_LINE.match(line)
        if frame:
            frames.append(Frame(frame.group(1), int(frame.group(2)), frame.group(3) or "?"))
            continue
        if not line.strip() or line[:1] in (" ", "\t") or line.startswith(_CHAIN_MARKERS):
            continue
        if line.startswith("Traceback (most recent"):
            continue
        parsed = _parse_exception(line)
        if parsed:
            exceptions.append(parsed)
            exception_line = line_no + offset
    if not exceptions:
        exceptions.append(("Exception", excerpt(header)))
    result.tracebacks.append(
        Traceback(
            log_file,
            line_no,
            exception_line,
            [(kind, excerpt(message)) for kind, message in exceptions],
            frames[-40:],
            excerpt(header),
            leading_timestamp(header) or leading_timestamp(previous),
            _level(header if "Traceback" not in header[:20] else previous),
        )
    )


_LEVEL = re.compile(r"(?:^|[\s|\-:\[])(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)(?:[\s|\-:\]]|$)")


def _level(line: str) -> str | None:
    match = _LEVEL.search(line[:120])
    if not match:
        return None
    return "WARNING" if match.group(1) == "WARN" else match.group(1)


def _parse_exception(line: str) -> tuple[str, str] | None:
    text = line.strip()
    # Logging prefixes such as "2024-05-12 10:03:05,649|ERROR|334|" or "ERROR:azureml:" before the exception.
    if "|" in text[:60] and leading_timestamp(text):
        text = text.rsplit("|", 1)[-1].strip()
    match = _EXCEPTION_LINE.match(text.split(" ", 1)[0].rstrip(":")) if text else None
    if not match:
        return None
    head, _, rest = text.partition(":")
    if " " in head.strip():
        return None
    return head.strip(), rest.strip()
