"""BTI101-BTI190: an invocation's input and output, checked before 'az ml batch-endpoint invoke' runs
(failure catalog rows 4, 6, 41, 49, 50 and 52)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..core.models import Category, Finding, Role, Severity
from .base import Check
from .invoke import DATA_FILE_SUFFIXES, InvokeContext

INPUTS_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-access-data-batch-endpoints-jobs"
TROUBLESHOOT_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
ACCEPTED_TYPES = ("uri_folder", "uri_file")


class InvokeCheck(Check[InvokeContext]):
    kind = "invoke"


class InputNotAccepted(InvokeCheck):
    code = "BTI101"
    name = "input-not-accepted"
    category = Category.INPUT_DATA
    title = "Batch endpoints do not accept this input"
    remedy = (
        "Give a registered data asset (azureml:<name>:<version>, type uri_folder or uri_file), a datastore path "
        "(azureml://datastores/<datastore>/paths/<path>), an Azure Storage https URL, or a local file or folder; "
        "with --input-type uri_folder or uri_file."
    )
    docs_url = INPUTS_URL
    what = (
        "The input is in a form batch endpoints do not read (wasbs://, abfss://, s3://, a job output URI, a model "
        "URI), or its type is not uri_folder or uri_file (MLTable data assets are not supported)."
    )
    why = "The invocation is refused ('Unsupported input data.') or the job cannot read the data."
    example = "--input abfss://data@myaccount.dfs.core.windows.net/images  /  --input-type mltable"
    phase = 10

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        if ctx.input.kind == "unsupported":
            yield self.make(
                f"The input '{ctx.input.text}' is not accepted: {ctx.input.reason}.", [ctx.input_evidence()]
            )
        if ctx.input_type not in ACCEPTED_TYPES:
            reason = (
                "MLTable (table) data assets aren't supported by batch endpoints"
                if ctx.input_type == "mltable"
                else "a model deployment takes one data input of type uri_folder or uri_file"
            )
            yield self.make(
                f"--input-type {ctx.input_type} is not accepted: {reason}.",
                [ctx.type_evidence()],
                group_key="type",
            )


class LocalInputProblem(InvokeCheck):
    code = "BTI102"
    name = "local-input-problem"
    category = Category.INPUT_DATA
    title = "The local input does not exist or is empty"
    remedy = (
        "Give an existing local file or a folder with the files to score (it is uploaded to the workspace's default "
        "datastore), or a cloud location."
    )
    docs_url = INPUTS_URL
    what = "The input is a local path that does not exist, or a folder with no files."
    why = "The CLI uploads local inputs before invoking; a missing path or an empty folder stops it there."
    example = "--input ./data/unlabeled  # no such folder"
    phase = 11

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        form = ctx.input
        if form.kind != "local":
            return
        if not form.exists:
            yield self.make(
                f"The local input '{form.text}' does not exist (resolved to {form.local_path}).",
                [ctx.input_evidence()],
            )
        elif form.is_dir and form.file_count == 0:
            yield self.make(
                f"The local folder '{form.text}' has no files: the upload is refused (empty directory) and there "
                "would be nothing to score.",
                [ctx.input_evidence()],
            )


class InputTypeMismatch(InvokeCheck):
    code = "BTI103"
    name = "input-type-mismatch"
    category = Category.INPUT_DATA
    title = "The input type does not match a file or a folder"
    remedy = (
        "Use --input-type uri_file for a single file and uri_folder (the default) for a folder of files; batch "
        "endpoints split a folder into mini-batches of files."
    )
    docs_url = INPUTS_URL
    what = "A file is given as uri_folder (the default when --input-type is not given), or a folder as uri_file."
    why = (
        "For local inputs the CLI refuses it ('There is no folder on target path'); for cloud inputs the job "
        "mounts the wrong kind of path and finds no files to score."
    )
    example = "--input data/heart.csv  # without --input-type uri_file"
    phase = 12

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        form = ctx.input
        wanted = ctx.input_type
        if wanted not in ACCEPTED_TYPES:
            return
        default = "" if ctx.input_type_given else " (the default, as --input-type is not given)"
        evidence = [ctx.input_evidence(), ctx.type_evidence()]
        if form.kind == "local" and form.exists:
            if form.is_file and wanted == "uri_folder":
                yield self.make(
                    f"'{form.text}' is a file but the input type is uri_folder{default}: the CLI refuses it with "
                    "'There is no folder on target path'. Use --input-type uri_file.",
                    evidence,
                )
            elif form.is_dir and wanted == "uri_file":
                yield self.make(
                    f"'{form.text}' is a folder but the input type is uri_file: the CLI refuses it with 'There is no "
                    "file on target path'. Use --input-type uri_folder.",
                    evidence,
                )
            return
        if form.kind not in ("datastore", "storage-url", "web-url"):
            return
        suffix = Path(form.last_segment).suffix.lower()
        if wanted == "uri_file" and form.ends_with_slash:
            yield self.make(f"'{form.text}' ends with '/', a folder, but the input type is uri_file.", evidence)
        elif wanted == "uri_folder" and suffix in DATA_FILE_SUFFIXES and not form.ends_with_slash:
            yield self.make(
                f"'{form.text}' looks like a file ({suffix}) but the input type is uri_folder{default}: the job would "
                "look for files inside it. Use --input-type uri_file for a single file.",
                evidence,
                severity=Severity.WARNING,
            )


class WebInput(InvokeCheck):
    code = "BTI104"
    name = "web-input"
    category = Category.INPUT_DATA
    severity = Severity.WARNING
    title = "The input is a plain web URL, not Azure Storage"
    remedy = (
        "Copy the data to Azure Storage or a datastore and pass its URL or azureml://datastores/... path, or "
        "register it as a data asset; use https for storage URLs."
    )
    docs_url = TROUBLESHOOT_URL
    what = "The input is an http(s) URL of a web server rather than an Azure Blob or Data Lake storage account."
    why = (
        "A web server cannot list a folder, so a uri_folder input fails ('Operation returned an invalid status "
        "'None''); a single file must be served with a Content-Length header ('Mounting http resource requires "
        "'Content-Length' header')."
    )
    example = "--input https://example.com/datasets/mnist/"
    phase = 13

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        form = ctx.input
        if form.kind == "storage-url" and form.scheme == "http":
            yield self.make(
                f"'{form.text}' uses http: storage accounts require https ('secure transfer required').",
                [ctx.input_evidence()],
            )
            return
        if form.kind != "web-url":
            return
        if ctx.input_type == "uri_folder":
            yield self.make(
                f"'{form.text}' is a web URL given as a folder: batch endpoints cannot list a folder on a web server.",
                [ctx.input_evidence(), ctx.type_evidence()],
                severity=Severity.ERROR,
            )
        else:
            yield self.make(
                f"'{form.text}' is a web URL: the server must return a Content-Length header for the file to be "
                "mounted; Azure Storage or a datastore is safer.",
                [ctx.input_evidence()],
            )


class DataAssetVersionMissing(InvokeCheck):
    code = "BTI105"
    name = "data-asset-version-missing"
    category = Category.INPUT_DATA
    title = "The data asset is named without a version or label"
    remedy = "Name the version (azureml:<name>:<version>) or the latest one (azureml:<name>@latest)."
    docs_url = INPUTS_URL
    what = "The input names a data asset as azureml:<name> with no version or label."
    why = (
        "The CLI cannot resolve it: 'Failed to extract version when parsing asset ... of type data as arm id. "
        "Version must be provided.'"
    )
    example = "--input azureml:heart-data"
    phase = 14

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        form = ctx.input
        if form.kind != "data-asset" or form.asset_version or form.asset_label:
            return
        yield self.make(
            f"The data asset '{form.text}' has no version: the CLI stops with 'Failed to extract version when parsing "
            f"asset {form.asset_name} of type data as arm id. Version must be provided.'",
            [ctx.input_evidence()],
        )


class OutputPathForm(InvokeCheck):
    code = "BTI111"
    name = "output-path-form"
    category = Category.OUTPUT
    title = "The output path is not a datastore path"
    remedy = (
        "Give --output-path as azureml://datastores/<blob-datastore>/paths/<new-folder> and the file name with "
        "--output-file-name; use a new folder for every invocation."
    )
    docs_url = f"{INPUTS_URL}#create-jobs-with-data-outputs"
    what = "--output-path is a local path, a URL or a datastore URI without '/paths/', or the file name is a path."
    why = "Batch endpoints write outputs only to a registered Blob datastore; anything else is refused."
    example = "--output-path ./results"
    phase = 50

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        output = ctx.output
        if output is not None and not output.valid:
            yield self.make(
                f"The output path '{output.text}' is not accepted: {output.reason}.", [ctx.output_evidence()]
            )
        name = ctx.request.output_file_name
        if name and ("/" in name or "\\" in name):
            yield self.make(
                f"The output file name '{name}' is a path: give a file name and put the folder in --output-path.",
                [ctx.output_evidence()],
                group_key="file-name",
            )


class OutputAlreadyExists(InvokeCheck):
    code = "BTI112"
    name = "output-already-exists"
    category = Category.OUTPUT
    title = "The output location already holds results"
    remedy = (
        "Use a new output folder for every invocation (for example add the date or a GUID to the path), or move "
        "the previous results away first."
    )
    docs_url = TROUBLESHOOT_URL
    what = (
        "The output folder already has the output file (predictions.csv or --output-file-name), or other files "
        "from an earlier run."
    )
    why = (
        "A batch deployment cannot overwrite an existing output file: the invocation fails with 'Output already "
        "exists.', or the job ends with no new predictions and no message saying why."
    )
    example = "--output-path azureml://datastores/workspaceblobstore/paths/batch-results  # used by yesterday's run"
    phase = 51

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        state, output = ctx.output_state, ctx.output
        if state is None or output is None or not state.checked or not state.datastore_found:
            return
        if state.file_exists:
            yield self.make(
                f"'{output.file_path}' already exists in datastore {output.datastore}: the batch deployment cannot "
                "overwrite it ('Output already exists.').",
                [ctx.output_evidence()],
            )
        elif state.total:
            shown = ", ".join(state.existing[:3]) + (" ..." if state.total > 3 else "")
            yield self.make(
                f"The output folder '{output.folder or '/'}' in datastore {output.datastore} already holds "
                f"{state.total}{'+' if state.total >= 1000 else ''} file{'s' if state.total != 1 else ''} ({shown}): "
                "use a new folder for each invocation so results do not mix.",
                [ctx.output_evidence()],
                severity=Severity.WARNING,
            )


class OutputDatastoreProblem(InvokeCheck):
    code = "BTI113"
    name = "output-datastore-problem"
    category = Category.OUTPUT
    title = "The output datastore cannot take batch outputs"
    remedy = (
        "Use a registered Azure Blob datastore (workspaceblobstore, or a Data Lake Gen2 account registered as a Blob "
        "datastore) in --output-path."
    )
    docs_url = f"{INPUTS_URL}#explore-data-outputs"
    what = "The datastore in --output-path does not exist in the workspace, or it is not an Azure Blob datastore."
    why = "Batch endpoints only support writing outputs in Blob Storage datastores."
    example = "--output-path azureml://datastores/myfileshare/paths/out  # an Azure Files datastore"
    phase = 52

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        state, output = ctx.output_state, ctx.output
        if state is None or output is None or not state.checked:
            return
        if not state.datastore_found:
            yield self.make(
                f"The datastore '{output.datastore}' does not exist in the workspace.", [ctx.output_evidence()]
            )
        elif state.datastore_type and state.datastore_type.lower() not in ("azureblob", "azure_blob"):
            yield self.make(
                f"The datastore '{output.datastore}' is of type {state.datastore_type}: batch endpoints write outputs "
                "only to Azure Blob datastores.",
                [ctx.output_evidence()],
            )


class InvokeNotChecked(InvokeCheck):
    code = "BTI190"
    name = "invoke-not-checked"
    category = Category.OUTPUT
    severity = Severity.INFO
    role = Role.ADVICE
    title = "The output location was not checked in the workspace"
    remedy = (
        "Give the workspace (-g/--resource-group and -w/--workspace-name, or 'az configure --defaults "
        "group=<rg> workspace=<ws>') and sign in with 'az login' to check whether the output already exists."
    )
    docs_url = TROUBLESHOOT_URL
    what = "--output-path was given, but the workspace was not known or could not be reached, so it was not listed."
    why = "An output folder that already holds predictions makes the invocation fail; only the workspace can tell."
    example = "az ml batch-troubleshoot check invoke --input data/ --output-path azureml://datastores/ws/paths/out"
    phase = 90

    def check(self, ctx: InvokeContext) -> Iterable[Finding]:
        output = ctx.output
        if output is None or not output.valid or ctx.online_skipped is None:
            return
        failed = ctx.output_state is not None and ctx.output_state.error is not None
        yield self.make(
            f"The output location was not checked for existing results: {ctx.online_skipped}.",
            [ctx.output_evidence()],
            severity=Severity.WARNING if failed else Severity.INFO,
        )
