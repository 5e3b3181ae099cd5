"""A file the user cannot read is listed under files_skipped with the reason, and the rest is still analysed.

Root reads everything, so as root the analysis runs in a subprocess as the unprivileged user ``nobody`` (on a copy of
the package, since the checkout may not be readable to it); as any other user, in this process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/mnt/azureml/cr/j/1/exe/wd/score.py", line 3, in init\n'
    "    import pandas\n"
    "ModuleNotFoundError: No module named 'pandas'\n"
)
# The package's __init__ is the Azure CLI loader; the analysis core itself needs only the standard library.
RUNNER = """
import json, sys, types
package = types.ModuleType("azext_batchtroubleshoot")
package.__path__ = [sys.argv[1] + "/azext_batchtroubleshoot"]
sys.modules["azext_batchtroubleshoot"] = package
from azext_batchtroubleshoot.core.engine import analyse_folder
print(json.dumps(analyse_folder(sys.argv[2]).to_dict()))
"""


def _tree(root: Path) -> Path:
    errors = root / "logs" / "user" / "error" / "0"
    errors.mkdir(parents=True)
    (errors / "process000.txt").write_text(TRACE)
    locked = errors / "process001.txt"
    locked.write_text("ModuleNotFoundError: No module named 'hidden'\n")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    locked.chmod(0o000)
    return root


def _analyse_as_nobody(tree: Path, workdir: Path) -> dict[str, object]:
    runuser, python = shutil.which("runuser"), "/usr/bin/python3"
    if not runuser or not os.path.exists(python):
        pytest.skip("needs runuser and /usr/bin/python3 to drop root privileges")
    copy = workdir / "package"
    shutil.copytree(REPO / "azext_batchtroubleshoot", copy / "azext_batchtroubleshoot")
    for path in [workdir, copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    done = subprocess.run(
        [runuser, "-u", "nobody", "--", python, "-c", RUNNER, str(copy), str(tree)],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder that ``nobody`` can reach (pytest's own lives under a root-only folder)."""
    folder = Path(tempfile.mkdtemp(prefix="bt-permissions-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_unreadable_file_is_skipped_with_its_reason(open_tmp: Path) -> None:
    tree = _tree(open_tmp / "job")
    if os.geteuid() == 0:
        report = _analyse_as_nobody(tree, open_tmp)
    else:
        from azext_batchtroubleshoot.core.engine import analyse_folder

        report = analyse_folder(str(tree)).to_dict()
    skipped = {item["path"]: item["reason"] for item in report["sources"]["files_skipped"]}  # type: ignore[index]
    assert skipped == {"logs/user/error/0/process001.txt": "cannot read: Permission denied"}
    assert report["root_cause"]["rule_id"] == "BT101"  # type: ignore[index]
    assert "hidden" not in json.dumps(report)
