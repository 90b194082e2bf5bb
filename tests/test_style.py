"""The Style section's checks, run by the test command so CI enforces them: ruff lint, ruff format, mypy."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

PATHS = ["resolver", "tests", "bench"]


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def tool(name: str) -> str:
    found = shutil.which(name, path=str(ROOT / ".venv" / "bin")) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install '.[test]' brings it")
    return found


def test_ruff_check_is_clean():
    done = run(tool("ruff"), "check", *PATHS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean():
    done = run(tool("ruff"), "format", "--check", *PATHS)
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr


def test_mypy_is_clean_on_the_package():
    done = run(sys.executable, "-m", "mypy", "--no-incremental")  # files and settings: [tool.mypy] in pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr
