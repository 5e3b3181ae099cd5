"""``check invoke`` with a workspace: the real Azure CLI and azure-ai-ml list the output location in the fake Azure ML
service (see ``azure_fixtures.py``) to catch the "Output already exists" case before invoking."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from azure_fixtures import *  # noqa: F403 - the fixtures: fake_aml, aml, az
from azure_fixtures import WS_ARGS

from azext_batchtroubleshoot.azure.invoke_output import probe_output
from azext_batchtroubleshoot.checks.invoke import classify_output
from tests.fake_aml import BLOBSTORE_CONTAINER, FakeAmlServer, fixtures

BT = ("ml", "batch-troubleshoot")
SCORE_FOLDER = f"azureml://datastores/workspaceblobstore/paths/azureml/{fixtures.FAILED_CHILD}/score/"


def _check_invoke(az: Any, *args: str) -> Any:
    return az(*BT, "check", "invoke", "--input", "azureml:heart-dataset-unlabeled:1", *args, "-o", "json")


def _codes(report: dict[str, Any]) -> list[str]:
    return [f["rule_id"] for f in report["findings"]]


def test_output_that_already_holds_predictions_fails(az: Any, aml: FakeAmlServer) -> None:
    run = _check_invoke(az, "--output-path", SCORE_FOLDER, *WS_ARGS)
    assert run.code == 1, run.err
    report = run.json
    assert _codes(report) == ["BTI112"]
    finding = report["root_cause"]
    assert finding["severity"] == "error" and "predictions.csv' already exists" in finding["message"]
    assert report["stats"]["check"]["output_checked"] is True
    # Listed, never read: the 50 MB predictions blob was not downloaded.
    assert aml.requests(f"/{BLOBSTORE_CONTAINER}") and not aml.requests(fixtures.PREDICTIONS_NAME)


def test_new_output_folder_passes(az: Any) -> None:
    run = _check_invoke(
        az, "--output-path", "azureml://datastores/workspaceblobstore/paths/heart-batch/2024-05-20/", *WS_ARGS
    )
    assert run.code == 0, run.err
    assert run.json["findings"] == [] and run.json["verdict"] == "healthy"
    assert run.json["stats"]["check"]["output_checked"] is True


def test_folder_with_other_results_is_a_warning(az: Any) -> None:
    parent = f"azureml://datastores/workspaceblobstore/paths/azureml/{fixtures.FAILED_CHILD}"
    run = _check_invoke(az, "--output-path", parent, *WS_ARGS)
    assert run.code == 0, run.err
    (finding,) = run.json["findings"]
    assert finding["rule_id"] == "BTI112" and finding["severity"] == "warning"
    assert "score/predictions.csv" in finding["message"]
    run = _check_invoke(az, "--output-path", parent, *WS_ARGS, "--fail-on", "warning")
    assert run.code == 1


def test_custom_output_file_name(az: Any) -> None:
    run = _check_invoke(az, "--output-path", SCORE_FOLDER, "--output-file-name", "scores.csv", *WS_ARGS)
    (finding,) = run.json["findings"]
    assert finding["severity"] == "warning"  # the folder is used, but scores.csv is not there yet
    run = _check_invoke(az, "--output-path", SCORE_FOLDER + "predictions.csv", *WS_ARGS)
    assert run.code == 1 and _codes(run.json) == ["BTI112"]


def test_unknown_datastore(az: Any) -> None:
    run = _check_invoke(az, "--output-path", "azureml://datastores/nosuchstore/paths/out", *WS_ARGS)
    assert run.code == 1
    assert _codes(run.json) == ["BTI113"] and "does not exist" in run.json["root_cause"]["message"]


def test_not_signed_in_is_a_warning_not_a_crash(az: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "azure.cli.core._profile.Profile.get_login_credentials",
        mock.Mock(side_effect=RuntimeError("Please run 'az login' to setup account.")),
    )
    run = _check_invoke(az, "--output-path", SCORE_FOLDER, *WS_ARGS)
    assert run.code == 0, run.err
    (finding,) = run.json["findings"]
    assert finding["rule_id"] == "BTI190" and finding["severity"] == "warning"
    assert "not signed in" in finding["message"]


def test_without_workspace_nothing_is_listed(az: Any, aml: FakeAmlServer) -> None:
    aml.clear_requests()
    run = _check_invoke(az, "--output-path", SCORE_FOLDER)
    assert run.code == 0 and _codes(run.json) == ["BTI190"]
    assert run.json["findings"][0]["severity"] == "info"
    assert not aml.requests("/datastores")


def test_non_blob_datastore_is_refused() -> None:
    class Datastore:
        type = "AzureFile"

    client = mock.Mock()
    client.datastores.get.return_value = Datastore()
    state = probe_output(client, classify_output("azureml://datastores/fileshare/paths/out", None))
    assert state.checked and state.datastore_type == "AzureFile" and state.total == 0

    from azext_batchtroubleshoot.checks.invoke import InvokeRequest
    from azext_batchtroubleshoot.checks.runner import check_invocation

    request = InvokeRequest(input="azureml:d:1", output_path="azureml://datastores/fileshare/paths/out")
    report = check_invocation(request, state)
    assert [f.rule_id for f in report.findings] == ["BTI113"]
    assert "only to Azure Blob datastores" in report.findings[0].message
