"""Help texts.  Only our own group is described here: ``helps['ml']`` belongs to the official ml extension."""

from knack.help_files import helps

helps["ml batch-troubleshoot"] = """
type: group
short-summary: Explain why an Azure ML batch endpoint or parallel (ParallelRunStep) job failed or is slow.
long-summary: >
    Reads the job's whole log tree (driver log, job_progress_overview, master_role, per-node worker logs,
    stack traces, the scoring script's stdout, resource monitor CSVs, user_logs/std_log) and names the root
    cause with the lines that prove it and the remedy.
"""

helps["ml batch-troubleshoot diagnose"] = """
type: command
short-summary: Diagnose a batch scoring job and print the verdict, the root cause, its evidence and the remedy.
long-summary: >
    Offline: --log-dir analyses a folder of logs you downloaded (the studio's "Outputs + logs" of the
    batchscoring step, or what 'az ml job download --all' writes; the log root is found inside it).

    Output: in a terminal, with no -o/--output and no --query, a readable report is printed: the verdict first,
    the root cause with its evidence (file:line) and remedy, the other findings grouped by severity, the key
    numbers and the studio link when known. With -o json|yaml|jsonc|tsv or --query, or when stdout is piped,
    you get the structured report (schema version 1) like any az command; -o table gives one row per finding.

    Exit code: 0 when the analysis ran, whatever the verdict; --fail-on error|warning makes findings of that
    severity exit with 1 (for CI pipelines). Bad input (no such folder, no job logs) exits non-zero with an
    error that says what was expected.
examples:
  - name: Diagnose a folder of logs downloaded from the studio.
    text: az ml batch-troubleshoot diagnose --log-dir ./batchscoring-logs
  - name: The structured report for a script.
    text: az ml batch-troubleshoot diagnose --log-dir ./logs -o json
  - name: Just the root cause's rule and message.
    text: az ml batch-troubleshoot diagnose --log-dir ./logs --query "root_cause.[rule_id, message]" -o tsv
  - name: One row per finding.
    text: az ml batch-troubleshoot diagnose --log-dir ./logs -o table
  - name: Fail a CI step when an error is found.
    text: az ml batch-troubleshoot diagnose --log-dir ./logs --fail-on error -o none
"""

helps["ml batch-troubleshoot rules"] = """
type: group
short-summary: The rules the diagnosis applies, with their documentation.
"""

helps["ml batch-troubleshoot rules list"] = """
type: command
short-summary: List every rule with its code, name, category and severity.
examples:
  - name: All rules as a table.
    text: az ml batch-troubleshoot rules list -o table
  - name: Only the memory rules.
    text: az ml batch-troubleshoot rules list --category memory -o table
"""

helps["ml batch-troubleshoot rules show"] = """
type: command
short-summary: Show a rule's documentation - what it means, why it matters, an example and the remedy.
examples:
  - name: By code.
    text: az ml batch-troubleshoot rules show --id BT101
  - name: By name.
    text: az ml batch-troubleshoot rules show --id missing-python-module
"""
