"""Golden files for the renderers: the JSON contract, the text report, ``-o table`` and the Markdown report.

``pytest tests/test_golden.py --update-golden`` rewrites ``tests/golden/<scenario>/`` from the current code; review
the diff before committing it.  The absolute root of the analysed folder is replaced by ``<ROOT>``.

The scenarios are analysed with the rules listed in ``GOLDEN_RULES`` (in registry order), so that adding a rule
elsewhere does not rewrite these files; a change to a renderer or to one of these rules' messages does.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Callable

import pytest
from knack.output import CommandResultItem, format_table

from azext_batchtroubleshoot.core.engine import analyse_tree
from azext_batchtroubleshoot.logs.layout import walk_tree
from azext_batchtroubleshoot.render.markdown import render_markdown
from azext_batchtroubleshoot.render.table import findings_table
from azext_batchtroubleshoot.render.text import render_text
from azext_batchtroubleshoot.rules import BY_CODE, REGISTRY

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
SCENARIOS = {
    "init-missing-module": TESTS.parent / "samples" / "init-missing-module",
    "partial-run-exception": TESTS / "rules" / "BT202_run-exception" / "fires",
    "healthy": TESTS / "rules" / "BT601_process-killed-oom" / "quiet",
}
EXPECTED_VERDICT = {"init-missing-module": "failed", "partial-run-exception": "partial", "healthy": "healthy"}
GOLDEN_RULES = [
    *("BT101", "BT102", "BT103", "BT104", "BT201", "BT202", "BT203", "BT501", "BT601", "BT602", "BT603", "BT701"),
    *("BT702", "BT801", "BT901", "BT902", "BT903", "BT904", "BT905", "BT906", "BT921", "BT922", "BT990"),
]
ROOT_TOKEN = "<ROOT>"


def _report(folder: Path) -> dict[str, Any]:
    missing = [code for code in GOLDEN_RULES if code not in BY_CODE]
    assert not missing, f"rules {missing} are gone: update GOLDEN_RULES and run --update-golden"
    rules = [rule for rule in REGISTRY if rule.code in GOLDEN_RULES]
    return analyse_tree(walk_tree(str(folder)), rules=rules).to_dict()


def _normalise(text: str, root: str) -> str:
    return text.replace(root, ROOT_TOKEN)


def _json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _table(report: dict[str, Any]) -> str:
    return format_table(CommandResultItem(report, table_transformer=findings_table))


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "report.json": _json,
    "report.txt": lambda report: render_text(report, color=False),
    "table.txt": _table,
    "report.md": render_markdown,
}


def _compare(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    if not path.exists():
        pytest.fail(f"{path.relative_to(TESTS.parent)} is missing: run pytest {__file__} --update-golden")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{path.parent.name}/{path.name}",
                tofile="actual",
            )
        )
        pytest.fail(f"{path.name} differs from the golden file (run with --update-golden if intended):\n{diff}")


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_golden(scenario: str, renderer: str, update_golden: bool) -> None:
    folder = SCENARIOS[scenario]
    report = _report(folder)
    assert report["verdict"] == EXPECTED_VERDICT[scenario]
    assert report["sources"]["root"] == str(folder)
    actual = _normalise(RENDERERS[renderer](report), str(folder))
    assert str(TESTS.parent) not in actual, "an absolute path is left in the output"
    _compare(GOLDEN / scenario / renderer, actual, update_golden)


def test_json_golden_is_the_contract() -> None:
    for scenario in SCENARIOS:
        path = GOLDEN / scenario / "report.json"
        if not path.exists():
            pytest.skip("golden files not written yet")
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["schema_version"] == "1"
        assert data["sources"]["root"] == ROOT_TOKEN
        assert data["root_cause"] is None or data["root_cause"] == data["findings"][0]


def test_text_report_starts_with_the_verdict() -> None:
    for scenario, verdict in EXPECTED_VERDICT.items():
        text = render_text(_report(SCENARIOS[scenario]), color=False)
        assert text.split()[1] == verdict.upper()
        assert "\x1b[" not in text
