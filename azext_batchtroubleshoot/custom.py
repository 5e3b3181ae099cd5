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
) -> dict[str, Any] | None:
    from azure.cli.core.azclierror import RequiredArgumentMissingError

    from azext_batchtroubleshoot.core.engine import analyse_folder

    if not log_dir:
        raise RequiredArgumentMissingError(
            "Say which job to diagnose.",
            "Use --log-dir <folder> for logs you downloaded, or --name <job> for a job in your workspace.",
        )
    report = analyse_folder(log_dir, workers=_workers(workers)).to_dict()
    return _deliver(cmd, report, report_file, fail_on)


def _workers(requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    return max(1, min(4, os.cpu_count() or 1))


def _deliver(cmd: Any, report: dict[str, Any], report_file: str | None, fail_on: str | None) -> dict[str, Any] | None:
    if report_file:
        from azext_batchtroubleshoot.render.files import write_report

        write_report(report, report_file)
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
