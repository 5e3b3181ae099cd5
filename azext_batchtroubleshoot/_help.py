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
    Online: --name (with --resource-group/-g and --workspace-name/-w, or their 'az configure --defaults') finds the
    job in your workspace with your 'az login'. For a batch endpoint job (a pipeline whose step is
    'batchscoring') it fetches only the logs of the job and of that step - never the predictions or other
    outputs - into a cache folder (or --download-path), then analyses them with the job's status, service error
    and studio link. A second run fetches only the files that are new or changed (--refresh fetches them all).
    A job still running is analysed as it stands.

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
  - name: Diagnose a batch endpoint job in your workspace (its name is in 'az ml batch-endpoint list-jobs').
    text: az ml batch-troubleshoot diagnose --name batchjob-3f1c -g my-rg -w my-workspace
  - name: The same, with defaults set once, keeping the logs in a folder of your choice.
    text: |
        az configure --defaults group=my-rg workspace=my-workspace
        az ml batch-troubleshoot diagnose -n batchjob-3f1c --download-path ./batchjob-logs
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

helps["ml batch-troubleshoot show"] = """
type: command
short-summary: Show a job's status, service error, studio link, steps and log files (with sizes), without
    downloading anything.
long-summary: >
    For a batch endpoint job, 'logs_run' names the batchscoring step whose logs explain the job. Reading the log
    list needs read access to the workspace's storage (e.g. 'Storage Blob Data Reader') or the run's log URLs.
examples:
  - name: Everything about a job, as JSON.
    text: az ml batch-troubleshoot show -n batchjob-3f1c -g my-rg -w my-workspace
  - name: The job and its steps, one row each, with their log files.
    text: az ml batch-troubleshoot show -n batchjob-3f1c -o table
  - name: The log files and their sizes.
    text: az ml batch-troubleshoot show -n batchjob-3f1c --query "log_files[].[path, size]" -o tsv
"""

helps["ml batch-troubleshoot logs"] = """
type: command
short-summary: Print a job's logs, or follow them while the job runs; every line starts with the file it came from.
long-summary: >
    Reads the log files of the job and of its batchscoring step (driver, std_log, PRS master and worker logs,
    progress overview, ...), each line prefixed like '[logs/sys/node/0/process000.txt] ...' (a coloured prefix per
    file in a terminal). 'az ml job stream' cannot do this: it refuses pipeline steps and prints nothing for
    finished jobs.

    With --follow it polls for new lines (and new files) until the job finishes, survives network hiccups, then
    prints a summary and the diagnosis verdict. Ctrl-C stops following (exit code 130); the job keeps running.
    Secrets (SAS tokens, keys, passwords) are masked in every line.
examples:
  - name: Follow a running batch job until it finishes.
    text: az ml batch-troubleshoot logs -n batchjob-3f1c -g my-rg -w my-workspace --follow
  - name: Only the worker logs of node 0, only the errors.
    text: az ml batch-troubleshoot logs -n batchjob-3f1c --file 'logs/sys/node/*' --node 0 --grep 'Error|Traceback'
  - name: Print everything the job has written so far, and search it.
    text: az ml batch-troubleshoot logs -n batchjob-3f1c | grep -i "out of memory"
  - name: Only what the job logged in the last 15 minutes, then keep following.
    text: az ml batch-troubleshoot logs -n batchjob-3f1c --since 15m --follow
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

helps["ml batch-troubleshoot check"] = """
type: group
short-summary: Catch the known mistakes before a job runs, in a deployment YAML or an invocation.
long-summary: >
    The checks read your files (never running them) and report with the same findings, output formats and exit
    codes as 'diagnose'. Exit code 1 when an error is found (the deployment or invocation would fail); --fail-on
    warning is stricter, --fail-on never only reports. 'az ml batch-troubleshoot rules list' lists the checks too
    (codes BTD1xx for deployments, BTI1xx for invocations).
"""

helps["ml batch-troubleshoot check deployment"] = """
type: command
short-summary: Check a batch deployment YAML and the files it names before 'az ml batch-deployment create'.
long-summary: >
    Reads the YAML (both the 'type: model' + 'settings:' form and the older form with settings at the root), the
    scoring script (parsed with Python's ast, never imported), the conda file and pip requirements, and reports:
    a non-MLflow model without a scoring script or environment, an MLflow model with a script but no environment,
    a missing or non-.py scoring script, a missing init() or run(mini_batch), a run() that returns nothing on some
    path, an online-endpoint scoring script, conda files without pip or azureml-core, pkg_resources with
    setuptools 82+, settings in the wrong place or with invalid values, a retry timeout too short for the
    mini-batch size, too many processes for the VM (--instance-type), and output settings that do not fit.
    What cannot be checked offline (registered models and environments) is listed as a note.
examples:
  - name: Check a deployment before creating it.
    text: az ml batch-troubleshoot check deployment --file deployment.yml
  - name: Also check the processes per node against the cluster's VM size.
    text: az ml batch-troubleshoot check deployment -f deployment.yml --instance-type Standard_NC6s_v3
  - name: In a CI pipeline, fail on warnings too and print one row per finding.
    text: az ml batch-troubleshoot check deployment -f deployment.yml --fail-on warning -o table
"""

helps["ml batch-troubleshoot check invoke"] = """
type: command
short-summary: Check the input and output of 'az ml batch-endpoint invoke' before invoking.
long-summary: >
    Offline: whether batch endpoints accept the input's form (registered data asset, datastore path, Azure Storage
    URL or local path), whether uri_file or uri_folder fits it, a data asset without a version, and the output
    path's form. With a workspace (-g/-w, or 'az configure --defaults group=... workspace=...') and 'az login', it
    also lists the output location to catch the "Output already exists" case (the output file, e.g.
    predictions.csv, already there) and checks that its datastore is a Blob datastore.
examples:
  - name: Check a local folder input.
    text: az ml batch-troubleshoot check invoke --input ./data/unlabeled
  - name: Check a single file in a datastore.
    text: >-
        az ml batch-troubleshoot check invoke --input-type uri_file
        --input azureml://datastores/workspaceblobstore/paths/heart/heart.csv
  - name: Check that the output folder does not hold results yet.
    text: >-
        az ml batch-troubleshoot check invoke --input azureml:heart-data:1 -g my-rg -w my-ws
        --output-path azureml://datastores/workspaceblobstore/paths/batch-results/run-42
"""
