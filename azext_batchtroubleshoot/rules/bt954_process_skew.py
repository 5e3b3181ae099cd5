"""BT954 process-skew: one worker process was busy much longer than the others."""

from __future__ import annotations

from typing import ClassVar

from ..core.thresholds import Bands
from ..logs.facts import JobFacts
from ..logs.tables import GroupStats
from .bt953_node_skew import NodeSkew

# Busy time of the busiest process over the median process. Processes vary more than nodes (a replaced process
# starts late), so the bands are wider than for nodes.
PROCESS_SKEW_INFO = 1.5
PROCESS_SKEW_WARNING = 2.5
PROCESS_SKEW_ERROR = 4.0
PROCESS_SKEW_BANDS = Bands(info=PROCESS_SKEW_INFO, warning=PROCESS_SKEW_WARNING, error=PROCESS_SKEW_ERROR)


class ProcessSkew(NodeSkew):
    code = "BT954"
    name = "process-skew"
    title = "Work was spread unevenly across worker processes"
    remedy = (
        "Look at the slowest mini-batches of the busiest process (processed_mini-batches.csv): a few large input "
        "files or slow items hold one process while the rest wait; smaller mini-batches let the work spread. If "
        "processes were restarted (many processNNN files), fix what killed them."
    )
    what = (
        "The busy time of each worker process is the sum of its mini-batches' Elapsed Seconds; the finding compares "
        "the busiest process with the median process."
    )
    why = "The job ends when its busiest process ends; some mini-batches take much longer than others."
    example = "Process 0/process002 was busy 2 h 40 min, 3.1× the median process (52 min) across 8 processes."
    phase = 82
    bands: ClassVar[Bands] = PROCESS_SKEW_BANDS
    unit: ClassVar[str] = "process"
    units: ClassVar[str] = "processes"
    summary_file: ClassVar[str] = "process_summary.csv"

    def groups(self, facts: JobFacts) -> dict[str, GroupStats]:
        return dict(facts.minibatches.by_process)
