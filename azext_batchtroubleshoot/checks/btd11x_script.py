"""BTD111-BTD117: the scoring script, read as text and parsed with ``ast`` (never imported, never run).

The batch driver imports the script, calls ``init()`` once per process and ``run(mini_batch)`` once per mini-batch;
``run()`` must return a list or a pandas DataFrame (catalog rows 12, 26, 27 and 28).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..core.models import Category, Finding, Severity
from .btd10x_model import DeploymentCheck
from .deployment import DeploymentContext
from .script import FunctionInfo, ScriptAnalysis

SCRIPT_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script"
TROUBLESHOOT_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"


def _analysis(ctx: DeploymentContext) -> ScriptAnalysis | None:
    analysis = ctx.code.analysis
    if analysis is None or analysis.syntax_error is not None:
        return None
    if ctx.code.script is None or ctx.code.script.path.suffix != ".py":
        return None
    return analysis


class ScoringScriptNotFound(DeploymentCheck):
    code = "BTD111"
    name = "scoring-script-not-found"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script or its code folder cannot be found"
    remedy = (
        "Make 'code_configuration.code' the folder that holds the scoring script (relative to the deployment "
        "YAML's folder) and 'scoring_script' the script's path inside that folder."
    )
    docs_url = SCRIPT_URL
    what = "code_configuration names a code folder or a scoring script that does not exist where the CLI looks."
    why = (
        "Only the code folder is uploaded. The CLI stops when it cannot find the script; a script outside the code "
        "folder never reaches the compute, and the job fails with 'No module named ...' for the script itself."
    )
    example = "code_configuration: {code: code, scoring_script: batch_driver.py}  # but code/batch_driver.py is absent"
    phase = 20

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        code = ctx.code
        if not code.present or code.code_is_reference:
            return
        if not isinstance(ctx.yaml.get("code_configuration"), dict):
            yield self.make(
                "'code_configuration' must be a mapping with 'code' (a folder) and 'scoring_script'.",
                [ctx.at("code_configuration")],
            )
            return
        if code.code_value is None:
            yield self.make(
                "code_configuration has no 'code' folder: the scoring script's folder is what gets uploaded.",
                [ctx.at("code_configuration")],
            )
        elif code.code_dir is not None and not code.code_dir.is_dir():
            state = "is a file, not a folder" if code.code_dir.exists() else "does not exist"
            yield self.make(
                f"The code folder '{code.code_value}' {state} (paths are relative to the YAML's folder).",
                [ctx.at("code_configuration", "code")],
            )
            return
        if code.script_value is None:
            yield self.make(
                "code_configuration has no 'scoring_script'.",
                [ctx.at("code_configuration")],
            )
            return
        if code.script_path is None or code.code_dir is None:
            return
        if not code.script_path.is_file():
            hint = _similar(code.script_path)
            yield self.make(
                f"The scoring script '{code.script_value}' is not in the code folder '{code.code_value or '.'}'"
                + (f" (there is '{hint}')." if hint else "."),
                [ctx.at("code_configuration", "scoring_script")],
            )
        elif not _inside(code.script_path, code.code_dir):
            yield self.make(
                f"The scoring script '{code.script_value}' is outside the code folder '{code.code_value}': only the "
                "code folder is uploaded, so the script is missing on the compute.",
                [ctx.at("code_configuration", "scoring_script")],
            )


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _similar(path: Path) -> str | None:
    folder = path.parent
    if not folder.is_dir():
        return None
    wanted = path.name.lower()
    stem = path.stem.lower()
    for candidate in sorted(os.listdir(folder)):
        lowered = candidate.lower()
        if lowered == wanted or lowered.startswith(wanted + ".") or Path(lowered).stem == stem:
            return candidate
    return None


class ScoringScriptNotPython(DeploymentCheck):
    code = "BTD112"
    name = "scoring-script-not-python"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script is not a .py file"
    remedy = "Save the scoring script as a Python file (score.py) in the code folder and name it in scoring_script."
    docs_url = TROUBLESHOOT_URL
    what = "code_configuration.scoring_script names a file that does not end in .py (a .txt or .ipynb, say)."
    why = (
        "The batch driver imports the scoring script as a Python module; anything else fails with "
        "'EntryScriptException: No module named ...' naming the script."
    )
    example = "scoring_script: score_return_list.txt"
    phase = 21

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        value = ctx.code.script_value
        if not ctx.code.present or ctx.code.code_is_reference or not value or value.endswith(".py"):
            return
        yield self.make(
            f"The scoring script '{value}' is not a .py file: the batch driver cannot import it and fails with "
            f"\"No module named '{Path(value).stem}'\".",
            [ctx.at("code_configuration", "scoring_script")],
        )


class ScoringScriptSyntaxError(DeploymentCheck):
    code = "BTD113"
    name = "scoring-script-syntax-error"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script has a syntax error"
    remedy = "Fix the syntax error (run 'python -m py_compile <script>' locally to confirm)."
    docs_url = SCRIPT_URL
    what = "The scoring script cannot be parsed as Python."
    why = "The CLI refuses the deployment (unless --skip-script-validation), and the driver could not import it."
    example = "def run(mini_batch)  # missing ':'"
    phase = 22

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        analysis = ctx.code.analysis
        script = ctx.code.script
        if analysis is None or script is None or analysis.syntax_error is None or script.path.suffix != ".py":
            return
        line, column, message = analysis.syntax_error
        where = f" at line {line}" + (f", column {column}" if column else "") if line else ""
        yield self.make(
            f"The scoring script '{script.shown}' does not parse: {message}{where}.",
            [script.evidence(line)],
        )


class EntryPointMissing(DeploymentCheck):
    code = "BTD114"
    name = "entry-point-missing"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script lacks init() or run()"
    remedy = (
        "Define both module-level functions: init() (load the model once per process) and run(mini_batch) "
        "(score the files and return a list or a pandas DataFrame)."
    )
    docs_url = SCRIPT_URL
    what = "The scoring script defines no module-level init() or no module-level run()."
    why = "The batch driver calls both; without them every worker fails before scoring anything."
    example = "a script with only 'def predict(files):'"
    phase = 23

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        analysis = _analysis(ctx)
        script = ctx.code.script
        if analysis is None or script is None:
            return
        missing = [name for name in ("init", "run") if not analysis.defines(name)]
        if not missing:
            return
        names = " and ".join(f"{name}()" for name in missing)
        nested = _nested_definitions(analysis, missing)
        yield self.make(
            f"The scoring script '{script.shown}' defines no module-level {names}"
            + (f" ({nested})" if nested else "")
            + ": the batch driver calls init() once per process and run(mini_batch) for every mini-batch.",
            [script.evidence(1)],
        )


def _nested_definitions(analysis: ScriptAnalysis, names: list[str]) -> str:
    nested = [
        f"{name}() at line {analysis.nested_functions[name]} is inside a class or function"
        for name in names
        if name in analysis.nested_functions
    ]
    return "; ".join(nested)


class EntryPointSignature(DeploymentCheck):
    code = "BTD115"
    name = "entry-point-signature"
    category = Category.ENTRY_SCRIPT
    title = "init() or run() has the wrong signature"
    remedy = "Use 'def init():' with no parameter and 'def run(mini_batch):' with exactly one (plain def, not async)."
    docs_url = SCRIPT_URL
    what = "init() requires arguments, or run() cannot be called with exactly one argument, or either is async."
    why = (
        "The driver calls init() and run(mini_batch) with those exact arguments; anything else raises TypeError in "
        "every process, and an async run() returns a coroutine instead of results."
    )
    example = "def run(mini_batch, model):  # the driver passes one argument"
    phase = 24

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        analysis = _analysis(ctx)
        script = ctx.code.script
        if analysis is None or script is None:
            return
        init = analysis.functions.get("init")
        run = analysis.functions.get("run")
        if init is not None:
            problem = _signature_problem(init, 0)
            if problem:
                yield self.make(
                    f"init() {problem}: the driver calls init() with no argument.", [script.evidence(init.line)]
                )
        if run is not None:
            problem = _signature_problem(run, 1)
            if problem:
                yield self.make(
                    f"run() {problem}: the driver calls run(mini_batch) with one argument.", [script.evidence(run.line)]
                )


def _signature_problem(function: FunctionInfo, arguments: int) -> str | None:
    if function.is_async:
        return "is async, so calling it returns a coroutine, not results"
    if function.required_keyword_only:
        return f"requires keyword-only argument(s) {', '.join(function.required_keyword_only)}"
    if function.accepts_positional(arguments):
        return None
    if arguments < function.required_positional:
        return f"requires {function.required_positional} argument(s) ({', '.join(function.positional)})"
    return "takes no argument"


class RunReturnsNothing(DeploymentCheck):
    code = "BTD116"
    name = "run-returns-nothing"
    category = Category.ENTRY_SCRIPT
    title = "run() does not return a list or DataFrame on every path"
    remedy = (
        "Make run() end with 'return' of a list or a pandas DataFrame on every path: one element per input it "
        "scored (the length counts as the succeeded items; with append_row they are the rows written). Even with "
        "summary_only, return something like the list of processed files."
    )
    docs_url = SCRIPT_URL
    what = (
        "run() has a bare 'return' or 'return None', can reach its end without returning, or is a generator "
        "(it uses yield)."
    )
    why = (
        "The driver requires a list or a DataFrame. None fails the mini-batch with 'The run() method in the entry "
        "script should return a list or a pandas DataFrame ... The actual type of output is NoneType.'; when every "
        "mini-batch does this, the job ends with 'There is no succeeded mini batch item returned from run()'."
    )
    example = "def run(mini_batch):\n      for path in mini_batch: score(path)   # no return: NoneType"
    phase = 25

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        analysis = _analysis(ctx)
        script = ctx.code.script
        if analysis is None or script is None or "run" not in analysis.functions:
            return
        problems = analysis.run_problems
        if not problems:
            return
        evidence = [script.evidence(problem.line) for problem in problems]
        generator = next((p for p in problems if p.kind == "generator"), None)
        if generator is not None:
            yield self.make(
                f"run() is a generator (yield at line {generator.line}): it returns a generator object, not a list "
                "or DataFrame, so every mini-batch fails.",
                [script.evidence(generator.line)],
            )
            return
        ways = "; ".join(_describe(problem.kind, problem.line) for problem in problems)
        if not analysis.run_returns_value:
            yield self.make(
                f"run() never returns a value ({ways}): it returns None, so every mini-batch fails with 'The actual "
                "type of output is NoneType'.",
                evidence,
            )
            return
        yield self.make(
            f"run() returns None on some paths ({ways}): those mini-batches fail with 'The actual type of output is "
            "NoneType'.",
            evidence,
            severity=Severity.WARNING,
        )


def _describe(kind: str, line: int) -> str:
    if kind == "falls-off-end":
        return f"it can reach its end at line {line} without a return"
    if kind == "return-none":
        return f"'return None' at line {line}"
    return f"a bare 'return' at line {line}"


class OnlineStyleScript(DeploymentCheck):
    code = "BTD117"
    name = "online-style-script"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script is written for an online endpoint"
    remedy = (
        "Write a batch scoring script: run(mini_batch) receives a list of file paths (or a DataFrame for tabular "
        "input), reads the files, and returns a list or DataFrame; do not parse the argument as a JSON request."
    )
    docs_url = SCRIPT_URL
    what = (
        "run() treats its argument as an online request (json.loads of it), or is decorated with inference_schema's "
        "@input_schema/@output_schema as AutoML's generated online scoring scripts are."
    )
    why = (
        "Batch deployments pass a mini-batch (file paths), not a JSON string; an online score.py fails on every "
        "mini-batch, e.g. 'the JSON object must be str, bytes or bytearray, not MiniBatch'."
    )
    example = "def run(raw_data):\n      data = json.loads(raw_data)['data']"
    phase = 26

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        analysis = _analysis(ctx)
        script = ctx.code.script
        if analysis is None or script is None or analysis.online_style is None:
            return
        online = analysis.online_style
        yield self.make(
            f"{online.detail}: that is an online endpoint's scoring script; batch passes a list of file paths, so "
            "every mini-batch fails.",
            [script.evidence(online.line)],
        )
