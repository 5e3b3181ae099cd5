"""The production path: build the wheel, `az extension add --source <wheel>`, run the installed extension.

The wheel is installed with its declared dependencies (azure-ai-ml, hyperscan), exactly as users get it; pip takes
them from its configured indexes and caches.  A fresh configuration folder holds the install, and
AZURE_EXTENSION_DEV_SOURCES is removed so that the checkout itself is never loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
AZ = VENV_BIN / "az"
SAMPLE = REPO / "samples" / "init-missing-module"
SOURCES = ("setup.py", "pyproject.toml", "README.md", "HISTORY.rst", "azext_batchtroubleshoot")


def _env(config_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AZURE_", "PYTEST_")) and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        {
            "AZURE_CONFIG_DIR": str(config_dir),
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_CHECK_UPDATE": "false",
        }
    )
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], dict[str, float]]]:
    if not AZ.exists():
        pytest.fail(f"{AZ} is missing: run `make dev`")
    work = tmp_path_factory.mktemp("wheel")
    # Build from a copy of the sources, so that setuptools' in-tree build/ and egg-info never touch the checkout
    # that other people are working in.
    source = work / "src"
    source.mkdir()
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif origin.exists():
            shutil.copy2(origin, source / name)
    timings: dict[str, float] = {}
    env = _env(work / "azure-config")
    started = time.monotonic()
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work / "dist"), str(source)], env, work
    )
    timings["build"] = time.monotonic() - started
    wheels = sorted((work / "dist").glob("batchtroubleshoot-*.whl"))
    assert len(wheels) == 1, wheels
    started = time.monotonic()
    _run([str(AZ), "extension", "add", "--source", str(wheels[0]), "-y"], env, work)
    timings["install"] = time.monotonic() - started
    yield wheels[0], env, timings
    print(f"\nwheel: build {timings['build']:.1f} s, az extension add {timings['install']:.1f} s")


def test_wheel_contents(installed: tuple[Path, dict[str, str], dict[str, float]]) -> None:
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "azext_batchtroubleshoot/azext_metadata.json" in names
    assert "azext_batchtroubleshoot/py.typed" in names
    assert "azext_batchtroubleshoot/rules/bt101_missing_python_module.py" in names
    assert not [n for n in names if n.startswith(("tests/", "samples/", "bench/", "scripts/"))]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [
        line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines() if line.startswith("Requires-Dist")
    ]
    assert any("azure-ai-ml" in line for line in requires)


def test_extension_is_installed_from_the_wheel(installed: tuple[Path, dict[str, str], dict[str, float]]) -> None:
    wheel, env, _ = installed
    done = _run([str(AZ), "extension", "list", "-o", "json"], env, wheel.parent)
    extensions = {e["name"]: e for e in json.loads(done.stdout)}
    ext = extensions["batchtroubleshoot"]
    assert ext["extensionType"] == "whl"
    assert ext["version"] == wheel.name.split("-")[1]
    assert Path(ext["path"]).is_relative_to(Path(env["AZURE_CONFIG_DIR"]))


def test_installed_extension_diagnoses_the_sample(installed: tuple[Path, dict[str, str], dict[str, float]]) -> None:
    wheel, env, timings = installed
    started = time.monotonic()
    done = _run(
        [str(AZ), "ml", "batch-troubleshoot", "diagnose", "--log-dir", str(SAMPLE), "-o", "json"], env, wheel.parent
    )
    timings["diagnose"] = time.monotonic() - started
    report = json.loads(done.stdout)
    assert report["schema_version"] == "1"
    assert report["verdict"] == "failed"
    assert report["root_cause"]["rule_id"] == "BT101"
    assert "No module named 'pandas'" in report["root_cause"]["message"]


def test_installed_code_is_the_one_that_runs(installed: tuple[Path, dict[str, str], dict[str, float]]) -> None:
    wheel, env, _ = installed
    probe = (
        "import os, sys\n"
        "from azure.cli.core import get_default_cli\n"
        "get_default_cli().invoke(['ml', 'batch-troubleshoot', 'rules', 'show', '--id', 'BT101', '-o', 'json'],"
        " out_file=open(os.devnull, 'w'))\n"
        "print(sys.modules['azext_batchtroubleshoot'].__file__)\n"
    )
    done = _run([sys.executable, "-c", probe], env, wheel.parent)
    loaded = Path(done.stdout.strip().splitlines()[-1])
    assert loaded.is_relative_to(Path(env["AZURE_CONFIG_DIR"]) / "cliextensions" / "batchtroubleshoot")
