"""The command table: a plain list, and the one place that turns core errors into azclierror types."""

from __future__ import annotations

from typing import Any

from azext_batchtroubleshoot._format import transform_findings_table, transform_job_table, transform_rules_table


def load_command_table(loader: Any, _: Any) -> None:
    with loader.command_group("ml batch-troubleshoot", is_preview=True) as group:
        group.custom_command(
            "diagnose", "diagnose", table_transformer=transform_findings_table, exception_handler=handle_exception
        )
        group.custom_show_command(
            "show", "show_job", table_transformer=transform_job_table, exception_handler=handle_exception
        )
        group.custom_command("logs", "job_logs", exception_handler=handle_exception)
    with loader.command_group("ml batch-troubleshoot rules", is_preview=True) as group:
        group.custom_command(
            "list", "list_rules", table_transformer=transform_rules_table, exception_handler=handle_exception
        )
        group.custom_show_command("show", "show_rule", exception_handler=handle_exception)
    with loader.command_group("ml batch-troubleshoot check", is_preview=True) as group:
        group.custom_command(
            "deployment",
            "check_deployment",
            table_transformer=transform_findings_table,
            exception_handler=handle_exception,
        )
        group.custom_command(
            "invoke", "check_invoke", table_transformer=transform_findings_table, exception_handler=handle_exception
        )


def handle_exception(exc: Exception) -> None:
    from azext_batchtroubleshoot._errors import translate

    raise translate(exc) from exc
