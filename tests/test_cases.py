"""Whole jobs where a cause, its symptoms and known noise meet, judged the way users judge the tool: the right root
cause (category, decisive detail, the file that proves it), the right verdict, and never noise or a symptom on top.

Each case is a log tree under ``tests/cases/<case>/``; ``tests/cases/expectations.json`` says what must come out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder

CASES = Path(__file__).parent / "cases"
EXPECTATIONS: dict[str, dict[str, Any]] = json.loads((CASES / "expectations.json").read_text())


@pytest.mark.parametrize("case", sorted(EXPECTATIONS))
def test_case(case: str) -> None:
    expected = EXPECTATIONS[case]
    report = analyse_folder(str(CASES / case)).to_dict()
    assert report["verdict"] == expected["verdict"], report["summary"]
    root = report["root_cause"]
    if expected["rule_id"] is None:
        assert root is None, root
        return
    assert root is not None, report["summary"]
    assert (root["rule_id"], root["category"]) == (expected["rule_id"], expected["category"]), root["message"]
    for text in expected.get("contains", []):
        assert text in root["message"], root["message"]
    assert root["evidence"][0]["path"].startswith(expected["evidence"]), root["evidence"]
    assert root["role"] == "cause"
    present = {finding["rule_id"] for finding in report["findings"]}
    assert not present & set(expected.get("not_rules", [])), present
