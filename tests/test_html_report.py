"""The HTML report: its content (goldens), that it loads nothing from the network, redaction and escaping, the chart
data on a 200,000-attempt job, the CLI path, and an end-to-end look in headless Chromium.

Goldens: ``tests/golden_html/<scenario>.html.json`` hold the page's text, links, findings, filters and a summary of
each chart; ``pytest --update-golden`` rewrites them.  The browser test saves screenshots under ``tests/artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from azext_batchtroubleshoot.core.errors import ReportWriteError  # noqa: E402
from azext_batchtroubleshoot.core.models import JobInfo  # noqa: E402
from azext_batchtroubleshoot.logs.facts import JobFacts  # noqa: E402
from azext_batchtroubleshoot.logs.layout import FileKind, LogFile, LogTree  # noqa: E402
from azext_batchtroubleshoot.logs.tables import MiniBatchRow, NodePerf  # noqa: E402
from azext_batchtroubleshoot.render.chartdata import MAX_BARS, chart_data  # noqa: E402
from azext_batchtroubleshoot.render.files import write_report  # noqa: E402
from azext_batchtroubleshoot.render.html import render_html  # noqa: E402
from tests.golden_html import browser, jobtree  # noqa: E402
from tests.golden_html.support import HERE, SCENARIOS, compare_golden, page_content, scenario  # noqa: E402

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
WEB = re.compile(r"(?i)\b(?:https?:)?//")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def _update(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("html-report")


def _page(name: str, workdir: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    report, charts = scenario(name, workdir)
    target = workdir / f"{name}.html"
    write_report(report, str(target), charts)
    return target.read_text(encoding="utf-8"), report, charts


# ---------------------------------------------------------------------------------------------------
# Content


@pytest.mark.parametrize("name", SCENARIOS)
def test_golden_content(name: str, workdir: Path, request: pytest.FixtureRequest) -> None:
    html, _, _ = _page(name, workdir)
    content = page_content(html)
    compare_golden(
        HERE / f"{name}.html.json", json.dumps(content, indent=1, ensure_ascii=False) + "\n", _update(request)
    )


def test_page_has_what_the_issue_asks_for(workdir: Path) -> None:
    html, report, _ = _page("partial", workdir)
    content = page_content(html)
    text = "\n".join(content["text"])
    assert "◐ PARTIAL" in text and report["summary"] in text
    root = report["root_cause"]
    assert f"Root cause: {root['title']}" in text and root["remedy"] in text
    for item in root["evidence"]:
        assert f"{item['path']}:{item['line']}" in text and item["excerpt"] in text
    assert [f[1] for f in content["findings"]] == [f["severity"] for f in report["findings"]]
    assert {"severity", "category", "reset"} <= {kind for kind, _ in content["filters"]}
    ids = [chart["id"] for chart in content["charts"]]
    for wanted in ("timeline", "throughput", "durations", "skew", "cpu", "memory", "disk", "failures-node"):
        assert f"chart-{wanted}" in ids
    timeline = next(c for c in content["charts"] if c["id"] == "chart-timeline")
    assert {"succeeded", "failed", "timed out", "succeeded (retry)"} <= {t["name"] for t in timeline["traces"]}
    memory = next(c for c in content["charts"] if c["id"] == "chart-memory")
    assert memory["lines"] and memory["annotations"] == ["node memory 16,012 MB"]


def test_studio_and_docs_links_are_plain_anchors(workdir: Path) -> None:
    report, charts = scenario("partial", workdir)
    report = {**report, "job": {**report["job"], "name": "job-1", "studio_url": "https://ml.azure.com/runs/job-1"}}
    content = page_content(render_html(report, charts))
    links = {href: (target, rel) for href, target, rel, _ in content["links"]}
    assert links["https://ml.azure.com/runs/job-1"] == ("_blank", "noopener noreferrer")
    assert any(href.startswith("https://learn.microsoft.com/") for href in links)


@pytest.mark.parametrize("name", SCENARIOS)
def test_page_loads_nothing_from_the_network(name: str, workdir: Path) -> None:
    html, _, _ = _page(name, workdir)
    content = page_content(html)
    assert content["loads"] == []  # no <script src>, <link>, <img>, <iframe>, <base>, <form>
    assert "default-src 'none'" in content["csp"] and "connect-src 'none'" in content["csp"]
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
    for match in re.finditer(r"""(\w[\w-]*)\s*=\s*["']([^"']*)["']""", markup):
        attribute, value = match.group(1).lower(), match.group(2)
        if WEB.search(value):
            assert attribute == "href", (attribute, value)
    hrefs = re.findall(r"""<(\w+)[^>]*\shref=["']([^"']*)["']""", markup)
    assert all(tag == "a" and (href.startswith("#") or href.startswith("https://")) for tag, href in hrefs), hrefs
    style = "".join(re.findall(r"<style>(.*?)</style>", html, flags=re.S))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert len(re.findall(r"<script id=\"plotly-js\">", html)) == 1


def test_secrets_from_the_logs_never_reach_the_page(workdir: Path) -> None:
    folder = workdir / "secrets"
    jobtree.write_job(str(folder), mini_batches=60)
    target = workdir / "secrets.html"
    from azext_batchtroubleshoot.core.engine import analyse_folder_with_facts

    report, facts = analyse_folder_with_facts(str(folder))
    charts = chart_data(facts)
    assert any("***" in reason["message"] for reason in charts["failures"]["reasons"])
    write_report(report.to_dict(), str(target), charts)
    html = target.read_text(encoding="utf-8")
    assert "Zm9vYmFyc2VjcmV0c2lnbmF0dXJl" not in html
    assert "c2VjcmV0a2V5c2VjcmV0a2V5c2VjcmV0a2V5" not in html


def _hostile_report() -> dict[str, Any]:
    evil = "<script>alert('x')</script><img src=https://evil.example/p.png>"
    finding = {
        "rule_id": "BT990",
        "name": "unknown-error",
        "category": "entry-script",
        "severity": "error",
        "title": f"Title {evil}",
        "message": f"Message {evil} token=SuperSecretValue1",
        "remedy": f"Remedy {evil}",
        "evidence": [{"path": f"logs/{evil}.txt", "line": 3, "excerpt": f"excerpt {evil}"}],
        "count": 1,
        "docs_url": "javascript:alert(1)",
        "role": "cause",
        "nodes": [evil],
        "processes": [],
        "first_seen": None,
        "last_seen": None,
    }
    return {
        "schema_version": "1",
        "verdict": "failed",
        "summary": f"Summary {evil}",
        "job": {"name": evil, "studio_url": "javascript:alert(2)", "error": evil},
        "root_cause": finding,
        "findings": [finding],
        "stats": {"resources": {evil: {"cpu_peak_percent": 1.0}}},
        "sources": {"root": evil, "files_read": 1, "files_skipped": [{"path": evil, "reason": evil}]},
    }


def test_text_from_the_logs_is_escaped_and_redacted() -> None:
    charts = {
        "timeline": None,
        "throughput": None,
        "durations": None,
        "failures": None,
        "notes": ["<script>alert('note')</script>"],
        "perf": {
            "nodes": [
                {
                    "node": "</script><script>alert('node')</script>",
                    "memory_total_mb": None,
                    "cpu": {"t": ["2024-05-12 10:00:00", "2024-05-12 10:01:00"], "v": [1.0, 2.0], "stride": 1},
                    "memory": None,
                    "disk": None,
                }
            ]
        },
    }
    html = render_html(_hostile_report(), charts)
    assert "<script>alert" not in html and "<img src=https://evil" not in html
    assert "SuperSecretValue1" not in html
    assert "javascript:" not in re.sub(r'<script id="plotly-js">.*?</script>', "", html, flags=re.S)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert page_content(html)["loads"] == []


def test_without_chart_data_the_page_says_so_and_needs_no_plotly(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("plotly", "plotly.offline", "plotly.io", "plotly.graph_objects"):
        monkeypatch.setitem(sys.modules, name, None)  # importing any of them now fails
    html = render_html(_hostile_report())
    assert "has no charts" in html and "plotly-js" not in html


def test_missing_plotly_is_a_clear_error(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report, charts = scenario("sample", workdir)
    for name in ("plotly", "plotly.offline", "plotly.io", "plotly.graph_objects"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ReportWriteError) as caught:
        write_report(report, str(workdir / "no-plotly.html"), charts)
    assert "plotly" in caught.value.message and "pip install" in (caught.value.recommendation or "")
    assert not (workdir / "no-plotly.html").exists()


# ---------------------------------------------------------------------------------------------------
# Chart data


def test_chart_data_is_pure_and_json_ready(workdir: Path) -> None:
    from azext_batchtroubleshoot.core.engine import analyse_folder_with_facts

    _, facts = analyse_folder_with_facts(str(jobtree_folder(workdir)))
    first, second = chart_data(facts), chart_data(facts)
    assert first == second
    assert json.loads(json.dumps(first)) == first
    assert first["timeline"]["mode"] == "bars" and first["notes"] == []
    assert len(first["timeline"]["lane"]) == first["timeline"]["attempts"] == facts.minibatches.attempts
    assert sum(first["throughput"]["succeeded"]) + sum(first["throughput"]["failed"]) == facts.minibatches.attempts
    assert [box["name"] for box in first["durations"]["boxes"]] == ["10.0.0.4", "10.0.0.5", "10.0.0.6"]
    assert all(len(node["cpu"]["t"]) <= 720 for node in first["perf"]["nodes"])


def jobtree_folder(workdir: Path) -> Path:
    folder = workdir / "partial"
    if not folder.exists():
        jobtree.write_job(str(folder))
    return folder


def big_facts(attempts: int = 200_000, nodes: int = 16, processes: int = 4) -> JobFacts:
    """A job of 200,000 attempts on 16 nodes × 4 processes, as the log parser would leave it (all rows kept)."""
    facts = JobFacts(tree=LogTree(root="/bench"), job=JobInfo())
    report = facts.minibatches
    start = datetime(2024, 5, 12, 8, 0, 0)
    lanes = [(str(n), f"process{p:03d}") for n in range(nodes) for p in range(processes)]
    for index in range(attempts):
        node, process = lanes[index % len(lanes)]
        slow = 1.6 if node == "5" else 1.0
        begin = start + timedelta(seconds=(index // len(lanes)) * 7.0 * slow + index % 7)
        failed = index % 97 == 0 or (node == "11" and index > attempts * 0.9)
        elapsed = 60.0 if failed and index % 2 else 6.5 * slow
        row = MiniBatchRow(
            mini_batch=str(index),
            process=process,
            node=node,
            start=begin.isoformat(timespec="microseconds"),
            elapsed=elapsed,
            process_seconds=elapsed * 0.7,
            status=("RUN_TIMEOUT" if index % 2 else "RUN_EXCEPTION") if failed else "RUN_DONE",
            picked=2 if index % 89 == 0 else 1,
            path="logs/sys/job_report/processed_mini-batches.csv",
            line=index + 2,
            error="MemoryError" if failed else "",
        )
        report.timeline.append(row)
        report.attempts += 1
        end = begin + timedelta(seconds=elapsed)
        minute = end.strftime("%Y-%m-%dT%H:%M")
        report.per_minute[minute] += 1
        if failed:
            report.failed_per_minute[minute] += 1
            report.errors[(row.status, row.error)] += 1
        report.by_node[node].add(elapsed, failed)
        report.by_process[f"{node}/{process}"].add(elapsed, failed)
        report.started_at = min(report.started_at or begin, begin)
        report.ended_at = max(report.ended_at or end, end)
    for n in range(nodes):
        perf = facts.perf.setdefault(str(n), NodePerf(str(n)))
        perf.memory_total_mb = 57321.0
        for sample in range(3000):
            stamp = (start + timedelta(seconds=10 * sample)).isoformat()
            perf.cpu_series.add(stamp, 70.0 + (sample % 20))
            perf.memory_series.add(stamp, 45.0 + (50.0 * sample / 3000 if n == 11 else 0.0))
            perf.disk_series.add(stamp, 40.0 + sample / 300)
    return facts


@pytest.fixture(scope="module")
def big_page(workdir: Path) -> tuple[Path, dict[str, Any], float]:
    facts = big_facts()
    began = time.perf_counter()
    charts = chart_data(facts)
    target = workdir / "big.html"
    write_report({"verdict": "failed", "summary": "A 200,000-attempt job.", "findings": []}, str(target), charts)
    return target, charts, time.perf_counter() - began


def test_a_200k_attempt_job_is_aggregated_and_the_page_says_so(big_page: tuple[Path, dict[str, Any], float]) -> None:
    target, charts, seconds = big_page
    timeline = charts["timeline"]
    assert timeline["mode"] == "buckets" and timeline["attempts"] == 200_000
    assert len(timeline["lanes"]) == 64
    assert len(timeline["lanes"]) * len(timeline["times"]) <= MAX_BARS
    assert sum(map(sum, timeline["counts"])) == 200_000
    assert sum(charts["throughput"]["succeeded"]) + sum(charts["throughput"]["failed"]) == 200_000
    assert all(len(node["memory"]["t"]) <= 720 for node in charts["perf"]["nodes"])
    size = target.stat().st_size
    assert size < 10 * 1024 * 1024, size
    html = target.read_text(encoding="utf-8")
    assert "more than a browser draws one by one" in html and "too many to draw one by one" in html
    assert "One sample in" in html  # the thinned resource series say so
    assert seconds < 30, seconds


def test_chart_data_says_when_the_parser_kept_only_part_of_the_timeline() -> None:
    facts = big_facts(attempts=3000, nodes=2, processes=2)
    report = facts.minibatches
    report.per_minute["2024-05-12T23:59"] += 5000  # more attempts than timeline rows
    report.ended_at = datetime(2024, 5, 12, 23, 59)
    notes = chart_data(facts)["notes"]
    assert any("3,000 of 8,000 timed attempts" in note and "keeps no more" in note for note in notes)


def test_lanes_without_nodes_are_explained() -> None:
    facts = big_facts(attempts=200, nodes=2, processes=2)
    for node in ("0", "1"):
        facts.tree.files.append(LogFile(f"logs/sys/node/{node}/_main.txt", "/x", FileKind.WORKER_MAIN, 0, node=node))
    assert not any("names the process" in note for note in chart_data(facts)["notes"])
    for row in facts.minibatches.timeline:
        row.node = None
    charts = chart_data(facts)
    assert any("on all 2 nodes" in note for note in charts["notes"])
    assert charts["timeline"]["lanes"] == ["process000", "process001"]


# ---------------------------------------------------------------------------------------------------
# The CLI path


def test_diagnose_writes_the_html_report_and_json_stays_lean(workdir: Path, tmp_path: Path) -> None:
    folder = jobtree_folder(workdir)
    target = tmp_path / "report.html"
    env = {**os.environ, "AZURE_CONFIG_DIR": str(tmp_path / "azconfig"), "AZURE_CORE_COLLECT_TELEMETRY": "false"}
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "az"), "ml", "batch-troubleshoot", "diagnose", "--log-dir", str(folder),
         "--report-file", str(target), "-o", "json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "timeline" not in json.dumps(report) and report["verdict"] == "partial"
    content = page_content(target.read_text(encoding="utf-8"))
    assert len(content["charts"]) >= 8 and content["loads"] == []


def test_json_output_never_imports_plotly(workdir: Path) -> None:
    folder = jobtree_folder(workdir)
    code = (
        "import sys\n"
        "from azext_batchtroubleshoot.core.engine import analyse_folder_with_facts\n"
        "from azext_batchtroubleshoot.render.files import render_for_path\n"
        "import azext_batchtroubleshoot.custom, azext_batchtroubleshoot.commands\n"
        f"report, facts = analyse_folder_with_facts({str(folder)!r})\n"
        "render_for_path(report.to_dict(), 'r.json'); render_for_path(report.to_dict(), 'r.md')\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('plotly', 'narwhals')], 'plotly was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------------
# In a browser


def _open_and_check(page_path: Path, screenshot: Path) -> dict[str, Any]:
    with browser.open_page(page_path.as_uri()) as page:
        rendered = int(page.wait_for("document.body.getAttribute('data-charts-rendered')", timeout=120))
        charts = page.evaluate(
            "Array.from(document.querySelectorAll('div.chart')).map(d => "
            "[d.id, d.querySelectorAll('svg.main-svg').length, d.querySelectorAll('g.trace, g.hm image').length,"
            " d.querySelectorAll('g.trace.bars g.point').length])"
        )
        failed = page.evaluate("document.body.getAttribute('data-charts-failed')")
        filters = None
        if page.evaluate("document.querySelectorAll('article.finding').length"):
            filters = page.evaluate(
                "(() => { const b = document.querySelector('button[data-filter=severity]');"
                " const all = document.querySelectorAll('article.finding').length; b.click();"
                " const shown = document.querySelectorAll('article.finding:not([hidden])').length;"
                " const label = document.getElementById('findings-shown').textContent;"
                " document.querySelector('button[data-filter=reset]').click();"
                " return [all, shown, label, b.dataset.value,"
                " document.querySelectorAll('article.finding:not([hidden])').length]; })()"
            )
        page.screenshot(screenshot)
        page.pump(0.5)
        return {
            "rendered": rendered,
            "failed": failed,
            "charts": charts,
            "filters": filters,
            "errors": page.console_errors(),
            "requests": page.requests(),
        }


def _timeline_rows(workdir: Path) -> list[str]:
    csv = jobtree_folder(workdir) / "logs" / "sys" / "job_report" / "processed_mini-batches.csv"
    return csv.read_text(encoding="utf-8").splitlines()[1:]


needs_chromium = pytest.mark.skipif(
    browser.find_chromium() is None,
    reason="Chromium is not installed (make test installs Debian's chromium package; or apt-get install chromium)",
)


@needs_chromium
def test_the_page_renders_in_chromium_offline(workdir: Path) -> None:
    _, report, _ = _page("partial", workdir)
    result = _open_and_check(workdir / "partial.html", ARTIFACTS / "html-report.png")
    assert result["errors"] == []
    assert [url for url in result["requests"] if not url.startswith(LOCAL_SCHEMES)] == []
    assert result["failed"] == "0" and result["rendered"] == len(result["charts"]) >= 8
    for ident, svgs, drawn, _ in result["charts"]:
        assert svgs >= 1 and drawn >= 1, ident
    bars = next(count for ident, _, _, count in result["charts"] if ident == "chart-timeline")
    assert bars == sum(1 for _ in _timeline_rows(workdir))  # one bar per attempt
    total, shown, label, severity, after = result["filters"]
    assert shown == sum(1 for f in report["findings"] if f["severity"] == severity)
    assert label == f"{shown} of {total} shown" and after == total
    assert (ARTIFACTS / "html-report.png").stat().st_size > 50_000


@needs_chromium
def test_the_200k_attempt_page_renders_in_chromium(big_page: tuple[Path, dict[str, Any], float]) -> None:
    target, _, _ = big_page
    began = time.perf_counter()
    result = _open_and_check(target, ARTIFACTS / "html-report-200k.png")
    assert result["errors"] == [] and result["failed"] == "0"
    assert [url for url in result["requests"] if not url.startswith(LOCAL_SCHEMES)] == []
    assert all(svgs >= 1 and drawn >= 1 for _, svgs, drawn, _ in result["charts"]), result["charts"]
    assert time.perf_counter() - began < 120
