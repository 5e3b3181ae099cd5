"""Catalog batch A (BT105-BT106, BT204-BT207, BT301-BT308, BT401-BT405): wordings and near misses beyond the
fixture trees, the service's job error message, and how these rules rank against the generic ones."""

from __future__ import annotations

from typing import Any

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.core.models import JobInfo
from azext_batchtroubleshoot.rules.bt204_entry_script_module_not_found import module_name
from azext_batchtroubleshoot.rules.bt207_model_load_failed import is_model_path

JOB = "0b7d51c2e9a84f36"
WD = f"/mnt/azureml/cr/j/{JOB}/exe/wd"
PRS = f"{WD}/prs_prod/lib/python3.8/site-packages/azureml_sys/parallel_run"
SITE = "/azureml-envs/azureml_3f1e0c9b8a7d6c5b4a3f2e1d0c9b8a7d/lib/python3.9/site-packages"
OVERVIEW = (
    "2024-05-12T10:00:01.102938 Start the simulator.\n"
    "2024-05-12T10:00:21.004417 Scheduling finished. Scheduled 4 mini batches in 17 seconds. "
    "There are 4 tasks with 40 items.\n"
)
MB_HEADER = (
    "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
)


def trace(entry: str, frames: list[tuple[str, int, str, str]], last: str, header: str = "") -> str:
    """A worker's stack trace: the driver's frame calling init()/run(), then ``frames``, then ``last``."""
    lines = [header or f"2024-05-12 10:00:24,913|ERROR|334|{entry}() failed for process000."]
    lines += ["Traceback (most recent call last):", f'  File "{PRS}/entry_script_runner.py", line 107, in {entry}']
    lines.append(f"    result = self.module.{entry}()")
    for filename, lineno, function, code in frames:
        lines += [f'  File "{filename}", line {lineno}, in {function}', f"    {code}"]
    lines.append(last)
    return "\n".join(lines) + "\n"


def analyse(write_tree: Any, files: dict[str, str], job: JobInfo | None = None) -> dict[str, Any]:
    base = {"logs/job_progress_overview.2024051210.txt": OVERVIEW}
    base.update(files)
    return analyse_folder(str(write_tree(base)), job=job).to_dict()


def ids(report: dict[str, Any]) -> list[str]:
    return [finding["rule_id"] for finding in report["findings"]]


def finding(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["rule_id"] == code)


# ------------------------------------------------------------------------------------------------ environment


@pytest.mark.parametrize(
    ("text", "package"),
    [
        (
            "ImportError: LlamaTokenizer requires the SentencePiece library but it was not found in your environment.",
            "sentencepiece",
        ),
        (
            "ImportError: AutoModelForSeq2SeqLM requires the PyTorch library but it was not found in your environment.",
            "torch",
        ),
        (
            "ImportError: Using `low_cpu_mem_usage=True` or a `device_map` requires Accelerate: "
            "`pip install 'accelerate>=0.26.0'`",
            "accelerate",
        ),
        (
            "ImportError: This modeling file requires the following packages that were not found in your environment: "
            "einops. Run `pip install einops`",
            "einops",
        ),
    ],
)
def test_optional_dependency_names_the_package(write_tree: Any, text: str, package: str) -> None:
    code = f"{WD}/score.py"
    report = analyse(
        write_tree, {"logs/user/error/0/process000.txt": trace("init", [(code, 12, "init", "load()")], text)}
    )
    assert ids(report)[0] == "BT105"
    assert f"'{package}'" in finding(report, "BT105")["message"]
    assert "BT201" not in ids(report)


def test_pip_resolver_warning_about_accelerate_is_not_the_error(write_tree: Any) -> None:
    report = analyse(
        write_tree,
        {"azureml-logs/20_image_build_log.txt": "peft 0.10.0 requires accelerate>=0.21.0, which is not installed.\n"},
    )
    assert "BT105" not in ids(report)


@pytest.mark.parametrize(
    "line",
    [
        "/bin/sh: 1: conda: not found",
        "/bin/bash: line 1: conda: command not found",
        "Unable to run conda package manager. AzureML uses conda to provision python",
    ],
)
def test_conda_missing_in_the_image_build(write_tree: Any, line: str) -> None:
    report = analyse(
        write_tree, {"user_logs/std_log.txt": f"Step 8/17 : RUN conda env create -p /azureml-envs/x\n{line}\n"}
    )
    assert ids(report)[0] == "BT106"


@pytest.mark.parametrize(
    "line",
    ["Miniconda not found in /opt", "conda not found on PATH, installing Miniconda", "conda environment not found: x"],
)
def test_conda_near_misses(write_tree: Any, line: str) -> None:
    report = analyse(write_tree, {"user_logs/std_log.txt": line + "\n"})
    assert "BT106" not in ids(report)


# ------------------------------------------------------------------------------------------------ entry script


@pytest.mark.parametrize(
    ("script", "module"),
    [
        ("score.py", "score"),
        ("src/score.py", "src.score"),
        ("score.txt", "score.txt"),
        ("batch_driver", "batch_driver"),
    ],
)
def test_module_name_follows_the_driver(script: str, module: str) -> None:
    assert module_name(script) == module


def import_failure(module: str) -> str:
    return trace(
        "init",
        [
            (
                "/azureml-envs/azureml_3f1e/lib/python3.9/importlib/__init__.py",
                127,
                "import_module",
                "return _gcd_import(n)",
            )
        ],
        f"ModuleNotFoundError: No module named '{module}'",
    )


def test_scoring_module_in_a_subfolder(write_tree: Any) -> None:
    report = analyse(
        write_tree,
        {
            "azureml-logs/70_driver_log.txt": "Command=python driver/amlbi_main.py "
            "--scoring_module_name src/batch_score.py --mini_batch_size 10\n",
            "logs/user/error/0/process000.txt": import_failure("src"),
        },
    )
    assert ids(report)[0] == "BT204"
    assert "'src/batch_score.py' is not in the code folder" in finding(report, "BT204")["message"]


def test_scoring_module_guessed_by_name_when_the_logs_do_not_say(write_tree: Any) -> None:
    report = analyse(write_tree, {"logs/user/error.txt": "EntryScriptException: No module named 'batch_score'\n"})
    assert "BT204" in ids(report)
    report = analyse(write_tree, {"logs/user/error.txt": "EntryScriptException: No module named 'lightgbm'\n"})
    assert "BT204" not in ids(report)


@pytest.mark.parametrize(("kind", "fires"), [("list", True), ("DataFrame", True), ("NoneType", False), ("int", False)])
def test_online_style_script_depends_on_what_json_loads_got(write_tree: Any, kind: str, fires: bool) -> None:
    text = f"TypeError: the JSON object must be str, bytes or bytearray, not {kind}"
    frames = [(f"{WD}/score.py", 30, "run", "data = json.loads(raw_data)")]
    report = analyse(write_tree, {"logs/user/error/0/process000.txt": trace("run", frames, text)})
    assert ("BT205" in ids(report)) is fires
    assert ("BT202" in ids(report)) is not fires


def test_online_style_script_outranks_the_wrong_return_type_it_causes(write_tree: Any) -> None:
    line = (
        '2024-05-12 10:03:11,482|ERROR|334|Failed to process {"id": 0} with error The run() method in the entry '
        'script accepts and should return a list or a pandas DataFrame. The actual type of output \'{"error": '
        '"Error during inference: the JSON object must be str, bytes or bytearray, not MiniBatch"}\' is str.\n'
    )
    report = analyse(write_tree, {"logs/sys/node/0/process000.txt": line})
    assert ids(report)[:2] == ["BT205", "BT203"]


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("AttributeError: 'PyFuncModel' object has no attribute 'predict_proba'", True),
        ("AttributeError: 'Pipeline' object has no attribute 'forecast'", True),
        ("AttributeError: 'ForecastingPipelineWrapper' object has no attribute 'predict_proba'", True),
        ("AttributeError: 'Pipeline' object has no attribute 'predict_proba'", False),
        ("AttributeError: 'ExponentialSmoothing' object has no attribute 'forecast'", False),
    ],
)
def test_model_method_missing(write_tree: Any, text: str, fires: bool) -> None:
    frames = [(f"{WD}/score.py", 41, "run", "model.forecast(X)")]
    report = analyse(write_tree, {"logs/user/error/0/process000.txt": trace("run", frames, text)})
    assert ("BT206" in ids(report)) is fires


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            f'mlflow.exceptions.MlflowException: Could not find an "MLmodel" configuration file at "{WD}/model"',
            "no MLmodel file",
        ),
        (
            "azureml.exceptions._azureml_exception.ModelNotFoundException: ModelNotFoundException: Model not found in "
            "cache or in root at ./sklearn_regression_model.pkl. For more info,set logging level to DEBUG.",
            "Model.get_model_path()",
        ),
        ("KeyError: 'AZUREML_MODEL_DIR'", "AZUREML_MODEL_DIR is not set"),
        (
            f"OSError: {WD}/model/tokenizer does not appear to have a file named config.json. Checkout "
            "'https://huggingface.co/None/tree/None' for available files.",
            "has no config.json",
        ),
        (
            f"FileNotFoundError: [Errno 2] No such file or directory: '{WD}/azureml-models/churn/3/model.pkl'",
            "model.pkl' does not exist",
        ),
    ],
)
def test_model_load_wordings_in_init(write_tree: Any, text: str, detail: str) -> None:
    frames = [(f"{WD}/score.py", 14, "init", "model = load(path)")]
    report = analyse(write_tree, {"logs/user/error/0/process000.txt": trace("init", frames, text)})
    assert ids(report)[0] == "BT207"
    assert detail in finding(report, "BT207")["message"]
    assert "BT201" not in ids(report)


def test_missing_model_file_in_run_is_not_model_loading(write_tree: Any) -> None:
    text = f"FileNotFoundError: [Errno 2] No such file or directory: '{WD}/azureml-models/churn/3/model.pkl'"
    frames = [(f"{WD}/score.py", 40, "run", "joblib.load(path)")]
    report = analyse(write_tree, {"logs/user/error/0/process000.txt": trace("run", frames, text)})
    assert "BT207" not in ids(report)
    assert "BT202" in ids(report)


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/mnt/azureml/cr/j/x/exe/wd/model/model.pkl", True),
        ("/var/azureml-app/azureml-models/churn/3/churn.joblib", True),
        ("/mnt/azureml/cr/j/x/exe/wd/x_score_model", True),
        ("/mnt/azureml/cr/j/x/exe/wd/code/config/labels.json", False),
        ("/mnt/azureml/cr/j/x/cap/data-capability/wd/INPUT_data/models_input.csv", False),
    ],
)
def test_model_paths(path: str, model: bool) -> None:
    assert is_model_path(path) is model


def test_model_load_failure_from_the_service_error_only(write_tree: Any) -> None:
    job = JobInfo(
        status="Failed",
        error="ValueError: Unrecognized model in /mnt/azureml/cr/j/1/exe/wd/m. "
        "Should have a `model_type` key in its config.json",
    )
    report = analyse(write_tree, {}, job=job)
    root = report["root_cause"]
    assert root["rule_id"] == "BT207"
    assert root["evidence"][0]["path"] == "(service) job error"


# ------------------------------------------------------------------------------------------------ input data

PER_FILE = (
    "ERROR:azureml:Error processing input file: '/mnt/azureml/cr/j/1/cap/data-capability/wd/INPUT_d/{name}'. {rest}"
)


@pytest.mark.parametrize(
    ("rest", "code"),
    [
        ("File type 'avro' is not supported.", "BT301"),
        ("Exception:File type '.parquet' is not supported. Current accepted filetypes are: ['.csv']", "BT301"),
        ("Exception:invalid literal for int() with base 10: 'value'", "BT302"),
        ("Exception:could not convert string to float: 'abc'", "BT302"),
        (
            "Exception:Failed to enforce schema of data '   age  sex' with schema '['age': long]'. Error: Model is "
            "missing inputs ['thal']. Note that there were extra inputs: ['thall'].",
            "BT302",
        ),
        ("Exception:Incompatible input types for column ca. Can not safely convert float64 to int64.", "BT302"),
        ("Exception:cannot identify image file '/mnt/x.png'", "BT303"),
        ("Exception:Error tokenizing data. C error: Expected 14 fields in line 88, saw 15", "BT303"),
    ],
)
def test_per_file_errors_are_sorted_by_kind(write_tree: Any, rest: str, code: str) -> None:
    stdout = PER_FILE.format(name="part-1.bin", rest=rest) + "\n"
    report = analyse(write_tree, {"logs/user/stdout/0/process000.stdout.txt": stdout})
    batch_a = [rule for rule in ids(report) if rule in ("BT301", "BT302", "BT303")]
    assert batch_a == [code]


def test_signature_wording_without_per_file_context_is_ordinary(write_tree: Any) -> None:
    text = "ValueError: invalid literal for int() with base 10: 'n/a'"
    frames = [(f"{WD}/score.py", 22, "run", "int(row['ca'])")]
    report = analyse(write_tree, {"logs/user/error/0/process000.txt": trace("run", frames, text)})
    assert "BT302" not in ids(report)


def test_no_objects_to_concatenate_alone_is_reported_as_a_symptom(write_tree: Any) -> None:
    frames = [(f"{WD}/mlflow_score_script.py", 142, "wrapper", "return pd.concat(result)")]
    report = analyse(
        write_tree, {"logs/user/error/0/process000.txt": trace("run", frames, "ValueError: No objects to concatenate")}
    )
    found = finding(report, "BT304")
    assert found["role"] == "symptom"
    assert "logs/user/stdout" in found["message"]
    assert "BT202" not in ids(report)


def test_json_error_in_run_from_the_scoring_script_is_input(write_tree: Any) -> None:
    frames = [(f"{WD}/score.py", 58, "run", "record = json.loads(line)")]
    text = "json.decoder.JSONDecodeError: Extra data: line 1 column 12 (char 11)"
    report = analyse(write_tree, {"logs/user/error/0/process000.txt": trace("run", frames, text)})
    assert ids(report)[0] == "BT305"
    assert "more than one JSON value" in finding(report, "BT305")["message"]


def test_json_error_in_init_is_not_input(write_tree: Any) -> None:
    frames = [(f"{WD}/score.py", 9, "init", "labels = json.load(handle)")]
    text = "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
    report = analyse(write_tree, {"logs/user/error/0/process000.txt": trace("init", frames, text)})
    assert "BT305" not in ids(report)


DATASET_PARAM = (
    "Data set node 7f3c1e2a references parameter dataset_param which doesn't have a specified value or a default value."
)


def test_dataset_param_from_the_service_error(write_tree: Any) -> None:
    report = analyse(write_tree, {}, job=JobInfo(status="Failed", error=f"UserError: {DATASET_PARAM}"))
    root = report["root_cause"]
    assert root["rule_id"] == "BT306"
    assert "'dataset_param'" in root["message"]
    assert report["verdict"] == "failed"


def test_task_creation_failing_on_storage_access_is_a_symptom(write_tree: Any) -> None:
    line = (
        "2023-10-23 13:45:14,902|ERROR|101|140501711763200|Failed to create tasks [0] with [StreamAccessException("
        "'ScriptExecutionException was caused by StreamAccessException. StreamAccessException was caused by "
        "AuthenticationException.')].\n"
    )
    report = analyse(write_tree, {"logs/sys/master_role.txt": line})
    assert finding(report, "BT307")["role"] == "symptom"
    assert report["root_cause"]["rule_id"] != "BT307"


def test_single_mini_batch_needs_a_tabular_input(write_tree: Any) -> None:
    files = {
        "azureml-logs/70_driver_log.txt": "Command=python driver/amlbi_main.py --scoring_module_name s.py "
        "--mini_batch_size 10 --process_count_per_node 4 --node_count 2 --input_fds_0 images\n",
        "logs/job_progress_overview.2024051210.txt": OVERVIEW.replace(
            "Scheduled 4 mini batches", "Scheduled 1 mini batches"
        ),
    }
    assert "BT308" not in ids(analyse(write_tree, files))
    files["logs/sys/master_role.txt"] = (
        "2024-05-12 10:00:01,288|INFO|356|140501711763200|The task provider type is TabularDatasetProvider.\n"
    )
    report = analyse(write_tree, files)
    found = finding(report, "BT308")
    assert found["role"] == "advice" and found["severity"] == "warning"
    assert "8 worker processes" in found["message"]


# ------------------------------------------------------------------------------------------------ output


def test_no_temp_file_after_failed_mini_batches_is_a_symptom(write_tree: Any) -> None:
    report = analyse(
        write_tree,
        {
            "logs/job_progress_overview.2024051210.txt": OVERVIEW + "2024-05-12T10:04:44.000001 No temp file found. "
            "The job failed.\n",
            "logs/job_result.txt": "There is no succeeded mini batch item returned from run(). Please check "
            "'response: run()' in https://aka.ms/batch-inference-documentation\n",
        },
    )
    assert finding(report, "BT402")["role"] == "symptom"


def minibatch_rows(*rows: str) -> str:
    return MB_HEADER + "".join(f'{row},"{{}}"\n' for row in rows)


def test_fewer_results_than_items(write_tree: Any) -> None:
    csv = minibatch_rows(
        "0,1,process000,2024-05-12T10:01:00.1,10,10,0,20.0,17.2,19.7,RUN_DONE,,",
        "1,1,process001,2024-05-12T10:01:07.1,10,7,3,20.3,17.2,19.7,RUN_DONE,,",
    )
    report = analyse(write_tree, {"logs/sys/job_report/processed_mini-batches.csv": csv})
    found = finding(report, "BT405")
    assert found["severity"] == "warning"
    assert "3 of 20 items" in found["message"]


def test_failed_items_of_failed_mini_batches_are_not_fewer_results(write_tree: Any) -> None:
    csv = minibatch_rows(
        "0,1,process000,2024-05-12T10:01:00.1,10,10,0,20.0,17.2,19.7,RUN_DONE,,",
        '1,3,process001,2024-05-12T10:01:07.1,10,0,10,20.3,17.2,19.7,RUN_EXCEPTION,User,"KeyError"',
    )
    report = analyse(write_tree, {"logs/sys/job_report/processed_mini-batches.csv": csv})
    assert "BT405" not in ids(report)


def test_float16_output_in_run(write_tree: Any) -> None:
    frames = [
        (f"{WD}/score.py", 71, "run", "scipy.io.wavfile.write(out, rate=rate, data=audio)"),
        (f"{SITE}/scipy/io/wavfile.py", 797, "write", "raise ValueError(...)"),
    ]
    report = analyse(
        write_tree,
        {"logs/user/error/0/process000.txt": trace("run", frames, "ValueError: Unsupported data type 'float16'")},
    )
    assert ids(report)[0] == "BT404"
    assert "BT202" not in ids(report)
