"""The rule registry: one explicit list, in code order.  A rule is added here and nowhere else."""

from __future__ import annotations

from .base import Rule
from .bt101_missing_python_module import MissingPythonModule
from .bt102_pkg_resources_missing import PkgResourcesMissing
from .bt103_pip_missing_in_image import PipMissingInImage
from .bt104_azureml_core_missing import AzuremlCoreMissing
from .bt201_init_exception import InitException
from .bt202_run_exception import RunException
from .bt203_run_returned_wrong_type import RunReturnedWrongType
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
# --- end batch A imports ---
# --- imports: catalog batch B (timeout, memory, disk, auth, data access, configuration, compute, platform) ---
# --- end batch B imports ---
# --- imports: performance ---
# --- end performance imports ---

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
    # --- end batch A ---
    # --- catalog batch B ---
    # --- end batch B ---
    # --- performance ---
    # --- end performance ---
    UnknownError(),  # late, and last: it reports what no other rule explained
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in REGISTRY}


def find_rule(code_or_name: str) -> Rule | None:
    wanted = code_or_name.strip()
    for rule in REGISTRY:
        if rule.code.lower() == wanted.lower() or rule.name == wanted.lower():
            return rule
    return None
