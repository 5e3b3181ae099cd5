"""BT204 entry-script-module-not-found: the batch driver cannot import the scoring script itself.

The driver imports the scoring script by module name (``--scoring_module_name score.py`` becomes ``score``; a path
``src/score.py`` becomes ``src.score``; a ``score.txt`` stays ``score.txt`` and fails as ``No module named
'score'``).  The error reads like a missing package, but no pip package will fix it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where

_MODULE = re.compile(r"No module named '?([\w.\-]+)'?")
_SCORING_ARG = re.compile(r"--(?:scoring_module_name|entry_script)[ =]+['\"]?([^\s'\",\]]+)")
# When the logs do not say which file is the scoring script: the names people give it.
_SCORING_LIKE = re.compile(r"^(?:\w+_)?(?:score|scoring|batch_driver|entry_script)(?:_\w+)?$", re.IGNORECASE)


def module_name(script: str) -> str:
    """What the driver imports for ``--scoring_module_name``: ``.py`` dropped, folders become packages."""
    name = script.strip().strip("'\"")
    if name.endswith(".py"):
        name = name[:-3]
    return name.replace("/", ".").replace("\\", ".")


def scoring_scripts(facts: JobFacts) -> list[str]:
    """The scoring script names the driver was started with (``--scoring_module_name`` / ``--entry_script``)."""
    found: list[str] = []
    setting = facts.settings.get("scoring_module_name")
    if setting:
        found.append(setting)
    for hit in facts.hits("--scoring_module_name", "--entry_script"):
        for value in _SCORING_ARG.findall(hit.text):
            if value not in found:
                found.append(value)
    return found


def is_scoring_module(missing: str, scripts: Sequence[str]) -> bool:
    if not scripts:
        return bool(_SCORING_LIKE.match(missing))
    for script in scripts:
        wanted = module_name(script)
        if missing == wanted or wanted.startswith(missing + "."):
            return True
    return False


class EntryScriptModuleNotFound(SignatureRule):
    code = "BT204"
    name = "entry-script-module-not-found"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script itself could not be imported"
    remedy = (
        "Make the scoring script a .py file inside the deployment's code folder and name it exactly as "
        "code_configuration.scoring_script (relative to the code folder, no extra folder level); a file uploaded "
        "as .txt or saved under another name cannot be imported. Installing packages does not help here."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script#understanding-the-scoring-script"
    what = (
        "The batch driver imports the scoring script as a Python module; Python found no module of that name in "
        "the code folder."
    )
    why = "Without the scoring script no worker can call init() or run(), so the job fails before any mini-batch."
    example = "EntryScriptException: No module named 'score_return_list'"
    # Loading the scoring script comes before init(); it must also outrank the missing-package reading (BT101,
    # phase 10) of the very same line, which would send the user to the conda file.
    phase = 9
    fatal = True
    triggers = ("No module named", "--scoring_module_name", "--entry_script")
    pattern = _MODULE

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        scripts = scoring_scripts(facts)
        for hit, match in super().matches(facts):
            if hit.trigger == "No module named" and match and is_scoring_module(match.group(1), scripts):
                yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return match.group(1) if match else "scoring-module"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        missing = match.group(1) if match else "?"
        scripts = scoring_scripts(facts)
        script = next((s for s in scripts if is_scoring_module(missing, [s])), None)
        if script and not script.endswith(".py"):
            hint = f" The deployment names '{script}', which is not a .py file."
        elif script:
            hint = f" '{script}' is not in the code folder under that name."
        else:
            hint = ""
        return f"The driver could not import the scoring script: No module named '{missing}'{where(hits)}.{hint}"
