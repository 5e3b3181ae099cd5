"""Job fixtures for the fake Azure ML service, built from log trees on disk.

A batch-endpoint job is modelled the way Azure ML stores it: a pipeline parent (tags ``azureml.batchrun=true``)
with one step, display name ``batchscoring``. Every file of a local folder becomes a blob under
``ExperimentRun/dcid.<run>/`` in the ``azureml`` container (what ``runs/<id>/details.logFiles`` and
``jobs.download`` read), and the step's ``score`` output (``predictions.csv``) lives in the default datastore under
``azureml/<child>/score/``. Predictions are generated lazily, so a 50 MB blob costs nothing until someone reads it;
the request log tells whether anyone did.

Use :func:`add_batch_job` / :func:`add_command_job` / :func:`publish_tree` to add your own fixtures from any folder
(e.g. ``samples/<scenario>``); :func:`load_default_fixtures` builds the standard set below.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .server import (
    ARTIFACT_CONTAINER,
    BLOBSTORE_CONTAINER,
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
    WORKSPACE,
    FakeAmlServer,
    FakeAmlState,
    FakeJob,
    PatternContent,
    utc,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
MB = 1024 * 1024

# Job names of the default fixtures.
FAILED = "batch-failed"  # (a) failed batch job, child step below
FAILED_CHILD = "batch-failed-child"
SUCCEEDED = "batch-succeeded"  # (b)
SUCCEEDED_CHILD = "batch-succeeded-child"
RUNNING = "batch-running"  # (c) grows on every tick(), completes after RUNNING_TOTAL_TICKS ticks
RUNNING_CHILD = "batch-running-child"
COMMAND = "command-job"  # (d)
MISSING = "batch-does-not-exist"  # (e) never created: 404 UserError / ResourceNotFound
FORBIDDEN = "batch-forbidden"  # (f) 403 AuthorizationFailed naming the missing action
FLAKY = "batch-flaky"  # (g) ARM GET answers 503 (Retry-After) twice, then 200
FLAKY_CHILD = "batch-flaky-child"
BATCH_CHILD_DISPLAY_NAME = "batchscoring"
PREDICTIONS_NAME = "predictions.csv"
RUNNING_TOTAL_TICKS = 12
RUNNING_OVERVIEW = "logs/job_progress_overview.2024051407.txt"
RUNNING_STD_LOG = "user_logs/std_log_0.txt"

PYTHON_EXIT_42 = (
    "Execution failed. User process '/azureml-envs/azureml_7594b3b934a904695f71542edf30f209/bin/python' exited with "
    "status code 42. Please check log file 'user_logs/std_log_0.txt' for error details. Error: Traceback (most recent "
    'call last):\n  File "driver/amlbi_main.py", line 275, in <module>\n    main()\n  File "driver/amlbi_main.py", '
    "line 226, in main\n    sys.exit(exitcode_candidate)\nSystemExit: 42\n\n"
)


@dataclass(frozen=True)
class BatchJobNames:
    parent: str
    child: str
    predictions_blob: str  # name inside the default datastore's container

    @property
    def predictions_container(self) -> str:
        return BLOBSTORE_CONTAINER


def run_error(message: str, code: str = "UserError", inner: str | None = None) -> dict[str, Any]:
    """A run-history ``ErrorResponse`` as run details and runs return it."""
    return {
        "error": {
            "code": code,
            "severity": None,
            "message": message,
            "messageFormat": None,
            "messageParameters": {},
            "referenceCode": None,
            "detailsUri": None,
            "target": None,
            "details": [],
            "innerError": {"code": inner, "innerError": None} if inner else None,
            "debugInfo": None,
            "additionalInfo": None,
        },
        "correlation": None,
        "environment": None,
        "location": None,
        "time": "2024-05-12T10:02:31.112233+00:00",
        "componentName": "CommonRuntime",
    }


def _state(target: FakeAmlServer | FakeAmlState) -> FakeAmlState:
    return target.state if isinstance(target, FakeAmlServer) else target


def publish_tree(target: FakeAmlServer | FakeAmlState, run_name: str, folder: str | os.PathLike[str]) -> list[str]:
    """Publish every file under ``folder`` as the artifacts of ``run_name``; returns the relative paths."""
    state = _state(target)
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"log tree {root} is not a directory")
    published = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        state.put_blob(ARTIFACT_CONTAINER, f"ExperimentRun/dcid.{run_name}/{relative}", path.read_bytes())
        published.append(relative)
    return published


def _batch_tags(endpoint: str, deployment: str) -> dict[str, str]:
    return {
        "azureml.batchrun": "true",
        "azureml.deploymentname": deployment,
        "azureml.endpointname": endpoint,
        "outputType": "output_data",
    }


def add_batch_job(
    target: FakeAmlServer | FakeAmlState,
    name: str,
    *,
    child_tree: str | os.PathLike[str] | None,
    parent_tree: str | os.PathLike[str] | None = None,
    child_name: str | None = None,
    status: str = "Failed",
    child_error: dict[str, Any] | None = None,
    predictions_size: int = 50 * MB,
    endpoint: str = "my-batch-endpoint",
    deployment: str = "blue",
    created: dt.datetime | None = None,
    duration: dt.timedelta = dt.timedelta(minutes=4),
    child_tags: dict[str, str] | None = None,
    access: str = "ok",
) -> BatchJobNames:
    """A batch-endpoint job: pipeline parent ``name`` + step ``child_name`` (display name ``batchscoring``).

    ``child_tree`` / ``parent_tree`` are local folders published as the runs' artifacts. ``predictions_size`` bytes
    of predictions are generated lazily (0 = no predictions blob). ``status`` applies to both runs; a failed
    child gets ``child_error`` (default: the PRS driver's exit code 42 message).
    """
    state = _state(target)
    child_name = child_name or f"{name}-child"
    created = created or utc("2024-05-12T09:58:30")
    started = created + dt.timedelta(seconds=10)
    ended = started + duration if status in ("Completed", "Failed", "Canceled") else None
    tags = _batch_tags(endpoint, deployment)
    parent_error = None
    if status == "Failed":
        child_error = child_error or run_error(PYTHON_EXIT_42, inner="BadArgument")
        parent_error = run_error(
            f"Pipeline has failed child jobs. Failed nodes: /{BATCH_CHILD_DISPLAY_NAME}. For more details and logs, "
            "please go to the job detail page and check the child jobs.",
        )
    state.add_job(
        FakeJob(
            name=name,
            job_type="Pipeline",
            status=status,
            display_name=name,
            experiment_name=endpoint,
            tags=tags,
            properties={**tags, "azureml.runsource": "azureml.PipelineRun", "runSource": "Unavailable"},
            error=parent_error,
            created=created,
            started=started,
            ended=ended,
            access=access,
        )
    )
    predictions_blob = f"azureml/{child_name}/score/{PREDICTIONS_NAME}"
    score_uri = (
        f"azureml://subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{RESOURCE_GROUP}/workspaces/{WORKSPACE}"
        f"/datastores/workspaceblobstore/paths/azureml/{child_name}/score/"
    )
    state.add_job(
        FakeJob(
            name=child_name,
            job_type="Command",
            status=status,
            display_name=BATCH_CHILD_DISPLAY_NAME,
            experiment_name=endpoint,
            parent=name,
            tags=dict(child_tags or {}),
            properties={
                "azureml.runsource": "azureml.StepRun",
                "azureml.nodeid": "4b2f1d7e",
                "StepType": "ParallelRunStep",
                "ContentSnapshotId": "00000000-0000-0000-0000-0000000000cc",
            },
            error=child_error if status == "Failed" else None,
            created=created + dt.timedelta(seconds=5),
            started=started + dt.timedelta(seconds=20),
            ended=ended,
            access=access,
            run_outputs={
                "score": (
                    f"azureml://locations/eastus/workspaces/ws/data/azureml_{child_name}_output_data_score/versions/1",
                    score_uri,
                )
            },
        )
    )
    if parent_tree is not None:
        publish_tree(state, name, parent_tree)
    if child_tree is not None:
        publish_tree(state, child_name, child_tree)
    if predictions_size:
        state.put_blob(BLOBSTORE_CONTAINER, predictions_blob, PatternContent(predictions_size), "text/csv")
    return BatchJobNames(name, child_name, predictions_blob)


def add_command_job(
    target: FakeAmlServer | FakeAmlState,
    name: str,
    *,
    tree: str | os.PathLike[str] | None,
    status: str = "Completed",
    error: dict[str, Any] | None = None,
    created: dt.datetime | None = None,
) -> FakeJob:
    state = _state(target)
    created = created or utc("2024-05-10T11:59:30")
    job = state.add_job(
        FakeJob(
            name=name,
            job_type="Command",
            status=status,
            display_name=name,
            experiment_name="train",
            tags={"purpose": "fixture"},
            properties={"azureml.runsource": "azureml.scriptrun"},
            error=error,
            created=created,
            started=created + dt.timedelta(seconds=30),
            ended=created + dt.timedelta(minutes=4) if status in ("Completed", "Failed", "Canceled") else None,
            command="python train.py --data ${{inputs.training_data}}",
        )
    )
    if tree is not None:
        publish_tree(state, name, tree)
    return job


# --------------------------------------------------------------------------------------------------- running job


def _running_tick(state: FakeAmlState) -> None:
    """One step of the running job: ten more mini batches; after the last one it completes."""
    with state.lock:
        child = state.jobs.get(RUNNING_CHILD)
        if child is None or child.status != "Running":
            return
        step = child.run_number = child.run_number + 1  # run_number doubles as the tick counter
        base = utc("2024-05-14T07:00:41") + dt.timedelta(seconds=10 * (step - 1))
        processed = min(10 * (step - 1), 120)
        elapsed = dt.timedelta(seconds=10 * (step - 1))
        remaining = dt.timedelta(seconds=10 * (RUNNING_TOTAL_TICKS - (step - 1)))
        state.append_log(
            RUNNING_CHILD,
            RUNNING_OVERVIEW,
            f"{base.strftime('%Y-%m-%dT%H:%M:%S')}.{step:06d} Processed {processed} of 120 mini batches in {elapsed}. "
            f"Estimated remaining time {remaining}.\n",
        )
        state.append_log(RUNNING_CHILD, RUNNING_STD_LOG, f"[{base:%Y-%m-%d %H:%M:%S}.{step:06d}] Heartbeat {step}.\n")
        if step - 1 >= RUNNING_TOTAL_TICKS:
            complete_running_job(state)


def complete_running_job(target: FakeAmlServer | FakeAmlState) -> None:
    """Write the final lines of the running job and switch parent and child to Completed."""
    state = _state(target)
    with state.lock:
        state.append_log(
            RUNNING_CHILD,
            RUNNING_OVERVIEW,
            "2024-05-14T07:03:01.000001 All 120 mini batches have been processed.\n"
            "2024-05-14T07:03:01.000002 Progress update stopped for reasons: ['All 120 mini batches have been "
            "processed.'].\n2024-05-14T07:03:02.000003 The overviewer on 0 stopped.\n",
        )
        state.append_log(
            RUNNING_CHILD,
            RUNNING_STD_LOG,
            "Azure Machine Learning Batch Inference End\nCleaning up all outstanding Run operations, waiting 300.0 "
            "seconds\n1 items cleaning up...\nCleanup took 0.101 seconds\n",
        )
        state.set_status(RUNNING_CHILD, "Completed")
        state.set_status(RUNNING, "Completed")


# --------------------------------------------------------------------------------------------------- defaults


def load_default_fixtures(
    fake: FakeAmlServer, *, data_dir: str | os.PathLike[str] | None = None, predictions_size: int = 50 * MB
) -> None:
    """The standard jobs (a)-(g) described in this module's constants."""
    data = Path(data_dir) if data_dir else DATA_DIR
    add_batch_job(
        fake,
        FAILED,
        child_tree=data / FAILED_CHILD,
        parent_tree=data / FAILED,
        status="Failed",
        predictions_size=predictions_size,
    )
    add_batch_job(
        fake,
        SUCCEEDED,
        child_tree=data / SUCCEEDED_CHILD,
        parent_tree=data / SUCCEEDED,
        status="Completed",
        created=utc("2024-05-13T07:59:50"),
        predictions_size=predictions_size,
    )
    add_batch_job(
        fake,
        RUNNING,
        child_tree=data / RUNNING_CHILD,
        parent_tree=data / RUNNING,
        status="Running",
        created=utc("2024-05-14T06:59:50"),
        predictions_size=0,
    )
    fake.state.jobs[RUNNING_CHILD].run_number = 1
    fake.state.on_tick.append(_running_tick)
    add_command_job(fake, COMMAND, tree=data / COMMAND)
    add_batch_job(
        fake,
        FORBIDDEN,
        child_tree=data / FAILED_CHILD,
        status="Failed",
        access="forbidden",
        predictions_size=0,
        created=utc("2024-05-11T09:00:00"),
    )
    add_batch_job(
        fake,
        FLAKY,
        child_tree=data / SUCCEEDED_CHILD,
        status="Completed",
        predictions_size=0,
        created=utc("2024-05-11T10:00:00"),
    )
    arm_flaky_job(fake)


def arm_flaky_job(fake: FakeAmlServer, failures: int = 2, retry_after: int = 1) -> None:
    """(Re-)arm fixture (g): the next ``failures`` ARM GETs of :data:`FLAKY` answer 503 with Retry-After."""
    fake.add_fault(rf"/jobs/{FLAKY}(\?|$)", "status", status=503, count=failures, method="GET", retry_after=retry_after)
