"""Reading a tree with worker processes gives the report one process gives: with the mini-batch report read by a
worker, or split between a worker and this process (thresholds lowered so that the small test trees take those
paths)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.logs import facts as facts_module
from azext_batchtroubleshoot.logs import tables_fast

TESTS = Path(__file__).resolve().parent
TREES = [TESTS.parent / "samples" / "init-missing-module"]
TREES += sorted(p for p in (TESTS / "cases").iterdir() if p.is_dir())
TREES += sorted(p for p in (TESTS / "rules").glob("*/fires") if p.is_dir() and any(p.rglob("processed_*.csv")))


def _report(tree: Path, workers: int) -> dict[str, Any]:
    report = analyse_folder(str(tree), workers=workers).to_dict()
    report.pop("generated_at", None)
    return report


@pytest.mark.parametrize("split", [False, True], ids=["report-in-a-worker", "report-split"])
def test_workers_give_the_same_report(monkeypatch: pytest.MonkeyPatch, split: bool) -> None:
    serial = {tree: _report(tree, 1) for tree in TREES}
    monkeypatch.setattr(facts_module, "PARALLEL_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(facts_module, "PARALLEL_FILE_BYTES", 1500)
    monkeypatch.setattr(tables_fast, "SPLIT_MIN_BYTES", 0 if split else 1 << 40)
    different = [tree for tree in TREES if _report(tree, 2) != serial[tree]]
    assert not different, [str(tree.relative_to(TESTS.parent)) for tree in different]


def test_the_split_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The split path really runs on these trees (so the test above covers it)."""
    monkeypatch.setattr(facts_module, "PARALLEL_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(tables_fast, "SPLIT_MIN_BYTES", 0)
    tails: list[str] = []
    original = tables_fast.PendingParts
    monkeypatch.setattr(facts_module, "PendingParts", lambda path, *rest: tails.append(path) or original(path, *rest))
    with_report = [tree for tree in TREES if any(tree.rglob("processed_*.csv"))]
    for tree in with_report:
        analyse_folder(str(tree), workers=2)
    assert len(tails) == len(with_report) > 10


def _die(*_args: Any) -> None:
    os._exit(9)  # as the kernel's out-of-memory killer ends a process: no exception, no clean-up


@pytest.mark.parametrize("task", ["_scan_in_worker", "read_part"])
def test_a_worker_that_dies_costs_time_not_the_report(monkeypatch: pytest.MonkeyPatch, task: str) -> None:
    tree = next(tree for tree in TREES if any(tree.rglob("processed_*.csv")))
    serial = _report(tree, 1)
    monkeypatch.setattr(facts_module, "PARALLEL_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(facts_module, "PARALLEL_FILE_BYTES", 100)
    monkeypatch.setattr(tables_fast, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(facts_module, task, _die)  # the workers are forked: they run the patched function
    assert _report(tree, 2) == serial
