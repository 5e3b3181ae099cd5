"""``check deployment`` / ``check invoke``: every check fires on its fixture and stays quiet on the near miss, the
static analysis never runs user code, and the CLI's exit codes follow ``--fail-on``.

Fixtures: ``tests/checks/<CODE>_<name>/{fires,quiet}/`` hold a deployment (``deployment.yml`` and the files it names,
shaped like the public azureml-examples batch deployments) or an invocation (``invoke.json``: the arguments of
``check invoke``, paths relative to the folder).  An optional ``expect.json`` in ``fires/`` says what the finding
must look like: ``severity``, ``message_contains`` and ``evidence`` (``path:line`` of one of its evidence items).
"""

from __future__ import annotations

import io
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from azext_batchtroubleshoot.checks import CHECKS, DEPLOYMENT_CHECKS, INVOKE_CHECKS, find_check
from azext_batchtroubleshoot.checks.invoke import InvokeRequest, classify_input, classify_output
from azext_batchtroubleshoot.checks.packages import may_resolve_below, may_resolve_to
from azext_batchtroubleshoot.checks.runner import check_deployment, check_invocation
from azext_batchtroubleshoot.checks.script import analyse_script
from azext_batchtroubleshoot.core.errors import InputFileError
from azext_batchtroubleshoot.core.models import Report

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "checks"
# Checks that need a workspace: tested against the fake Azure ML service in test_checks_online.py.
ONLINE_ONLY = {"BTI112", "BTI113"}
BT = ("ml", "batch-troubleshoot")


def _cases() -> list[tuple[str, str, Path]]:
    found = []
    for folder in sorted(FIXTURES.iterdir()):
        if folder.is_dir():
            code = folder.name.split("_", 1)[0]
            for which in ("fires", "quiet"):
                found.append((code, which, folder / which))
    return found


def run_fixture(folder: Path) -> Report:
    if (folder / "deployment.yml").exists():
        return check_deployment(folder / "deployment.yml")
    request = json.loads((folder / "invoke.json").read_text(encoding="utf-8"))
    return check_invocation(InvokeRequest(base_dir=folder, **request))


# --------------------------------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize(("code", "which", "folder"), _cases(), ids=[f"{c}-{w}" for c, w, _ in _cases()])
def test_check_fixture(code: str, which: str, folder: Path) -> None:
    report = run_fixture(folder)
    assert report.sources.rule_errors == []
    mine = [f for f in report.findings if f.rule_id == code]
    if which == "quiet":
        assert mine == [], [f.message for f in mine]
        return
    assert mine, f"{code} did not fire; findings: {[(f.rule_id, f.message) for f in report.findings]}"
    expect_file = folder / "expect.json"
    if not expect_file.exists():
        return
    expect = json.loads(expect_file.read_text(encoding="utf-8"))
    first = mine[0]
    assert first.severity.label == expect["severity"]
    for text in expect.get("message_contains", []):
        assert any(text in f.message for f in mine), (text, [f.message for f in mine])
    if "evidence" in expect:
        places = {f"{e.path}:{e.line}" if e.line else e.path for f in mine for e in f.evidence}
        assert expect["evidence"] in places, places
    assert report.verdict.value == ("failed" if expect["severity"] == "error" else "healthy")


def test_every_check_has_fires_and_quiet_fixtures() -> None:
    folders = {folder.name.split("_", 1)[0]: folder for folder in FIXTURES.iterdir() if folder.is_dir()}
    for check in CHECKS:
        if check.code in ONLINE_ONLY:
            continue
        folder = folders.get(check.code)
        assert folder is not None, f"no fixture folder for {check.code}"
        assert folder.name == f"{check.code}_{check.name}"
        assert (folder / "fires").is_dir() and (folder / "quiet").is_dir()


def test_checks_are_documented_and_codes_are_unique() -> None:
    codes = [c.code for c in CHECKS]
    names = [c.name for c in CHECKS]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for check in DEPLOYMENT_CHECKS:
        assert check.code.startswith("BTD") and check.kind == "deployment"
    for check in INVOKE_CHECKS:
        assert check.code.startswith("BTI") and check.kind == "invoke"
    for check in CHECKS:
        assert check.name == check.name.lower() and " " not in check.name
        for text in (check.title, check.remedy, check.what, check.why, check.example):
            assert text and text.strip() == text
        assert find_check(check.code) is check and find_check(check.name) is check


def test_rules_catalog_lists_and_shows_checks() -> None:
    from azext_batchtroubleshoot.rules import find_rule
    from azext_batchtroubleshoot.rules.catalog import describe_rule, list_rules, render_rule

    listed = {row["code"]: row for row in list_rules()}
    assert listed["BT101"]["kind"] == "log"
    assert listed["BTD116"]["kind"] == "deployment" and listed["BTI112"]["kind"] == "invoke"
    assert {row["code"] for row in list_rules(kind="check")} == {c.code for c in CHECKS}
    assert all(row["category"] == "output" for row in list_rules(category="output"))
    check = find_rule("run-returns-nothing")
    assert check is not None and check.code == "BTD116"
    assert "What it means" in render_rule(check)
    assert describe_rule(check, full=True)["why_it_matters"]


# --------------------------------------------------------------------------------------------------- YAML input


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def test_bad_yaml_says_line_and_column(tmp_path: Path) -> None:
    _write(tmp_path, {"deployment.yml": "name: d\nsettings:\n  mini_batch_size: 10\n   logging_level: info\n"})
    with pytest.raises(InputFileError) as raised:
        check_deployment(tmp_path / "deployment.yml")
    assert "not valid YAML" in raised.value.message and "line 4, column" in raised.value.message


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("- a\n- b\n", "not a mapping"),
        ("$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: e\n", "endpoint YAML"),
        ("name: x\nrequest_settings: {request_timeout_ms: 90000}\n", "online deployment"),
        ("name: x\ndescription: y\n", "does not look like a batch deployment"),
    ],
)
def test_files_that_are_not_batch_deployments_are_refused(tmp_path: Path, text: str, wanted: str) -> None:
    (tmp_path / "deployment.yml").write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as raised:
        check_deployment(tmp_path / "deployment.yml")
    assert wanted in raised.value.message


def test_missing_deployment_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        check_deployment(tmp_path / "nope.yml")


# --------------------------------------------------------------------------------------------------- user code


MARKER_SCRIPT = """
    import pathlib
    import sys

    # Importing this module has side effects: the check must never import or run it.
    pathlib.Path(__file__).with_name("IMPORTED.marker").write_text("imported")
    print("SCORE SCRIPT WAS EXECUTED")
    sys.exit(3)


    def init():
        pathlib.Path(__file__).with_name("INIT.marker").write_text("init")


    def run(mini_batch):
        pathlib.Path(__file__).with_name("RUN.marker").write_text("run")
        for path in mini_batch:
            print(path)
"""


def _marker_deployment(tmp_path: Path) -> Path:
    return _write(
        tmp_path,
        {
            "deployment.yml": """
                type: model
                name: side-effects
                endpoint_name: e
                model: azureml:m:1
                code_configuration: {code: code, scoring_script: score.py}
                environment: {image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest, conda_file: c.yaml}
                compute: azureml:cpu-cluster
            """,
            "code/score.py": MARKER_SCRIPT,
            "code/helper.py": "import pathlib\npathlib.Path(__file__).with_name('HELPER.marker').write_text('x')\n",
            "c.yaml": "dependencies: [python=3.10, pip, {pip: [azureml-core]}]\n",
        },
    )


def test_user_code_is_never_executed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _marker_deployment(tmp_path)
    modules = set(sys.modules)
    report = check_deployment(root / "deployment.yml")
    assert not list((root / "code").glob("*.marker"))
    assert "SCORE SCRIPT WAS EXECUTED" not in capsys.readouterr().out
    assert {"score", "helper"} & (set(sys.modules) - modules) == set()
    # ...and it was analysed statically all the same: run() never returns a value.
    assert [f.rule_id for f in report.findings if f.severity.label == "error"] == ["BTD116"]


# --------------------------------------------------------------------------------------------------- analysis


def _run_problems(body: str) -> tuple[bool, list[str]]:
    analysis = analyse_script("def init():\n    pass\n\n" + textwrap.dedent(body))
    assert analysis.syntax_error is None, analysis.syntax_error
    return analysis.run_returns_value, [p.kind for p in analysis.run_problems]


@pytest.mark.parametrize(
    ("body", "returns", "problems"),
    [
        ("def run(mb):\n    return mb\n", True, []),
        ("def run(mb):\n    if mb:\n        return mb\n    else:\n        return []\n", True, []),
        ("def run(mb):\n    if mb:\n        return mb\n", True, ["falls-off-end"]),
        ("def run(mb):\n    if not mb:\n        return\n    return mb\n", True, ["bare-return"]),
        ("def run(mb):\n    if not mb:\n        return None\n    return mb\n", True, ["return-none"]),
        ("def run(mb):\n    try:\n        return f(mb)\n    except ValueError:\n        raise\n", True, []),
        (
            "def run(mb):\n    try:\n        return f(mb)\n    except ValueError:\n        log()\n",
            True,
            ["falls-off-end"],
        ),
        ("def run(mb):\n    try:\n        x = f(mb)\n    finally:\n        return x\n", True, []),
        ("def run(mb):\n    while True:\n        return mb\n", True, []),
        ("def run(mb):\n    while True:\n        if g():\n            break\n", False, ["falls-off-end"]),
        ("def run(mb):\n    for p in mb:\n        return [p]\n", True, ["falls-off-end"]),
        ("def run(mb):\n    for p in mb:\n        pass\n    else:\n        return mb\n", True, []),
        ("def run(mb):\n    with open(mb[0]) as f:\n        return [f.read()]\n", True, []),
        ("def run(mb):\n    if mb:\n        return mb\n    sys.exit(1)\n", True, []),
        ("def run(mb):\n    for p in mb:\n        yield p\n", False, ["generator", "falls-off-end"]),
        ("def run(mb):\n    def helper():\n        return\n    return [helper()]\n", True, []),
        ("def run(mb):\n    cb = lambda: None\n    results = [cb() for _ in mb]\n    return results\n", True, []),
        (
            "def run(mb):\n    match len(mb):\n        case 0:\n            return []\n"
            "        case _:\n            return mb\n",
            True,
            [],
        ),
        ("def run(mb):\n    match len(mb):\n        case 0:\n            return []\n", True, ["falls-off-end"]),
    ],
)
def test_run_return_paths(body: str, returns: bool, problems: list[str]) -> None:
    assert _run_problems(body) == (returns, problems)


@pytest.mark.parametrize(
    ("source", "online"),
    [
        ("import json\ndef run(raw_data):\n    return json.loads(raw_data)['data']\n", True),
        ("from json import loads\ndef run(data):\n    return [loads(data)]\n", True),
        (
            "from inference_schema.schema_decorators import input_schema\n"
            "@input_schema('data', None)\ndef run(data):\n    return [1]\n",
            True,
        ),
        ("import json\ndef run(mb):\n    return [json.loads(open(p).read()) for p in mb]\n", False),
        ("import json\ndef run(mb):\n    return [json.dumps(mb)]\n", False),
    ],
)
def test_online_style_detection(source: str, online: bool) -> None:
    assert (analyse_script(source).online_style is not None) is online


def test_signatures_and_entry_points() -> None:
    analysis = analyse_script(
        "def init(model_dir):\n    pass\n\nasync def run(mb):\n    return mb\n\nclass A:\n    def shutdown(self):\n"
        "        pass\n"
    )
    assert not analysis.functions["init"].accepts_positional(0)
    assert analysis.functions["run"].is_async
    assert analysis.nested_functions == {"shutdown": 8}
    assert analyse_script("def run(*args):\n    return list(args)\n").functions["run"].accepts_positional(1)
    assert not analyse_script("def run(mb, *, k):\n    return mb\n").functions["run"].accepts_positional(1)
    assert analyse_script("def run(mb:\n").syntax_error is not None


# --------------------------------------------------------------------------------------------------- packages


@pytest.mark.parametrize(
    ("spec", "source", "reaches", "below"),
    [
        ("", "pip", True, True),
        ("<82", "pip", False, True),
        (">=82", "pip", True, False),
        ("==82.0.1", "pip", True, False),
        ("~=81.0", "pip", False, True),
        (">=60,<82", "pip", False, True),
        ("=65", "conda", False, True),
        ("82.*", "conda", True, False),
    ],
)
def test_setuptools_constraints(spec: str, source: str, reaches: bool, below: bool) -> None:
    assert may_resolve_to(spec, source, 82) is reaches
    assert may_resolve_below(spec, source, 82) is below


def test_conda_file_with_channels_and_requirements_file(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "deployment.yml": """
                type: model
                model: azureml:m:1
                code_configuration: {code: src, scoring_script: score.py}
                environment:
                  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
                  conda_file: env/conda.yaml
                compute: azureml:cpu
            """,
            "src/score.py": "import pkg_resources\ndef init():\n    pass\ndef run(mb):\n    return mb\n",
            "env/conda.yaml": """
                channels: [conda-forge]
                dependencies:
                  - conda-forge::python=3.10
                  - pip
                  - pip:
                    - -r requirements.txt
            """,
            "env/requirements.txt": "azureml-core==1.56.0\nsetuptools>=82  # newest\n",
        },
    )
    report = check_deployment(root / "deployment.yml")
    found = {f.rule_id: f for f in report.findings}
    assert set(found) == {"BTD124"}
    assert found["BTD124"].severity.label == "error"
    assert found["BTD124"].evidence[0].path == "env/requirements.txt" and found["BTD124"].evidence[0].line == 2


def test_inline_conda_and_legacy_form_and_v1_names(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "deployment.yml": """
                name: legacy
                endpoint_name: e
                model: azureml:m:1
                code_configuration: {code: ., scoring_script: score.py}
                environment:
                  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
                  conda_file:
                    dependencies:
                      - python=3.10
                      - pip:
                        - pandas
                compute: azureml:cpu
                node_count: 2
                output_action: summary_only
                output_file_name: predictions.csv
                logging_level: ERROR
            """,
            "score.py": "def init():\n    pass\ndef run(mb):\n    return mb\n",
        },
    )
    report = check_deployment(root / "deployment.yml")
    by_code = {f.rule_id: f for f in report.findings}
    assert by_code["BTD134"].evidence[0].line == 13 and "resources.instance_count" in by_code["BTD134"].message
    assert by_code["BTD136"].severity.label == "error"  # the older form rejects it outright
    assert by_code["BTD137"].severity.label == "warning"
    assert by_code["BTD122"].severity.label == "warning" and by_code["BTD122"].evidence[0].line == 8
    assert by_code["BTD123"].evidence[0].line == 10  # the inline pip: section, without pip listed


# --------------------------------------------------------------------------------------------------- invoke forms


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("azureml:heart-data:1", "data-asset"),
        ("azureml:heart-data@latest", "data-asset"),
        ("heart-data:3", "data-asset"),
        ("azureml://datastores/workspaceblobstore/paths/heart/", "datastore"),
        (
            "azureml://subscriptions/0/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/heart/",
            "datastore",
        ),
        (
            "/subscriptions/0/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/data/heart/"
            "versions/2",
            "data-asset",
        ),
        ("azureml://registries/azureml/data/mnist/versions/1", "data-asset"),
        ("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data", "storage-url"),
        ("https://acct.dfs.core.windows.net/fs/folder", "storage-url"),
        ("https://example.com/data.csv", "web-url"),
        ("wasbs://data@acct.blob.core.windows.net/x", "unsupported"),
        ("s3://bucket/prefix", "unsupported"),
        ("azureml://datastores/workspaceblobstore/heart", "unsupported"),
        ("azureml://jobs/job-1/outputs/score/paths/predictions.csv", "unsupported"),
        ("./data", "local"),
    ],
)
def test_input_forms(tmp_path: Path, text: str, kind: str) -> None:
    assert classify_input(text, tmp_path).kind == kind


def test_output_targets() -> None:
    folder = classify_output("azureml://datastores/workspaceblobstore/paths/batch/run-1/", None)
    assert (
        folder.valid and folder.datastore == "workspaceblobstore" and folder.file_path == "batch/run-1/predictions.csv"
    )
    named = classify_output("azureml://datastores/blobs/paths/batch/run-1/scores.csv", None)
    assert named.folder == "batch/run-1" and named.file_name == "scores.csv"
    custom = classify_output("azureml://datastores/blobs/paths/out", "scores.csv")
    assert custom.file_path == "out/scores.csv"
    assert not classify_output("https://acct.blob.core.windows.net/c/out", None).valid


def test_mltable_input_type_is_not_accepted(tmp_path: Path) -> None:
    report = check_invocation(InvokeRequest(input="azureml:heart-table:1", input_type="mltable", base_dir=tmp_path))
    assert [f.rule_id for f in report.findings] == ["BTI101"]
    assert "MLTable" in report.findings[0].message


# --------------------------------------------------------------------------------------------------- renderer


def test_text_report_lists_every_problem_with_its_location() -> None:
    from azext_batchtroubleshoot.render.check_text import render_check_text

    report = run_fixture(FIXTURES / "BTD134_unknown-key" / "fires").to_dict()
    text = render_check_text(report)
    assert text.startswith("✗ WOULD FAIL  The deployment would fail:")
    assert "ERRORS" in text and sum(line.startswith("  BTD134 ") for line in text.splitlines()) == 2
    assert text.count("→ Rename or remove the key") == 1  # a check's remedy once, under its first finding
    assert "2 errors." in text
    assert "deployment.yml:19  process_count_per_node: 2" in text
    assert "mnist-batch/mnist-torch-dpl" in text
    clean = render_check_text(run_fixture(FIXTURES / "BTD101_code-or-environment-missing" / "quiet").to_dict())
    assert clean.startswith("✓ OK  No known mistake found")


# --------------------------------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.fake_aml.server import prepare_az_config_dir

    if not list(REPO_ROOT.glob("*.egg-info")):
        pytest.skip("run 'make dev' first: the dev extension needs batchtroubleshoot.egg-info")
    return prepare_az_config_dir(tmp_path_factory.mktemp("az-checks"))


@pytest.fixture
def az_offline(cli_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``az_offline(*args) -> (exit code, stdout, stderr)`` through the real CLI (DummyCli) and the dev extension."""
    dev_sources = str(REPO_ROOT / "build" / "dev")
    link = Path(dev_sources) / "batchtroubleshoot"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("..") / "..")
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(cli_config))
    monkeypatch.setenv("AZURE_EXTENSION_DEV_SOURCES", dev_sources)
    monkeypatch.setenv("AZURE_CORE_COLLECT_TELEMETRY", "false")
    monkeypatch.delenv("AZURE_DEFAULTS_GROUP", raising=False)
    monkeypatch.delenv("AZURE_DEFAULTS_WORKSPACE", raising=False)
    from azure.cli.core import extension

    monkeypatch.setattr(extension, "DEV_EXTENSION_SOURCES", [dev_sources])

    def run(*args: str) -> tuple[int, str, str]:
        from azure.cli.core.mock import DummyCli

        capsys.readouterr()
        out = io.StringIO()
        try:
            code = DummyCli().invoke([*BT, *args], out_file=out)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        printed = capsys.readouterr()
        return int(code or 0), printed.out + out.getvalue(), printed.err

    return run


def _fixture_yaml(name: str, which: str = "fires") -> str:
    return str(FIXTURES / name / which / "deployment.yml")


def test_cli_error_exits_1_and_fail_on_never_exits_0(az_offline: Any) -> None:
    code, out, _err = az_offline("check", "deployment", "-f", _fixture_yaml("BTD116_run-returns-nothing"), "-o", "json")
    assert code == 1
    report = json.loads(out)
    assert report["verdict"] == "failed" and report["root_cause"]["rule_id"] == "BTD116"
    assert report["schema_version"] == "1" and report["stats"]["check"]["kind"] == "deployment"
    code, out, _err = az_offline(
        "check", "deployment", "-f", _fixture_yaml("BTD116_run-returns-nothing"), "--fail-on", "never", "-o", "json"
    )
    assert code == 0 and json.loads(out)["verdict"] == "failed"


def test_cli_warning_only_passes_by_default_and_fails_with_fail_on_warning(az_offline: Any) -> None:
    path = _fixture_yaml("BTD132_timeout-vs-mini-batch")
    code, out, _err = az_offline("check", "deployment", "--file", path, "-o", "json")
    assert code == 0 and json.loads(out)["verdict"] == "healthy"
    code, _out, _err = az_offline("check", "deployment", "--file", path, "--fail-on", "warning", "-o", "none")
    assert code == 1
    code, _out, _err = az_offline(
        "check",
        "deployment",
        "--file",
        _fixture_yaml("BTD190_not-checked-offline"),
        "--fail-on",
        "warning",
        "-o",
        "none",
    )
    assert code == 0  # only an info note
    code, _out, _err = az_offline(
        "check", "deployment", "--file", _fixture_yaml("BTD190_not-checked-offline"), "--fail-on", "info", "-o", "none"
    )
    assert code == 1


def test_cli_table_query_and_instance_type(az_offline: Any) -> None:
    path = _fixture_yaml("BTD101_code-or-environment-missing", "quiet")
    code, out, _err = az_offline(
        "check", "deployment", "-f", path, "--instance-type", "Standard_NC6s_v3", "-o", "table"
    )
    assert code == 0
    assert "BTD135" in out and "deployment.yml:20" in out
    code, out, _err = az_offline(
        "check", "deployment", "-f", _fixture_yaml("BTD134_unknown-key"), "--query", "findings[].rule_id", "-o", "tsv"
    )
    assert code == 1 and out.split() == ["BTD134", "BTD134"]


def test_cli_bad_yaml_is_a_clear_error(az_offline: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "deployment.yml"
    bad.write_text("name: x\nmodel: [azureml:m:1\n", encoding="utf-8")
    code, _out, err = az_offline("check", "deployment", "-f", str(bad))
    assert code == 1
    assert "Fix the YAML syntax" in err  # the recommendation; the error itself goes through the CLI's logger
    assert "is not valid YAML" in caplog.text and "at line 3, column 1" in caplog.text


def test_cli_check_invoke_offline(az_offline: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "heart.csv").write_text("age,sex\n63,1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _err = az_offline("check", "invoke", "--input", "heart.csv", "-o", "json")
    assert code == 1 and [f["rule_id"] for f in json.loads(out)["findings"]] == ["BTI103"]
    code, out, _err = az_offline("check", "invoke", "--input", "heart.csv", "--input-type", "uri_file", "-o", "json")
    assert code == 0 and json.loads(out)["findings"] == []
    code, out, _err = az_offline(
        "check", "invoke", "-i", "azureml:heart:1", "--output-path", "azureml://datastores/ws/paths/out", "-o", "json"
    )
    report = json.loads(out)
    assert code == 0 and [f["rule_id"] for f in report["findings"]] == ["BTI190"]
    assert report["stats"]["check"]["output_checked"] is False


def test_cli_user_code_is_never_executed(az_offline: Any, tmp_path: Path) -> None:
    root = _marker_deployment(tmp_path)
    code, out, _err = az_offline("check", "deployment", "-f", str(root / "deployment.yml"), "-o", "json")
    assert code == 1 and json.loads(out)["root_cause"]["rule_id"] == "BTD116"
    assert "SCORE SCRIPT WAS EXECUTED" not in out
    assert not list((root / "code").glob("*.marker"))


def test_cli_rules_list_includes_checks(az_offline: Any) -> None:
    code, out, _err = az_offline("rules", "list", "-o", "json")
    assert code == 0
    codes = {row["code"] for row in json.loads(out)}
    assert {"BT101", "BTD101", "BTI112"} <= codes
    code, out, _err = az_offline("rules", "show", "--id", "BTI112", "-o", "json")
    assert code == 0 and json.loads(out)["name"] == "output-already-exists"


@pytest.fixture(autouse=True)
def _no_markers_leak() -> Iterator[None]:
    yield
    assert not list(FIXTURES.rglob("*.marker"))


def test_hostile_yaml_is_not_expanded(tmp_path: Path) -> None:
    """A "billion laughs" file (9^9 nodes if aliases were expanded) and a deeply nested one end in a report or a
    clear error.  Expansion would never finish: a generous alarm turns a hang into a failure (not a timing test)."""
    import signal

    def hung(_signum: int, _frame: object) -> None:
        raise AssertionError("the YAML aliases were expanded: the check did not finish")

    laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs.append(
            f"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, "
            f"*{previous}, *{previous}, *{previous}, *{previous}]"
        )
    text = "\n".join(
        ["type: model", "model: azureml:m:1", "compute: azureml:c", *laughs, "settings: {mini_batch_size: *i}"]
    )
    (tmp_path / "deployment.yml").write_text(text + "\n", encoding="utf-8")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        report = check_deployment(tmp_path / "deployment.yml")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert {"BTD133", "BTD134"} <= {f.rule_id for f in report.findings}
    (tmp_path / "deep.yml").write_text("model: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(InputFileError):
        check_deployment(tmp_path / "deep.yml")
