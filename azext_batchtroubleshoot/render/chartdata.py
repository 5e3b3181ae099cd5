"""The data behind the HTML report's charts: a pure function of the job's facts, small enough for a browser.

The JSON report stays lean: none of this is in it.  ``chart_data`` reads the aggregates that the log parser already
keeps (the mini-batch timeline rows, attempts finished per minute, busy time per node and process, the thinned
resource series) and returns plain lists and numbers.  What a browser cannot draw one by one is aggregated, and every
such step is described in ``notes`` so that the page can say so.
"""

from __future__ import annotations

import functools
import math
import re
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from ..logs.facts import JobFacts
from ..logs.redact import redact
from ..logs.tables import GroupStats, MiniBatchReport, MiniBatchRow, NodePerf, Series, end_of, parse_time

CHARTS_VERSION = 1
MAX_BARS = 5000  # a browser draws this many SVG bars without becoming sluggish
MAX_THROUGHPUT_POINTS = 1440
MAX_GROUPS = 100
MAX_ERRORS = 10
_BUCKETS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
_MINUTE = "%Y-%m-%dT%H:%M"
_DIGITS = re.compile(r"(\d+)")
_GOOD = ("RUN_DONE", "LOAD_DONE", "TASK_PROCESSED", "SUCCEEDED", "DONE", "COMPLETED")


def chart_data(facts: JobFacts, max_bars: int = MAX_BARS) -> dict[str, Any]:
    """Everything the HTML report draws, JSON-ready and redacted.  Empty parts are ``None``."""
    report = facts.minibatches
    notes: list[str] = []
    rows: Timed = [(moment, row) for moment, row in ((_when(row.start), row) for row in report.timeline) if moment]
    timed = sum(report.per_minute.values())
    if timed > len(rows) and rows:
        notes.append(_partial_note(report, rows, timed))
    if rows and not any(row.node for _, row in rows) and len(facts.nodes) > 1:
        notes.append(
            f"The mini-batch report names the process that ran each attempt but not its node: a process lane holds "
            f"the process of that name on all {len(facts.nodes)} nodes."
        )
    return {
        "version": CHARTS_VERSION,
        "timeline": _timeline(rows, max_bars, notes),
        "throughput": _throughput(report, notes),
        "durations": _durations(report, rows, notes),
        "perf": _perf(facts.perf),
        "failures": _failures(report),
        "notes": [redact(note) for note in notes],
    }


def _partial_note(report: MiniBatchReport, rows: Timed, timed: int) -> str:
    first = min(moment for moment, _ in rows)
    last = max(moment for moment, _ in rows)
    text = (
        f"The timeline and the duration distributions show {len(rows):,} of {timed:,} timed attempts, from "
        f"{_stamp(first)} to {_stamp(last)}"
    )
    job_start, job_end = report.started_at, report.ended_at
    if job_start and job_end and (job_end - last) > (job_end - job_start) / 20:
        text += f", while the job's attempts ran until {_stamp(job_end)}: the log parser keeps no more"
    return text + ". Throughput, failures and busy time count every attempt."


# ---------------------------------------------------------------------------------------------------
# Helpers


def natural_key(text: str) -> list[Any]:
    """``node10`` after ``node9``; ``10.0.0.10`` after ``10.0.0.9``."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part]


@functools.lru_cache(maxsize=4096)
def _label(text: str | None) -> str:
    return redact(str(text)) if text else "?"


def _lane(row: MiniBatchRow) -> str:
    if row.node and row.process:
        return _label(f"{row.node}/{row.process}")
    return _label(row.node or row.process)


Timed = list[tuple[datetime, MiniBatchRow]]


def _when(text: str | None) -> datetime | None:
    """``parse_time``, with the common ISO form first (fast: the timeline may hold 200,000 rows)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "")[:26])
    except ValueError:
        return parse_time(text)


def _stamp(moment: datetime) -> str:
    """A date string that plotly reads: ``2024-05-12 10:00:01.250``."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{text}.{millis:03d}" if millis else text


def outcome(row: MiniBatchRow) -> str:
    """``succeeded``, ``failed`` or ``timed out``: the colour of the attempt's bar."""
    status = row.status.upper()
    if "TIMEOUT" in status:
        return "timed out"
    if status:
        return "succeeded" if status.endswith(_GOOD) else "failed"
    return "failed" if row.error else "succeeded"


def _quantile(ordered: list[float], fraction: float) -> float:
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _round(value: float, digits: int = 2) -> float:
    return round(value, digits)


# ---------------------------------------------------------------------------------------------------
# Timeline: one bar per attempt, or attempts per lane per time bucket when there are too many


def _timeline(rows: Timed, max_bars: int, notes: list[str]) -> dict[str, Any] | None:
    if not rows:
        return None
    lanes = sorted({_lane(row) for _, row in rows}, key=natural_key)
    if len(rows) <= max_bars:
        return {"mode": "bars", "lanes": lanes, "attempts": len(rows), **_bars(rows)}
    buckets = _buckets(rows, lanes, max_bars)
    notes.append(
        f"The timeline has {len(rows):,} attempts, more than a browser draws one by one ({max_bars:,}): it shows "
        f"attempts per {'node/process' if any(row.node for _, row in rows) else 'process'} in "
        f"{_span_text(buckets['bucket_s'])} buckets, coloured by the share that failed."
    )
    return {"mode": "buckets", "lanes": lanes, "attempts": len(rows), **buckets}


def _bars(rows: Timed) -> dict[str, Any]:
    columns: dict[str, list[Any]] = defaultdict(list)
    for start, row in sorted(rows, key=lambda pair: (natural_key(_lane(pair[1])), pair[0])):
        elapsed = row.elapsed if row.elapsed is not None and row.elapsed > 0 else 0.0
        columns["lane"].append(_lane(row))
        columns["start"].append(_stamp(start))
        columns["end"].append(_stamp(end_of(start, elapsed)))
        columns["duration_ms"].append(round(max(elapsed, 0.2) * 1000))
        columns["outcome"].append(outcome(row))
        columns["retry"].append(row.picked > 1)
        error = f" · {redact(row.error[:120])}" if row.error else ""
        columns["text"].append(
            _label(
                f"mini-batch {row.mini_batch} · {row.status or 'no status'} · "
                f"{'?' if row.elapsed is None else f'{row.elapsed:g}'} s · picked {row.picked}×{error}"
            )
        )
    return dict(columns)


def _bucket_seconds(span_s: float, count: int) -> int:
    wanted = span_s / max(1, count)
    for size in _BUCKETS_S:
        if size >= wanted:
            return size
    return math.ceil(wanted / 86400) * 86400


def _span_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}-hour"
    if seconds % 60 == 0:
        return f"{seconds // 60}-minute"
    return f"{seconds}-second"


def _buckets(rows: Timed, lanes: list[str], max_bars: int) -> dict[str, Any]:
    first = min(moment for moment, _ in rows)
    last = max(moment for moment, _ in rows)
    per_lane = max(1, min(400, max_bars // max(1, len(lanes))))
    size = _bucket_seconds((last - first).total_seconds() + 1, per_lane)
    origin = first.replace(microsecond=0)
    if size >= 60:
        origin = origin.replace(second=0)
    count = int((last - origin).total_seconds() // size) + 1
    index = {lane: position for position, lane in enumerate(lanes)}
    attempts = [[0] * count for _ in lanes]
    failed = [[0] * count for _ in lanes]
    retried = [[0] * count for _ in lanes]
    busy = [[0.0] * count for _ in lanes]
    for moment, row in rows:
        lane, slot = index[_lane(row)], int((moment - origin).total_seconds() // size)
        attempts[lane][slot] += 1
        failed[lane][slot] += int(outcome(row) != "succeeded")
        retried[lane][slot] += int(row.picked > 1)
        busy[lane][slot] += row.elapsed or 0.0
    return {
        "mode": "buckets",
        "bucket_s": size,
        "times": [_stamp(origin + timedelta(seconds=size * (slot + 0.5))) for slot in range(count)],
        "counts": attempts,
        "failed": failed,
        "retried": retried,
        "busy_s": [[_round(value, 1) for value in lane] for lane in busy],
    }


# ---------------------------------------------------------------------------------------------------
# Throughput: attempts finished per minute, failures apart


def _throughput(report: MiniBatchReport, notes: list[str]) -> dict[str, Any] | None:
    minutes = [m for m in (_minute(key) for key in report.per_minute) if m is not None]
    if not minutes:
        return None
    first, last = min(minutes), max(minutes)
    span = int((last - first).total_seconds() // 60) + 1
    step = max(1, math.ceil(span / MAX_THROUGHPUT_POINTS))
    if step > 1:
        for nice in (2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440):
            if nice >= step:
                step = nice
                break
        notes.append(f"Throughput spans {span:,} minutes: it is summed per {step} minutes ({_per(step)}).")
    count = span // step + 1
    done = [0] * count
    bad = [0] * count
    for key, value in report.per_minute.items():
        moment = _minute(key)
        if moment is not None:
            slot = int((moment - first).total_seconds() // 60) // step
            done[slot] += value - report.failed_per_minute.get(key, 0)
            bad[slot] += report.failed_per_minute.get(key, 0)
    while count > 1 and done[-1] == 0 and bad[-1] == 0:
        count -= 1
        done.pop()
        bad.pop()
    return {
        "bucket_minutes": step,
        "times": [_stamp(first + timedelta(minutes=slot * step)) for slot in range(count)],
        "succeeded": done,
        "failed": bad,
        "total": sum(done) + sum(bad),
        "peak_per_minute": _round(max(s + f for s, f in zip(done, bad)) / step, 1),
    }


def _per(step: int) -> str:
    return f"{step // 60} h" if step % 60 == 0 else f"{step} min"


def _minute(key: str) -> datetime | None:
    try:
        return datetime.strptime(key, _MINUTE)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------
# Durations per node (or process) and skew


def _durations(report: MiniBatchReport, rows: Timed, notes: list[str]) -> dict[str, Any] | None:
    by_node = any(row.node for _, row in rows) or bool(report.by_node)
    scope = "node" if by_node else "process"
    values: dict[str, list[float]] = defaultdict(list)
    for _, row in rows:
        if row.elapsed is not None:
            values[_label(row.node) if by_node else _lane(row)].append(row.elapsed)
    groups = sorted(values, key=natural_key)
    if len(groups) > MAX_GROUPS:
        groups = sorted(sorted(groups, key=lambda g: -len(values[g]))[:MAX_GROUPS], key=natural_key)
        notes.append(f"Durations show the {MAX_GROUPS} {scope}s with the most attempts.")
    boxes = [_box(group, sorted(values[group])) for group in groups]
    busy = _skew(report.by_node if by_node else report.by_process)
    if not boxes and busy is None:
        return None
    return {"scope": scope, "boxes": boxes, "skew": busy}


def _box(name: str, ordered: list[float]) -> dict[str, Any]:
    return {
        "name": name,
        "count": len(ordered),
        "min": _round(ordered[0]),
        "q1": _round(_quantile(ordered, 0.25)),
        "median": _round(_quantile(ordered, 0.5)),
        "q3": _round(_quantile(ordered, 0.75)),
        "p95": _round(_quantile(ordered, 0.95)),
        "max": _round(ordered[-1]),
        "mean": _round(sum(ordered) / len(ordered)),
    }


def _skew(groups: dict[str, GroupStats]) -> dict[str, Any] | None:
    if not groups:
        return None
    names = sorted(groups, key=natural_key)[:MAX_GROUPS]
    busy = [groups[name].elapsed for name in names]
    median = statistics.median(busy)
    top = max(range(len(names)), key=lambda i: busy[i])
    return {
        "groups": [_label(name) for name in names],
        "busy_s": [_round(value, 1) for value in busy],
        "attempts": [groups[name].count for name in names],
        "median_busy_s": _round(median, 1),
        "busiest": _label(names[top]),
        "max_over_median": _round(busy[top] / median) if median > 0 else None,
    }


# ---------------------------------------------------------------------------------------------------
# Resources over time per node


def _perf(perf: dict[str, NodePerf]) -> dict[str, Any] | None:
    nodes = []
    for name in sorted(perf, key=natural_key):
        node = perf[name]
        series = {
            "cpu": _series(node.cpu_series),
            "memory": _series(node.memory_series),
            "disk": _series(node.disk_series),
        }
        if not any(series.values()):
            continue
        nodes.append(
            {
                "node": _label(name),
                "samples": node.samples,
                "memory_total_mb": _round(node.memory_total_mb, 0) if node.memory_total_mb else None,
                "disk_total_gb": _round(node.disk_total_gb, 1) if node.disk_total_gb else None,
                **series,
            }
        )
    return {"nodes": nodes} if nodes else None


def _series(series: Series) -> dict[str, Any] | None:
    times: list[str] = []
    values: list[float] = []
    for stamp, value in series.points:
        moment = _when(stamp)
        if moment is not None:
            times.append(_stamp(moment))
            values.append(_round(value, 1))
    if not times:
        return None
    return {"t": times, "v": values, "stride": series.stride}


# ---------------------------------------------------------------------------------------------------
# Failures by node and process


def _failures(report: MiniBatchReport) -> dict[str, Any] | None:
    if not report.present:
        return None
    return {
        "by_node": _group_counts(report.by_node),
        "by_process": _group_counts(report.by_process),
        "failed_attempts": sum(report.errors.values()),
        "reasons": [
            {"status": _label(status), "message": redact(message), "count": count}
            for (status, message), count in report.errors.most_common(MAX_ERRORS)
        ],
    }


def _group_counts(groups: dict[str, GroupStats]) -> dict[str, list[Any]] | None:
    if not groups:
        return None
    names = sorted(groups, key=natural_key)[:MAX_GROUPS]
    return {
        "names": [_label(name) for name in names],
        "attempts": [groups[name].count for name in names],
        "failed": [groups[name].failed for name in names],
    }
