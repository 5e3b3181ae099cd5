"""Arguments, grouped by command.  Names match ``az ml job`` so defaults from ``az configure`` apply."""

from __future__ import annotations

from typing import Any

from knack.arguments import CLIArgumentType

FAIL_ON = ["never", "error", "warning", "info"]


def load_arguments(loader: Any, _: Any) -> None:
    from azure.cli.core.commands.parameters import get_enum_type, resource_group_name_type

    job_name_type = CLIArgumentType(options_list=["--name", "-n"], help="Name of the job (as in 'az ml job show').")
    workspace_type = CLIArgumentType(
        options_list=["--workspace-name", "-w"],
        configured_default="workspace",
        help="Name of the Azure ML workspace. You can configure the default using "
        "'az configure --defaults workspace=<name>'.",
    )
    with loader.argument_context("ml batch-troubleshoot") as c:
        c.argument("job_name", job_name_type)
        c.argument("resource_group_name", resource_group_name_type)
        c.argument("workspace_name", workspace_type)

    with loader.argument_context("ml batch-troubleshoot diagnose") as c:
        c.argument(
            "log_dir",
            options_list=["--log-dir", "-d"],
            help="Analyse a local folder of job logs instead of a job in a workspace: the folder downloaded "
            "from the studio's 'Outputs + logs', or written by 'az ml job download --all'.",
        )
        c.argument(
            "report_file",
            options_list=["--report-file"],
            help="Also write the report to this file; the format follows the extension: .html, .md or .json.",
        )
        c.argument(
            "fail_on",
            arg_type=get_enum_type(FAIL_ON),
            options_list=["--fail-on"],
            help="Exit with code 1 when a finding of this severity or worse is present (for CI pipelines). "
            "Default: never.",
        )
        c.argument(
            "workers",
            type=int,
            options_list=["--workers"],
            help="Processes used to read very large log files. Default: the number of CPUs (at most 4).",
        )

        c.argument(
            "download_path",
            options_list=["--download-path", "-p"],
            help="With --name: the folder that receives the job's logs (created if needed). Default: a cache folder "
            "in the Azure CLI configuration directory. A second run fetches only missing or changed files.",
        )
        c.argument(
            "refresh",
            action="store_true",
            options_list=["--refresh"],
            help="With --name: download every log file again instead of reusing the ones already downloaded.",
        )
        c.argument(
            "overwrite",
            action="store_true",
            options_list=["--overwrite"],
            help="With --download-path: write into the folder even if it holds other files (same names are "
            "replaced; nothing else is deleted). With --report-file: replace an existing file that is not an "
            "earlier report.",
        )

    with loader.argument_context("ml batch-troubleshoot logs") as c:
        c.argument(
            "follow",
            action="store_true",
            options_list=["--follow", "-f"],
            help="Keep printing new lines as the job writes them, until it finishes; then print a summary and the "
            "diagnosis verdict. Ctrl-C stops following (the job keeps running).",
        )
        c.argument(
            "file_glob",
            options_list=["--file"],
            help="Only log files whose path (or name) matches this glob, e.g. 'logs/sys/node/*' or '*process*.txt'.",
        )
        c.argument("node", options_list=["--node"], help="Only the log files of this node (e.g. 0 or 10.0.0.4).")
        c.argument("grep", options_list=["--grep"], help="Only lines matching this regular expression.")
        c.argument(
            "since",
            options_list=["--since"],
            help="Only lines logged at or after this moment: a duration back from now (30s, 10m, 2h, 1d) or a time "
            "(2024-05-12T10:00:00, UTC unless it names its zone). A line without a time of its own (a traceback) goes "
            "with the line before it; lines before a file's first time are printed.",
        )
        c.argument(
            "no_diagnosis",
            action="store_true",
            options_list=["--no-diagnosis"],
            help="With --follow: do not download the logs and print the verdict once the job finishes.",
        )

    with loader.argument_context("ml batch-troubleshoot rules") as c:
        c.argument("category", options_list=["--category"], help="Only rules of this category.")
        c.argument(
            "rule_id", options_list=["--id", "--rule"], help="Rule code (BT101) or name (missing-python-module)."
        )

    with loader.argument_context("ml batch-troubleshoot check") as c:
        c.argument(
            "fail_on",
            arg_type=get_enum_type(FAIL_ON),
            options_list=["--fail-on"],
            help="Exit with code 1 when a finding of this severity or worse is present. Default: error; 'never' "
            "exits with 0 whenever the check ran.",
        )

    with loader.argument_context("ml batch-troubleshoot check deployment") as c:
        c.argument(
            "file",
            options_list=["--file", "-f"],
            help="The batch deployment YAML (the file you pass to 'az ml batch-deployment create --file'). The code "
            "folder, scoring script and conda file it names are read relative to its folder; nothing is executed.",
        )
        c.argument(
            "instance_type",
            options_list=["--instance-type"],
            help="VM size of the compute cluster (e.g. Standard_NC6s_v3), to check max_concurrency_per_instance "
            "against its GPUs, vCPUs and memory. Default: resources.instance_type of the YAML, if any.",
        )

    with loader.argument_context("ml batch-troubleshoot check invoke") as c:
        c.argument(
            "input_path",
            options_list=["--input", "-i"],
            help="The input you will pass to 'az ml batch-endpoint invoke --input': a local file or folder, "
            "azureml:<data>:<version>, azureml://datastores/<datastore>/paths/<path> or an Azure Storage https URL.",
        )
        c.argument(
            "input_type",
            options_list=["--input-type"],
            help="The input's type: uri_folder (the default) or uri_file. Other types (mltable, ...) are reported.",
        )
        c.argument(
            "output_path",
            options_list=["--output-path"],
            help="The output location you will pass: azureml://datastores/<datastore>/paths/<folder>. With a "
            "workspace (-g/-w or 'az configure --defaults'), it is listed to see whether results are already there.",
        )
        c.argument(
            "output_file_name",
            options_list=["--output-file-name"],
            help="The output file name you will pass (default: predictions.csv).",
        )
