"""The Markdown report for tickets and GitHub issues: goldens, structure, escaping and redaction.

Goldens: ``tests/golden_html/<scenario>.md`` (same frozen inputs as the HTML goldens); ``pytest --update-golden``
rewrites them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from azext_batchtroubleshoot.render.files import write_report  # noqa: E402
from azext_batchtroubleshoot.render.markdown import render_markdown  # noqa: E402
from tests.golden_html.support import HERE, SCENARIOS, compare_golden, scenario  # noqa: E402


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markdown-report")


@pytest.mark.parametrize("name", SCENARIOS)
def test_golden(name: str, workdir: Path, request: pytest.FixtureRequest) -> None:
    report, _ = scenario(name, workdir)
    target = workdir / f"{name}.md"
    write_report(report, str(target))
    update = bool(request.config.getoption("--update-golden", default=False))
    compare_golden(HERE / f"{name}.md", target.read_text(encoding="utf-8"), update)


def test_structure(workdir: Path) -> None:
    report, _ = scenario("partial", workdir)
    text = render_markdown(report)
    lines = text.splitlines()
    assert lines[0] == "## Batch job diagnosis: ◐ PARTIAL"
    root = report["root_cause"]
    assert f"### Root cause: {root['title']}" in text
    # The root cause's evidence is a code block with file:line and the excerpt under it.
    block = re.search(r"\*\*Evidence\*\*\n\n```text\n(.*?)\n```", text, re.S)
    assert block is not None
    for item in root["evidence"]:
        assert f"{item['path']}:{item['line']}\n    {item['excerpt']}" in block.group(1)
    # One table row per finding, numbered in rank order.
    rows = [line for line in lines if re.match(r"^\| \d+ \| (error|warning|info) \|", line)]
    assert len(rows) == len(report["findings"])
    assert all(row.count(" | ") == 6 for row in rows)
    # The long parts are folded, each <summary> followed by the blank line GitHub needs.
    assert text.count("<details>") == text.count("</details>") >= 2
    for index, line in enumerate(lines):
        if line.startswith("<summary>"):
            assert lines[index + 1] == "", line
    assert "| Mini-batches | 120 total · 118 succeeded · 2 failed · 7 retried |" in text
    assert text.endswith("</sub>\n")


def _report(message: str, **extra: Any) -> dict[str, Any]:
    finding = {
        "rule_id": "BT990",
        "name": "unknown-error",
        "category": "entry-script",
        "severity": "error",
        "title": "Unrecognised error",
        "message": message,
        "remedy": "Look at __init__ and <stdin>.",
        "evidence": [{"path": "logs/a`b.txt", "line": 1, "excerpt": "``` not the end of the block\nsecond line"}],
        "count": 1,
        "docs_url": None,
        "role": "cause",
        "nodes": [],
        "processes": [],
        "first_seen": None,
        "last_seen": None,
        **extra,
    }
    return {"verdict": "failed", "summary": message, "root_cause": finding, "findings": [finding, dict(finding)]}


def test_text_from_the_logs_cannot_become_markdown_or_html() -> None:
    text = render_markdown(_report("Boom | in __init__ at <module> with *stars* and [link](http://x) `tick`"))
    assert "<module>" not in text and "\\<module\\>" in text
    assert "\\_\\_init\\_\\_" in text and "\\*stars\\*" in text and "\\[link\\]" in text
    row = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    assert "Boom \\| in" in row and row.count(" | ") == 6
    assert "``logs/a`b.txt:1``" in row  # a backtick inside a code span
    assert "process_count_per_node" in render_markdown(_report("set process_count_per_node"))  # snake_case stays
    # An excerpt holding ``` gets a longer fence, so the block is not cut short.
    assert "````text\nlogs/a`b.txt:1\n    ``` not the end of the block\nsecond line\n````" in text


def test_secrets_are_masked() -> None:
    sas = "https://acct.blob.core.windows.net/c/x.csv?sv=2022-11-02&sig=U0VDUkVUU0lHTkFUVVJF"
    text = render_markdown(_report(f"cannot read {sas} with AccountKey=S0VZU0VDUkVUS0VZ=="))
    assert "U0VDUkVUU0lHTkFUVVJF" not in text and "S0VZU0VDUkVUS0VZ" not in text
    assert "sig=***" in text


def test_job_and_links() -> None:
    report = _report("x", docs_url="https://learn.microsoft.com/azure/machine-learning/x")
    report["job"] = {
        "name": "job-1",
        "parent_name": "p-1",
        "status": "Failed",
        "studio_url": "https://ml.azure.com/r/1",
    }
    text = render_markdown(report)
    assert "| Job | `job-1` (parent `p-1`) |" in text and "| Studio | <https://ml.azure.com/r/1> |" in text
    assert "**Docs:** <https://learn.microsoft.com/azure/machine-learning/x>" in text


def test_empty_report() -> None:
    text = render_markdown({"verdict": "unknown", "summary": "The logs are too incomplete."})
    assert "? UNKNOWN" in text and "Nothing to report." in text and "The logs give no numbers." in text
