"""Every rule against its fixture trees (docs/writing-rules.md, "Fixtures").

``tests/rules/<CODE>_<name>/fires/`` must produce a finding of that rule, ``quiet/`` (a near miss) must not, and an
optional ``expect.json`` says what the whole diagnosis of ``fires/`` must conclude.  The folders are discovered on
disk, so a new rule's fixtures are picked up without touching this file; a registered rule without fixtures fails.

``expect.json``: ``{"verdict": ..., "root_cause": null | {"rule_id", "category", "message_contains": [...],
"evidence_path"}}``; every key is optional.  Fixtures of symptom and noise rules leave ``rule_id`` out and name the
decisive detail instead, so that a new, more specific cause rule does not break them.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.rules import BY_CODE, REGISTRY

RULES_DIR = Path(__file__).parent / "rules"
FOLDER_NAME = re.compile(r"^(BT\d{3})_[a-z0-9][a-z0-9_-]*$")


def _folders() -> list[Path]:
    if not RULES_DIR.is_dir():
        return []
    return sorted(path for path in RULES_DIR.iterdir() if path.is_dir() and not path.name.startswith((".", "_")))


FOLDERS = _folders()
WITH_EXPECT = [folder for folder in FOLDERS if (folder / "expect.json").is_file()]


def _code(folder: Path) -> str:
    match = FOLDER_NAME.match(folder.name)
    assert match, f"{folder.name}: fixture folders are named <CODE>_<rule name>, e.g. BT101_missing-python-module"
    return match.group(1)


@cache
def _report(tree: str) -> dict[str, Any]:
    return analyse_folder(tree).to_dict()


def _describe(report: dict[str, Any]) -> str:
    lines = [f"verdict={report['verdict']} summary={report['summary']!r}"]
    for finding in report["findings"]:
        evidence = finding["evidence"][0] if finding["evidence"] else {}
        lines.append(
            f"  {finding['rule_id']} {finding['severity']}/{finding['role']} x{finding['count']}: "
            f"{finding['message']} @ {evidence.get('path')}:{evidence.get('line')}"
        )
    if report["sources"]["rule_errors"]:
        lines.append(f"  rule errors: {report['sources']['rule_errors']}")
    return "\n".join(lines)


def _rule_ids(report: dict[str, Any]) -> list[str]:
    return [finding["rule_id"] for finding in report["findings"]]


@pytest.mark.parametrize("rule", REGISTRY, ids=lambda rule: rule.code)
def test_every_rule_has_fixture_trees(rule: Any) -> None:
    expected = RULES_DIR / f"{rule.code}_{rule.name}"
    matching = [folder for folder in FOLDERS if folder.name.startswith(f"{rule.code}_")]
    assert matching, (
        f"{rule.code} has no fixtures: create {expected.relative_to(RULES_DIR.parent.parent)}/fires and /quiet"
    )
    assert len(matching) == 1, f"{rule.code} has several fixture folders: {[f.name for f in matching]}"
    for variant in ("fires", "quiet"):
        tree = matching[0] / variant
        assert tree.is_dir(), f"{matching[0].name} lacks {variant}/"
        assert any(path.is_file() for path in tree.rglob("*")), f"{matching[0].name}/{variant}/ holds no files"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_fixture_folder_belongs_to_a_registered_rule(folder: Path) -> None:
    code = _code(folder)
    assert code in BY_CODE, f"{folder.name}: no rule {code} in azext_batchtroubleshoot.rules.REGISTRY"
    name = BY_CODE[code].name
    # <CODE>_<rule name> (kebab-case, as `rules list` prints it) or the module's slug with underscores.
    assert folder.name in (f"{code}_{name}", f"{code}_{name.replace('-', '_')}"), (
        f"{folder.name}: expected {code}_{name}"
    )


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_fires(folder: Path) -> None:
    code = _code(folder)
    report = _report(str(folder / "fires"))
    assert not report["sources"]["rule_errors"], _describe(report)
    if code not in _rule_ids(report):
        pytest.fail(f"{code} did not fire on {folder.name}/fires:\n{_describe(report)}")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_quiet(folder: Path) -> None:
    code = _code(folder)
    report = _report(str(folder / "quiet"))
    assert not report["sources"]["rule_errors"], _describe(report)
    if code in _rule_ids(report):
        pytest.fail(f"{code} fired on the near miss {folder.name}/quiet:\n{_describe(report)}")


@pytest.mark.parametrize("folder", WITH_EXPECT, ids=lambda folder: folder.name)
def test_expected_diagnosis(folder: Path) -> None:
    expect = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
    unknown = set(expect) - {"verdict", "root_cause"}
    assert not unknown, f"{folder.name}/expect.json: unknown keys {sorted(unknown)}"
    if expect.get("root_cause"):
        unknown = set(expect["root_cause"]) - {"rule_id", "category", "message_contains", "evidence_path"}
        assert not unknown, f"{folder.name}/expect.json: unknown root_cause keys {sorted(unknown)}"
    report = _report(str(folder / "fires"))
    context = f"{folder.name}/fires:\n{_describe(report)}"
    if "verdict" in expect:
        assert report["verdict"] == expect["verdict"], context
    if "root_cause" not in expect:
        return
    wanted = expect["root_cause"]
    root = report["root_cause"]
    if wanted is None:
        assert root is None, context
        return
    assert root is not None, f"no root cause; {context}"
    assert root == report["findings"][0], context
    if "rule_id" in wanted:
        assert root["rule_id"] == wanted["rule_id"], context
    if "category" in wanted:
        assert root["category"] == wanted["category"], context
    for text in wanted.get("message_contains", []):
        assert text in root["message"], f"{text!r} not in the root cause's message; {context}"
    if "evidence_path" in wanted:
        assert root["evidence"], f"the root cause has no evidence; {context}"
        first = root["evidence"][0]["path"]
        assert first.startswith(wanted["evidence_path"]), f"first evidence {first!r}; {context}"
