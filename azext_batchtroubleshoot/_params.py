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

    with loader.argument_context("ml batch-troubleshoot rules") as c:
        c.argument("category", options_list=["--category"], help="Only rules of this category.")
        c.argument(
            "rule_id", options_list=["--id", "--rule"], help="Rule code (BT101) or name (missing-python-module)."
        )
