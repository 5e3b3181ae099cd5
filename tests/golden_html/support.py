"""Helpers of the HTML and Markdown report tests: the scenarios, their frozen inputs, and what a golden keeps.

A golden keeps the report's CONTENT, not the 4 MB of plotly.js: the visible text of the page, its links, findings,
filters, and for each chart its title, axes and traces (type, name, number of points).

The renderers are what these goldens test, so their input is frozen: ``inputs/<scenario>.report.json`` is the
engine's report for the scenario's log tree, written once (delete it to take a new one from the engine).  The chart
data is computed from the tree each time (it does not depend on the rules).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from azext_batchtroubleshoot.core.engine import analyse_folder_with_facts
from azext_batchtroubleshoot.render.chartdata import chart_data

from . import jobtree

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
INPUTS = HERE / "inputs"
SCENARIOS = ("sample", "partial")
ROOT_MARK = "<root>"


def scenario_tree(name: str, workdir: Path) -> Path:
    if name == "sample":
        return REPO_ROOT / "samples" / "init-missing-module"
    folder = workdir / name
    if not folder.exists():
        jobtree.write_job(str(folder))
    return folder


def _normalise_root(value: Any, root: str) -> Any:
    if isinstance(value, str):
        return value.replace(root, ROOT_MARK)
    if isinstance(value, dict):
        return {key: _normalise_root(item, root) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise_root(item, root) for item in value]
    return value


def scenario(name: str, workdir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The frozen report and fresh chart data of a scenario."""
    folder = scenario_tree(name, workdir)
    report, facts = analyse_folder_with_facts(str(folder))
    frozen = INPUTS / f"{name}.report.json"
    if not frozen.exists():
        INPUTS.mkdir(parents=True, exist_ok=True)
        data = _normalise_root(report.to_dict(), str(folder))
        frozen.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return json.loads(frozen.read_text(encoding="utf-8")), _normalise_root(chart_data(facts), str(folder))


# ---------------------------------------------------------------------------------------------------
# What an HTML page holds

_BLOCKS = {
    "p", "h1", "h2", "h3", "h4", "li", "tr", "div", "section", "summary", "figcaption", "pre", "dt", "dd",
    "article", "header", "footer", "nav", "button", "table", "ol", "ul", "details", "figure", "main",
}  # fmt: skip


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.script: dict[str, str] | None = None
        self.script_text: list[str] = []
        self.charts: list[tuple[dict[str, str], str]] = []
        self.links: list[list[str]] = []
        self.link: list[str] | None = None
        self.findings: list[list[str]] = []
        self.filters: list[list[str]] = []
        self.loads: list[str] = []
        self.meta: dict[str, str] = {}

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag in ("script", "style"):
            self.skip += 1
            if tag == "script":
                self.script = attributes
                self.script_text = []
                if attributes.get("src"):
                    self.loads.append(f"script src={attributes['src']}")
            return
        if tag in _BLOCKS or tag == "br":
            self._flush()
        if tag in ("td", "th") and "".join(self.current).strip():
            self.current.append(" | ")
        for key in ("src", "srcset", "poster", "data", "background"):
            if attributes.get(key):
                self.loads.append(f"{tag} {key}={attributes[key]}")
        if tag in ("link", "img", "iframe", "object", "embed", "video", "audio", "source", "base", "form"):
            self.loads.append(f"<{tag}> {attributes}")
        if tag == "meta" and attributes.get("http-equiv"):
            self.meta[attributes["http-equiv"]] = attributes.get("content", "")
        if tag == "a":
            self.link = [attributes.get("href", ""), attributes.get("target", ""), attributes.get("rel", ""), ""]
        if tag == "article":
            self.findings.append(
                [attributes.get("id", ""), attributes.get("data-severity", ""), attributes.get("data-category", "")]
            )
        if tag == "button" and attributes.get("data-filter"):
            self.filters.append([attributes["data-filter"], attributes.get("data-value", "")])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
            if tag == "script" and self.script is not None and "chart-spec" in self.script.get("class", ""):
                self.charts.append((self.script, "".join(self.script_text)))
            self.script = None
            return
        if tag == "a" and self.link is not None:
            self.links.append(self.link)
            self.link = None
        if tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            if self.script is not None:
                self.script_text.append(data)
            return
        self.current.append(data)
        if self.link is not None:
            self.link[3] += data


def _title(axis: dict[str, Any]) -> str:
    title = axis.get("title") or {}
    return str(title.get("text", "")) if isinstance(title, dict) else str(title)


def chart_summary(ident: str, spec: dict[str, Any]) -> dict[str, Any]:
    layout = spec.get("layout") or {}
    traces = []
    for trace in spec.get("data") or []:
        points = trace.get("x") or trace.get("y") or trace.get("z") or trace.get("q1") or []
        traces.append({"type": trace.get("type"), "name": trace.get("name"), "points": len(points)})
    shapes = [
        {"type": shape.get("type"), "y": shape.get("y0"), "dash": (shape.get("line") or {}).get("dash")}
        for shape in layout.get("shapes") or []
    ]
    return {
        "id": ident,
        "title": _title(layout),
        "x": _title(layout.get("xaxis") or {}),
        "y": _title(layout.get("yaxis") or {}),
        "barmode": layout.get("barmode"),
        "traces": traces,
        "lines": shapes,
        "annotations": [a.get("text") for a in layout.get("annotations") or []],
    }


def page_content(html: str) -> dict[str, Any]:
    page = _Page()
    page.feed(html)
    page.close()
    page._flush()
    text = [re.sub(r"plotly\.js \d+(\.\d+)*", "plotly.js <version>", line) for line in page.lines]
    charts = [chart_summary(attrs.get("data-chart", ""), json.loads(body)) for attrs, body in page.charts]
    return {
        "text": text,
        "links": page.links,
        "findings": page.findings,
        "filters": page.filters,
        "charts": charts,
        "loads": page.loads,
        "csp": page.meta.get("Content-Security-Policy", ""),
    }


def compare_golden(path: Path, actual: str, update: bool) -> None:
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs; run pytest --update-golden and review the diff"
