"""Static analysis of a batch scoring script with ``ast``: the code is parsed, never imported or run.

What the batch driver needs from the script (docs: "Understanding the scoring script"): a module-level ``init()``
that takes no argument and a ``run(mini_batch)`` that takes one (a list of file paths, or a DataFrame for tabular
inputs) and returns a list or a pandas DataFrame with one element per input it scored.  A ``run()`` that returns
nothing makes every mini-batch fail with "The actual type of output is NoneType".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

# Calls that end the process: code after them never runs, like after ``raise``.
EXITING_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit", "os.abort"})
ONLINE_DECORATORS = frozenset({"input_schema", "output_schema"})


@dataclass
class FunctionInfo:
    name: str
    line: int
    end_line: int
    positional: list[str]  # names of positional parameters, in order
    required_positional: int  # positional parameters without a default
    has_varargs: bool
    required_keyword_only: list[str]
    decorators: list[str]
    is_async: bool
    node: ast.FunctionDef | ast.AsyncFunctionDef | None = field(default=None, repr=False)

    def accepts_positional(self, count: int) -> bool:
        if self.required_keyword_only:
            return False
        if count < self.required_positional:
            return False
        return self.has_varargs or count <= len(self.positional)


@dataclass
class ReturnProblem:
    """A way out of ``run()`` that yields no value: a bare ``return``/``return None``, or falling off the end."""

    line: int
    kind: str  # "bare-return" | "return-none" | "falls-off-end" | "generator"


@dataclass
class OnlineStyle:
    line: int
    detail: str


@dataclass
class ScriptAnalysis:
    syntax_error: tuple[int | None, int | None, str] | None = None
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    # Names bound at module level some other way (import, assignment): present, but not analysable.
    other_bindings: dict[str, int] = field(default_factory=dict)
    # Functions defined inside a class or another function -> first line (a run() method is not an entry point).
    nested_functions: dict[str, int] = field(default_factory=dict)
    # Top-level packages imported anywhere in the file -> first line.
    imports: dict[str, int] = field(default_factory=dict)
    run_returns_value: bool = False
    run_problems: list[ReturnProblem] = field(default_factory=list)
    online_style: OnlineStyle | None = None

    def defines(self, name: str) -> bool:
        return name in self.functions or name in self.other_bindings


def analyse_script(text: str, filename: str = "<script>") -> ScriptAnalysis:
    result = ScriptAnalysis()
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as exc:
        result.syntax_error = (exc.lineno, exc.offset, exc.msg or "invalid syntax")
        return result
    except ValueError as exc:  # null bytes in the source
        result.syntax_error = (None, None, str(exc))
        return result
    result.imports = imported_packages(tree)
    for statement in _module_level(tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            result.functions[statement.name] = _function_info(statement)
            result.other_bindings.pop(statement.name, None)
        else:
            for name in _bound_names(statement):
                if name not in result.functions:
                    result.other_bindings.setdefault(name, statement.lineno)
    module_functions = {id(f.node) for f in result.functions.values()}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(node) not in module_functions:
            result.nested_functions.setdefault(node.name, node.lineno)
    run = result.functions.get("run")
    if run is not None and run.node is not None:
        result.run_returns_value, result.run_problems = _return_paths(run.node)
        result.online_style = _online_style(run)
    return result


def imported_packages(tree: ast.AST) -> dict[str, int]:
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name.split(".")[0], node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.setdefault(node.module.split(".")[0], node.lineno)
    return found


def imported_modules(tree: ast.AST) -> dict[str, int]:
    """Full dotted module names imported (``azureml.core``), for messages that name the exact import."""
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.setdefault(node.module, node.lineno)
    return found


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module statements, looking into top-level ``if``/``try`` blocks (``try: import x`` / ``if TYPE_CHECKING``)."""
    flat: list[ast.stmt] = []
    for statement in body:
        flat.append(statement)
        if isinstance(statement, ast.If):
            flat.extend(_module_level(statement.body + statement.orelse))
        elif isinstance(statement, ast.Try):
            inner = statement.body + statement.orelse + statement.finalbody
            for handler in statement.handlers:
                inner += handler.body
            flat.extend(_module_level(inner))
    return flat


def _bound_names(statement: ast.stmt) -> list[str]:
    names: list[str] = []
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        names += [(alias.asname or alias.name).split(".")[0] for alias in statement.names]
    elif isinstance(statement, ast.Assign):
        names += [target.id for target in statement.targets if isinstance(target, ast.Name)]
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and isinstance(statement.target, ast.Name):
        names.append(statement.target.id)
    elif isinstance(statement, ast.ClassDef):
        names.append(statement.name)
    return names


def _function_info(node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionInfo:
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    required = len(positional) - len(args.defaults)
    kw_required = [a.arg for a, default in zip(args.kwonlyargs, args.kw_defaults) if default is None]
    return FunctionInfo(
        name=node.name,
        line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        positional=positional,
        required_positional=max(0, required),
        has_varargs=args.vararg is not None,
        required_keyword_only=kw_required,
        decorators=[_dotted(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list],
        is_async=isinstance(node, ast.AsyncFunctionDef),
        node=node,
    )


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


# ----------------------------------------------------------------------------------------------- return paths


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """Every node of the function's body, not descending into nested functions, lambdas or classes."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    found: list[ast.AST] = []
    stack: list[ast.AST] = [node for node in function.body if not isinstance(node, scopes)]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, scopes))
    return found


def _return_paths(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, list[ReturnProblem]]:
    problems: list[ReturnProblem] = []
    returns_value = False
    own = _own_nodes(function)
    for node in own:
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            problems.append(ReturnProblem(node.lineno, "generator"))
            break
    for node in own:
        if not isinstance(node, ast.Return):
            continue
        if node.value is None:
            problems.append(ReturnProblem(node.lineno, "bare-return"))
        elif isinstance(node.value, ast.Constant) and node.value.value is None:
            problems.append(ReturnProblem(node.lineno, "return-none"))
        else:
            returns_value = True
    if not _terminates(function.body):
        last = function.body[-1]
        problems.append(ReturnProblem(last.end_lineno or last.lineno, "falls-off-end"))
    problems.sort(key=lambda p: p.line)
    return returns_value, problems


def _terminates(statements: list[ast.stmt]) -> bool:
    """True when every path through ``statements`` ends in ``return``/``raise`` (or never ends)."""
    return any(_statement_terminates(statement) for statement in statements)


def _statement_terminates(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.Return, ast.Raise)):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return _dotted(statement.value.func) in EXITING_CALLS
    if isinstance(statement, ast.If):
        if _constant_truth(statement.test) is True:
            return _terminates(statement.body)
        if _constant_truth(statement.test) is False:
            return _terminates(statement.orelse)
        return _terminates(statement.body) and _terminates(statement.orelse)
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return _terminates(statement.body)
    if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
        return _try_terminates(statement)
    if isinstance(statement, ast.While):
        if _constant_truth(statement.test) is True:
            return not _has_break(statement.body)
        return False
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        # The body may run zero times; an ``else`` runs whenever the loop was not left by ``break``.
        return bool(statement.orelse) and not _has_break(statement.body) and _terminates(statement.orelse)
    match_type = getattr(ast, "Match", None)  # Python 3.10+
    if match_type is not None and isinstance(statement, match_type):
        cases = statement.cases
        irrefutable = bool(cases) and _is_wildcard(cases[-1].pattern) and cases[-1].guard is None
        return irrefutable and all(_terminates(case.body) for case in cases)
    return False


def _try_terminates(statement: ast.stmt) -> bool:
    body: list[ast.stmt] = getattr(statement, "body", [])
    orelse: list[ast.stmt] = getattr(statement, "orelse", [])
    finalbody: list[ast.stmt] = getattr(statement, "finalbody", [])
    handlers: list[ast.ExceptHandler] = getattr(statement, "handlers", [])
    if finalbody and _terminates(finalbody):
        return True
    success = _terminates(body) or _terminates(orelse)
    return success and all(_terminates(handler.body) for handler in handlers)


def _is_wildcard(pattern: ast.AST) -> bool:
    return type(pattern).__name__ == "MatchAs" and getattr(pattern, "pattern", None) is None


def _constant_truth(test: ast.expr) -> bool | None:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    return None


def _has_break(statements: list[ast.stmt]) -> bool:
    """A ``break`` that leaves this loop (not one of a nested loop)."""
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            stack.extend(node.orelse)  # a break in a nested loop's else leaves our loop
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


# ----------------------------------------------------------------------------------------------- online style


def _online_style(run: FunctionInfo) -> OnlineStyle | None:
    """An online endpoint's ``run(raw_data)``: JSON text in, JSON out; batch passes a list of file paths."""
    for decorator in run.decorators:
        if decorator.split(".")[-1] in ONLINE_DECORATORS:
            return OnlineStyle(run.line, f"run() is decorated with @{decorator} (inference_schema, online only)")
    if not run.positional or run.node is None:
        return None
    parameter = run.positional[0]
    for node in _own_nodes(run.node):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        callee = _dotted(node.func)
        if callee.split(".")[-1] != "loads" or callee not in ("json.loads", "loads", "ujson.loads", "orjson.loads"):
            continue
        argument = node.args[0]
        if isinstance(argument, ast.Name) and argument.id == parameter:
            return OnlineStyle(node.lineno, f"run() parses its argument as JSON text: {callee}({parameter})")
    return None
