"""The numbers that matter to judge a job: mini-batches, items, nodes, times, skew, restarts, resource peaks."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import datetime
from typing import Any

from ..logs.facts import JobFacts
from ..logs.tables import GroupStats, MiniBatchReport, median_of_ordered, parse_time

RETURNCODE_TRIGGER = "exits with returncode"
_RETURNCODE = re.compile(r"(\S+) exits with returncode (-?\d+)")


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def percentile(values: list[float], fraction: float, ordered: bool = False) -> float | None:
    if not values:
        return None
    ordered_values = values if ordered else sorted(values)
    index = min(len(ordered_values) - 1, max(0, round(fraction * (len(ordered_values) - 1))))
    return ordered_values[index]


def build_stats(facts: JobFacts) -> dict[str, Any]:
    report = facts.minibatches
    stats: dict[str, Any] = {
        "mini_batches": _mini_batches(facts),
        "items": _items(facts),
        "nodes": _node_count(facts),
        "processes": _process_count(facts),
    }
    stats.update(_times(facts))
    stats["progress"] = _progress(facts)
    stats["elapsed_s"] = _elapsed(report)
    stats["process_to_elapsed_ratio"] = (
        _round(report.process_seconds_total / report.elapsed_total, 3)
        if report.cpu_timed_attempts and report.elapsed_total > 0
        else None
    )
    stats["slowest_mini_batches"] = [
        {
            "mini_batch": row.mini_batch,
            "process": row.process,
            "node": row.node,
            "elapsed_s": _round(elapsed),
            "status": row.status or None,
            "path": row.path,
            "line": row.line,
        }
        for elapsed, _, row in report.slowest
    ]
    stats["skew"] = {"nodes": skew(report.by_node), "processes": skew(report.by_process)}
    stats["worker_restarts"] = restarts(facts)
    stats["resources"] = resources(facts)
    stats["master_rounds"] = facts.master.rounds or None
    stats["settings"] = dict(facts.settings)
    stats["tracebacks"] = facts.traceback_total
    return stats


def _mini_batches(facts: JobFacts) -> dict[str, int | None]:
    report = facts.minibatches
    if report.present:
        seen = max(report.mini_batches, facts.overview.scheduled_mini_batches or 0)
        return {"total": seen, "succeeded": report.succeeded, "failed": report.failed, "retried": report.retried}
    overview = facts.overview
    total: int | None = overview.scheduled_mini_batches or (
        overview.last_progress.total if overview.last_progress else None
    )
    processed = overview.last_progress.processed if overview.last_progress else None
    if overview.all_processed is not None and total is not None:
        processed = total
    return {"total": total, "succeeded": None, "failed": None, "retried": None, "processed": processed}


def _items(facts: JobFacts) -> dict[str, int | None]:
    report = facts.minibatches
    if report.present and report.items_known:
        total = max(report.items_total, facts.overview.scheduled_items or 0)
        return {"total": total, "succeeded": report.items_succeeded, "failed": report.items_failed}
    return {"total": facts.overview.scheduled_items, "succeeded": None, "failed": None}


def _node_count(facts: JobFacts) -> int | None:
    nodes = set(facts.nodes) | set(facts.minibatches.by_node)
    return len(nodes) or None


def _process_count(facts: JobFacts) -> int | None:
    processes = {p for p in facts.processes} | {(k, "") for k in facts.minibatches.by_process if "/" in k}
    named = {key for key in facts.minibatches.by_process}
    return len(processes) or len(named) or None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _times(facts: JobFacts) -> dict[str, Any]:
    candidates_start = [facts.overview.started_at, _iso(facts.minibatches.started_at), facts.earliest_timestamp]
    candidates_end = [facts.overview.last_line_at, _iso(facts.minibatches.ended_at), facts.latest_timestamp]
    starts = [s for s in candidates_start if s]
    ends = [s for s in candidates_end if s]
    started = min(starts) if starts else None
    ended = max(ends) if ends else None
    duration = None
    start_time, end_time = parse_time(started), parse_time(ended)
    if start_time and end_time and end_time >= start_time:
        duration = round((end_time - start_time).total_seconds(), 1)
    return {"started_at": started, "ended_at": ended, "duration_s": duration}


def _progress(facts: JobFacts) -> dict[str, Any] | None:
    overview = facts.overview
    if not overview.present:
        return None
    last = overview.last_progress
    return {
        "processed": last.processed if last else None,
        "total": last.total if last else overview.scheduled_mini_batches,
        "last_update": last.timestamp if last else None,
        "finished": overview.finished,
        "scheduling_seconds": overview.scheduling_seconds,
    }


def _elapsed(report: MiniBatchReport) -> dict[str, float | None] | None:
    values = report.elapsed_values
    if not values:
        return None
    ordered = report.ordered_elapsed()
    return {
        "mean": _round(statistics.fmean(values)),
        "median": _round(median_of_ordered(ordered)),
        "p95": _round(percentile(ordered, 0.95, ordered=True)),
        "max": _round(ordered[-1]),
    }


def skew(groups: dict[str, GroupStats]) -> dict[str, Any] | None:
    """Busy time per group, and how far the busiest is above the median (1.0 is perfectly even)."""
    if len(groups) < 2:
        return None
    busy = {name: group.elapsed for name, group in groups.items()}
    median = statistics.median(busy.values())
    slowest = max(busy, key=lambda name: busy[name])
    return {
        "groups": len(groups),
        "max_over_median": _round(busy[slowest] / median) if median > 0 else None,
        "busiest": slowest,
        "busy_s": {name: _round(value, 1) for name, value in sorted(busy.items())},
        "mini_batches": {name: group.count for name, group in sorted(groups.items())},
        "failed": {name: group.failed for name, group in sorted(groups.items()) if group.failed},
    }


# Worker exits that are part of a normal life: done (0), terminated on its own as expected (41, per the PRS docs),
# stopped by the agent at the end (82) or by SIGTERM at shutdown (-15).  Any other exit is a restart.
NORMAL_EXIT_CODES = frozenset({"0", "41", "82", "-15"})


def restarts(facts: JobFacts) -> dict[str, Any]:
    """Workers that died and were replaced (init failed 72, timed out 71, failed runs 73/74, killed -9, ...)."""
    by_node: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    for hit in facts.hits(RETURNCODE_TRIGGER):
        match = _RETURNCODE.search(hit.text)
        if match:
            codes[match.group(2)] += 1
            if match.group(2) not in NORMAL_EXIT_CODES:
                by_node[hit.file.node or "?"] += 1
    per_node_processes: Counter[str] = Counter(node for node, _ in facts.processes)
    configured = facts.settings.get("process_count_per_node")
    extra: dict[str, int] = {}
    if configured and configured.isdigit():
        extra = {n: c - int(configured) for n, c in per_node_processes.items() if c > int(configured)}
    return {
        "total": sum(by_node.values()) or sum(extra.values()),
        "by_node": dict(sorted((by_node or Counter(extra)).items())),
        "exit_codes": dict(codes),
        "processes_per_node": dict(sorted(per_node_processes.items())),
    }


def resources(facts: JobFacts) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    for node, perf in sorted(facts.perf.items()):
        nodes[node] = {
            "samples": perf.samples,
            "cpu_peak_percent": _round(perf.cpu_peak, 1),
            "cpu_mean_percent": _round(perf.cpu_mean, 1),
            "memory_total_mb": _round(perf.memory_total_mb, 0),
            "memory_peak_percent": _round(perf.memory_peak_percent, 1),
            "memory_peak_at": perf.memory_peak_at,
            "disk_peak_percent": _round(perf.disk_peak_percent, 1),
            "disk_peak_at": perf.disk_peak_at,
            "process_memory_peak_mb": _round(perf.process_memory_peak_mb, 0),
        }
    return nodes
