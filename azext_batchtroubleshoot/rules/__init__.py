"""The rule registry: one explicit list, in code order.  A rule is added here and nowhere else."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Rule
from .bt101_missing_python_module import MissingPythonModule
from .bt102_pkg_resources_missing import PkgResourcesMissing
from .bt103_pip_missing_in_image import PipMissingInImage
from .bt104_azureml_core_missing import AzuremlCoreMissing
from .bt201_init_exception import InitException
from .bt202_run_exception import RunException
from .bt203_run_returned_wrong_type import RunReturnedWrongType
from .bt208_minibatch_report_errors import MiniBatchReportErrors
from .bt209_native_crash import NativeCrash
from .bt501_run_timeout import RunTimeout
from .bt601_process_killed_oom import ProcessKilledOom
from .bt602_python_memory_error import PythonMemoryError
from .bt603_no_space_left import NoSpaceLeft
from .bt701_storage_authentication import StorageAuthenticationFailed
from .bt702_input_not_found import InputNotFound
from .bt801_error_threshold_exceeded import ErrorThresholdExceeded
from .bt901_driver_exit_42 import DriverExit42
from .bt902_user_program_failed import UserProgramFailed
from .bt903_no_succeeded_mini_batch import NoSucceededMiniBatch
from .bt904_no_task_processed import NoTaskProcessed
from .bt905_entry_script_failures_summary import EntryScriptFailureCount
from .bt906_master_role_failed import MasterRoleFailed
from .bt921_set_task_visible_noise import SetTaskVisibleNoise
from .bt922_worker_stderr_noise import WorkerStderrNoise
from .bt990_unknown_error import UnknownError

# --- imports: catalog batch A (environment, entry script, input data, output) ---
# isort: split
from .bt105_missing_optional_dependency import MissingOptionalDependency
from .bt106_image_build_conda_not_found import ImageBuildCondaNotFound
from .bt204_entry_script_module_not_found import EntryScriptModuleNotFound
from .bt205_online_style_score_script import OnlineStyleScoreScript
from .bt206_automl_model_not_batch_ready import AutomlModelNotBatchReady
from .bt207_model_load_failed import ModelLoadFailed
from .bt301_mlflow_unsupported_file_type import MlflowUnsupportedFileType
from .bt302_mlflow_signature_mismatch import MlflowSignatureMismatch
from .bt303_input_file_failed import InputFileFailed
from .bt304_no_objects_to_concatenate import NoObjectsToConcatenate
from .bt305_invalid_jsonl_input import InvalidJsonlInput
from .bt306_dataset_param_no_default import DatasetParamNoDefault
from .bt307_task_creation_failed import TaskCreationFailed
from .bt308_tabular_single_mini_batch import TabularSingleMiniBatch
from .bt401_append_row_concatenation_failed import AppendRowConcatenationFailed
from .bt402_no_temp_file_found import NoTempFileFound
from .bt403_all_temp_files_empty import AllTempFilesEmpty
from .bt404_unsupported_output_dtype import UnsupportedOutputDtype
from .bt405_run_returned_fewer_results import RunReturnedFewerResults

# isort: split
# --- end batch A imports ---
# --- imports: catalog batch B (timeout, memory, disk, auth, data access, configuration, compute, platform) ---
from .bt502_init_timeout import InitTimeout
from .bt503_no_progress_update import NoProgressUpdate
from .bt504_first_task_creation_timeout import FirstTaskCreationTimeout
from .bt505_some_tasks_pending import SomeTasksPending
from .bt506_task_poisoned import TaskPoisoned
from .bt604_mount_cache_disk_full import MountCacheDiskFull
from .bt703_dataset_cannot_mount import DatasetCannotMount
from .bt704_http_input_content_length import HttpInputContentLength
from .bt705_datastore_no_credential import DatastoreNoCredential
from .bt706_datastore_msi_failed import DatastoreMsiFailed
from .bt707_registry_access_denied import RegistryAccessDenied
from .bt708_azfile_mount_error import AzFileMountError
from .bt802_retries_exhausted import RetriesExhausted
from .bt803_model_name_arg_reserved import ModelNameArgReserved
from .bt804_sdk_version_mismatch import SdkVersionMismatch
from .bt805_gpu_oversubscription import GpuOversubscription
from .bt806_preemption import Preemption
from .bt807_core_quota import CoreQuota
from .bt808_execution_wrapper_container import ExecutionWrapperContainer
from .bt809_docker_bindoptions import DockerBindOptions
from .bt810_progress_reporting_stopped import ProgressReportingStopped
from .bt923_std_log_banner_noise import StdLogBannerNoise
from .bt924_worker_exit_41_noise import WorkerExit41Noise

# isort: split
# --- end batch B imports ---
# --- imports: performance ---
from .bt950_io_bound_mini_batches import IoBoundMiniBatches
from .bt951_tiny_mini_batches import TinyMiniBatches
from .bt952_slow_first_task import SlowFirstTask
from .bt953_node_skew import NodeSkew
from .bt954_process_skew import ProcessSkew
from .bt955_memory_near_limit import MemoryNearLimit
from .bt956_cpu_idle import CpuIdle
from .bt957_resource_monitor_off import ResourceMonitorOff
from .bt958_frequent_retries import FrequentRetries
from .bt959_too_few_mini_batches import TooFewMiniBatches

# isort: split
# --- end performance imports ---

if TYPE_CHECKING:  # the pre-flight checks, found by find_rule for 'rules show'
    from ..checks.base import Check

REGISTRY: tuple[Rule, ...] = (
    MissingPythonModule(),
    PkgResourcesMissing(),
    PipMissingInImage(),
    AzuremlCoreMissing(),
    InitException(),
    RunException(),
    RunReturnedWrongType(),
    RunTimeout(),
    ProcessKilledOom(),
    PythonMemoryError(),
    NoSpaceLeft(),
    StorageAuthenticationFailed(),
    InputNotFound(),
    ErrorThresholdExceeded(),
    DriverExit42(),
    UserProgramFailed(),
    NoSucceededMiniBatch(),
    NoTaskProcessed(),
    EntryScriptFailureCount(),
    MasterRoleFailed(),
    SetTaskVisibleNoise(),
    WorkerStderrNoise(),
    # --- catalog batch A ---
    MissingOptionalDependency(),
    ImageBuildCondaNotFound(),
    EntryScriptModuleNotFound(),
    OnlineStyleScoreScript(),
    AutomlModelNotBatchReady(),
    ModelLoadFailed(),
    MlflowUnsupportedFileType(),
    MlflowSignatureMismatch(),
    InputFileFailed(),
    NoObjectsToConcatenate(),
    InvalidJsonlInput(),
    DatasetParamNoDefault(),
    TaskCreationFailed(),
    TabularSingleMiniBatch(),
    AppendRowConcatenationFailed(),
    NoTempFileFound(),
    AllTempFilesEmpty(),
    UnsupportedOutputDtype(),
    RunReturnedFewerResults(),
    # --- end batch A ---
    # --- catalog batch B ---
    InitTimeout(),
    NoProgressUpdate(),
    FirstTaskCreationTimeout(),
    SomeTasksPending(),
    TaskPoisoned(),
    MountCacheDiskFull(),
    DatasetCannotMount(),
    HttpInputContentLength(),
    DatastoreNoCredential(),
    DatastoreMsiFailed(),
    RegistryAccessDenied(),
    AzFileMountError(),
    RetriesExhausted(),
    ModelNameArgReserved(),
    SdkVersionMismatch(),
    GpuOversubscription(),
    Preemption(),
    CoreQuota(),
    ExecutionWrapperContainer(),
    DockerBindOptions(),
    ProgressReportingStopped(),
    StdLogBannerNoise(),
    WorkerExit41Noise(),
    # --- end batch B ---
    # --- performance ---
    IoBoundMiniBatches(),
    TinyMiniBatches(),
    SlowFirstTask(),
    NodeSkew(),
    ProcessSkew(),
    MemoryNearLimit(),
    CpuIdle(),
    ResourceMonitorOff(),
    FrequentRetries(),
    TooFewMiniBatches(),
    # --- end performance ---
    NativeCrash(),
    MiniBatchReportErrors(),  # late: only when nothing else explains the failed mini-batches
    UnknownError(),  # late, and last: it reports what no other rule explained
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in REGISTRY}


def find_rule(code_or_name: str) -> Rule | Check[Any] | None:
    """A rule, or else a pre-flight check (BTD/BTI codes), by code or name: ``rules show`` documents both."""
    wanted = code_or_name.strip()
    for rule in REGISTRY:
        if rule.code.lower() == wanted.lower() or rule.name == wanted.lower():
            return rule
    from ..checks import find_check

    return find_check(wanted)
