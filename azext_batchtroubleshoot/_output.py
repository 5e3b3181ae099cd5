"""How a command's result reaches the user: a readable report for a person, the structured result for scripts,
and exit codes for CI pipelines."""

from __future__ import annotations

import os
import sys
from typing import Any

SEVERITY_ORDER = {"info": 1, "warning": 2, "error": 3}


def wants_human_text(cmd: Any) -> bool:
    """True when the user did not ask for a format (-o/--query) and stdout is a terminal."""
    params = set(cmd.cli_ctx.data.get("safe_params") or [])
    if params & {"--output", "-o", "--query"}:
        return False
    if os.environ.get("AZURE_CORE_OUTPUT"):
        return False
    return bool(getattr(sys.stdout, "isatty", lambda: False)())


def color_enabled(cmd: Any) -> bool:
    return bool(getattr(cmd.cli_ctx, "enable_color", False)) and not os.environ.get("NO_COLOR")


def exit_code_for(report: dict[str, Any], fail_on: str | None) -> int:
    if not fail_on or fail_on == "never":
        return 0
    threshold = SEVERITY_ORDER[fail_on]
    worst = max((SEVERITY_ORDER.get(f.get("severity", "info"), 1) for f in report.get("findings") or []), default=0)
    return 1 if worst >= threshold else 0


def exit_after_output(cmd: Any, code: int) -> None:
    """Make the process exit with ``code`` once the CLI has printed the result."""
    if not code:
        return
    from knack.events import EVENT_CLI_SUCCESSFUL_EXECUTE

    def _exit(cli_ctx: Any, **_kwargs: Any) -> None:
        # One command, one exit code: the same CLI object may run more commands (az interactive, tests).
        cli_ctx.unregister_event(EVENT_CLI_SUCCESSFUL_EXECUTE, _exit)
        raise SystemExit(code)

    # The invoker runs the command on a shallow copy of the CLI context: the event handlers are shared.
    cmd.cli_ctx.register_event(EVENT_CLI_SUCCESSFUL_EXECUTE, _exit)
