"""One short function per command: build the source, call the core, return the result or print it."""

from __future__ import annotations

import os
from typing import Any

from azext_batchtroubleshoot._output import (
    color_enabled,
    exit_after_output,
    exit_code_for,
    wants_human_text,
)


def diagnose(
    cmd: Any,
    log_dir: str | None = None,
    job_name: str | None = None,
    resource_group_name: str | None = None,
    workspace_name: str | None = None,
    report_file: str | None = None,
    fail_on: str | None = None,
    workers: int | None = None,
    download_path: str | None = None,
    refresh: bool = False,
    overwrite: bool = False,
) -> dict[str, Any] | None:
    from azure.cli.core.azclierror import MutuallyExclusiveArgumentError, RequiredArgumentMissingError

    from azext_batchtroubleshoot.core.engine import analyse_folder_with_facts
    from azext_batchtroubleshoot.render.files import wants_charts

    if log_dir and job_name:
        raise MutuallyExclusiveArgumentError(
            "Use either --log-dir or --name, not both.",
            "--log-dir analyses a folder you downloaded; --name fetches the logs of a job in your workspace.",
        )
    job = None
    if job_name:
        log_dir, job = _fetch_job_logs(
            cmd, job_name, resource_group_name, workspace_name, download_path, refresh=refresh, overwrite=overwrite
        )
    if not log_dir:
        raise RequiredArgumentMissingError(
            "Say which job to diagnose.",
            "Use --log-dir <folder> for logs you downloaded, or --name <job> for a job in your workspace.",
        )
    result, facts = analyse_folder_with_facts(log_dir, job=job, workers=_workers(workers))
    charts = _charts(facts) if wants_charts(report_file) else None
    return _deliver(cmd, result.to_dict(), report_file, fail_on, charts, overwrite=overwrite)


def _charts(facts: Any) -> dict[str, Any]:
    from azext_batchtroubleshoot.render.chartdata import chart_data

    return chart_data(facts)


def _workers(requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    return max(1, min(4, os.cpu_count() or 1))


def _deliver(
    cmd: Any,
    report: dict[str, Any],
    report_file: str | None,
    fail_on: str | None,
    charts: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> dict[str, Any] | None:
    if report_file:
        from azext_batchtroubleshoot.render.files import write_report

        write_report(report, report_file, charts, overwrite=overwrite)
    exit_after_output(cmd, exit_code_for(report, fail_on))
    if wants_human_text(cmd):
        from azext_batchtroubleshoot.render.text import render_text

        print(render_text(report, color=color_enabled(cmd)), end="")
        return None
    return report


def list_rules(cmd: Any, category: str | None = None) -> list[dict[str, Any]]:
    from azext_batchtroubleshoot.rules.catalog import list_rules as catalog

    return catalog(category)


def show_rule(cmd: Any, rule_id: str) -> dict[str, Any] | None:
    from azure.cli.core.azclierror import ResourceNotFoundError

    from azext_batchtroubleshoot.rules import find_rule
    from azext_batchtroubleshoot.rules.catalog import describe_rule, render_rule

    rule = find_rule(rule_id)
    if rule is None:
        raise ResourceNotFoundError(
            f"There is no rule '{rule_id}'.", "Run 'az ml batch-troubleshoot rules list -o table' to see them all."
        )
    if wants_human_text(cmd):
        print(render_rule(rule), end="")
        return None
    return describe_rule(rule, full=True)


# --------------------------------------------------------------------------------------------------- jobs in Azure
# Everything below talks to a workspace through azext_batchtroubleshoot.azure (imported lazily: azure.ai.ml is
# loaded only when one of these commands runs, never for --help or --log-dir).


def show_job(
    cmd: Any,
    job_name: str,
    resource_group_name: str | None = None,
    workspace_name: str | None = None,
) -> dict[str, Any]:
    session = _session(cmd, resource_group_name, workspace_name)
    return session.describe(session.plan(job_name))


def job_logs(
    cmd: Any,
    job_name: str,
    resource_group_name: str | None = None,
    workspace_name: str | None = None,
    follow: bool = False,
    file_glob: str | None = None,
    node: str | None = None,
    grep: str | None = None,
    no_diagnosis: bool = False,
    since: str | None = None,
) -> None:
    import re
    import sys
    from datetime import datetime, timezone

    from azure.cli.core.azclierror import InvalidArgumentValueError

    from azext_batchtroubleshoot.azure.follow import Follower, LineFilter, parse_since

    try:
        pattern = re.compile(grep) if grep else None
    except re.error as exc:
        raise InvalidArgumentValueError(f"--grep is not a valid regular expression: {exc}.", None) from exc
    try:
        cutoff = parse_since(since, datetime.now(timezone.utc).replace(tzinfo=None)) if since else None
    except ValueError as exc:
        raise InvalidArgumentValueError(str(exc), "For example: --since 15m, or --since 2024-05-12T10:00:00.") from exc
    session = _session(cmd, resource_group_name, workspace_name)
    follower = Follower(
        session.jobs,
        session.store,
        job_name,
        color=color_enabled(cmd) and bool(getattr(sys.stdout, "isatty", lambda: False)()),
        line_filter=LineFilter(file_glob=file_glob, node=node, grep=pattern, since=cutoff),
        settings=session.settings,
    )
    try:
        summary = follower.follow() if follow else follower.print_once()
    except KeyboardInterrupt:
        sys.stdout.flush()
        ws = session.workspace
        print(
            f"\nStopped following the logs of '{job_name}'. The job keeps running in Azure ML; cancel it with "
            f"'az ml job cancel -n {job_name} -g {ws.resource_group} -w {ws.name}' if you meant to.",
            file=sys.stderr,
        )
        raise SystemExit(130) from None
    if not follow:
        return None
    print(f"--- {job_name} is {summary.status}: {summary.lines} lines from {summary.files} log files.")
    if not no_diagnosis and summary.plan is not None:
        _print_verdict(cmd, session, summary.plan, job_name)
    sys.stdout.flush()
    return None


def _print_verdict(cmd: Any, session: Any, plan: Any, job_name: str) -> None:
    from azext_batchtroubleshoot.azure.session import job_info
    from azext_batchtroubleshoot.core.engine import analyse_folder

    folder, user_given = _download_folder(cmd, session, plan.job.name, None)
    fetched = session.fetch_logs(plan, folder, user_given=user_given, progress=_progress(cmd))
    target = fetched.folder_to_analyse()
    if target is None:
        print("--- Diagnosis: the job wrote no logs to analyse.")
        return
    report = analyse_folder(target, job=job_info(plan), workers=_workers(None)).to_dict()
    verdict = str(report.get("verdict", "unknown")).upper()
    print(f"--- Diagnosis: {verdict}  {report.get('summary') or ''}".rstrip())
    ws = session.workspace
    print(f"--- Full report: az ml batch-troubleshoot diagnose -n {job_name} -g {ws.resource_group} -w {ws.name}")


def _session(cmd: Any, resource_group_name: str | None, workspace_name: str | None) -> Any:
    from azure.cli.core.azclierror import RequiredArgumentMissingError

    from azext_batchtroubleshoot._client_factory import cf_ml_client, login_credentials
    from azext_batchtroubleshoot.azure.errors import WorkspaceRef
    from azext_batchtroubleshoot.azure.session import Session

    if not resource_group_name or not workspace_name:
        missing = "--resource-group/-g" if not resource_group_name else "--workspace-name/-w"
        raise RequiredArgumentMissingError(
            f"Say which workspace the job is in: {missing} is missing.",
            "Pass --resource-group/-g and --workspace-name/-w (as for 'az ml job show'), or set defaults once: "
            "az configure --defaults group=<resource group> workspace=<workspace>",
        )
    credential, subscription, _tenant = login_credentials(cmd.cli_ctx, cmd.cli_ctx.data.get("subscription_id"))
    client = cf_ml_client(cmd.cli_ctx, subscription, resource_group_name, workspace_name, credential)
    return Session(client, WorkspaceRef(subscription, resource_group_name, workspace_name))


def _download_folder(cmd: Any, session: Any, job: str, download_path: str | None) -> tuple[str, bool]:
    from azext_batchtroubleshoot.azure.session import default_download_folder

    if download_path:
        return os.path.abspath(os.path.expanduser(download_path)), True
    return default_download_folder(cmd.cli_ctx.config.config_dir, session.workspace, job), False


def _progress(cmd: Any) -> Any:
    """A determinate progress bar on stderr when it is a terminal; nothing otherwise."""
    import sys

    if not getattr(sys.stderr, "isatty", lambda: False)():
        return None
    hook = cmd.cli_ctx.get_progress_controller(det=True)

    def _update(done: int, total: int, size: int) -> None:
        if total == 0:
            return
        message = f"Downloading logs: {done}/{total} files, {size / 1048576:.1f} MB"
        hook.add(message=message, value=done, total_val=total)
        if done >= total:
            hook.end()

    return _update


def _fetch_job_logs(
    cmd: Any,
    job_name: str,
    resource_group_name: str | None,
    workspace_name: str | None,
    download_path: str | None,
    *,
    refresh: bool,
    overwrite: bool,
) -> tuple[str, Any]:
    """Download the logs of the job (only what is missing or changed) and return (folder to analyse, JobInfo)."""
    import sys

    from knack.log import get_logger

    from azext_batchtroubleshoot.azure.session import job_info
    from azext_batchtroubleshoot.core.errors import LogFolderError

    session = _session(cmd, resource_group_name, workspace_name)
    folder = None
    try:
        plan = session.plan(job_name)
        folder, user_given = _download_folder(cmd, session, plan.job.name, download_path)
        fetched = session.fetch_logs(
            plan, folder, user_given=user_given, overwrite=overwrite, refresh=refresh, progress=_progress(cmd)
        )
    except KeyboardInterrupt:
        kept = f" The files already complete are kept in '{folder}'; run the same command again to fetch the rest."
        print(f"\nInterrupted.{kept if folder else ''}", file=sys.stderr)
        raise SystemExit(130) from None
    result = fetched.result
    get_logger(__name__).info(
        "Logs of %s: %d files (%d downloaded, %d already here) in %s",
        plan.primary.name,
        result.files,
        result.downloaded,
        result.reused,
        folder,
    )
    for name, reason in result.rejected:
        get_logger(__name__).warning("Skipped the log file '%s' served by the workspace: %s.", name, reason)
    target = fetched.folder_to_analyse()
    if target is None:
        raise LogFolderError(
            f"Job '{plan.job.name}' has no log files yet (status: {plan.job.status or 'unknown'}).",
            f"Jobs write logs once they start running: try again later, or follow them with "
            f"'az ml batch-troubleshoot logs -n {plan.job.name} --follow'.",
        )
    return target, job_info(plan)


# --------------------------------------------------------------------------------------------------- pre-flight checks
# 'check deployment' and 'check invoke': the core (azext_batchtroubleshoot.checks) reads the files offline; only the
# output-location question of 'check invoke' talks to the workspace, and only when one is given.


def check_deployment(
    cmd: Any,
    file: str,
    instance_type: str | None = None,
    fail_on: str | None = None,
) -> dict[str, Any] | None:
    from azext_batchtroubleshoot.checks.runner import check_deployment as run_checks

    report = run_checks(file, instance_type=instance_type).to_dict()
    return _deliver_check(cmd, report, fail_on)


def check_invoke(
    cmd: Any,
    input_path: str,
    input_type: str | None = None,
    output_path: str | None = None,
    output_file_name: str | None = None,
    resource_group_name: str | None = None,
    workspace_name: str | None = None,
    fail_on: str | None = None,
) -> dict[str, Any] | None:
    from azext_batchtroubleshoot.checks.invoke import InvokeRequest, classify_output
    from azext_batchtroubleshoot.checks.runner import check_invocation

    request = InvokeRequest(
        input=input_path, input_type=input_type, output_path=output_path, output_file_name=output_file_name
    )
    state, skipped = None, None
    target = classify_output(output_path, output_file_name) if output_path else None
    if target is not None and target.valid and resource_group_name and workspace_name:
        from azext_batchtroubleshoot.azure.invoke_output import check_output_location

        state, skipped = check_output_location(cmd.cli_ctx, resource_group_name, workspace_name, target)
    report = check_invocation(request, state, skipped).to_dict()
    return _deliver_check(cmd, report, fail_on)


def _deliver_check(cmd: Any, report: dict[str, Any], fail_on: str | None) -> dict[str, Any] | None:
    """Like ``_deliver``, with the checks' own default (exit 1 on an error) and their person-facing renderer."""
    exit_after_output(cmd, exit_code_for(report, fail_on or "error"))
    if wants_human_text(cmd):
        from azext_batchtroubleshoot.render.check_text import render_check_text

        print(render_check_text(report, color=color_enabled(cmd)), end="")
        return None
    return report
