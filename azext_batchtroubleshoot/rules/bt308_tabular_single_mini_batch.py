"""BT308 tabular-single-mini-batch: a tabular input that could not be partitioned became one mini-batch.

A TabularDataset from a single parquet file with a single row group (or one backed by SQL) cannot be split, so
whatever mini_batch_size says, the whole input is one mini-batch and one process does all the work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import Rule, pick_evidence

_TABULAR = re.compile(r"task provider type is Tabular\w*|\"partition_size\": \d+|--input_ds_\d+")


def _int(value: str | None) -> int:
    try:
        return int(str(value).strip("'\""))
    except ValueError:
        return 0


class TabularSingleMiniBatch(Rule):
    code = "BT308"
    name = "tabular-single-mini-batch"
    category = Category.INPUT_DATA
    severity = Severity.WARNING
    role = Role.ADVICE
    title = "The tabular input could not be split: one mini-batch holds all of it"
    remedy = (
        "Write the input as several files, or as parquet with several row groups (for example pyarrow "
        "write_table(..., row_group_size=100_000)), so it can be partitioned into mini-batches; export SQL-backed "
        "datasets to files first. mini_batch_size (for example '10MB') only splits inputs that can be partitioned."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "The master scheduled a single mini-batch for a tabular input although the job had several worker "
        "processes: a single parquet file with one row group, or a SQL-backed dataset, cannot be partitioned."
    )
    why = "One process scores everything while the others idle, and the one mini-batch is likely to time out."
    example = "Scheduling finished. Scheduled 1 mini batches in 4 seconds. There are 1 tasks with 2400000 items."
    phase = 30
    triggers = ("task provider type is", '"partition_size"', "--input_ds_")

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        overview = facts.overview
        if overview.scheduled_mini_batches != 1 or overview.scheduled_at is None:
            return
        tabular = [h for h in facts.hits(*self.triggers) if _TABULAR.search(h.text)]
        if not tabular:
            return
        processes = max(1, _int(facts.settings.get("process_count_per_node"))) * max(
            1, _int(facts.settings.get("node_count")), len(facts.nodes)
        )
        processes = max(processes, len(facts.processes))
        if processes < 2:
            return
        items = overview.scheduled_items
        rows = f" ({items} rows)" if items else ""
        scheduled = overview.scheduled_at
        evidence = [Evidence(scheduled.path, scheduled.line, scheduled.text), *pick_evidence(tabular, limit=2)]
        message = (
            f"The whole tabular input{rows} became 1 mini-batch although the job had {processes} worker processes: "
            "it could not be partitioned (a single parquet file with one row group, or a SQL-backed dataset)."
        )
        finding = self.make(message, _first_per_file(tabular), evidence=evidence, count=1)
        finding.first_seen = finding.first_seen or scheduled.timestamp
        finding.claimed = set()  # advice explains no error line: the lines it cites stay open to other rules
        yield finding


def _first_per_file(hits: list[Hit]) -> list[Hit]:
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.file.path, hit)
    return list(seen.values())
