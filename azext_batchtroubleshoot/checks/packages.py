"""The packages an environment declares: a conda file's dependencies, its ``pip:`` section and pip requirement files.

Only what the checks need: each requirement's normalised name, its version constraint, and where it was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .yamlfile import TextFile, YamlFile, scalar_text

_CONDA_SPEC = re.compile(r"^\s*(?:(?P<channel>[\w.\-/]+)::)?(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<spec>.*)$")
_PIP_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)\s*(?P<extras>\[[^\]]*\])?\s*(?P<spec>.*)$")
ReadRequirements = Callable[[Path], Optional[TextFile]]
_EGG = re.compile(r"#egg=(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)")


def normalise(name: str) -> str:
    """PEP 503: case-insensitive, runs of ``-_.`` are one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    name: str  # normalised
    spec: str  # the version constraint as written ("", "==1.13.0", "<82", "=3.12")
    source: str  # "conda" | "pip"
    shown: str  # file the requirement is in, as findings show it
    line: int | None
    raw: str


@dataclass
class Packages:
    requirements: list[Requirement] = field(default_factory=list)
    conda_lists_pip: bool = False
    has_pip_section: bool = False
    pip_section_line: int | None = None
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)  # (file, line, what is wrong)

    def find(self, *names: str) -> Requirement | None:
        wanted = {normalise(n) for n in names}
        for requirement in self.requirements:
            if requirement.name in wanted:
                return requirement
        return None

    def with_prefix(self, prefix: str) -> list[Requirement]:
        return [r for r in self.requirements if r.name.startswith(prefix)]


def conda_packages(conda: YamlFile, read_requirements: ReadRequirements | None = None) -> Packages:
    """Requirements of a conda environment file.  ``read_requirements(path) -> TextFile | None`` follows ``-r``."""
    found = Packages()
    data = conda.data
    if not isinstance(data, dict):
        found.problems.append((conda.shown, 1, "the file is not a mapping with a 'dependencies' list"))
        return found
    dependencies = data.get("dependencies")
    if dependencies is None:
        found.problems.append((conda.shown, 1, "the file has no 'dependencies' list"))
        return found
    if not isinstance(dependencies, list):
        found.problems.append((conda.shown, conda.line("dependencies"), "'dependencies' is not a list"))
        return found
    for index, item in enumerate(dependencies):
        line = conda.line("dependencies", index)
        if isinstance(item, str):
            match = _CONDA_SPEC.match(item)
            if not match:
                continue
            name = normalise(match["name"])
            found.requirements.append(Requirement(name, match["spec"].strip(), "conda", conda.shown, line, item))
            if name == "pip":
                found.conda_lists_pip = True
        elif isinstance(item, dict) and "pip" in item:
            found.has_pip_section = True
            found.pip_section_line = line
            pip_items = item.get("pip") or []
            if not isinstance(pip_items, list):
                found.problems.append((conda.shown, line, "the 'pip:' section is not a list"))
                continue
            for pip_index, pip_item in enumerate(pip_items):
                pip_line = conda.line("dependencies", index, "pip", pip_index)
                _add_pip_line(found, scalar_text(pip_item, 500), conda, pip_line, read_requirements, depth=0)
    return found


def requirements_packages(requirements: TextFile, read_requirements: ReadRequirements | None = None) -> Packages:
    found = Packages()
    for number, text in enumerate(requirements.lines, start=1):
        _add_pip_line(found, text, requirements, number, read_requirements, depth=0)
    return found


def _add_pip_line(
    found: Packages,
    text: str,
    where: TextFile,
    line: int | None,
    read_requirements: ReadRequirements | None,
    depth: int,
) -> None:
    stripped = text.split(" #", 1)[0].strip()
    if not stripped or stripped.startswith("#"):
        return
    if stripped.startswith(("-r ", "--requirement ", "-r", "--requirement=")):
        target = re.sub(r"^(-r|--requirement)[=\s]*", "", stripped).strip()
        nested = read_requirements(Path(where.path).parent / target) if read_requirements else None
        if nested is None:
            found.problems.append((where.shown, line, f"the requirements file '{target}' it includes was not found"))
            return
        if depth < 3:
            for number, nested_text in enumerate(nested.lines, start=1):
                _add_pip_line(found, nested_text, nested, number, read_requirements, depth + 1)
        return
    if stripped.startswith("-"):
        return  # --extra-index-url, -e ., --find-links ...
    egg = _EGG.search(stripped)
    if egg:
        found.requirements.append(Requirement(normalise(egg["name"]), "", "pip", where.shown, line, text.strip()))
        return
    if "://" in stripped.split("@", 1)[0] or stripped.startswith((".", "/")):
        return  # a URL or a local path: no name to check
    match = _PIP_SPEC.match(stripped.split(";", 1)[0])
    if not match:
        return
    spec = match["spec"].strip()
    if spec.startswith("@"):
        spec = ""  # name @ url
    found.requirements.append(Requirement(normalise(match["name"]), spec, "pip", where.shown, line, text.strip()))


def may_resolve_to(spec: str, source: str, major: int) -> bool | None:
    """Can a requirement with this constraint install version ``major`` or newer?  None when we cannot tell."""
    admitted = _admitted_majors(spec, source)
    return None if admitted is None else any(value >= major for value in admitted)


def may_resolve_below(spec: str, source: str, major: int) -> bool | None:
    """Can a requirement with this constraint install a version older than ``major``?"""
    admitted = _admitted_majors(spec, source)
    return None if admitted is None else any(value < major for value in admitted)


def _admitted_majors(spec: str, source: str) -> list[int] | None:
    """The major versions (0-199) a constraint admits, probing each major and every version the spec names."""
    text = spec.strip()
    if not text:
        return list(range(200))
    clauses = [c.strip() for c in re.split(r"[,|]", text) if c.strip()]
    converted: list[str] = []
    for clause in clauses:
        if source == "conda" and re.fullmatch(r"=?\d[\w.*]*", clause):
            # conda: "=65" and "65" mean the 65.* series
            version = clause.lstrip("=")
            converted.append(f"=={version}" if "*" in version else f"=={version}.*")
        elif source == "conda" and clause.startswith("=") and not clause.startswith("=="):
            converted.append(f"=={clause[1:]}")
        else:
            converted.append(clause)
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version
    except ImportError:  # pragma: no cover - packaging comes with the Azure CLI
        return None
    try:
        specifiers = SpecifierSet(",".join(converted))
    except InvalidSpecifier:
        return None
    probes = [f"{major}.{minor}.0" for major in range(200) for minor in (0, 5)]
    probes += re.findall(r"\d+(?:\.\d+)*", text)
    admitted: set[int] = set()
    for probe in probes:
        try:
            version = Version(probe)
        except InvalidVersion:
            continue
        if specifiers.contains(version, prereleases=True):
            admitted.add(version.major)
    return sorted(admitted)
