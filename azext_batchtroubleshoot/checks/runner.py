"""Run the checks and build the same ``Report`` as ``diagnose``, so renderers, ``--query`` and exit codes apply.

Verdict mapping for a check: ``failed`` when any finding is an error (the deployment or invocation would fail),
``healthy`` otherwise (warnings and notes may remain).  ``job`` is empty; ``stats.check`` says what was checked.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ..core.models import Finding, JobInfo, Report, Severity, Sources, Verdict
from . import DEPLOYMENT_CHECKS, INVOKE_CHECKS
from .base import Check, plural, sort_findings
from .deployment import DeploymentContext, load_deployment
from .invoke import InvokeContext, InvokeRequest, OutputState, build_context
from .yamlfile import scalar_text

NO_WORKSPACE = "no workspace is known (give -g/-w, or 'az configure --defaults group=<rg> workspace=<ws>')"


def run_checks(checks: Sequence[Check[Any]], ctx: Any, sources: Sources) -> list[Finding]:
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check.check(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others' findings
            sources.rule_errors.append({"rule_id": check.code, "error": f"{type(exc).__name__}: {exc}"})
    return sort_findings(findings)


def check_deployment(path: str | os.PathLike[str], instance_type: str | None = None) -> Report:
    ctx = load_deployment(path, instance_type=instance_type)
    sources = Sources(
        root=str(ctx.root),
        files_read=len(ctx.files),
        files_skipped=list(ctx.skipped),
        bytes_read=sum(source.size for source in ctx.files),
        layout="deployment-yaml",
    )
    checks = DEPLOYMENT_CHECKS
    if ctx.deployment_type == "pipeline":
        checks = tuple(c for c in DEPLOYMENT_CHECKS if c.code in ("BTD104", "BTD190"))
    findings = run_checks(checks, ctx, sources)
    label = ctx.yaml.shown
    return Report(
        verdict=_verdict(findings),
        summary=_summary(findings, f"the deployment {label}", "The deployment would fail"),
        job=JobInfo(),
        findings=findings,
        stats={"check": _deployment_stats(ctx), "counts": _counts(findings), "checks_run": len(checks)},
        sources=sources,
    )


def check_invocation(
    request: InvokeRequest, output_state: OutputState | None = None, online_skipped: str | None = None
) -> Report:
    ctx = build_context(request, output_state, online_skipped)
    if ctx.output is not None and ctx.output.valid and output_state is None and online_skipped is None:
        ctx.online_skipped = NO_WORKSPACE
    sources = Sources(root=str(request.base_dir), layout="invocation")
    findings = run_checks(INVOKE_CHECKS, ctx, sources)
    return Report(
        verdict=_verdict(findings),
        summary=_summary(findings, "this invocation", "The invocation would fail"),
        job=JobInfo(),
        findings=findings,
        stats={"check": _invoke_stats(ctx), "counts": _counts(findings), "checks_run": len(INVOKE_CHECKS)},
        sources=sources,
    )


def _verdict(findings: Sequence[Finding]) -> Verdict:
    return Verdict.FAILED if any(f.severity == Severity.ERROR for f in findings) else Verdict.HEALTHY


def _counts(findings: Sequence[Finding]) -> dict[str, int]:
    return {level.label: sum(1 for f in findings if f.severity == level) for level in reversed(Severity)}


def _summary(findings: Sequence[Finding], subject: str, failing: str) -> str:
    errors = [f for f in findings if f.severity == Severity.ERROR]
    warnings = [f for f in findings if f.severity == Severity.WARNING]
    if errors:
        more = f" (and {plural(len(errors) - 1, 'more error')})" if len(errors) > 1 else ""
        return f"{failing}: {errors[0].message}{more}"
    if warnings:
        return f"No blocking problem in {subject}; {plural(len(warnings), 'warning')}, first: {warnings[0].message}"
    return f"No known mistake found in {subject}."


def _deployment_stats(ctx: DeploymentContext) -> dict[str, Any]:
    data = ctx.yaml.data
    env = ctx.env
    environment = env.reference or env.name or env.image or (None if not env.present else "inline")
    return {
        "kind": "deployment",
        "file": ctx.yaml.shown,
        "name": _scalar(data.get("name")),
        "endpoint_name": _scalar(data.get("endpoint_name")),
        "type": ctx.deployment_type or "model (older form, no 'type')",
        "model": ctx.model.reference or ctx.model.path_value,
        "model_kind": ctx.model.kind,
        "scoring_script": ctx.code.script.shown if ctx.code.script else ctx.code.script_value,
        "environment": environment,
        "instance_type": ctx.instance_type,
        "settings": {name: _scalar(setting.value) for name, setting in ctx.settings.items()},
    }


def _scalar(value: Any) -> Any:
    """JSON-safe and bounded: a scalar as it is, anything else as short text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return scalar_text(value)


def _invoke_stats(ctx: InvokeContext) -> dict[str, Any]:
    output = ctx.output
    return {
        "kind": "invoke",
        "input": ctx.input.text,
        "input_form": ctx.input.kind,
        "input_type": ctx.input_type,
        "output_path": output.text if output else None,
        "output_datastore": output.datastore if output else None,
        "output_file": output.file_path if output and output.valid else None,
        "output_checked": bool(ctx.output_state and ctx.output_state.checked),
    }
