#!/usr/bin/env python3
"""Write a synthetic log tree that looks like a real, LARGE Azure ML parallel-run (PRS) job.

    python bench/generate.py OUT_DIR [--scale 1.0] [--seed 7] [--nodes 16] [--processes 4]
                             [--failure oom|module|none] [--ip-nodes] [--jobs N] [--force]

The formats follow /work/shared/reference/log-formats.md.  A discrete-event simulation assigns the mini-batches to
the worker processes first (timings, retries, one slow node, the hidden failure); the writers then render every
file from that one timeline, so all the files agree with each other.  Output is deterministic for a given seed and
set of options (``--jobs`` only changes the speed).  At ``--scale 1.0`` the job has 200,000 mini-batches of 10 files
and the tree is about 800 MB; the chatty user stdout is most of it.

Hidden failures (``--failure``):

* ``oom`` (default): on node 11 process002 leaks memory in the last hour; the node's memory climbs to 97-99 %, the
  kernel kills the process several times (``process002 exits with returncode -9.`` in
  ``logs/sys/node/11/_main.txt``), mini-batches on node 11 time out or fail, and the job stops when 3120 failed items
  exceed the error threshold of 3000 (driver exit 42).
* ``module``: from the same point on, every run() on node 6 raises ``ModuleNotFoundError: No module named
  'lightgbm'`` (tracebacks in ``logs/user/error/6/processNNN.txt``); same threshold stop.
* ``none``: a healthy job that ends with ``All N mini batches have been processed.``

Known-noise lines (``Failed to set task visible because of ...`` with its KeyError traceback, ``stderr: terminate
called without an active exception``) are present in every mode.
"""

from __future__ import annotations

import argparse
import calendar
import heapq
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

# ---------------------------------------------------------------------------------------------------------------------
# Job constants

BASE_MINI_BATCHES = 200_000
MINI_BATCH_SIZE = 10
RUN_TIMEOUT = 60
RUN_MAX_TRY = 3
ERROR_THRESHOLD = 3000
FAILED_ITEMS_AT_STOP = 3120  # the job stops when this many items are failed (> ERROR_THRESHOLD)
VISIBILITY_TIMEOUT = RUN_TIMEOUT + 600  # run_invocation_timeout + task_overhead_timeout
FILES_PER_PARTITION = 1000
OOM_NODE = 11
OOM_PROCESS = 2
MODULE_NODE = 6
SLOW_NODE = 5
SLOW_FACTOR = 1.6
# The failure starts when this many mini-batches are done: its ~50 minutes then end the job near 93 % at any scale
# (never before 30 %, so that small scales still fail).
DEGRADE_SHARE, DEGRADE_OFFSET, DEGRADE_FLOOR = 0.935, 32_000, 0.3

START = calendar.timegm((2024, 5, 12, 7, 58, 41, 0, 0, 0)) + 0.226929
JOB_ID = "a3f1c9e0-2b7d-4c55-a1e8-f0d2c6b4a9e7"
CR_HASH = "3f1c9a0e2b7d4c55a1e8f0d2c6b4a9e7"
ENV_PATH = "/azureml-envs/azureml_7594b3b934a904695f71542edf30f209"
INPUT_ROOT = f"/mnt/azureml/cr/j/{CR_HASH}/cap/data-capability/wd/INPUT_input_data"
SCORE_PY = f"/mnt/azureml/cr/j/{CR_HASH}/exe/wd/score.py"
PRS_LIB = (
    f"/mnt/batch/tasks/shared/LS_root/jobs/ws-prod-ml/azureml/{JOB_ID}/wd/prs_prod/lib/python3.8/site-packages/"
    "azureml_sys/parallel_run"
)
VM_SIZE = "STANDARD_D13_V2"
MEM_TOTAL_MB = 57321.4
MASTER_THREAD = 140501711763200

DRIVER_ARGS = (
    "--client_sdk_version 1.55.0 --scoring_module_name score.py --mini_batch_size 10 "
    "--error_threshold {threshold} --output_action append_row --append_row_file_name predictions.csv "
    f"--logging_level INFO --run_invocation_timeout {RUN_TIMEOUT} --run_max_try {RUN_MAX_TRY} "
    "--create_snapshot_at_runtime True --process_count_per_node {procs} --node_count {nodes} "
    "--resource_monitor_interval 60 --task_overhead_timeout 600 --first_task_creation_timeout 600 "
    "--input_fds_0 INPUT_input_data --output /mnt/azureml/cr/j/{cr}/cap/data-capability/wd/score"
)

MINIBATCH_HEADER = (
    "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail"
)
NODE_USAGE_HEADER = (
    "Utc Time,Cpu Percent,Memory Total (MB),Memory Available (MB),Memory Used (MB),Memory Used Percent,"
    "Disk Io Read Count,Disk Io Write Count,Disk Io Read (MB),Disk Io Write (MB),Network Sent (MB),"
    "Network Recv (MB),# of TCP Connections,# of UDP Connections"
)
DISK_HEADER = "Utc Time,Mount Point,Total (GB),Used (GB),Free (GB),Used Percent"
PROCESSES_HEADER = "Utc Time,Pid,Name,Cpu Percent,Memory Rss (MB),Memory Percent"

FAILURES = ("oom", "module", "none")

# Outcome kinds of one attempt at a mini-batch.
OK, TIMEOUT, MEMORY, KILLED, MODULE = "ok", "timeout", "memory", "killed", "module"

ARRAY_MEMORY_ERROR = (
    "numpy.core._exceptions._ArrayMemoryError: Unable to allocate {gib:.2f} GiB for an array with shape "
    "(24, {cells}) and data type float64"
)


# ---------------------------------------------------------------------------------------------------------------------
# Fast timestamps


class Stamp:
    """UTC timestamp formatting with a per-second cache (strftime once per second, not once per line)."""

    def __init__(self) -> None:
        self._space: dict[int, str] = {}
        self._iso: dict[int, str] = {}

    def _head(self, cache: dict[int, str], second: int, fmt: str) -> str:
        head = cache.get(second)
        if head is None:
            head = time.strftime(fmt, time.gmtime(second))
            cache[second] = head
        return head

    def log(self, t: float) -> str:
        """``2024-05-12 10:03:05,649`` (Python logging)."""
        second = int(t)
        return f"{self._head(self._space, second, '%Y-%m-%d %H:%M:%S')},{int((t - second) * 1000):03d}"

    def iso(self, t: float) -> str:
        """``2024-05-12T10:03:05.649123`` (datetime.isoformat)."""
        second = int(t)
        return f"{self._head(self._iso, second, '%Y-%m-%dT%H:%M:%S')}.{int((t - second) * 1_000_000):06d}"

    def bracket(self, t: float) -> str:
        """``2024-05-12 10:03:05.649123`` (std_log's bracketed form, without the brackets)."""
        second = int(t)
        return f"{self._head(self._space, second, '%Y-%m-%d %H:%M:%S')}.{int((t - second) * 1_000_000):06d}"


def fmt_duration(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


def hour_key(t: float) -> str:
    return time.strftime("%Y%m%d%H", time.gmtime(t))


# ---------------------------------------------------------------------------------------------------------------------
# Configuration and the simulated timeline


@dataclass(frozen=True)
class Config:
    out: Path
    scale: float
    seed: int
    nodes: int
    processes: int
    failure: str
    ip_nodes: bool

    @property
    def mini_batches(self) -> int:
        return max(200, round(BASE_MINI_BATCHES * self.scale))

    def node_name(self, node: int) -> str:
        return f"10.0.0.{4 + node}" if self.ip_nodes else str(node)

    @property
    def threshold(self) -> int:
        """error_threshold: 3000 items from --scale 0.25 up, proportionally less below (short jobs)."""
        if self.scale >= 0.25:
            return ERROR_THRESHOLD
        return max(100, round(ERROR_THRESHOLD * self.scale / 0.25 / 100) * 100)

    @property
    def stop_items(self) -> int:
        """Failed items when the master notices the threshold is exceeded (3120 for the default threshold)."""
        return self.threshold + max(
            10, round((FAILED_ITEMS_AT_STOP - ERROR_THRESHOLD) * self.threshold / ERROR_THRESHOLD / 10) * 10
        )

    @property
    def oom_node(self) -> int:
        return min(OOM_NODE, self.nodes - 1)

    @property
    def module_node(self) -> int:
        return min(MODULE_NODE, self.nodes - 1)

    @property
    def slow_node(self) -> int:
        slow = SLOW_NODE % self.nodes
        return slow if slow != self.oom_node or self.nodes == 1 else (slow + 1) % self.nodes


class Attempt:
    """One pick of one mini-batch by one worker process (one row of processed_mini-batches.csv)."""

    __slots__ = ("end", "error", "kind", "mb", "picked", "pid", "proc_secs", "run_secs", "start", "worker")

    def __init__(self, mb: int, picked: int, worker: int, pid: int, start: float, end: float, kind: str) -> None:
        self.mb = mb
        self.picked = picked
        self.worker = worker
        self.pid = pid
        self.start = start
        self.end = end
        self.kind = kind
        self.run_secs: float | None = None
        self.proc_secs = 0.0
        self.error = ""

    @property
    def failed(self) -> bool:
        return self.kind != OK


@dataclass
class Worker:
    node: int
    proc: int
    pid: int
    speed: float
    attempts: list[int] = field(default_factory=list)
    # (time, event, pid, init done): "start" (a process started: its pid and when its init() finished),
    # "killed" (-9) and "exit74" (too many failed mini-batches: the old pid)
    lifecycle: list[tuple[float, str, int, float]] = field(default_factory=list)
    interrupted: int = -1  # attempt index cut off by the stop signal


@dataclass
class Sim:
    cfg: Config
    attempts: list[Attempt]
    workers: list[Worker]
    node_start: list[float]
    main_pid: list[int]
    first_task: float
    sched_secs: int
    sched_done: float
    t_deg: float | None
    t_end: float
    stopped: bool
    first_done: list[float]  # completion time of each mini-batch's first attempt, in time order
    lost_picks: list[tuple[float, int, int, int]]  # (time, node, mini-batch, picked count)
    kills: list[float]
    peaks: list[tuple[float, float]]  # oom node memory curve: (time, percent) knots after degradation starts
    failover: float
    interrupted: set[int] = field(default_factory=set)
    failed_rows: int = 0
    failed_items_final: int = 0
    succeeded_items: int = 0

    def oom_memory(self, t: float) -> float:
        """Memory Used Percent of the OOM node at time t (only meaningful for --failure oom)."""
        if self.t_deg is None or t < self.t_deg or not self.peaks:
            span = (self.t_deg or self.t_end) - START
            return 46.0 + 14.0 * max(0.0, min(1.0, (t - START) / max(span, 1.0)))
        knots = self.peaks
        for (t1, m1), (t2, m2) in zip(knots, knots[1:]):
            if t1 <= t < t2:
                return m1 + (m2 - m1) * (t - t1) / (t2 - t1)
        return knots[-1][1]


def _memory_knots(
    rng: random.Random, t_deg: float, start_pct: float, squeeze: float
) -> tuple[list[tuple[float, float]], list[float]]:
    """The OOM node's memory: a climb to the first kill, then a saw-tooth (drop after each -9, climb again).

    ``squeeze`` < 1 compresses the timeline for small scales, whose jobs are too short for the real one.
    """
    knots = [(t_deg, start_pct)]
    kills: list[float] = []
    t = t_deg + rng.uniform(780, 960) * squeeze
    for _ in range(60):
        knots.append((t, rng.uniform(98.3, 99.3)))
        kills.append(t)
        knots.append((t + 25.0 * squeeze, rng.uniform(86.0, 89.0)))
        t += rng.uniform(330, 480) * squeeze
    return knots, kills


class Simulator:
    """Discrete-event simulation: a shared task queue, W worker processes, retries, and the hidden failure."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.rng = random.Random(f"{cfg.seed}-simulation")
        self.n_mb = cfg.mini_batches
        self.attempts: list[Attempt] = []
        self.workers: list[Worker] = []
        self.heap: list[tuple[float, int]] = []
        self.inflight: list[int] = []
        self.queue: deque[int] = deque(range(self.n_mb))
        self.delayed: list[tuple[float, int]] = []  # (visible again at, mini-batch)
        self.picks = bytearray(self.n_mb)
        self.done_once = bytearray(self.n_mb)
        self.first_done: list[float] = []
        self.failed_now: set[int] = set()
        self.lost_picks: list[tuple[float, int, int, int]] = []
        self.kills: list[float] = []
        self.peaks: list[tuple[float, float]] = []
        self.t_deg: float | None = None
        self.deg_at = max(int(DEGRADE_FLOOR * self.n_mb), int(DEGRADE_SHARE * self.n_mb) - DEGRADE_OFFSET)
        self.stop_failed = cfg.stop_items // MINI_BATCH_SIZE
        self.module_failures: dict[int, int] = {}
        self.node_start: list[float] = []
        self.main_pid: list[int] = []
        self.next_pid: list[int] = []

    # -- set-up ---------------------------------------------------------------------------------------------------

    def _start_workers(self) -> None:
        cfg, rng = self.cfg, self.rng
        for node in range(cfg.nodes):
            agent = START + rng.uniform(8.0, 22.0)
            main_pid = rng.randrange(236, 298)
            self.node_start.append(agent)
            self.main_pid.append(main_pid)
            self.next_pid.append(main_pid + 400)
            factor = SLOW_FACTOR if node == cfg.slow_node and cfg.nodes > 1 else 1.0
            for proc in range(cfg.processes):
                pid = main_pid + 31 + proc * rng.randrange(1, 4)
                worker = Worker(node, proc, pid, factor * rng.uniform(0.95, 1.05))
                begin = agent + 1.0 + 0.35 * proc + rng.random() * 0.4
                ready = begin + rng.uniform(55.0, 85.0)
                worker.lifecycle.append((begin, "start", pid, ready))
                self.workers.append(worker)
                self.inflight.append(-1)
                heapq.heappush(self.heap, (ready, len(self.workers) - 1))

    def _restart(self, w: int, at: float, event: str, init: tuple[float, float]) -> None:
        worker, rng = self.workers[w], self.rng
        worker.lifecycle.append((at, event, worker.pid, 0.0))
        self.next_pid[worker.node] += rng.randrange(3, 40)
        worker.pid = self.next_pid[worker.node]
        begin = at + rng.uniform(0.8, 2.5)
        ready = begin + rng.uniform(*init)
        worker.lifecycle.append((begin, "start", worker.pid, ready))
        heapq.heappush(self.heap, (ready, w))

    # -- outcome of one pick --------------------------------------------------------------------------------------

    def _healthy_seconds(self, worker: Worker) -> float:
        rng = self.rng
        seconds = rng.lognormvariate(1.856, 0.33) * worker.speed  # median 6.4 s
        if rng.random() < 0.004:
            seconds *= rng.uniform(2.5, 5.0)
        return min(seconds, RUN_TIMEOUT - 8.0)

    def _outcome(self, w: int, t: float) -> tuple[str, float]:
        worker, rng, cfg = self.workers[w], self.rng, self.cfg
        seconds = self._healthy_seconds(worker)
        if self.t_deg is None:
            return OK, seconds
        if cfg.failure == "module" and worker.node == cfg.module_node:
            return MODULE, rng.uniform(0.4, 1.6)
        if cfg.failure == "oom" and worker.node == cfg.oom_node:
            memory = self._memory(t)
            slow = 1.0 + max(0.0, memory - 80.0) / 8.0
            seconds = min(seconds * slow, RUN_TIMEOUT - 2.0)
            if memory >= 88.0 and rng.random() < min(0.9, 0.2 + (memory - 88.0) / 20.0):
                if rng.random() < 0.8:
                    return MEMORY, rng.uniform(1.0, 4.0) * slow**0.5
                return TIMEOUT, RUN_TIMEOUT + rng.uniform(0.05, 0.6)
        return OK, seconds

    def _memory(self, t: float) -> float:
        knots = self.peaks
        for (t1, m1), (t2, m2) in zip(knots, knots[1:]):
            if t1 <= t < t2:
                return m1 + (m2 - m1) * (t - t1) / (t2 - t1)
        return knots[-1][1] if knots else 50.0

    def _degrade(self, t: float) -> None:
        self.t_deg = t
        if self.cfg.failure == "oom":
            squeeze = min(1.0, self.n_mb / 50_000)
            self.peaks, self.kills = _memory_knots(self.rng, t, 60.0, squeeze)

    # -- the event loop -------------------------------------------------------------------------------------------

    def _finish(self, w: int, t: float) -> bool:
        """Close the attempt a worker was running; True when the job must stop."""
        index = self.inflight[w]
        self.inflight[w] = -1
        attempt = self.attempts[index]
        mb = attempt.mb
        if not self.done_once[mb]:
            self.done_once[mb] = 1
            self.first_done.append(t)
            if self.t_deg is None and self.cfg.failure != "none" and len(self.first_done) >= self.deg_at:
                self._degrade(t)
        if attempt.kind == OK:
            self.failed_now.discard(mb)
            chance = 0.001 if attempt.picked == 1 else 0.2
            if self.rng.random() < chance and self.t_deg is None and len(self.first_done) < 0.9 * self.n_mb:
                # The agent failed to release the task (known KeyError noise): it comes back after the timeout.
                self.lost_picks.append((t + self.rng.uniform(0.02, 0.2), self.workers[w].node, mb, attempt.picked))
                heapq.heappush(self.delayed, (t + VISIBILITY_TIMEOUT, mb))
            return False
        self.failed_now.add(mb)
        if attempt.kind == KILLED:
            heapq.heappush(self.delayed, (t + VISIBILITY_TIMEOUT, mb))
        elif attempt.picked < RUN_MAX_TRY:
            self.queue.append(mb)
        return self.cfg.failure != "none" and len(self.failed_now) >= self.stop_failed

    def _next_task(self, t: float) -> int | None:
        if self.delayed and self.delayed[0][0] <= t:
            return heapq.heappop(self.delayed)[1]
        if self.queue:
            return self.queue.popleft()
        return None

    def _pick(self, w: int, t: float) -> None:
        worker, rng, cfg = self.workers[w], self.rng, self.cfg
        is_oom_worker = (
            cfg.failure == "oom" and worker.node == cfg.oom_node and worker.proc == OOM_PROCESS % cfg.processes
        )
        if is_oom_worker and self.kills and self.kills[0] <= t:
            self.kills.pop(0)
            self._restart(w, t, KILLED, (50.0, 70.0))
            return
        mb = self._next_task(t)
        if mb is None:
            if self.delayed:
                heapq.heappush(self.heap, (self.delayed[0][0] + rng.uniform(0.1, 3.0), w))
            return
        self.picks[mb] += 1
        start = t + rng.uniform(0.02, 0.12)
        kind, seconds = self._outcome(w, start)
        end = start + seconds
        if is_oom_worker and self.kills and self.kills[0] < end:
            kind, end = KILLED, self.kills[0]
        attempt = Attempt(mb, self.picks[mb], w, worker.pid, start, end, kind)
        self.attempts.append(attempt)
        worker.attempts.append(len(self.attempts) - 1)
        self.inflight[w] = len(self.attempts) - 1
        heapq.heappush(self.heap, (end, w))

    def _after(self, w: int, t: float, kind: str) -> bool:
        """Worker lifecycle after an attempt; True when the worker was restarted (no pick now)."""
        if kind == KILLED:
            self.kills.pop(0)
            self._restart(w, t, KILLED, (50.0, 70.0))
            return True
        if kind == MODULE:
            count = self.module_failures.get(w, 0) + 1
            self.module_failures[w] = count
            if count % 10 == 0:
                self._restart(w, t + 0.3, "exit74", (55.0, 80.0))
                return True
        return False

    def run(self) -> Sim:
        self._start_workers()
        stopped = False
        t_end = START
        while self.heap:
            t, w = heapq.heappop(self.heap)
            t_end = max(t_end, t)
            if self.inflight[w] >= 0:
                kind = self.attempts[self.inflight[w]].kind
                if self._finish(w, t):
                    stopped = True
                    break
                if self._after(w, t, kind):
                    continue
            self._pick(w, t + self.rng.uniform(0.03, 0.2))
        interrupted: set[int] = set()
        if stopped:
            for w, index in enumerate(self.inflight):
                if index >= 0:
                    self.workers[w].interrupted = index
                    interrupted.add(index)
        return self._build(t_end, stopped, interrupted)

    def _build(self, t_end: float, stopped: bool, interrupted: set[int]) -> Sim:
        cfg, rng = self.cfg, self.rng
        # Interrupted attempts never reach the report: drop them from the rows, keep them for the process logs.
        final_fail: dict[int, bool] = {}
        failed_rows = 0
        for index, attempt in enumerate(self.attempts):
            if index in interrupted:
                continue
            _fill_attempt(attempt, rng)
            final_fail[attempt.mb] = attempt.failed
            failed_rows += int(attempt.failed)
        failed_final = sum(final_fail.values())
        succeeded_items = MINI_BATCH_SIZE * (len(final_fail) - failed_final)
        first_task = START + rng.uniform(20.0, 24.0)
        sched = max(3, round(95 * self.n_mb / BASE_MINI_BATCHES))
        sim = Sim(
            cfg=cfg,
            attempts=self.attempts,
            workers=self.workers,
            node_start=self.node_start,
            main_pid=self.main_pid,
            first_task=first_task,
            sched_secs=sched,
            sched_done=START + 0.6 + sched + rng.uniform(0.1, 0.9),
            t_deg=self.t_deg,
            t_end=t_end,
            stopped=stopped,
            first_done=self.first_done,
            lost_picks=self.lost_picks,
            kills=[e[0] for wk in self.workers for e in wk.lifecycle if e[1] == KILLED],
            peaks=self.peaks,
            failover=self.first_done[len(self.first_done) * 35 // 100] if self.first_done else t_end,
            interrupted=interrupted,
        )
        sim.failed_rows = failed_rows
        sim.failed_items_final = MINI_BATCH_SIZE * failed_final
        sim.succeeded_items = succeeded_items
        return sim


def _fill_attempt(attempt: Attempt, rng: random.Random) -> None:
    """Report fields of a finished attempt: process/run seconds and the error message."""
    elapsed = attempt.end - attempt.start
    if attempt.kind == OK:
        attempt.run_secs = max(0.05, elapsed - rng.uniform(0.02, 0.09))
        attempt.proc_secs = attempt.run_secs * rng.uniform(0.62, 0.86)
    elif attempt.kind == TIMEOUT:
        attempt.proc_secs = elapsed * rng.uniform(0.15, 0.35)
        attempt.error = f"run() timeout: unable to finish within {RUN_TIMEOUT} seconds"
    elif attempt.kind == MEMORY:
        attempt.run_secs = max(0.05, elapsed - rng.uniform(0.02, 0.09))
        attempt.proc_secs = attempt.run_secs * rng.uniform(0.3, 0.6)
        cells = rng.randrange(5_200_000, 7_400_000)
        attempt.error = ARRAY_MEMORY_ERROR.format(gib=cells * 24 * 8 / 2**30, cells=cells)
    elif attempt.kind == KILLED:
        attempt.proc_secs = elapsed * rng.uniform(0.2, 0.5)
        attempt.error = "The worker process stopped unexpectedly while running the mini-batch (signal 9)."
    else:
        attempt.run_secs = max(0.05, elapsed - rng.uniform(0.02, 0.09))
        attempt.proc_secs = attempt.run_secs * rng.uniform(0.5, 0.9)
        attempt.error = "ModuleNotFoundError: No module named 'lightgbm'"


# ---------------------------------------------------------------------------------------------------------------------
# Output helpers


class Out:
    """Buffered line writer: lines are joined and written in blocks of a few MB."""

    LIMIT = 40_000

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "w", encoding="utf-8", newline="\n", buffering=4 * 1024 * 1024)  # noqa: SIM115
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.LIMIT:
            self.flush()

    def extend(self, lines: Iterable[str]) -> None:
        self.lines.extend(lines)
        if len(self.lines) >= self.LIMIT:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self._file.write("\n".join(self.lines))
            self._file.write("\n")
            self.lines = []

    def close(self) -> None:
        self.flush()
        self._file.close()


def write_text(path: Path, lines: Iterable[str]) -> None:
    out = Out(path)
    out.extend(lines)
    out.close()


def file_name(index: int) -> str:
    return f"part-{index // FILES_PER_PARTITION:06d}/file_{index:07d}.csv"


def proc_name(proc: int) -> str:
    return f"process{proc:03d}"


def stop_time(sim: Sim) -> float:
    """When the workers receive the stop signal (failed jobs) or finish (healthy jobs)."""
    return sim.t_end + (3.2 if sim.stopped else 1.0)


# ---------------------------------------------------------------------------------------------------------------------
# Driver, std_log and system logs


def write_driver(sim: Sim, root: Path, stamp: Stamp) -> None:
    cfg = sim.cfg
    args = DRIVER_ARGS.format(procs=cfg.processes, nodes=cfg.nodes, cr=CR_HASH, threshold=cfg.threshold)
    t = START - 9.3
    lines = [
        f"[{stamp.iso(t)}] Entering context manager injector.",
        "[context_manager_injector.py] Command line Options: Namespace(inject=['ProjectPythonPath:context_managers."
        "ProjectPythonPath', 'RunHistory:context_managers.RunHistory', 'TrackUserError:context_managers."
        "TrackUserError', 'UserExceptions:context_managers.UserExceptions'], invocation=['driver/amlbi_main.py'])",
        f"[{stamp.iso(t + 0.01)}] Command=python driver/amlbi_main.py {args}",
        f"Starting Linux command : python driver/amlbi_main.py {args}",
        "Starting the daemon thread to refresh tokens in background for process with pid = 118",
        "Entering Run History Context Manager.",
        f"Preparing to call script [ driver/amlbi_main.py ] with arguments: {args.split()}",
    ]
    end = stop_time(sim) + 25.0
    code = 42 if sim.stopped else 0
    lines += [
        f"[{stamp.iso(end)}] TimeoutHandler __init__",
        f"[{stamp.iso(end + 0.0001)}] TimeoutHandler __enter__",
        "Cleaning up all outstanding Run operations, waiting 300.0 seconds",
        "2 items cleaning up...",
        "Cleanup took 0.19039106369018555 seconds",
        f"[{stamp.iso(end + 0.4)}] Command finished with return code {code}",
    ]
    write_text(root / "azureml-logs" / "70_driver_log.txt", lines)
    for node in range(cfg.nodes):
        started = sim.node_start[node] - 6.0
        std = [
            "Azure Machine Learning Batch Inference Start",
            f"[{stamp.bracket(started)}] No started flag set. Skip creating started flag."
            if node == 0
            else f"[{stamp.bracket(started)}] Waiting for the started flag.",
            f"[{stamp.bracket(started + 1.4)}] Node {cfg.node_name(node)}: starting the agent manager with "
            f"{cfg.processes} processes.",
            "Azure Machine Learning Batch Inference End",
            "Cleaning up all outstanding Run operations, waiting 300.0 seconds",
            "2 items cleaning up...",
            "Cleanup took 0.19039106369018555 seconds",
        ]
        if sim.stopped and node == 0:
            std += [
                "Traceback (most recent call last):",
                '  File "driver/amlbi_main.py", line 275, in <module>',
                "    main()",
                '  File "driver/amlbi_main.py", line 226, in main',
                "    sys.exit(exitcode_candidate)",
                "SystemExit: 42",
            ]
        write_text(root / "user_logs" / f"std_log_{node}.txt", std)
    wrapper = [
        f"{stamp.iso(START - 61.5)}Z  INFO execution_wrapper::run: Starting execution wrapper.",
        f'{stamp.iso(START - 61.4)}Z  INFO execution_wrapper::run: vm_size: Some("{VM_SIZE}"), '
        f"node_count: {cfg.nodes}, gpu_count: None",
        f"{stamp.iso(START - 40.2)}Z  INFO execution_wrapper::mounts: Mounted INPUT_input_data (ro_mount).",
        f"{stamp.iso(START - 12.0)}Z  INFO execution_wrapper::process: Starting user process: "
        f"{ENV_PATH}/bin/python driver/amlbi_main.py",
        f"{stamp.iso(stop_time(sim) + 27.0)}Z  INFO execution_wrapper::process: User process exited with "
        f"status code {42 if sim.stopped else 0}.",
    ]
    write_text(root / "system_logs" / "lifecycler" / "execution-wrapper.log", wrapper)
    write_text(
        root / "system_logs" / "lifecycler" / "lifecycler.log",
        [f"{stamp.iso(START - 70.0)}Z  INFO lifecycler: Job {JOB_ID} node setup started."],
    )


# ---------------------------------------------------------------------------------------------------------------------
# job_progress_overview.<yyyymmddhh>.txt


def overview_lines(sim: Sim, rng: random.Random) -> list[tuple[float, str]]:
    cfg = sim.cfg
    n_mb = cfg.mini_batches
    master = cfg.node_name(0)
    entries: list[tuple[float, str]] = [
        (START + 1.1, "Start the simulator."),
        (START + 3.5, f"The overviewer on {master} started."),
    ]
    sched_secs = sim.sched_secs
    entries.append(
        (
            sim.sched_done,
            f"Scheduling finished. Scheduled {n_mb} mini batches in {sched_secs} seconds. "
            f"There are {n_mb} tasks with {n_mb * MINI_BATCH_SIZE} items.",
        )
    )
    poll = START + 13.5
    polls = 0
    done = sim.first_done
    cursor = 0
    end = sim.t_end + (rng.uniform(2.0, 9.0) if sim.stopped else 0.5)
    failover_gap = (sim.failover, sim.failover + 41.0)
    while poll < end:
        if failover_gap[0] <= poll < failover_gap[1]:
            poll = failover_gap[1] + rng.uniform(0.0, 1.0)
            continue
        while cursor < len(done) and done[cursor] <= poll:
            cursor += 1
        if cursor == 0:
            entries.append((poll, "No task has been processed yet."))
        elif poll < sim.sched_done:
            entries.append((poll, f"Processed {cursor} mini batches."))
        else:
            elapsed = poll - sim.first_task
            remaining = elapsed / cursor * (n_mb - cursor)
            polls += 1
            if remaining < 300 or polls % 12 == 1:
                entries.append(
                    (
                        poll,
                        f"Processed {cursor} of {n_mb} mini batches in {fmt_duration(elapsed)}. "
                        f"Estimated remaining time {fmt_duration(remaining)}.",
                    )
                )
        poll += 10.0 + rng.uniform(0.05, 0.6)
    entries.append((failover_gap[0] + 0.2, f"The overviewer on {master} stopped."))
    entries.append((failover_gap[1] - 0.5, f"The overviewer on {master} started."))
    entries += overview_end(sim, end)
    entries.sort()
    return entries


def overview_end(sim: Sim, end: float) -> list[tuple[float, str]]:
    cfg = sim.cfg
    master = cfg.node_name(0)
    n_mb = cfg.mini_batches
    if sim.stopped:
        processed = len(sim.first_done)
        elapsed = end - sim.first_task
        remaining = elapsed / max(processed, 1) * (n_mb - processed)
        return [
            (
                end,
                f"Processed {processed} of {n_mb} mini batches in {fmt_duration(elapsed)}. "
                f"Estimated remaining time {fmt_duration(remaining)}.",
            ),
            (
                end + 0.003,
                f"The number of failed items is {cfg.stop_items}, which exceeds error threshold {cfg.threshold}.",
            ),
            (end + 0.004, "Progress update stopped for reasons: ['Exceeded error threshold.']."),
            (end + 31.7, f"The overviewer on {master} stopped."),
        ]
    temp_files = cfg.nodes * cfg.processes
    size_mb = n_mb * MINI_BATCH_SIZE * 0.00021
    return [
        (end, f"All {n_mb} mini batches have been processed."),
        (end + 0.003, f"Progress update stopped for reasons: ['All {n_mb} mini batches have been processed.']."),
        (end + 0.8, f"There are {temp_files} temp files to concatenate. Total size is {size_mb:.1f} MB."),
        (end + 14.2, f"Finished concatenating {temp_files} files in 0:00:13."),
        (end + 15.0, f"The overviewer on {master} stopped."),
    ]


def write_overview(sim: Sim, root: Path, stamp: Stamp) -> None:
    rng = random.Random(f"{sim.cfg.seed}-overview")
    by_hour: dict[str, list[str]] = {}
    for t, message in overview_lines(sim, rng):
        by_hour.setdefault(hour_key(t), []).append(f"{stamp.iso(t)} {message}")
    for hour, lines in by_hour.items():
        write_text(root / "logs" / f"job_progress_overview.{hour}.txt", lines)


# ---------------------------------------------------------------------------------------------------------------------
# master_role*.txt, job_result.txt, readme.txt, user/error.txt


def write_master(sim: Sim, root: Path, stamp: Stamp) -> None:
    cfg = sim.cfg
    rng = random.Random(f"{cfg.seed}-master")
    pid = 356

    def line(t: float, level: str, message: str) -> str:
        return f"{stamp.log(t)}|{level}|{pid}|{MASTER_THREAD}|{message}"

    folder = f"/mnt/batch/tasks/shared/LS_root/jobs/ws-prod-ml/azureml/{JOB_ID}/mounts/workspaceblobstore/scoring/input"
    first = [
        line(START + 0.04, "INFO", "Start scheduling."),
        line(START + 0.06, "INFO", "The task provider type is FileDatasetProvider."),
        line(START + 0.6, "INFO", f"Input folders ['{folder}'], from index 0."),
        line(START + 0.6, "INFO", f"Scheduling tasks for input 0: {folder}."),
    ]
    for node in range(cfg.nodes):
        first.append(
            line(sim.node_start[node] + 0.5, "INFO", f"Node {cfg.node_name(node)} joined with {cfg.processes} agents.")
        )
    first.append(
        line(
            sim.first_task,
            "INFO",
            f"{cfg.node_name(0)}: setting job stage to FIRST_TASK_SCHEDULED, reason: The "
            f"first task created at {stamp.bracket(sim.first_task)}.",
        )
    )
    first.append(line(sim.first_task, "INFO", "Setting job stage to FIRST_TASK_SCHEDULED."))
    n_mb = cfg.mini_batches
    t = sim.first_task
    while t < sim.sched_done:
        offset = int(n_mb * MINI_BATCH_SIZE * (t - sim.first_task) / max(1.0, sim.sched_done - sim.first_task))
        first.append(
            line(
                t,
                "INFO",
                f"Save checkpoint for folder 0, offset {offset}, task_id {offset // 10}, "
                f"total_items {offset}, finished=False.",
            )
        )
        t += 5.0 + rng.random()
    first.append(
        line(
            sim.sched_done,
            "INFO",
            f"Save checkpoint for folder 0, offset {n_mb * 10}, task_id {n_mb}, "
            f"total_items {n_mb * 10}, finished=True.",
        )
    )
    first.append(line(sim.sched_done + 0.01, "INFO", "Setting job stage to SCHEDULING_FINISHED."))
    second = [
        line(sim.failover + 36.0, "INFO", "Start master role (round 2). The previous master role lost its lease."),
        line(sim.failover + 36.2, "INFO", f"Resume from checkpoint: folder 0, offset {n_mb * 10}, finished=True."),
    ]
    done = sim.first_done
    t = sim.sched_done + 600.0
    cursor = 0
    while t < sim.t_end:
        while cursor < len(done) and done[cursor] <= t:
            cursor += 1
        target = first if t < sim.failover else second
        if not (sim.failover <= t < sim.failover + 37.0):
            target.append(line(t, "INFO", f"Progress check: {cursor} of {n_mb} mini batches processed."))
        t += 600.0 + rng.uniform(0.0, 0.9)
    first.append(line(sim.failover, "WARNING", "Lost the lease of the master role. Another round will start."))
    second += master_end(sim, line)
    first.sort(key=lambda text: text[:23])
    second.sort(key=lambda text: text[:23])
    write_text(root / "logs" / "sys" / "master_role.txt", first)
    name = time.strftime("%Y%m%d%H%M%S", time.gmtime(sim.failover + 36.0))
    write_text(root / "logs" / "sys" / f"master_role.{name}.txt", second)


def master_end(sim: Sim, line: Callable[[float, str, str], str]) -> list[str]:
    n_mb = sim.cfg.mini_batches
    end = sim.t_end
    if not sim.stopped:
        return [
            line(end + 0.2, "INFO", f"All {n_mb} mini batches have been processed."),
            line(end + 15.1, "INFO", "Setting job stage to COMPLETED."),
        ]
    return [
        line(
            end + 0.4,
            "ERROR",
            f"The number of failed items is {sim.cfg.stop_items}, which exceeds error threshold {sim.cfg.threshold}.",
        ),
        line(end + 0.4, "INFO", summary_sentence(sim)),
        line(end + 0.5, "INFO", "Master sent a stop signal."),
        line(end + 31.2, "INFO", "Setting job stage to FAILED."),
    ]


def summary_sentence(sim: Sim) -> str:
    n_mb = sim.cfg.mini_batches
    processed = len(sim.first_done)
    return (
        f"There are {n_mb} mini batches with {n_mb * MINI_BATCH_SIZE} items. Processed {processed} mini batches "
        f"containing {processed * MINI_BATCH_SIZE} items, {processed * MINI_BATCH_SIZE - sim.failed_items_final} "
        f"succeeded, {sim.failed_items_final} failed. The error threshold is {sim.cfg.threshold}."
    )


def write_results(sim: Sim, root: Path, stamp: Stamp) -> None:
    if sim.stopped:
        result = [
            "User program failed with Exception: Run failed, please check logs for details. You can check "
            "logs/readme.txt for the layout of logs.",
            f"The number of failed items is {sim.cfg.stop_items}, which exceeds error threshold {sim.cfg.threshold}.",
            summary_sentence(sim),
        ]
    else:
        n_mb = sim.cfg.mini_batches
        result = [
            f"Job finished. {n_mb} mini batches with {n_mb * MINI_BATCH_SIZE} items were processed, "
            f"{sim.succeeded_items} items succeeded, 0 failed.",
        ]
    write_text(root / "logs" / "job_result.txt", result)
    write_text(
        root / "logs" / "readme.txt",
        [
            "This folder contains the logs of the parallel run step. See https://aka.ms/batch-inference-documentation",
            "job_progress_overview.<yyyymmddhh>.txt: progress of the job; job_result.txt: the result.",
            "sys/: logs of the PRS runtime (master_role*.txt, node/<node>/*.txt, job_report/*.csv).",
            "user/: logs of the entry script (stdout/, error/, entry_script_log/).",
            "perf/: resource usage of each node.",
        ],
    )
    errors = []
    for index, attempt in enumerate(sim.attempts):
        if attempt.kind in (MEMORY, MODULE) and index not in sim.interrupted:
            worker = sim.workers[attempt.worker]
            errors.append(
                (
                    attempt.end,
                    f"{stamp.log(attempt.end)}|{proc_name(worker.proc)}|"
                    f"{sim.cfg.node_name(worker.node)}|{attempt.error}",
                )
            )
    if errors:
        errors.sort()
        write_text(root / "logs" / "user" / "error.txt", [text for _, text in errors])


# ---------------------------------------------------------------------------------------------------------------------
# logs/sys/job_report/*.csv


def write_reports(sim: Sim, root: Path, stamp: Stamp) -> None:
    cfg = sim.cfg
    folder = root / "logs" / "sys" / "job_report"
    out = Out(folder / "processed_mini-batches.csv")
    out.add(MINIBATCH_HEADER)
    order = sorted((a.end, i) for i, a in enumerate(sim.attempts) if i not in sim.interrupted)
    per_process: dict[tuple[int, int], list[float]] = {}
    for _, index in order:
        attempt = sim.attempts[index]
        worker = sim.workers[attempt.worker]
        first = attempt.mb * MINI_BATCH_SIZE
        detail = '"{""files"": [' + ", ".join(f'""{file_name(first + j)}""' for j in range(MINI_BATCH_SIZE)) + ']}"'
        elapsed = attempt.end - attempt.start
        run = "N/A" if attempt.run_secs is None else f"{attempt.run_secs:.2f}"
        failed = MINI_BATCH_SIZE if attempt.failed else 0
        status, category = _status(attempt.kind)
        error = attempt.error.replace('"', '""')
        out.add(
            f"{attempt.mb},{attempt.picked},{proc_name(worker.proc)},{stamp.iso(attempt.start)},{MINI_BATCH_SIZE},"
            f"{MINI_BATCH_SIZE - failed},{failed},{elapsed:.2f},{attempt.proc_secs:.2f},{run},{status},{category},"
            f'"{error}",{detail}'
            if error
            else f"{attempt.mb},{attempt.picked},{proc_name(worker.proc)},{stamp.iso(attempt.start)},"
            f"{MINI_BATCH_SIZE},{MINI_BATCH_SIZE},0,{elapsed:.2f},{attempt.proc_secs:.2f},{run},{status},,,{detail}"
        )
        stats = per_process.setdefault((worker.node, worker.proc), [0, 0, 0, 0.0, 0.0])
        stats[0] += 1
        stats[1] += int(attempt.failed)
        stats[2] += failed
        stats[3] += elapsed
        stats[4] += attempt.proc_secs
    out.close()
    process_rows = [
        "Node,Process,Mini-batches,Succeeded Mini-batches,Failed Mini-batches,Items,Succeeded Items,Failed Items,"
        "Total Elapsed Seconds,Average Elapsed Seconds,Total Process Seconds,Average Process Seconds"
    ]
    node_rows = [
        "Node,Processes,Mini-batches,Succeeded Mini-batches,Failed Mini-batches,Items,Succeeded Items,Failed Items,"
        "Total Elapsed Seconds,Average Elapsed Seconds"
    ]
    for node in range(cfg.nodes):
        totals = [0, 0, 0, 0.0]
        for proc in range(cfg.processes):
            count, bad, bad_items, elapsed, process = per_process.get((node, proc), [0, 0, 0, 0.0, 0.0])
            count, bad, bad_items = int(count), int(bad), int(bad_items)
            items = count * MINI_BATCH_SIZE
            process_rows.append(
                f"{cfg.node_name(node)},{proc_name(proc)},{count},{count - bad},{bad},{items},{items - bad_items},"
                f"{bad_items},{elapsed:.2f},{elapsed / max(count, 1):.2f},{process:.2f},{process / max(count, 1):.2f}"
            )
            totals[0] += count
            totals[1] += bad
            totals[2] += bad_items
            totals[3] += elapsed
        count, bad, bad_items, elapsed = int(totals[0]), int(totals[1]), int(totals[2]), totals[3]
        node_rows.append(
            f"{cfg.node_name(node)},{cfg.processes},{count},{count - bad},{bad},{count * 10},{count * 10 - bad_items},"
            f"{bad_items},{elapsed:.2f},{elapsed / max(count, 1):.2f}"
        )
    write_text(folder / "process_summary.csv", process_rows)
    write_text(folder / "node_summary.csv", node_rows)


def _status(kind: str) -> tuple[str, str]:
    if kind == OK:
        return "RUN_DONE", ""
    if kind == TIMEOUT:
        return "RUN_TIMEOUT", "User"
    if kind == KILLED:
        return "RUN_EXCEPTION", "System"
    return "RUN_EXCEPTION", "User"


# ---------------------------------------------------------------------------------------------------------------------
# Per node: logs/sys/node, logs/user/{stdout,entry_script_log,error}, logs/perf


class NodeWriter:
    """Everything one node writes: its process logs, the user's stdout, errors and the resource monitor."""

    def __init__(self, sim: Sim, node: int, root: Path, stamp: Stamp) -> None:
        self.sim = sim
        self.node = node
        self.root = root
        self.stamp = stamp
        self.cfg = sim.cfg
        self.name = self.cfg.node_name(node)
        self.rng = random.Random(f"{self.cfg.seed}-node-{node}")
        self.workers = [w for w in sim.workers if w.node == node]
        self.main_pid = sim.main_pid[node]
        self.thread = 139773019682560 + 4096 * node
        self.stop = stop_time(sim)

    def write(self) -> None:
        for worker in self.workers:
            self.write_process(worker)
        self.write_main()
        PerfWriter(self.sim, self.node, self.root, self.rng, self.stamp).write()

    # -- logs/sys/node/<node>/_main.txt ---------------------------------------------------------------------------

    def write_main(self) -> None:
        rng, ts = self.rng, self.stamp.log
        entries: list[tuple[float, str]] = []

        def add(t: float, level: str, message: str) -> None:
            entries.append((t, f"{ts(t)}|{level}|{self.main_pid}|{self.thread}|{message}"))

        start = self.sim.node_start[self.node]
        add(start, "INFO", f"Start node agent on {self.name}. process_count_per_node={self.cfg.processes}.")
        add(start + 5.3, "ERROR", f"stderr: Already registered authentication for run id: {JOB_ID}")
        for worker in self.workers:
            name = proc_name(worker.proc)
            for t, event, pid, _ in worker.lifecycle:
                if event == "start":
                    add(t, "INFO", f"Start the agent {name} with pid {pid}.")
                elif event == KILLED:
                    add(t + 0.41, "WARNING", f"{name} exits with returncode -9.")
                    add(t + 0.42, "INFO", f"Restarting {name}. The mini batch it was running will be picked again.")
                else:
                    add(t, "WARNING", f"{name} exits with returncode 74.")
        for t, node, mb, picked in self.sim.lost_picks:
            if node == self.node:
                self._keyerror(add, t, mb, picked)
        for _ in range(rng.randrange(2, 7)):
            add(
                rng.uniform(start + 60.0, self.sim.t_end),
                "ERROR",
                "stderr: terminate called without an active exception",
            )
        end = stop_time(self.sim)
        code = 82 if self.sim.stopped else 0
        if self.sim.stopped:
            add(end, "INFO", "Received the stop signal from the master. Stopping all agents.")
        for worker in self.workers:
            add(end + 1.5 + 0.1 * worker.proc, "INFO", f"{proc_name(worker.proc)} exits with returncode {code}.")
        add(end + 2.2, "INFO", "Node agent stopped.")
        entries.sort()
        write_text(self.root / "logs" / "sys" / "node" / self.name / "_main.txt", [text for _, text in entries])

    def _keyerror(self, add: Callable[[float, str, str], None], t: float, mb: int, picked: int) -> None:
        add(
            t,
            "ERROR",
            f"Failed to set task visible because of ({mb}, {picked}).\n"
            "Traceback (most recent call last):\n"
            f'  File "{PRS_LIB}/agent_manager.py", line 237, in check\n'
            "    self.task_manager.set_task_visible(result)\n"
            f'  File "{PRS_LIB}/task_manager.py", line 128, in set_task_visible\n'
            "    task = self.agent_state.picked_tasks[(result.task_id, result.dequeue_count)]\n"
            f"KeyError: ({mb}, {picked})",
        )

    # -- one worker process ---------------------------------------------------------------------------------------

    def write_process(self, worker: Worker) -> None:
        name = proc_name(worker.proc)
        logs = self.root / "logs"
        sys_out = Out(logs / "sys" / "node" / self.name / f"{name}.txt")
        std_out = Out(logs / "user" / "stdout" / self.name / f"{name}.stdout.txt")
        esl_out = Out(logs / "user" / "entry_script_log" / self.name / f"{name}.log.txt")
        errors: list[str] = []
        starts = [(t, pid, ready) for t, event, pid, ready in worker.lifecycle if event == "start"]
        sim = self.sim
        next_start = 0
        for count, index in enumerate(worker.attempts):
            attempt = sim.attempts[index]
            while next_start < len(starts) and starts[next_start][0] <= attempt.start:
                self._process_start(sys_out, std_out, esl_out, worker, *starts[next_start])
                next_start += 1
            self._attempt(sys_out, std_out, esl_out, errors, worker, attempt, count, index == worker.interrupted)
        while next_start < len(starts):
            self._process_start(sys_out, std_out, esl_out, worker, *starts[next_start])
            next_start += 1
        end = self.stop
        ts = self.stamp.log
        if sim.stopped:
            sys_out.add(f"{ts(end + 0.2)}|INFO|{worker.pid}|Received the stop signal. {name} is exiting.")
        else:
            sys_out.add(f"{ts(end + 0.2)}|INFO|{worker.pid}|No more mini batches. {name} is exiting.")
        esl_out.add(f"{ts(end + 0.3)} - {name} - INFO - shutdown() called.")
        for out in (sys_out, std_out, esl_out):
            out.close()
        if errors:
            write_text(logs / "user" / "error" / self.name / f"{name}.txt", errors)

    def _process_start(
        self, sys_out: Out, std_out: Out, esl_out: Out, worker: Worker, t: float, pid: int, ready: float
    ) -> None:
        ts, rng = self.stamp.log, self.rng
        name = proc_name(worker.proc)
        loaded = ready - rng.uniform(0.005, 0.02)
        sys_out.extend(
            (
                f"{ts(t)}|INFO|{pid}|Start the agent {name}.",
                f"{ts(t + 0.4)}|INFO|{pid}|Worker - Telemetry: hostIp:10.0.0.{4 + self.node}, processId:{pid}, "
                "computeType:AmlCompute",
                f"{ts(t + 0.5)}|INFO|{pid}|Loading the entry script score.py.",
                f"{ts(t + 0.9)}|INFO|{pid}|Calling init() of the entry script.",
            )
        )
        std_out.extend(
            (
                f"{ts(t + 0.95)} INFO score: init() starting on {self.name}/{name}",
                f"{ts(t + 1.2)} INFO score: loading model from /mnt/azureml/cr/j/{CR_HASH}/exe/wd/model "
                "(model.pkl, 3 encoders)",
            )
        )
        esl_out.add(f"{ts(t + 0.9)} - {name} - INFO - init() called.")
        if loaded < self.stop:
            sys_out.add(f"{ts(loaded)}|INFO|{pid}|init() finished in {loaded - t - 0.9:.2f} seconds.")
            std_out.add(
                f"{ts(loaded - 0.2)} INFO score: model loaded in {loaded - t - 1.2:.1f}s, "
                f"rss_mb={rng.uniform(2600, 2900):.0f}"
            )

    def _rss(self, worker: Worker, t: float) -> float:
        sim = self.sim
        oom = self.cfg.failure == "oom" and worker.node == self.cfg.oom_node
        if oom and worker.proc == OOM_PROCESS % self.cfg.processes and sim.t_deg is not None and t >= sim.t_deg:
            percent = sim.oom_memory(t)
            return max(3000.0, (percent - 38.0) / 100.0 * MEM_TOTAL_MB)
        return 2900.0 + 400.0 * self.rng.random()

    def _attempt(
        self,
        sys_out: Out,
        std_out: Out,
        esl_out: Out,
        errors: list[str],
        worker: Worker,
        attempt: Attempt,
        count: int,
        interrupted: bool,
    ) -> None:
        ts, rng, pid, mb = self.stamp.log, self.rng, attempt.pid, attempt.mb
        name = proc_name(worker.proc)
        record = f'{{"agent": "{name}", "task_id": {mb}, "dequeue_count": {attempt.picked}, "total": {MINI_BATCH_SIZE}'
        sys_out.add(f"{ts(attempt.start)}|INFO|{pid}|Start to process {record}}}.")
        self._score_files(std_out, attempt, interrupted)
        if interrupted:
            return
        kind = attempt.kind
        end = attempt.end
        if kind == OK:
            sys_out.add(
                f'{ts(end)}|INFO|{pid}|Processed {record}, "succeeded": {MINI_BATCH_SIZE}, "failed": 0, '
                f'"elapsed": {end - attempt.start:.3f}, "process_time": {attempt.proc_secs:.3f}, '
                f'"run_method_time": {attempt.run_secs or 0.0:.3f}}}.'
            )
            esl_out.add(
                f"{ts(end - 0.004)} - {name} - INFO - run() returned {MINI_BATCH_SIZE} results for mini batch {mb} in "
                f"{attempt.run_secs or 0.0:.2f}s."
            )
            if count % 25 == 0:
                std_out.add(
                    f"{ts(end - 0.002)} INFO score: metrics batches={count + 1} "
                    f"mean_abs_error={rng.uniform(0.018, 0.026):.4f} rmse={rng.uniform(0.04, 0.05):.4f} "
                    f"error_rate={rng.uniform(0.0008, 0.0016):.4f} rss_mb={self._rss(worker, end):.0f}"
                )
        elif kind == TIMEOUT:
            sys_out.add(
                f"{ts(end)}|ERROR|{pid}|Stop for run() unable to finish within {RUN_TIMEOUT} seconds for {record}, "
                '"succeeded": 0, "method": "run", "exc_type": "", "message": ""}'
            )
        elif kind == KILLED:
            pass  # the process is gone: nothing more is written by it
        else:
            exc = "_ArrayMemoryError" if kind == MEMORY else "ModuleNotFoundError"
            sys_out.add(
                f'{ts(end)}|ERROR|{pid}|Failed to process {record}, "succeeded": 0, "method": "run", '
                f'"exc_type": "{exc}"}}. See logs/user/error/{self.name}/{name}.txt for the stack trace.'
            )
            errors.extend(self._traceback(attempt, name))
            esl_out.add(f"{ts(end - 0.002)} - {name} - ERROR - run() raised {exc} for mini batch {mb}.")

    def _traceback(self, attempt: Attempt, name: str) -> list[str]:
        ts = self.stamp.log
        head = [
            f"{ts(attempt.end)}|ERROR|{attempt.pid}|run() failed for {name} on mini batch {attempt.mb} "
            f"(dequeue_count {attempt.picked}).",
            "Traceback (most recent call last):",
            f'  File "{PRS_LIB}/entry_script_loader.py", line 121, in run',
            "    result = self.module.run(mini_batch)",
        ]
        if attempt.kind == MODULE:
            return [
                *head,
                f'  File "{SCORE_PY}", line 61, in run',
                "    scorer = _load_scorer(kind)",
                f'  File "{SCORE_PY}", line 24, in _load_scorer',
                "    import lightgbm as lgb",
                "ModuleNotFoundError: No module named 'lightgbm'",
            ]
        return [
            *head,
            f'  File "{SCORE_PY}", line 66, in run',
            "    features = pd.concat(frames, ignore_index=True).to_numpy(dtype=np.float64)",
            f'  File "{ENV_PATH}/lib/python3.10/site-packages/pandas/core/frame.py", line 1981, in to_numpy',
            "    result = self._mgr.as_array(dtype=dtype, copy=copy, na_value=na_value)",
            f'  File "{ENV_PATH}/lib/python3.10/site-packages/pandas/core/internals/managers.py", line 1692, '
            "in as_array",
            "    arr = self._interleave(dtype=dtype, na_value=na_value)",
            f'  File "{ENV_PATH}/lib/python3.10/site-packages/pandas/core/internals/managers.py", line 1740, '
            "in _interleave",
            "    result = np.empty(self.shape, dtype=dtype)",
            attempt.error,
        ]

    def _score_files(self, std_out: Out, attempt: Attempt, interrupted: bool) -> None:
        """The chatty part: two lines per scored file, plus the odd warning."""
        rng, ts = self.rng, self.stamp.log
        random_ = rng.random
        start, end = attempt.start, attempt.end
        kind = attempt.kind
        span = (end - start - 0.05) / MINI_BATCH_SIZE if kind == OK else (end - start) / (MINI_BATCH_SIZE + 2)
        if interrupted:
            files = max(0, min(MINI_BATCH_SIZE - 1, int((self.stop - start) / span)))
        elif kind == OK:
            files = MINI_BATCH_SIZE
        elif kind in (MEMORY, MODULE):
            files = 1 + int(random_() * 3)
        else:
            files = int(random_() * MINI_BATCH_SIZE)
        lines = [f"{ts(start + 0.004)} INFO score: run() got {MINI_BATCH_SIZE} files (mini batch {attempt.mb})"]
        first = attempt.mb * MINI_BATCH_SIZE
        t = start + 0.01
        total_rows = 0
        for j in range(files):
            name = file_name(first + j)
            path = f"{INPUT_ROOT}/{name}"
            rows = 800 + int(random_() * 1200)
            total_rows += rows
            read = span * (0.25 + 0.2 * random_())
            lines.append(
                f"{ts(t + read)} INFO score: loaded {name} shape=({rows}, 24) nulls={int(random_() * 4)} in {read:.3f}s"
            )
            t += span
            lines.append(
                f"{ts(t)} INFO score: scored {path} rows={rows} in {span - read:.3f}s "
                f"pred_mean={0.3 + 0.3 * random_():.4f}"
            )
            draw = random_()
            if draw < 0.002:
                lines.append(
                    f"{ts(t + 0.001)} WARNING score: {path} has {1 + int(random_() * 9)} rows with missing values; "
                    "filled with the column median"
                )
            elif draw < 0.0026:
                lines.append(
                    f"{ts(t + 0.001)} WARNING py.warnings: {ENV_PATH}/lib/python3.10/site-packages/sklearn/base.py:"
                    "439: UserWarning: X does not have valid feature names, but StandardScaler was fitted with "
                    "feature names"
                )
        if kind == OK and not interrupted:
            lines.append(
                f"{ts(end - 0.009)} INFO score: returning {MINI_BATCH_SIZE} predictions for the append_row output "
                "(predictions.csv)"
            )
            lines.append(
                f"{ts(end - 0.008)} INFO score: mini batch {attempt.mb} done: {files} files, {total_rows} rows, "
                f"errors=0, {end - start:.2f}s"
            )
        elif kind == MEMORY:
            lines.append(f"{ts(end - 0.01)} WARNING score: concatenating {files} frames needs more memory than is free")
        std_out.extend(lines)


@dataclass
class PerfWriter:
    sim: Sim
    node: int
    root: Path
    rng: random.Random
    stamp: Stamp

    def write(self) -> None:
        sim, cfg, rng = self.sim, self.sim.cfg, self.rng
        name = cfg.node_name(self.node)
        folder = self.root / "logs" / "perf" / name
        usage = Out(folder / "node_resource_usage.csv")
        disk = Out(folder / "node_disk_usage.csv")
        procs = Out(folder / "processes_resource_usage.csv")
        usage.add(NODE_USAGE_HEADER)
        disk.add(DISK_HEADER)
        procs.add(PROCESSES_HEADER)
        oom = cfg.failure == "oom" and self.node == cfg.oom_node
        slow = self.node == cfg.slow_node and cfg.nodes > 1
        base = rng.uniform(43.0, 50.0) + (4.0 if self.node == 0 else 0.0)
        t = sim.node_start[self.node] + rng.uniform(0.5, 3.0)
        end = stop_time(sim) + 3.0
        counters = [0.0] * 6
        root_used = rng.uniform(21.0, 24.0)
        mnt_used = rng.uniform(3.0, 5.0)
        snapshot_due = t
        while t < end:
            iso = self.stamp.iso(t)
            memory = sim.oom_memory(t) if oom else base + rng.uniform(-2.0, 2.0)
            used = MEM_TOTAL_MB * memory / 100.0
            cpu = rng.uniform(96.0, 99.9) if slow or (oom and memory > 90.0) else rng.uniform(62.0, 88.0)
            for i, step in enumerate(
                (
                    rng.uniform(900, 1400),
                    rng.uniform(300, 520),
                    rng.uniform(35, 60),
                    rng.uniform(4, 9),
                    rng.uniform(2, 5),
                    rng.uniform(30, 55),
                )
            ):
                counters[i] += step
            usage.add(
                f"{iso},{cpu:.1f},{MEM_TOTAL_MB:.1f},{MEM_TOTAL_MB - used:.1f},{used:.1f},{memory:.1f},"
                f"{counters[0]:.0f},{counters[1]:.0f},{counters[2]:.1f},{counters[3]:.1f},{counters[4]:.1f},"
                f"{counters[5]:.1f},{rng.randrange(28, 64)},{rng.randrange(1, 4)}"
            )
            mnt_used += rng.uniform(0.004, 0.012)
            disk.add(f"{iso},/,29.0,{root_used:.2f},{29.0 - root_used:.2f},{root_used / 29.0 * 100:.1f}")
            disk.add(f"{iso},/mnt,224.0,{mnt_used:.2f},{224.0 - mnt_used:.2f},{mnt_used / 224.0 * 100:.1f}")
            procs.extend(self._process_rows(iso, t, memory))
            if t >= snapshot_due:
                self._snapshot(folder, t, memory)
                snapshot_due += 1800.0
            t += 60.0 + rng.uniform(-0.05, 0.05)
        for out in (usage, disk, procs):
            out.close()

    def _pids_at(self, t: float) -> list[tuple[str, int, float]]:
        """(process name, pid, started at) of the worker processes alive at time t."""
        result = []
        for worker in self.sim.workers:
            if worker.node != self.node:
                continue
            pid, began = 0, 0.0
            for when, event, new_pid, _ in worker.lifecycle:
                if when > t:
                    break
                pid, began = (new_pid, when) if event == "start" else (0, 0.0)
            if pid:
                result.append((proc_name(worker.proc), pid, began))
        return result

    def _leaking(self, name: str, t: float) -> bool:
        cfg, sim = self.sim.cfg, self.sim
        return (
            cfg.failure == "oom"
            and self.node == cfg.oom_node
            and name == proc_name(OOM_PROCESS % cfg.processes)
            and sim.t_deg is not None
            and t >= sim.t_deg
        )

    def _process_rows(self, iso: str, t: float, memory: float) -> list[str]:
        rng, sim = self.rng, self.sim
        rows = [
            f"{iso},{sim.main_pid[self.node]},python agent_manager,{rng.uniform(0.5, 3.0):.1f},"
            f"{rng.uniform(180, 260):.1f},{rng.uniform(0.3, 0.5):.2f}"
        ]
        if self.node == 0:
            rows.append(
                f"{iso},356,python master_role,{rng.uniform(1.0, 6.0):.1f},{rng.uniform(400, 700):.1f},"
                f"{rng.uniform(0.7, 1.2):.2f}"
            )
        for name, pid, _ in self._pids_at(t):
            rss = (
                max(3000.0, (memory - 38.0) / 100.0 * MEM_TOTAL_MB)
                if self._leaking(name, t)
                else rng.uniform(2900, 3400)
            )
            rows.append(f"{iso},{pid},python {name},{rng.uniform(70, 99):.1f},{rss:.1f},{rss / MEM_TOTAL_MB * 100:.2f}")
        return rows

    def _snapshot(self, folder: Path, t: float, memory: float) -> None:
        """``ps aux``-style text in logs/perf/<node>/os/%Y%m%d%H/processes_%M."""
        rng, sim = self.rng, self.sim
        gm = time.gmtime(t)
        path = folder / "os" / time.strftime("%Y%m%d%H", gm) / f"processes_{time.strftime('%M', gm)}"
        node_start = time.strftime("%H:%M", time.gmtime(sim.node_start[self.node]))
        lines = [
            "USER         PID %CPU %MEM      VSZ      RSS TTY      STAT START   TIME COMMAND",
            f"root           1  0.0  0.0     4628     3540 ?        Ss   {node_start}   0:00 /bin/sh -c "
            f"/mnt/azureml/cr/j/{CR_HASH}/exe/wd/run.sh",
            f"root       {sim.main_pid[self.node]:>5}  1.2  0.4  1203340   231240 ?        Sl   {node_start}   "
            f"{int(t - START) // 1500}:{int(t - START) // 25 % 60:02d} {ENV_PATH}/bin/python driver/amlbi_main.py "
            f"--process_count_per_node {sim.cfg.processes}",
        ]
        for name, pid, began in self._pids_at(t):
            cpu = rng.uniform(80.0, 99.0)
            rss_mb = (
                max(3000.0, (memory - 38.0) / 100.0 * MEM_TOTAL_MB)
                if self._leaking(name, t)
                else rng.uniform(2900, 3400)
            )
            rss_kb = int(rss_mb * 1024)
            cpu_secs = int((t - began) * 0.85)
            lines.append(
                f"root       {pid:>5} {cpu:4.1f} {rss_mb / MEM_TOTAL_MB * 100:4.1f} {rss_kb + 900_000:>8} {rss_kb:>8} "
                f"?        Rl   {time.strftime('%H:%M', time.gmtime(began))} {cpu_secs // 60:>3}:{cpu_secs % 60:02d} "
                f"{ENV_PATH}/bin/python -m azureml_sys.parallel_run.worker {name}"
            )
        write_text(path, lines)


# ---------------------------------------------------------------------------------------------------------------------
# Orchestration

_STATE: dict[str, Sim] = {}


def _run_task(task: str) -> tuple[str, float]:
    """One unit of work for the pool (fork start method: the simulation is inherited, not pickled)."""
    sim = _STATE["sim"]
    began = time.perf_counter()
    root = sim.cfg.out
    stamp = Stamp()
    if task == "reports":
        write_reports(sim, root, stamp)
    elif task == "misc":
        write_driver(sim, root, stamp)
        write_overview(sim, root, stamp)
        write_master(sim, root, stamp)
        write_results(sim, root, stamp)
    else:
        NodeWriter(sim, int(task.split("-")[1]), root, stamp).write()
    return task, time.perf_counter() - began


FAMILIES = (
    ("user stdout", "logs/user/stdout/"),
    ("entry script log", "logs/user/entry_script_log/"),
    ("user error", "logs/user/error"),
    ("job report csv", "logs/sys/job_report/"),
    ("sys node logs", "logs/sys/node/"),
    ("master role", "logs/sys/master_role"),
    ("progress overview", "logs/job_progress_overview"),
    ("perf", "logs/perf/"),
    ("driver/std/system", ""),
)


def family_of(rel: str) -> str:
    for family, prefix in FAMILIES:
        if prefix and rel.startswith(prefix):
            return family
    if rel.startswith(("azureml-logs/", "user_logs/", "system_logs/")):
        return "driver/std/system"
    return "other"


def summarise(root: Path) -> tuple[int, int, dict[str, tuple[int, int]]]:
    total = files = 0
    families: dict[str, tuple[int, int]] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            size = os.path.getsize(path)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            family = family_of(rel)
            count, nbytes = families.get(family, (0, 0))
            families[family] = (count + 1, nbytes + size)
            total += size
            files += 1
    return total, files, families


def parse_args(argv: list[str] | None) -> tuple[Config, int]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder (created; must be empty unless --force)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 200,000 mini-batches, about 800 MB")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--nodes", type=int, default=16)
    parser.add_argument("--processes", type=int, default=4, help="processes per node")
    parser.add_argument("--failure", choices=FAILURES, default="oom", help="the hidden root cause")
    parser.add_argument("--ip-nodes", action="store_true", help="name node folders 10.0.0.N instead of 0..N-1")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="writer processes (default: cores)")
    parser.add_argument("--force", action="store_true", help="delete OUT first if it is not empty")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.nodes < 1 or args.processes < 1:
        parser.error("--scale, --nodes and --processes must be positive")
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            parser.error(f"{args.out} is not empty (use --force to replace it)")
        shutil.rmtree(args.out)
    cfg = Config(args.out, args.scale, args.seed, args.nodes, args.processes, args.failure, args.ip_nodes)
    return cfg, max(1, args.jobs)


def main(argv: list[str] | None = None) -> int:
    cfg, jobs = parse_args(argv)
    began = time.perf_counter()
    sim = Simulator(cfg).run()
    _STATE["sim"] = sim
    simulated = time.perf_counter() - began
    cfg.out.mkdir(parents=True, exist_ok=True)
    tasks = ["reports", "misc"] + [f"node-{n}" for n in range(cfg.nodes)]
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            list(pool.imap_unordered(_run_task, tasks))
    else:
        for task in tasks:
            _run_task(task)
    elapsed = time.perf_counter() - began
    report(sim, cfg, simulated, elapsed)
    return 0


def report(sim: Sim, cfg: Config, simulated: float, elapsed: float) -> None:
    total, files, families = summarise(cfg.out)
    print(f"Wrote {cfg.out}: {total / 1e6:,.1f} MB in {files} files, {elapsed:.1f} s (simulation {simulated:.1f} s).")
    for family, (count, nbytes) in sorted(families.items(), key=lambda item: -item[1][1]):
        print(f"  {family:<20} {nbytes / 1e6:>9,.1f} MB  {count:>5} files")
    rows = len(sim.attempts) - len(sim.interrupted)
    print(
        f"Job: {cfg.mini_batches} mini-batches, {len(sim.first_done)} processed, {rows} report rows, "
        f"{sim.failed_rows} failed rows, {sim.failed_items_final} failed items (final state), "
        f"span {fmt_duration(sim.t_end - START)}, failure={cfg.failure}."
    )
    if cfg.failure == "oom":
        node = cfg.node_name(cfg.oom_node)
        print(
            f"Hidden failure: logs/sys/node/{node}/_main.txt has {len(sim.kills)} x "
            f"'{proc_name(OOM_PROCESS % cfg.processes)} exits with returncode -9.' "
            f"(first {time.strftime('%H:%M:%S', time.gmtime(sim.kills[0] + 0.41)) if sim.kills else '-'})."
        )
    elif cfg.failure == "module":
        print(
            f"Hidden failure: logs/user/error/{cfg.node_name(cfg.module_node)}/process*.txt "
            "ModuleNotFoundError: No module named 'lightgbm'."
        )


if __name__ == "__main__":
    sys.exit(main())
